/**
 * Bad documents: one `zhsearch index` run over a directory of hostile inputs made here (a 20 MB
 * article, a binary file named .txt, invalid UTF-8, a 50 MB JSONL line, deeply nested JSON, an
 * id reused with other content, lone surrogates). Each is either indexed correctly or listed in
 * the ingestion report with its reason, and the run goes on to index the good inputs after them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex } from '../../src/index.js';
import type { IngestReport } from '../../src/ingest/pipeline.js';
import { random, removeDir, tempDir } from '../helpers.js';
import { sentence } from './synthetic.js';

const CLI = join(process.cwd(), 'bin/zhsearch.js');
const rnd = random(7);
const article = (n: number) => Array.from({ length: n }, () => sentence(rnd)).join('');
const line = (r: unknown) => JSON.stringify(r);

let work: string;
let indexDir: string;
let report: IngestReport;
let run: ReturnType<typeof spawnSync>;
let index: SearchIndex;
const byOrigin = (suffix: string) => report.rejected.filter((r) => r.origin.endsWith(suffix));

beforeAll(() => {
  work = tempDir('zhsearch-bad-docs-');
  indexDir = join(work, 'index');
  const input = join(work, 'input');
  mkdirSync(input);

  // Pages, read in name order.
  const paragraph = Buffer.from(article(40) + '\n\n');
  const big = Buffer.concat([Buffer.from('国家图书馆举办大型阅读活动\n\n'), ...Array<Buffer>(Math.ceil((20 * 1024 * 1024) / paragraph.length)).fill(paragraph)]);
  writeFileSync(join(input, 'a-20mb.txt'), big);
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(Array.from({ length: 4000 }, () => Math.floor(rnd() * 256)))]);
  writeFileSync(join(input, 'b-binary.txt'), png);
  const noise = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i % 3 === 0 ? 0x00 : Math.floor(rnd() * 256))));
  writeFileSync(join(input, 'b-noise.txt'), noise);
  // Valid UTF-8 but for one stray byte: repaired (the byte dropped), indexed.
  const text = `修复字节测试\n\n${article(30)}`;
  const bytes = Buffer.from(text);
  const cut = Buffer.from(text.slice(0, 40)).length;
  writeFileSync(join(input, 'c-one-bad-byte.txt'), Buffer.concat([bytes.subarray(0, cut), Buffer.from([0xff]), bytes.subarray(cut)]));
  // Mostly invalid: neither UTF-8 nor GB18030.
  writeFileSync(join(input, 'c-invalid-utf8.txt'), Buffer.concat([Buffer.from('图书馆'), Buffer.alloc(3000, 0xff), Buffer.from(article(5))]));

  // Records.
  const lines = [
    line({ id: 'ok-1', title: '第一条正常记录', content: article(5), date: '2023-01-02' }),
    line({ id: 'huge-line', title: '五十兆', content: '图'.repeat(50 * 1024 * 1024 / 3 + 10) }), // 50 MB line
    line({ id: 'too-long', title: '超长', content: '书'.repeat(1_500_000) }), // under the line cap, over the document cap
    line({ id: 'ok-2', title: '第二条正常记录', content: article(5) }),
    `{"id":"deep","title":"嵌套","content":"${article(2)}","extra":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
    `{"id":"deep-object","content":"${article(2)}","extra":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`,
    line({ id: 'nested-ok', content: article(3), extra: { a: { b: { c: [1, [2, [3]]] } } } }),
    line({ id: 'reused', title: '旧版本', content: `旧内容${article(4)}` }),
    line({ id: 'lone-\ud800', title: '孤立\udc00代理', content: `代理项测试${article(4)}` }),
    '{"id": "broken", "content": ',
    line({ id: 'reused', title: '新版本', content: `新内容${article(4)}` }),
    line({ id: 'ok-3', title: '最后一条正常记录', content: article(5) }),
  ];
  const jsonl = Buffer.from(lines.join('\n') + '\n');
  // A line with one invalid byte (repaired) and one that is mostly invalid (rejected), appended raw.
  const repairable = Buffer.from(line({ id: 'bad-byte', title: '坏字节', content: article(20) }));
  const at = repairable.indexOf(Buffer.from('坏'));
  const damaged = Buffer.concat([repairable.subarray(0, at), Buffer.from([0xc3]), repairable.subarray(at)]);
  const garbage = Buffer.concat([Buffer.from('{"id":"garbage","content":"'), Buffer.alloc(500, 0xfe), Buffer.from('"}')]);
  writeFileSync(join(input, 'records.jsonl'), Buffer.concat([jsonl, damaged, Buffer.from('\n'), garbage, Buffer.from('\n'), Buffer.from(line({ id: 'ok-4', content: article(3) }) + '\n')]));

  run = spawnSync(process.execPath, [CLI, 'index', input, '--index-dir', indexDir, '--quiet'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  report = JSON.parse(readFileSync(join(indexDir, 'ingest-report.json'), 'utf8')) as IngestReport;
  index = SearchIndex.open(indexDir);
}, 120_000);

afterAll(async () => {
  await index?.close();
  if (work) removeDir(work);
});

describe('bad documents', () => {
  it('finishes the run and indexes every good input, also those after the bad ones', () => {
    expect(run.status, String(run.stderr)).toBe(0);
    for (const id of ['ok-1', 'ok-2', 'ok-3', 'ok-4', 'nested-ok']) expect(index.get(id)?.id).toBe(id);
    expect(index.get('nested-ok')?.extra).toEqual({ extra: { a: { b: { c: [1, [2, [3]]] } } } });
    expect(report.indexed).toBe(index.documentCount);
  });

  it('rejects a 20 MB article as too large, naming its size', () => {
    const [r] = byOrigin('a-20mb.txt');
    expect(r).toMatchObject({ reason: 'too_large' });
    expect(r.message).toMatch(/has [\d,]+ characters; a document may have at most 1,000,000/);
  });

  it('rejects a binary file named .txt', () => {
    expect(byOrigin('b-binary.txt')[0]).toMatchObject({ reason: 'binary', message: expect.stringContaining('PNG') });
    expect(byOrigin('b-noise.txt')[0]).toMatchObject({ reason: 'binary' });
  });

  it('repairs a page with one invalid UTF-8 byte and rejects one that is mostly invalid', () => {
    expect(byOrigin('c-one-bad-byte.txt')).toEqual([]);
    const doc = index.get('c-one-bad-byte.txt');
    expect(doc?.content).not.toContain('\ufffd');
    expect(index.search('修复字节测试').hits.map((h) => h.id)).toContain('c-one-bad-byte.txt');
    expect(byOrigin('c-invalid-utf8.txt')[0]).toMatchObject({ reason: 'undecodable' });
  });

  it('rejects a 50 MB JSONL line without reading it whole, and a record over the document size', () => {
    const huge = report.rejected.find((r) => r.origin.endsWith('records.jsonl:2'));
    expect(huge).toMatchObject({ reason: 'too_large', message: expect.stringMatching(/line of 50\.\d MiB; a JSONL line may have at most 16\.0 MiB/) });
    const long = report.rejected.find((r) => r.origin.endsWith('records.jsonl:3'));
    expect(long).toMatchObject({ reason: 'too_large', message: expect.stringContaining('record too-long') });
    expect(index.get('huge-line')).toBeNull();
    expect(index.get('too-long')).toBeNull();
  });

  it('rejects deeply nested JSON and keeps moderately nested extra fields', () => {
    expect(report.rejected.find((r) => r.origin.endsWith('records.jsonl:5'))).toMatchObject({ reason: 'too_deep', message: 'record nested deeper than 32 levels' });
    expect(report.rejected.find((r) => r.origin.endsWith('records.jsonl:6'))).toMatchObject({ reason: 'too_deep' });
    expect(index.get('deep')).toBeNull();
  });

  it('indexes the later of two records with the same id and reports the earlier as replaced', () => {
    const doc = index.get('reused');
    expect(doc?.title).toBe('新版本');
    expect(doc?.content).toMatch(/^新内容/);
    expect(index.search('"旧内容"').hits.map((h) => h.id)).not.toContain('reused');
    expect(index.search('"新内容"').hits.map((h) => h.id)).toContain('reused');
    const replaced = report.rejected.find((r) => r.reason === 'replaced');
    expect(replaced).toMatchObject({ id: 'reused', origin: expect.stringMatching(/records\.jsonl:8$/), message: expect.stringMatching(/records\.jsonl:11, whose document replaces this one/) });
  });

  it('stores lone surrogates as U+FFFD, so the document is found by its id and text', () => {
    const doc = index.get('lone-\ufffd');
    expect(doc?.title).toBe('孤立\ufffd代理');
    expect(index.search('代理项测试').hits.map((h) => h.id)).toContain('lone-\ufffd');
  });

  it('repairs a JSONL line with one invalid byte and rejects one that is mostly invalid', () => {
    expect(index.get('bad-byte')?.title).toBe('坏字节');
    expect(report.rejected.find((r) => r.origin.endsWith('records.jsonl:14'))).toMatchObject({ reason: 'undecodable' });
    expect(report.rejected.find((r) => r.origin.endsWith('records.jsonl:10'))).toMatchObject({ reason: 'bad_json' });
  });

  it('counts every rejection by reason', () => {
    const counted = Object.values(report.byReason).reduce((a, b) => a + (b ?? 0), 0);
    expect(counted).toBe(report.rejected.length);
    expect(report.byReason).toMatchObject({ too_large: 3, binary: 2, undecodable: 2, too_deep: 2, replaced: 1, bad_json: 1 });
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { HAS_SHARED, SHARED } from '../helpers.js';
import { ArticleConverter } from '../../src/ingest/article-converter.js';
import { Ingestion } from '../../src/ingest/pipeline.js';
import type { RawInput } from '../../src/ingest/readers.js';

const seed = (name: string) => readFileSync(path.join(SHARED!, 'seeds', name));

async function* inputs(list: RawInput[]): AsyncGenerator<RawInput> {
  yield* list;
}

describe.skipIf(!HAS_SHARED)('ArticleConverter in the ingestion pipeline', () => {
  it('turns raw inputs into documents and typed rejections', async () => {
    const page003 = seed('003_62f2a207f5dc740e.txt');
    const gbPage = iconv.encode(page003.toString('utf8'), 'gb18030');
    const run = new Ingestion(new ArticleConverter({ id: 'docid', content: 'facts' }));
    const docs = [];
    for await (const d of run.documents(inputs([
      { kind: 'page', origin: 'seeds/003.txt', id: 'seeds/003.txt', bytes: page003, format: 'txt' },
      { kind: 'page', origin: 'copies/003-gbk.txt', id: 'copies/003-gbk.txt', bytes: gbPage, format: 'txt' },
      { kind: 'page', origin: 'seeds/004.txt', id: 'seeds/004.txt', bytes: seed('004_bc08ce36c491280e.txt'), format: 'txt' },
      { kind: 'page', origin: 'x.pdf.txt', id: 'x.pdf.txt', bytes: Buffer.from('%PDF-1.4\n%âãÏÓ'), format: 'txt' },
      { kind: 'record', origin: 'a.jsonl:1', record: { docid: 'c1', facts: '6月1日，佛山市图书馆举办少儿阅读节开幕式，三百多名少年儿童和家长参加。' } },
      { kind: 'record', origin: 'a.jsonl:2', record: { facts: '没有编号的记录，内容足够长，可以通过长度检查吧。' } },
      { kind: 'problem', origin: 'a.jsonl:3', reason: 'bad_json', message: 'Unexpected token' },
    ]))) docs.push(d);
    // The GBK copy of 003 is kept, grouped with the first-seen copy (not rejected).
    expect(docs.map((d) => d.id)).toEqual(['seeds/003.txt', 'copies/003-gbk.txt', 'seeds/004.txt', 'c1']);
    expect(docs[0].source).toBe('闪电新闻');
    expect(docs[0].duplicateOf).toBeUndefined();
    expect(docs[1].duplicateOf).toBe('seeds/003.txt');
    expect(run.report.byReason).toEqual({ binary: 1, bad_record: 1, bad_json: 1 });
    expect(run.report.indexed).toBe(4);
    expect(run.report.duplicateGroups).toEqual({
      groups: 1,
      duplicates: 1,
      articles: 2,
      list: [{ original: 'seeds/003.txt', duplicates: [{ id: 'copies/003-gbk.txt', origin: 'copies/003-gbk.txt', similarity: 1 }] }],
    });
  });

  it('with dedupe off, no document gets duplicateOf and no group is reported', async () => {
    const page003 = seed('003_62f2a207f5dc740e.txt');
    const run = new Ingestion(new ArticleConverter({}, { dedupe: false }));
    const docs = [];
    for await (const d of run.documents(inputs([
      { kind: 'page', origin: 'a.txt', id: 'a.txt', bytes: page003, format: 'txt' },
      { kind: 'page', origin: 'b.txt', id: 'b.txt', bytes: page003, format: 'txt' },
    ]))) docs.push(d);
    expect(docs.map((d) => [d.id, d.duplicateOf])).toEqual([['a.txt', undefined], ['b.txt', undefined]]);
    expect(run.report.duplicateGroups).toEqual({ groups: 0, duplicates: 0, articles: 0, list: [] });
  });

  it('keeps a record with a few U+FFFD characters, with a warning; rejects one that is mostly undecodable', async () => {
    const body = '6月1日，佛山市图书馆举办少儿阅读节开幕式，三百多名少年儿童和家长参加，现场还开展了绘本共读、手工制作等活动。';
    const run = new Ingestion(new ArticleConverter());
    const docs = [];
    for await (const d of run.documents(inputs([
      { kind: 'record', origin: 'r.jsonl:1', record: { id: 'few', title: '佛山市图书馆少儿阅读节', content: body.replace('绘本', '绘\ufffd').replace('手工', '\ufffd\ufffd') } },
      { kind: 'record', origin: 'r.jsonl:2', record: { id: 'mostly', content: `图书馆${'\ufffd'.repeat(30)}阅读` } },
      { kind: 'page', origin: 'p.txt', id: 'p.txt', bytes: Buffer.concat([Buffer.from('佛山市图书馆少儿阅读节\n'), Buffer.from(body.slice(0, 20)), Buffer.from([0xff]), Buffer.from(body.slice(20))]), format: 'txt' },
    ]))) docs.push(d);
    expect(docs.map((d) => d.id)).toEqual(['few', 'p.txt']);
    expect(docs[0].content).toContain('绘\ufffd');
    expect(run.report.warnings).toEqual([
      { origin: 'r.jsonl:1', id: 'few', message: '3 undecodable character(s) (U+FFFD) kept in the text' },
      { origin: 'p.txt', id: 'p.txt', message: '1 undecodable byte sequence(s) dropped (U+FFFD)' },
    ]);
    expect(run.report.rejected).toMatchObject([{ origin: 'r.jsonl:2', reason: 'undecodable' }]);
  });
});

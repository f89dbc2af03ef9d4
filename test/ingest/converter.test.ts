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
    expect(docs.map((d) => d.id)).toEqual(['seeds/003.txt', 'seeds/004.txt', 'c1']);
    expect(docs[0].source).toBe('闪电新闻');
    expect(run.report.byReason).toEqual({ duplicate: 1, binary: 1, bad_record: 1, bad_json: 1 });
    expect(run.report.rejected.find((r) => r.reason === 'duplicate')).toMatchObject({ origin: 'copies/003-gbk.txt', duplicateOf: 'seeds/003.txt' });
  });
});

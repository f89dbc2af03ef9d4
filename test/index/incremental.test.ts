/**
 * Acceptance: adding 1,000 documents to an existing index gives the same results as building
 * from scratch with all of them; deleting or replacing by id shows in results and counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex, type DocumentInput } from '../../src/index.js';
import { HAS_SHARED, removeDir, tempDir, xwlbSample } from '../helpers.js';

const QUERIES = ['图书馆', '经济 发展', '习近平 会见', '"一带一路"', '农业 OR 农村', '改革 -开放', '蝶', '人工智能', 'title:会议', '创新 驱动 发展', '香港', '世界杯'];

describe.skipIf(!HAS_SHARED)('incremental indexing', () => {
  let scratchDir: string;
  let incDir: string;
  let scratch: SearchIndex;
  let inc: SearchIndex;
  let docs: DocumentInput[];

  beforeAll(async () => {
    docs = xwlbSample(3000, 11);
    scratchDir = tempDir();
    incDir = tempDir();
    scratch = SearchIndex.open(scratchDir, { threads: 2 });
    await scratch.add(docs);
    await scratch.commit();
    inc = SearchIndex.open(incDir, { threads: 2 });
    await inc.add(docs.slice(0, 2000));
    await inc.commit();
    await inc.add(docs.slice(2000));
    await inc.commit();
  });
  afterAll(async () => {
    await scratch.close();
    await inc.close();
    removeDir(scratchDir);
    removeDir(incDir);
  });

  it('adding 1,000 documents gives the same results as building from scratch', () => {
    expect(inc.stats().segments).toBe(2);
    expect(scratch.stats().segments).toBe(1);
    expect(inc.documentCount).toBe(3000);
    for (const q of QUERIES) {
      for (const op of ['and', 'or'] as const) {
        const a = scratch.search(q, { size: 30, op });
        const b = inc.search(q, { size: 30, op });
        expect(b.total, q).toBe(a.total);
        expect(b.hits.map((h) => h.id), q).toEqual(a.hits.map((h) => h.id));
        b.hits.forEach((h, i) => expect(Math.abs(h.score - a.hits[i].score)).toBeLessThanOrEqual(1e-9 * a.hits[i].score));
      }
    }
  });

  it('deleting an id removes it from results and counts', async () => {
    const before = inc.search('图书馆', { size: 100 });
    const victim = before.hits[0].id;
    inc.delete(victim);
    await inc.commit();
    const after = inc.search('图书馆', { size: 100 });
    expect(after.total).toBe(before.total - 1);
    expect(after.hits.map((h) => h.id)).not.toContain(victim);
    expect(inc.documentCount).toBe(2999);
    expect(inc.get(victim)).toBeNull();
  });

  it('indexing an id again replaces the old version', async () => {
    const target = docs[5];
    await inc.add({ ...target, title: '替换后的标题', content: '这是替换后的正文，提到了独一无二的词语魑魅魍魉。' });
    await inc.commit();
    expect(inc.documentCount).toBe(2999);
    expect(inc.search('魑魅魍魉').hits.map((h) => h.id)).toEqual([target.id]);
    expect(inc.get(target.id)?.title).toBe('替换后的标题');
    const oldWords = target.title!.slice(0, 6);
    expect(inc.search(`"${oldWords}"`, { size: 100 }).hits.map((h) => h.id)).not.toContain(target.id);
  });

  it('merges everything when deletions pile up, with identical results', async () => {
    const ids = docs.slice(100, 900).map((d) => d.id);
    inc.delete(...ids);
    const result = await inc.commit();
    expect(result.segments).toBe(1);
    expect(inc.documentCount).toBe(2999 - 800);
    const gone = new Set(ids);
    expect(inc.search('中国', { size: 10_000 }).hits.some((h) => gone.has(h.id))).toBe(false);
  });
});

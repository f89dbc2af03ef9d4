/**
 * Dynamic pruning (src/search/pruning.ts) returns exactly what exhaustive scoring returns: the
 * same hits with the same scores, the same totals and facets, on many random OR queries over an
 * xwlb sample in several segments with deletions, with and without filters, on several pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex, type SearchOptions } from '../../src/index.js';
import { pruningStats } from '../../src/search/pruning.js';
import { HAS_SHARED, random, removeDir, tempDir, xwlbSample } from '../helpers.js';

const QUERIES = 400;

describe.skipIf(!HAS_SHARED)('pruned top-k equals exhaustive scoring', () => {
  let dir: string;
  let index: SearchIndex;
  let texts: string[];

  beforeAll(async () => {
    dir = tempDir();
    const docs = xwlbSample(3000, 11);
    index = SearchIndex.open(dir, { threads: 2 });
    // Three commits (three segments unless merged) and deletions in the first.
    for (let part = 0; part < 3; part++) {
      await index.add(docs.slice(part * 1000, (part + 1) * 1000));
      await index.commit();
    }
    index.delete(...docs.filter((_, i) => i % 17 === 0).map((d) => d.id));
    await index.commit();
    texts = docs.map((d) => `${d.title}\n${d.content}`);
  }, 120_000);
  afterAll(async () => {
    await index.close();
    removeDir(dir);
  });

  it(`${QUERIES} random OR queries: same hits, scores, totals and facets`, () => {
    const rnd = random(99);
    const han = /^[\u4e00-\u9fff]+$/;
    const pick = (len: number): string => {
      for (;;) {
        const t = texts[Math.floor(rnd() * texts.length)];
        const at = Math.floor(rnd() * Math.max(1, t.length - len));
        const s = t.slice(at, at + len);
        if (han.test(s)) return s;
      }
    };
    let pruned = 0;
    for (let i = 0; i < QUERIES; i++) {
      const kind = rnd();
      // 2-8 words of 2-3 characters, or a pasted run of text.
      const q =
        kind < 0.8
          ? Array.from({ length: 2 + Math.floor(rnd() * 7) }, () => pick(2 + Math.floor(rnd() * 2))).join(' ')
          : (() => {
              const t = texts[Math.floor(rnd() * texts.length)];
              const at = Math.floor(rnd() * Math.max(1, t.length - 80));
              return t.slice(at, at + 20 + Math.floor(rnd() * 60)).replace(/["“”()（）:：-]/g, ' ');
            })();
      const options: SearchOptions = {
        op: 'or',
        size: [1, 10, 20][i % 3],
        page: 1 + (i % 4 === 3 ? 2 : 0),
        highlight: false,
        facets: ['year', 'source', 'province'],
        filters: i % 5 === 4 ? { from: '2016', to: '2020' } : undefined,
      };
      const fast = index.search(q, options);
      const full = index.search(q, { ...options, prune: false });
      expect(fast.total, q).toBe(full.total);
      expect(fast.hits.map((h) => [h.id, h.score]), q).toEqual(full.hits.map((h) => [h.id, h.score]));
      expect(fast.facets, q).toEqual(full.facets);
      if (fast.total > (options.page ?? 1) * (options.size ?? 10)) pruned++;
    }
    // Most queries have more matches than the page needs, so pruning had something to skip, and it did.
    expect(pruned).toBeGreaterThan(QUERIES / 2);
    console.log(`pruning: ${JSON.stringify(pruningStats)}`);
    expect(pruningStats.scoredExactly).toBeLessThan(pruningStats.matches / 2);
  });
});

/**
 * Dynamic pruning (src/search/pruning.ts) and block skipping (postings in blocks with skip tables,
 * src/index/postings.ts: intersections decode only the blocks they need) return exactly what
 * exhaustive scoring over wholly decoded lists returns (`prune: false`): the same hits with the
 * same scores, the same totals and facets, on many random OR and AND queries over an xwlb sample
 * in several segments (with lists of many blocks) with deletions, with and without filters, on
 * several pages. A search interrupted anywhere (its budget runs out while postings are decoded)
 * leaves nothing behind: the searches after it still equal the exhaustive answers (a pruned
 * union stopped half-way once left its per-document scratch marked, and the next search on the
 * thread looped forever: the server hung in the benchmark).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchBudgetError, SearchIndex, type SearchOptions } from '../../src/index.js';
import { pruningStats } from '../../src/search/pruning.js';
import { HAS_SHARED, random, removeDir, tempDir, xwlbSample } from '../helpers.js';

const QUERIES = 1200;

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

  it(`${QUERIES} random OR and AND queries: same hits, scores, totals and facets`, () => {
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
    /** 2-3 words of one document (each a run of 2-4 Han characters of it), so an AND matches. */
    const wordsOfOneDocument = (): string => {
      const t = texts[Math.floor(rnd() * texts.length)];
      const n = 2 + Math.floor(rnd() * 2);
      const out: string[] = [];
      for (let tries = 0; out.length < n && tries < 200; tries++) {
        const len = 2 + Math.floor(rnd() * 3);
        const at = Math.floor(rnd() * Math.max(1, t.length - len));
        const w = t.slice(at, at + len);
        if (han.test(w)) out.push(w);
      }
      return out.join(' ');
    };
    let pruned = 0;
    let ands = 0;
    for (let i = 0; i < QUERIES; i++) {
      if (i % 3 === 2) {
        // AND: block skipping in the intersection (op and, no relaxation tiers when it matches).
        const q = rnd() < 0.7 ? wordsOfOneDocument() : `${pick(2)} ${pick(2 + Math.floor(rnd() * 2))}`;
        const options: SearchOptions = {
          op: 'and',
          size: [1, 10, 20][i % 3],
          page: 1 + (i % 4 === 3 ? 1 : 0),
          highlight: false,
          facets: ['year', 'source', 'province'],
          filters: i % 5 === 4 ? { from: '2016', to: '2020' } : undefined,
          sort: i % 7 === 6 ? 'date_desc' : 'relevance',
        };
        const fast = index.search(q, options);
        const full = index.search(q, { ...options, prune: false });
        expect(fast.total, q).toBe(full.total);
        expect(fast.hits.map((h) => [h.id, h.score]), q).toEqual(full.hits.map((h) => [h.id, h.score]));
        expect(fast.facets, q).toEqual(full.facets);
        if (full.total > 0) ands++;
        continue;
      }
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
    // Most OR queries have more matches than the page needs, so pruning had something to skip, and it did.
    expect(pruned).toBeGreaterThan(QUERIES / 3);
    // Most AND queries match something.
    expect(ands).toBeGreaterThan(QUERIES / 6);
    console.log(`pruning: ${JSON.stringify(pruningStats)}`);
    expect(pruningStats.scoredExactly).toBeLessThan(pruningStats.matches / 2);
  });

  it('a search stopped by its budget anywhere leaves nothing behind for the next ones', () => {
    const rnd = random(7);
    const word = () => {
      for (;;) {
        const t = texts[Math.floor(rnd() * texts.length)];
        const at = Math.floor(rnd() * Math.max(1, t.length - 3));
        const w = t.slice(at, at + 2 + Math.floor(rnd() * 2));
        if (/^[\u4e00-\u9fff]+$/.test(w)) return w;
      }
    };
    let interrupted = 0;
    for (let i = 0; i < 60; i++) {
      const q = Array.from({ length: 3 + (i % 5) }, word).join(' ');
      const options: SearchOptions = { op: i % 4 === 3 ? 'auto' : 'or', size: 10, highlight: false, facets: ['year'] };
      const full = index.search(q, { ...options, prune: false });
      // The memory budget counts decoded postings: each step stops the search a little later.
      for (const bytes of [1, 2_000, 20_000, 60_000, 200_000]) {
        try {
          index.search(q, { ...options, memoryBytes: bytes });
        } catch (err) {
          if (!(err instanceof SearchBudgetError)) throw err;
          interrupted++;
        }
        const again = index.search(q, options);
        expect(again.total, q).toBe(full.total);
        expect(again.hits.map((h) => [h.id, h.score]), q).toEqual(full.hits.map((h) => [h.id, h.score]));
      }
    }
    expect(interrupted).toBeGreaterThan(60);
  }, 120_000);
});

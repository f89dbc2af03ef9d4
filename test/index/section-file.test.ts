/**
 * The chunk cache of lazily read sections (src/index/section-file.ts): postings chunks are read
 * from the index files on first use and kept within the process-wide budget; `chunkCacheStats`
 * counts the reads. With a budget of 0 every search reads again, with the same answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkCacheStats, DEFAULT_CHUNK_CACHE_BYTES, SearchIndex, setChunkCacheBytes } from '../../src/index.js';
import { syntheticDocs } from '../reliability/synthetic.js';
import { removeDir, tempDir } from '../helpers.js';

const QUERIES = ['图书馆 阅读', '文化', '服务 OR 读者'];
let dir: string;

beforeAll(async () => {
  dir = tempDir('zhsearch-chunks-');
  const index = SearchIndex.open(dir, { threads: 2 });
  await index.add(syntheticDocs(3000, 5));
  await index.commit();
  await index.close();
}, 300_000);

afterAll(() => {
  setChunkCacheBytes(DEFAULT_CHUNK_CACHE_BYTES);
  if (dir) removeDir(dir);
});

const answers = (index: SearchIndex) => QUERIES.map((q) => index.search(q, { size: 20, highlight: false, facets: [] })).map((r) => ({ total: r.total, ids: r.hits.map((h) => h.id) }));

describe('chunk cache', () => {
  it('reads a chunk once within the budget, and again on every search with a budget of 0', async () => {
    setChunkCacheBytes(DEFAULT_CHUNK_CACHE_BYTES);
    const index = SearchIndex.open(dir);
    try {
      const start = chunkCacheStats();
      const first = answers(index);
      const afterFirst = chunkCacheStats();
      expect(first.every((a) => a.total > 0)).toBe(true);
      expect(afterFirst.misses).toBeGreaterThan(start.misses);
      expect(afterFirst.missMs).toBeGreaterThan(start.missMs);
      expect(afterFirst.bytes).toBeGreaterThan(0);
      expect(afterFirst.budgetBytes).toBe(DEFAULT_CHUNK_CACHE_BYTES);

      expect(answers(index)).toEqual(first);
      expect(chunkCacheStats().misses).toBe(afterFirst.misses);

      setChunkCacheBytes(0);
      expect(chunkCacheStats().bytes).toBe(0);
      const before = chunkCacheStats().misses;
      expect(answers(index)).toEqual(first);
      const once = chunkCacheStats().misses - before;
      expect(once).toBeGreaterThan(0);
      expect(answers(index)).toEqual(first);
      expect(chunkCacheStats().misses - before).toBe(2 * once);
    } finally {
      await index.close();
    }
  });
});

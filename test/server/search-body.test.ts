/**
 * The search route's body serialized once (src/server/search-body.ts) is byte for byte what
 * `res.json` of the body object gave, and the search threads (src/server/lanes.ts with
 * `threads: 2`) answer it: an idle thread takes a cheap search off the event loop, the event loop
 * runs it only when every thread is busy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex, type SearchHit, type SearchResult } from '../../src/index.js';
import { SearchLanes } from '../../src/server/lanes.js';
import { searchBodyJson, searchBodyParts, type SearchBodyParts } from '../../src/server/search-body.js';
import { removeDir, tempDir } from '../helpers.js';
import { buildIndex } from './fixtures.js';

let dir: string;
let index: SearchIndex;

beforeAll(async () => {
  dir = tempDir('zhsearch-body-');
  await buildIndex(dir);
  index = SearchIndex.open(dir);
}, 300_000);
afterAll(async () => {
  await index?.close();
  if (dir) removeDir(dir);
});

/** The body as the search route built it before search-body.ts (issue 15), for `res.json`. */
function reference(result: SearchResult, page: number, size: number, tookMs: number): unknown {
  const { q, terms, excluded, op, relaxed, dropped, stopWords, ignored, interpretations, correctedFrom, didYouMean } = result.query;
  const hit = (h: SearchHit) => ({
    id: h.id,
    score: h.score,
    ...(h.unavailable ? { unavailable: true } : {}),
    title: h.title,
    titleHtml: h.titleHtml,
    snippetHtml: h.snippetHtml,
    highlights: h.highlights,
    date: h.date,
    source: h.source,
    author: h.author,
    url: h.url,
    tags: h.tags,
    regions: h.regions,
    libraries: h.libraries,
    ...(h.explain ? { explain: h.explain } : {}),
    ...(h.duplicates ? { duplicates: h.duplicates.map(({ id, title, source, date, url }) => ({ id, title, source, date, url })) } : {}),
  });
  return {
    query: {
      q,
      terms,
      excluded,
      op,
      relaxed,
      dropped,
      stopWords,
      ignored,
      interpretations: interpretations.map(({ from, to, kind, excluded }) => ({ from, to, kind, ...(excluded ? { excluded } : {}) })),
      ...(correctedFrom === undefined ? {} : { correctedFrom }),
      ...(didYouMean === undefined ? {} : { didYouMean }),
    },
    total: result.total,
    articles: result.articles,
    page,
    size,
    tookMs,
    hits: result.hits.map(hit),
    facets: result.facets,
    facetTotals: result.facetTotals,
  };
}

const CASES: Array<[string, Parameters<SearchIndex['search']>[1]]> = [
  ['图书馆', { facets: ['province', 'year', 'source'] }],
  ['读书节 OR 阅读', { page: 2, size: 5, explain: true }],
  ['金陵图书管', {}],
  ['tushuguan -讲座', { collapse: false, facets: ['library'], facetQuery: '图' }],
  ['"开放时间"', { sort: 'date_desc' }],
  ['', { size: 3, facets: ['month'] }],
  ['没有这个词语的查询xyz', {}],
];

describe('search body', () => {
  it('is the bytes JSON.stringify gave for the body object', () => {
    for (const [q, options] of CASES) {
      const result = index.search(q, options);
      const page = options?.page ?? 1;
      const size = options?.size ?? 10;
      for (const tookMs of [0, 3.25, 1234.5]) {
        expect(searchBodyJson(searchBodyParts(result, page, size), tookMs), q).toBe(JSON.stringify(reference(result, page, size, tookMs)));
      }
    }
  });

  it('is answered by idle search threads, and on the event loop when every thread is busy', async () => {
    const lanes = new SearchLanes(dir, { threads: 2 });
    await lanes.start();
    const generation = index.stats().generation;
    const options = { facets: ['province' as const], timeoutMs: 30_000 };
    const expected = (q: string) => searchBodyJson(searchBodyParts(index.search(q, options), 1, 10), 0);
    let onLoop = 0;
    const run = (client: string, q: string) =>
      lanes.search<SearchBodyParts>(client, { generation, q, options, body: { page: 1, size: 10 } }, () => {
        onLoop++;
        return searchBodyParts(index.search(q, options), 1, 10);
      });
    try {
      // Two idle threads: both searches go there, none on the event loop.
      const two = await Promise.all([run('a', '图书馆'), run('b', '阅读')]);
      expect(onLoop).toBe(0);
      expect(two.map((p) => searchBodyJson(p, 0))).toEqual([expected('图书馆'), expected('阅读')]);
      // Three at once: the third finds both threads busy and runs here.
      const three = await Promise.all([run('a', '读书节'), run('b', '讲座'), run('c', '古籍')]);
      expect(onLoop).toBe(1);
      expect(three.map((p) => searchBodyJson(p, 0))).toEqual([expected('读书节'), expected('讲座'), expected('古籍')]);
    } finally {
      await lanes.close();
    }
  }, 120_000);
});

/**
 * The options of the library API are checked: every filter takes a string or an array, and a bad
 * option of search(), SearchIndex.open() or add() throws a TypeError or RangeError naming it
 * (search/options.ts), never a crash from deep inside the search.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilterError, SearchIndex, type DocumentInput, type SearchOptions } from '../../src/index.js';
import { removeDir, tempDir } from '../helpers.js';

const DOCS: DocumentInput[] = [
  { id: 'js', title: '南京图书馆举办读书节', content: '江苏省南京市南京图书馆举办读书节，读者踊跃参加阅读推广活动。', date: '2023-04-23', source: '新华日报' },
  { id: 'hb', title: '湖北省图书馆开展阅读推广', content: '湖北省武汉市湖北省图书馆开展阅读推广，读者参加读书分享会。', date: '2022-05-01', source: '湖北日报' },
  { id: 'hn', title: '湖南图书馆举办讲座', content: '湖南省长沙市湖南图书馆举办阅读讲座，吸引读者参加。', date: '2021-06-01', source: '湖南日报' },
];

let dir: string;
let index: SearchIndex;
beforeAll(async () => {
  dir = tempDir('zhsearch-options-');
  index = SearchIndex.open(dir, { threads: 0 });
  await index.add(DOCS);
  await index.commit();
});
afterAll(async () => {
  await index.close();
  removeDir(dir);
});

/** The error `fn` throws (fails the test when it throws nothing). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('nothing thrown');
}

const ids = (options: SearchOptions) => index.search('', options).hits.map((h) => h.id).sort();

describe('filters take a string or an array', () => {
  it('province: a string (the issue\'s crash) and a list give the documents enrichment placed there', () => {
    expect(ids({ filters: { province: '江苏' } })).toEqual(['js']);
    expect(ids({ filters: { province: ['湖北', '湖南'] } })).toEqual(['hb', 'hn']);
  });

  it('every list filter: city, county, source, library', () => {
    expect(ids({ filters: { city: '南京' } })).toEqual(['js']);
    expect(ids({ filters: { city: ['武汉', '长沙'] } })).toEqual(['hb', 'hn']);
    expect(ids({ filters: { source: '湖北日报' } })).toEqual(['hb']);
    expect(ids({ filters: { source: ['湖北日报', '新华日报'] } })).toEqual(['hb', 'js']);
    expect(ids({ filters: { library: '湖南图书馆' } })).toEqual(['hn']);
    expect(ids({ filters: { library: ['湖南图书馆'] } })).toEqual(['hn']);
  });

  it('a filter value of another type is a FilterError naming the filter and the value', () => {
    const err = thrown(() => index.search('', { filters: { province: 42 as unknown as string } }));
    expect(err).toBeInstanceOf(FilterError);
    expect(err).toMatchObject({ filter: 'province', value: '42', message: 'province: must be a string or an array of strings' });
    const inList = thrown(() => index.search('', { filters: { source: ['湖北日报', 7 as unknown as string] } }));
    expect(inList).toMatchObject({ filter: 'source', value: '7', message: 'source: every value must be a string' });
  });
});

describe('search options are checked', () => {
  const cases: Array<[string, Record<string, unknown>, typeof TypeError | typeof RangeError | typeof FilterError, RegExp]> = [
    ['size out of range', { size: 0 }, RangeError, /^size: must be a whole number from 1 to 1000000$/],
    ['size too large', { size: 1_000_001 }, RangeError, /^size: must be a whole number from 1 to 1000000$/],
    ['size not whole', { size: 2.5 }, RangeError, /^size: must be a whole number/],
    ['size a string', { size: '10' }, TypeError, /^size: must be a number/],
    ['page 0', { page: 0 }, RangeError, /^page: /],
    ['page * size too deep', { page: 200_000, size: 10 }, RangeError, /^page: page \* size must be at most/],
    ['bad sort', { sort: 'newest' }, RangeError, /^sort: must be one of relevance, date_desc, date_asc \(got "newest"\)$/],
    ['bad op', { op: 'xor' }, RangeError, /^op: must be one of auto, and, or/],
    ['unknown facet', { facets: ['province', 'colour'] }, RangeError, /^facets\.1: unknown facet "colour" \(known: province/],
    ['facets not an array', { facets: 'province' }, TypeError, /^facets: must be an array of facet names$/],
    ['facetSize 0', { facetSize: 0 }, RangeError, /^facetSize: /],
    ['snippetLength negative', { snippetLength: -5 }, RangeError, /^snippetLength: /],
    ['maxTerms over 256', { maxTerms: 300 }, RangeError, /^maxTerms: must be a whole number from 1 to 256$/],
    ['timeoutMs negative', { timeoutMs: -1 }, RangeError, /^timeoutMs: must be a number, 0 or more$/],
    ['timeoutMs a string', { timeoutMs: '100' }, TypeError, /^timeoutMs: /],
    ['boolean option as a string', { collapse: 'false' }, TypeError, /^collapse: must be true or false$/],
    ['unknown option (a typo)', { filter: { province: '江苏' } }, TypeError, /^unknown search option filter$/],
    ['unknown filter', { filters: { provice: '江苏' } }, TypeError, /^filters: unknown filter provice/],
    ['undated value', { filters: { undated: 'yes' } }, FilterError, /^undated: must be one of only, exclude/],
    ['from not a string', { filters: { from: 2023 } }, TypeError, /^filters\.from: must be a string/],
    ['ranking b out of range', { ranking: { b: 2 } }, RangeError, /^ranking\.b: must be from 0 to 1$/],
    ['unknown ranking boost field', { ranking: { boosts: { body: 2 } } }, TypeError, /^ranking\.boosts: unknown field body/],
  ];
  for (const [what, options, type, message] of cases) {
    it(what, () => {
      const err = thrown(() => index.search('图书馆', options as SearchOptions));
      expect(err).toBeInstanceOf(type);
      expect(err.message).toMatch(message);
      // The same check guards a reader of one version (the server's path).
      const reader = index.acquire();
      try {
        expect(thrown(() => reader.search('图书馆', options as SearchOptions)).message).toBe(err.message);
      } finally {
        reader.release();
      }
    });
  }

  it('accepts every option at its limits, Infinity as no time limit, and undefined as unset', () => {
    const r = index.search('图书馆', {
      op: 'or', page: 1, size: 10_000, sort: 'date_asc', relax: true, facets: ['province', 'year', 'region'], facetSize: 10_000, snippetLength: 1,
      highlight: false, timeoutMs: Infinity, memoryBytes: 1e9, prune: false, explain: true, maxTerms: 256, literal: true, collapse: false,
      ranking: { k1: 1.5, b: 0, boosts: { title: 3 } }, filters: { province: undefined, from: '2021', to: '2023-12-31', undated: 'exclude' }, sort: undefined,
    } as SearchOptions);
    expect(r.total).toBe(3);
  });

  it('a query that is not a string is a TypeError', () => {
    expect(thrown(() => index.search(42 as unknown as string))).toBeInstanceOf(TypeError);
  });
});

describe('index and add options are checked', () => {
  it('SearchIndex.open names a bad index option', () => {
    const cases: Array<[Record<string, unknown>, typeof TypeError | typeof RangeError, RegExp]> = [
      [{ threads: -1 }, RangeError, /^threads: must be a whole number from 0 to 256$/],
      [{ threads: 'two' }, TypeError, /^threads: must be a number/],
      [{ enrich: 'no' }, TypeError, /^enrich: must be true or false$/],
      [{ userDicts: 'my.dict' }, TypeError, /^userDicts: must be an array of strings$/],
      [{ synonyms: [42] }, TypeError, /^synonyms\.0: every entry must be a file name or \{ lines: string\[\] \}$/],
      [{ onWarning: 'stderr' }, TypeError, /^onWarning: must be a function$/],
      [{ threds: 2 }, TypeError, /^unknown index option threds$/],
    ];
    for (const [options, type, message] of cases) {
      const err = thrown(() => SearchIndex.open(dir, options as never));
      expect(err, JSON.stringify(options)).toBeInstanceOf(type);
      expect(err.message).toMatch(message);
    }
  });

  it('add() names a bad add option and a bad document field, and adds nothing', async () => {
    await expect(index.add(DOCS[0], { enrich: 'false' } as never)).rejects.toThrow(new TypeError('enrich: must be true or false'));
    await expect(index.add(DOCS[0], { enrch: false } as never)).rejects.toThrow(/^unknown add option enrch \(enrich, dedupe\)$/);
    await expect(index.add({ id: 'x', content: 42 } as never)).rejects.toThrow(new TypeError('document "x": content: must be a string'));
    await expect(index.add({ content: '无编号' } as never)).rejects.toThrow(new TypeError('document: id: must be a non-empty string'));
    await expect(index.add({ id: 'y', content: '正文', tags: '标签' } as never)).rejects.toThrow(/^document "y": tags: must be an array of strings$/);
    await index.commit();
    expect(index.documentCount).toBe(3);
  });
});

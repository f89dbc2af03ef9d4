/**
 * Filter values through the library API: region values resolve to exact official names, the
 * gazetteer's short forms and GB/T 2260 codes of their level (never a prefix); blank and unknown
 * values throw a RangeError naming the filter and the value; source and library match exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilterError, SearchIndex, type DocumentInput, type SearchFilters } from '../../src/index.js';
import { smallIndex } from '../helpers.js';

const docs: DocumentInput[] = [
  { id: 'hubei', title: '湖北省图书馆举办读书节', content: '读书节开幕。', regions: [{ code: '420000', province: '湖北省' }], source: '文化日报', libraries: ['湖北省图书馆'] },
  { id: 'suixian', title: '随县图书馆举办读书节', content: '读书节开幕。', regions: [{ code: '421321', province: '湖北省', city: '随州市', county: '随县' }], source: '文化日报 周末版' },
  { id: 'hunan', title: '湖南图书馆举办读书节', content: '读书节开幕。', regions: [{ code: '430100', province: '湖南省', city: '长沙市' }], source: '读书周刊', libraries: ['湖南图书馆'] },
  { id: 'haibei', title: '海北州图书馆举办读书节', content: '读书节开幕。', regions: [{ code: '632200', province: '青海省', city: '海北藏族自治州' }] },
  { id: 'chaoyang-bj', title: '朝阳区图书馆举办读书节', content: '读书节开幕。', regions: [{ code: '110105', province: '北京市', county: '朝阳区' }] },
  { id: 'chaoyang-cc', title: '长春朝阳区图书馆举办读书节', content: '读书节开幕。', regions: [{ code: '220104', province: '吉林省', city: '长春市', county: '朝阳区' }] },
];

describe('search filters', () => {
  let index: SearchIndex;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ index, close } = await smallIndex(docs));
  });
  afterAll(() => close());
  const ids = (filters: SearchFilters) => index.search('', { size: 50, filters }).hits.map((h) => h.id).sort();
  const error = (filters: SearchFilters): FilterError => {
    try {
      index.search('读书节', { filters });
    } catch (err) {
      expect(err).toBeInstanceOf(RangeError);
      expect(err).toBeInstanceOf(FilterError);
      return err as FilterError;
    }
    throw new Error(`no error for ${JSON.stringify(filters)}`);
  };

  it('resolves official names, short forms and codes of their level', () => {
    for (const v of ['湖北省', '湖北', '420000', '湖北省\u3000', ' 湖北 ']) expect(ids({ province: [v] }), v).toEqual(['hubei', 'suixian']);
    expect(ids({ city: ['随州'] })).toEqual(['suixian']);
    expect(ids({ county: ['随县'] })).toEqual(['suixian']);
    expect(ids({ city: ['海北州'] })).toEqual(['haibei']);
    expect(ids({ city: ['海北藏族自治州'] })).toEqual(['haibei']);
    // A name two counties share matches both; Traditional input is read as Simplified.
    expect(ids({ county: ['朝阳区'] })).toEqual(['chaoyang-bj', 'chaoyang-cc']);
    expect(ids({ city: ['隨州'] })).toEqual(['suixian']);
    expect(ids({ province: ['湖北', '湖南'] })).toEqual(['hubei', 'hunan', 'suixian']);
    // A known region without documents is no error.
    expect(ids({ province: ['西藏'] })).toEqual([]);
    // A province's one-character short name; not for a city.
    expect(ids({ province: '鄂' })).toEqual(['hubei', 'suixian']);
    expect(ids({ province: ['湘', '京'] })).toEqual(['chaoyang-bj', 'hunan']);
    expect(error({ city: ['鄂'] })).toMatchObject({ filter: 'city', value: '鄂' });
  });

  it('never matches a value by prefix: 湖 is not 湖北 + 湖南', () => {
    const e = error({ province: ['湖'] });
    expect(e).toMatchObject({ filter: 'province', value: '湖' });
    expect(e.message).toBe('province: unknown province "湖": give an official name (湖北省), a short form (湖北) or a GB/T 2260 code (420000)');
    expect(error({ city: ['随'] })).toMatchObject({ filter: 'city', value: '随' });
    expect(error({ county: ['朝阳区x'] })).toMatchObject({ filter: 'county', value: '朝阳区x' });
    expect(error({ province: ['420600'] }).message).toBe('province: 420600 is a prefecture code, not a province code');
    expect(error({ county: ['999999'] })).toMatchObject({ filter: 'county', value: '999999' });
  });

  it('rejects blank values of every filter instead of ignoring them', () => {
    for (const filter of ['province', 'city', 'county', 'source', 'library'] as const) {
      for (const blank of ['', ' ', '\u3000', '\u00a0\u2003']) {
        const e = error({ [filter]: ['湖北', blank] });
        expect(e).toMatchObject({ filter, value: blank });
        expect(e.message).toBe(`${filter}: a value is blank`);
      }
    }
  });

  it('takes one value as a string as well as a list, and rejects what is not a string', () => {
    expect(ids({ province: '湖北' })).toEqual(ids({ province: ['湖北'] }));
    expect(ids({ source: '文化日报' })).toEqual(['hubei']);
    expect(error({ city: [42 as unknown as string] })).toMatchObject({ filter: 'city', value: '42' });
  });

  it('matches source and library exactly, after trimming spaces', () => {
    expect(ids({ source: ['文化日报'] })).toEqual(['hubei']);
    expect(ids({ source: ['\u3000文化日报 '] })).toEqual(['hubei']);
    expect(ids({ source: ['文化'] })).toEqual([]);
    expect(ids({ library: ['湖南图书馆'] })).toEqual(['hunan']);
    expect(ids({ library: ['湖南'] })).toEqual([]);
  });
});

/**
 * Facets through the library API on a small index with hand-made regions and dates: facet search
 * by official name, short form, province one-character name, code prefix and Traditional input;
 * the region tree around municipalities (districts directly under 北京市) and county-level cities
 * directly under a province (仙桃市); chronological years with the undated bucket; facetTotals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex, type DocumentInput, type FacetValue } from '../../src/index.js';
import { random, removeDir, smallIndex, tempDir } from '../helpers.js';

const doc = (id: string, regions: DocumentInput['regions'], date?: string, source?: string): DocumentInput => ({ id, title: `${id} 读书节`, content: '读书节开幕。', regions, date, source });

const docs: DocumentInput[] = [
  doc('hubei', [{ code: '420000', province: '湖北省' }], '2021-05-01', 'Culture Daily'),
  doc('suixian', [{ code: '421321', province: '湖北省', city: '随州市', county: '随县' }], '2019-01-02'),
  doc('xiantao', [{ code: '429004', province: '湖北省', county: '仙桃市' }], undefined),
  doc('xiangyang', [{ code: '420600', province: '湖北省', city: '襄阳市' }], '2021-07-01'),
  doc('haibei', [{ code: '632200', province: '青海省', city: '海北藏族自治州' }], '2020-03-03'),
  doc('guangzhou', [{ code: '440100', province: '广东省', city: '广州市' }], undefined),
  doc('chaoyang-bj', [{ code: '110105', province: '北京市', county: '朝阳区' }], '2023-01-01'),
  doc('haidian', [{ code: '110108', province: '北京市', county: '海淀区' }], '2023-02-01'),
  doc('chaoyang-cc', [{ code: '220104', province: '吉林省', city: '长春市', county: '朝阳区' }], undefined),
];

describe('facets', () => {
  let index: SearchIndex;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ index, close } = await smallIndex(docs));
  });
  afterAll(() => close());

  const values = (list: FacetValue[] | undefined) => (list ?? []).map((v) => v.value);

  it('facet search finds a region by a short form that is not part of its name, a one-character province name, a code prefix and Traditional input', () => {
    const region = (text: string) => values(index.search('', { facets: ['region'], facetQuery: text, facetSize: 100 }).facets.region);
    expect(region('海北州')).toEqual(['海北藏族自治州']);
    expect(region('粤')).toEqual(['广东省']);
    expect(region('4206')).toEqual(['襄阳市']);
    expect(region('隨州')).toEqual(['随州市']);
    expect(region('朝阳').sort()).toEqual(['朝阳区', '朝阳区']);
    expect(region('火星')).toEqual([]);
    // Only the named facet's level: 海北州 is a prefecture.
    expect(values(index.search('', { facets: ['province'], facetQuery: '海北州' }).facets.province)).toEqual([]);
    expect(values(index.search('', { facets: ['city'], facetQuery: '海北州' }).facets.city)).toEqual(['海北藏族自治州']);
    // Case folding of Latin values.
    expect(values(index.search('', { facets: ['source'], facetQuery: 'culture DAILY' }).facets.source)).toEqual(['Culture Daily']);
  });

  it('puts the districts of a municipality and a county-level city without prefecture directly under the province', () => {
    const beijing = index.search('', { facets: ['region'], filters: { province: '北京' } }).facets.region!.find((p) => p.value === '北京市')!;
    expect(beijing.children!.map((c) => [c.value, c.level, c.count]).sort()).toEqual([
      ['朝阳区', 'county', 1],
      ['海淀区', 'county', 1],
    ]);
    const r = index.search('', { facets: ['region'], filters: { province: '湖北' } });
    const hubei = r.facets.region!.find((p) => p.value === '湖北省')!;
    expect(hubei.children!.map((c) => `${c.level}:${c.value}`).sort()).toEqual(['city:襄阳市', 'city:随州市', 'county:仙桃市']);
    expect(hubei.childrenTotal).toBe(3);
    expect(r.facetTotals.region).toBe(new Set(docs.map((d) => d.regions![0].code.slice(0, 2))).size);
    // The other provinces keep their counts and stay closed.
    expect(r.facets.region!.filter((p) => p.children).map((p) => p.value)).toEqual(['湖北省']);
  });

  it('opens a chosen county\'s prefecture and province (a name two counties share opens both)', () => {
    const tree = index.search('', { facets: ['region'], filters: { county: '朝阳区' } }).facets.region!;
    const jilin = tree.find((p) => p.value === '吉林省')!;
    const changchun = jilin.children!.find((c) => c.value === '长春市')!;
    expect(changchun.children!.map((c) => c.value)).toEqual(['朝阳区']);
    const beijing = tree.find((p) => p.value === '北京市')!;
    expect(beijing.children!.map((c) => c.value).sort()).toEqual(['朝阳区', '海淀区']);
  });

  it('lists years chronologically with the undated bucket last, adding up to the total', () => {
    const r = index.search('', { facets: ['year'], facetSize: 1 });
    expect(r.facets.year).toEqual([
      { value: '2019', count: 1 },
      { value: '2020', count: 1 },
      { value: '2021', count: 2 },
      { value: '2023', count: 2 },
      { value: 'undated', count: 3 },
    ]);
    expect(r.facetTotals.year).toBe(5);
    expect(r.facets.year!.reduce((n, y) => n + y.count, 0)).toBe(r.total);
    expect(index.search('', { filters: { undated: 'only' } }).total).toBe(3);
    expect(index.search('', { filters: { undated: 'exclude', province: '湖北' } }).total).toBe(3);
  });
});

describe('facets over several segments with deletions', () => {
  const rnd = random(15);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const REGIONS: NonNullable<DocumentInput['regions']> = [
    { code: '420000', province: '湖北省' },
    { code: '421321', province: '湖北省', city: '随州市', county: '随县' },
    { code: '420600', province: '湖北省', city: '襄阳市' },
    { code: '110105', province: '北京市', county: '朝阳区' },
    { code: '440100', province: '广东省', city: '广州市' },
    { code: '632200', province: '青海省', city: '海北藏族自治州' },
  ];
  const docs: DocumentInput[] = Array.from({ length: 240 }, (_, i) => ({
    id: `d${i}`,
    title: `d${i}`,
    // 读书节: 80% of the documents (counted by complement); 图书馆: 20%.
    content: i % 5 === 0 ? '图书馆讲座。' : '读书节开幕。',
    regions: rnd() < 0.3 ? [] : [...new Set([pick(REGIONS), pick(REGIONS)])],
    libraries: rnd() < 0.6 ? [] : [...new Set([pick(['国家图书馆', '湖北省图书馆', '首都图书馆']), pick(['国家图书馆', '首都图书馆'])])],
    source: rnd() < 0.1 ? undefined : pick(['甲报', '乙台', '丙网']),
    date: rnd() < 0.15 ? undefined : `${2015 + Math.floor(rnd() * 9)}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-0${1 + Math.floor(rnd() * 9)}`,
  }));
  // Under 20% of any segment, so that the commit does not merge the segments.
  const deleted = new Set(docs.filter((_, i) => i % 7 === 3).map((d) => d.id));
  const live = docs.filter((d) => !deleted.has(d.id));
  let dir: string;
  let several: SearchIndex;
  let one: { index: SearchIndex; close(): Promise<void> };
  beforeAll(async () => {
    dir = tempDir();
    several = SearchIndex.open(dir, { threads: 0, enrich: false });
    for (let i = 0; i < docs.length; i += 80) {
      await several.add(docs.slice(i, i + 80));
      await several.commit();
    }
    several.delete(...deleted);
    await several.commit();
    one = await smallIndex(live);
  });
  afterAll(async () => {
    await several.close();
    removeDir(dir);
    await one.close();
  });

  const ALL = ['province', 'city', 'county', 'year', 'month', 'source', 'library', 'region'] as const;

  it('counts what one segment of the live documents counts, with and without filters', () => {
    expect(several.stats().segments).toBeGreaterThan(1);
    const filters = [{}, { province: '湖北' }, { city: '随州' }, { source: '甲报', from: '2018' }, { library: '首都图书馆', undated: 'exclude' as const }, { county: '朝阳区', to: '2020-06' }];
    for (const q of ['', '读书节', '图书馆', '读书节 OR 图书馆'])
      for (const f of filters)
        for (const facetSize of [2, 100]) {
          const a = several.search(q, { facets: ALL, filters: f, facetSize, size: 1 });
          const b = one.index.search(q, { facets: ALL, filters: f, facetSize, size: 1 });
          expect([a.total, a.facets, a.facetTotals], `${q} ${JSON.stringify(f)} ${facetSize}`).toEqual([b.total, b.facets, b.facetTotals]);
        }
  });

  it('counts each live document once per value, by a plain count of the documents', () => {
    for (const [q, wanted] of [
      ['', live],
      ['读书节', live.filter((d) => d.content.includes('读书节'))],
    ] as const) {
      const r = several.search(q, { facets: ['year', 'source', 'library', 'province'], facetSize: 100, size: 1 });
      const tally = (values: string[]) => {
        const m = new Map<string, number>();
        for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
        return m;
      };
      const asMap = (list: FacetValue[] | undefined) => new Map((list ?? []).map((v) => [v.value, v.count]));
      expect(asMap(r.facets.source)).toEqual(tally(wanted.flatMap((d) => (d.source ? [d.source] : []))));
      expect(asMap(r.facets.library)).toEqual(tally(wanted.flatMap((d) => d.libraries ?? [])));
      expect(asMap(r.facets.year)).toEqual(tally(wanted.map((d) => d.date?.slice(0, 4) ?? 'undated')));
      expect(asMap(r.facets.province)).toEqual(tally(wanted.flatMap((d) => [...new Set((d.regions ?? []).map((g) => g.province))]).filter((p): p is string => !!p)));
    }
  });
});

/**
 * Facets through the library API on a small index with hand-made regions and dates: facet search
 * by official name, short form, province one-character name, code prefix and Traditional input;
 * the region tree around municipalities (districts directly under 北京市) and county-level cities
 * directly under a province (仙桃市); chronological years with the undated bucket; facetTotals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex, type DocumentInput, type FacetValue } from '../../src/index.js';
import { smallIndex } from '../helpers.js';

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

/**
 * Facets for real collections, over a real server on a loopback port (seeds, corpus/ and the
 * fixtures): whole lists (facetSize up to 10000) and facetTotals, facet search (facetQuery), the
 * region tree, chronological year and month with the undated bucket, and the undated filter; every
 * count against a brute-force count over every document read through the public API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { normalizeText } from '../../src/analysis/normalize.js';
import { FilterError, type StoredDocument } from '../../src/index.js';
import { searchResponse } from '../../src/server/schemas.js';
import { allDocuments, expectedFacets, matching, ordered, orderedFacet, passes, type Count, type Filters } from './brute-force.js';
import { getJson, searchJson, startTestServer, type TestServer } from './fixtures.js';

type SearchBody = z.output<typeof searchResponse>;
type Node = NonNullable<SearchBody['facets']['region']>[number];

let ts: TestServer;
let docs: StoredDocument[];

beforeAll(async () => {
  ts = await startTestServer();
  docs = allDocuments(ts.server.index);
});
afterAll(async () => {
  await ts?.stop();
});

const search = (params: Record<string, string | string[]>) => searchJson(ts.url, params);

async function rejected(params: Record<string, string | string[]>): Promise<string> {
  const { status, body } = await getJson<{ error: { code: string; message: string; details: Array<{ parameter: string }> } }>(ts.url, '/api/search', params);
  expect(status, JSON.stringify(body)).toBe(400);
  expect(body.error.code).toBe('invalid_parameter');
  return body.error.details[0].parameter;
}

/** The search parameters of a query and filters. */
function paramsOf(q: string, f: Filters, extra: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = { q, size: '1', ...extra };
  for (const [k, v] of Object.entries(f)) params[k] = v as string | string[];
  return params;
}

const matchedBy = (q: string) => (q ? matching(docs, q.split(' ')) : docs);

const FLAT = ['province', 'city', 'county', 'year', 'month', 'source', 'library'] as const;

const CASES: Array<{ name: string; q: string; filters: Filters }> = [
  { name: 'all documents', q: '', filters: {} },
  { name: 'a query', q: '读书节', filters: {} },
  { name: 'a common word', q: '图书馆', filters: {} },
  { name: 'a province chosen', q: '图书馆', filters: { province: ['湖北省'] } },
  { name: 'province and city chosen', q: '', filters: { province: ['湖北省'], city: ['随州市'] } },
  { name: 'a source and a year', q: '', filters: { source: ['读书周刊'], from: '2023', to: '2023' } },
  { name: 'undated only', q: '读书节', filters: { undated: 'only' } },
  { name: 'dated only', q: '', filters: { undated: 'exclude', library: ['湖南图书馆'] } },
];

describe('whole lists and facetTotals', () => {
  for (const c of CASES) {
    it(`facetSize=10000 lists every value, facetTotals counts them: ${c.name}`, async () => {
      const r = await search(paramsOf(c.q, c.filters, { facetSize: '10000', facets: FLAT.join(',') }));
      const matched = matchedBy(c.q);
      expect(r.articles).toBe(matched.filter((d) => passes(d, c.filters)).length);
      const expected = expectedFacets(matched, c.filters);
      for (const facet of FLAT) {
        expect(r.facets[facet], facet).toEqual(orderedFacet(facet, expected[facet]));
        expect(r.facetTotals[facet], facet).toBe(expected[facet].length);
      }
    });
  }

  it('facetTotals stays the whole number when facetSize cuts the list', async () => {
    const r = await search({ q: '', facetSize: '1' });
    const expected = expectedFacets(docs, {});
    for (const facet of ['province', 'source', 'library'] as const) {
      expect(r.facets[facet]).toEqual(ordered(expected[facet]).slice(0, 1));
      expect(r.facetTotals[facet]).toBe(expected[facet].length);
      expect(r.facetTotals[facet]).toBeGreaterThan(1);
    }
    // Years and months are never cut.
    expect(r.facets.year).toHaveLength(expected.year.length);
    expect(r.facets.month).toHaveLength(expected.month.length);
    expect(Object.keys(r.facetTotals).sort()).toEqual(Object.keys(r.facets).sort());
  });

  it('accepts facetSize 10000 and rejects 0 and 10001', async () => {
    expect(await rejected({ facetSize: '10001' })).toBe('facetSize');
    expect(await rejected({ facetSize: '0' })).toBe('facetSize');
  });
});

describe('year and month', () => {
  const key = (v: string) => (v === 'undated' ? '\uffff' : v);

  it('are chronological; the undated bucket comes last and the year counts add up to the articles without a date filter', async () => {
    const queries: Array<[string, Filters]> = [
      ['', {}],
      ['读书节', {}],
      ['图书馆', { province: ['湖北'] }],
      ['', { source: ['文化日报'] }],
      ['阅读', { library: ['长沙图书馆'] }],
    ];
    let sawUndated = false;
    for (const [q, f] of queries) {
      const r = await search(paramsOf(q, f, { facets: 'year,month', facetSize: '2' }));
      const years = r.facets.year!;
      expect(years.map((y) => key(y.value))).toEqual(years.map((y) => key(y.value)).sort());
      expect(r.facets.month!.map((m) => m.value)).toEqual(r.facets.month!.map((m) => m.value).sort());
      expect(years.reduce((n, y) => n + y.count, 0), `${q} ${JSON.stringify(f)}`).toBe(r.articles);
      const undated = years.find((y) => y.value === 'undated');
      const expectedUndated = matchedBy(q).filter((d) => !d.date && passes(d, f)).length;
      expect(undated?.count ?? 0).toBe(expectedUndated);
      if (undated) sawUndated = true;
    }
    expect(sawUndated).toBe(true);
  });

  it('keeps the undated bucket with from/to or undated=exclude set: the year facet ignores the date filter', async () => {
    const all = await search({ q: '读书节', facets: 'year' });
    const undated = all.facets.year!.find((y) => y.value === 'undated');
    expect(undated?.count).toBeGreaterThan(0);
    for (const extra of [{ from: '2020' }, { to: '2023-06' }, { undated: 'exclude' }]) {
      const r = await search({ q: '读书节', facets: 'year', ...extra });
      expect(r.facets.year, JSON.stringify(extra)).toEqual(all.facets.year);
      expect(r.articles, JSON.stringify(extra)).toBeLessThan(all.articles);
    }
  });

  it('lists every month of the years from/to span, in order', async () => {
    const r = await search({ q: '', from: '2020-02', to: '2023-06-30', facets: 'month', facetSize: '1', size: '1' });
    const expected = expectedFacets(docs, { from: '2020-02', to: '2023-06-30' }).month;
    expect(r.facets.month).toEqual(orderedFacet('month', expected));
    expect(r.facets.month!.length).toBeGreaterThan(1);
    expect(r.facets.month!.every((m) => m.value >= '2020' && m.value < '2024')).toBe(true);
  });
});

describe('undated filter', () => {
  for (const q of ['', '读书节', '图书馆']) {
    it(`undated=only and exclude split the total by brute force: "${q}"`, async () => {
      const all = await search({ q, facets: 'year' });
      const only = await search({ q, undated: 'only', facets: 'year' });
      const exclude = await search({ q, undated: 'exclude', facets: 'year' });
      const include = await search({ q, undated: 'include', facets: 'none' });
      const matched = matchedBy(q);
      expect(only.articles).toBe(matched.filter((d) => !d.date).length);
      expect(exclude.articles).toBe(matched.filter((d) => d.date).length);
      expect(only.articles + exclude.articles).toBe(all.articles);
      expect(include.articles).toBe(all.articles);
      // The year facet ignores the filter (multi-select): 未注明日期 chosen still shows the years.
      expect(only.facets.year).toEqual(all.facets.year);
      expect(exclude.facets.year).toEqual(all.facets.year);
      // The others honour it.
      expect(only.articles).toBeGreaterThan(0);
    });
  }

  it('honours undated in the other facets, and rejects only with a date range', async () => {
    const r = await search({ undated: 'only', facets: 'source,province', facetSize: '10000' });
    const expected = expectedFacets(docs, { undated: 'only' });
    expect(r.facets.source).toEqual(ordered(expected.source));
    expect(r.facets.province).toEqual(ordered(expected.province));
    expect(await rejected({ undated: 'only', from: '2020' })).toBe('undated');
    expect(await rejected({ undated: 'only', to: '2020-05' })).toBe('undated');
    expect(await rejected({ undated: 'yes' })).toBe('undated');
    expect((await search({ undated: 'exclude', from: '2020', facets: 'none' })).articles).toBe(docs.filter((d) => d.date && d.date >= '2020').length);
  });

  it('the library rejects undated=only with a date range and an unknown value as a FilterError', () => {
    expect(() => ts.server.index.search('', { filters: { undated: 'only', from: '2020' } })).toThrow(FilterError);
    expect(() => ts.server.index.search('', { filters: { undated: 'never' as 'only' } })).toThrow(/undated/);
  });
});

/** Brute-force counts of one region level (all its codes), ignoring that level's filter. */
function levelCounts(matched: StoredDocument[], f: Filters, level: 'province' | 'city' | 'county'): Map<string, Count> {
  const out = new Map<string, Count>();
  for (const d of matched) {
    if (!passes(d, f, level)) continue;
    const seen = new Map<string, string>();
    for (const r of d.regions ?? []) {
      if (level === 'province') seen.set(`${r.code.slice(0, 2)}0000`, r.province);
      else if (level === 'city' && r.city) seen.set(`${r.code.slice(0, 4)}00`, r.city);
      else if (level === 'county' && r.county) seen.set(r.code, r.county);
    }
    for (const [code, value] of seen) {
      const c = out.get(code) ?? { value, code, count: 0 };
      c.count++;
      out.set(code, c);
    }
  }
  return out;
}

/** Codes of the documents' regions whose official name or code is one of `values`. */
function chosen(level: 'province' | 'city' | 'county', values: string[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const d of docs) {
    for (const r of d.regions ?? []) {
      const [code, name] = level === 'province' ? [`${r.code.slice(0, 2)}0000`, r.province] : level === 'city' ? [`${r.code.slice(0, 4)}00`, r.city] : [r.code, r.county];
      if (name && values?.some((v) => v === name || v === code)) out.add(code);
    }
  }
  return out;
}

/** The region tree by brute force (every node: facetSize 10000). */
function expectedTree(matched: StoredDocument[], f: Filters): Node[] {
  const provinces = levelCounts(matched, f, 'province');
  const cities = levelCounts(matched, f, 'city');
  const counties = levelCounts(matched, f, 'county');
  const countyCity = new Map<string, string | undefined>();
  for (const d of docs) for (const r of d.regions ?? []) if (r.county) countyCity.set(r.code, r.city);
  const chosenProvinces = chosen('province', f.province);
  const chosenCities = chosen('city', f.city);
  const chosenCounties = chosen('county', f.county);
  const openProvinces = new Set([...chosenProvinces, ...chosenCities, ...chosenCounties].map((c) => `${c.slice(0, 2)}0000`));
  const openCities = new Set([...chosenCities, ...[...chosenCounties].filter((c) => countyCity.get(c)).map((c) => `${c.slice(0, 4)}00`)]);
  const node = (c: Count, level: 'province' | 'city' | 'county'): Node => ({ value: c.value, code: c.code, level, count: c.count });
  const sorted = (nodes: Node[]) => ordered(nodes as Count[]) as Node[];
  return sorted([...provinces.values()].map((p) => node(p, 'province'))).map((p) => {
    if (!openProvinces.has(p.code!)) return p;
    const prefix = p.code!.slice(0, 2);
    const children: Node[] = [
      ...[...cities.values()].filter((c) => c.code!.startsWith(prefix)).map((c) => node(c, 'city')),
      ...[...counties.values()].filter((c) => c.code!.startsWith(prefix) && !countyCity.get(c.code!)).map((c) => node(c, 'county')),
    ];
    const list = sorted(children).map((c) => {
      if (!openCities.has(c.code!)) return c;
      const grand = sorted([...counties.values()].filter((k) => k.code!.startsWith(c.code!.slice(0, 4))).map((k) => node(k, 'county')));
      return { ...c, children: grand, childrenTotal: grand.length };
    });
    return { ...p, children: list, childrenTotal: list.length };
  });
}

describe('region tree', () => {
  const cases: Array<{ name: string; q: string; filters: Filters; opens: string[] }> = [
    { name: 'no region chosen', q: '', filters: {}, opens: [] },
    { name: 'a province chosen', q: '', filters: { province: ['湖北省'] }, opens: ['湖北省'] },
    { name: 'two provinces and a query', q: '读书节', filters: { province: ['湖北省', '湖南省'] }, opens: ['湖北省', '湖南省'] },
    { name: 'a municipality (districts directly under it)', q: '', filters: { province: ['北京市'] }, opens: ['北京市'] },
    { name: 'a province and a city', q: '', filters: { province: ['湖北省'], city: ['随州市'] }, opens: ['湖北省', '随州市'] },
    { name: 'a city alone opens its province', q: '', filters: { city: ['420600'] }, opens: ['湖北省', '襄阳市'] },
    { name: 'a county and a source', q: '', filters: { county: ['雨花台区'], source: ['文化日报'] }, opens: ['江苏省', '南京市'] },
  ];

  for (const c of cases) {
    it(`counts every node as brute force and opens the chosen ones: ${c.name}`, async () => {
      const r = await search(paramsOf(c.q, c.filters, { facets: 'region,province,city,county', facetSize: '10000' }));
      const matched = matchedBy(c.q);
      const tree = r.facets.region!;
      expect(tree).toEqual(expectedTree(matched, c.filters));
      expect(r.facetTotals.region).toBe(tree.length);
      const opened: string[] = [];
      const walk = (nodes: Node[]) => {
        for (const n of nodes) {
          if (n.children) opened.push(n.value), walk(n.children);
        }
      };
      walk(tree);
      expect(opened.sort()).toEqual([...c.opens].sort());
      // The same counts as the flat lists: provinces as province, a chosen province's prefectures as city.
      expect(tree.map(({ value, code, count }) => ({ value, code, count }))).toEqual(r.facets.province);
      for (const p of tree.filter((n) => n.children && c.filters.province)) {
        const cities = p.children!.filter((n) => n.level === 'city').map(({ value, code, count }) => ({ value, code, count }));
        expect(cities).toEqual(r.facets.city!.filter((x) => x.code!.startsWith(p.code!.slice(0, 2))));
      }
    });
  }

  it('puts a municipality\'s districts directly under it, as counties', async () => {
    const r = await search({ province: '北京', facets: 'region' });
    const beijing = r.facets.region!.find((p) => p.code === '110000')!;
    expect(beijing.children!.length).toBeGreaterThan(0);
    expect(beijing.children!.every((n) => n.level === 'county' && n.code!.startsWith('11'))).toBe(true);
    expect(beijing.children!.map((n) => n.value)).toContain('朝阳区');
  });

  it('cuts each level at facetSize but keeps a chosen node past it', async () => {
    const full = await search({ facets: 'region', facetSize: '10000' });
    expect(full.facets.region!.length).toBeGreaterThan(2);
    const last = full.facets.region!.at(-1)!;
    const r = await search({ facets: 'region', facetSize: '1', province: last.code! });
    const values = r.facets.region!.map((n) => n.code);
    expect(values[0]).toBe(full.facets.region![0].code);
    expect(values).toContain(last.code);
    expect(r.facetTotals.region).toBe(full.facets.region!.length);
    const opened = r.facets.region!.find((n) => n.code === last.code)!;
    expect(opened.children!.length).toBeLessThanOrEqual(1);
    expect(opened.childrenTotal).toBeGreaterThanOrEqual(opened.children!.length);
  });
});

describe('facetQuery', () => {
  /** Brute force: the values of `facet` (all, by count) whose name contains `text` (normalized) or, for regions, whose code starts with it. */
  function expectedSearch(facet: 'province' | 'city' | 'county' | 'source' | 'library', q: string, f: Filters, text: string): Count[] {
    const wanted = normalizeText(text).trim();
    return ordered(expectedFacets(matchedBy(q), f)[facet].filter((c) => normalizeText(c.value).includes(wanted) || (/^\d+$/.test(wanted) && c.code?.startsWith(wanted))));
  }

  const cases: Array<{ facet: 'province' | 'city' | 'county' | 'source' | 'library'; text: string; q?: string; filters?: Filters; expect: string[] }> = [
    { facet: 'county', text: '雨花', expect: ['雨花台区'] },
    { facet: 'county', text: '4213', expect: ['随县'] },
    { facet: 'city', text: '襄阳', expect: ['襄阳市'] },
    { facet: 'city', text: '襄陽', expect: ['襄阳市'] }, // Traditional input
    { facet: 'city', text: '市', q: '读书节', filters: { province: ['湖北省'] }, expect: ['襄阳市', '随州市'] },
    { facet: 'province', text: '湖', expect: ['湖北省', '湖南省'] },
    { facet: 'province', text: '襄阳', expect: [] }, // a city, not a province
    { facet: 'source', text: '日报', expect: ['文化日报'] },
    { facet: 'source', text: '<I>', expect: ['<i>来源</i>'] }, // case folded
    { facet: 'source', text: '書香', expect: ['書香新聞'] }, // Simplified and Traditional alike
    { facet: 'library', text: '图书馆', q: '读书节', filters: { undated: 'exclude' }, expect: ['襄阳市图书馆', '湖南图书馆', '长沙图书馆'] },
  ];

  for (const c of cases) {
    it(`finds ${c.facet} values containing "${c.text}"`, async () => {
      const f = c.filters ?? {};
      const r = await search(paramsOf(c.q ?? '', f, { facets: c.facet, facetQuery: c.text, facetSize: '10000' }));
      expect(Object.keys(r.facets)).toEqual([c.facet]);
      const expected = expectedSearch(c.facet, c.q ?? '', f, c.text);
      expect(r.facets[c.facet]).toEqual(expected);
      expect(r.facetTotals[c.facet]).toBe(expected.length);
      for (const v of c.expect) expect(r.facets[c.facet]!.map((x) => x.value)).toContain(v);
      if (!c.expect.length) expect(r.facets[c.facet]).toEqual([]);
    });
  }

  it('cuts at facetSize by count, facetTotals counting every match', async () => {
    const all = await search({ facets: 'library', facetQuery: '图书馆', facetSize: '10000' });
    expect(all.facets.library!.length).toBeGreaterThan(1);
    const one = await search({ facets: 'library', facetQuery: '图书馆', facetSize: '1' });
    expect(one.facets.library).toEqual(all.facets.library!.slice(0, 1));
    expect(one.facetTotals.library).toBe(all.facets.library!.length);
  });

  it('searches the region tree flat at every level, by short form too', async () => {
    const r = await search({ facets: 'region', facetQuery: '湖北', facetSize: '10000' });
    expect(r.facets.region!.map((n) => n.value)).toEqual(['湖北省']);
    expect(r.facets.region![0]).toMatchObject({ level: 'province', code: '420000' });
    const s = await search({ facets: 'region', facetQuery: '随', facetSize: '10000' });
    expect(s.facets.region!.map((n) => `${n.level}:${n.value}`).sort()).toEqual(expect.arrayContaining(['city:随州市', 'county:随县']));
    expect(s.facets.region!.every((n) => !n.children && n.value.includes('随'))).toBe(true);
    expect(s.facetTotals.region).toBe(s.facets.region!.length);
    // Counts as the flat lists count that level.
    const flat = await search({ facets: 'city,county', facetSize: '10000' });
    for (const n of s.facets.region!) expect(n.count).toBe(flat.facets[n.level as 'city' | 'county']!.find((x) => x.code === n.code)!.count);
    // A short form that is not a substring: 苏 names 江苏省 (and is in it), 4201 a code prefix.
    const su = await search({ facets: 'region', facetQuery: '苏', facetSize: '10000' });
    expect(su.facets.region!.map((n) => n.value)).toContain('江苏省');
  });

  it('searches years and months within their order', async () => {
    const r = await search({ facets: 'month', facetQuery: '2023' });
    expect(r.facets.month!.length).toBeGreaterThan(0);
    expect(r.facets.month!.every((m) => m.value.startsWith('2023-'))).toBe(true);
    expect(r.facets.month!.map((m) => m.value)).toEqual(r.facets.month!.map((m) => m.value).sort());
    const y = await search({ facets: 'year', facetQuery: '202' });
    expect(y.facets.year!.every((m) => m.value.startsWith('202'))).toBe(true);
    expect(y.facetTotals.year).toBe(y.facets.year!.length);
  });

  it('needs exactly one facet: 400 naming facetQuery otherwise; blank is ignored', async () => {
    expect(await rejected({ facetQuery: '湖' })).toBe('facetQuery');
    expect(await rejected({ facetQuery: '湖', facets: 'province,city' })).toBe('facetQuery');
    expect(await rejected({ facetQuery: '湖', facets: ['province', 'city'] })).toBe('facetQuery');
    expect(await rejected({ facetQuery: '湖', facets: 'none' })).toBe('facetQuery');
    expect(await rejected({ facetQuery: ['湖', '北'], facets: 'province' })).toBe('facetQuery');
    expect(await rejected({ facetQuery: 'x'.repeat(101), facets: 'province' })).toBe('facetQuery');
    const blank = await search({ facetQuery: ' 　' });
    const none = await search({});
    expect(blank.facets).toEqual(none.facets);
    expect(() => ts.server.index.search('', { facets: ['province', 'city'], facetQuery: '湖' })).toThrow(/facetQuery/);
  });

  it('is described in the OpenAPI document', async () => {
    const { body } = await getJson<{ paths: Record<string, { get: { parameters: Array<{ name: string; description: string }> } }> }>(ts.url, '/api/openapi.json');
    const params = body.paths['/api/search'].get.parameters;
    for (const name of ['facetQuery', 'facetSize', 'undated', 'facets']) expect(params.find((p) => p.name === name)?.description, name).toBeTruthy();
    expect(params.find((p) => p.name === 'facets')!.description).toMatch(/region/);
    // The recursive region node is a component; every $ref resolves within the document.
    const text = JSON.stringify(body);
    const refs = [...new Set([...text.matchAll(/"\$ref":"#\/([^"]*)"/g)].map((m) => m[1]))];
    expect(refs).toContain('components/schemas/FacetValue');
    for (const ref of refs) {
      const target = ref.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], body);
      expect(target, ref).toBeTypeOf('object');
    }
  });
});

/**
 * The HTTP API over a real server on a loopback port, indexed from the seeds, corpus/ and
 * fixtures: every search parameter, facets against a brute-force count, multi-select, date edges,
 * Traditional/Simplified, snippets, documents, suggestions, headers.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SYNONYMS_FILE, SearchTimeoutError, type StoredDocument } from '../../src/index.js';
import { createApp } from '../../src/server/app.js';
import { SearchLanes } from '../../src/server/lanes.js';
import { docResponse, errorResponse, healthResponse, searchParams, searchResponse, statsResponse, suggestResponse } from '../../src/server/schemas.js';
import { startServer } from '../../src/server/server.js';
import { removeDir, tempDir } from '../helpers.js';
import { allDocuments, expectedFacets, matching, orderedFacet, passes, storyCount, storyKey, type Filters } from './brute-force.js';
import { getJson, searchJson, startTestServer, statusOf, type TestServer } from './fixtures.js';


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

/** All ids of a search, page by page (every article: collapse=false). */
async function allIds(params: Record<string, string | string[]>): Promise<string[]> {
  params = { collapse: 'false', ...params };
  const first = await search({ ...params, size: '100', facets: 'none' });
  const ids = first.hits.map((h) => h.id);
  for (let page = 2; (page - 1) * 100 < first.total; page++) ids.push(...(await search({ ...params, size: '100', page: String(page), facets: 'none' })).hits.map((h) => h.id));
  return ids;
}

const idsWhere = (pred: (d: StoredDocument) => boolean) => docs.filter(pred).map((d) => d.id).sort();

describe('search', () => {
  it('answers a query with hits, highlighted titles and snippets', async () => {
    const r = await search({ q: '读书节' });
    expect(r.query).toMatchObject({ q: '读书节', terms: ['读书节'], op: 'auto', relaxed: false, dropped: [], stopWords: [] });
    expect(r.total).toBe(matching(docs, ['读书节']).length);
    expect(r.page).toBe(1);
    expect(r.size).toBe(10);
    expect(r.hits).toHaveLength(10);
    expect(r.tookMs).toBeGreaterThanOrEqual(0);
    for (const h of r.hits) {
      expect(h.titleHtml + h.snippetHtml).toMatch(/<mark>(读书节|讀書節)<\/mark>/);
      expect(h.highlights.length).toBeGreaterThan(0);
    }
  });

  it('lists every document newest first for an empty query, undated last', async () => {
    const r = await search({ size: '100', facets: 'none' });
    expect(r.articles).toBe(docs.length);
    expect(r.total).toBe(storyCount(docs));
    expect((await search({ size: '1', facets: 'none', collapse: 'false' })).total).toBe(docs.length);
    const dates = r.hits.map((h) => h.date);
    const dated = dates.filter((d): d is string => d !== null);
    expect(dated).toEqual([...dated].sort().reverse());
    const firstNull = dates.indexOf(null);
    if (firstNull >= 0) expect(dates.slice(firstNull).every((d) => d === null)).toBe(true);
  });

  it('browses a region newest first with an empty query and filters', async () => {
    const r = await search({ province: '湖北', size: '100', facets: 'none' });
    // Collapsed: one hit per story; its duplicates (the other copies in 湖北) with it, every document once.
    const listed = r.hits.flatMap((h) => [h.id, ...h.duplicates!.map((d) => d.id)]);
    expect(listed.sort()).toEqual(idsWhere((d) => (d.regions ?? []).some((x) => x.province === '湖北省')));
    const dated = r.hits.map((h) => h.date).filter((d): d is string => d !== null);
    expect(dated).toEqual([...dated].sort().reverse());
  });

  it('sorts by date both ways and by relevance', async () => {
    const desc = await search({ q: '读书节', sort: 'date_desc', size: '50' });
    const asc = await search({ q: '读书节', sort: 'date_asc', size: '50' });
    const d = desc.hits.map((h) => h.date).filter((x): x is string => x !== null);
    const a = asc.hits.map((h) => h.date).filter((x): x is string => x !== null);
    expect(d).toEqual([...d].sort().reverse());
    expect(a).toEqual([...a].sort());
    const rel = await search({ q: '读书节', sort: 'relevance', size: '50' });
    const scores = rel.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
  });

  it('pages without overlap and with the same total', async () => {
    const p1 = await search({ q: '图书馆', size: '7' });
    const p2 = await search({ q: '图书馆', size: '7', page: '2' });
    expect(p2.total).toBe(p1.total);
    expect(p2.page).toBe(2);
    const ids1 = new Set(p1.hits.map((h) => h.id));
    expect(p2.hits.some((h) => ids1.has(h.id))).toBe(false);
    const beyond = await search({ q: '图书馆', size: '100', page: '50' });
    expect(beyond.hits).toEqual([]);
    expect(beyond.total).toBe(p1.total);
  });

  it('combines words with op=and and op=or, and relaxes an AND without results', async () => {
    const and = await search({ q: '读书节 古籍修复', op: 'and' });
    const or = await search({ q: '读书节 古籍修复', op: 'or' });
    expect(and.total).toBe(matching(docs, ['读书节', '古籍修复']).length);
    expect(or.total).toBeGreaterThanOrEqual(and.total);
    expect(or.query.op).toBe('or');
    // By default: the documents with either word, those with both first.
    const auto = await search({ q: '读书节 古籍修复', size: '100' });
    expect(auto.total).toBe(or.total);
    const both = new Set(matching(docs, ['读书节', '古籍修复']).map((d) => d.id));
    expect(auto.hits.slice(0, both.size).every((h) => both.has(h.id))).toBe(true);
    // A word no document has is dropped, and said so.
    const relaxed = await search({ q: '读书节 qzxjvkw', op: 'and' });
    expect(relaxed.query).toMatchObject({ relaxed: true, op: 'and', dropped: ['qzxjvkw'] });
    expect(relaxed.total).toBe(matching(docs, ['读书节']).length);
  });

  it('reads a full-width ＯＲ as OR', async () => {
    const half = await search({ q: '襄阳 OR 长沙', facets: 'none' });
    const full = await search({ q: '襄阳 ＯＲ 长沙', facets: 'none' });
    expect(full.query).toMatchObject({ terms: ['襄阳', '长沙'], relaxed: false });
    expect(full.total).toBe(half.total);
    expect(full.total).toBeGreaterThan(Math.max(matching(docs, ['襄阳']).length, matching(docs, ['长沙']).length));
  });

  it('honours exclusion, phrases and field restriction', async () => {
    const r = await search({ q: '读书节 -志愿者', size: '100' });
    expect(r.query.excluded).toEqual(['志愿者']);
    expect(r.total).toBe(matching(docs, ['读书节']).length - matching(docs, ['读书节', '志愿者']).length);
    const title = await search({ q: 'title:公告' });
    expect(title.hits.map((h) => h.id)).toContain('xss-01');
  });
});

describe('filters', () => {
  const inProvince = (name: string) => (d: StoredDocument) => (d.regions ?? []).some((r) => r.province === name);

  it('resolves official names, short forms and codes of provinces alike', async () => {
    const expected = idsWhere(inProvince('湖北省'));
    expect(expected.length).toBeGreaterThan(10);
    for (const v of ['湖北', '湖北省', '420000']) expect((await allIds({ province: v })).sort()).toEqual(expected);
  });

  it('finds documents naming only a county of the province, and filters cities and counties', async () => {
    const hubei = await allIds({ province: '湖北' });
    expect(hubei).toContain('fx-001'); // 随县 only
    expect((await allIds({ city: '襄阳' })).sort()).toEqual(idsWhere((d) => (d.regions ?? []).some((r) => r.city === '襄阳市')));
    expect((await allIds({ city: '420600' })).sort()).toEqual((await allIds({ city: '襄阳市' })).sort());
    const suixian = idsWhere((d) => (d.regions ?? []).some((r) => r.county === '随县'));
    expect((await allIds({ county: '随县' })).sort()).toEqual(suixian);
    expect((await allIds({ county: '421321' })).sort()).toEqual(suixian);
    expect((await allIds({ city: '随州' })).sort()).toEqual(suixian);
    // A Traditional name is read as Simplified.
    expect((await allIds({ city: '襄陽' })).sort()).toEqual((await allIds({ city: '襄阳' })).sort());
    // Municipality districts have no prefecture level.
    expect((await allIds({ county: '朝阳区' })).sort()).toEqual(idsWhere((d) => (d.regions ?? []).some((r) => r.code === '110105')));
  });

  it('ORs the values of one filter and ANDs different filters', async () => {
    const both = await allIds({ province: ['湖北', '湖南'] });
    expect(both.sort()).toEqual(idsWhere((d) => inProvince('湖北省')(d) || inProvince('湖南省')(d)));
    const and = await allIds({ province: '湖北', city: '长沙' });
    const expected = idsWhere((d) => inProvince('湖北省')(d) && (d.regions ?? []).some((r) => r.city === '长沙市'));
    expect(expected.length).toBeGreaterThan(0);
    expect(and.sort()).toEqual(expected);
    const srcLib = await allIds({ q: '读书节', source: ['读书周刊', '文化日报'], library: '湖南图书馆' });
    expect(srcLib.sort()).toEqual(
      matching(docs, ['读书节'])
        .filter((d) => ['读书周刊', '文化日报'].includes(d.source ?? '') && (d.libraries ?? []).includes('湖南图书馆'))
        .map((d) => d.id)
        .sort(),
    );
  });

  /** The 400 of a search, parsed. */
  async function rejected(params: Record<string, string | string[]>): Promise<{ message: string; details: unknown }> {
    const { status, body } = await getJson<unknown>(ts.url, '/api/search', params);
    expect(status, JSON.stringify(body)).toBe(400);
    const { error } = errorResponse.parse(body);
    expect(error.code).toBe('invalid_parameter');
    return error;
  }

  it('rejects a blank filter value (spaces, a full-width space) with a 400 naming the parameter', async () => {
    for (const name of ['province', 'city', 'county', 'source', 'library']) {
      for (const blank of [' ', '\u3000', ' \u3000 ', '\u00a0']) {
        const { message } = await rejected({ q: '读书节', [name]: blank });
        expect(message).toMatch(new RegExp(`^invalid parameter "${name}": `));
      }
      // Also next to a good value: a blank is never silently dropped.
      expect((await rejected({ [name]: ['湖北', ' '] })).message).toContain(`"${name}"`);
    }
  });

  it('rejects an unknown region (a one-character prefix, an unknown name or code, a code of another level) naming parameter and value', async () => {
    // 湖 is no region: it used to match 湖北省 and 湖南省 by prefix.
    expect((await rejected({ province: '湖' })).message).toBe(
      'invalid parameter "province": unknown province "湖": give an official name (湖北省), a short form (湖北) or a GB/T 2260 code (420000)',
    );
    expect((await rejected({ province: '火星' })).message).toContain('"火星"');
    expect((await rejected({ city: '襄' })).message).toMatch(/^invalid parameter "city": unknown prefecture "襄"/);
    expect((await rejected({ county: '随' })).message).toMatch(/^invalid parameter "county": unknown county "随"/);
    expect((await rejected({ province: '990000' })).message).toContain('"990000"');
    expect((await rejected({ province: '420600' })).message).toBe('invalid parameter "province": 420600 is a prefecture code, not a province code');
    expect((await rejected({ province: ['湖北', '湖'] })).message).toContain('"湖"');
  });

  it('matches source and library values exactly (after trimming spaces)', async () => {
    expect((await allIds({ source: ' 读书周刊\u3000' })).sort()).toEqual(idsWhere((d) => d.source === '读书周刊'));
    expect((await search({ source: '读书' })).total).toBe(0);
    expect((await search({ library: '湖南' })).total).toBe(0);
  });

  it('includes both edges of a date range at day, month and year precision', async () => {
    const ids = async (from?: string, to?: string) => (await allIds({ ...(from ? { from } : {}), ...(to ? { to } : {}) })).sort();
    const byDate = (lo: string, hi: string) => idsWhere((d) => !!d.date && d.date >= lo && d.date <= hi);
    expect(await ids('2020', '2020')).toEqual(byDate('2020-01-01', '2020-12-31'));
    const y2020 = await ids('2020', '2020');
    const dates2020 = new Set(y2020.map((id) => docs.find((d) => d.id === id)!.date));
    expect(dates2020.has('2020-01-01')).toBe(true);
    expect(dates2020.has('2020-02-29')).toBe(true);
    expect(dates2020.has('2019-12-31')).toBe(false);
    expect(await ids('2023-06-30', '2023-06-30')).toEqual(byDate('2023-06-30', '2023-06-30'));
    expect((await ids('2023-06-30', '2023-06-30')).length).toBeGreaterThan(0);
    expect(await ids('2023-07')).toEqual(byDate('2023-07-01', '9999'));
    expect(await ids(undefined, '2023-06')).toEqual(byDate('0000', '2023-06-30'));
    expect(await ids('2020-02', '2020-02')).toEqual(byDate('2020-02-01', '2020-02-29'));
    expect(await ids('2024')).toContain('fx-007');
    // Undated documents never pass a date filter.
    expect((await ids('0001', '9999')).length).toBe(docs.filter((d) => d.date).length);
  });
});

describe('facets', () => {
  const cases: Array<{ name: string; q: string; filters: Filters }> = [
    { name: 'all documents', q: '', filters: {} },
    { name: 'a query', q: '读书节', filters: {} },
    { name: 'a province chosen', q: '读书节', filters: { province: ['湖北'] } },
    { name: 'province and city chosen', q: '', filters: { province: ['湖北省'], city: ['襄阳'] } },
    { name: 'two provinces, a year and a source', q: '图书馆', filters: { province: ['湖北', '湖南'], from: '2023', to: '2023', source: ['读书周刊'] } },
    { name: 'a date range and a library', q: '', filters: { from: '2020-01', to: '2023-06-30', library: ['襄阳市图书馆'] } },
  ];

  for (const c of cases) {
    it(`match brute-force counts: ${c.name}`, async () => {
      const params: Record<string, string | string[]> = { q: c.q, facetSize: '100', size: '1' };
      for (const [k, v] of Object.entries(c.filters)) params[k] = v as string | string[];
      const r = await search(params);
      const matched = c.q ? matching(docs, c.q.split(' ')) : docs;
      const passing = matched.filter((d) => passes(d, c.filters));
      // Collapsed (the default): total counts stories, articles every copy; uncollapsed: total counts articles.
      expect(r.total).toBe(storyCount(passing));
      expect(r.articles).toBe(passing.length);
      const all = await search({ ...params, collapse: 'false' });
      expect(all.total).toBe(passing.length);
      expect(all.articles).toBe(passing.length);
      // Facet counts are article counts in both modes.
      expect(all.facets).toEqual(r.facets);
      const expected = expectedFacets(matched, c.filters);
      for (const [facet, counts] of Object.entries(expected)) {
        expect(r.facets[facet as keyof typeof r.facets], facet).toEqual(orderedFacet(facet, counts));
      }
    });
  }

  it('keep the other provinces when one is chosen (multi-select) and restrict cities to it', async () => {
    const none = await search({ q: '读书节' });
    const hubei = await search({ q: '读书节', province: '湖北' });
    expect(hubei.facets.province).toEqual(none.facets.province);
    expect(hubei.facets.province!.map((p) => p.value)).toContain('湖南省');
    expect(hubei.facets.city!.every((c) => c.code!.startsWith('42'))).toBe(true);
    expect(none.facets.city!.some((c) => c.code!.startsWith('43'))).toBe(true);
    expect(hubei.facets.year).not.toEqual(none.facets.year);
  });

  it('lists months of the chosen year only, and honours facets and facetSize', async () => {
    const r = await search({ from: '2023', to: '2023' });
    expect(r.facets.month!.length).toBeGreaterThan(0);
    expect(r.facets.month!.every((m) => m.value.startsWith('2023-'))).toBe(true);
    const some = await search({ facets: ['year', 'source'], facetSize: '2' });
    expect(Object.keys(some.facets).sort()).toEqual(['source', 'year']);
    expect(some.facets.source).toHaveLength(2);
    expect(some.facets.year!.length).toBeGreaterThan(2); // years are never cut
    const none = await search({ facets: 'none' });
    expect(none.facets).toEqual({});
    const comma = await search({ facets: 'province,library' });
    expect(Object.keys(comma.facets).sort()).toEqual(['library', 'province']);
  });
});

describe('duplicates', () => {
  it('the corpus has duplicate groups: every copy is indexed, with duplicateOf naming the first-seen copy', () => {
    const copies = docs.filter((d) => d.duplicateOf);
    expect(copies.length).toBeGreaterThan(0);
    expect(storyCount(docs)).toBe(docs.length - copies.length);
  });

  it('collapses a story into its best-ranked copy, listing the other matching copies; collapse=false lists every copy', async () => {
    const copy = docs.find((d) => d.duplicateOf)!;
    const group = docs.filter((d) => storyKey(d) === storyKey(copy));
    const q = `"${copy.title}"`;
    const matchingCopies = group.filter((d) => matching([d], [copy.title!]).length === 1);
    expect(matchingCopies.length).toBeGreaterThan(1);
    const on = await search({ q, size: '100', sort: 'date_desc' });
    const off = await search({ q, size: '100', sort: 'date_desc', collapse: 'false' });
    expect(on.articles).toBe(off.total);
    expect(on.total).toBe(off.total - matchingCopies.length + 1);
    for (const h of off.hits) expect(h.duplicates).toBeUndefined();
    const inGroup = new Set(matchingCopies.map((d) => d.id));
    const hits = on.hits.filter((h) => inGroup.has(h.id));
    expect(hits).toHaveLength(1);
    const [hit] = hits;
    // The hit is the group's first copy in the uncollapsed order; its duplicates the others, in that order.
    const order = off.hits.map((h) => h.id).filter((id) => inGroup.has(id));
    expect(hit.id).toBe(order[0]);
    expect(hit.duplicates!.map((d) => d.id)).toEqual(order.slice(1));
    for (const d of hit.duplicates!) {
      const doc = docs.find((x) => x.id === d.id)!;
      expect(d).toEqual({ id: doc.id, title: doc.title ?? '', source: doc.source ?? null, date: doc.date ?? null, url: doc.url ?? null });
    }
    for (const h of on.hits.filter((x) => !inGroup.has(x.id))) expect(h.duplicates!.every((d) => storyKey(docs.find((x) => x.id === d.id)!) === storyKey(docs.find((x) => x.id === h.id)!))).toBe(true);
  });

  it('rejects a bad collapse value with a 400 naming the parameter', async () => {
    const { status, body } = await getJson<unknown>(ts.url, '/api/search', { collapse: 'yes' });
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain('collapse');
  });

  it('documents collapse, articles and duplicates in the OpenAPI document', async () => {
    const { body } = await getJson<Record<string, unknown>>(ts.url, '/api/openapi.json');
    const text = JSON.stringify(body);
    for (const s of ['"collapse"', '"articles"', '"duplicates"', 'Counts of articles']) expect(text).toContain(s);
  });
});

describe('snippets and highlighting', () => {
  it('marks a Simplified query in a Traditional article, in the original script', async () => {
    const r = await search({ q: '图书馆 读书节', source: '書香新聞' });
    const hit = r.hits.find((h) => h.id === 'trad-01')!;
    expect(hit.titleHtml).toContain('<mark>圖書館</mark>');
    expect(hit.titleHtml).toContain('<mark>讀書節</mark>');
    expect(hit.snippetHtml).toContain('<mark>圖書館</mark>');
    const doc = docs.find((d) => d.id === 'trad-01')!;
    const marked = hit.highlights.map(([s, e]) => doc.content.slice(s, e));
    expect(marked).toContain('圖書館');
    expect(marked).toContain('讀書節');
    // A Traditional query finds and marks the same.
    const t = await search({ q: '圖書館 讀書節', source: '書香新聞' });
    expect(t.hits[0].titleHtml).toBe(hit.titleHtml);
    expect(t.hits[0].snippetHtml).toBe(hit.snippetHtml);
  });

  it('marks matches in a Traditional seed with pinyin artifacts, leaving the artifacts out of the mark', async () => {
    if (!docs.some((d) => d.content.includes('雨花臺區'))) return; // seeds not available
    const r = await search({ q: '雨花台区', size: '100' });
    const hit = r.hits.find((h) => h.snippetHtml.includes('<mark>雨花臺區</mark>'));
    expect(hit, r.hits.map((h) => h.snippetHtml).join('\n')).toBeDefined();
    expect(hit!.snippetHtml).not.toMatch(/<mark>[^<]*[(（][^<]*<\/mark>/);
  });

  it('escapes markup from articles in titleHtml, snippetHtml and contentHtml', async () => {
    const r = await search({ q: '图书馆公告' });
    const hit = r.hits.find((h) => h.id === 'xss-01')!;
    expect(hit.titleHtml).toBe('&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;<mark>图书馆公告</mark> &amp; 通知');
    expect(hit.snippetHtml).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const doc = docResponse.parse((await getJson(ts.url, '/api/docs/xss-01', { q: '图书馆公告' })).body);
    for (const html of [hit.titleHtml, hit.snippetHtml, doc.titleHtml, doc.contentHtml]) {
      const withoutMarks = html.replace(/<\/?(mark|p)>/g, '');
      expect(withoutMarks).not.toMatch(/[<>"]/);
      expect(withoutMarks.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
    }
    expect(doc.contentHtml).toContain('&lt;a href=&quot;javascript:alert(2)&quot;&gt;');
  });

  it('keeps snippets about snippetLength long, cut at sentence punctuation', async () => {
    for (const length of ['40', '120', '300']) {
      const r = await search({ q: '图书馆', snippetLength: length, size: '20' });
      for (const h of r.hits) {
        const text = h.snippetHtml.replace(/<\/?mark>/g, '').replace(/&[a-z#0-9]+;/g, '_');
        expect(text.length, text).toBeLessThanOrEqual(Number(length) + 4);
      }
    }
    const r = await search({ q: '读书节', snippetLength: '200' });
    expect(r.hits[0].snippetHtml).toMatch(/[。！？…]$/);
  });

  it('gives highlight offsets into the original content', async () => {
    const r = await search({ q: '阅读推广', size: '20' });
    for (const h of r.hits) {
      const doc = docs.find((d) => d.id === h.id)!;
      for (const [s, e] of h.highlights) expect(doc.content.slice(s, e).replace(/\s/g, '')).toMatch(/^(阅读推广|閱讀推廣)$/);
    }
  });
});

describe('documents', () => {
  it('returns a stored document with the query highlighted', async () => {
    const { status, body } = await getJson(ts.url, '/api/docs/trad-01', { q: '图书馆' });
    expect(status).toBe(200);
    const doc = docResponse.parse(body);
    expect(doc.title).toBe('臺北市立圖書館舉辦讀書節 推廣數位閱讀');
    expect(doc.contentHtml).toContain('<mark>圖書館</mark>');
    expect(doc.highlights.content.length).toBe(2);
  });

  it('keeps the paragraphs of every article as <p> blocks, highlight intact', async () => {
    let multi = 0;
    for (const d of docs.slice(0, 20)) {
      const doc = docResponse.parse((await getJson(ts.url, `/api/docs/${encodeURIComponent(d.id)}`, { q: '图书馆' })).body);
      const lines = doc.content.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean);
      if (lines.length > 1) multi++;
      const paragraphs = [...doc.contentHtml.matchAll(/<p>(.*?)<\/p>/gs)].map((m) => m[1]);
      expect(doc.contentHtml).toBe(paragraphs.map((p) => `<p>${p}</p>`).join(''));
      const unescape = (h: string) => h.replace(/<\/?mark>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
      expect(paragraphs.map((p) => unescape(p).trim())).toEqual(lines);
      // Every paragraph's marks are balanced.
      for (const p of paragraphs) expect(p.split('<mark>').length).toBe(p.split('</mark>').length);
    }
    expect(multi).toBeGreaterThan(5);
  });

  it('finds ids containing slashes when percent-encoded', async () => {
    const page = docs.find((d) => d.id.includes('/'));
    if (!page) return;
    const { status, body } = await getJson<{ id: string }>(ts.url, `/api/docs/${encodeURIComponent(page.id)}`);
    expect(status).toBe(200);
    expect(body.id).toBe(page.id);
  });

  it('answers 404 JSON for an unknown id', async () => {
    const { status, body } = await getJson<{ error: { code: string } }>(ts.url, '/api/docs/nope-404');
    expect(status).toBe(404);
    expect(body.error.code).toBe('not_found');
  });
});

describe('query understanding', () => {
  /** The corpus article about 金陵图书馆 (its id has a slash: percent-encoded in the URL). */
  const JINLING = 'pages/001-jinling-chengshishufang.txt';
  const marked = (h: { titleHtml: string; snippetHtml: string }) => h.titleHtml + h.snippetHtml;

  it('reads pinyin as the Chinese word, and literal=true searches it as typed', async () => {
    const r = await search({ q: 'tushuguan' });
    expect(r.query.interpretations).toEqual([{ from: 'tushuguan', to: ['图书馆'], kind: 'pinyin' }]);
    expect(r.query.terms).toEqual(['图书馆']);
    expect(r.query.q).toBe('tushuguan');
    expect(r.query.correctedFrom).toBeUndefined();
    expect(r.total).toBeGreaterThan(10);
    for (const h of r.hits) expect(marked(h)).toMatch(/<mark>[^<]*(图书馆|圖書館)[^<]*<\/mark>/);
    const literal = await search({ q: 'tushuguan', literal: 'true' });
    expect(literal.query.interpretations).toEqual([]);
    expect(literal.query.terms).toEqual(['tushuguan']);
    expect(literal.total).toBe(0);
    // literal=false is the default.
    expect((await search({ q: 'tushuguan', literal: 'false' })).query.interpretations).toEqual(r.query.interpretations);
    const initials = await search({ q: 'tsg', facets: 'none' });
    expect(initials.query.interpretations).toEqual([{ from: 'tsg', to: ['图书馆'], kind: 'initials' }]);
  });

  it('searches a typo no document has corrected (correctedFrom), and as typed with literal=true', async () => {
    // The premise: no document has 金陵图书管 (its 图书管 occurs, in 图书管理员, but never after 金陵).
    expect((await search({ q: '"金陵图书管"', literal: 'true', facets: 'none' })).total).toBe(0);
    const r = await search({ q: '金陵图书管' });
    expect(r.query).toMatchObject({ q: '金陵图书馆', correctedFrom: '金陵图书管' });
    expect(r.query.interpretations).toContainEqual({ from: '金陵图书管', to: ['金陵图书馆'], kind: 'correction' });
    expect(r.hits[0].id).toBe(JINLING);
    expect(marked(r.hits[0])).toContain('<mark>金陵图书馆</mark>');
    const literal = await search({ q: '金陵图书管', literal: 'true' });
    expect(literal.query.q).toBe('金陵图书管');
    expect(literal.query.correctedFrom).toBeUndefined();
    expect(literal.query.interpretations).toEqual([]);
  });

  it('offers a correction (didYouMean) when the typed form is in the index but far rarer', async () => {
    expect((await search({ q: '"图书管"', literal: 'true', facets: 'none' })).total).toBeGreaterThan(0);
    const r = await search({ q: '图书管' });
    expect(r.query.didYouMean).toBe('图书馆');
    expect(r.query.correctedFrom).toBeUndefined();
    expect(r.query.q).toBe('图书管');
    expect((await search({ q: '图书管', literal: 'true' })).query.didYouMean).toBeUndefined();
  });

  it('adds synonyms from the default list', async () => {
    const r = await search({ q: '国图', facets: 'none' });
    expect(r.query.interpretations).toContainEqual({ from: '国图', to: expect.arrayContaining(['国家图书馆']), kind: 'synonym' });
    expect(r.query.terms).toEqual(expect.arrayContaining(['国图', '国家图书馆']));
    expect((await search({ q: '国图', literal: 'true', facets: 'none' })).query.terms).toEqual(['国图']);
    // Excluded: every form is excluded, and the reading says so.
    const without = await search({ q: '图书馆 -国图', facets: 'none', size: '100' });
    expect(without.query.interpretations).toContainEqual({ from: '国图', to: expect.arrayContaining(['国家图书馆']), kind: 'synonym', excluded: true });
    expect(without.query.excluded).toEqual(expect.arrayContaining(['国图', '国家图书馆']));
  });

  it('highlights an article with the same reading as the search (literal too)', async () => {
    const path = `/api/docs/${encodeURIComponent(JINLING)}`;
    const read = docResponse.parse((await getJson(ts.url, path, { q: 'tushuguan' })).body);
    expect(read.titleHtml).toContain('<mark>图书馆</mark>');
    expect(read.highlights.content.length).toBeGreaterThan(0);
    const literal = docResponse.parse((await getJson(ts.url, path, { q: 'tushuguan', literal: 'true' })).body);
    expect(literal.titleHtml).not.toContain('<mark>');
    expect(literal.highlights.content).toEqual([]);
  });

  it('forwards literal to the search thread and brings the interpretations back', async () => {
    const lanes = new SearchLanes(ts.dir, {}, { synonyms: [DEFAULT_SYNONYMS_FILE, { lines: ['金图, 金陵图书馆'] }] });
    const generation = ts.server.index.stats().generation;
    // The fast lane "runs out of time", so the search runs again on the thread.
    const slow = () => {
      throw new SearchTimeoutError(1);
    };
    try {
      const read = await lanes.search('client', { generation, q: 'tushuguan 金图', options: { size: 3, timeoutMs: 30_000 } }, slow);
      expect(read.query.interpretations).toEqual([
        { from: 'tushuguan', to: ['图书馆'], kind: 'pinyin' },
        { from: '金图', to: ['金陵图书馆'], kind: 'synonym' },
      ]);
      expect(read.hits.map((h) => h.id)).toContain(JINLING);
      const literal = await lanes.search('client', { generation, q: 'tushuguan', options: { size: 3, timeoutMs: 30_000, literal: true } }, slow);
      expect(literal.query.interpretations).toEqual([]);
      expect(literal.total).toBe(0);
      const corrected = await lanes.search('client', { generation, q: '金陵图书管', options: { size: 3, timeoutMs: 30_000 } }, slow);
      expect(corrected.query).toMatchObject({ q: '金陵图书馆', correctedFrom: '金陵图书管' });
    } finally {
      await lanes.close();
    }
  });

  it('uses the synonym files it is given, rereads one that changed, and does not answer 304 for what changed', async () => {
    const lists = tempDir('zhsearch-synonyms-');
    const file = join(lists, 'mine.txt');
    writeFileSync(file, '# ours\n金图, 金陵图书馆\n');
    const server = await startServer({ indexDir: ts.dir, port: 0, log: () => {}, reloadIntervalMs: 0, searchThread: false, synonyms: [DEFAULT_SYNONYMS_FILE, file] });
    try {
      const url = `${server.url}/api/search?q=${encodeURIComponent('金图')}&facets=none`;
      const first = await fetch(url);
      const before = searchResponse.parse(await first.json());
      expect(before.query.interpretations).toEqual([{ from: '金图', to: ['金陵图书馆'], kind: 'synonym' }]);
      expect(before.hits.map((h) => h.id)).toContain(JINLING);
      // The default list is still in use beside it.
      expect(searchResponse.parse((await getJson(server.url, '/api/search', { q: '国图', facets: 'none' })).body).query.interpretations).not.toEqual([]);
      const etag = first.headers.get('etag')!;
      expect(await statusOf(url, { 'If-None-Match': etag })).toBe(304);
      writeFileSync(file, '# ours, edited\n金图 => 金陵图书馆, 读书节\n');
      // Files are looked at once a second at most.
      await new Promise((r) => setTimeout(r, 1100));
      expect(await statusOf(url, { 'If-None-Match': etag })).toBe(200);
      const after = searchResponse.parse(await (await fetch(url)).json());
      expect(after.query.interpretations).toEqual([{ from: '金图', to: ['金陵图书馆', '读书节'], kind: 'synonym' }]);
    } finally {
      await server.close();
      removeDir(lists);
    }
  });

  it('refuses to start with a synonym list that has a bad line, naming the file and the line', async () => {
    const lists = tempDir('zhsearch-synonyms-');
    const file = join(lists, 'bad.txt');
    writeFileSync(file, '金图, 金陵图书馆\n甲 => 乙 => 丙\n');
    try {
      await expect(startServer({ indexDir: ts.dir, port: 0, log: () => {}, reloadIntervalMs: 0, searchThread: false, synonyms: [file] })).rejects.toThrow(`${file}:2:`);
    } finally {
      removeDir(lists);
    }
  });
});

describe('suggest, health, stats, openapi', () => {
  it('completes words by document frequency and titles by prefix', async () => {
    const { body } = await getJson(ts.url, '/api/suggest', { q: '图书' });
    const s = suggestResponse.parse(body);
    expect(s.words[0].text).toBe('图书馆');
    expect(s.words.every((w) => w.text.startsWith('图书') && w.text !== '图书')).toBe(true);
    const counts = s.words.map((w) => w.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    const t = suggestResponse.parse((await getJson(ts.url, '/api/suggest', { q: '台北市立' })).body);
    expect(t.titles).toContainEqual({ id: 'trad-01', title: '臺北市立圖書館舉辦讀書節 推廣數位閱讀' });
    const empty = suggestResponse.parse((await getJson(ts.url, '/api/suggest', { q: '' })).body);
    expect(empty).toEqual({ q: '', words: [], titles: [] });
  });

  it('reports health and stats', async () => {
    const h = healthResponse.parse((await getJson(ts.url, '/api/health')).body);
    expect(h.documents).toBe(docs.length);
    const s = statsResponse.parse((await getJson(ts.url, '/api/stats')).body);
    expect(s).toMatchObject({ documents: docs.length, version: h.version });
    expect(s.builtAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('publishes an OpenAPI 3 document generated from the schemas', async () => {
    const { status, body } = await getJson<{ openapi: string; paths: Record<string, { get: { parameters: Array<{ name: string; schema: { type?: string } }> } }> }>(ts.url, '/api/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    const params = body.paths['/api/search'].get.parameters;
    expect(params.map((p) => p.name).sort()).toEqual(Object.keys(searchParams.shape).sort());
    expect(params.find((p) => p.name === 'size')!.schema.type).toBe('integer');
    expect(params.find((p) => p.name === 'province')!.schema.type).toBe('array');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/docs/{id}', '/api/suggest', '/api/health', '/api/stats']));
    expect(params.find((p) => p.name === 'literal')!.schema).toMatchObject({ enum: ['true', 'false'] });
    expect((body.paths['/api/docs/{id}'].get.parameters).map((p) => p.name)).toContain('literal');
  });

  it('documents how the query was read in the OpenAPI response schema', async () => {
    type Schema = { type?: string; description?: string; properties?: Record<string, Schema>; required?: string[]; items?: Schema };
    const { body } = await getJson<{ components: { schemas: { SearchResponse: Schema } } }>(ts.url, '/api/openapi.json');
    const query = body.components.schemas.SearchResponse.properties!.query;
    const { interpretations, correctedFrom, didYouMean } = query.properties!;
    expect(interpretations.type).toBe('array');
    expect(Object.keys(interpretations.items!.properties!).sort()).toEqual(['excluded', 'from', 'kind', 'to']);
    expect(interpretations.items!.properties!.kind).toMatchObject({ enum: ['pinyin', 'initials', 'synonym', 'correction'] });
    for (const field of [interpretations, correctedFrom, didYouMean]) expect(field.description).toBeTruthy();
    expect(correctedFrom.type).toBe('string');
    expect(query.required).toContain('interpretations');
    expect(query.required).not.toContain('correctedFrom');
    expect(query.required).not.toContain('didYouMean');
  });
});

describe('http behaviour', () => {
  it('sets ETag and Cache-Control on searches and answers 304 when unchanged', async () => {
    const url = `${ts.url}/api/search?q=${encodeURIComponent('图书馆')}`;
    const first = await fetch(url);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/"v\d+-/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    // node:http, not fetch: fetch adds `Cache-Control: no-cache` to conditional requests, which asks for a full reload.
    expect(await statusOf(url, { 'If-None-Match': etag! })).toBe(304);
    expect(await statusOf(`${url}&page=2`, { 'If-None-Match': etag! })).toBe(200);
    expect(await statusOf(url, { 'If-None-Match': etag!, 'Cache-Control': 'no-cache' })).toBe(200);
  });

  it('carries a request id, logs the request with latency, and echoes a sane client id', async () => {
    const res = await fetch(`${ts.url}/api/health`);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 20));
    expect(ts.log.some((l) => l.includes(id!) && /GET \/api\/health 200 \d+\.\dms$/.test(l))).toBe(true);
    const mine = await fetch(`${ts.url}/api/health`, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    const bad = await fetch(`${ts.url}/api/health`, { headers: { 'X-Request-Id': 'a b<script>' } });
    expect(bad.headers.get('x-request-id')).not.toContain('script');
  });

  it('compresses, allows any origin by default, and sends security headers', async () => {
    const res = await fetch(`${ts.url}/api/search?q=${encodeURIComponent('图书馆')}&size=20`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await fetch(`${ts.url}/api/search`, { method: 'OPTIONS', headers: { Origin: 'https://lib.example', 'Access-Control-Request-Method': 'GET' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('GET');
    const page = await fetch(`${ts.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    for (const asset of ['/app.js', '/style.css']) expect((await fetch(`${ts.url}${asset}`)).status).toBe(200);
    const head = await fetch(`${ts.url}/api/search?q=x`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('allows only the configured origins when a list is given', async () => {
    const app = createApp(ts.server.index, { corsOrigins: ['https://lib.example'], log: () => {} });
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ok = await fetch(`${base}/api/health`, { headers: { Origin: 'https://lib.example' } });
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://lib.example');
      expect(ok.headers.get('vary')).toMatch(/Origin/);
      const other = await fetch(`${base}/api/health`, { headers: { Origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

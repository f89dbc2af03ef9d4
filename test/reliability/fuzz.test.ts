/**
 * Property-based tests (fast-check, fixed seeds so runs are reproducible): the query parser and
 * the search of the library never throw on any string (CJK, control characters, lone surrogates,
 * astral characters, query syntax); the search API never answers a 5xx to random parameters; and
 * its results hold invariants checked against a brute-force reading of the stored documents:
 * every hit of an AND query contains every query term and no other document does, the year facet
 * sums to the total, pages do not overlap, and no *Html field carries markup but <mark>.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { MAX_QUERY_TERMS, parseQuery, type StoredDocument } from '../../src/index.js';
import { errorResponse, searchResponse } from '../../src/server/schemas.js';
import { allDocuments, matching, storyCount } from '../server/brute-force.js';
import { startTestServer, type TestServer } from '../server/fixtures.js';

type SearchBody = z.output<typeof searchResponse>;

let ts: TestServer;
let docs: StoredDocument[];
beforeAll(async () => {
  ts = await startTestServer();
  docs = allDocuments(ts.server.index);
});
afterAll(async () => {
  await ts?.stop();
});

/** One UTF-16 "character" of any kind a hostile or careless client could send. */
const unit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...'"“”„「」『』()（）-－:：| ', 'OR', '||', 'title:', 'content:', 'tags:', '\u3000', '\u200b', '\ufeff', '\u0301') },
  { weight: 3, arbitrary: fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCodePoint(c)) },
  { weight: 2, arbitrary: fc.constantFrom(...'图书馆读书节阅读推广古籍修复讲座志愿者圖書館讀書節的了是在和') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);
const anyText = (maxLength: number) => fc.string({ unit, maxLength });

/** Percent-encodes like a browser, except that lone surrogates are sent as their (invalid) WTF-8 bytes. */
function encode(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) out += `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`.toUpperCase();
    else out += encodeURIComponent(ch);
  }
  return out;
}

async function get(params: Array<[string, string]>): Promise<{ status: number; body: unknown }> {
  const qs = params.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  const res = await fetch(`${ts.url}/api/search${qs ? `?${qs}` : ''}`);
  return { status: res.status, body: await res.json() };
}

async function search(params: Record<string, string>): Promise<SearchBody> {
  const { status, body } = await get(Object.entries(params));
  expect(status, JSON.stringify(body).slice(0, 300)).toBe(200);
  return searchResponse.parse(body);
}

/** HTML with only <mark> elements: no other tag, attribute or raw special character. */
function expectOnlyMarks(html: string): void {
  const bare = html.replace(/<\/?mark>/g, '');
  expect(bare).not.toMatch(/[<>"']/);
  expect(bare.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
}

describe('query parser and library search', () => {
  it('parseQuery never throws, whatever the string', () => {
    fc.assert(
      fc.property(anyText(300), (q) => {
        parseQuery(q);
      }),
      { seed: 6, numRuns: 3000 },
    );
  });

  it('search never throws and keeps at most 64 terms, whatever the string', () => {
    const index = ts.server.index;
    fc.assert(
      fc.property(anyText(400), fc.constantFrom('and', 'or') as fc.Arbitrary<'and' | 'or'>, (q, op) => {
        const r = index.search(q, { op, size: 3, facets: ['year', 'province'] });
        expect(r.query.terms.length).toBeLessThanOrEqual(MAX_QUERY_TERMS);
        for (const h of r.hits) {
          expectOnlyMarks(h.titleHtml);
          expectOnlyMarks(h.snippetHtml);
        }
      }),
      { seed: 7, numRuns: 400 },
    );
  });
});

describe('search API', () => {
  const int = fc.oneof(fc.integer({ min: -5, max: 12_000 }).map(String), anyText(6));
  const param = fc.oneof(
    fc.tuple(fc.constant('q'), anyText(60)),
    fc.tuple(fc.constant('op'), fc.oneof(fc.constantFrom('and', 'or'), anyText(4))),
    fc.tuple(fc.constant('page'), int),
    fc.tuple(fc.constant('size'), int),
    fc.tuple(fc.constant('sort'), fc.oneof(fc.constantFrom('relevance', 'date_desc', 'date_asc'), anyText(5))),
    fc.tuple(fc.constant('facets'), fc.oneof(fc.constantFrom('none', 'year', 'province,city', 'all'), anyText(8))),
    fc.tuple(fc.constant('facetSize'), int),
    fc.tuple(fc.constant('snippetLength'), int),
    fc.tuple(fc.constantFrom('province', 'city', 'county'), fc.oneof(fc.constantFrom('湖北', '湖北省', '420000', '襄阳', '随县', '北京'), anyText(8))),
    fc.tuple(fc.constantFrom('from', 'to'), fc.oneof(fc.constantFrom('2020', '2023-06', '2024-02-29', '2023-02-29', '0000', '9999-12-31'), anyText(10))),
    fc.tuple(fc.constantFrom('source', 'library'), anyText(12)),
    fc.tuple(anyText(8), anyText(8)),
  );

  it('never answers 5xx to random parameters; every answer has the documented shape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(param, { maxLength: 6 }), async (params) => {
        const { status, body } = await get(params);
        expect(status).not.toBe(500);
        if (status === 200) {
          const r = searchResponse.parse(body);
          for (const h of r.hits) {
            expectOnlyMarks(h.titleHtml);
            expectOnlyMarks(h.snippetHtml);
          }
        } else {
          expect([400, 503]).toContain(status);
          const e = errorResponse.parse(body);
          expect(e.error.code).toBe(status === 400 ? 'invalid_parameter' : 'search_timeout');
        }
      }),
      { seed: 8, numRuns: 300 },
    );
  });

  const VOCABULARY = ['读书节', '图书馆', '阅读推广', '讲座', '亲子共读', '古籍', '修复', '志愿者', '数字资源', '开放', '襄阳', '长沙', '馆长', '圖書館', '读者', '分会场', '的', '节', '书', '公告', '湖北', '数位'];
  const words = fc.array(fc.constantFrom(...VOCABULARY), { minLength: 1, maxLength: 3 });

  it('AND: every hit contains every term, and every document that does is a hit', async () => {
    await fc.assert(
      fc.asyncProperty(words, async (ws) => {
        const r = await search({ q: ws.join(' '), op: 'and', size: '100', facets: 'none' });
        const terms = r.query.terms;
        const expected = matching(docs, terms);
        if (r.query.relaxed) {
          expect(expected).toEqual([]);
          return;
        }
        // Collapsed (the default): total counts stories, articles every matching copy.
        expect(r.articles).toBe(expected.length);
        expect(r.total).toBe(storyCount(expected));
        for (const h of r.hits) {
          const doc = ts.server.index.get(h.id);
          expect(doc, h.id).not.toBeNull();
          expect(matching([doc!], terms), `${h.id} lacks one of ${terms.join(' ')}`).toHaveLength(1);
        }
        if (r.total <= 100) expect(r.hits.flatMap((h) => [h.id, ...h.duplicates!.map((d) => d.id)]).sort()).toEqual(expected.map((d) => d.id).sort());
      }),
      { seed: 9, numRuns: 100 },
    );
  });

  it('the year facet (one value per document) sums to the articles (the total with collapse=false)', async () => {
    await fc.assert(
      fc.asyncProperty(words, fc.constantFrom('and', 'or'), fc.option(fc.constantFrom('湖北', '湖南', '江苏')), async (ws, op, province) => {
        // from=1000 keeps the dated matches only; the year facet ignores its own (date) filter, so
        // it still offers the undated bucket, which from=1000 leaves out of the articles.
        const params: Record<string, string> = { q: ws.join(' '), op, from: '1000', facets: 'year', facetSize: '100', size: '1' };
        if (province) params.province = province;
        const r = await search(params);
        const years = (r.facets.year ?? []).filter((y) => y.value !== 'undated');
        expect(years.length).toBeLessThan(100);
        expect(years.reduce((n, y) => n + y.count, 0)).toBe(r.articles);
        expect((await search({ ...params, collapse: 'false' })).total).toBe(r.articles);
      }),
      { seed: 10, numRuns: 100 },
    );
  });

  it('pages do not overlap and together are the longer page', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(words.map((w) => w.join(' ')), fc.constant('')),
        fc.constantFrom('and', 'or'),
        fc.constantFrom('relevance', 'date_desc', 'date_asc'),
        fc.integer({ min: 1, max: 25 }),
        async (q, op, sort, size) => {
          const base = { q, op, sort, facets: 'none' };
          const [p1, p2, both] = await Promise.all([
            search({ ...base, size: String(size), page: '1' }),
            search({ ...base, size: String(size), page: '2' }),
            search({ ...base, size: String(2 * size), page: '1' }),
          ]);
          const a = p1.hits.map((h) => h.id);
          const b = p2.hits.map((h) => h.id);
          expect(a.filter((id) => b.includes(id))).toEqual([]);
          expect([...a, ...b]).toEqual(both.hits.map((h) => h.id));
          expect(p1.total).toBe(p2.total);
        },
      ),
      { seed: 11, numRuns: 100 },
    );
  });
});

/**
 * Hostile queries have a bounded cost: each is answered (200) or rejected (400) within the
 * per-request time budget (default 2 s; a search over it is a 503 `search_timeout`), and the
 * server keeps answering other requests meanwhile: a search holds the event loop for at most its
 * fast-lane budget (src/server/lanes.ts), then finishes on the search thread; a client with too
 * many expensive searches gets a 429. The servers run as `zhsearch serve`
 * processes, so a health check measured here really runs alongside the hostile searches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACET_NAMES, MAX_QUERY_TERMS, SearchIndex, SearchTimeoutError } from '../../src/index.js';
import { errorResponse, searchResponse } from '../../src/server/schemas.js';
import { removeDir, tempDir } from '../helpers.js';
import { fixtureDocuments } from '../server/fixtures.js';
import { serve, stop, type Served } from './served.js';
import { syntheticDocs } from './synthetic.js';

let dir: string;
let server: Served;
/** The same index served with a budget of a few milliseconds. */
let tight: Served;
const TIGHT_MS = 5;
const DEFAULT_BUDGET_MS = 2000;
/** Time a request may take beyond the budget: work after the last budget check, JSON, the socket. */
const SLACK_MS = 1000;

beforeAll(async () => {
  dir = tempDir('zhsearch-hostile-');
  const index = SearchIndex.open(dir, { threads: 2 });
  await index.add([...syntheticDocs(2000, 5), ...fixtureDocuments()]);
  await index.commit();
  await index.close();
  [server, tight] = await Promise.all([serve(dir), serve(dir, '--timeout-ms', String(TIGHT_MS))]);
});

afterAll(async () => {
  await Promise.all([stop(server), stop(tight)]);
  if (dir) removeDir(dir);
});

interface Timed {
  status: number;
  body: any;
  ms: number;
}

async function timedGet(base: string, path: string, params: Record<string, string> = {}): Promise<Timed> {
  const qs = new URLSearchParams(params);
  const started = performance.now();
  const res = await fetch(`${base}${path}${qs.size ? `?${qs}` : ''}`);
  const body = await res.json();
  return { status: res.status, body, ms: performance.now() - started };
}

const COMMON = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质';
const WORDS = ['中国', '人民', '国家', '图书馆', '文化', '服务', '阅读', '活动', '读者', '发展', '经济', '教育'];
/** 64 distinct phrases of 12 common words each, OR-ed: the costliest query found (position checks everywhere). */
const HEAVY = Array.from({ length: 64 }, (_, i) => `"${Array.from({ length: 12 }, (_, j) => WORDS[(i * 7 + j * (1 + (i % 5))) % WORDS.length]).join('')}"`).join(' OR ');
/** 500 distinct two-character words. */
const FIVE_HUNDRED = Array.from({ length: 500 }, (_, i) => COMMON[i % COMMON.length] + COMMON[(i * 7 + 3) % COMMON.length]);

/** [name, parameters, expected status] */
const HOSTILE: Array<[string, Record<string, string>, 200 | 400]> = [
  ['4,000 copies of 的', { q: '的'.repeat(4000) }, 200],
  ['2,000 separate 的', { q: '的 '.repeat(2000).trim() }, 200],
  ['500 OR-ed words', { q: FIVE_HUNDRED.join(' OR ') }, 200],
  ['500 words, op=or', { q: FIVE_HUNDRED.join(' '), op: 'or' }, 200],
  ['500 excluded words', { q: `图书馆 ${FIVE_HUNDRED.slice(0, 480).map((w) => `-${w}`).join(' ')}` }, 200],
  ['1,990 nested parentheses', { q: `${'('.repeat(1990)}图书馆${')'.repeat(1990)}` }, 200],
  ['unbalanced parentheses and quotes', { q: '((("图书馆 "阅读 ((( OR OR ) "'.repeat(140) }, 200],
  ['4,000 quotes', { q: '"'.repeat(2000) + '“'.repeat(1000) + '「'.repeat(1000) }, 200],
  ['field prefixes and minus signs', { q: 'title:(content:(tags:(-title:"图书馆" -(-(-阅读))))) '.repeat(60) }, 200],
  ['a phrase of 200 common characters', { q: `"${COMMON.slice(0, 200)}"` }, 200],
  ['a phrase of 100 × 中国', { q: `"${'中国'.repeat(100)}"` }, 200],
  ['a phrase of 200 × 的', { q: `"${'的'.repeat(200)}"` }, 200],
  ['4,000 common characters', { q: COMMON.repeat(20).slice(0, 4000) }, 200],
  ['64 long phrases OR-ed', { q: HEAVY }, 200],
  ['the deep-paging limit with every facet', { q: '图书馆', page: '100', size: '100', facetSize: '100', snippetLength: '1000' }, 200],
  ['browsing at the deep-paging limit', { page: '100', size: '100', facetSize: '100' }, 200],
  ['past the deep-paging limit', { q: '图书馆', page: '101', size: '100' }, 400],
  ['a query of 4,001 characters', { q: '图'.repeat(4001) }, 400],
];

describe('hostile queries', () => {
  const timings: Array<[string, number, number]> = [];
  afterAll(() => {
    console.log(['hostile query timings (2,000 synthetic + 122 fixture documents, budget 2,000 ms):', ...timings.map(([n, s, ms]) => `  ${String(s)}  ${ms.toFixed(0).padStart(5)} ms  ${n}`)].join('\n'));
  });

  it.each(HOSTILE)('%s: answered or rejected within the budget', async (name, params, expected) => {
    const r = await timedGet(server.url, '/api/search', params);
    timings.push([name, r.status, r.ms]);
    expect(r.ms).toBeLessThan(DEFAULT_BUDGET_MS + SLACK_MS);
    if (r.status === 503) {
      // Allowed on a very slow machine: the budget did its job.
      expect(r.body.error.code).toBe('search_timeout');
      return;
    }
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(expected);
    if (expected === 400) {
      expect(errorResponse.parse(r.body).error.code).toBe('invalid_parameter');
      return;
    }
    const body = searchResponse.parse(r.body);
    expect(body.query.terms.length).toBeLessThanOrEqual(MAX_QUERY_TERMS);
    expect(body.query.excluded.length).toBeLessThanOrEqual(MAX_QUERY_TERMS);
  });

  it('keeps a query to 64 distinct terms and says which were ignored', async () => {
    const r = await timedGet(server.url, '/api/search', { q: FIVE_HUNDRED.join(' OR ') });
    const body = searchResponse.parse(r.body);
    expect(body.query.terms).toHaveLength(MAX_QUERY_TERMS);
    expect(body.query.ignored.length).toBeGreaterThan(200);
    expect(body.query.terms).not.toContain(body.query.ignored[0]);
    // Repeats are one term: 2,000 × 的 is the query 的.
    const same = searchResponse.parse((await timedGet(server.url, '/api/search', { q: '的 '.repeat(2000).trim(), facets: 'none' })).body);
    const once = searchResponse.parse((await timedGet(server.url, '/api/search', { q: '的', facets: 'none' })).body);
    expect(same.query.terms).toEqual(['的']);
    expect(same.total).toBe(once.total);
    expect(same.hits.map((h) => [h.id, h.score])).toEqual(once.hits.map((h) => [h.id, h.score]));
  });
});

describe('the time budget', () => {
  it('cuts a search that needs longer, with a clear 503', async () => {
    // Without a budget the heavy query takes many times the tight budget...
    const index = SearchIndex.open(dir);
    const started = performance.now();
    index.search(HEAVY, { facets: FACET_NAMES });
    const untimed = performance.now() - started;
    expect(untimed).toBeGreaterThan(10 * TIGHT_MS);
    expect(() => index.search(HEAVY, { timeoutMs: TIGHT_MS })).toThrow(SearchTimeoutError);
    await index.close();
    // ...and the server answers it at about the budget.
    const r = await timedGet(tight.url, '/api/search', { q: HEAVY });
    expect(r.status).toBe(503);
    expect(errorResponse.parse(r.body).error).toMatchObject({ code: 'search_timeout', details: { budgetMs: TIGHT_MS } });
    expect(r.body.error.message).toMatch(/took longer than its time budget of 5 ms/);
    expect(r.ms).toBeLessThan(untimed + SLACK_MS);
  });

  it('keeps other requests answered while hostile searches run: the budget bounds the wait', async () => {
    const waits: Record<string, number> = {};
    for (const [name, target, budget] of [
      ['default budget', server, DEFAULT_BUDGET_MS],
      ['tight budget', tight, TIGHT_MS],
    ] as const) {
      // Four hostile searches in flight, then a health check behind them.
      const hostile = Array.from({ length: 4 }, () => timedGet(target.url, '/api/search', { q: HEAVY, size: '100', snippetLength: '1000' }));
      await new Promise((r) => setTimeout(r, 20));
      const health = await timedGet(target.url, '/api/health');
      expect(health.status).toBe(200);
      // At worst it waits for the searches ahead of it, each cut at the budget.
      expect(health.ms).toBeLessThan(4 * (budget + SLACK_MS));
      for (const h of await Promise.all(hostile)) {
        // 429: this client already has its share of expensive searches running (src/server/lanes.ts).
        expect([200, 429, 503]).toContain(h.status);
        expect(h.ms).toBeLessThan(4 * (budget + SLACK_MS));
      }
      waits[name] = health.ms;
    }
    console.log(`health check behind 4 hostile searches: ${Object.entries(waits).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}`);
    // With the tight budget, 20 hostile searches in a row hold a health check up for little time.
    const hostile = Array.from({ length: 20 }, () => timedGet(tight.url, '/api/search', { q: HEAVY }));
    await new Promise((r) => setTimeout(r, 20));
    const health = await timedGet(tight.url, '/api/health');
    expect(health.status).toBe(200);
    const results = await Promise.all(hostile);
    // Each is answered within its budget, or refused: over it (503), or beyond the client's share of expensive searches (429).
    for (const h of results) expect([200, 429, 503]).toContain(h.status);
    expect(results.some((h) => h.status !== 200)).toBe(true);
    expect(health.ms).toBeLessThan(20 * TIGHT_MS + SLACK_MS);
  });
});

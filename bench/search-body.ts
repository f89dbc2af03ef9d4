/**
 * What a search route answer costs besides the search, in one process, request by request: the
 * search (`reader.search`, hits and snippets included), then as HEAD (issue 15's previous commit)
 * did it on the search thread's answer (structured clone of the result, as `postMessage` copies
 * it; then the body object and `JSON.stringify`, as `res.json`) and as the server does now
 * (src/server/search-body.ts: the body serialized where the search ran, two strings cloned).
 * Each step is timed on the same result, alternately, so the machine's load falls on both.
 *
 * The log: bench/http.ts's kind of requests (distinct queries of bench/queries.ts with their op,
 * filters drawn the same way, all facets, snippets as the API defaults).
 *
 * Usage: npx tsx bench/search-body.ts --index DIR [--requests N (2000)] [--out FILE]
 * Writes bench/results/search-body.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { FACET_NAMES, SearchIndex, type SearchOptions, type SearchResult } from '../src/index.js';
import { searchBodyJson, searchBodyParts, hitJson } from '../src/server/search-body.js';
import { loadXwlb, mulberry32 } from './corpora.js';
import { flags, latency } from './measure.js';
import { buildQueries, type QueryClass } from './queries.js';

const f = flags(process.argv.slice(2));
const indexDir = f.get('index');
if (!indexDir) throw new Error('--index <dir> is required');
const count = Number(f.get('requests') ?? 2000);
const outPath = f.get('out') ?? 'bench/results/search-body.json';

const docs = loadXwlb();
const classes: QueryClass[] = ['word1', 'and2', 'and3', 'or2', 'or3', 'or5', 'paragraph', 'phrase', 'char'];
const queries = buildQueries(docs, { perClass: Math.ceil(count / classes.length), df: () => 1, docCount: docs.length, classes });
const rng = mulberry32(0x417e);
const pool = classes.flatMap((c) => queries[c]);
for (let i = pool.length - 1; i > 0; i--) {
  const j = Math.floor(rng() * (i + 1));
  [pool[i], pool[j]] = [pool[j], pool[i]];
}
const years = [...new Set(docs.map((d) => d.date.slice(0, 4)).filter((y) => /^\d{4}$/.test(y)))].sort();
const provinces = ['北京', '上海', '广东', '浙江', '江苏', '湖北'];
const requests = pool.slice(0, count).map((q) => {
  const o: SearchOptions = { op: q.op as SearchOptions['op'], facets: [...FACET_NAMES], filters: {} };
  if (rng() < 0.25) o.filters!.province = [provinces[Math.floor(rng() * provinces.length)]];
  if (rng() < 0.25) {
    const a = Math.floor(rng() * years.length);
    o.filters!.from = years[a];
    o.filters!.to = years[Math.min(years.length - 1, a + Math.floor(rng() * 3))];
  }
  if (rng() < 0.1) o.sort = 'date_desc';
  if (rng() < 0.1) o.page = 2;
  return { q: q.q, options: o };
});

const index = SearchIndex.open(indexDir);
const reader = index.acquire();
/** HEAD's route: the result cloned to the main thread, then the body object stringified. */
function before(result: SearchResult, page: number, size: number): string {
  const r = structuredClone(result);
  const { q, terms, excluded, op, relaxed, dropped, stopWords, ignored, interpretations, correctedFrom, didYouMean } = r.query;
  return JSON.stringify({
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
    total: r.total,
    articles: r.articles,
    page,
    size,
    tookMs: 1.5,
    hits: r.hits.map(hitJson),
    facets: r.facets,
    facetTotals: r.facetTotals,
  });
}
/** Now: serialized where the search ran, the two strings cloned, joined around tookMs. */
function now(result: SearchResult, page: number, size: number): string {
  return searchBodyJson(structuredClone(searchBodyParts(result, page, size)), 1.5);
}

const t = { search: [] as number[], before: [] as number[], now: [] as number[], bytes: [] as number[] };
for (const [i, r] of requests.entries()) {
  let s = performance.now();
  const result = reader.search(r.q, r.options);
  t.search.push(performance.now() - s);
  const page = r.options.page ?? 1;
  const order = i % 2 ? [before, now] : [now, before];
  const out: string[] = [];
  for (const fn of order) {
    s = performance.now();
    out.push(fn(result, page, 10));
    (fn === before ? t.before : t.now).push(performance.now() - s);
  }
  if (out[0] !== out[1]) throw new Error(`bodies differ for ${r.q}`);
  t.bytes.push(Buffer.byteLength(out[0]));
}
reader.release();
await index.close();
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const result = {
  meta: { date: new Date().toISOString(), requests: requests.length, index: indexDir },
  searchMs: latency(t.search),
  beforeMs: latency(t.before),
  nowMs: latency(t.now),
  bodyBytesMean: mean(t.bytes),
  /** Per request, mean: clone + stringify as before, and now, as a share of the search itself. */
  beforeShareOfSearch: mean(t.before) / mean(t.search),
  nowShareOfSearch: mean(t.now) / mean(t.search),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync(outPath, JSON.stringify(result, null, 2));
console.log(`\nSearch body: ${requests.length} requests, body ${(result.bodyBytesMean / 1024).toFixed(1)} KB on average (same bytes both ways)`);
console.table({
  'search (hits, snippets, facets)': { 'mean ms': mean(t.search).toFixed(3), 'p50 ms': result.searchMs.p50.toFixed(3), 'p99 ms': result.searchMs.p99.toFixed(3) },
  'before: clone result + stringify body': { 'mean ms': mean(t.before).toFixed(3), 'p50 ms': result.beforeMs.p50.toFixed(3), 'p99 ms': result.beforeMs.p99.toFixed(3) },
  'now: serialize parts + clone strings': { 'mean ms': mean(t.now).toFixed(3), 'p50 ms': result.nowMs.p50.toFixed(3), 'p99 ms': result.nowMs.p99.toFixed(3) },
});
console.log(`clone + serialization, as a share of the search's own time: before ${(100 * result.beforeShareOfSearch).toFixed(1)}%, now ${(100 * result.nowShareOfSearch).toFixed(1)}%`);

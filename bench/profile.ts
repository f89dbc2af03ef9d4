/**
 * Where the query time goes, per group of query classes (bench/queries.ts), in the steady state:
 * after one untimed pass over the group's queries, a second pass runs under the V8 CPU profiler
 * (inspector, 200 µs sampling) and the garbage collector's pauses are recorded; the report gives,
 * per group, p50 / p99, the share of query time spent in GC pauses, how many of the slowest 1%
 * overlap a pause, and the self time by source file and by function. This is what
 * bench/before-after-causes.md cites for the targets of issue 15 that are not met.
 *
 * Usage: node --expose-gc --import tsx bench/profile.ts [--index bench/.work/xwlb-index]
 *          [--queries 300] [--variant plain|facets] [--chunk-cache-mb N]
 *          [--out bench/results/profile-<variant>.json]
 *   --chunk-cache-mb: the budget of cached postings chunks (default: the engine's, 256 MiB); a
 *   budget larger than the index's postings shows what the chunk reads cost once nothing misses.
 * The index is built from xwlb with the CLI when the directory does not exist.
 * Prints a table per group and writes the JSON.
 */
import { Session } from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_CHUNK_CACHE_BYTES, SearchIndex, setChunkCacheBytes, type SearchOptions } from '../src/index.js';
import { loadXwlb } from './corpora.js';
import { flags, markdownTable, percentile } from './measure.js';
import { ALL_FACETS, ensureIndex } from './ours.js';
import { buildQueries, type QueryClass } from './queries.js';

const f = flags(process.argv.slice(2));
const indexDir = resolve(f.get('index') ?? 'bench/.work/xwlb-index');
const perClass = Number(f.get('queries') ?? 300);
const variant = f.get('variant') ?? 'plain';
if (variant !== 'plain' && variant !== 'facets') throw new Error(`--variant: plain or facets, not ${variant}`);
const outPath = f.get('out') ?? `bench/results/profile-${variant}.json`;
const chunkCacheBytes = f.has('chunk-cache-mb') ? Number(f.get('chunk-cache-mb')) * 2 ** 20 : DEFAULT_CHUNK_CACHE_BYTES;
if (!(chunkCacheBytes > 0)) throw new Error(`--chunk-cache-mb: a positive number of MiB, not ${f.get('chunk-cache-mb')}`);
setChunkCacheBytes(chunkCacheBytes);
const log = (m: string) => console.error(`[profile] ${m}`);

const docs = loadXwlb();
await ensureIndex(indexDir, docs, log);
const index = SearchIndex.open(indexDir);
index.warm();
const dfCache = new Map<string, number>();
const df = (term: string) => {
  let n = dfCache.get(term);
  if (n === undefined) dfCache.set(term, (n = index.search(`"${term}"`, { size: 1, highlight: false, facets: [] }).total));
  return n;
};
const queries = buildQueries(docs, { perClass, df, docCount: index.documentCount });

const gcs: Array<{ start: number; end: number }> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
}).observe({ entryTypes: ['gc'] });

const session = new Session();
session.connect();
const post = <T>(method: string, params: object = {}) =>
  new Promise<T>((res, rej) => session.post(method, params, (err, r) => (err ? rej(err) : res(r as T))));
await post('Profiler.enable');
await post('Profiler.setSamplingInterval', { interval: 200 });

const GROUPS: Record<string, QueryClass[]> = {
  'AND, 1-3 words': ['word1', 'and2', 'and3'],
  'OR, 2-5 words': ['or2', 'or3', 'or5'],
  'paragraph OR': ['paragraph'],
  'phrase, character, common': ['phrase', 'char', 'common'],
  'rare words': ['rare'],
};
const options = (op: 'and' | 'or'): SearchOptions => ({ op, size: 10, highlight: false, facets: variant === 'facets' ? [...ALL_FACETS] : [] });

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const root = `${resolve('.')}/`;
const results: Record<string, unknown> = {};
for (const [group, classes] of Object.entries(GROUPS)) {
  const list = classes.flatMap((c) => queries[c]);
  for (const q of list) index.search(q.q, options(q.op));
  globalThis.gc?.();
  gcs.length = 0;
  const windows: Array<[number, number]> = [];
  await post('Profiler.start');
  for (const q of list) {
    const t0 = performance.now();
    index.search(q.q, options(q.op));
    windows.push([t0, performance.now()]);
  }
  const { profile } = await post<{ profile: { nodes: ProfileNode[]; samples: number[] } }>('Profiler.stop');
  await new Promise((r) => setTimeout(r, 50)); // the observer's last entries
  const times = windows.map(([a, b]) => ({ ms: b - a, gc: gcs.reduce((s, x) => s + Math.max(0, Math.min(b, x.end) - Math.max(a, x.start)), 0) }));
  const ms = times.map((t) => t.ms);
  const slowest = [...times].sort((x, y) => y.ms - x.ms).slice(0, Math.max(1, Math.ceil(times.length / 100)));
  const totalMs = ms.reduce((s, x) => s + x, 0);
  const gcMs = times.reduce((s, x) => s + x.gc, 0);

  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let samples = 0;
  for (const id of profile.samples) {
    const cf = nodes.get(id)!.callFrame;
    if (cf.functionName === '(idle)' || cf.functionName === '(program)') continue;
    const file = cf.url.startsWith('file://') ? cf.url.slice(7).replace(root, '') : cf.url || cf.functionName;
    const fn = `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + 1);
    byFile.set(file, (byFile.get(file) ?? 0) + 1);
    samples++;
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, n]) => ({ name, share: n / samples }));
  const r = {
    classes,
    queries: list.length,
    p50Ms: percentile(ms, 50),
    p99Ms: percentile(ms, 99),
    gcShare: gcMs / totalMs,
    slowest: slowest.length,
    slowestWithGc: slowest.filter((t) => t.gc > 0).length,
    slowestGcMs: slowest.reduce((s, t) => s + t.gc, 0) / slowest.length,
    files: top(byFile, 12),
    functions: top(byFunction, 15),
  };
  results[group] = r;
  console.log(`\n### ${group} (${variant}): ${r.queries} queries, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms; GC ${(100 * r.gcShare).toFixed(1)}% of query time; ${r.slowestWithGc} of the slowest ${r.slowest} overlap a GC pause (${r.slowestGcMs.toFixed(2)} ms in them on average)\n`);
  console.log(markdownTable(['self time', 'file'], r.files.map((x) => [`${(100 * x.share).toFixed(1)}%`, x.name])));
  console.log();
  console.log(markdownTable(['self time', 'function'], r.functions.map((x) => [`${(100 * x.share).toFixed(1)}%`, x.name])));
}
session.disconnect();
await index.close();
mkdirSync(resolve(outPath, '..'), { recursive: true });
writeFileSync(outPath, JSON.stringify({ date: new Date().toISOString(), index: indexDir, documents: index.documentCount, variant, perClass, chunkCacheBytes, groups: results }, null, 1));
log(`wrote ${outPath}`);

/**
 * What facets cost: per query class, the latency of a search without facets and with all facets
 * (province, city, county, year, month, source, library; optionally the region tree), and the
 * facet part alone (with minus without, per query), in one process on one index. With --before
 * naming another checkout's src/index.ts (e.g. a clone of the previous commit), both builds run
 * side by side, alternating query by query, and the facet outputs of the two are compared for
 * every query (facets, facetTotals, total, articles), without and with a filter: any difference
 * is printed and makes the exit code 1.
 *
 * Each query runs --repeat times per (build, variant), the order rotating; a query's time is the
 * median of its runs, a class's p50 / p99 are over those medians (nearest rank).
 *
 * Usage: node --import tsx bench/facets-latency.ts [--before /tmp/facets-before/src/index.ts]
 *          [--index bench/.work/xwlb-index] [--queries-file bench/.work/queries.json] [--queries 300]
 *          [--repeat 3] [--classes word1,or5] [--region] [--check-only] [--out bench/results/facets-latency.json]
 * Prints a table and writes the JSON.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SearchIndex, type SearchFilters, type SearchOptions } from '../src/index.js';
import { loadXwlb } from './corpora.js';
import { flags, latency, markdownTable, median } from './measure.js';
import { ALL_FACETS } from './ours.js';
import { buildQueries, CLASS_LABELS, CLASSES, type Query, type QueryClass } from './queries.js';

const f = flags(process.argv.slice(2), ['region', 'check-only']);
const beforePath = f.get('before');
const indexDir = resolve(f.get('index') ?? 'bench/.work/xwlb-index');
const queriesFile = f.get('queries-file') ?? 'bench/.work/queries.json';
const perClass = Number(f.get('queries') ?? 300);
const repeat = Number(f.get('repeat') ?? 3);
const only = f.get('classes')?.split(',');
const outPath = f.get('out') ?? 'bench/results/facets-latency.json';
const withRegion = f.has('region');
const log = (m: string) => console.error(`[facets-latency] ${m}`);

type Engine = { search(q: string, o: SearchOptions): { total: number; articles: number; facets: unknown; facetTotals: unknown } };
const engines: Array<[string, Engine]> = [];
if (beforePath) {
  const before = (await import(pathToFileURL(resolve(beforePath)).href)) as typeof import('../src/index.js');
  engines.push(['before', before.SearchIndex.open(indexDir)]);
}
const after = SearchIndex.open(indexDir);
after.warm();
engines.push(['after', after]);

let queries: Record<QueryClass, Query[]>;
if (existsSync(queriesFile)) queries = JSON.parse(readFileSync(queriesFile, 'utf8')) as Record<QueryClass, Query[]>;
else {
  const df = (term: string) => after.search(`"${term}"`, { size: 1, highlight: false }).total;
  queries = buildQueries(loadXwlb(), { perClass, df, docCount: after.documentCount });
}

const facets = [...ALL_FACETS, ...(withRegion ? (['region'] as const) : [])];
const FILTER: SearchFilters = { province: ['北京市'], from: '2016', to: '2022' };
const variants: Record<string, (op: Query['op']) => SearchOptions> = {
  plain: (op) => ({ op, size: 10, highlight: false }),
  facets: (op) => ({ op, size: 10, highlight: false, facets }),
};

// Exactness: the facet outputs of both builds, every query, without and with a filter.
let differences = 0;
if (engines.length === 2) {
  const all = [...ALL_FACETS, 'region'] as const;
  const checks: SearchOptions[] = [
    { facets: all },
    { facets: all, filters: FILTER },
    { facets: all, filters: { source: ['央视网'], city: ['武汉'], undated: 'exclude' }, facetSize: 3 },
    { facets: all, filters: { county: ['朝阳区'], library: ['中国国家图书馆'], to: '2019-06' }, facetSize: 50 },
  ];
  // Facet search, on every 10th query.
  const searches: SearchOptions[] = [
    { facets: ['region'], facetQuery: '湖' },
    { facets: ['county'], facetQuery: '区', filters: { province: ['北京'] } },
    { facets: ['year'], facetQuery: '201' },
    { facets: ['month'], facetQuery: '-0', filters: { from: '2015' } },
    { facets: ['source'], facetQuery: '央视' },
  ];
  let compared = 0;
  for (const cls of CLASSES) {
    if (only && !only.includes(cls)) continue;
    for (const [n, q] of queries[cls].slice(0, perClass).entries()) {
      for (const c of n % 10 === 0 ? [...checks, ...searches] : checks) {
        const o: SearchOptions = { op: q.op, size: 10, highlight: false, ...c };
        const [a, b] = engines.map(([, e]) => {
          const r = e.search(q.q, o);
          return JSON.stringify([r.total, r.articles, r.facets, r.facetTotals]);
        });
        compared++;
        if (a !== b) {
          differences++;
          if (differences <= 5) log(`DIFFERENT facets for ${cls} ${JSON.stringify(q.q)} ${JSON.stringify(c.filters ?? {})}\n  before ${a.slice(0, 400)}\n  after  ${b.slice(0, 400)}`);
        }
      }
    }
  }
  log(`exactness: ${compared} searches compared, ${differences} different`);
}

if (f.has('check-only')) process.exit(differences ? 1 : 0);
const rows: (string | number)[][] = [];
const results: Record<string, unknown> = {};
for (const cls of CLASSES) {
  if (only && !only.includes(cls)) continue;
  const list = queries[cls].slice(0, perClass);
  if (!list.length) continue;
  const runs = engines.flatMap(([name, e]) => Object.entries(variants).map(([v, opts]) => ({ key: `${name}/${v}`, e, opts })));
  for (const q of list.slice(0, 30)) for (const r of runs) r.e.search(q.q, r.opts(q.op));
  const samples: Record<string, number[]> = Object.fromEntries(runs.map((r) => [r.key, []]));
  const facetPart: Record<string, number[]> = Object.fromEntries(engines.map(([name]) => [name, []]));
  list.forEach((q, i) => {
    const times: Record<string, number[]> = Object.fromEntries(runs.map((r) => [r.key, []]));
    for (let k = 0; k < repeat; k++) {
      const shift = (i + k) % runs.length;
      for (const r of [...runs.slice(shift), ...runs.slice(0, shift)]) {
        const t = performance.now();
        r.e.search(q.q, r.opts(q.op));
        times[r.key].push(performance.now() - t);
      }
    }
    for (const r of runs) samples[r.key].push(median(times[r.key]));
    for (const [name] of engines) facetPart[name].push(median(times[`${name}/facets`]) - median(times[`${name}/plain`]));
  });
  const stats = Object.fromEntries(runs.map((r) => [r.key, latency(samples[r.key])]));
  const part = Object.fromEntries(engines.map(([name]) => [name, latency(facetPart[name])]));
  results[cls] = { queries: list.length, latency: stats, facetPart: part };
  const row: (string | number)[] = [CLASS_LABELS[cls]];
  for (const [name] of engines) row.push(`${stats[`${name}/plain`].p50.toFixed(2)} / ${stats[`${name}/plain`].p99.toFixed(1)}`, `${stats[`${name}/facets`].p50.toFixed(2)} / ${stats[`${name}/facets`].p99.toFixed(1)}`, `${part[name].p50.toFixed(2)} / ${part[name].p99.toFixed(2)}`);
  if (engines.length === 2) row.push((stats['after/facets'].p50 / stats['before/facets'].p50).toFixed(2), (stats['after/facets'].p99 / stats['before/facets'].p99).toFixed(2));
  rows.push(row);
  log(`${cls} done`);
}
const header = ['class'];
for (const [name] of engines) header.push(`${name} plain p50 / p99`, `${name} facets p50 / p99`, `${name} facet part p50 / p99`);
if (engines.length === 2) header.push('facets p50 after/before', 'facets p99 after/before');
console.log(markdownTable(header, rows));
writeFileSync(outPath, JSON.stringify({ indexDir, before: beforePath ?? null, facets, repeat, differences, classes: results, date: new Date().toISOString() }, null, 2) + '\n');
if (differences) process.exitCode = 1;

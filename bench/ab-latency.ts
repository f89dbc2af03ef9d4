/**
 * Query latency of two builds of the engine side by side in ONE process, on the same index: this
 * checkout (`after`) and another checkout's public API (`before`, e.g. a `git worktree` of the
 * previous commit), on the query classes of bench/queries.ts (plain Chinese queries: words, AND,
 * OR, pasted paragraphs, phrases, single characters, rare and very common words). Each query runs
 * --repeat times on both, the two builds alternating, after a warm-up pass; a query's time is the
 * median of its runs (so that a garbage collection or a pause of the shared machine does not land
 * on one build only), and a class's p50 / p95 are over those medians. Top 10 with snippets.
 * `after` is warmed first (`SearchIndex.warm()`), so the one-time build of the pinyin vocabulary is
 * not in the figures (bench/understanding.ts reports it).
 *
 * Usage: node --import tsx bench/ab-latency.ts --before /tmp/zh-before/src/index.ts
 *          [--index bench/.work/xwlb-index] [--queries 200] [--repeat 5] [--out bench/results/ab-latency.json]
 * Run it with --before naming a copy of this very checkout to see the method's own bias (A/A).
 * Prints a table and writes the JSON.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SearchIndex } from '../src/index.js';
import { loadXwlb } from './corpora.js';
import { flags, latency, markdownTable, median } from './measure.js';
import { buildQueries, CLASS_LABELS, CLASSES } from './queries.js';

const f = flags(process.argv.slice(2));
const beforePath = f.get('before');
if (!beforePath) throw new Error('--before <path of the other build\'s src/index.ts> is required');
const indexDir = resolve(f.get('index') ?? 'bench/.work/xwlb-index');
const perClass = Number(f.get('queries') ?? 200);
const repeat = Number(f.get('repeat') ?? 5);
const outPath = f.get('out') ?? 'bench/results/ab-latency.json';
const log = (m: string) => console.error(`[ab-latency] ${m}`);

const before = (await import(pathToFileURL(resolve(beforePath)).href)) as typeof import('../src/index.js');
const a = before.SearchIndex.open(indexDir);
const b = SearchIndex.open(indexDir);
let t = performance.now();
b.warm();
log(`after: vocabulary warmed in ${(performance.now() - t).toFixed(0)} ms`);

const docs = loadXwlb();
const dfCache = new Map<string, number>();
const df = (term: string) => {
  let n = dfCache.get(term);
  if (n === undefined) dfCache.set(term, (n = a.search(`"${term}"`, { size: 1, highlight: false }).total));
  return n;
};
const queries = buildQueries(docs, { perClass, df, docCount: a.documentCount });

type Engine = { search(q: string, o: object): { total: number } };
const engines: Array<[string, Engine]> = [
  ['before', a],
  ['after', b],
];
const rows: (string | number)[][] = [];
const results: Record<string, unknown> = {};
for (const cls of CLASSES) {
  const list = queries[cls];
  if (!list.length) continue;
  const samples: Record<string, number[]> = { before: [], after: [] };
  for (const q of list.slice(0, 30)) for (const [, e] of engines) e.search(q.q, { op: q.op, size: 10 });
  list.forEach((q, i) => {
    const runs: Record<string, number[]> = { before: [], after: [] };
    for (let r = 0; r < repeat; r++) {
      const order = (i + r) % 2 === 0 ? engines : [...engines].reverse();
      for (const [name, e] of order) {
        t = performance.now();
        e.search(q.q, { op: q.op, size: 10 });
        runs[name].push(performance.now() - t);
      }
    }
    for (const name of ['before', 'after']) samples[name].push(median(runs[name]));
  });
  const la = latency(samples.before);
  const lb = latency(samples.after);
  results[cls] = { queries: list.length, before: la, after: lb, p50Ratio: lb.p50 / la.p50, p95Ratio: lb.p95 / la.p95 };
  rows.push([CLASS_LABELS[cls], list.length, la.p50.toFixed(2), lb.p50.toFixed(2), (lb.p50 / la.p50).toFixed(2), la.p95.toFixed(2), lb.p95.toFixed(2), (lb.p95 / la.p95).toFixed(2)]);
}
console.log(markdownTable(['class', 'queries', 'before p50 ms', 'after p50 ms', 'ratio', 'before p95 ms', 'after p95 ms', 'ratio'], rows));
writeFileSync(outPath, JSON.stringify({ indexDir, before: beforePath, perClass, repeat, classes: results, date: new Date().toISOString() }, null, 2) + '\n');
log(`wrote ${outPath}`);
await a.close();
await b.close();

/**
 * One side of bench/before-after.ts in a fresh process: a checkout's compiled engine
 * (`<checkout>/dist/index.js`, its public API only) over an index that checkout built. Prints one
 * JSON line on stdout (run it with --expose-gc: measure.runJsonChild does).
 *
 *   before-after-child.ts open <checkout> <index dir>
 *     time to open the index: jieba's dictionaries and the engine's modules are loaded first
 *     (an empty index is opened and searched once: jieba loads lazily on the first analysis, and
 *     that one-time cost is the same for any index), then `SearchIndex.open(dir)` is timed alone;
 *     with the index memory it holds (heap + array buffers after GC, beyond the warmed process).
 *     -> { openSeconds, documents, heapMB, arrayBuffersMB, memoryMB }
 *   before-after-child.ts latency <checkout> <index dir> <queries.json> <budget seconds>
 *     every class of the queries file (`[{ cls, q, op }]`), plain then with all 7 facets, each as
 *     one block: a warm-up pass over the class's first 50 queries, then each query once with
 *     performance.now() around `search(q, { op, size: 10, highlight: false, facets? })`, at most
 *     <budget> seconds per block. Also the answer of each plain query (total and top-10 ids), so
 *     the parent can check both sides give the same results.
 *     -> { latency: { [cls | 'all']: { plain, facets } }, answers: { [cls]: string[] } }
 *
 * Owns: these measurements of one checkout. Must not: import this checkout's src/ (the engine
 * measured is the one under <checkout>), print anything else on stdout.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { latency, memory, type Latency } from './measure.js';

const FACETS = ['province', 'city', 'county', 'year', 'month', 'source', 'library'];
const WARM_UP = 50;

interface Engine {
  documentCount: number;
  search(q: string, options: object): { total: number; hits: { id: string }[] };
  close(): Promise<void>;
}
interface Api {
  SearchIndex: { open(dir: string): Engine };
}

const [mode, checkout, indexDir, queriesFile, budgetArg] = process.argv.slice(2);
if (!mode || !checkout || !indexDir) {
  console.error('usage: before-after-child.ts open <checkout> <index dir> | latency <checkout> <index dir> <queries.json> <budget s>');
  process.exit(2);
}
const api = (await import(pathToFileURL(resolve(checkout, 'dist/index.js')).href)) as Api;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

// jieba and the engine's modules, loaded before anything is timed.
const empty = mkdtempSync(join(tmpdir(), 'zhsearch-ba-empty-'));
const warm = api.SearchIndex.open(empty);
warm.search('预热', { size: 10 });

if (mode === 'open') {
  const before = memory();
  const started = performance.now();
  const index = api.SearchIndex.open(indexDir);
  const openSeconds = (performance.now() - started) / 1000;
  const after = memory();
  const heapMB = after.heapMB - before.heapMB;
  const arrayBuffersMB = after.arrayBuffersMB - before.arrayBuffersMB;
  console.log(JSON.stringify({ openSeconds, documents: index.documentCount, heapMB, arrayBuffersMB, memoryMB: heapMB + arrayBuffersMB }));
  await index.close();
} else if (mode === 'latency') {
  const queries = JSON.parse(readFileSync(queriesFile, 'utf8')) as { cls: string; q: string; op: 'and' | 'or' }[];
  const budget = Number(budgetArg ?? 60) * 1000;
  const index = api.SearchIndex.open(indexDir);
  const byClass = new Map<string, typeof queries>();
  for (const q of queries) (byClass.get(q.cls) ?? byClass.set(q.cls, []).get(q.cls)!).push(q);
  const out: Record<string, Record<string, Latency>> = {};
  const answers: Record<string, string[]> = {};
  for (const facets of [false, true]) {
    const all: number[] = [];
    for (const [cls, qs] of byClass) {
      const options = qs.map((q) => ({ op: q.op, size: 10, highlight: false, ...(facets ? { facets: FACETS } : {}) }));
      gc();
      for (let i = 0; i < Math.min(WARM_UP, qs.length); i++) index.search(qs[i].q, options[i]);
      const samples: number[] = [];
      const got: string[] = [];
      const until = performance.now() + budget;
      for (let i = 0; i < qs.length && performance.now() < until; i++) {
        const t = performance.now();
        const r = index.search(qs[i].q, options[i]);
        samples.push(performance.now() - t);
        if (!facets) got.push(`${r.total}:${r.hits.map((h) => h.id).join(',')}`);
      }
      if (!facets) answers[cls] = got;
      all.push(...samples);
      (out[cls] ??= {})[facets ? 'facets' : 'plain'] = latency(samples);
    }
    (out.all ??= {})[facets ? 'facets' : 'plain'] = latency(all);
  }
  console.log(JSON.stringify({ documents: index.documentCount, latency: out, answers }));
  await index.close();
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
await warm.close();
rmSync(empty, { recursive: true, force: true });

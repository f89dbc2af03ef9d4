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
 *   before-after-child.ts paired <checkout> <index dir> <queries.json> <budget seconds> <checkout B> <index dir B>
 *     the same, both engines in this one process, each query run on both in turn (the order
 *     alternating from query to query), so a pause of the machine falls on both.
 *     -> { sides: [{ latency, answers }, { latency, answers }] } (first: <checkout>, second: B)
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

const [mode, checkout, indexDir, queriesFile, budgetArg, checkoutB, indexDirB] = process.argv.slice(2);
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
} else if (mode === 'latency' || mode === 'paired') {
  const queries = JSON.parse(readFileSync(queriesFile, 'utf8')) as { cls: string; q: string; op: 'and' | 'or' }[];
  const budget = Number(budgetArg ?? 60) * 1000;
  const engines = [api.SearchIndex.open(indexDir)];
  if (mode === 'paired') {
    const apiB = (await import(pathToFileURL(resolve(checkoutB, 'dist/index.js')).href)) as Api;
    apiB.SearchIndex.open(empty).search('预热', { size: 10 });
    engines.push(apiB.SearchIndex.open(indexDirB));
  }
  const byClass = new Map<string, typeof queries>();
  for (const q of queries) (byClass.get(q.cls) ?? byClass.set(q.cls, []).get(q.cls)!).push(q);
  const out = engines.map(() => ({} as Record<string, Record<string, Latency>>));
  const answers = engines.map(() => ({} as Record<string, string[]>));
  for (const facets of [false, true]) {
    const all: number[][] = engines.map(() => []);
    for (const [cls, qs] of byClass) {
      const options = qs.map((q) => ({ op: q.op, size: 10, highlight: false, ...(facets ? { facets: FACETS } : {}) }));
      gc();
      for (const index of engines) for (let i = 0; i < Math.min(WARM_UP, qs.length); i++) index.search(qs[i].q, options[i]);
      const samples: number[][] = engines.map(() => []);
      const got: string[][] = engines.map(() => []);
      const until = performance.now() + budget * engines.length;
      for (let i = 0; i < qs.length && performance.now() < until; i++) {
        for (let k = 0; k < engines.length; k++) {
          const e = engines.length === 1 ? 0 : (i + k) % 2;
          const t = performance.now();
          const r = engines[e].search(qs[i].q, options[i]);
          samples[e].push(performance.now() - t);
          if (!facets) got[e].push(`${r.total}:${r.hits.map((h) => h.id).join(',')}`);
        }
      }
      engines.forEach((_, e) => {
        if (!facets) answers[e][cls] = got[e];
        all[e].push(...samples[e]);
        (out[e][cls] ??= {})[facets ? 'facets' : 'plain'] = latency(samples[e]);
      });
    }
    engines.forEach((_, e) => ((out[e].all ??= {})[facets ? 'facets' : 'plain'] = latency(all[e])));
  }
  const sides = engines.map((index, e) => ({ documents: index.documentCount, latency: out[e], answers: answers[e] }));
  console.log(JSON.stringify(mode === 'paired' ? { sides } : sides[0]));
  for (const index of engines) await index.close();
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
await warm.close();
rmSync(empty, { recursive: true, force: true });

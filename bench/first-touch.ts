/**
 * What a query pays the first time it touches postings in a process, and why: the cause of the
 * 1-word and 2-word AND p50 regression of issue 15's before/after (bench/before-after-causes.md).
 *
 * The index reads postings lazily through the chunk cache (src/index/section-file.ts): a chunk
 * (16 KiB) is read from the file on first use and kept. bench/before-after.ts times each query
 * once in a fresh process after a warm-up of 50 queries per class, so most of its timed queries
 * touch chunks for the first time; the previous format had every list in the heap from the open
 * on. This script draws the queries (bench/queries.ts, as before-after.ts), then measures in a
 * fresh process that only opens the index, as before-after.ts's children do (the cost of a chunk
 * read depends on what memory the process has used and freed before), twice: with glibc's default
 * allocator, and with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` (transparent huge pages for malloc,
 * where the kernel's THP mode is `madvise`). Each child:
 *  - per class: a warm-up of the first 50 queries (as before-after.ts), then the rest twice: the
 *    first pass (first touch, what before-after.ts times) and the second (steady state, nothing
 *    left to read); p50 / mean of each, chunk reads per query and their milliseconds
 *    (`chunkCacheStats`);
 *  - what one chunk read costs, taken apart on the index's own file: allocating 16 KiB never used
 *    by the process, `readSync` of 16 KiB (the file in the OS page cache) into fresh memory and
 *    into memory already written, and crc32 of 16 KiB.
 *
 * Usage: npx tsx bench/first-touch.ts [--index bench/.work/xwlb-index] [--queries 300]
 *          [--out bench/results/first-touch.json]
 * The index is built from xwlb with the CLI when the directory does not exist.
 */
import { mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { chunkCacheStats, SearchIndex } from '../src/index.js';
import { loadXwlb } from './corpora.js';
import { flags, markdownTable, percentile, runNode } from './measure.js';
import { ensureIndex } from './ours.js';
import { buildQueries, type Query, type QueryClass } from './queries.js';

const f = flags(process.argv.slice(2));
const indexDir = resolve(f.get('index') ?? 'bench/.work/xwlb-index');
const perClass = Number(f.get('queries') ?? 300);
const outPath = f.get('out') ?? 'bench/results/first-touch.json';
const log = (m: string) => console.error(`[first-touch] ${m}`);
const WARM_UP = 50;
const CLASSES: QueryClass[] = ['word1', 'and2', 'and3', 'or2', 'rare', 'common'];
const CHUNK = 16 * 1024;
const N = 2000;

interface Pass {
  p50Ms: number;
  meanMs: number;
  chunkReadsPerQuery: number;
  chunkReadMsPerQuery: number;
}
interface Micro {
  allocateUs: number;
  readIntoFreshUs: number;
  readIntoWrittenUs: number;
  crc32Us: number;
}
interface ChildResult {
  micro: Micro;
  classes: Record<string, { queries: number; first: Pass; second: Pass }>;
}

/** The measuring process: one chunk read taken apart, then the classes' two passes. */
async function child(queryFile: string): Promise<ChildResult> {
  const queries = JSON.parse(readFileSync(queryFile, 'utf8')) as Record<string, Query[]>;
  const segFile = join(indexDir, readdirSync(indexDir).find((n) => n.endsWith('.seg'))!);
  const fd = openSync(segFile, 'r');
  const fileBytes = statSync(segFile).size;
  const at = () => Math.floor(Math.random() * (fileBytes - CHUNK));
  const perChunkUs = (run: () => void) => {
    const t = performance.now();
    run();
    return ((performance.now() - t) * 1000) / N;
  };
  const written = new Uint8Array(CHUNK);
  for (let i = 0; i < N; i++) readSync(fd, written, 0, CHUNK, at()); // the file in the OS page cache
  const fresh: Uint8Array[] = [];
  const micro: Micro = {
    allocateUs: perChunkUs(() => {
      for (let i = 0; i < N; i++) fresh.push(new Uint8Array(CHUNK));
    }),
    readIntoFreshUs: perChunkUs(() => {
      const slab = new Uint8Array(CHUNK * N);
      for (let i = 0; i < N; i++) readSync(fd, slab, i * CHUNK, CHUNK, at());
    }),
    readIntoWrittenUs: perChunkUs(() => {
      for (let i = 0; i < N; i++) readSync(fd, written, 0, CHUNK, at());
    }),
    crc32Us: perChunkUs(() => {
      for (let i = 0; i < N; i++) crc32(fresh[i]);
    }),
  };
  fresh.length = 0;
  const index = SearchIndex.open(indexDir);
  index.warm();
  const classes: ChildResult['classes'] = {};
  for (const cls of CLASSES) {
    const qs = queries[cls];
    const run = (q: Query) => index.search(q.q, { op: q.op, size: 10, highlight: false, facets: [] });
    for (const q of qs.slice(0, WARM_UP)) run(q);
    const timed = qs.slice(WARM_UP);
    const pass = (): Pass => {
      const before = chunkCacheStats();
      const ms = timed.map((q) => {
        const t = performance.now();
        run(q);
        return performance.now() - t;
      });
      const after = chunkCacheStats();
      return {
        p50Ms: percentile(ms, 50),
        meanMs: ms.reduce((s, x) => s + x, 0) / ms.length,
        chunkReadsPerQuery: (after.misses - before.misses) / timed.length,
        chunkReadMsPerQuery: (after.missMs - before.missMs) / timed.length,
      };
    };
    const first = pass();
    classes[cls] = { queries: timed.length, first, second: pass() };
  }
  await index.close();
  return { micro, classes };
}

if (f.has('child')) {
  console.log(JSON.stringify(await child(f.get('child')!)));
  process.exit(0);
}

const docs = loadXwlb();
await ensureIndex(indexDir, docs, log);
const work = mkdtempSync(join(tmpdir(), 'zhsearch-first-touch-'));
const queryFile = join(work, 'queries.json');
{
  const index = SearchIndex.open(indexDir);
  const dfCache = new Map<string, number>();
  const df = (term: string) => {
    let n = dfCache.get(term);
    if (n === undefined) dfCache.set(term, (n = index.search(`"${term}"`, { size: 1, highlight: false, facets: [] }).total));
    return n;
  };
  writeFileSync(queryFile, JSON.stringify(buildQueries(docs, { perClass, df, docCount: index.documentCount })));
  await index.close();
}
const configs: Record<string, NodeJS.ProcessEnv> = {
  'glibc default': { ...process.env, GLIBC_TUNABLES: '' },
  'glibc.malloc.hugetlb=1': { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' },
};
const runs: Record<string, ChildResult> = {};
try {
  for (const [name, env] of Object.entries(configs)) {
    log(`measuring in a fresh process (${name})...`);
    const run = await runNode(['--import', 'tsx', 'bench/first-touch.ts', '--child', queryFile, '--index', indexDir], { env });
    runs[name] = JSON.parse(run.stdout.trim().split('\n').pop()!) as ChildResult;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const n = (x: number, d = 2) => x.toFixed(d);
for (const [name, r] of Object.entries(runs)) {
  console.log(`\nFirst touch vs steady state, ${name} (${indexDir}; per class ${WARM_UP} warm-up queries, then the rest twice)\n`);
  console.log(
    markdownTable(
      ['class', 'queries', 'first p50 ms', 'first mean ms', 'chunk reads / query', 'their ms / query', 'µs / read', 'second p50 ms', 'second mean ms', 'first / second mean'],
      CLASSES.map((c) => {
        const x = r.classes[c];
        return [c, x.queries, n(x.first.p50Ms), n(x.first.meanMs), n(x.first.chunkReadsPerQuery, 1), n(x.first.chunkReadMsPerQuery, 3), n((1000 * x.first.chunkReadMsPerQuery) / x.first.chunkReadsPerQuery, 0), n(x.second.p50Ms), n(x.second.meanMs), n(x.first.meanMs / x.second.meanMs)];
      }),
    ),
  );
}
console.log(`\nOne 16 KiB chunk read taken apart, in a fresh process (${N} reads of the index's .seg file, in the OS page cache)\n`);
const names = Object.keys(runs);
const row = (label: string, k: keyof Micro) => [label, ...names.map((x) => n(runs[x].micro[k], 1))];
console.log(
  markdownTable(
    ['step (µs per chunk)', ...names],
    [
      row('allocate 16 KiB the process never used', 'allocateUs'),
      row('readSync into memory never written', 'readIntoFreshUs'),
      row('readSync into memory already written', 'readIntoWrittenUs'),
      row('crc32 of 16 KiB', 'crc32Us'),
    ],
  ),
);
writeFileSync(outPath, `${JSON.stringify({ indexDir, perClass, warmUp: WARM_UP, runs, date: new Date().toISOString() }, null, 2)}\n`);
log(`wrote ${outPath}`);

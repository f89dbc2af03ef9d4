/**
 * The cluster at scale (issue 16, acceptance 4): the derived corpus of N documents (default
 * 1,000,000; bench/corpora.ts) loaded into a Sphinx cluster of 3 shards with `zhsearch index
 * --backend` and built into an embedded index with `zhsearch index`, in the same run: build time,
 * disk, memory per process (the loading CLI's peak, each searchd's resident memory after the
 * queries; the embedded index's process), and p50/p99 of 1-3 word AND queries (bench/queries.ts
 * classes word1, and2, and3 drawn from xwlb, so they match at every size) without and with all
 * facets, each side warmed by one pass over the queries, then timed in alternation query by query.
 *
 * Usage: npx tsx --expose-gc bench/cluster-scale.ts [--docs N] [--shards 3] [--queries 100]
 *          [--query-timeout-ms 10000] [--out bench/results/cluster-scale.json]
 * A cluster query that fails (a timeout of every shard) is counted, its time until the error kept.
 *   --docs 75806 runs on xwlb itself (minutes instead of about an hour).
 *
 * Owns: this comparison. Must not: reach past the public API and the CLI.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterSearcher, SearchIndex, startCluster, stopCluster, type SearchOptions } from '../src/index.js';
import { derivedPath, ensureDerived, loadXwlb, XWLB } from './corpora.js';
import { dirBytes, ensureCompiled, flags, latency, markdownTable, ms, rssKb, runNode, type Latency } from './measure.js';
import { ALL_FACETS, writeInput } from './ours.js';
import { buildQueries } from './queries.js';

const f = flags(process.argv.slice(2));
const docs = Number(f.get('docs') ?? 1_000_000);
const shards = Number(f.get('shards') ?? 3);
const perClass = Number(f.get('queries') ?? 100);
/** The front's agent timeout: long enough that the figures are the cluster's cost, not its timeout (failures are counted). */
const queryTimeoutMs = Number(f.get('query-timeout-ms') ?? 10_000);
const outPath = f.get('out') ?? 'bench/results/cluster-scale.json';
const log = (m: string) => console.error(`[cluster-scale] ${m}`);

ensureCompiled();
const xwlb = loadXwlb();
const work = mkdtempSync(join(tmpdir(), 'zhsearch-cluster-scale-'));
const input = docs > xwlb.length ? ((await ensureDerived([docs]))[0] ?? derivedPath(docs)) : docs === xwlb.length ? XWLB : join(work, `xwlb-${docs}.jsonl.gz`);
if (docs < xwlb.length) writeInput(xwlb.slice(0, docs), input);
const clusterDir = join(work, 'cluster');
const indexDir = join(work, 'embedded');
const queries = buildQueries(xwlb.slice(0, 20_000), { perClass, df: () => 1, docCount: 20_000, classes: ['word1', 'and2', 'and3'] });
const all = [...queries.word1, ...queries.and2, ...queries.and3];

/** Disk of a directory's files whose names pass `keep`. */
function diskMB(dir: string, keep: (name: string) => boolean): number {
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) bytes += diskMB(p, keep) * 1e6;
    else if (keep(e.name)) bytes += statSync(p).size;
  }
  return bytes / 1e6;
}

/** A base port with the cluster's consecutive ports free. */
async function freeBase(count: number): Promise<number> {
  const { createServer } = await import('node:net');
  const free = (port: number) => new Promise<boolean>((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await free(p);
    if (ok) return base;
  }
}
const base = await freeBase(1 + 2 * shards);
try {
  log(`starting a cluster of ${shards} shards...`);
  const cluster = await startCluster(clusterDir, { shards, basePort: base, queryTimeoutMs });
  log(`loading ${docs} documents into the cluster (${input})...`);
  const load = await runNode(['bin/zhsearch.js', 'index', input, '--backend', clusterDir, '--quiet', '--no-dedupe'], { quiet: true });
  log(`  ${load.seconds.toFixed(0)} s: ${load.stdout.trim().split('\n')[0]}`);
  log(`building the embedded index of ${docs} documents...`);
  const build = await runNode(['bin/zhsearch.js', 'index', input, '--index-dir', indexDir, '--quiet', '--no-dedupe'], { quiet: true });
  log(`  ${build.seconds.toFixed(0)} s`);

  const searcher = await ClusterSearcher.open(clusterDir);
  const index = SearchIndex.open(indexDir);
  index.warm();
  const variants: Record<'plain' | 'facets', SearchOptions> = {
    plain: { op: 'and', size: 10, highlight: false },
    facets: { op: 'and', size: 10, highlight: false, facets: [...ALL_FACETS] },
  };
  const times: Record<string, Record<string, number[]>> = { cluster: { plain: [], facets: [] }, embedded: { plain: [], facets: [] } };
  let partial = 0;
  const failures: Record<string, number> = {};
  /** A cluster search; a failure counted by its message (the time until it is kept). */
  const clusterSearch = async (q: string, options: SearchOptions) => {
    try {
      if ((await searcher.search(q, options)).partial) partial++;
    } catch (err) {
      const kind = (err as Error).name || 'Error';
      failures[kind] = (failures[kind] ?? 0) + 1;
    }
  };
  for (const [variant, options] of Object.entries(variants)) {
    log(`queries (${variant}): warm-up pass, then ${all.length} timed, alternating...`);
    for (const q of all) {
      index.search(q.q, options);
      await clusterSearch(q.q, options);
    }
    for (let i = 0; i < all.length; i++) {
      const q = all[i];
      const runCluster = async () => {
        const t = performance.now();
        await clusterSearch(q.q, options);
        times.cluster[variant].push(performance.now() - t);
      };
      const runEmbedded = () => {
        const t = performance.now();
        index.search(q.q, options);
        times.embedded[variant].push(performance.now() - t);
      };
      if (i % 2) {
        runEmbedded();
        await runCluster();
      } else {
        await runCluster();
        runEmbedded();
      }
    }
  }
  const lat = (side: string) => ({ plain: latency(times[side].plain), facets: latency(times[side].facets) }) as { plain: Latency; facets: Latency };
  const searchd = [cluster.front, ...cluster.shards].map((n) => ({ node: 'shard' in n ? `shard ${n.shard}` : 'front', rssMB: rssKb(n.pid!) / 1024 }));
  const m = process.memoryUsage();
  const result = {
    meta: { date: new Date().toISOString(), documents: docs, corpus: input, shards, queries: all.length, engine: cluster.engine, queryTimeoutMs, partialAnswers: partial, failures },
    cluster: {
      load: { seconds: load.seconds, cliPeakRssMB: load.peakRssMB, docsPerSecond: docs / load.seconds },
      diskMB: diskMB(clusterDir, (n) => /^(main|delta)\./.test(n)),
      searchd,
      latency: lat('cluster'),
    },
    embedded: {
      build: { seconds: build.seconds, peakRssMB: build.peakRssMB, docsPerSecond: docs / build.seconds },
      diskMB: dirBytes(indexDir) / 1e6,
      // This process holds the embedded index (and the cluster's client): heap + array buffers, and its RSS.
      memory: { heapPlusBuffersMB: (m.heapUsed + m.arrayBuffers) / 1e6, rssMB: m.rss / 1e6 },
      latency: lat('embedded'),
    },
  };
  await searcher.close();
  await index.close();
  await stopCluster(clusterDir);
  writeFileSync(outPath, JSON.stringify(result, null, 2));
  const row = (name: string, l: { plain: Latency; facets: Latency }) => [name, ms(l.plain.p50), ms(l.plain.p99), ms(l.facets.p50), ms(l.facets.p99)];
  console.log(`\nCluster (${shards} shards, ${cluster.engine}) vs embedded, ${docs.toLocaleString('en')} documents, ${all.length} queries of 1-3 words (AND), same run:\n`);
  console.log(markdownTable(['', 'build s', 'docs/s', 'disk MB', 'memory'], [
    ['cluster', result.cluster.load.seconds.toFixed(0), result.cluster.load.docsPerSecond.toFixed(0), result.cluster.diskMB.toFixed(0), `loading CLI peak ${load.peakRssMB.toFixed(0)} MB; searchd RSS ${searchd.map((s) => `${s.node} ${s.rssMB.toFixed(0)}`).join(', ')} MB`],
    ['embedded', result.embedded.build.seconds.toFixed(0), result.embedded.build.docsPerSecond.toFixed(0), result.embedded.diskMB.toFixed(0), `build peak ${build.peakRssMB.toFixed(0)} MB; serving process heap+buffers ${result.embedded.memory.heapPlusBuffersMB.toFixed(0)} MB, RSS ${result.embedded.memory.rssMB.toFixed(0)} MB`],
  ]));
  console.log('\n' + markdownTable(['ms', 'p50', 'p99', 'all facets p50', 'all facets p99'], [row('cluster', result.cluster.latency), row('embedded', result.embedded.latency)]));
  console.log(`\npartial answers: ${partial}; failed cluster searches (warm-up included): ${JSON.stringify(failures)}; written ${outPath}`);
} finally {
  await stopCluster(clusterDir).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}

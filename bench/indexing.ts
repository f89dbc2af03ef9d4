/**
 * Indexing benchmark, all in one run on the same corpus (default ../shared/corpora/xwlb.jsonl.gz):
 *  - `zhsearch index` end to end (reading, cleaning and metadata extraction, analysis on worker
 *    threads, segments, merge, commit), as a child process whose resident memory is sampled;
 *  - the engine core alone: the same records added through the public API without ingestion
 *    (no cleaning, no region/library extraction, no duplicate detection);
 *  - nodejieba's own cut-for-search throughput on the same text: on one thread, and on two worker
 *    threads (each cutting every other record; timed from when both have loaded their dictionaries),
 *    the figure indexing on two cores is compared with.
 * Reports time, documents/s, MB/s, peak RSS, index size on disk and load time of the built index.
 *
 * Usage: npx tsx bench/indexing.ts [corpus.jsonl.gz] [--limit N]
 * Prints a table and writes bench/results/indexing.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { gunzipSync, gzipSync } from 'node:zlib';
import { SearchIndex } from '../src/index.js';

const args = process.argv.slice(2);
const limitAt = args.indexOf('--limit');
const limit = limitAt >= 0 ? Number(args[limitAt + 1]) : Infinity;
const corpus = resolve(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--limit') ?? '../shared/corpora/xwlb.jsonl.gz');

const lines = gunzipSync(readFileSync(corpus)).toString('utf8').split('\n').filter(Boolean).slice(0, limit);
const work = mkdtempSync(join(tmpdir(), 'zhsearch-bench-'));
const input = join(work, 'input.jsonl.gz');
writeFileSync(input, gzipSync(lines.join('\n')));
const records = lines.map((l) => JSON.parse(l) as { title?: string; content?: string });
const textBytes = records.reduce((n, r) => n + Buffer.byteLength(r.title ?? '') + Buffer.byteLength(r.content ?? ''), 0);

// nodejieba alone, one thread, on the same text (cut-for-search, HMM on).
const jieba = createRequire(import.meta.url)('nodejieba') as { cutForSearch(s: string, hmm: boolean): string[] };
jieba.cutForSearch('预热', true);
let t = performance.now();
for (const r of records) {
  jieba.cutForSearch(r.title ?? '', true);
  jieba.cutForSearch(r.content ?? '', true);
}
const jiebaSeconds = (performance.now() - t) / 1000;

/** nodejieba on `threads` worker threads, each cutting every `threads`-th record (title and content). */
async function jiebaThreads(threads: number): Promise<number> {
  const binding = createRequire(import.meta.url).resolve('nodejieba');
  const code = `const { parentPort, workerData } = require('node:worker_threads');
const jieba = require(${JSON.stringify(binding)});
jieba.cutForSearch('预热', true);
parentPort.postMessage('ready');
parentPort.once('message', () => { for (const t of workerData) jieba.cutForSearch(t, true); parentPort.postMessage('done'); });`;
  const shares: string[][] = Array.from({ length: threads }, () => []);
  records.forEach((r, i) => shares[i % threads].push(r.title ?? '', r.content ?? ''));
  const workers = shares.map((s) => new Worker(code, { eval: true, workerData: s }));
  const next = () => Promise.all(workers.map((w) => new Promise((res) => w.once('message', res))));
  await next();
  const started = performance.now();
  const done = next();
  for (const w of workers) w.postMessage('go');
  await done;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  return seconds;
}
const jiebaTwoSeconds = await jiebaThreads(2);

/** Runs a command as a child process, sampling its peak resident memory. */
async function measured(cmd: string[]): Promise<{ seconds: number; peakMB: number; stdout: string }> {
  let peakKb = 0;
  const started = performance.now();
  const child = spawn(process.execPath, cmd, { stdio: ['ignore', 'pipe', 'inherit'] });
  const sampler = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // exited
    }
  }, 50);
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const code: number = await new Promise((res) => child.on('exit', (c) => res(c ?? 1)));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`${cmd.join(' ')} failed (${code})`);
  return { seconds: (performance.now() - started) / 1000, peakMB: peakKb / 1024, stdout };
}

const indexDir = join(work, 'index');
const cli = await measured(['bin/zhsearch.js', 'index', input, '--index-dir', indexDir, '--quiet']);
const seconds = cli.seconds;
const out = cli.stdout;
const coreDir = join(work, 'core');
const core = await measured(['--import', 'tsx', 'bench/index-core.ts', input, coreDir]);
const diskBytes = readdirSync(indexDir).reduce((n, f) => n + statSync(join(indexDir, f)).size, 0);

t = performance.now();
const index = SearchIndex.open(indexDir);
const loadSeconds = (performance.now() - t) / 1000;
const documents = index.documentCount;
await index.close();

const result = {
  corpus,
  documents,
  textMB: textBytes / 1e6,
  seconds,
  docsPerSecond: documents / seconds,
  mbPerSecond: textBytes / 1e6 / seconds,
  peakRssMB: cli.peakMB,
  core: { seconds: core.seconds, mbPerSecond: textBytes / 1e6 / core.seconds, peakRssMB: core.peakMB },
  ingestionVsCore: core.seconds / seconds,
  diskMB: diskBytes / 1e6,
  loadSeconds,
  jiebaSingleThreadMBps: textBytes / 1e6 / jiebaSeconds,
  throughputVsJiebaOneThread: textBytes / 1e6 / seconds / (textBytes / 1e6 / jiebaSeconds),
  jiebaTwoThreadsMBps: textBytes / 1e6 / jiebaTwoSeconds,
  throughputVsJiebaTwoThreads: jiebaTwoSeconds / seconds,
  cli: out.trim(),
};
console.table({
  zhsearch: { seconds: result.seconds.toFixed(1), 'docs/s': result.docsPerSecond.toFixed(0), 'MB/s': result.mbPerSecond.toFixed(2), 'peak RSS MB': result.peakRssMB.toFixed(0), 'disk MB': result.diskMB.toFixed(0), 'load s': result.loadSeconds.toFixed(3) },
  'engine core (no ingestion)': { seconds: core.seconds.toFixed(1), 'docs/s': (lines.length / core.seconds).toFixed(0), 'MB/s': (textBytes / 1e6 / core.seconds).toFixed(2), 'peak RSS MB': core.peakMB.toFixed(0) },
  'nodejieba alone (1 thread)': { seconds: jiebaSeconds.toFixed(1), 'docs/s': (documents / jiebaSeconds).toFixed(0), 'MB/s': result.jiebaSingleThreadMBps.toFixed(2) },
  'nodejieba alone (2 threads)': { seconds: jiebaTwoSeconds.toFixed(1), 'docs/s': (documents / jiebaTwoSeconds).toFixed(0), 'MB/s': result.jiebaTwoThreadsMBps.toFixed(2) },
});
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/indexing.json', JSON.stringify(result, null, 2));
rmSync(work, { recursive: true, force: true });

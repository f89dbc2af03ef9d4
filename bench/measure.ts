/**
 * Measuring, shared by the benchmarks: percentiles, memory snapshots, child processes with their
 * peak resident memory, the compiled CLI, free ports, medians and number formatting.
 *
 * Owns: how a number is taken and printed. Must not: know about any engine or corpus.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import v8 from 'node:v8';
import { XWLB } from './corpora.js';

/** Percentile (nearest rank) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (!samples.length) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface Latency {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function latency(samples: readonly number[]): Latency {
  return {
    n: samples.length,
    mean: samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length),
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    max: samples.length ? Math.max(...samples) : NaN,
  };
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Heap and array-buffer bytes after a full GC (needs --expose-gc; otherwise as they are). */
export function memory(): { heapMB: number; arrayBuffersMB: number; rssMB: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heapMB: m.heapUsed / 2 ** 20, arrayBuffersMB: m.arrayBuffers / 2 ** 20, rssMB: m.rss / 2 ** 20 };
}

/** Resident memory of a process (kB from /proc), or 0 once it is gone. */
export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Peak resident memory a process reached (VmHWM, kB), or 0 once it is gone. */
export function hwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export interface ChildRun {
  seconds: number;
  /** Peak resident memory of the process (its worker threads included), sampled every 50 ms. */
  peakRssMB: number;
  stdout: string;
}

/** Runs `node <args>` as a child process, sampling its peak resident memory. Rejects on failure. */
export async function runNode(args: string[], options: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): Promise<ChildRun> {
  let peakKb = 0;
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', options.quiet ? 'ignore' : 'inherit'], env: options.env ?? process.env });
  const sample = () => (peakKb = Math.max(peakKb, rssKb(child.pid!), hwmKb(child.pid!)));
  const sampler = setInterval(sample, 50);
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const code: number = await new Promise((res) => child.on('exit', (c, signal) => res(c ?? (signal ? 128 : 1))));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`node ${args.join(' ')} failed (exit ${code})`);
  return { seconds: (performance.now() - started) / 1000, peakRssMB: peakKb / 1024, stdout };
}

/** Runs a benchmark child that prints one JSON object as the last line of its stdout. */
export async function runJsonChild<T>(args: string[]): Promise<T & { peakRssMB: number; seconds: number }> {
  const run = await runNode(['--expose-gc', '--max-old-space-size=12000', '--import', 'tsx', ...args]);
  const last = run.stdout.trim().split('\n').pop() ?? '';
  return { ...(JSON.parse(last) as T), peakRssMB: run.peakRssMB, seconds: run.seconds };
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Waits until `url` answers 200, or throws after `timeoutMs`. */
export async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function newestMtime(dir: string, ext: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/**
 * The CLI (bin/zhsearch.js) runs the compiled dist/: compile it when src/ is newer, so the
 * benchmarks measure the source as it is. A compile error is reported, not hidden.
 */
export function ensureCompiled(): void {
  const distTime = existsSync('dist/index.js') ? newestMtime('dist', '.js') : 0;
  if (distTime >= newestMtime('src', '.ts')) return;
  console.error('compiling src/ -> dist/ (tsc) for the CLI...');
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  } catch {
    console.error('warning: tsc reported errors; dist/ may not match src/');
  }
}

/** A fingerprint of the engine source measured (src/**), since the engine changes between runs. */
export function sourceFingerprint(): string {
  const h = createHash('sha1');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) h.update(p).update(readFileSync(p));
    }
  };
  walk('src');
  return h.digest('hex').slice(0, 12);
}

/** Size of a directory's files in bytes (one level, as an index directory is). */
export function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

/** V8's heap limit, to say why a run could fail. */
export function heapLimitMB(): number {
  return v8.getHeapStatistics().heap_size_limit / 2 ** 20;
}

/** Number formatting for tables: milliseconds with sensible precision. */
export function ms(x: number): string {
  if (!Number.isFinite(x)) return '-';
  if (x < 0.1) return x.toFixed(3);
  if (x < 10) return x.toFixed(2);
  if (x < 100) return x.toFixed(1);
  return x.toFixed(0);
}

export function fixed(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** A Markdown table. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Command-line flags: `--name value`, and `--flag` for the names in `booleans`. */
export function flags(argv: string[], booleans: readonly string[] = ['quick', 'full']): { has(name: string): boolean; get(name: string): string | undefined; positionals: string[] } {
  const positionals: string[] = [];
  const values = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) positionals.push(a);
    else if (booleans.includes(a.slice(2))) values.set(a.slice(2), true);
    else if (i + 1 < argv.length) values.set(a.slice(2), argv[++i]);
    else throw new Error(`${a} needs a value`);
  }
  return {
    has: (n) => values.has(n),
    get: (n) => {
      const v = values.get(n);
      return typeof v === 'string' ? v : undefined;
    },
    positionals,
  };
}

/**
 * The xwlb index built by `zhsearch index` in `dir` (the benches share bench/.work/xwlb-index):
 * kept when it has a manifest, unless `rebuild`; built otherwise (about a minute on 2 cores).
 */
export function ensureXwlbIndex(dir: string, rebuild: boolean, log: (message: string) => void): void {
  if (!rebuild && existsSync(join(dir, 'manifest.json'))) return;
  ensureCompiled();
  log(`building ${dir} from ${XWLB} with \`zhsearch index\``);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  const run = spawnSync(process.execPath, ['bin/zhsearch.js', 'index', XWLB, '--index-dir', dir, '--quiet'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) throw new Error('zhsearch index failed');
}

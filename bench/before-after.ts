/**
 * Before/after of issue 15: every figure of the issue's Targets table measured for the previous
 * engine ("before": a git revision, by default bench/baseline.json's commit, the last one before
 * the issue's work) and for this checkout ("after") in ONE run on the same machine, alternating
 * the two so that the machine's noise falls on both.
 *
 *  - before: `git clone -q --no-checkout . <tmp>`, `git -C <tmp> checkout -q <rev>`, node_modules
 *    symlinked to this checkout's, compiled there (tsc). after: this checkout (dist/ compiled).
 *  - builds: each checkout's own CLI (`node <checkout>/bin/zhsearch.js index <input> --index-dir
 *    <dir> --quiet --no-dedupe`) on the same input: wall time, peak RSS (worker threads
 *    included), disk MB; the builds alternate (before, after, then after, before...). Indexing
 *    speed is also given as a share of nodejieba's cut-for-search on both cores (its one-thread
 *    MB/s, measured in this process on the same text, times two).
 *  - time to open the index and the index memory: bench/before-after-child.ts `open`, fresh
 *    processes alternating, --rounds times, medians.
 *  - query latency: the classes of bench/queries.ts (drawn once, with the floor's document
 *    frequencies, from the documents as the after index stores them; the same queries for both),
 *    each round a fresh process per side (before-after-child.ts `latency`: plain and all facets)
 *    in alternating order, then the floor (bench/floor.ts) timed in this process on the same
 *    terms; per class the median over rounds of p50 / p95 / p99. Each round is one fresh process
 *    holding both engines (before-after-child.ts `paired`), each query run on both in turn, the
 *    order alternating query by query, so a pause of the machine falls on both; --separate runs
 *    one fresh process per side instead (child `latency`), alternating. The answers (total + top-10 ids)
 *    of the two sides are compared query by query (exactness: they must agree).
 *  - server: `<checkout>/bin/zhsearch.js serve`, time until /api/health answers, then 300
 *    searches of the API's defaults (all facets, snippets), then the server's VmRSS; alternating.
 *  - HTTP /api/search throughput ({@link measureHttp}): 10 connections, a log of distinct
 *    queries (at least 5,000 in full mode, none repeated), one fresh server per side and round,
 *    alternating.
 *  - postings equivalence (bench/postings-equivalence.ts) of the two xwlb indexes: every term's
 *    documents, frequencies and positions the same (skipped with --skip-equivalence).
 *  - optional `--scale N` (e.g. 1000000: about 20 min per build): the derived corpus of N
 *    documents (bench/corpora.ts) built by both, 1-3 word AND queries with and without facets.
 * Prints the table "figure | before | after | ratio | target | met?" and writes the JSON
 * (bench/results/before-after.json; --quick: bench/results/quick/before-after.json), which
 * bench/report.ts renders (renderBeforeAfter).
 *
 * Usage: npx tsx --expose-gc bench/before-after.ts [--before <git revision>] [--quick]
 *          [--rounds N] [--builds N] [--queries N] [--budget S] [--scale N] [--separate]
 *          [--skip-equivalence] [--http autocannon|http.ts] [--keep (the temporary directory)] [--out FILE]
 *   --quick: the first 6,000 xwlb items, 30 queries per class, 3 s per block, 1 build each, a
 *   log of 1,000 HTTP requests. Running it with --before naming a commit of the same engine is
 *   the A/A check of the method (every ratio should be near 1).
 *
 * Owns: the before/after procedure and its figures. Must not: measure the engine any other way
 * than through each checkout's CLI, server and public API.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { SearchIndex } from '../src/index.js';
import { ensureDerived, loadXwlb, mulberry32, XWLB, type Doc } from './corpora.js';
import { dirBytes, ensureCompiled, flags, freePort, latency, markdownTable, median, ms, rssKb, runJsonChild, runNode, waitForHttp, type Latency } from './measure.js';
import { writeInput } from './ours.js';
import { buildPeer, floorOf, type Peer } from './peers.js';
import { buildQueries, CLASS_LABELS, CLASSES, type Query, type QueryClass } from './queries.js';
import { getJieba, readTokenIds, readTokenLines, tokenCache } from './tokens.js';

const f = flags(process.argv.slice(2), ['quick', 'full', 'keep', 'skip-equivalence', 'separate']);
const quick = f.has('quick');
const docLimit = Number(f.get('docs') ?? (quick ? 6_000 : Infinity));
const perClass = Number(f.get('queries') ?? (quick ? 30 : 300));
const budget = Number(f.get('budget') ?? (quick ? 3 : 60));
/** Alternating rounds of each fresh-process measurement; medians over them (of 2: the lower, nearest rank). */
const rounds = Number(f.get('rounds') ?? (quick ? 2 : 3));
const builds = Number(f.get('builds') ?? (quick ? 1 : 2));
const scale = f.get('scale') ? Number(f.get('scale')) : null;
const httpLog = Number(f.get('http-log') ?? (quick ? 1_000 : 6_000));
const outPath = f.get('out') ?? (quick ? 'bench/results/quick/before-after.json' : 'bench/results/before-after.json');
const log = (msg: string) => console.error(`[before-after] ${msg}`);

/** The commit "before" defaults to: the last one before the issue's work (bench/baseline.json). */
function baselineCommit(): string {
  return (JSON.parse(readFileSync('bench/baseline.json', 'utf8')) as { commit: string }).commit;
}

const git = (args: string[], cwd = '.') => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
const rev = f.get('before') ?? baselineCommit();
const beforeSha = git(['rev-parse', '--verify', `${rev}^{commit}`]);
const afterSha = git(['rev-parse', 'HEAD']);
const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'src', 'bin', 'dict']) !== '';

const work = f.get('work') ?? mkdtempSync(join(tmpdir(), 'zhsearch-before-after-'));
mkdirSync(work, { recursive: true });
const loads: number[] = [loadavg()[0]];
const loadSampler = setInterval(() => loads.push(loadavg()[0]), 10_000);

/** One engine measured: a checkout directory with a compiled dist/ and bin/. */
interface Side {
  name: 'before' | 'after';
  checkout: string;
  commit: string;
}

/** Clones this repository at `sha` into `dir`, links node_modules, compiles it. */
function prepareCheckout(sha: string, dir: string): void {
  const started = performance.now();
  rmSync(dir, { recursive: true, force: true });
  git(['clone', '-q', '--no-checkout', '.', dir]);
  git(['checkout', '-q', sha], dir);
  symlinkSync(realpathSync('node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, stdio: 'inherit' });
  log(`checked out and compiled ${sha.slice(0, 12)} in ${dir} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

ensureCompiled();
const before: Side = { name: 'before', checkout: join(work, 'before'), commit: beforeSha };
const after: Side = { name: 'after', checkout: resolve('.'), commit: afterSha + (dirty ? ' (with uncommitted changes)' : '') };
prepareCheckout(beforeSha, before.checkout);
const sides = [before, after];
/** Round r's order: before first on even rounds, after first on odd ones. */
const ordered = (r: number) => (r % 2 === 0 ? sides : [...sides].reverse());

// --- builds.
interface Build {
  seconds: number;
  peakRssMB: number;
  diskMB: number;
  documents: number;
}
async function buildIndex(side: Side, input: string, dir: string): Promise<Build> {
  rmSync(dir, { recursive: true, force: true });
  const run = await runNode([join(side.checkout, 'bin/zhsearch.js'), 'index', input, '--index-dir', dir, '--quiet', '--no-dedupe'], { quiet: true });
  const documents = Number(/indexed (\d+) documents/.exec(run.stdout)?.[1] ?? NaN);
  return { seconds: run.seconds, peakRssMB: run.peakRssMB, diskMB: dirBytes(dir) / 1e6, documents };
}

const raw = loadXwlb(docLimit);
const textMB = raw.reduce((n, d) => n + Buffer.byteLength(d.title) + Buffer.byteLength(d.content), 0) / 1e6;
let input = XWLB;
if (Number.isFinite(docLimit)) {
  input = join(work, 'input.jsonl.gz');
  writeInput(raw, input);
}
const indexDir = (side: Side) => join(work, `index-${side.name}`);
/** nodejieba's cut-for-search alone on the same text, one thread (the bound of indexing), MB/s. */
function jiebaMBps(): number {
  getJieba().cutForSearch('预热', true);
  const started = performance.now();
  for (const d of raw) {
    getJieba().cutForSearch(d.title, true);
    getJieba().cutForSearch(d.content, true);
  }
  return textMB / ((performance.now() - started) / 1000);
}
// Each round: both builds (alternating order), then nodejieba, so all three see the same load.
const buildRuns: Record<string, Build[]> = { before: [], after: [] };
const jiebaRuns: number[] = [];
for (let r = 0; r < builds; r++) {
  for (const side of ordered(r)) {
    const dir = r === 0 ? indexDir(side) : join(work, 'index-extra');
    log(`building ${side.name}'s index of ${raw.length} items (${r + 1}/${builds})...`);
    const b = await buildIndex(side, input, dir);
    buildRuns[side.name].push(b);
    log(`  ${b.documents} documents, ${b.seconds.toFixed(1)} s, peak RSS ${b.peakRssMB.toFixed(0)} MB, ${b.diskMB.toFixed(0)} MB on disk`);
    if (r > 0) rmSync(dir, { recursive: true, force: true });
  }
  jiebaRuns.push(jiebaMBps());
  log(`nodejieba cut-for-search alone: ${jiebaRuns[r].toFixed(2)} MB/s on one thread`);
}
const jiebaOneThreadMBps = median(jiebaRuns);

// --- the queries: drawn from the documents as the after index stores them, with the floor's df.
const stored = SearchIndex.open(indexDir(after));
const docs: Doc[] = [];
for (const d of raw) {
  const s = stored.get(d.id);
  if (s) docs.push({ id: s.id, date: s.date ?? '', title: s.title ?? '', tags: s.tags ?? [], content: s.content, source: s.source ?? '', url: s.url ?? '' });
}
await stored.close();
const tokens = tokenCache(docs, 'xwlb-indexed');
const ids = readTokenIds(tokens);
const floorPeer: Peer = buildPeer('floor', readTokenLines(tokens), ids);
const floor = floorOf(floorPeer);
const queries = buildQueries(docs, { perClass, df: (w) => floor.postings.df(w), docCount: floor.size });
const queryFile = join(work, 'queries.json');
writeFileSync(queryFile, JSON.stringify(CLASSES.flatMap((c) => queries[c].map(({ cls, q, op }) => ({ cls, q, op })))));
log(`queries: ${CLASSES.map((c) => `${c} ${queries[c].length}`).join(', ')}`);

// --- acceptance 2 of issue 15: the two indexes hold the same postings (bench/postings-equivalence.ts).
interface Equivalence {
  ok: boolean;
  terms: number;
  postings: number;
  positions: number;
  mismatchedTerms: number;
  termsOnlyOld: number;
  termsOnlyNew: number;
  docsOnlyOld: number;
  docsOnlyNew: number;
  examples: { field: string; kind: string; term: string; what: string }[];
  seconds: number;
}
let equivalence: Equivalence | { error: string } | null = null;
if (!f.has('skip-equivalence')) {
  const out = join(work, 'equivalence.json');
  log('postings equivalence of the two indexes...');
  try {
    await runNode(['--max-old-space-size=8000', '--import', 'tsx', 'bench/postings-equivalence.ts', '--old', before.checkout, '--old-index', indexDir(before), '--new', after.checkout, '--new-index', indexDir(after), '--out', out], { quiet: true }).catch((err: Error) => {
      if (!existsSync(out)) throw err;
    });
    equivalence = JSON.parse(readFileSync(out, 'utf8')) as Equivalence;
    log(`  ${equivalence.ok ? 'equivalent' : 'MISMATCH'}: ${equivalence.terms} terms, ${equivalence.postings} postings, ${equivalence.positions} positions compared, ${equivalence.mismatchedTerms} mismatched terms`);
  } catch (err) {
    equivalence = { error: (err as Error).message };
    log(`  failed: ${(err as Error).message}`);
  }
}

// --- time to open, index memory.
interface Open {
  openSeconds: number;
  documents: number;
  heapMB: number;
  arrayBuffersMB: number;
  memoryMB: number;
}
const openRuns: Record<string, Open[]> = { before: [], after: [] };
for (let r = 0; r < rounds; r++) {
  for (const side of ordered(r)) openRuns[side.name].push(await runJsonChild<Open>(['bench/before-after-child.ts', 'open', side.checkout, indexDir(side)]));
}
log(`open: before ${median(openRuns.before.map((x) => x.openSeconds)).toFixed(3)} s, after ${median(openRuns.after.map((x) => x.openSeconds)).toFixed(3)} s`);

// --- query latency: alternating fresh processes, the floor in this process.
type ClassLatency = Record<string, { plain: Latency; facets: Latency }>;
interface LatencyRun {
  latency: ClassLatency;
  answers: Record<string, string[]>;
}
const WARM_UP = 50;
function timeFloor(qs: readonly Query[]): Latency {
  (globalThis as { gc?: () => void }).gc?.();
  for (const q of qs.slice(0, WARM_UP)) floorPeer.search(q.terms, q.op, 10);
  const samples: number[] = [];
  const until = performance.now() + budget * 1000;
  for (const q of qs) {
    if (performance.now() > until) break;
    const started = performance.now();
    floorPeer.search(q.terms, q.op, 10);
    samples.push(performance.now() - started);
  }
  return latency(samples);
}
const latencyRuns: Record<string, LatencyRun[]> = { before: [], after: [] };
const floorRuns: Record<string, Latency>[] = [];
/**
 * Default: both engines in one fresh process per round, alternating query by query (A/A on the
 * loaded 2-core machine: per-class p50 ratios 0.89-1.09). --separate: one fresh process per side
 * and round (A/A in the same conditions: 0.25-2.1, as the machine's load drifts between processes).
 */
const paired = !f.has('separate');
for (let r = 0; r < rounds; r++) {
  if (paired) {
    const [x, y] = ordered(r);
    log(`query latency, both in one process, ${x.name} first (round ${r + 1}/${rounds})...`);
    const got = await runJsonChild<{ sides: LatencyRun[] }>(['bench/before-after-child.ts', 'paired', x.checkout, indexDir(x), queryFile, String(budget), y.checkout, indexDir(y)]);
    latencyRuns[x.name].push(got.sides[0]);
    latencyRuns[y.name].push(got.sides[1]);
  }
  for (const side of paired ? [] : ordered(r)) {
    log(`query latency, ${side.name} (round ${r + 1}/${rounds})...`);
    latencyRuns[side.name].push(await runJsonChild<LatencyRun>(['bench/before-after-child.ts', 'latency', side.checkout, indexDir(side), queryFile, String(budget)]));
  }
  floorRuns.push(Object.fromEntries(CLASSES.map((c) => [c, timeFloor(queries[c])])));
}

/** Per class and variant, the median over rounds of each percentile. */
function medianLatency(runs: ClassLatency[], cls: string, variant: 'plain' | 'facets'): Latency {
  const pick = (k: keyof Latency) => median(runs.map((x) => x[cls]?.[variant]?.[k] ?? NaN));
  return { n: pick('n'), mean: pick('mean'), p50: pick('p50'), p95: pick('p95'), p99: pick('p99'), max: pick('max') };
}
const classes: Record<string, { before: { plain: Latency; facets: Latency }; after: { plain: Latency; facets: Latency }; floor: Latency; differingAnswers: number; comparedAnswers: number }> = {};
for (const cls of CLASSES) {
  const side = (s: string) => ({ plain: medianLatency(latencyRuns[s].map((x) => x.latency), cls, 'plain'), facets: medianLatency(latencyRuns[s].map((x) => x.latency), cls, 'facets') });
  const pickFloor = (k: keyof Latency) => median(floorRuns.map((x) => x[cls][k]));
  const a = latencyRuns.before[0].answers[cls] ?? [];
  const b = latencyRuns.after[0].answers[cls] ?? [];
  const n = Math.min(a.length, b.length);
  let differing = 0;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) differing++;
  classes[cls] = {
    before: side('before'),
    after: side('after'),
    floor: { n: pickFloor('n'), mean: pickFloor('mean'), p50: pickFloor('p50'), p95: pickFloor('p95'), p99: pickFloor('p99'), max: pickFloor('max') },
    differingAnswers: differing,
    comparedAnswers: n,
  };
}

// --- server: start time, RSS after warm-up.
interface Served {
  startSeconds: number;
  rssAfterWarmUpMB: number;
}
const searchPath = (q: { q: string; op: string }) => `/api/search?${new URLSearchParams({ q: q.q, op: q.op })}`;
/** Starts `<checkout>/bin/zhsearch.js serve` on a free port; returns it once /api/health answers. */
async function startServer(side: Side, dir: string, extra: string[] = []) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, [join(side.checkout, 'bin/zhsearch.js'), 'serve', '--index-dir', dir, '--port', String(port), ...extra], { stdio: ['ignore', 'ignore', 'inherit'] });
  // waitForHttp notices an exit code, not a death by signal (e.g. a native abort): race both.
  const died = new Promise<never>((_, rej) => child.once('exit', (code, signal) => rej(new Error(`${side.name}'s server exited (${signal ?? code}) before answering`))));
  died.catch(() => {});
  await Promise.race([waitForHttp(`${base}/api/health`, child), died]);
  const startSeconds = (performance.now() - started) / 1000;
  const stop = async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  };
  return { base, child, startSeconds, stop };
}
const warmUpPaths = CLASSES.flatMap((c) => queries[c].slice(0, 30)).slice(0, 300).map(searchPath);
const serverRuns: Record<string, Served[]> = { before: [], after: [] };
/** Stages that failed (the run goes on without their figures). */
const failures: string[] = [];
const attempt = async (stage: string, run: () => Promise<void>) => {
  try {
    await run();
  } catch (err) {
    failures.push(`${stage}: ${(err as Error).message}`);
    log(`${stage} failed: ${(err as Error).message}`);
  }
};
await attempt('server RSS', async () => {
for (let r = 0; r < rounds; r++) {
  for (const side of ordered(r)) {
    const s = await startServer(side, indexDir(side));
    try {
      for (const p of warmUpPaths) {
        const res = await fetch(s.base + p);
        if (!res.ok) throw new Error(`${side.name}: ${p} answered ${res.status}`);
        await res.arrayBuffer();
      }
      serverRuns[side.name].push({ startSeconds: s.startSeconds, rssAfterWarmUpMB: rssKb(s.child.pid!) / 1024 });
    } finally {
      await s.stop();
    }
  }
}
});
log(`server RSS after warm-up: before ${median(serverRuns.before.map((x) => x.rssAfterWarmUpMB)).toFixed(0)} MB, after ${median(serverRuns.after.map((x) => x.rssAfterWarmUpMB)).toFixed(0)} MB`);

// --- HTTP throughput.
/** One load run's figures (autocannon or bench/http.ts). */
interface HttpRun {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  requests: number;
  non2xx: number;
  errors: number;
}
interface HttpSide extends HttpRun {
  runs: (HttpRun & { seconds: number })[];
}
interface HttpFigures {
  method: string;
  connections: number;
  distinctQueries: number;
  before: HttpSide;
  after: HttpSide;
}

/**
 * The request log: distinct /api/search paths (no path repeated, so no cache decides it) of the
 * query classes of bench/queries.ts with their op, a quarter with a province, a quarter with a
 * year range, a tenth sorted by date, a tenth on page 2; facets and snippets as the API defaults
 * (all facets, snippets on).
 */
function httpPaths(count: number): string[] {
  const kinds: QueryClass[] = ['word1', 'and2', 'and3', 'or2', 'or3', 'or5', 'paragraph', 'phrase', 'char'];
  const pool = buildQueries(raw, { perClass: Math.ceil((count * 1.3) / kinds.length), df: () => 1, docCount: raw.length, classes: kinds, seed: 0x5eed15 });
  const all = kinds.flatMap((c) => pool[c]);
  const rng = mulberry32(0x417e15);
  const years = [...new Set(raw.map((d) => d.date.slice(0, 4)).filter((y) => /^\d{4}$/.test(y)))].sort();
  const provinces = ['北京', '上海', '广东', '浙江', '江苏', '湖北'];
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  for (const q of all) {
    if (out.length >= count) break;
    if (seen.has(q.q)) continue;
    seen.add(q.q);
    const params = new URLSearchParams({ q: q.q, op: q.op });
    if (rng() < 0.25) params.append('province', provinces[Math.floor(rng() * provinces.length)]);
    if (rng() < 0.25 && years.length) {
      const a = Math.floor(rng() * years.length);
      params.append('from', years[a]);
      params.append('to', years[Math.min(years.length - 1, a + Math.floor(rng() * 3))]);
    }
    if (rng() < 0.1) params.append('sort', 'date_desc');
    if (rng() < 0.1) params.append('page', '2');
    out.push(`/api/search?${params}`);
  }
  return out;
}

/**
 * /api/search throughput of both sides. The switch point: bench/http.ts's own A/B mode
 * (`--before <dir> --before-index <dir>`: both servers side by side, rounds alternating, bodies
 * compared) when that script has one, else {@link autocannonAB}; `--http autocannon|http.ts`
 * forces one.
 */
async function measureHttp(): Promise<HttpFigures> {
  const hasAB = readFileSync('bench/http.ts', 'utf8').includes('before-index');
  const method = f.get('http') ?? (hasAB ? 'http.ts' : 'autocannon');
  if (method === 'http.ts') return httpScriptAB();
  const connections = 10;
  const paths = httpPaths(httpLog);
  log(`HTTP: ${paths.length} distinct queries, ${connections} connections, ${rounds} rounds`);
  return { method: 'autocannon, one fresh server per side and round, alternating; each run sends the whole log once', connections, distinctQueries: paths.length, ...(await autocannonAB(paths, connections)) };
}

/** bench/http.ts in its A/B mode (after = this checkout, before = the clone), mapped to {@link HttpFigures}. */
async function httpScriptAB(): Promise<HttpFigures> {
  const out = join(work, 'http-ab.json');
  const args = ['bench/http.ts', ...(quick ? ['--quick'] : []), '--index', indexDir(after), '--docs', String(raw.length), '--before', before.checkout, '--before-index', indexDir(before), '--out', out];
  log(`HTTP: npx tsx ${args.join(' ')}`);
  await runNode(['--expose-gc', '--import', 'tsx', ...args]);
  const j = JSON.parse(readFileSync(out, 'utf8')) as {
    meta: { connections: number; logSize: number; distinctQueries?: number; rounds: number; requestsPerRound?: number };
    search: HttpRun;
    rounds: HttpRun[];
    before: { search: HttpRun; rounds: HttpRun[] };
    ratio: number;
    compared?: { requests: number; different: number };
  };
  const side = (s: HttpRun, runs: HttpRun[]): HttpSide => ({ requestsPerSecond: s.requestsPerSecond, latencyP50: s.latencyP50, latencyP99: s.latencyP99, requests: s.requests, non2xx: s.non2xx, errors: s.errors, runs: runs.map((x) => ({ ...x, seconds: NaN })) });
  return {
    method: `bench/http.ts A/B: both servers side by side, ${j.meta.rounds} rounds alternating, each round a slice of the log not sent before${j.compared ? `; ${j.compared.requests} response bodies compared, ${j.compared.different} different` : ''}`,
    connections: j.meta.connections,
    distinctQueries: j.meta.distinctQueries ?? j.meta.logSize,
    before: side(j.before.search, j.before.rounds),
    after: side(j.search, j.rounds),
  };
}

/**
 * Each round and side: a fresh server, 200 warm-up searches (not in the log), then the log once
 * with autocannon. Requests come from `connections` client addresses (X-Forwarded-For; the server
 * trusts loopback proxies and has no rate limit), as bench/http.ts does: the server's per-client
 * limit of concurrent expensive searches would otherwise answer 429 to one client's 10 connections.
 */
async function autocannonAB(paths: string[], connections: number): Promise<{ before: HttpSide; after: HttpSide }> {
  const runs: Record<string, HttpSide['runs']> = { before: [], after: [] };
  const warm = warmUpPaths.slice(0, 200);
  for (let r = 0; r < rounds; r++) {
    for (const side of ordered(r)) {
      const s = await startServer(side, indexDir(side), ['--trust-proxy', 'loopback', '--rate-limit', '0']);
      try {
        for (const p of warm) await (await fetch(s.base + p)).arrayBuffer();
        let next = 0;
        const started = performance.now();
        const res = await autocannon({
          url: s.base,
          connections,
          amount: paths.length,
          requests: [
            {
              method: 'GET',
              setupRequest: (req: Record<string, unknown>) => {
                const i = next++;
                return { ...req, path: paths[i % paths.length], headers: { 'x-forwarded-for': `10.15.0.${1 + (i % connections)}` } };
              },
            },
          ],
        } as Parameters<typeof autocannon>[0]);
        const seconds = (performance.now() - started) / 1000;
        const run = { requestsPerSecond: res.requests.total / seconds, latencyP50: res.latency.p50, latencyP99: res.latency.p99, requests: res.requests.total, non2xx: res.non2xx, errors: res.errors, seconds };
        runs[side.name].push(run);
        log(`  ${side.name}: ${run.requestsPerSecond.toFixed(0)} req/s, p50 ${run.latencyP50} ms, p99 ${run.latencyP99} ms, non-2xx ${run.non2xx}, errors ${run.errors}`);
      } finally {
        await s.stop();
      }
    }
  }
  const summarize = (rs: HttpSide['runs']): HttpSide => ({
    requestsPerSecond: median(rs.map((x) => x.requestsPerSecond)),
    latencyP50: median(rs.map((x) => x.latencyP50)),
    latencyP99: median(rs.map((x) => x.latencyP99)),
    requests: rs.reduce((n, x) => n + x.requests, 0),
    non2xx: rs.reduce((n, x) => n + x.non2xx, 0),
    errors: rs.reduce((n, x) => n + x.errors, 0),
    runs: rs,
  });
  return { before: summarize(runs.before), after: summarize(runs.after) };
}
let http: HttpFigures | null = null;
await attempt('HTTP', async () => {
  http = await measureHttp();
});

// --- optional: the derived corpus of `scale` documents.
interface Scaled {
  documents: number;
  queries: number;
  build: Record<string, Build>;
  latency: Record<string, ClassLatency>;
}
let scaled: Scaled | null = null;
if (scale) await attempt(`${scale} documents`, async () => {
  const [path] = await ensureDerived([scale]);
  const qs = buildQueries(raw.slice(0, 75_806), { perClass: quick ? 30 : 200, df: () => 1, docCount: Math.min(raw.length, 75_806), classes: ['word1', 'and2', 'and3'] });
  const file = join(work, 'queries-scale.json');
  writeFileSync(file, JSON.stringify([...qs.word1, ...qs.and2, ...qs.and3].map(({ cls, q, op }) => ({ cls, q, op }))));
  const build: Record<string, Build> = {};
  const lat: Record<string, ClassLatency[]> = { before: [], after: [] };
  for (const side of sides) {
    const dir = join(work, `index-${side.name}-${scale}`);
    log(`building ${side.name}'s index of ${scale} derived documents (long)...`);
    build[side.name] = await buildIndex(side, path, dir);
    log(`  ${build[side.name].seconds.toFixed(0)} s, peak RSS ${build[side.name].peakRssMB.toFixed(0)} MB`);
  }
  for (let r = 0; r < rounds; r++) {
    for (const side of ordered(r)) {
      lat[side.name].push((await runJsonChild<LatencyRun>(['bench/before-after-child.ts', 'latency', side.checkout, join(work, `index-${side.name}-${scale}`), file, String(budget * 2)])).latency);
    }
  }
  const med = (s: string): ClassLatency => Object.fromEntries(['word1', 'and2', 'and3', 'all'].map((c) => [c, { plain: medianLatency(lat[s], c, 'plain'), facets: medianLatency(lat[s], c, 'facets') }]));
  scaled = { documents: build.after.documents, queries: qs.word1.length + qs.and2.length + qs.and3.length, build, latency: { before: med('before'), after: med('after') } };
  for (const side of sides) rmSync(join(work, `index-${side.name}-${scale}`), { recursive: true, force: true });
});

// --- the figures.
interface Figure {
  figure: string;
  before: number;
  after: number;
  unit: string;
  /** after / before. */
  ratio: number;
  target: string;
  /** Whether after meets the target; null when the row has no target of its own. */
  met: boolean | null;
}
const figures: Figure[] = [];
const add = (figure: string, b: number, a: number, unit: string, target: string, met: boolean | null) => figures.push({ figure, before: b, after: a, unit, ratio: a / b, target, met });
const FLOOR_TARGET: Partial<Record<QueryClass, number>> = { char: 5, rare: 5, paragraph: 5 };
for (const cls of CLASSES) {
  const c = classes[cls];
  const x = FLOOR_TARGET[cls] ?? 3;
  add(`${CLASS_LABELS[cls]}: p50 / floor p50`, c.before.plain.p50 / c.floor.p50, c.after.plain.p50 / c.floor.p50, 'x', `within ${x}x`, c.after.plain.p50 / c.floor.p50 <= x);
}
const worst = (s: 'before' | 'after', v: 'plain' | 'facets') => Math.max(...CLASSES.map((c) => classes[c][s][v].p99));
add('plain p99, worst class', worst('before', 'plain'), worst('after', 'plain'), 'ms', 'under 5 ms', worst('after', 'plain') < 5);
add('all facets p99, worst class', worst('before', 'facets'), worst('after', 'facets'), 'ms', 'under 10 ms', worst('after', 'facets') < 10);
const sc = scaled as Scaled | null;
if (sc) {
  const l = sc.latency;
  add(`${sc.documents.toLocaleString('en')} documents, 1-3 words AND p99`, l.before.all.plain.p99, l.after.all.plain.p99, 'ms', 'under 50 ms', l.after.all.plain.p99 < 50);
  add(`${sc.documents.toLocaleString('en')} documents, 1-3 words AND p99, all facets`, l.before.all.facets.p99, l.after.all.facets.p99, 'ms', 'under 80 ms', l.after.all.facets.p99 < 80);
}
const h = http as HttpFigures | null;
if (h) add(`HTTP /api/search req/s (${h.connections} connections, ${h.distinctQueries} distinct queries)`, h.before.requestsPerSecond, h.after.requestsPerSecond, 'req/s', 'at least 3x before', h.after.requestsPerSecond >= 3 * h.before.requestsPerSecond);
const buildSide = (s: string) => ({
  seconds: median(buildRuns[s].map((b) => b.seconds)),
  peakRssMB: median(buildRuns[s].map((b) => b.peakRssMB)),
  diskMB: buildRuns[s][0].diskMB,
  documents: buildRuns[s][0].documents,
});
const bb = buildSide('before');
const ba = buildSide('after');
const share = (seconds: number) => (100 * textMB) / seconds / (2 * jiebaOneThreadMBps);
add('indexing, end to end, % of nodejieba on both cores', share(bb.seconds), share(ba.seconds), '%', 'at least 60%', share(ba.seconds) >= 60);
// "No more than before", give or take 0.5% (the directory also holds the ingest report and manifests).
add('index on disk', bb.diskMB, ba.diskMB, 'MB', 'no more than before', ba.diskMB <= bb.diskMB * 1.005);
const openSide = (s: string) => ({
  openSeconds: median(openRuns[s].map((x) => x.openSeconds)),
  memoryMB: median(openRuns[s].map((x) => x.memoryMB)),
  heapMB: median(openRuns[s].map((x) => x.heapMB)),
  arrayBuffersMB: median(openRuns[s].map((x) => x.arrayBuffersMB)),
});
const ob = openSide('before');
const oa = openSide('after');
add('index memory (heap + array buffers)', ob.memoryMB, oa.memoryMB, 'MB', 'no more than before', oa.memoryMB <= ob.memoryMB * 1.005);
const rss = (s: string) => median(serverRuns[s].map((x) => x.rssAfterWarmUpMB));
if (serverRuns.before.length && serverRuns.after.length) add('server RSS after warm-up (jieba included)', rss('before'), rss('after'), 'MB', 'under 300 MB', rss('after') < 300);
add('time to open the index', ob.openSeconds, oa.openSeconds, 's', 'under 0.3 s', oa.openSeconds < 0.3);

const differing = CLASSES.reduce((n, c) => n + classes[c].differingAnswers, 0);
const compared = CLASSES.reduce((n, c) => n + classes[c].comparedAnswers, 0);
clearInterval(loadSampler);
const output = {
  meta: {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    before: { revision: rev, commit: beforeSha },
    after: { commit: after.commit },
    corpusItems: raw.length,
    documents: ba.documents,
    textMB,
    perClass,
    budgetSeconds: budget,
    rounds,
    builds,
    paired,
    load: { mean: loads.reduce((a, b) => a + b, 0) / loads.length, max: Math.max(...loads) },
  },
  figures,
  classes,
  answers: { compared, differing },
  equivalence,
  failures,
  build: { before: { ...bb, runs: buildRuns.before }, after: { ...ba, runs: buildRuns.after }, jiebaOneThreadMBps, jiebaRuns },
  open: { before: { ...ob, runs: openRuns.before }, after: { ...oa, runs: openRuns.after } },
  server: { before: serverRuns.before, after: serverRuns.after, warmUpSearches: warmUpPaths.length },
  http,
  scale: scaled,
  rounds: { latency: { before: latencyRuns.before.map((x) => x.latency), after: latencyRuns.after.map((x) => x.latency) }, floor: floorRuns },
};
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, JSON.stringify(output, null, 2) + '\n');

const num = (x: number, unit: string) => (unit === 'ms' || unit === 's' ? ms(x) : unit === 'x' ? x.toFixed(1) : x.toFixed(0));
console.log(`\nBefore/after: before ${beforeSha.slice(0, 12)} (${rev}), after ${after.commit.slice(0, 12)}; ${ba.documents} documents, ${perClass} queries per class, ${rounds} rounds`);
console.log(markdownTable(['figure', 'before', 'after', 'ratio', 'target', 'met?'], figures.map((x) => [x.figure, `${num(x.before, x.unit)} ${x.unit}`, `${num(x.after, x.unit)} ${x.unit}`, x.ratio.toFixed(2), x.target, x.met === null ? '-' : x.met ? 'yes' : 'no'])));
console.log(`\nanswers (total + top-10 ids) of the plain queries: ${differing} of ${compared} differ between before and after`);
for (const x of failures) console.log(`FAILED: ${x}`);
if (equivalence) console.log(`postings equivalence: ${'error' in equivalence ? `failed (${equivalence.error})` : `${equivalence.ok ? 'equivalent' : 'MISMATCH'}, ${equivalence.terms} terms, ${equivalence.postings} postings, ${equivalence.positions} positions compared, ${equivalence.mismatchedTerms} mismatched terms`}`);
log(`wrote ${outPath}`);
if (!f.has('keep')) rmSync(work, { recursive: true, force: true });
else log(`kept ${work}`);

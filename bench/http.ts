/**
 * HTTP throughput: `zhsearch serve` (the compiled CLI, as users run it) over an xwlb index, loaded
 * by autocannon with a log of distinct real searches, then the same server's `/api/health` as the
 * ceiling of the HTTP stack (Express) on this machine, in the same run.
 *
 * The log (deterministic): every query of bench/queries.ts's classes (1-3 words AND, 2/3/5 words
 * OR, pasted sentences, phrases, single characters; 2,500 per class, each query text once) with
 * its op, shuffled; a quarter with a province (北京/上海/广东/浙江/江苏/湖北), a quarter with a year
 * range, a tenth sorted by date, a tenth on page 2; facets (all) and snippets as the API defaults.
 * No request is sent twice to a server in a run, so no cache decides the figure: a warm-up slice
 * (`--warmup`, default 1,000 requests) and `--rounds` (default 3) measured slices of
 * `--log` / `--rounds` requests each (default 20,000 in all). Each round sends its whole slice
 * (autocannon `amount`), so req/s = requests / wall time of the round.
 *
 * A/B (`--before DIR`): DIR is another checkout of the repository, built (its dist/ exists). Both
 * servers run side by side (started once, warmed up with the same slice); each round loads the old
 * one then the new one with the same slice (the order alternates between rounds, so drift and
 * neighbours' load fall on both); the table gives req/s, p50 and p99 per server (medians over the
 * rounds) and the new/old ratio of each round's req/s (median). `--before-index DIR` is the index
 * the old checkout serves (default: `--index`; needed when the index format changed). Before the
 * rounds, `--compare N` (default 300) requests of the log are sent to both servers one at a time
 * and their JSON bodies compared, timing (`tookMs`) excluded: the count of differences is printed
 * and written.
 *
 * Clients: `--clients N` (default: one per connection) client addresses, request i from the
 * (i mod N)th, told by X-Forwarded-For (the servers run with `--trust-proxy loopback
 * --rate-limit 0`), since the server's per-client lanes and rate limit would otherwise treat the
 * benchmark as one abusive client (429s); `--clients 1` sends from loopback as one client.
 * `--new-args "..."` adds `zhsearch serve` flags to the new server only (e.g. "--search-threads 2").
 * Besides req/s, each round reads the servers' CPU time (user + system, every thread and worker,
 * /proc/<pid>/stat) and gives CPU ms per request: on a shared machine, where req/s moves with the
 * neighbours' load, the cheaper figure to compare.
 *
 * autocannon runs in this process (its CPU competes with the servers' on this 2-core machine, for
 * both alike). `--workers N` passes `--workers N` to `zhsearch serve` (both servers in A/B; N
 * processes sharing the port; 0 = one per core; default: the server's, one process).
 * `--profile DIR` runs the servers under `node --cpu-prof` (profiles in DIR/new, DIR/before).
 * Server RSS is sampled from /proc/<pid>/status, summed over the server process and its workers.
 *
 * Usage: npx tsx bench/http.ts --index DIR [--docs N (the xwlb items DIR holds)] [--quick]
 *          [--connections N (10)] [--log N (20000)] [--rounds R (3)] [--warmup N (1000)]
 *          [--duration S (health route, 20)] [--workers N] [--before DIR [--before-index DIR]]
 *          [--compare N (300)] [--clients N] [--new-args "FLAGS"] [--profile DIR] [--out FILE]
 * Writes bench/results/http.json (bench/results/http-ab.json with --before).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { loadXwlb, mulberry32 } from './corpora.js';
import { ensureCompiled, flags, freePort, median, rssKb, waitForHttp } from './measure.js';
import { buildQueries, type QueryClass } from './queries.js';

const f = flags(process.argv.slice(2));
const quick = f.has('quick');
const indexDir = f.get('index');
if (!indexDir) throw new Error('--index <dir> is required (an index built from xwlb)');
const docLimit = Number(f.get('docs') ?? (quick ? 10_000 : Infinity));
const duration = Number(f.get('duration') ?? (quick ? 4 : 20));
const connections = Number(f.get('connections') ?? 10);
const logSize = Number(f.get('log') ?? (quick ? 3_000 : 20_000));
const rounds = Number(f.get('rounds') ?? (quick ? 1 : 3));
const warmupSize = Number(f.get('warmup') ?? (quick ? 300 : 1_000));
const beforeDir = f.get('before') ? resolve(f.get('before')!) : undefined;
const beforeIndex = resolve(f.get('before-index') ?? indexDir);
const compareCount = Number(f.get('compare') ?? 300);
const profileDir = f.get('profile') ? resolve(f.get('profile')!) : undefined;
const outPath = f.get('out') ?? (beforeDir ? 'bench/results/http-ab.json' : 'bench/results/http.json');
const workers = f.get('workers');
const clients = Number(f.get('clients') ?? connections);
/** More `zhsearch serve` flags for the new server only (e.g. "--search-threads 2"). */
const newArgs = (f.get('new-args') ?? '').split(/\s+/).filter(Boolean);
const log = (msg: string) => console.error(`[http] ${msg}`);
if (beforeDir && !existsSync(join(beforeDir, 'dist/index.js'))) throw new Error(`--before ${beforeDir}: no dist/index.js (build that checkout: npx tsc -p tsconfig.json)`);

// --- the request log: distinct query texts, shuffled, with filters drawn per request.
const docs = loadXwlb(docLimit);
const classes: QueryClass[] = ['word1', 'and2', 'and3', 'or2', 'or3', 'or5', 'paragraph', 'phrase', 'char'];
const needed = warmupSize + logSize;
const queries = buildQueries(docs, { perClass: Math.max(300, Math.ceil(needed / classes.length)), df: () => 1, docCount: docs.length, classes });
const pool = classes.flatMap((c) => queries[c]);
const rng = mulberry32(0x417e);
for (let i = pool.length - 1; i > 0; i--) {
  const j = Math.floor(rng() * (i + 1));
  [pool[i], pool[j]] = [pool[j], pool[i]];
}
const years = [...new Set(docs.map((d) => d.date.slice(0, 4)).filter((y) => /^\d{4}$/.test(y)))].sort();
const provinces = ['北京', '上海', '广东', '浙江', '江苏', '湖北'];
const paths: string[] = [];
const seenPaths = new Set<string>();
/** Distinct query texts; beyond them (a small corpus) the same texts with other filters, still distinct requests. */
for (let i = 0, tries = 0; paths.length < needed && tries < needed * 20; i++, tries++) {
  const q = pool[i % pool.length];
  const params = new URLSearchParams({ q: q.q, op: q.op });
  if (rng() < 0.25) params.append('province', provinces[Math.floor(rng() * provinces.length)]);
  if (rng() < 0.25) {
    const a = Math.floor(rng() * years.length);
    const b = Math.min(years.length - 1, a + Math.floor(rng() * 3));
    params.append('from', years[a]);
    params.append('to', years[b]);
  }
  if (rng() < 0.1) params.append('sort', 'date_desc');
  if (rng() < 0.1) params.append('page', '2');
  const path = `/api/search?${params}`;
  if (seenPaths.has(path)) continue;
  seenPaths.add(path);
  paths.push(path);
}
if (paths.length < needed) throw new Error(`only ${paths.length} distinct requests could be drawn (${needed} needed)`);
const distinctQueries = new Set(paths.map((p) => new URLSearchParams(p.slice(p.indexOf('?') + 1)).get('q'))).size;
const warmupPaths = paths.slice(0, warmupSize);
const perRound = Math.floor(logSize / rounds);
const roundPaths = Array.from({ length: rounds }, (_, r) => paths.slice(warmupSize + r * perRound, warmupSize + (r + 1) * perRound));
log(`log: ${paths.length} distinct requests (${distinctQueries} distinct query texts): warm-up ${warmupPaths.length}, ${rounds} round(s) of ${perRound}`);

// --- the servers.
interface Server {
  label: string;
  base: string;
  child: ChildProcess;
  startSeconds: number;
  rssAfterStartMB: number;
}

async function startServerProcess(label: string, checkout: string, index: string): Promise<Server> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', join(profileDir, label)] : [];
  const args = [
    ...nodeArgs,
    join(checkout, 'bin/zhsearch.js'),
    'serve',
    '--index-dir',
    resolve(index),
    '--port',
    String(port),
    ...(workers ? ['--workers', workers] : []),
    // Clients told apart by X-Forwarded-For (not loopback, so the per-client rate limit, 600 a minute by default, is off).
    ...(clients > 1 ? ['--trust-proxy', 'loopback', '--rate-limit', '0'] : []),
    ...(label === 'new' ? newArgs : []),
  ];
  const child = spawn(process.execPath, args, { cwd: checkout, stdio: ['ignore', 'ignore', 'inherit'] });
  const started = performance.now();
  await waitForHttp(`${base}/api/health`, child, 600_000);
  const startSeconds = (performance.now() - started) / 1000;
  const check = await fetch(`${base}${paths[0]}`);
  if (!check.ok) throw new Error(`${label}: search answered ${check.status}: ${await check.text()}`);
  const s: Server = { label, base, child, startSeconds, rssAfterStartMB: 0 };
  s.rssAfterStartMB = serverRssKb(s) / 1024;
  log(`${label} server (${checkout}) on ${base}: started in ${startSeconds.toFixed(2)} s, RSS ${s.rssAfterStartMB.toFixed(0)} MB`);
  return s;
}

/** The server process and its worker processes. */
function serverPids(s: Server): number[] {
  const pid = s.child.pid!;
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone, or no /proc
  }
  return [pid, ...children];
}

/** RSS of a server and its worker processes (kB). */
function serverRssKb(s: Server): number {
  return serverPids(s).reduce((kb, p) => kb + rssKb(p), 0);
}

/**
 * CPU seconds (user + system, all threads) the server and its workers have used: per request, a
 * figure the other processes on a shared machine do not move as much as req/s.
 */
function serverCpuSeconds(s: Server): number {
  let ticks = 0;
  for (const pid of serverPids(s)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

interface Run {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  latencyMean: number;
  requests: number;
  seconds: number;
  /** The round's start and end on the monotonic clock (µs; the clock of --profile's .cpuprofile sample times). */
  monotonicUs: [number, number];
  /** Server CPU (all its threads and processes) per request, ms. */
  cpuMsPerRequest: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  peakRssMB: number;
}

/** The client the `i`th request comes from (X-Forwarded-For; the servers trust loopback proxies). */
function clientAddress(i: number): string {
  const c = i % clients;
  return `10.0.${c >> 8}.${(c & 255) + 1}`;
}

/** Sends `list` once, in order over the connections (`amount`), or `route` for `seconds`. */
async function load(s: Server, name: string, work: { list: string[] } | { route: string; seconds: number }): Promise<Run> {
  let next = 0;
  let peakKb = serverRssKb(s);
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, serverRssKb(s))), 100);
  const started = performance.now();
  const cpuBefore = serverCpuSeconds(s);
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const r = await autocannon({
    url: s.base,
    connections,
    ...('list' in work
      ? {
          amount: work.list.length,
          requests: [
            {
              method: 'GET',
              setupRequest: (req: Record<string, unknown>) => {
                const i = next++;
                return { ...req, path: work.list[i % work.list.length], ...(clients > 1 ? { headers: { 'x-forwarded-for': clientAddress(i) } } : {}) };
              },
            },
          ],
        }
      : { duration: work.seconds, requests: [{ method: 'GET', path: work.route }] }),
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuMsPerRequest = ((serverCpuSeconds(s) - cpuBefore) * 1000) / Math.max(1, r.requests.total);
  clearInterval(sampler);
  const rps = 'list' in work ? r.requests.total / seconds : r.requests.average;
  log(`${s.label} ${name}: ${rps.toFixed(0)} req/s (${r.requests.total} in ${seconds.toFixed(1)} s, server CPU ${cpuMsPerRequest.toFixed(2)} ms a request), p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}${r.non2xx ? ` (${JSON.stringify(r.statusCodeStats)})` : ''}, errors ${r.errors}`);
  return {
    requestsPerSecond: rps,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
    latencyMean: r.latency.average,
    requests: r.requests.total,
    seconds,
    monotonicUs: [startUs, Number(process.hrtime.bigint() / 1000n)],
    cpuMsPerRequest,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    peakRssMB: peakKb / 1024,
  };
}

/** A search body without its timing, for comparing two servers' answers. */
async function bodyOf(s: Server, path: string): Promise<string> {
  const res = await fetch(`${s.base}${path}`);
  const body = (await res.json()) as Record<string, unknown>;
  delete body.tookMs;
  return `${res.status} ${JSON.stringify(body)}`;
}

async function stop(s: Server | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return;
  s.child.kill('SIGTERM');
  await new Promise((r) => s.child.once('exit', r));
}

/** Median of `runs`' figures, as one Run (requests and seconds summed). */
function summary(runs: Run[]): Run {
  type Figure = Exclude<keyof Run, 'monotonicUs'>;
  const m = (k: Figure) => median(runs.map((r) => r[k]));
  const sum = (k: Figure) => runs.reduce((a, r) => a + r[k], 0);
  return {
    requestsPerSecond: m('requestsPerSecond'),
    latencyP50: m('latencyP50'),
    latencyP99: m('latencyP99'),
    latencyMean: m('latencyMean'),
    requests: sum('requests'),
    seconds: sum('seconds'),
    monotonicUs: [Math.min(...runs.map((r) => r.monotonicUs[0])), Math.max(...runs.map((r) => r.monotonicUs[1]))],
    cpuMsPerRequest: m('cpuMsPerRequest'),
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)),
  };
}

ensureCompiled();
let next: Server | undefined;
let before: Server | undefined;
let result;
try {
  next = await startServerProcess('new', process.cwd(), indexDir);
  if (beforeDir) before = await startServerProcess('before', beforeDir, beforeIndex);
  const servers = before ? [before, next] : [next];

  let compared: { requests: number; different: number; differentStatuses?: string[]; firstDifferent?: string } | undefined;
  if (before) {
    let different = 0;
    let firstDifferent: string | undefined;
    const differentStatuses: string[] = [];
    const sample = paths.slice(warmupSize, warmupSize + compareCount);
    for (const path of sample) {
      let [a, b] = [await bodyOf(before, path), await bodyOf(next, path)];
      // A search over its time budget (503, the machine busy) is asked again once.
      if (a !== b) [a, b] = [await bodyOf(before, path), await bodyOf(next, path)];
      if (a !== b) {
        different++;
        firstDifferent ??= path;
        differentStatuses.push(`${a.slice(0, 3)}/${b.slice(0, 3)}`);
      }
    }
    compared = { requests: sample.length, different, ...(firstDifferent ? { firstDifferent, differentStatuses } : {}) };
    log(`bodies compared (tookMs excluded): ${sample.length} requests, ${different} different${firstDifferent ? ` (statuses before/new: ${differentStatuses.join(' ')}; first: ${firstDifferent})` : ''}`);
  }

  for (const s of servers) await load(s, 'warm-up', { list: warmupPaths });
  const perServer = new Map<Server, Run[]>(servers.map((s) => [s, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    for (const s of order) perServer.get(s)!.push(await load(s, `round ${r + 1}`, { list: roundPaths[r] }));
  }
  const search = summary(perServer.get(next)!);
  const health = await load(next, 'health', { route: '/api/health', seconds: duration });
  const meta = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    documents: docs.length,
    connections,
    durationSeconds: search.seconds / rounds,
    logSize: paths.length,
    distinctQueries,
    warmupRequests: warmupPaths.length,
    rounds,
    requestsPerRound: perRound,
    workers: workers ?? 'server default (1)',
    clients,
    newArgs,
  };
  result = {
    meta,
    startSeconds: next.startSeconds,
    rssAfterStartMB: next.rssAfterStartMB,
    rssAfterMB: serverRssKb(next) / 1024,
    search,
    health,
    searchOverHealth: search.requestsPerSecond / health.requestsPerSecond,
    rounds: perServer.get(next),
    samplePaths: paths.slice(0, 5),
    ...(before
      ? {
          before: {
            checkout: beforeDir,
            index: beforeIndex,
            startSeconds: before.startSeconds,
            rssAfterStartMB: before.rssAfterStartMB,
            rssAfterMB: serverRssKb(before) / 1024,
            search: summary(perServer.get(before)!),
            rounds: perServer.get(before),
          },
          /** new / before req/s, per round, and their median. */
          ratios: perServer.get(next)!.map((n, i) => n.requestsPerSecond / perServer.get(before!)![i].requestsPerSecond),
          ratio: median(perServer.get(next)!.map((n, i) => n.requestsPerSecond / perServer.get(before!)![i].requestsPerSecond)),
          /** before / new server CPU per request (how many times cheaper a request got), median over the rounds. */
          cpuRatio: median(perServer.get(next)!.map((n, i) => perServer.get(before!)![i].cpuMsPerRequest / n.cpuMsPerRequest)),
          compared,
        }
      : {}),
  };
} finally {
  await stop(next);
  await stop(before);
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(outPath, JSON.stringify(result, null, 2));
const row = (r: Run) => ({ 'req/s': r.requestsPerSecond.toFixed(0), 'p50 ms': r.latencyP50, 'p99 ms': r.latencyP99, 'server CPU ms/req': r.cpuMsPerRequest.toFixed(2), requests: r.requests, 'non-2xx': r.non2xx, errors: r.errors, 'peak RSS MB': r.peakRssMB.toFixed(0) });
console.log(`\nHTTP (${connections} connections, ${result.meta.logSize} distinct requests: ${rounds} round(s) of ${perRound}, ${docs.length} documents; medians over the rounds)`);
console.table({
  ...(result.before ? { '/api/search, before': row(result.before.search) } : {}),
  [result.before ? '/api/search, new' : '/api/search (distinct log)']: row(result.search),
  '/api/health (ceiling)': row(result.health),
});
if (result.before) {
  console.log(`new / before req/s: ${result.ratio!.toFixed(2)}x (rounds: ${result.ratios!.map((x) => x.toFixed(2)).join(', ')}); p50 ${result.before.search.latencyP50} -> ${result.search.latencyP50} ms, p99 ${result.before.search.latencyP99} -> ${result.search.latencyP99} ms`);
  console.log(`server CPU per request: ${result.before.search.cpuMsPerRequest.toFixed(2)} -> ${result.search.cpuMsPerRequest.toFixed(2)} ms (${result.cpuRatio!.toFixed(2)}x cheaper)`);
  console.log(`bodies compared: ${result.compared!.requests}, different: ${result.compared!.different}`);
}

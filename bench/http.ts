/**
 * HTTP throughput: `zhsearch serve` (the compiled CLI, as users run it) over an xwlb index, loaded
 * by autocannon with a mixed log of real queries and filters, then the same server's
 * `/api/health` as the ceiling of the HTTP stack (Express) on this machine, in the same run.
 *
 * The log (deterministic, 2,000 requests, replayed in a loop): queries of bench/queries.ts
 * (1-3 words AND, 2/3/5 words OR, pasted sentences, phrases, single characters) with their op;
 * a quarter with a province (北京/上海/广东/浙江/江苏/湖北), a quarter with a year range, a tenth
 * sorted by date, a tenth on page 2; facets as the API defaults (all).
 * autocannon runs in this process (its CPU competes with the server's on this 2-core machine,
 * for search and for health alike). `--workers N` passes `--workers N` to `zhsearch serve` (N
 * processes sharing the port; 0 = one per core; default: the server's, one process), and
 * /api/health is measured on that same server. Server RSS is sampled from /proc/<pid>/status,
 * summed over the server process and its workers.
 *
 * Usage: npx tsx bench/http.ts --index DIR [--docs N (the xwlb items DIR holds)] [--quick]
 *          [--duration S] [--connections N] [--workers N] [--out FILE]
 * Writes bench/results/http.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { loadXwlb, mulberry32 } from './corpora.js';
import { ensureCompiled, flags, freePort, rssKb, waitForHttp } from './measure.js';
import { buildQueries, type QueryClass } from './queries.js';

const f = flags(process.argv.slice(2));
const quick = f.has('quick');
const indexDir = f.get('index');
if (!indexDir) throw new Error('--index <dir> is required (an index built from xwlb)');
const docLimit = Number(f.get('docs') ?? (quick ? 10_000 : Infinity));
const duration = Number(f.get('duration') ?? (quick ? 4 : 20));
const connections = Number(f.get('connections') ?? 50);
const outPath = f.get('out') ?? 'bench/results/http.json';
const workers = f.get('workers');
const log = (msg: string) => console.error(`[http] ${msg}`);

// --- the request log.
const docs = loadXwlb(docLimit);
const classes: QueryClass[] = ['word1', 'and2', 'and3', 'or2', 'or3', 'or5', 'paragraph', 'phrase', 'char'];
const queries = buildQueries(docs, { perClass: 300, df: () => 1, docCount: docs.length, classes });
const pool = classes.flatMap((c) => queries[c]);
const rng = mulberry32(0x417e);
const years = [...new Set(docs.map((d) => d.date.slice(0, 4)).filter((y) => /^\d{4}$/.test(y)))].sort();
const provinces = ['北京', '上海', '广东', '浙江', '江苏', '湖北'];
const paths: string[] = [];
for (let i = 0; i < 2000; i++) {
  const q = pool[Math.floor(rng() * pool.length)];
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
  paths.push(`/api/search?${params}`);
}

// --- the server.
ensureCompiled();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const serveArgs = ['bin/zhsearch.js', 'serve', '--index-dir', indexDir, '--port', String(port), ...(workers ? ['--workers', workers] : [])];
const server = spawn(process.execPath, serveArgs, { stdio: ['ignore', 'ignore', 'inherit'] });

/** RSS of the server and its worker processes (kB). */
function serverRssKb(): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone, or no /proc
  }
  return [server.pid!, ...children].reduce((kb, pid) => kb + rssKb(pid), 0);
}
const started = performance.now();
await waitForHttp(`${base}/api/health`, server);
const startSeconds = (performance.now() - started) / 1000;
const check = await fetch(`${base}${paths[0]}`);
if (!check.ok) throw new Error(`search answered ${check.status}: ${await check.text()}`);

interface Run {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  latencyMean: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  peakRssMB: number;
}

async function load(name: string, pathsToUse: string[], seconds: number): Promise<Run> {
  let next = 0;
  let peakKb = serverRssKb();
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, serverRssKb())), 100);
  const r = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (req: Record<string, unknown>) => ({ ...req, path: pathsToUse[next++ % pathsToUse.length] }) }],
  });
  clearInterval(sampler);
  log(`${name}: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`);
  return {
    requestsPerSecond: r.requests.average,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
    latencyMean: r.latency.average,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    peakRssMB: peakKb / 1024,
  };
}

let result;
try {
  const rssAfterStartMB = serverRssKb() / 1024;
  log(`server on ${base} (started in ${startSeconds.toFixed(2)} s, RSS ${rssAfterStartMB.toFixed(0)} MB); warming up...`);
  await load('warm-up', paths, quick ? 1 : 3);
  const search = await load('search', paths, duration);
  const health = await load('health', ['/api/health'], duration);
  result = {
    meta: { date: new Date().toISOString(), mode: quick ? 'quick' : 'full', documents: docs.length, connections, durationSeconds: duration, logSize: paths.length, workers: workers ?? 'server default (1)' },
    startSeconds,
    rssAfterStartMB,
    rssAfterMB: serverRssKb() / 1024,
    search,
    health,
    searchOverHealth: search.requestsPerSecond / health.requestsPerSecond,
    samplePaths: paths.slice(0, 5),
  };
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(outPath, JSON.stringify(result, null, 2));
console.log(`\nHTTP (${connections} connections, ${duration} s each, ${docs.length} documents)`);
console.table({
  '/api/search (mixed log)': { 'req/s': result.search.requestsPerSecond.toFixed(0), 'p50 ms': result.search.latencyP50, 'p99 ms': result.search.latencyP99, 'non-2xx': result.search.non2xx, errors: result.search.errors, 'peak RSS MB': result.search.peakRssMB.toFixed(0) },
  '/api/health (ceiling)': { 'req/s': result.health.requestsPerSecond.toFixed(0), 'p50 ms': result.health.latencyP50, 'p99 ms': result.health.latencyP99, 'non-2xx': result.health.non2xx, errors: result.health.errors, 'peak RSS MB': result.health.peakRssMB.toFixed(0) },
});

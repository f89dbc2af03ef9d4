/**
 * Soak: `zhsearch serve` (the compiled CLI, as users run it) over the xwlb index under a steady
 * autocannon load of mixed requests for N minutes (default 10). Reports, minute by minute, the
 * requests, errors (connection errors, timeouts, non-2xx) and latency percentiles, and the
 * server's resident memory at the start, middle and end (sampled from /proc/<pid>/status every
 * 5 s), to show it ends with zero errors and flat memory.
 *
 * The mix (deterministic, 4,000 requests replayed in a loop): searches (70%: 1-3 substrings of
 * titles AND-ed, two OR-ed, a "phrase", an exclusion, a title: field; a third with a province or
 * year filter, some sorted by date, pages 1-5, default facets), suggestions (15%), documents
 * with a highlighted query (10%), health (5%).
 *
 * Usage: npx tsx bench/soak.ts [--minutes N] [--index-dir DIR] [--corpus FILE] [--connections N]
 *          [--out FILE]
 * Defaults: 10 minutes, 10 connections, bench/.work/xwlb-index (built from
 * ../shared/corpora/xwlb.jsonl.gz (or $ZHSEARCH_SHARED) with `zhsearch index` if missing, about 1.5 min),
 * bench/results/soak.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { mulberry32, XWLB } from './corpora.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const minutes = Number(flag('minutes', '10'));
const connections = Number(flag('connections', '10'));
const corpus = resolve(flag('corpus', XWLB));
const indexDir = resolve(flag('index-dir', 'bench/.work/xwlb-index'));
const outPath = resolve(flag('out', 'bench/results/soak.json'));
if (!Number.isFinite(minutes) || minutes <= 0) throw new Error('--minutes must be a positive number');
const log = (msg: string) => console.error(`[soak] ${msg}`);
const CLI = resolve('bin/zhsearch.js');

// --- the index.
if (!existsSync(join(resolve('dist'), 'cli/main.js'))) {
  log('compiling (npm run build)');
  if (spawnSync('npm', ['run', 'build'], { stdio: 'inherit' }).status !== 0) throw new Error('build failed');
}
if (!existsSync(join(indexDir, 'manifest.json'))) {
  log(`building the index in ${indexDir} from ${corpus} (about 1.5 min)`);
  mkdirSync(dirname(indexDir), { recursive: true });
  const run = spawnSync(process.execPath, [CLI, 'index', corpus, '--index-dir', indexDir, '--quiet'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) throw new Error('zhsearch index failed');
}

// --- the request mix.
const rnd = mulberry32(0x50a4);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
const records = gunzipSync(readFileSync(corpus))
  .toString('utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { id: string; title?: string; date?: string });
const hanRuns = records.flatMap((r) => (r.title ?? '').match(/\p{Script=Han}{4,}/gu) ?? []);
/** A substring of 2-4 characters of a title: it occurs in the corpus, so it matches something. */
const word = () => {
  const run = pick(hanRuns);
  const n = 2 + Math.floor(rnd() * 3);
  const at = Math.floor(rnd() * Math.max(1, run.length - n));
  return run.slice(at, at + n);
};
const years = [...new Set(records.map((r) => (r.date ?? '').slice(0, 4)).filter((y) => /^\d{4}$/.test(y)))].sort();
const provinces = ['北京', '上海', '广东', '浙江', '江苏', '湖北', '四川', '山东'];
const paths: string[] = [];
for (let i = 0; i < 4000; i++) {
  const kind = rnd();
  if (kind < 0.7) {
    const shape = rnd();
    const q =
      shape < 0.3 ? word() : shape < 0.5 ? `${word()} ${word()}` : shape < 0.6 ? `${word()} ${word()} ${word()}` : shape < 0.75 ? `${word()} OR ${word()}` : shape < 0.85 ? `"${word()}${word()}"` : shape < 0.93 ? `${word()} -${word()}` : `title:${word()}`;
    const p = new URLSearchParams({ q });
    const f = rnd();
    if (f < 0.15) p.append('province', pick(provinces));
    else if (f < 0.3) {
      const a = Math.floor(rnd() * years.length);
      p.append('from', years[a]);
      p.append('to', years[Math.min(years.length - 1, a + Math.floor(rnd() * 3))]);
    }
    if (rnd() < 0.1) p.append('sort', 'date_desc');
    if (rnd() < 0.2) p.append('page', String(2 + Math.floor(rnd() * 4)));
    paths.push(`/api/search?${p}`);
  } else if (kind < 0.85) paths.push(`/api/suggest?${new URLSearchParams({ q: word().slice(0, 1 + Math.floor(rnd() * 2)) })}`);
  else if (kind < 0.95) paths.push(`/api/docs/${encodeURIComponent(pick(records).id)}?${new URLSearchParams({ q: word() })}`);
  else paths.push('/api/health');
}

// --- the server.
const server = spawn(process.execPath, [CLI, 'serve', '--index-dir', indexDir, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
const url = await new Promise<string>((resolveUrl, reject) => {
  let err = '';
  server.stderr!.on('data', (d) => {
    err += d;
    const m = /at (http:\/\/\S+)/.exec(err);
    if (m) resolveUrl(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
});
log(`server pid ${server.pid} at ${url}; ${paths.length} distinct requests, ${connections} connections, ${minutes} min`);

function rssMB(): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
const samples: Array<{ t: number; rssMB: number }> = [];
const t0 = performance.now();
const sample = () => samples.push({ t: Math.round((performance.now() - t0) / 1000), rssMB: Math.round(rssMB() * 10) / 10 });
sample();
const sampler = setInterval(sample, 5000);

interface Minute {
  minute: number;
  requests: number;
  rps: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  rssMB: number;
}
const perMinute: Minute[] = [];
let next = 0;
const total = Math.round(minutes * 60);
for (let m = 1; m * 60 <= total + 59; m++) {
  const duration = Math.min(60, total - (m - 1) * 60);
  if (duration <= 0) break;
  const r = (await autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        setupRequest: (req) => {
          req.path = paths[next++ % paths.length];
          return req;
        },
      },
    ],
  })) as unknown as {
    requests: { total: number; average: number };
    latency: { p50: number; p90: number; p99: number; max: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  const row: Minute = {
    minute: m,
    requests: r.requests.total,
    rps: Math.round(r.requests.average),
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    rssMB: Math.round(rssMB() * 10) / 10,
  };
  perMinute.push(row);
  log(`minute ${m}: ${row.requests} requests, ${row.errors + row.timeouts + row.non2xx} errors, p50 ${row.p50} ms, p99 ${row.p99} ms, RSS ${row.rssMB} MB`);
}
clearInterval(sampler);
sample();
server.kill('SIGTERM');
const exitCode = await new Promise<number | null>((r) => server.on('exit', (c) => r(c)));

const at = (frac: number) => samples[Math.min(samples.length - 1, Math.round(frac * (samples.length - 1)))];
const rss = { start: at(0), afterFirstMinute: perMinute[0]?.rssMB ?? NaN, middle: at(0.5), end: at(1), max: Math.max(...samples.map((s) => s.rssMB)) };
const errors = perMinute.reduce((n, r) => n + r.errors + r.timeouts + r.non2xx, 0);
const result = {
  date: new Date().toISOString(),
  minutes,
  connections,
  index: indexDir,
  requests: perMinute.reduce((n, r) => n + r.requests, 0),
  errors,
  rss,
  perMinute,
  serverExitCode: exitCode,
  samples,
};
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, JSON.stringify(result, null, 2) + '\n');

const header = '| minute | requests | req/s | errors | p50 ms | p90 ms | p99 ms | max ms | RSS MB |';
const lines = [
  header,
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...perMinute.map((r) => `| ${r.minute} | ${r.requests} | ${r.rps} | ${r.errors + r.timeouts + r.non2xx} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${r.rssMB} |`),
];
console.log(lines.join('\n'));
console.log(
  `\n${result.requests} requests in ${minutes} min, ${errors} errors; server RSS start ${rss.start.rssMB} MB (t=${rss.start.t} s, idle), ` +
    `after minute 1 ${rss.afterFirstMinute} MB, ` +
    `middle ${rss.middle.rssMB} MB (t=${rss.middle.t} s), end ${rss.end.rssMB} MB (t=${rss.end.t} s), max ${rss.max} MB; ` +
    `server exit code ${exitCode}; written to ${outPath}`,
);

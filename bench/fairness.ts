/**
 * Fairness under hostile load: `zhsearch serve` (the compiled CLI, as users run it) over the xwlb
 * index while 3 hostile clients loop on the most expensive queries found (each with 4
 * connections), and a cheap client asks for health, a document, suggestions and a one-word search,
 * one request at a time. Reports the cheap requests' p50/p99 alone and under the hostile load, what
 * the hostile clients got (200 / 429 / 503), and the server's peak RSS.
 *
 * Clients are told apart by address, as the server does: the hostile ones connect from
 * 127.0.0.2-4, the cheap one from 127.0.0.5 (all loopback on Linux).
 *
 * Targets (issue 17): under the hostile load, cheap p50 < 50 ms and p99 < 250 ms.
 *
 * Usage: npx tsx bench/fairness.ts [--index-dir DIR] [--seconds N] [--cli FILE] [--out FILE]
 * Defaults: bench/.work/xwlb-index (built from ../shared/corpora/xwlb.jsonl.gz if missing, about
 * 1.5 min), 30 s of hostile load, bin/zhsearch.js (give another checkout's bin/zhsearch.js to
 * measure it in the same way), bench/results/fairness.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { XWLB } from './corpora.js';
import { flags, freePort, hwmKb, latency, markdownTable, waitForHttp, type Latency } from './measure.js';

const f = flags(process.argv.slice(2));
const indexDir = resolve(f.get('index-dir') ?? 'bench/.work/xwlb-index');
const seconds = Number(f.get('seconds') ?? 30);
const cli = resolve(f.get('cli') ?? 'bin/zhsearch.js');
const outPath = resolve(f.get('out') ?? 'bench/results/fairness.json');
const log = (msg: string) => console.error(`[fairness] ${msg}`);

if (!existsSync(join(indexDir, 'manifest.json'))) {
  log(`building the index in ${indexDir} from ${XWLB} (about 1.5 min)`);
  mkdirSync(dirname(indexDir), { recursive: true });
  const run = spawnSync(process.execPath, [resolve('bin/zhsearch.js'), 'index', XWLB, '--index-dir', indexDir, '--quiet'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) throw new Error('zhsearch index failed');
}

const COMMON = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质';
const WORDS = ['中国', '人民', '国家', '图书馆', '文化', '服务', '阅读', '活动', '读者', '发展', '经济', '教育'];
const search = (params: Record<string, string>) => `/api/search?${new URLSearchParams({ size: '100', snippetLength: '1000', facetSize: '100', ...params })}`;
/** The most expensive queries found (see test/reliability/hostile-queries.test.ts). */
const HOSTILE = [
  search({ q: `"${'中国'.repeat(1999)}"` }),
  search({ q: Array.from({ length: 64 }, (_, i) => `"${Array.from({ length: 12 }, (_, j) => WORDS[(i * 7 + j * (1 + (i % 5))) % WORDS.length]).join('')}"`).join(' OR ') }),
  search({ q: COMMON.repeat(20).slice(0, 4000), op: 'or' }),
  search({ q: Array.from({ length: 64 }, (_, i) => COMMON[i]).join(' OR ') }),
  search({ q: `${COMMON.slice(0, 30)} ${COMMON.slice(30, 60)}`.split('').join(' ') }),
];
const CHEAP: Array<[string, string]> = [
  ['health', '/api/health'],
  ['suggest', `/api/suggest?${new URLSearchParams({ q: '图书' })}`],
  ['search 图书馆', `/api/search?${new URLSearchParams({ q: '图书馆', facets: 'none' })}`],
  ['document', ''],
];

interface Reply {
  status: number;
  ms: number;
  body: string;
}

function get(base: URL, path: string, agent: Agent, localAddress: string): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolveReply) => {
    const req = request({ host: base.hostname, port: base.port, path, agent, localAddress, headers: { 'accept-encoding': 'identity' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveReply({ status: res.statusCode ?? 0, ms: performance.now() - started, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolveReply({ status: 0, ms: performance.now() - started, body: '' }));
    });
    req.setTimeout(60_000, () => req.destroy());
    req.on('error', () => resolveReply({ status: 0, ms: performance.now() - started, body: '' }));
    req.end();
  });
}

const port = await freePort();
const base = new URL(`http://127.0.0.1:${port}`);
const server = spawn(process.execPath, [cli, 'serve', '--index-dir', indexDir, '--port', String(port), '--host', '0.0.0.0'], { stdio: ['ignore', 'ignore', 'inherit'] });
await waitForHttp(`${base.origin}/api/health`, server);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A document id to fetch: the first hit of a search.
const cheapAgent = new Agent({ keepAlive: true, maxSockets: 1 });
const first = JSON.parse((await get(base, CHEAP[2][1], cheapAgent, '127.0.0.5')).body) as { hits: Array<{ id: string }> };
CHEAP[3][1] = `/api/docs/${encodeURIComponent(first.hits[0].id)}?${new URLSearchParams({ q: '图书馆' })}`;

/** The cheap client: one request every 20 ms, round-robin over the kinds, until `until`. */
async function cheapLoop(until: number): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = Object.fromEntries(CHEAP.map(([k]) => [k, []]));
  for (let i = 0; performance.now() < until; i++) {
    const [kind, path] = CHEAP[i % CHEAP.length];
    const r = await get(base, path, cheapAgent, '127.0.0.5');
    samples[kind].push(r.status === 200 ? r.ms : Infinity);
    await sleep(20);
  }
  return samples;
}

function summarize(samples: Record<string, number[]>): Record<string, Latency & { failed: number }> {
  return Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [k, { ...latency(v.filter(Number.isFinite)), failed: v.filter((x) => !Number.isFinite(x)).length }]),
  );
}

log(`cheap requests alone for 5 s`);
const alone = summarize(await cheapLoop(performance.now() + 5000));

log(`3 hostile clients x 4 connections for ${seconds} s, with the cheap client`);
const hostileStatus: Record<string, number> = {};
let hostileMs: number[] = [];
const stop = performance.now() + seconds * 1000;
const hostile = [2, 3, 4].flatMap((h) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  return Array.from({ length: 4 }, async (_, c) => {
    for (let i = c; performance.now() < stop; i++) {
      const r = await get(base, HOSTILE[(i + h) % HOSTILE.length], agent, `127.0.0.${h}`);
      hostileStatus[r.status] = (hostileStatus[r.status] ?? 0) + 1;
      hostileMs.push(r.ms);
      // A polite client would honour Retry-After; a hostile one comes straight back.
      if (r.status !== 200) await sleep(5);
    }
  });
});
await sleep(1000);
const underLoad = summarize(await cheapLoop(stop));
await Promise.all(hostile);
const peakRssMB = hwmKb(server.pid!) / 1024;
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));

const rows = CHEAP.map(([k]) => [k, alone[k].p50.toFixed(1), alone[k].p99.toFixed(1), String(underLoad[k].n), underLoad[k].p50.toFixed(1), underLoad[k].p99.toFixed(1), String(underLoad[k].failed)]);
console.log(`\nFairness: ${cli} over ${indexDir}, ${seconds} s of 3 hostile clients x 4 connections\n`);
console.log(markdownTable(['cheap request', 'alone p50 ms', 'alone p99 ms', 'under load: n', 'p50 ms', 'p99 ms', 'failed'], rows));
hostileMs = hostileMs.sort((a, b) => a - b);
console.log(`\nhostile requests: ${Object.entries(hostileStatus).map(([s, n]) => `${n} x ${s}`).join(', ')}; p50 ${latency(hostileMs).p50.toFixed(0)} ms; server peak RSS ${peakRssMB.toFixed(0)} MB`);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, JSON.stringify({ cli, indexDir, seconds, alone, underLoad, hostileStatus, hostileLatency: latency(hostileMs), peakRssMB }, null, 2) + '\n');
log(`wrote ${outPath}`);

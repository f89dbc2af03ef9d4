/**
 * The peers alone, without our engine: each built from a token cache in this process, then timed
 * on a cached query file (bench/queries.ts classes, `{ class: [{ cls, q, op, terms }] }`) as
 * bench/query-latency.ts times them (per class and peer one block: a warm-up pass over the first
 * 50 queries, then each query once, at most --budget seconds), and checked against the floor: per
 * class the mean total, the number of queries whose total differs from the floor's, and the top-10
 * overlap with the floor. A quick look at a peer on the full corpus without the full benchmark.
 * With --ours DIR, our engine on an index already built of the same documents is timed in the
 * same blocks (the raw query string through the public API, op, top 10, no highlighting, no facets).
 *
 * Usage: npx tsx --expose-gc bench/peer-latency.ts --tokens CACHE --queries FILE
 *          [--peers floor,sqlite,sphinx,sphinx-bm25] [--ours INDEX_DIR] [--budget S] [--xwlb] [--out FILE]
 *   --xwlb: write the cache's `.titles` from the xwlb corpus (ids matched) when it is missing.
 *
 * Owns: this side-by-side of the peers. Must not: build our engine or write to its index.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SearchIndex } from '../src/index.js';
import { loadXwlb } from './corpora.js';
import { flags, latency, ms, type Latency } from './measure.js';
import { buildOptionalPeer, buildPeer, OPTIONAL_PEER_NAMES, PEER_NAMES, type OptionalPeerName, type OptionalPeerStats, type Peer, type PeerName } from './peers.js';
import { CLASS_LABELS, CLASSES, type Query, type QueryClass } from './queries.js';
import { readTokenIds, readTokenLines, titleCounts } from './tokens.js';

const f = flags(process.argv.slice(2), ['xwlb']);
const tokens = f.get('tokens');
const queryFile = f.get('queries');
if (!tokens || !queryFile) {
  console.error('usage: bench/peer-latency.ts --tokens CACHE --queries FILE [--peers a,b] [--budget S] [--xwlb] [--out FILE]');
  process.exit(2);
}
const names = (f.get('peers') ?? 'floor,sqlite,sphinx,sphinx-bm25').split(',');
const budget = Number(f.get('budget') ?? 30);
const log = (msg: string) => console.error(`[peer-latency] ${msg}`);

const lines = readTokenLines(tokens);
const ids = readTokenIds(tokens);
let titles: Uint32Array;
try {
  titles = titleCounts(tokens);
} catch (err) {
  if (!f.has('xwlb')) throw err;
  const byId = new Map(loadXwlb().map((d) => [d.id, d]));
  titles = titleCounts(tokens, ids.map((id) => byId.get(id) ?? { title: '' }));
}
const queries = JSON.parse(readFileSync(queryFile, 'utf8')) as Record<QueryClass, Query[]>;

const peers: Peer[] = [];
const oursDir = f.get('ours');
const oursIndex = oursDir ? SearchIndex.open(oursDir) : null;
const lineOf = new Map(ids.map((id, i) => [id, i]));
/** Ours as a peer of this script: it gets the raw query (set before each call), not the terms. */
let currentQuery = '';
if (oursIndex) {
  oursIndex.search('预热');
  peers.push({
    name: 'ours',
    search: (_terms, op, k) => {
      const r = oursIndex.search(currentQuery, { op, size: k, highlight: false });
      return { total: r.total, docs: r.hits.map((h) => lineOf.get(h.id) ?? -1) };
    },
  });
}
const stats: Record<string, OptionalPeerStats | { buildSeconds: number }> = {};
for (const name of names) {
  log(`building ${name}...`);
  const t = performance.now();
  if ((PEER_NAMES as readonly string[]).includes(name)) {
    peers.push(buildPeer(name as PeerName, lines, ids));
    stats[name] = { buildSeconds: (performance.now() - t) / 1000 };
  } else if ((OPTIONAL_PEER_NAMES as readonly string[]).includes(name)) {
    const built = await buildOptionalPeer(name as OptionalPeerName, lines, titles, log);
    if (!built) continue;
    peers.push(built.peer);
    stats[name] = built.stats();
  } else throw new Error(`unknown peer ${name}`);
  log(`  ${JSON.stringify(stats[name])}`);
}

interface Block {
  latency: Latency;
  totals: number[];
  tops: number[][];
}

async function time(peer: Peer, qs: readonly Query[]): Promise<Block> {
  const call = async (q: Query) => {
    currentQuery = q.q;
    const r = peer.search(q.terms, q.op, 10);
    return r instanceof Promise ? await r : r;
  };
  for (const q of qs.slice(0, 50)) await call(q);
  const samples: number[] = [];
  const totals: number[] = [];
  const tops: number[][] = [];
  const until = performance.now() + budget * 1000;
  for (const q of qs) {
    if (performance.now() > until) break;
    currentQuery = q.q;
    const started = performance.now();
    const r = peer.search(q.terms, q.op, 10);
    const res = r instanceof Promise ? await r : r;
    samples.push(performance.now() - started);
    totals.push(res.total);
    tops.push(res.docs);
  }
  return { latency: latency(samples), totals, tops };
}

const overlap = (a: number[][], b: number[][]) => {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const m = Math.max(a[i].length, b[i].length);
    if (!m) continue;
    const set = new Set(b[i]);
    sum += a[i].filter((x) => set.has(x)).length / m;
    n++;
  }
  return n ? sum / n : NaN;
};

const results: Record<string, Record<string, { latency: Latency; meanTotal: number; totalsDiffering?: number; overlapWithFloor?: number }>> = {};
const rows: Record<string, Record<string, string>> = {};
for (const cls of CLASSES) {
  const qs = queries[cls] ?? [];
  if (!qs.length) continue;
  log(`timing ${cls} (${qs.length} queries)...`);
  const blocks = new Map<string, Block>();
  for (const peer of peers) blocks.set(peer.name, await time(peer, qs));
  const floor = blocks.get('floor');
  const out: (typeof results)[string] = {};
  const row: Record<string, string> = {};
  for (const [name, b] of blocks) {
    const meanTotal = b.totals.reduce((a, x) => a + x, 0) / Math.max(1, b.totals.length);
    const entry: (typeof out)[string] = { latency: b.latency, meanTotal };
    row[name] = `${ms(b.latency.p50)} / ${ms(b.latency.p99)}`;
    if (floor && name !== 'floor') {
      const n = Math.min(floor.totals.length, b.totals.length);
      let differing = 0;
      for (let i = 0; i < n; i++) if (floor.totals[i] !== b.totals[i]) differing++;
      entry.totalsDiffering = differing;
      entry.overlapWithFloor = overlap(b.tops, floor.tops);
      row[`${name} total≠floor`] = `${differing}/${n}`;
      row[`${name} ∩floor`] = entry.overlapWithFloor.toFixed(2);
    }
    row[`${name} total`] = meanTotal.toFixed(0);
    out[name] = entry;
  }
  const ours = blocks.get('ours');
  if (ours) for (const [name, b] of blocks) if (name !== 'ours') row[`ours/${name} p50, p99`] = `${(ours.latency.p50 / b.latency.p50).toFixed(2)}, ${(ours.latency.p99 / b.latency.p99).toFixed(2)}`;
  results[cls] = out;
  rows[CLASS_LABELS[cls]] = row;
}
console.log(`\nPeers, p50 / p99 ms (${lines.length} documents, top 10 + total; Sphinx over loopback SphinxQL)`);
console.table(rows);
for (const peer of peers) await peer.close?.();
await oursIndex?.close();
const outPath = f.get('out');
if (outPath) writeFileSync(outPath, JSON.stringify({ date: new Date().toISOString(), documents: lines.length, budgetSeconds: budget, stats, classes: results }, null, 2));

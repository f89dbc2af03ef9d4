/**
 * One engine in a fresh process, for build time and memory that nothing else in the process
 * disturbs. Prints one JSON line. Run with --expose-gc (measure.runJsonChild does).
 *
 *   build-child.ts peer <floor|minisearch|flexsearch> <token cache>
 *     builds the peer from the cached tokens: { buildSeconds, heapMB, arrayBuffersMB, rssMB },
 *     memory = what the built engine holds (after GC, input released) minus the process before
 *     reading the input;
 *   build-child.ts optional <sqlite|sphinx> <token cache>
 *     builds an optional peer (bench/peers.ts buildOptionalPeer; the cache's `.titles` must exist):
 *     { engine, buildSeconds, diskMB, serverRssMB? } as the peer measures them (its index lives in
 *     SQLite's file or in searchd, not in this heap), or { skipped } where it cannot run here;
 *   build-child.ts ours <index dir> [queries.json]
 *     opens our built index: { loadSeconds, heapMB, arrayBuffersMB, rssMB } (memory beyond an
 *     open empty index, so jieba and module state are not counted); with a queries file
 *     (`[{ cls, q, op }]`), also runs each query (one warm-up pass, then one timed pass) and
 *     adds `latency: { [cls | 'all']: { plain: Latency, facets: Latency } }` (used by bench/scaling.ts).
 *
 * Owns: these measurements in isolation. Must not: print anything else on stdout.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SearchIndex } from '../src/index.js';
import { latency, memory, type Latency } from './measure.js';
import { ALL_FACETS } from './ours.js';
import { buildOptionalPeer, buildPeer, type OptionalPeerName, type Peer, type PeerName } from './peers.js';
import { readTokenIds, readTokenLines, titleCounts } from './tokens.js';

const [mode, a, b] = process.argv.slice(2);

function delta(before: ReturnType<typeof memory>, after: ReturnType<typeof memory>) {
  return {
    heapMB: after.heapMB - before.heapMB,
    arrayBuffersMB: after.arrayBuffersMB - before.arrayBuffersMB,
    rssMB: after.rssMB - before.rssMB,
  };
}

if (mode === 'peer') {
  const before = memory();
  let lines: string[] | null = readTokenLines(b);
  let ids: string[] | null = readTokenIds(b);
  const started = performance.now();
  let peer: Peer | null = buildPeer(a as PeerName, lines, ids);
  const buildSeconds = (performance.now() - started) / 1000;
  lines = null;
  ids = null;
  const after = memory();
  console.log(JSON.stringify({ engine: a, buildSeconds, ...delta(before, after) }));
  peer = null;
} else if (mode === 'optional') {
  let why = '';
  const built = await buildOptionalPeer(a as OptionalPeerName, readTokenLines(b), titleCounts(b), (m) => {
    why = m;
    console.error(m);
  });
  if (!built) console.log(JSON.stringify({ engine: a, skipped: why || true }));
  else {
    console.log(JSON.stringify(built.stats()));
    await built.peer.close?.();
  }
} else if (mode === 'ours') {
  const empty = mkdtempSync(join(tmpdir(), 'zhsearch-empty-'));
  const warm = SearchIndex.open(empty);
  warm.search('预热');
  const before = memory();
  const started = performance.now();
  const index = SearchIndex.open(a);
  const loadSeconds = (performance.now() - started) / 1000;
  const after = memory();
  const result: Record<string, unknown> = { engine: 'ours', loadSeconds, documents: index.documentCount, ...delta(before, after) };
  if (b) {
    const queries = JSON.parse(readFileSync(b, 'utf8')) as { cls: string; q: string; op: 'and' | 'or' }[];
    const out: Record<string, Record<string, Latency>> = {};
    for (const facets of [false, true]) {
      const options = (op: 'and' | 'or') => ({ op, size: 10, highlight: false, ...(facets ? { facets: [...ALL_FACETS] } : {}) });
      for (const q of queries) index.search(q.q, options(q.op));
      const samples = new Map<string, number[]>();
      for (const q of queries) {
        const t = performance.now();
        index.search(q.q, options(q.op));
        const took = performance.now() - t;
        for (const key of [q.cls, 'all']) {
          if (!samples.has(key)) samples.set(key, []);
          samples.get(key)!.push(took);
        }
      }
      for (const [cls, s] of samples) (out[cls] ??= {})[facets ? 'facets' : 'plain'] = latency(s);
    }
    result.latency = out;
  }
  console.log(JSON.stringify(result));
  await index.close();
  await warm.close();
  rmSync(empty, { recursive: true, force: true });
} else {
  console.error('usage: build-child.ts peer <name> <token cache> | optional <name> <token cache> | ours <index dir> [queries.json]');
  process.exit(2);
}

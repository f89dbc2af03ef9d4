/**
 * In-process query latency of our engine against the floor, MiniSearch and FlexSearch, side by
 * side in ONE process on the same documents (xwlb, or its first --docs items), plus each engine's
 * build time and memory measured in fresh child processes (bench/build-child.ts; medians of
 * --runs), our build (the CLI, end to end) and the load time of our built index, and the top-10
 * overlap of ours with the floor, with BM25 computed per field as ours defines it, and with
 * MiniSearch. The optional peers (SQLite FTS5, Sphinx: bench/peers.ts OPTIONAL_PEER_NAMES) are
 * timed the same way where they can run (otherwise skipped with a log line), with their totals
 * compared to the floor's query by query.
 *
 * For each query class (bench/queries.ts): our engine in 3 variants (no facets, all facets, region
 * + date filter), then each peer (their own semantics; no facets or filters), each as one block:
 * a warm-up pass over the class's first 50 queries, then a timed pass (each query once,
 * performance.now() around the call, at most --budget seconds: a slow engine runs fewer). Top 10,
 * highlighting off.
 *
 * Usage: npx tsx --expose-gc bench/query-latency.ts [--quick] [--docs N] [--queries N] [--runs N] [--budget S]
 *          [--work DIR (keep the built index there, as index-xwlb)] [--out FILE]
 * Prints tables and writes bench/results/query-latency.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { SearchIndex, type SearchOptions } from '../src/index.js';
import { loadXwlb, type Doc } from './corpora.js';
import { FieldedReference } from './floor.js';
import { ensureCompiled, flags, latency, median, memory, ms, runJsonChild, sourceFingerprint, type Latency } from './measure.js';
import { buildWithCli, regionDateFilter, searchOptions, VARIANTS, writeInput, type OursBuild, type Variant } from './ours.js';
import { buildOptionalPeer, buildPeer, floorOf, OPTIONAL_PEER_NAMES, PEER_NAMES, type OptionalPeerName, type OptionalPeerStats, type Peer, type PeerName } from './peers.js';
import { buildQueries, CLASS_LABELS, CLASSES, type Query, type QueryClass } from './queries.js';
import { docTokens, getJieba, readTokenIds, readTokenLines, titleCounts, tokenCache } from './tokens.js';

const f = flags(process.argv.slice(2));
const quick = f.has('quick');
const docLimit = Number(f.get('docs') ?? (quick ? 6_000 : Infinity));
const perClass = Number(f.get('queries') ?? (quick ? 30 : 300));
/** Time budget of one engine's timed pass over one class, seconds (slow engines run fewer queries). */
const budget = Number(f.get('budget') ?? (quick ? 3 : 60));
const runs = Number(f.get('runs') ?? (quick ? 1 : 3));
const keep = f.get('work');
const work = keep ?? mkdtempSync(join(tmpdir(), 'zhsearch-bench-'));
const outPath = f.get('out') ?? 'bench/results/query-latency.json';
const log = (msg: string) => console.error(`[query-latency] ${msg}`);

ensureCompiled();
const raw = loadXwlb(docLimit);
const textMB = raw.reduce((n, d) => n + Buffer.byteLength(d.title) + Buffer.byteLength(d.content), 0) / 1e6;
const input = join(work, 'input.jsonl.gz');
writeInput(raw, input);

// --- our builds: the CLI end to end, `runs` times; the first index is kept for the queries.
const indexDir = join(work, 'index-xwlb');
const builds: OursBuild[] = [];
for (let r = 0; r < runs; r++) {
  const dir = r === 0 ? indexDir : join(work, 'index-extra');
  log(`building our index of ${raw.length} documents with the CLI (${r + 1}/${runs})...`);
  builds.push(await buildWithCli(input, dir));
  log(`  ${builds[r].seconds.toFixed(1)} s, peak RSS ${builds[r].peakRssMB.toFixed(0)} MB`);
  if (r > 0) rmSync(dir, { recursive: true, force: true });
}
let t = performance.now();
const index = SearchIndex.open(indexDir);
const inProcessLoadSeconds = (performance.now() - t) / 1000;

// Every engine indexes the text our ingestion stored (it strips the "央视网消息（新闻联播）：" lead
// and the editor credits), so they all hold the same documents.
const docs: Doc[] = [];
for (const d of raw) {
  const s = index.get(d.id);
  if (s) docs.push({ id: s.id, date: s.date ?? '', title: s.title ?? '', tags: s.tags ?? [], content: s.content, source: s.source ?? '', url: s.url ?? '' });
}
const tokens = tokenCache(docs, 'xwlb-indexed');
const titles = titleCounts(tokens, docs);

// nodejieba alone on the raw text, one thread (the bound of our indexing): MB/s.
getJieba().cutForSearch('预热', true);
t = performance.now();
for (const d of raw) {
  getJieba().cutForSearch(d.title, true);
  getJieba().cutForSearch(d.content, true);
}
const jiebaSeconds = (performance.now() - t) / 1000;
log(`nodejieba cut-for-search alone: ${(textMB / jiebaSeconds).toFixed(2)} MB/s on one thread`);

// --- fresh-process measurements: our load, each peer's build.
interface ChildMemory {
  heapMB: number;
  arrayBuffersMB: number;
  rssMB: number;
  peakRssMB: number;
}
const childRuns: Record<string, (ChildMemory & { buildSeconds?: number; loadSeconds?: number })[]> = { ours: [] };
for (let r = 0; r < runs; r++) {
  childRuns.ours.push(await runJsonChild(['bench/build-child.ts', 'ours', indexDir]));
  for (const name of PEER_NAMES) {
    log(`building ${name} in a fresh process (${r + 1}/${runs})...`);
    (childRuns[name] ??= []).push(await runJsonChild(['bench/build-child.ts', 'peer', name, tokens]));
  }
}
// The optional peers' builds in fresh processes ('sphinx-bm25' shares the index of 'sphinx').
type OptionalChild = Partial<OptionalPeerStats> & { skipped?: string; peakRssMB: number };
const optionalChildRuns: Partial<Record<OptionalPeerName, OptionalChild[]>> = {};
for (let r = 0; r < runs; r++) {
  for (const name of ['sqlite', 'sphinx'] as const) {
    log(`building ${name} in a fresh process (${r + 1}/${runs})...`);
    try {
      (optionalChildRuns[name] ??= []).push(await runJsonChild<OptionalChild>(['bench/build-child.ts', 'optional', name, tokens]));
    } catch (err) {
      log(`  ${name}'s build failed in the child: ${(err as Error).message}`);
    }
  }
}
const summarize = (rs: (ChildMemory & { buildSeconds?: number; loadSeconds?: number })[]) => ({
  runs: rs,
  buildSeconds: median(rs.map((x) => x.buildSeconds ?? NaN)),
  loadSeconds: median(rs.map((x) => x.loadSeconds ?? NaN)),
  heapMB: median(rs.map((x) => x.heapMB)),
  arrayBuffersMB: median(rs.map((x) => x.arrayBuffersMB)),
  memoryMB: median(rs.map((x) => x.heapMB + x.arrayBuffersMB)),
  peakRssMB: median(rs.map((x) => x.peakRssMB)),
});

// --- everything in this process.
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const lines = readTokenLines(tokens);
const ids = readTokenIds(tokens);
const peers = {} as Record<PeerName, Peer>;
const inProcessBuild = {} as Record<PeerName, number>;
for (const name of PEER_NAMES) {
  log(`building ${name} in this process...`);
  t = performance.now();
  peers[name] = buildPeer(name, lines, ids);
  inProcessBuild[name] = (performance.now() - t) / 1000;
}
const optional: Partial<Record<OptionalPeerName, { peer: Peer; stats: () => OptionalPeerStats; inProcessBuildSeconds: number }>> = {};
for (const name of OPTIONAL_PEER_NAMES) {
  log(`building ${name} in this process...`);
  t = performance.now();
  const built = await buildOptionalPeer(name, lines, titles, log);
  if (built) optional[name] = { ...built, inProcessBuildSeconds: (performance.now() - t) / 1000 };
}
const optionalNames = OPTIONAL_PEER_NAMES.filter((n) => optional[n]);
const floor = floorOf(peers.floor);
const queries = buildQueries(docs, { perClass, df: (w) => floor.postings.df(w), docCount: floor.size });
const filter = regionDateFilter(docs);
log(`queries: ${CLASSES.map((c) => `${c} ${queries[c].length}`).join(', ')}; filter ${JSON.stringify(filter)}`);

/** Queries of the warm-up pass of each block. */
const WARM_UP = 50;

interface Block {
  latency: Latency;
  meanTotal: number;
  errors: number;
  tops: string[][];
  /** Each timed query's total (peers only). */
  totals?: number[];
}

function timeOurs(qs: readonly Query[], variant: Variant, extra: SearchOptions = {}, timed = true): Block {
  const options = qs.map((q) => ({ ...searchOptions(variant, q.op, filter), ...extra }));
  const run = (i: number) => index.search(qs[i].q, options[i]);
  gc();
  if (timed) for (let i = 0; i < Math.min(WARM_UP, qs.length); i++) try { run(i); } catch { /* counted below */ }
  const samples: number[] = [];
  const tops: string[][] = [];
  let totals = 0;
  let errors = 0;
  const until = performance.now() + budget * 1000;
  for (let i = 0; i < qs.length && (!timed || performance.now() < until); i++) {
    const started = performance.now();
    try {
      const r = run(i);
      samples.push(performance.now() - started);
      totals += r.total;
      tops.push(r.hits.map((h) => h.id));
    } catch {
      errors++;
      tops.push([]);
    }
  }
  return { latency: latency(samples), meanTotal: totals / Math.max(1, samples.length), errors, tops };
}

/** Times a peer; a peer in another process (Sphinx) answers with a promise, awaited inside the timing. */
async function timePeer(peer: Peer, qs: readonly Query[]): Promise<Block> {
  gc();
  for (const q of qs.slice(0, WARM_UP)) {
    const r = peer.search(q.terms, q.op, 10);
    if (r instanceof Promise) await r;
  }
  const samples: number[] = [];
  const tops: string[][] = [];
  const each: number[] = [];
  let totals = 0;
  const until = performance.now() + budget * 1000;
  for (const q of qs) {
    if (performance.now() > until) break;
    const started = performance.now();
    const p = peer.search(q.terms, q.op, 10);
    const r = p instanceof Promise ? await p : p;
    samples.push(performance.now() - started);
    totals += r.total;
    each.push(r.total);
    tops.push(r.docs.map((d) => ids[d]));
  }
  return { latency: latency(samples), meanTotal: totals / Math.max(1, samples.length), errors: 0, tops, totals: each };
}

/** Queries (of those both timed) whose totals differ, and how many were compared. */
function totalsDiffering(a: Block, b: Block): { differing: number; compared: number } {
  const n = Math.min(a.totals?.length ?? 0, b.totals?.length ?? 0);
  let differing = 0;
  for (let i = 0; i < n; i++) if (a.totals![i] !== b.totals![i]) differing++;
  return { differing, compared: n };
}

/** Mean over queries of |A ∩ B| / max(|A|, |B|) (queries where both are empty are left out). */
function overlap(a: string[][], b: string[][]): number {
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
}

const results: Record<string, unknown> = {};
const blocks = {} as Record<QueryClass, { ours: Record<Variant, Block>; peers: Record<PeerName, Block>; optional: Partial<Record<OptionalPeerName, Block>> }>;
for (const cls of CLASSES) {
  const qs = queries[cls];
  log(`timing ${cls} (${qs.length} queries)...`);
  const ours = {} as Record<Variant, Block>;
  for (const v of VARIANTS) ours[v] = timeOurs(qs, v);
  const peerBlocks = {} as Record<PeerName, Block>;
  for (const name of PEER_NAMES) peerBlocks[name] = await timePeer(peers[name], qs);
  const optionalBlocks: Partial<Record<OptionalPeerName, Block>> = {};
  for (const name of optionalNames) optionalBlocks[name] = await timePeer(optional[name]!.peer, qs);
  blocks[cls] = { ours, peers: peerBlocks, optional: optionalBlocks };
}

// --- top-10 overlap (untimed): ours with flat boosts, and the per-field exhaustive reference.
log('top-10 overlap...');
const flat = { ranking: { boosts: { title: 1, content: 1, tags: 0 } } };
const titleLines: string[] = [];
const contentLines: string[] = [];
const tagLines: string[] = [];
docs.forEach((d, i) => {
  const all = lines[i] ? lines[i].split(' ') : [];
  const k = docTokens(d.title).length;
  titleLines.push(all.slice(0, k).join(' '));
  contentLines.push(all.slice(k).join(' '));
  tagLines.push(docTokens(d.tags.join('\n')).join(' '));
});
const reference = FieldedReference.build({ title: titleLines, content: contentLines, tags: tagLines }, ids);
const refTops = (qs: readonly Query[], boosts: Record<string, number>) => qs.map((q) => reference.search(q.terms, q.op, boosts, 10).docs.map((d) => ids[d]));

for (const cls of CLASSES) {
  const qs = queries[cls];
  const b = blocks[cls];
  const oursFlat = timeOurs(qs, 'plain', flat, false);
  const refDefault = refTops(qs, { title: 2.5, content: 1, tags: 1.5 });
  const refFlat = refTops(qs, { title: 1, content: 1, tags: 0 });
  results[cls] = {
    label: CLASS_LABELS[cls],
    queries: qs.length,
    examples: qs.slice(0, 3).map((q) => q.q),
    ours: Object.fromEntries(VARIANTS.map((v) => [v, { ...b.ours[v].latency, meanTotal: b.ours[v].meanTotal, errors: b.ours[v].errors }])),
    peers: Object.fromEntries(PEER_NAMES.map((p) => [p, { ...b.peers[p].latency, meanTotal: b.peers[p].meanTotal }])),
    ratios: {
      oursOverFloorP50: b.ours.plain.latency.p50 / b.peers.floor.latency.p50,
      oursOverFloorP99: b.ours.plain.latency.p99 / b.peers.floor.latency.p99,
      oursOverMiniSearchP50: b.ours.plain.latency.p50 / b.peers.minisearch.latency.p50,
      oursOverMiniSearchP99: b.ours.plain.latency.p99 / b.peers.minisearch.latency.p99,
      oursOverFlexSearchP50: b.ours.plain.latency.p50 / b.peers.flexsearch.latency.p50,
    },
    overlap: {
      oursVsReference: overlap(b.ours.plain.tops, refDefault),
      oursFlatVsReferenceFlat: overlap(oursFlat.tops, refFlat),
      oursVsFloor: overlap(b.ours.plain.tops, b.peers.floor.tops),
      oursFlatVsFloor: overlap(oursFlat.tops, b.peers.floor.tops),
      oursVsMiniSearch: overlap(b.ours.plain.tops, b.peers.minisearch.tops),
      floorVsMiniSearch: overlap(b.peers.floor.tops, b.peers.minisearch.tops),
      referenceFlatVsFloor: overlap(refFlat, b.peers.floor.tops),
    },
    // SQLite FTS5 / Sphinx, where they ran: latency, mean total, totals against the floor's, overlaps.
    optionalPeers: Object.fromEntries(
      optionalNames.map((p) => {
        const o = b.optional[p]!;
        return [
          p,
          {
            ...o.latency,
            meanTotal: o.meanTotal,
            totalsVsFloor: totalsDiffering(o, b.peers.floor),
            oursOverP50: b.ours.plain.latency.p50 / o.latency.p50,
            oursOverP99: b.ours.plain.latency.p99 / o.latency.p99,
            overlapOurs: overlap(b.ours.plain.tops, o.tops),
            overlapFloor: overlap(b.peers.floor.tops, o.tops),
          },
        ];
      }),
    ),
  };
}

const oursBuild = {
  runs: builds,
  seconds: median(builds.map((b) => b.seconds)),
  peakRssMB: median(builds.map((b) => b.peakRssMB)),
  diskMB: builds[0].diskMB,
  documents: builds[0].documents,
  docsPerSecond: builds[0].documents / median(builds.map((b) => b.seconds)),
  mbPerSecond: textMB / median(builds.map((b) => b.seconds)),
  jiebaOneThreadMBps: textMB / jiebaSeconds,
};
const output = {
  meta: {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGB: totalmem() / 2 ** 30,
    mode: quick ? 'quick' : 'full',
    documents: docs.length,
    corpusItems: raw.length,
    textMB,
    perClass,
    budgetSeconds: budget,
    runs,
    source: sourceFingerprint(),
    filter,
    inProcessMemory: memory(),
  },
  ours: { build: oursBuild, load: summarize(childRuns.ours), inProcessLoadSeconds },
  peers: Object.fromEntries(PEER_NAMES.map((p) => [p, { ...summarize(childRuns[p]), inProcessBuildSeconds: inProcessBuild[p] }])),
  optionalPeers: Object.fromEntries(
    OPTIONAL_PEER_NAMES.map((p) => {
      const inProcess = optional[p];
      const rs = (optionalChildRuns[p === 'sphinx-bm25' ? 'sphinx' : p] ?? []).filter((x) => !x.skipped);
      if (!inProcess) return [p, { skipped: true }];
      const s = inProcess.stats();
      return [
        p,
        {
          engine: s.engine,
          buildSeconds: rs.length ? median(rs.map((x) => x.buildSeconds ?? NaN)) : NaN,
          diskMB: s.diskMB,
          serverRssMB: s.serverRssMB ?? null,
          peakRssMB: rs.length ? median(rs.map((x) => x.peakRssMB)) : NaN,
          inProcessBuildSeconds: s.buildSeconds,
          runs: rs,
        },
      ];
    }),
  ),
  classes: results,
  indexDir: keep ? indexDir : null,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync(outPath, JSON.stringify(output, null, 2));

// --- tables.
const rows: Record<string, Record<string, string>> = {};
for (const cls of CLASSES) {
  const r = results[cls] as { ours: Record<Variant, Latency>; peers: Record<PeerName, Latency>; ratios: Record<string, number>; overlap: Record<string, number> };
  rows[CLASS_LABELS[cls]] = {
    'ours p50/p99': `${ms(r.ours.plain.p50)} / ${ms(r.ours.plain.p99)}`,
    'facets p50/p99': `${ms(r.ours.facets.p50)} / ${ms(r.ours.facets.p99)}`,
    'filter p50/p99': `${ms(r.ours.filter.p50)} / ${ms(r.ours.filter.p99)}`,
    'floor p50/p99': `${ms(r.peers.floor.p50)} / ${ms(r.peers.floor.p99)}`,
    'MiniSearch p50/p99': `${ms(r.peers.minisearch.p50)} / ${ms(r.peers.minisearch.p99)}`,
    'FlexSearch p50/p99': `${ms(r.peers.flexsearch.p50)} / ${ms(r.peers.flexsearch.p99)}`,
    'ours/floor p50': r.ratios.oursOverFloorP50.toFixed(1),
    'ours/Mini p50': r.ratios.oursOverMiniSearchP50.toFixed(2),
    'top10 ∩ ref/floor/Mini': `${r.overlap.oursVsReference.toFixed(2)} / ${r.overlap.oursVsFloor.toFixed(2)} / ${r.overlap.oursVsMiniSearch.toFixed(2)}`,
  };
  const o = (results[cls] as { optionalPeers: Record<string, Latency & { oursOverP50: number; totalsVsFloor: { differing: number; compared: number } }> }).optionalPeers;
  for (const [p, l] of Object.entries(o)) {
    rows[CLASS_LABELS[cls]][`${p} p50/p99`] = `${ms(l.p50)} / ${ms(l.p99)}`;
    rows[CLASS_LABELS[cls]][`ours/${p} p50`] = l.oursOverP50.toFixed(2);
    rows[CLASS_LABELS[cls]][`${p} totals ≠ floor`] = `${l.totalsVsFloor.differing}/${l.totalsVsFloor.compared}`;
  }
}
console.log(`\nQuery latency, ms (${docs.length} documents, ${perClass} queries per class, top 10)`);
console.table(rows);
const buildRows: Record<string, Record<string, string>> = {
  ours: {
    'build s': oursBuild.seconds.toFixed(1),
    'memory MB (heap+ab)': output.ours.load.memoryMB.toFixed(0),
    'peak RSS MB': oursBuild.peakRssMB.toFixed(0),
    'load s': output.ours.load.loadSeconds.toFixed(3),
    'disk MB': oursBuild.diskMB.toFixed(0),
  },
};
for (const p of PEER_NAMES) {
  const s = output.peers[p];
  buildRows[p] = { 'build s': s.buildSeconds.toFixed(1), 'memory MB (heap+ab)': s.memoryMB.toFixed(0), 'peak RSS MB': s.peakRssMB.toFixed(0), 'load s': '-', 'disk MB': '-' };
}
for (const p of optionalNames) {
  const s = (output.optionalPeers as Record<string, { buildSeconds: number; peakRssMB: number; diskMB: number; serverRssMB: number | null }>)[p];
  buildRows[p] = { 'build s': s.buildSeconds.toFixed(1), 'memory MB (heap+ab)': s.serverRssMB != null ? `searchd RSS ${s.serverRssMB.toFixed(0)}` : '-', 'peak RSS MB': p === 'sqlite' ? s.peakRssMB.toFixed(0) : '-', 'load s': '-', 'disk MB': s.diskMB.toFixed(0) };
}
console.log(`\nBuild and memory (fresh processes, median of ${runs}; ours = CLI end to end with jieba, peers = from tokens)`);
console.table(buildRows);
for (const p of optionalNames) await optional[p]!.peer.close?.();
await index.close();
if (!keep) rmSync(work, { recursive: true, force: true });

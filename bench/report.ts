/**
 * The Markdown report (bench/REPORT.md for a full run) rendered from the results JSON of one run
 * of bench/run.ts: the targets of the performance issue against what was measured, then each
 * benchmark's tables, then the method.
 *
 * Owns: the report's wording and layout. Must not: measure anything.
 */
import { CLASS_LABELS, CLASSES, type QueryClass } from './queries.js';
import { fixed, markdownTable, ms, type Latency } from './measure.js';

type Lat = Latency & { meanTotal: number; errors?: number };

export interface QueryLatencyResult {
  meta: { date: string; node: string; cpus: number; cpuModel?: string; memoryGB: number; mode: string; documents: number; corpusItems: number; textMB: number; perClass: number; budgetSeconds: number; runs: number; source: string; filter: unknown };
  ours: {
    build: { seconds: number; peakRssMB: number; diskMB: number; documents: number; docsPerSecond: number; mbPerSecond: number; jiebaOneThreadMBps: number };
    load: { loadSeconds: number; heapMB: number; arrayBuffersMB: number; memoryMB: number };
    inProcessLoadSeconds: number;
  };
  peers: Record<string, { buildSeconds: number; heapMB: number; arrayBuffersMB: number; memoryMB: number; peakRssMB: number; inProcessBuildSeconds: number }>;
  /** SQLite FTS5 and Sphinx (bench/peers.ts OPTIONAL_PEER_NAMES); absent from results of older runs. */
  optionalPeers?: Record<string, OptionalPeerBuild>;
  classes: Record<
    QueryClass,
    {
      queries: number;
      examples: string[];
      ours: Record<'plain' | 'facets' | 'filter', Lat>;
      peers: Record<'floor' | 'minisearch' | 'flexsearch', Lat>;
      ratios: Record<string, number>;
      overlap: Record<string, number>;
      optionalPeers?: Record<string, OptionalPeerClass>;
    }
  >;
}

interface OptionalPeerBuild {
  skipped?: boolean;
  engine?: string;
  buildSeconds?: number;
  diskMB?: number;
  serverRssMB?: number | null;
  peakRssMB?: number;
  inProcessBuildSeconds?: number;
}

type OptionalPeerClass = Lat & {
  totalsVsFloor: { differing: number; compared: number };
  oursOverP50: number;
  oursOverP99: number;
  overlapOurs: number;
  overlapFloor: number;
};

const OPTIONAL_LABELS: Record<string, string> = { sqlite: 'SQLite FTS5', sphinx: 'Sphinx bm25f', 'sphinx-bm25': 'Sphinx bm25' };

/** The section on SQLite FTS5 and Sphinx, when they ran (empty otherwise). */
function renderOptionalPeers(q: QueryLatencyResult): string[] {
  const c = q.classes;
  const names = Object.keys(OPTIONAL_LABELS).filter((p) => CLASSES.every((k) => c[k].optionalPeers?.[p]));
  const skipped = Object.keys(OPTIONAL_LABELS).filter((p) => !names.includes(p) && q.optionalPeers);
  if (!names.length) return q.optionalPeers ? ['## SQLite FTS5 and Sphinx', '', `Not measured in this run: ${skipped.map((p) => OPTIONAL_LABELS[p]).join(', ')} could not run on this machine (see the log).`, ''] : [];
  const label = (p: string) => OPTIONAL_LABELS[p];
  const out: string[] = ['## SQLite FTS5 and Sphinx (same terms, same run)', ''];
  out.push(
    'p50 / p99 in ms, top 10 and the exact total, no facets. Like the other peers they get the query\'s terms (no jieba at query time) and index the same cut-for-search tokens, but as two fields, title and content, ranked with field weights (title 2.5, content 1: see Method). Sphinx\'s times are the client\'s: mysql2 over SphinxQL on loopback, the SELECT and `SHOW META` (the total) in one round trip. "ours/X" below 1 means ours is faster.',
  );
  out.push('');
  const header = ['class', 'ours'];
  for (const p of names) header.push(label(p));
  for (const p of names) header.push(`ours/${label(p)} p50`, `ours/${label(p)} p99`);
  header.push(`totals ≠ floor's (${names.map(label).join(' / ')})`, `top-10 ∩ ours (${names.map(label).join(' / ')})`, `queries timed (${names.map(label).join(' / ')})`);
  out.push(
    markdownTable(
      header,
      CLASSES.map((k) => {
        const o = c[k].optionalPeers!;
        return [
          CLASS_LABELS[k],
          pair(c[k].ours.plain),
          ...names.map((p) => pair(o[p])),
          ...names.flatMap((p) => [fixed(o[p].oursOverP50, 2), fixed(o[p].oursOverP99, 2)]),
          names.map((p) => `${o[p].totalsVsFloor.differing}/${o[p].totalsVsFloor.compared}`).join(' / '),
          names.map((p) => fixed(o[p].overlapOurs, 2)).join(' / '),
          names.map((p) => o[p].n).join(' / '),
        ];
      }),
    ),
  );
  out.push('');
  const ahead = (p: string, which: 'oursOverP50' | 'oursOverP99') => CLASSES.filter((k) => c[k].optionalPeers![p][which] < 1).length;
  out.push(
    'Ours is faster on ' +
      names.map((p) => `${ahead(p, 'oursOverP50')} of ${CLASSES.length} classes at p50 and ${ahead(p, 'oursOverP99')} at p99 against ${label(p)}`).join('; ') +
      '. The peers\' totals are compared query by query with the floor\'s (same tokens, the same AND / OR of the same terms, so the match sets must be equal; the floor answers phrases as AND too); ours differs from the floor for the reasons given above (substring matches, positions). ' +
      'FTS5 and Sphinx score BM25F-like (one weighted term frequency over both fields, one length), the floor plain BM25 over one field and ours a sum of per-field BM25s, so their top 10s overlap only in part.' +
      (skipped.length ? ` Not measured: ${skipped.map(label).join(', ')} (could not run on this machine).` : ''),
  );
  out.push('');
  return out;
}

export interface HttpResult {
  meta: { documents: number; connections: number; durationSeconds: number; logSize: number; distinctQueries?: number; clients?: number };
  startSeconds: number;
  rssAfterStartMB: number;
  rssAfterMB: number;
  search: HttpRun;
  health: HttpRun;
  searchOverHealth: number;
}
interface HttpRun {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  peakRssMB: number;
}

export interface ScalingResult {
  meta: { sizes: number[]; perClass: number; svg: string };
  points: {
    size: number;
    corpus: string;
    documents: number;
    build: { seconds: number; peakRssMB: number; diskMB: number; reused: boolean; docsPerSecond: number };
    loadSeconds: number;
    memoryMB: number;
    latency: Record<string, { plain: Latency; facets: Latency }>;
    error?: string;
  }[];
}

export interface RunResults {
  mode: 'quick' | 'full';
  seconds: number;
  queryLatency: QueryLatencyResult;
  http: HttpResult | null;
  scaling: ScalingResult | null;
  svg: string | null;
  load?: { mean: number; max: number };
}

const yes = (ok: boolean) => (ok ? '**met**' : '**not met**');

/**
 * Why a target is missed and what would close it, by the start of the target's text. These are
 * the causes found by profiling (node --cpu-prof) the classes of this benchmark.
 */
const GAPS: ReadonlyArray<readonly [string, string]> = [
  [
    'plain ranked queries',
    'the floor reads one pre-decoded Uint32Array per term over one field and returns doc numbers. Ours, per query word and per field (title, content, tags: BM25 per field), decodes the varint postings of the word and of its character bigrams (the no-miss guarantee: a word also matches where jieba cut it differently, so a 2-character word costs two lists, a longer one several bigram lists and a position check of the documents that lack the word), scores with per-field statistics, then reads the 10 hits\' stored fields from disk and runs jieba\'s precise cut on the query string (the floor gets the terms). AND queries intersect document lists before scoring and ranked ORs are pruned (MaxScore), but exact totals and facets still need every posting decoded. What would close most of it: postings in blocks of 128 with skip data and per-block maximum scores (block-max WAND) so that intersections and pruned ORs skip whole blocks without decoding them, and a count of the union kept exact from block-level document counts; a precomputed union of word and bigram postings for 2-character words (one list instead of two); a stored summary record per document (title, date, source, regions) so hits do not read the content.',
  ],
  [
    'same queries: p99',
    'the p99 of every engine here includes pauses of the shared 2-core machine (see the load average above) and V8\'s garbage collection of the per-query decoded postings; the slowest queries are those with the most common words (the longest lists, decoded in full). Closing it needs the block skipping above (less decoding per query) and reusable decode buffers instead of new typed arrays per list.',
  ],
  [
    'same queries with all facets',
    'facets are counted over the whole match set from typed columns (no per-document objects), so their cost grows with the number of matches: a common word matches tens of thousands of documents and each of the 7 facets visits each of them. Closing it: count facets in the same pass that decodes the postings, or from per-block precomputed counts when a block is wholly matched.',
  ],
  [
    'indexing xwlb end to end',
    'jieba (cut-for-search with HMM) runs on two worker threads, but the rest of each document\'s work runs too: cleaning, date/region/library extraction, Traditional-to-Simplified conversion with its offset map, character unigram/bigram extraction with positions, sorting the occurrences into postings, writing and merging segments and the document store. That work is larger than jieba\'s own per character, so the CPU time per MB is several times nodejieba\'s. Closing it needs the per-character analysis (normalization, offset map, grams) done in one pass over code points in a typed array, and merges that copy postings without re-encoding.',
  ],
  [
    '1M documents',
    'see the scaling section: the build of 1M documents is segmented with a bounded memory budget, the query latency grows with the length of the postings lists (linear in the corpus size for common words), which block skipping would cut.',
  ],
  [
    'HTTP search',
    'the health route costs almost nothing, so its ceiling is Express\'s own overhead; every search request pays the in-process query cost above plus snippets (the content of each hit is read and matched) and all facets, on the two cores shared with autocannon itself. The ratio follows the in-process latency: whatever closes the gaps above closes this one.',
  ],
];
const x = (r: number) => (Number.isFinite(r) ? `${r.toFixed(r < 10 ? 1 : 0)}x` : '-');
const pair = (l: Latency) => `${ms(l.p50)} / ${ms(l.p99)}`;
const PLAIN_RANKED: QueryClass[] = ['word1', 'and2', 'and3', 'or2', 'or3', 'or5'];

export function renderReport(r: RunResults): string {
  const q = r.queryLatency;
  const c = q.classes;
  const out: string[] = [];
  const m = q.meta;
  out.push(`# zhsearch benchmark report`);
  out.push('');
  out.push(
    `Generated by \`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\` (${r.mode} mode) on ${m.date.slice(0, 16).replace('T', ' ')} UTC in ${(r.seconds / 60).toFixed(0)} min: ` +
      `${m.cpus} × ${m.cpuModel ?? 'CPU'}, ${m.memoryGB.toFixed(0)} GB RAM, Node ${m.node}; engine source \`${m.source}\` (sha1 of src/**/*.ts). ` +
      `Everything below comes from this one run, side by side: these machines are noisy, so read ratios and medians, not single numbers. ` +
      `Latencies are in milliseconds, top 10, highlighting off.` +
      (r.load ? ` The 1-minute load average during the run was ${r.load.mean.toFixed(1)} on average, ${r.load.max.toFixed(1)} at most, on ${m.cpus} cores${r.load.mean > m.cpus ? ': other processes competed for the CPU, so tails (p99) are inflated for every engine' : ''}.` : ''),
  );
  out.push('');

  // --- targets.
  out.push('## Targets of issue 5 against this run');
  out.push('');
  const rows: string[][] = [];
  const plainRatios = PLAIN_RANKED.map((k) => c[k].ratios.oursOverFloorP50);
  const worstPlain = Math.max(...plainRatios);
  const plainP99 = Math.max(...PLAIN_RANKED.map((k) => c[k].ours.plain.p99));
  const facetP99 = Math.max(...PLAIN_RANKED.map((k) => c[k].ours.facets.p99));
  rows.push([
    'plain ranked queries (1-3 words AND, 2-5 words OR, no facets): p50 within 2x of the floor',
    PLAIN_RANKED.map((k) => `${CLASS_LABELS[k]} ${x(c[k].ratios.oursOverFloorP50)}`).join(', '),
    yes(worstPlain <= 2),
  ]);
  rows.push(['same queries: p99 under 2 ms', `worst class p99 ${ms(plainP99)} ms`, yes(plainP99 < 2)]);
  rows.push(['same queries with all facets counted: p99 under 10 ms', `worst class p99 ${ms(facetP99)} ms`, yes(facetP99 < 10)]);
  const flex = q.peers.flexsearch;
  rows.push([
    'index memory (heap + array buffers) at most FlexSearch\'s',
    `ours ${fixed(q.ours.load.memoryMB, 0)} MB, FlexSearch ${fixed(flex.memoryMB, 0)} MB`,
    yes(q.ours.load.memoryMB <= flex.memoryMB),
  ]);
  rows.push(['load time of the built index under 0.5 s', `${fixed(q.ours.load.loadSeconds, 2)} s (${m.documents} documents)`, yes(q.ours.load.loadSeconds < 0.5)]);
  {
    const b = q.ours.build;
    const share = b.mbPerSecond / (2 * b.jiebaOneThreadMBps);
    rows.push([
      'indexing xwlb end to end at least 80% of nodejieba on both cores',
      `${fixed(b.mbPerSecond, 2)} MB/s vs nodejieba ${fixed(b.jiebaOneThreadMBps, 2)} MB/s on one core (${fixed(2 * b.jiebaOneThreadMBps, 2)} on two): ${(share * 100).toFixed(0)}%`,
      yes(share >= 0.8),
    ]);
  }
  const big = r.scaling?.points.find((p) => p.size >= 1_000_000);
  if (big) {
    const p99 = big.latency.all?.plain?.p99 ?? NaN;
    rows.push(['1M documents: built, peak RSS under 8 GB', big.error ? `failed: ${big.error}` : `${fixed(big.build.peakRssMB / 1024, 2)} GB, ${fixed(big.build.seconds / 60, 1)} min`, yes(!big.error && big.build.peakRssMB < 8192)]);
    rows.push(['1M documents: 1-3 word queries p99 under 50 ms', `${ms(p99)} ms`, yes(p99 < 50)]);
  } else rows.push(['1M documents', 'not measured in this run', '-']);
  if (r.http) {
    const h = r.http;
    rows.push([
      'HTTP search at least 50% of /api/health req/s, p99 under 50 ms, zero errors',
      `${fixed(h.search.requestsPerSecond, 0)} vs ${fixed(h.health.requestsPerSecond, 0)} req/s (${(h.searchOverHealth * 100).toFixed(0)}%), p99 ${h.search.latencyP99} ms, ${h.search.errors} errors, ${h.search.non2xx} non-2xx`,
      yes(h.searchOverHealth >= 0.5 && h.search.latencyP99 < 50 && h.search.errors === 0 && h.search.non2xx === 0),
    ]);
  }
  out.push(markdownTable(['target', 'measured', ''], rows));
  out.push('');
  const unmet = rows.filter((row) => row[2] === yes(false)).map((row) => row[0]);
  if (unmet.length) {
    out.push('### Targets not met: cause and what would close the gap');
    out.push('');
    for (const target of unmet) {
      const why = GAPS.find(([prefix]) => target.startsWith(prefix));
      if (why) out.push(`- **${target}**: ${why[1]}`);
    }
    out.push('');
  }

  // --- where we are slow.
  out.push('## Where our engine is slow relative to the floor');
  out.push('');
  out.push('Classes ordered by how far our p50 (no facets) is from the floor\'s, on the same documents and the same terms. The floor does the minimum for a top 10 (no positions, no substring matching, no facets, no stored fields); the gap is what our engine spends beyond it.');
  out.push('');
  const ordered = [...CLASSES].sort((a, b) => c[b].ratios.oursOverFloorP50 - c[a].ratios.oursOverFloorP50);
  out.push(
    markdownTable(
      ['class', 'ours p50', 'floor p50', 'ours/floor p50', 'ours p99', 'floor p99', 'ours/floor p99', 'facets p99', 'filter p99', 'ours total / floor total'],
      ordered.map((k) => [
        CLASS_LABELS[k],
        ms(c[k].ours.plain.p50),
        ms(c[k].peers.floor.p50),
        x(c[k].ratios.oursOverFloorP50),
        ms(c[k].ours.plain.p99),
        ms(c[k].peers.floor.p99),
        x(c[k].ratios.oursOverFloorP99),
        ms(c[k].ours.facets.p99),
        ms(c[k].ours.filter.p99),
        `${fixed(c[k].ours.plain.meanTotal, 0)} / ${fixed(c[k].peers.floor.meanTotal, 0)}`,
      ]),
    ),
  );
  out.push('');
  out.push(
    '"ours total / floor total" is the mean number of matches: ours is larger where substring matching finds documents in which jieba did not produce the query word (single characters above all), and phrases are matched by position by ours but as plain AND by the floor.',
  );
  out.push('');

  // --- full latency table.
  out.push(`## Query latency per class (${m.documents.toLocaleString('en')} xwlb documents, ${m.perClass} queries per class)`);
  out.push('');
  out.push('p50 / p99 in ms. Ours in three variants: no facets, all 7 facets (province, city, county, year, month, source, library), and a region + date filter ' + `\`${JSON.stringify(m.filter)}\`` + '. Peers answer the same terms without facets or filters.');
  out.push('');
  out.push(
    markdownTable(
      ['class', 'ours', 'ours p95', 'ours, all facets', 'ours, filter', 'floor', 'MiniSearch', 'FlexSearch', 'ours/floor p50', 'ours/MiniSearch p50', 'ours/FlexSearch p50', 'queries timed (ours / MiniSearch)'],
      CLASSES.map((k) => [
        CLASS_LABELS[k],
        pair(c[k].ours.plain),
        ms(c[k].ours.plain.p95),
        pair(c[k].ours.facets),
        pair(c[k].ours.filter),
        pair(c[k].peers.floor),
        pair(c[k].peers.minisearch),
        pair(c[k].peers.flexsearch),
        x(c[k].ratios.oursOverFloorP50),
        fixed(c[k].ratios.oursOverMiniSearchP50, 2),
        fixed(c[k].ratios.oursOverFlexSearchP50, 1),
        `${c[k].ours.plain.n} / ${c[k].peers.minisearch.n}`,
      ]),
    ),
  );
  out.push('');
  out.push('Examples of each class: ' + CLASSES.map((k) => `${CLASS_LABELS[k]}: ${c[k].examples.slice(0, 2).map((e) => `\`${e.length > 40 ? e.slice(0, 40) + '…' : e}\``).join(', ')}`).join('; ') + '.');
  out.push('');
  const errors = CLASSES.flatMap((k) => (['plain', 'facets', 'filter'] as const).map((v) => c[k].ours[v].errors ?? 0)).reduce((a, b) => a + b, 0);
  if (errors) out.push(`**${errors} of our searches threw** (counted, left out of the latencies).\n`);

  // --- overlap.
  out.push('## Top-10 overlap');
  out.push('');
  out.push('Mean over the queries of |A ∩ B| / max(|A|, |B|), no facets.');
  out.push('');
  out.push(
    markdownTable(
      ['class', 'ours vs per-field reference', 'ours (title 1, content 1, tags 0) vs same reference', 'ours vs floor', 'ours (1, 1, 0) vs floor', 'ours vs MiniSearch', 'floor vs MiniSearch'],
      CLASSES.map((k) => {
        const o = c[k].overlap;
        return [CLASS_LABELS[k], fixed(o.oursVsReference, 2), fixed(o.oursFlatVsReferenceFlat, 2), fixed(o.oursVsFloor, 2), fixed(o.oursFlatVsFloor, 2), fixed(o.oursVsMiniSearch, 2), fixed(o.floorVsMiniSearch, 2)];
      }),
    ),
  );
  out.push('');
  out.push(
    [
      'Why these are or are not near 1:',
      '- **The per-field reference** (bench/floor.ts `FieldedReference`) scores exactly as our engine defines BM25: per field (title, content, tags, each with its own N and average length), boosts 2.5 / 1 / 1.5, Lucene idf, k1 1.2, b 0.75, summed; computed exhaustively on the same cut-for-search tokens. Where ours agrees with it (rare words, 1 word, OR classes) ranking is right; what remains comes from (a) substring matches: ours also matches documents that contain the query word only inside another jieba word, at half weight, so they can enter the top 10 of AND queries and take places, and they change totals; (b) small length differences: ours counts Latin/number tokens and their parts its own way, so field lengths differ by a few tokens and near-ties reorder; (c) single characters and phrases have different semantics (below).',
      '- **The floor** scores title + content as ONE field (one length, one idf). Ours scores per field with boosts, so a title match weighs 2.5x and idf/length are per field: the top 10 legitimately differ, even with boosts title 1 / content 1 / tags 0 (a sum of two per-field BM25s is not the BM25 of the concatenation). That is why "ours vs floor" is well below 1 while "ours vs per-field reference" is near 1 on the word classes.',
      '- **MiniSearch** uses BM25+ (k 1.2, b 0.7, d 0.5) over the one field and its own idf, so its top 10 differs from the floor\'s too ("floor vs MiniSearch").',
      '- **Single character**: ours matches the character inside any word (character unigrams, the no-miss guarantee); the peers only where jieba emitted it as a token. **Quoted phrase**: ours requires the words to be consecutive; the peers have no positions and answer the AND of the words. Both are shown for completeness, not as a ranking check.',
      '- Rare-word queries have few matches, so every engine returns the same handful of documents.',
    ].join('\n'),
  );
  out.push('');

  out.push(...renderOptionalPeers(q));

  // --- build and memory.
  out.push('## Build and memory');
  out.push('');
  out.push(
    `Each engine built (peers) or loaded (ours) in a fresh process, median of ${m.runs}. Memory = heap + array buffers the engine holds after a full GC, input released (ours: beyond an open empty index, so jieba's dictionaries are not counted; the stored article text stays on disk). ` +
      'Ours is built by the CLI end to end, jieba included (segmentation is most of it) with worker threads on both cores; the peers are built from the cached tokens, so jieba is excluded from their times. The in-process build times (same tokens, in the query process) are shown too.',
  );
  out.push('');
  out.push(
    markdownTable(
      ['engine', 'build s', 'docs/s', 'memory MB (heap + ab)', 'heap MB', 'array buffers MB', 'peak RSS MB', 'load s', 'disk MB', 'build s, in the query process'],
      [
        [
          'ours (CLI, jieba included)',
          fixed(q.ours.build.seconds, 1),
          fixed(q.ours.build.docsPerSecond, 0),
          fixed(q.ours.load.memoryMB, 0),
          fixed(q.ours.load.heapMB, 0),
          fixed(q.ours.load.arrayBuffersMB, 0),
          fixed(q.ours.build.peakRssMB, 0),
          `${fixed(q.ours.load.loadSeconds, 3)} (first open in the query process, jieba's dictionaries loading included: ${fixed(q.ours.inProcessLoadSeconds, 2)})`,
          fixed(q.ours.build.diskMB, 0),
          '-',
        ],
        ...(['floor', 'minisearch', 'flexsearch'] as const).map((p) => {
          const s = q.peers[p];
          return [p === 'floor' ? 'floor (from tokens)' : p === 'minisearch' ? 'MiniSearch 7.2 (from tokens)' : 'FlexSearch 0.8 (from tokens)', fixed(s.buildSeconds, 1), fixed(m.documents / s.buildSeconds, 0), fixed(s.memoryMB, 0), fixed(s.heapMB, 0), fixed(s.arrayBuffersMB, 0), fixed(s.peakRssMB, 0), '-', '-', fixed(s.inProcessBuildSeconds, 1)];
        }),
        // SQLite FTS5 and Sphinx (one index for both Sphinx rankers): their index is a file / searchd's, not in this heap.
        ...(['sqlite', 'sphinx'] as const).flatMap((p) => {
          const s = q.optionalPeers?.[p];
          if (!s || s.skipped) return [];
          const name = p === 'sqlite' ? `${s.engine} (from tokens, contentless table on disk)` : `${s.engine} (from tokens: TSV + indexer)`;
          const memory = s.serverRssMB != null ? `searchd RSS ${fixed(s.serverRssMB, 0)}` : '- (SQLite\'s pages: file + page cache)';
          return [[name, fixed(s.buildSeconds ?? NaN, 1), fixed(m.documents / (s.buildSeconds ?? NaN), 0), memory, '-', '-', p === 'sqlite' ? fixed(s.peakRssMB ?? NaN, 0) : '-', '-', fixed(s.diskMB ?? NaN, 0), fixed(s.inProcessBuildSeconds ?? NaN, 1)]];
        }),
      ],
    ),
  );
  out.push('');

  {
    const b = q.ours.build;
    const jiebaSeconds = m.textMB / b.jiebaOneThreadMBps;
    out.push('## Indexing');
    out.push('');
    out.push(
      `\`zhsearch index\` (CLI, end to end: reading, cleaning, region/library/date extraction, jieba on worker threads, segments, merge, commit), median of ${m.runs}: ` +
        `${fixed(b.seconds, 1)} s for ${b.documents.toLocaleString('en')} documents, ${fixed(b.docsPerSecond, 0)} docs/s, ${fixed(b.mbPerSecond, 2)} MB/s of title + content, peak RSS ${fixed(b.peakRssMB, 0)} MB, ${fixed(b.diskMB, 0)} MB on disk. ` +
        `nodejieba's cut-for-search alone on the same text, one thread, in the same run: ${fixed(b.jiebaOneThreadMBps, 2)} MB/s (${fixed(jiebaSeconds, 1)} s; ${fixed(jiebaSeconds / 2, 1)} s if both cores were kept busy), so at most ${fixed((100 * jiebaSeconds) / 2 / b.seconds, 0)}% of the indexing wall time can be segmentation. ` +
        '(bench/indexing.ts, run separately, splits the rest between ingestion and the engine core.)',
    );
    out.push('');
  }

  if (r.http) {
    const h = r.http;
    out.push('## HTTP (bench/http.ts)');
    out.push('');
    out.push(
      `\`zhsearch serve\` over the same ${h.meta.documents.toLocaleString('en')} xwlb documents, autocannon with ${h.meta.connections} connections for ${h.meta.durationSeconds} s each, in the same process as the benchmark (it shares the 2 cores with the server). ` +
        `The search log: ${h.meta.logSize} ${h.meta.distinctQueries ? `distinct requests (${h.meta.distinctQueries} distinct query texts; none sent twice, so no cache decides the figure; ${h.meta.clients ?? 1} clients)` : 'real queries'} of the classes above with their op, a quarter with a province, a quarter with a year range, a tenth sorted by date, a tenth on page 2, facets as the API defaults (all), snippets and highlighting as the API returns them. Server RSS after start ${fixed(h.rssAfterStartMB, 0)} MB, after the run ${fixed(h.rssAfterMB, 0)} MB.`,
    );
    out.push('');
    out.push(
      markdownTable(
        ['route', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors', 'timeouts', 'server peak RSS MB'],
        [
          ['/api/search (mixed log)', fixed(h.search.requestsPerSecond, 0), h.search.latencyP50, h.search.latencyP99, h.search.requests, h.search.non2xx, h.search.errors, h.search.timeouts, fixed(h.search.peakRssMB, 0)].map(String),
          ['/api/health (ceiling)', fixed(h.health.requestsPerSecond, 0), h.health.latencyP50, h.health.latencyP99, h.health.requests, h.health.non2xx, h.health.errors, h.health.timeouts, fixed(h.health.peakRssMB, 0)].map(String),
        ],
      ),
    );
    out.push('');
    out.push(`Search throughput is ${(h.searchOverHealth * 100).toFixed(0)}% of the health route's.`);
    out.push('');
  }

  if (r.scaling) {
    const s = r.scaling;
    out.push('## Scaling (bench/scaling.ts)');
    out.push('');
    out.push(
      `Ours only (the peers are measured at xwlb's size only). Each corpus built by the CLI end to end; load, memory and queries in a fresh process; ${s.meta.perClass} queries per class of 1, 2 and 3 words (AND), drawn from the smallest corpus so they match at every size, without and with all facets.`,
    );
    out.push('');
    if (r.svg) out.push(`![latency and memory against corpus size](${r.svg})\n`);
    out.push(
      markdownTable(
        ['corpus', 'documents', 'build s', 'docs/s', 'peak RSS MB', 'disk MB', 'load s', 'memory MB (heap + ab)', '1-3 words p50 / p99', 'with all facets p50 / p99', '1 word p99', '2 words p99', '3 words p99'],
        s.points.map((p) =>
          p.error
            ? [p.corpus, '-', fixed(p.build.seconds, 0), '-', fixed(p.build.peakRssMB, 0), '-', '-', '-', `failed: ${p.error}`, '-', '-', '-', '-']
            : [
                p.corpus,
                p.documents.toLocaleString('en'),
                `${fixed(p.build.seconds, 0)}${p.build.reused ? ' (median above)' : ''}`,
                fixed(p.build.docsPerSecond, 0),
                fixed(p.build.peakRssMB, 0),
                fixed(p.build.diskMB, 0),
                fixed(p.loadSeconds, 2),
                fixed(p.memoryMB, 0),
                pair(p.latency.all.plain),
                pair(p.latency.all.facets),
                ms(p.latency.word1?.plain.p99 ?? NaN),
                ms(p.latency.and2?.plain.p99 ?? NaN),
                ms(p.latency.and3?.plain.p99 ?? NaN),
              ],
        ),
      ),
    );
    out.push('');
  }

  // --- method.
  out.push('## Method');
  out.push('');
  out.push(
    [
      `- **Corpus**: \`../shared/corpora/xwlb.jsonl.gz\` (${m.corpusItems.toLocaleString('en')} CCTV Xinwen Lianbo items${m.corpusItems < 75806 ? ', the first ones' : ''}, ${fixed(m.textMB, 0)} MB of title + content; third-party, read from ../shared, never copied). Our CLI indexes it with \`--no-dedupe\`; every engine then indexes the text our ingestion stored (it strips the "央视网消息（新闻联播）：" lead and editor credits), so all hold the same ${m.documents.toLocaleString('en')} documents.`,
      '- **Derived corpora** (bench/corpora.ts, written once to bench/data/, git-ignored): one mulberry32 stream (seed 0x5EED2024); document i picks an xwlb item with a body as template, keeps its title, date, source and tags, starts its body with the template\'s first paragraph and adds, until the template\'s body length is reached, either a real paragraph drawn from all 399k xwlb paragraphs or a new paragraph of 2-5 real sentences drawn from all xwlb sentences (1/2 each); id `xd<i>`. 300k is the prefix of 1M. Bodies average about 565 characters (xwlb: 490; the last paragraph may overshoot).',
      '- **Tokens**: nodejieba (the same build and user dictionary our engine loads) `cutForSearch(text, true)` of title and of content after NFKC and lower-casing, keeping tokens with a letter or digit; cached in bench/data so the peers\' builds never run jieba. Query terms: the precise cut of each Han run (what our engine derives from the query string).',
      '- **Query classes** (bench/queries.ts): drawn with a seeded PRNG from random documents\' titles and first paragraphs; a word is a Han word of 2+ characters that jieba keeps whole on its own. 1 word; 2 and 3 words AND; 2, 3 and 5 words OR; a pasted sentence run of 60-150 characters as OR (query syntax characters removed); a quoted run of 2-3 consecutive title words; one Han character of a title; rare = the two rarest words of a document (2 <= df <= max(5, N/2000)), AND; very common = two words of a document with df >= 5% of N, AND.',
      `- **Timing**: per class and engine one block: a warm-up pass over the class\'s first 50 queries, then each query once with \`performance.now()\` around the call, for at most ${m.budgetSeconds} s per block (MiniSearch runs fewer paragraph queries); p50 / p95 / p99 by nearest rank.`+' Ours gets the raw query string through the public API (`search(q, { op, size: 10, highlight: false, facets?, filters? })`), so its times include parsing and jieba\'s precise cut of the query; the peers get the terms.',
      '- **Peers**: MiniSearch 7.2 (its BM25+ defaults, no prefix/fuzzy; it returns every match sorted, we keep 10); FlexSearch 0.8 `Index` (tokenize "strict", our tokens via `encode`, no cache; ranks by term position, not BM25; OR = `suggest: true`; no totals); the floor (bench/floor.ts). All three index title + content as one field.',
      '- **SQLite FTS5** (bench/peer-sqlite.ts; better-sqlite3, SQLite compiled from source with FTS5): one contentless table `fts5(title, content, content=\'\', tokenize = "unicode61 remove_diacritics 0 tokenchars \'.\'")` in a file in a temporary directory (mmap 1 GiB), the tokens space-joined per field (unicode61 keeps a run of Han characters as one token, so each jieba word is one FTS5 token; \'.\' keeps decimals whole), built in one transaction then `optimize`d; rank = `bm25(docs, 2.5, 1.0)` (our title / content boosts) as the table\'s persistent rank, `SELECT rowid ... WHERE docs MATCH ? ORDER BY rank LIMIT 10` plus `SELECT count(*) ... MATCH ?`, both prepared once; AND = the quoted terms side by side, OR = joined by `OR`. FTS5\'s bm25 weights each column\'s term frequency but uses one document length and idf = ln((N - n + 0.5) / (n + 0.5)) (floored at 1e-6 for words in more than half the documents).',
      '- **Sphinx 2.2.11** (bench/peer-sphinx.ts; Debian\'s `sphinxsearch`): a plain index built by `indexer` from a tsvpipe source (id = line + 1, title, content), `charset_table` = digits, Latin, \'.\', accented Latin, Greek, Cyrillic, 〇 and the CJK ideograph blocks (space-separated words stay whole; no ngram, morphology or stopwords), `index_field_lengths = 1`; `searchd --nodetach` on a loopback port, queried with mysql2 `query()`: `SELECT id FROM idx WHERE MATCH(\'a b\') LIMIT 10 OPTION ...; SHOW META` (AND; OR is `\'a | b\'`; the total is SHOW META\'s total_found) in one round trip. Two rankers on the same index: bm25f = `ranker=expr(\'bm25f(12, 0.75, {title=25, content=10})*10000\')` (integer field weights 25 / 10 with k1 12 are exactly weights 2.5 / 1 with k1 1.2), and Sphinx\'s fast built-in `ranker=bm25, field_weights=(title=25, content=10)` (= sum of the matched fields\' weights * 1000 + a BM25 without length normalization); both with `idf=\'plain,tfidf_unnormalized\'` (ln(N / n), never negative). Latency includes the client and the loopback round trip. Either peer is skipped, with a log line, where better-sqlite3 or sphinxsearch is not installed.',
      '- **Memory**: `process.memoryUsage()` heap used + array buffers after `gc()`, in a fresh process per engine, minus the same process before loading; peak RSS from /proc/<pid>/status (VmHWM, sampled every 50 ms), worker threads included.',
      '- Not measured: the peers at 300k / 1M (ours only); FlexSearch totals (it does not count matches).',
    ].join('\n'),
  );
  out.push('');
  return out.join('\n');
}

/** What bench/understanding.ts and bench/ab-latency.ts wrote (bench/results/*.json), as far as the report reads it. */
export interface UnderstandingResults {
  understanding: { meta: { generated: string; gitHead: string; loadAverage: number[]; documents: number }; table: string; warm: { figures: Array<{ what: string; ms: number; heapDeltaMB: number; externalDeltaMB: number; returned?: { words: number; keys: number } }> } } | null;
  ab: { date: string; repeat?: number; classes: Record<string, { queries: number; before: { p50: number; p95: number }; after: { p50: number; p95: number }; p50Ratio: number; p95Ratio: number }> } | null;
}

/** The query understanding section (issue 12): the sets, the cost of the pinyin/sound data, latency before and after. */
export function renderUnderstanding({ understanding: u, ab }: UnderstandingResults): string {
  const out: string[] = ['## Query understanding (bench/understanding.ts, bench/ab-latency.ts)', ''];
  if (u) {
    const warm = u.warm.figures[0];
    out.push(
      `Run ${u.meta.generated.slice(0, 16).replace('T', ' ')} UTC on ${u.meta.documents.toLocaleString('en')} xwlb documents (commit ${u.meta.gitHead}; 1-minute load ${u.meta.loadAverage.map((x) => x.toFixed(1)).join(' / ')} on 2 cores). Sets generated from the corpus (test/search/understanding-sets.ts); pass = at least half of the top 10 contain the intended word; "literal" = the same queries with \`literal: true\`.`,
      '',
      u.table,
      '',
    );
    if (warm?.returned) {
      out.push(
        `Pinyin and sound data (\`SearchIndex.warm()\`, built once per segment): ${warm.returned.words.toLocaleString('en')} words (2-12 characters: jieba's words of every field, library and place names), ${warm.returned.keys.toLocaleString('en')} keys (pinyin, initials, sound keys of every reading); built in ${(warm.ms / 1000).toFixed(1)} s, +${warm.heapDeltaMB.toFixed(0)} MB heap and +${warm.externalDeltaMB.toFixed(0)} MB outside it.`,
        '',
      );
    }
  }
  if (ab) {
    out.push(
      `Plain Chinese queries, the previous engine (before query understanding) and this one side by side in one process on the same index (${ab.date.slice(0, 16).replace('T', ' ')} UTC; top 10 with snippets; 'after' warmed first; ${ab.repeat ? `a query's time is the median of its ${ab.repeat} runs, the builds alternating` : 'one run per query'}):`,
      '',
    );
    out.push(
      markdownTable(
        ['class', 'queries', 'before p50', 'after p50', 'ratio', 'before p95', 'after p95', 'ratio'],
        Object.entries(ab.classes).map(([cls, c]) => [cls, c.queries, ms(c.before.p50), ms(c.after.p50), fixed(c.p50Ratio, 2), ms(c.before.p95), ms(c.after.p95), fixed(c.p95Ratio, 2)]),
      ),
      '',
    );
  }
  return out.join('\n');
}

/** What bench/before-after.ts wrote (bench/results/before-after.json), as far as the report reads it. */
export interface BeforeAfterResult {
  meta: {
    date: string;
    mode: string;
    before: { revision: string; commit: string };
    after: { commit: string };
    documents: number;
    textMB: number;
    perClass: number;
    rounds: number;
    builds: number;
    paired?: boolean;
    load: { mean: number; max: number };
  };
  figures: { figure: string; before: number; after: number; unit: string; ratio: number; target: string; met: boolean | null }[];
  classes: Record<string, { before: Record<'plain' | 'facets', Latency>; after: Record<'plain' | 'facets', Latency>; floor: Latency; differingAnswers: number; comparedAnswers: number }>;
  answers: { compared: number; differing: number };
  equivalence?: { ok: boolean; terms: number; postings: number; positions: number; mismatchedTerms: number; examples: { field: string; kind: string; term: string; what: string }[] } | { error: string } | null;
  build: { jiebaOneThreadMBps: number; before: { seconds: number; peakRssMB: number }; after: { seconds: number; peakRssMB: number } };
  server: { warmUpSearches: number };
  http: { method: string; connections: number; distinctQueries: number; before: { latencyP99: number; errors: number; non2xx: number }; after: { latencyP99: number; errors: number; non2xx: number } } | null;
  scale: { documents: number; queries: number } | null;
  failures?: string[];
}

/** The before/after section of issue 15: every target figure for the previous commit and this one, same run. */
export function renderBeforeAfter(r: BeforeAfterResult): string {
  const m = r.meta;
  const num = (v: number, unit: string) => (unit === 'ms' || unit === 's' ? ms(v) : unit === 'x' ? fixed(v, 1) : fixed(v, 0));
  const out: string[] = ['## Before/after (issue 15)', ''];
  out.push(
    `Measured by bench/before-after.ts on ${m.date.slice(0, 16).replace('T', ' ')} UTC (${m.mode} mode): before = \`${m.before.commit.slice(0, 12)}\` (${m.before.revision === m.before.commit ? 'bench/baseline.json: the last commit before the issue' : m.before.revision}), checked out into a temporary directory and compiled there; after = \`${m.after.commit.slice(0, 12)}\`. Both sides in the same run on ${m.documents.toLocaleString('en')} xwlb documents, each built by its own CLI (${m.builds} build${m.builds > 1 ? 's' : ''} each, alternating), then opened and served in fresh processes that alternate (${m.rounds} rounds, before/after then after/before; medians) and queried ${m.paired === false ? 'in one fresh process per side, alternating' : 'in one fresh process per round holding both, each query on both in turn (order alternating query by query)'}. The floor is timed in the same run on the same terms. 1-minute load average ${fixed(m.load.mean, 1)} on average, ${fixed(m.load.max, 1)} at most, on 2 cores. Ratio = after / before.`,
    '',
  );
  out.push(
    markdownTable(
      ['figure', 'before', 'after', 'ratio', 'target', 'met?'],
      r.figures.map((f) => [f.figure, `${num(f.before, f.unit)} ${f.unit}`, `${num(f.after, f.unit)} ${f.unit}`, fixed(f.ratio, 2), f.target, f.met === null ? '-' : f.met ? '**met**' : '**not met**']),
    ),
    '',
  );
  out.push(`Per class (ms; ${m.perClass} queries per class, top 10, highlighting off; "facets" = all 7 facets):`, '');
  out.push(
    markdownTable(
      ['class', 'p50 before', 'p50 after', 'p99 before', 'p99 after', 'facets p99 before', 'facets p99 after', 'floor p50 / p99', 'answers differing'],
      Object.entries(r.classes).map(([cls, c]) => [
        CLASS_LABELS[cls as QueryClass] ?? cls,
        ms(c.before.plain.p50),
        ms(c.after.plain.p50),
        ms(c.before.plain.p99),
        ms(c.after.plain.p99),
        ms(c.before.facets.p99),
        ms(c.after.facets.p99),
        `${ms(c.floor.p50)} / ${ms(c.floor.p99)}`,
        `${c.differingAnswers} / ${c.comparedAnswers}`,
      ]),
    ),
    '',
  );
  out.push(
    `"answers differing": plain queries whose total or top-10 ids differ between before and after (${r.answers.differing} of ${r.answers.compared}). Indexing share = MB/s of title + content end to end over twice nodejieba's one-thread cut-for-search (${fixed(r.build.jiebaOneThreadMBps, 2)} MB/s, same run). Time to open: \`SearchIndex.open\` alone in a fresh process whose jieba dictionaries are already loaded (an empty index opened and searched once first: jieba loads on the first analysis, whatever the index). Server RSS: VmRSS of \`zhsearch serve\` after ${r.server.warmUpSearches} searches with the API's defaults (all facets, snippets). ${r.http ? `HTTP: ${r.http.method}; ${r.http.distinctQueries} distinct queries (a quarter with a province, a quarter with a year range, a tenth by date, a tenth on page 2; all facets and snippets as the API defaults), ${r.http.connections} connections; p99 ${ms(r.http.before.latencyP99)} ms before, ${ms(r.http.after.latencyP99)} ms after; errors + non-2xx ${r.http.before.errors + r.http.before.non2xx} before, ${r.http.after.errors + r.http.after.non2xx} after.` : ''}${r.scale ? ` ${r.scale.documents.toLocaleString('en')} documents: the derived corpus (bench/corpora.ts), ${r.scale.queries} queries of 1-3 words AND drawn from xwlb.` : ' The 1M-document rows need `--scale 1000000` (about 20 min per build).'}`,
    '',
  );
  if (r.failures?.length) out.push(`Stages that failed in this run (their rows are missing): ${r.failures.join('; ')}.`, '');
  const e = r.equivalence;
  if (e) {
    out.push(
      'error' in e
        ? `Postings equivalence (bench/postings-equivalence.ts) of the two xwlb indexes: could not run (${e.error}).`
        : `Postings equivalence (bench/postings-equivalence.ts, acceptance 2): the two indexes, compared term by term over every field and kind, documents by external id: ${e.terms.toLocaleString('en')} terms, ${e.postings.toLocaleString('en')} postings (document, frequency) and ${e.positions.toLocaleString('en')} positions compared; ${e.ok ? '**every posting list decodes to the same documents, frequencies and positions**' : `**${e.mismatchedTerms} terms differ**, e.g. ${e.examples.slice(0, 3).map((x) => `${x.field}.${x.kind} \`${x.term}\`: ${x.what}`).join('; ')}`}.`,
      '',
    );
  }
  return out.join('\n');
}

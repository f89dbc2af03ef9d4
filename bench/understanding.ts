/**
 * Query understanding on all of xwlb: pinyin (`tushuguan`), initials (`tsg`), mixed input
 * (`tu书馆`), same-sound typos (`图书管`) and Latin words (`APEC`, which must stay literal), with
 * the sets of test/search/understanding-sets.ts made from the documents as stored in
 * bench/.work/xwlb-index (xwlb as `zhsearch index` keeps it: duplicates dropped, leads stripped).
 *
 * Per set: queries, pass rate (as the acceptance test: at least half of the top min(10, total)
 * hits contain the intended word in their normalized title or content), MRR@10 (1 / rank of the
 * first hit containing the intended word, 0 beyond 10), found@10 (some top-10 hit contains it),
 * and latency p50/p95 of `search(q, { size: 10, highlight: false })` against the same query with
 * `literal: true` (the cost of understanding; its pass rate shows what literal search gives).
 * Latin (a sample of 500 words; --sizes to change): "pass" = the literal matches kept: no
 * pinyin/initials reading or correction, and the default total equals the literal one, or a
 * synonym widened it and every literal match is among the results.
 * Latency: every query is run once in both modes untimed, then once more in both modes timed
 * with performance.now() (the order of the two modes alternates from query to query).
 *
 * The data of understanding (pinyin, correction): if SearchIndex has a warm-up method
 * (`warm`, `warmUp`, `prepare`), its time and the heap delta across it (after a full GC) are
 * reported; otherwise the first pinyin query and the first typo query after a literal search are
 * timed against a second one, and the heap delta across them measured, as a proxy.
 *
 * Usage: node --max-old-space-size=8000 --import tsx bench/understanding.ts [options]
 *   --index-dir DIR   default bench/.work/xwlb-index (built with `zhsearch index` if missing)
 *   --seed N          seed of the sets (default 2024)
 *   --sizes JSON      queries per set, e.g. '{"pinyin":300}' (default pinyin 150, initials 80,
 *                     mixed 50, typo 150, latin 500)
 *   --show N          print N failures per set (default 10)
 *   --out FILE        default bench/results/understanding.json
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { normalize } from '../src/analysis/normalize.js';
import { SearchIndex, type DocumentInput, type QueryInfo, type SearchOptions, type SearchResult } from '../src/index.js';
import { buildUnderstandingSets, wordStats, type UnderstandingQuery, type UnderstandingSetName } from '../test/search/understanding-sets.js';
import { loadXwlb } from './corpora.js';
import { ensureXwlbIndex, fixed, flags, latency, markdownTable, ms, sourceFingerprint, type Latency } from './measure.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const f = flags(process.argv.slice(2), []);
const indexDir = resolve(f.get('index-dir') ?? 'bench/.work/xwlb-index');
const outPath = f.get('out') ?? 'bench/results/understanding.json';
const seed = Number(f.get('seed') ?? 2024);
const show = Number(f.get('show') ?? 10);
const sizes: Partial<Record<UnderstandingSetName, number>> = { latin: 500, ...(JSON.parse(f.get('sizes') ?? '{}') as object) };
const started = performance.now();
const loads = [loadavg()[0]];
const log = (m: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${m}`);

interface Interpretation {
  from: string;
  to: string[];
  kind: 'pinyin' | 'initials' | 'synonym' | 'correction';
}
type Understood = SearchResult & { query: QueryInfo & { interpretations?: Interpretation[]; correctedFrom?: string; didYouMean?: string } };
type Options = SearchOptions & { literal?: boolean };

// --- the index: reuse bench/.work/xwlb-index, build it with the CLI when missing.
ensureXwlbIndex(indexDir, false, log);
const index = SearchIndex.open(indexDir);
const search = (q: string, options: Options = {}) => index.search(q, options as SearchOptions) as Understood;

// --- the documents as stored, and the sets made from them.
const docs: DocumentInput[] = [];
for (const r of loadXwlb()) {
  const s = index.get(r.id);
  if (s) docs.push({ id: s.id, title: s.title ?? '', content: s.content ?? '', tags: s.tags ?? [] });
}
log(`${docs.length} xwlb documents in ${indexDir}; counting words (jieba) and reading them (pinyin-pro)`);
let t = performance.now();
const stats = wordStats(docs);
const statsSeconds = (performance.now() - t) / 1000;
t = performance.now();
const { queries, common } = buildUnderstandingSets(stats, { seed, sizes });
const setsSeconds = (performance.now() - t) / 1000;
log(`sets made: ${stats.df.size} words, ${common} common, ${queries.length} queries (${statsSeconds.toFixed(0)} s + ${setsSeconds.toFixed(0)} s)`);
const SETS = (['pinyin', 'initials', 'mixed', 'typo', 'latin'] as const).filter((s) => queries.some((q) => q.set === s));
const setOf = (s: UnderstandingSetName) => queries.filter((q) => q.set === s);
stats.text = ''; // the joined text is only needed to make typos

// --- the data of understanding: built by a warm-up method, or on the first queries.
const heap = () => {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heapMB: m.heapUsed / 2 ** 20, externalMB: (m.external + m.arrayBuffers) / 2 ** 20 };
};
interface WarmFigure {
  what: string;
  ms: number;
  heapDeltaMB: number;
  externalDeltaMB: number;
  /** What the warm-up method returned (e.g. words and keys indexed). */
  returned?: unknown;
}
const warmFigures: WarmFigure[] = [];
const timed = async (what: string, run: () => unknown) => {
  const before = heap();
  const t0 = performance.now();
  const returned = await run();
  const elapsed = performance.now() - t0;
  const after = heap();
  warmFigures.push({ what, ms: elapsed, heapDeltaMB: after.heapMB - before.heapMB, externalDeltaMB: after.externalMB - before.externalMB, ...(what.startsWith('index.') && returned !== undefined ? { returned } : {}) });
};
const first = (s: UnderstandingSetName, k: number) => setOf(s)[k]?.q;
// A literal search first, so the general first-query costs (jieba, caches) are not counted.
search('新闻联播', { size: 10, highlight: false, literal: true });
search(first('typo', 0) ?? '图书管', { size: 10, highlight: false, literal: true });
const warmMethod = (['warm', 'warmUp', 'prepare'] as const).find((m) => typeof (index as unknown as Record<string, unknown>)[m] === 'function');
if (warmMethod) {
  await timed(`index.${warmMethod}()`, () => (index as unknown as Record<string, () => unknown>)[warmMethod]());
  await timed(`index.${warmMethod}() again`, () => (index as unknown as Record<string, () => unknown>)[warmMethod]());
}
for (const s of ['pinyin', 'typo'] as const) {
  const [q1, q2] = [first(s, 0), first(s, 1)];
  if (!q1 || !q2) continue;
  await timed(`first ${s} query (${q1})`, () => search(q1, { size: 10, highlight: false }));
  await timed(`second ${s} query (${q2})`, () => search(q2, { size: 10, highlight: false }));
}

// --- the runs.
interface Outcome {
  pass: boolean;
  /** 1-based rank of the first top-10 hit containing the intended word, 0 if none. */
  rank: number;
  ms: number;
  result: Understood;
}
const containsCache = new Map<string, string>();
const textOf = (id: string) => {
  let text = containsCache.get(id);
  if (text === undefined) {
    const d = index.get(id);
    text = d ? normalize(`${d.title ?? ''}\n${d.content ?? ''}`).text : '';
    if (containsCache.size > 50_000) containsCache.clear();
    containsCache.set(id, text);
  }
  return text;
};
const run = (q: UnderstandingQuery, literal: boolean): Outcome => {
  const t0 = performance.now();
  const result = search(q.q, { size: 10, highlight: false, ...(literal ? { literal: true } : {}) });
  const elapsed = performance.now() - t0;
  const k = Math.min(10, result.hits.length);
  const hitsContain = result.hits.slice(0, k).map((h) => textOf(h.id).includes(q.intended));
  const containing = hitsContain.filter(Boolean).length;
  return { pass: k > 0 && containing >= Math.ceil(k / 2), rank: hitsContain.indexOf(true) + 1, ms: elapsed, result };
};
/**
 * Whether a Latin word kept its literal matches: no pinyin or initials reading, no correction, and
 * the literal total, or more through a synonym with every literal match among the results.
 */
const latinKept = (q: UnderstandingQuery, d: Outcome, l: Outcome) => {
  const [r, lit] = [d.result, l.result];
  const kinds = new Set((r.query.interpretations ?? []).map((i) => i.kind));
  if (r.query.correctedFrom !== undefined || kinds.has('pinyin') || kinds.has('initials')) return false;
  if (r.total === lit.total) return true;
  if (!kinds.has('synonym') || r.total < lit.total) return false;
  const all = new Set(search(q.q, { size: r.total, highlight: false }).hits.map((h) => h.id));
  return search(q.q, { size: lit.total, highlight: false, literal: true }).hits.every((h) => all.has(h.id));
};

log('warm-up pass (untimed)');
for (const q of queries) {
  run(q, false);
  run(q, true);
}
loads.push(loadavg()[0]);
log('timed pass');
interface SetResult {
  queries: number;
  passRate: number;
  mrr10: number;
  found10: number;
  latencyMs: Latency;
  literal: { passRate: number; mrr10: number; latencyMs: Latency };
  /** Queries whose result carried an interpretation / a correction / a did-you-mean. */
  interpreted: number;
  corrected: number;
  didYouMean: number;
  failures: Array<{ q: string; intended: string; note?: string; got: string }>;
}
const results: Partial<Record<UnderstandingSetName, SetResult>> = {};
const describe = (r: Understood) =>
  [
    `q=${r.query.q}`,
    `total ${r.total}`,
    ...(r.query.interpretations?.length ? [`interpretations ${r.query.interpretations.map((i) => `${i.from}->${i.to.join('|')} (${i.kind})`).join(', ')}`] : []),
    ...(r.query.correctedFrom !== undefined ? [`correctedFrom ${r.query.correctedFrom}`] : []),
    ...(r.query.didYouMean !== undefined ? [`didYouMean ${r.query.didYouMean}`] : []),
  ].join('; ');
for (const s of SETS) {
  const list = setOf(s);
  const d: Outcome[] = [];
  const l: Outcome[] = [];
  list.forEach((q, i) => {
    if (i % 2) {
      l.push(run(q, true));
      d.push(run(q, false));
    } else {
      d.push(run(q, false));
      l.push(run(q, true));
    }
  });
  const kept = s === 'latin' ? list.map((q, i) => latinKept(q, d[i], l[i])) : [];
  const passes = (o: Outcome[]) => (s === 'latin' ? kept.filter(Boolean).length : o.filter((x) => x.pass).length) / list.length;
  const mrr = (o: Outcome[]) => o.reduce((a, x) => a + (x.rank ? 1 / x.rank : 0), 0) / list.length;
  const failed = list.map((q, i) => ({ q, i })).filter(({ i }) => (s === 'latin' ? !kept[i] : !d[i].pass));
  results[s] = {
    queries: list.length,
    passRate: passes(d),
    mrr10: mrr(d),
    found10: d.filter((x) => x.rank > 0).length / list.length,
    latencyMs: latency(d.map((x) => x.ms)),
    literal: { passRate: s === 'latin' ? 1 : passes(l), mrr10: mrr(l), latencyMs: latency(l.map((x) => x.ms)) },
    interpreted: d.filter((x) => x.result.query.interpretations?.length).length,
    corrected: d.filter((x) => x.result.query.correctedFrom !== undefined).length,
    didYouMean: d.filter((x) => x.result.query.didYouMean !== undefined).length,
    failures: failed.map(({ q, i }) => ({ q: q.q, intended: q.intended, ...(q.note ? { note: q.note } : {}), got: describe(d[i].result) })),
  };
}
loads.push(loadavg()[0]);
await index.close();
const seconds = (performance.now() - started) / 1000;

// --- report.
const pct = (x: number) => `${fixed(100 * x)}%`;
const rows = SETS.map((s) => {
  const r = results[s]!;
  return [
    s,
    r.queries,
    pct(r.passRate),
    s === 'latin' ? '-' : fixed(r.mrr10, 3),
    s === 'latin' ? '-' : pct(r.found10),
    `${r.interpreted}/${r.corrected}/${r.didYouMean}`,
    ms(r.latencyMs.p50),
    ms(r.latencyMs.p95),
    s === 'latin' ? '-' : pct(r.literal.passRate),
    ms(r.literal.latencyMs.p50),
    ms(r.literal.latencyMs.p95),
  ];
});
const table = markdownTable(['set', 'queries', 'pass', 'MRR@10', 'found@10', 'interp/corr/dym', 'p50 ms', 'p95 ms', 'literal pass', 'literal p50', 'literal p95'], rows);
const warmTable = markdownTable(
  ['what', 'ms', 'heap delta MB', 'external delta MB'],
  warmFigures.map((w) => [w.what + (w.returned !== undefined ? ` -> ${JSON.stringify(w.returned)}` : ''), ms(w.ms), fixed(w.heapDeltaMB), fixed(w.externalDeltaMB)]),
);
console.log(`\nQuery understanding on xwlb (${docs.length} documents, ${stats.df.size} words, ${common} common; seed ${seed})`);
console.log('pass: half of the top 10 contain the intended word (latin: the literal matches kept); interp/corr/dym: queries with an interpretation / corrected / with a did-you-mean\n');
console.log(table);
console.log(`\nData of understanding${warmMethod ? '' : ' (no warm-up method on SearchIndex: first queries as a proxy)'}:\n`);
console.log(warmTable);
for (const s of SETS) {
  const r = results[s]!;
  if (!r.failures.length || show <= 0) continue;
  console.log(`\n${s}: ${r.failures.length} failures${r.failures.length > show ? `, first ${show}` : ''}`);
  for (const x of r.failures.slice(0, show)) console.log(`  ${x.q} -> ${x.intended}${x.note ? ` [${x.note}]` : ''}: ${x.got}`);
}
console.log(`\n${seconds.toFixed(0)} s in all (word statistics ${statsSeconds.toFixed(0)} s, sets ${setsSeconds.toFixed(0)} s) on ${cpus().length} cores; 1-minute load average ${loads.map((x) => x.toFixed(1)).join(' / ')} (start / timed pass / end)`);

const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(
  outPath,
  JSON.stringify(
    {
      meta: {
        generated: new Date().toISOString(),
        seconds,
        gitHead: git,
        engineSource: sourceFingerprint(),
        machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}`,
        // 1-minute load average at the start, before and after the timed pass: above the core count, other processes competed.
        loadAverage: loads,
        indexDir: indexDir.replace(process.cwd() + '/', ''),
        documents: docs.length,
        words: stats.df.size,
        commonWords: common,
        seed,
        sizes,
        searchOptions: { size: 10, highlight: false },
        statsSeconds,
        setsSeconds,
      },
      table,
      warm: { method: warmMethod ?? null, figures: warmFigures },
      results,
    },
    null,
    1,
  ) + '\n',
);
console.log(`results: ${outPath}`);

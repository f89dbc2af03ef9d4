/**
 * Relevance on known-item development sets built from xwlb (issue 11): MRR@10 and Recall@100 of
 * our engine (through the public API, one or more configurations) and of a plain BM25 reference
 * (bench/bm25-reference.ts), per query kind, on a development half and a held-out half, plus our
 * engine's latency per kind.
 *
 * The sets (deterministic: one mulberry32 stream per kind, seeded from --seed; a larger
 * --per-kind extends the same lists). Each query has exactly one relevant document, the article
 * it was made from; a hit counts only if it is that article's id. Queries are made from the text
 * our ingestion stored (bench/.work/xwlb-index: xwlb minus the duplicates `zhsearch index`
 * rejects, leads such as 央视网消息（新闻联播）： stripped), so the target is always in the index.
 *
 * | kind      | query                                                                       |
 * |-----------|-----------------------------------------------------------------------------|
 * | title     | the title, as is (titles shared by several documents are not used)          |
 * | sentence  | one sentence of the body, 20-120 characters (>= 10 Han), found in no other document |
 * | paragraph | the start of the body as pasted (newlines kept): a length drawn uniformly in 300-1,500 characters, then a body at least 50 characters longer (so never the whole body; long drafts come from xwlb's fewer long items), cut back to a sentence end when that loses under 200 characters and keeps 300+ |
 * | question  | 2-4 key words of the title (jieba precise cut, Han words of 2+ characters or Latin/digit runs; k of its k + 1 words that occur in the fewest titles, in title order) joined directly or by 的/和, wrapped in a question pattern (……是什么时候, 关于……的报道, ……有哪些, ...), sometimes with ？ (titles shared by several documents are not used) |
 *
 * Every kind needs a non-empty title and a body of at least 100 characters (sentence: 200,
 * paragraph: 300). Queries keep the text as a user would paste it: quotes (“…” are phrases in
 * our query language), dashes and colons included.
 *
 * Splits: an article goes to `dev` or `held-out` by the parity of the FNV-1a hash of its id; each
 * kind gets `--per-kind / 2` queries in each half. Tune on dev; report held-out.
 *
 * Systems: `bm25` (the reference: one bag title + content, all query words, OR) and one run of our
 * engine per `--op` value: `index.search(q, { size: 100, highlight: false, ...--options, op })`,
 * where the op `default` passes no op at all (the engine's default matching). Errors (a budget
 * exceeded, ...) count as misses and are reported.
 *
 * Metrics per kind x split x system: MRR@10 (1/rank of the target if within the first 10, else 0),
 * Recall@100 (target within the first 100), n; `dup@1`: share of queries whose first hit is not
 * the target but another document with the same title (normalized: NFKC, lower case, no spaces or
 * punctuation), xwlb's near-duplicates; for our engine, latency p50/p99 per kind (both splits,
 * each query timed once with performance.now() around `index.search`, after a warm-up of the
 * first 50 queries of each kind; size 100, no highlighting, no facets).
 *
 * Usage: npm run bench:relevance [-- options]
 *   --quick               60 queries per kind (30 per half); writes bench/results/quick/relevance.json
 *   --per-kind N          queries per kind, both halves together (default 600: 300 per half, so an
 *                         MRR@10 has a standard error of about 0.02)
 *   --kinds a,b           kinds to run (default title,sentence,paragraph,question)
 *   --splits a,b          dev, held-out (default both)
 *   --op a,b              engine runs, one per value: default (no op passed), and, or, or any value
 *                         the engine accepts (default: default,and,or)
 *   --options JSON        extra search options for every engine run, e.g. '{"ranking":{"k1":1.0}}'
 *   --label NAME          a name for this configuration, stored in the JSON
 *   --no-reference        skip the BM25 reference (no jieba token cache needed)
 *   --ref-qtf off         the reference counts each distinct query word once
 *   --seed N              seed of the query sets (default 0x11EE0011)
 *   --index-dir DIR       our index (default bench/.work/xwlb-index, shared with soak.ts and
 *                         fairness.ts; built with `zhsearch index` if it has no manifest)
 *   --rebuild             rebuild that index first (after a change of the index format or analysis)
 *   --engine MODULE       the engine's public API to search with (default src/index.ts of this
 *                         checkout, through tsx); e.g. dist/index.js, or the build of another commit
 *                         (`git archive <commit> src dict | tar -x -C DIR`, compile it, link
 *                         node_modules) to compare before and after on the same sets
 *   --out FILE            default bench/results/relevance.json
 *   --show N              print the first N queries of each kind to stderr (to look at them; never saved)
 * First run: the index build (about 2.5 min on 2 cores) and the reference's jieba token cache
 * (bench/data/tokens-xwlb-indexed-*.txt, git-ignored, about a minute) are made once and reused.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SearchOptions } from '../src/index.js';
import { Bm25Reference, referenceQueryWords } from './bm25-reference.js';
import { loadXwlb, mulberry32, type Doc } from './corpora.js';
import { ensureXwlbIndex, fixed, flags, latency, markdownTable, ms, type Latency } from './measure.js';
import { preciseCut, readTokenIds, readTokenLines, tokenCache } from './tokens.js';

const KINDS = ['title', 'sentence', 'paragraph', 'question'] as const;
type Kind = (typeof KINDS)[number];
const SPLITS = ['dev', 'held-out'] as const;
type Split = (typeof SPLITS)[number];

const f = flags(process.argv.slice(2), ['quick', 'rebuild', 'no-reference']);
const quick = f.has('quick');
const perKind = Number(f.get('per-kind') ?? (quick ? 60 : 600));
const kinds = listFlag('kinds', KINDS.join(',')) as Kind[];
const splits = listFlag('splits', SPLITS.join(',')) as Split[];
const ops = listFlag('op', 'default,and,or');
const extraOptions = JSON.parse(f.get('options') ?? '{}') as SearchOptions;
const label = f.get('label') ?? null;
const withReference = !f.has('no-reference');
const refQtf = (f.get('ref-qtf') ?? 'on') !== 'off';
const seed = Number(f.get('seed') ?? 0x11ee0011) >>> 0;
const indexDir = resolve(f.get('index-dir') ?? 'bench/.work/xwlb-index');
const outPath = f.get('out') ?? (quick ? 'bench/results/quick/relevance.json' : 'bench/results/relevance.json');
for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`--kinds: unknown kind ${k} (${KINDS.join(', ')})`);
for (const s of splits) if (!SPLITS.includes(s)) throw new Error(`--splits: unknown split ${s} (${SPLITS.join(', ')})`);
if (!(perKind >= 2)) throw new Error('--per-kind must be at least 2');
if (typeof extraOptions !== 'object' || extraOptions === null || Array.isArray(extraOptions)) throw new Error('--options must be a JSON object');

const started = performance.now();
// The 1-minute load average, sampled at each step (the searches are synchronous, so no timer would fire).
const loads: number[] = [loadavg()[0]];
const log = (msg: string) => loads.push(loadavg()[0]) && console.error(`[relevance ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

/** sha1 (12 hex digits) of the .ts or .js files under the engine module's directory, since the engine changes between runs. */
function sourceFingerprint(dir: string): string {
  const h = createHash('sha1');
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts')) h.update(relative(dir, p)).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex').slice(0, 12);
}

function listFlag(name: string, fallback: string): string[] {
  return (f.get(name) ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

// --- our index: reuse bench/.work/xwlb-index, build it with the CLI when missing.
ensureXwlbIndex(indexDir, f.has('rebuild'), log);
// The engine: this checkout's src/ (through tsx), or another build of the public API (--engine).
const engineModule = resolve(f.get('engine') ?? 'src/index.ts');
const { SearchIndex } = (await import(pathToFileURL(engineModule).href)) as typeof import('../src/index.js');
const index = SearchIndex.open(indexDir);

// --- the documents as stored (what both systems index and what queries are made from).
interface Item {
  id: string;
  title: string;
  content: string;
}
const docs: Item[] = [];
{
  const raw = loadXwlb();
  for (const r of raw) {
    const s = index.get(r.id);
    if (s) docs.push({ id: s.id, title: s.title ?? '', content: s.content ?? '' });
  }
  log(`${docs.length} of ${raw.length} xwlb items are in ${indexDir}`);
}
const docOf = new Map<string, number>(docs.map((d, i) => [d.id, i]));

/** A title as compared for duplicates and uniqueness. */
const titleKey = (t: string) => t.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}]/gu, '');
const titleKeys = docs.map((d) => titleKey(d.title));
const titleCount = new Map<string, number>();
for (const k of titleKeys) titleCount.set(k, (titleCount.get(k) ?? 0) + 1);

const SENTENCE = /(?<=[。！？；])|\n/u;
const sentencesOf = (content: string) => content.split(SENTENCE).map((s) => s.trim()).filter(Boolean);
const sentenceKey = (s: string) => s.replace(/\s/gu, '');
const HAN = /\p{Script=Han}/gu;
const hanCount = (s: string) => s.match(HAN)?.length ?? 0;

// --- the query sets.
interface Query {
  kind: Kind;
  split: Split;
  /** Index of the target in `docs`. */
  doc: number;
  q: string;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
const splitOf = (id: string): Split => (fnv1a(id) % 2 === 0 ? 'dev' : 'held-out');

const KEYWORD = /^(?:\p{Script=Han}{2,}|[\p{L}\p{N}]{2,})$/u;
const QUESTION_PATTERNS = [
  '{}是什么时候',
  '关于{}的报道',
  '{}有哪些',
  '{}是怎么回事',
  '{}的最新消息',
  '{}在哪里举行',
  '{}的时间',
  '什么是{}',
  '{}有什么意义',
  '请问{}的情况',
  '{}了吗',
  '为什么{}',
];

let sentenceCounts: Map<string, number> | null = null;
function sentenceCount(s: string): number {
  if (!sentenceCounts) {
    sentenceCounts = new Map();
    for (const d of docs) {
      for (const x of new Set(sentencesOf(d.content).map(sentenceKey))) {
        if (x.length >= 20 && x.length <= 130) sentenceCounts.set(x, (sentenceCounts.get(x) ?? 0) + 1);
      }
    }
  }
  return sentenceCounts.get(sentenceKey(s)) ?? 0;
}

/** The length of the next paragraph query, drawn once and kept until a document is long enough for it. */
let paragraphTarget: number | null = null;
let titleDf: Map<string, number> | null = null;
/** In how many titles each word of the precise cut occurs. */
function titleWordDf(): Map<string, number> {
  if (!titleDf) {
    titleDf = new Map();
    for (const d of docs) for (const w of new Set(preciseCut(d.title))) titleDf.set(w, (titleDf.get(w) ?? 0) + 1);
  }
  return titleDf;
}

/** The query of `kind` for document d, or null when d is not suitable. */
function makeQuery(kind: Kind, d: Item, rng: () => number): string | null {
  const uniqueTitle = titleCount.get(titleKey(d.title)) === 1;
  switch (kind) {
    case 'title':
      return uniqueTitle && hanCount(d.title) >= 4 && d.content.length >= 100 ? d.title.trim() : null;
    case 'sentence': {
      if (d.content.length < 200) return null;
      const candidates = sentencesOf(d.content).filter((s) => s.length >= 20 && s.length <= 120 && hanCount(s) >= 10 && sentenceCount(s) === 1);
      return candidates.length ? candidates[Math.floor(rng() * candidates.length)] : null;
    }
    case 'paragraph': {
      // The length is drawn first (uniform in 300-1,500) and kept until a document with a longer body is drawn: a prefix, never the whole body.
      const body = d.content.trim();
      const target = (paragraphTarget ??= 300 + Math.floor(rng() * 1201));
      if (body.length < target + 50) return null;
      paragraphTarget = null;
      let text = body.slice(0, target);
      const end = Math.max(...['。', '！', '？', '；', '\n'].map((c) => text.lastIndexOf(c)));
      if (end + 1 >= Math.max(300, target - 200) && text.slice(0, end + 1).trim().length >= 300) text = text.slice(0, end + 1);
      return text.trim();
    }
    case 'question': {
      if (!uniqueTitle || d.content.length < 100) return null;
      const words = [...new Set(preciseCut(d.title).filter((w) => KEYWORD.test(w)))];
      if (words.length < 2) return null;
      // k of the k + 1 rarest title words (document frequency among titles), in title order.
      const k = 2 + Math.floor(rng() * (Math.min(4, words.length) - 1));
      const df = titleWordDf();
      const rarest = words
        .map((w, i) => ({ i, df: df.get(w) ?? 0 }))
        .sort((a, b) => a.df - b.df || a.i - b.i)
        .slice(0, k + 1);
      while (rarest.length > k) rarest.splice(Math.floor(rng() * rarest.length), 1);
      const chosen = rarest.sort((a, b) => a.i - b.i).map((x) => words[x.i]);
      let x = chosen[0];
      for (let i = 1; i < chosen.length; i++) {
        const r = rng();
        x += (r < 0.25 ? '的' : r < 0.35 ? '和' : '') + chosen[i];
      }
      const pattern = QUESTION_PATTERNS[Math.floor(rng() * QUESTION_PATTERNS.length)];
      return pattern.replace('{}', x) + (rng() < 0.5 ? '？' : '');
    }
  }
}

function buildSet(kind: Kind): Query[] {
  const rng = mulberry32(seed ^ Math.imul(KINDS.indexOf(kind) + 1, 0x9e3779b1));
  const want = { dev: Math.floor(perKind / 2), 'held-out': perKind - Math.floor(perKind / 2) };
  const got = { dev: 0, 'held-out': 0 };
  const used = new Set<number>();
  const out: Query[] = [];
  for (let attempt = 0; attempt < perKind * 500 && (got.dev < want.dev || got['held-out'] < want['held-out']); attempt++) {
    const i = Math.floor(rng() * docs.length);
    if (used.has(i)) continue;
    const split = splitOf(docs[i].id);
    if (got[split] >= want[split]) continue;
    const q = makeQuery(kind, docs[i], rng);
    if (!q) continue;
    used.add(i);
    got[split]++;
    out.push({ kind, split, doc: i, q });
  }
  return out.filter((q) => splits.includes(q.split));
}

const sets = new Map<Kind, Query[]>();
for (const kind of kinds) sets.set(kind, buildSet(kind));
if (f.has('show')) for (const kind of kinds) for (const q of sets.get(kind)!.slice(0, Number(f.get('show')))) console.error(`${kind}\t${q.split}\t${docs[q.doc].id}\t${q.q.slice(0, 200).replace(/\n/g, '⏎')}`);
const allQueries = [...sets.values()].flat();
const membersOf = (kind: Kind, split?: Split) => allQueries.flatMap((q, qi) => (q.kind === kind && (!split || q.split === split) ? [qi] : []));
log(`query sets: ${kinds.map((k) => `${k} ${sets.get(k)!.length}`).join(', ')}`);

// --- the systems.
interface SystemRun {
  name: string;
  kind: 'reference' | 'engine';
  /** Search options passed to our engine (engine runs). */
  options?: SearchOptions;
  /** Rank of the target (1-based; 0 = not in the first 100), per query of allQueries. */
  ranks: Int32Array;
  /** 1 when the first hit is another document with the target's title. */
  dupFirst: Uint8Array;
  /** Milliseconds per query (engine runs). */
  ms: Float64Array;
  errors: Map<number, string>;
  /** Engine: queries answered with relaxation (query.relaxed), and the terms the engine kept / ignored. */
  relaxed: Uint8Array;
  termCounts: Int32Array;
  ignoredCounts: Int32Array;
}

function newRun(name: string, kind: SystemRun['kind'], options?: SearchOptions): SystemRun {
  const n = allQueries.length;
  return {
    name,
    kind,
    options,
    ranks: new Int32Array(n),
    dupFirst: new Uint8Array(n),
    ms: new Float64Array(n),
    errors: new Map(),
    relaxed: new Uint8Array(n),
    termCounts: new Int32Array(n).fill(-1),
    ignoredCounts: new Int32Array(n).fill(-1),
  };
}

function record(run: SystemRun, qi: number, hitDocs: readonly number[]): void {
  const target = allQueries[qi].doc;
  const at = hitDocs.indexOf(target);
  run.ranks[qi] = at >= 0 && at < 100 ? at + 1 : 0;
  const first = hitDocs[0];
  run.dupFirst[qi] = first !== undefined && first !== target && titleKeys[first] === titleKeys[target] ? 1 : 0;
}

const runs: SystemRun[] = [];
const WARM_UP = 50;
let reference: { buildSeconds: number; tokenCache: string; docs: number; terms: number; queryWords: Record<string, number> } | null = null;

if (withReference) {
  let t = performance.now();
  const asDocs: Doc[] = docs.map((d) => ({ id: d.id, title: d.title, content: d.content, date: '', tags: [], source: '', url: '' }));
  const cache = tokenCache(asDocs, 'xwlb-indexed');
  const ids = readTokenIds(cache);
  if (ids.length !== docs.length || ids.some((id, i) => id !== docs[i].id)) throw new Error(`token cache ${cache} does not hold the index's documents in order`);
  log(`token cache ${cache} ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const ref = Bm25Reference.build(readTokenLines(cache), ids);
  const buildSeconds = (performance.now() - t) / 1000;
  log(`BM25 reference built in ${buildSeconds.toFixed(1)} s (${ref.postings.terms.size} terms)`);
  const run = newRun('bm25', 'reference');
  const words: Record<string, number[]> = {};
  allQueries.forEach((query, qi) => {
    const w = referenceQueryWords(query.q);
    (words[query.kind] ??= []).push(w.length);
    const s = performance.now();
    const r = ref.searchWords(w, { k: 100, qtf: refQtf });
    run.ms[qi] = performance.now() - s;
    record(run, qi, r.docs);
  });
  runs.push(run);
  reference = {
    buildSeconds,
    tokenCache: cache,
    docs: ref.size,
    terms: ref.postings.terms.size,
    queryWords: Object.fromEntries(Object.entries(words).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length])),
  };
  log('BM25 reference: queries done');
}

for (const op of ops) {
  const options: SearchOptions = { size: 100, highlight: false, ...extraOptions, ...(op === 'default' ? {} : { op: op as SearchOptions['op'] }) };
  const run = newRun(op === 'default' ? 'zhsearch default' : `zhsearch op=${op}`, 'engine', options);
  const once = (qi: number) => {
    const s = performance.now();
    try {
      const r = index.search(allQueries[qi].q, options);
      run.ms[qi] = performance.now() - s;
      const hitDocs = r.hits.map((h) => docOf.get(h.id) ?? -1);
      record(run, qi, hitDocs);
      const info = r.query as unknown as Record<string, unknown>;
      run.relaxed[qi] = info.relaxed ? 1 : 0;
      if (Array.isArray(info.terms)) run.termCounts[qi] = info.terms.length;
      if (Array.isArray(info.ignored)) run.ignoredCounts[qi] = info.ignored.length;
    } catch (err) {
      run.ms[qi] = performance.now() - s;
      run.ranks[qi] = 0;
      run.errors.set(qi, (err as Error).name + ': ' + (err as Error).message);
    }
  };
  // Warm-up: the first 50 queries of each kind, untimed (their timed pass follows).
  for (const kind of kinds) membersOf(kind).slice(0, WARM_UP).forEach(once);
  const t = performance.now();
  for (let qi = 0; qi < allQueries.length; qi++) {
    once(qi);
    if (qi % 200 === 199) loads.push(loadavg()[0]);
  }
  log(`${run.name}: ${allQueries.length} queries in ${((performance.now() - t) / 1000).toFixed(1)} s${run.errors.size ? `, ${run.errors.size} errors` : ''}`);
  runs.push(run);
}
await index.close();

// --- figures.
interface Cell {
  n: number;
  mrr10: number;
  /** Standard error of MRR@10 over the queries (sd / sqrt(n)). */
  mrr10SE: number;
  recall100: number;
  /** Share of queries whose first hit is another document with the target's title. */
  dupFirst: number;
  errors: number;
}

function cell(run: SystemRun, members: number[]): Cell {
  const rr = members.map((qi) => (run.ranks[qi] > 0 && run.ranks[qi] <= 10 ? 1 / run.ranks[qi] : 0));
  const n = members.length;
  const mean = rr.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const sd = Math.sqrt(rr.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return {
    n,
    mrr10: mean,
    mrr10SE: n > 1 ? sd / Math.sqrt(n) : NaN,
    recall100: members.filter((qi) => run.ranks[qi] > 0).length / Math.max(1, n),
    dupFirst: members.filter((qi) => run.dupFirst[qi]).length / Math.max(1, n),
    errors: members.filter((qi) => run.errors.has(qi)).length,
  };
}

const results: Record<string, Record<string, Record<string, Cell>>> = {};
const latencies: Record<string, Record<string, Latency & { relaxed: number; meanTerms: number | null; meanIgnored: number | null }>> = {};
for (const kind of kinds) {
  results[kind] = {};
  for (const split of splits) {
    results[kind][split] = {};
    for (const run of runs) results[kind][split][run.name] = cell(run, membersOf(kind, split));
  }
  latencies[kind] = {};
  for (const run of runs) {
    const m = membersOf(kind);
    const avg = (a: Int32Array) => {
      const v = m.map((qi) => a[qi]).filter((x) => x >= 0);
      return v.length ? v.reduce((x, y) => x + y, 0) / v.length : null;
    };
    latencies[kind][run.name] = {
      ...latency(m.map((qi) => run.ms[qi])),
      relaxed: m.filter((qi) => run.relaxed[qi]).length / Math.max(1, m.length),
      meanTerms: avg(run.termCounts),
      meanIgnored: avg(run.ignoredCounts),
    };
  }
}

const chars = (kind: Kind) => {
  const lengths = membersOf(kind).map((qi) => [...allQueries[qi].q].length).sort((a, b) => a - b);
  return { min: lengths[0], median: lengths[Math.floor(lengths.length / 2)], max: lengths[lengths.length - 1] };
};

const seconds = (performance.now() - started) / 1000;
const rows: (string | number)[][] = [];
for (const kind of kinds) {
  for (const split of splits) {
    for (const run of runs) {
      const c = results[kind][split][run.name];
      const l = latencies[kind][run.name];
      rows.push([
        kind,
        split,
        run.name,
        fixed(c.mrr10, 3),
        fixed(c.recall100, 3),
        c.n,
        fixed(c.dupFirst * 100, 1) + '%',
        run.kind === 'engine' ? ms(l.p50) : '',
        run.kind === 'engine' ? ms(l.p99) : '',
        c.errors || '',
      ]);
    }
  }
}
const table = markdownTable(['kind', 'split', 'system', 'MRR@10', 'R@100', 'n', 'dup@1', 'p50 ms', 'p99 ms', 'errors'], rows);
console.log(`\nRelevance on xwlb known-item sets (${docs.length} documents; ${label ? `configuration ${label}; ` : ''}engine options ${JSON.stringify(extraOptions)})`);
console.log('Latency (p50/p99) is per kind over both splits, size 100, no highlighting; MRR@10 standard errors are in the JSON.\n');
console.log(table);
console.log(`\nquery lengths (characters, min/median/max): ${kinds.map((k) => `${k} ${Object.values(chars(k)).join('/')}`).join(', ')}`);
if (withReference) {
  for (const split of splits) {
    for (const run of runs.filter((r) => r.kind === 'engine')) {
      const beats = kinds.filter((k) => results[k][split][run.name].mrr10 > results[k][split].bm25.mrr10);
      console.log(`${split}: ${run.name} beats bm25 on MRR@10 in ${beats.length} of ${kinds.length} kinds${beats.length ? ` (${beats.join(', ')})` : ''}`);
    }
  }
}
console.log(`\n${seconds.toFixed(0)} s in all; 1-minute load average ${(loads.reduce((a, b) => a + b, 0) / loads.length).toFixed(1)} on average, ${Math.max(...loads).toFixed(1)} at most, on ${cpus().length} cores`);

const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
mkdirSync(dirname(outPath), { recursive: true });
/** JSON with arrays of plain values on one line (the per-query lists would take a line per value). */
const compactJson = (value: unknown) => JSON.stringify(value, null, 1).replace(/\[\n([^[\]{}]*?)\n\s*\]/g, (_, inner: string) => `[${inner.split('\n').map((x) => x.trim()).join(' ')}]`);
writeFileSync(
  outPath,
  compactJson(
    {
      meta: {
        generated: new Date().toISOString(),
        seconds,
        label,
        gitHead: git,
        engine: engineModule.startsWith(process.cwd() + '/') ? relative(process.cwd(), engineModule) : engineModule,
        engineSource: sourceFingerprint(dirname(engineModule)),
        machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}`,
        // 1-minute load average sampled at each step: above the core count, other processes competed (latencies suffer, relevance does not).
        loadAverage: { mean: loads.reduce((a, b) => a + b, 0) / loads.length, max: Math.max(...loads) },
        indexDir: indexDir.replace(process.cwd() + '/', ''),
        documents: docs.length,
        perKind,
        seed,
        kinds,
        splits,
        splitRule: 'dev when the FNV-1a (32-bit) hash of the article id is even, held-out when odd',
        queryChars: Object.fromEntries(kinds.map((k) => [k, chars(k)])),
        engineOptions: extraOptions,
        reference: reference && { ...reference, qtf: refQtf, definition: 'bench/bm25-reference.ts: one bag title + content, jieba cutForSearch (HMM) documents, precise-cut query words, all kept, OR, k1 1.2, b 0.75, Lucene idf' },
      },
      table,
      systems: runs.map((r) => ({ name: r.name, kind: r.kind, options: r.options ?? null })),
      results,
      latencyMs: latencies,
      errors: Object.fromEntries(runs.filter((r) => r.errors.size).map((r) => [r.name, [...r.errors].slice(0, 20).map(([qi, e]) => ({ kind: allQueries[qi].kind, id: docs[allQueries[qi].doc].id, error: e }))])),
      // Per-query ranks (1-based, 0 = not in the first 100) for paired comparisons; article ids, not the query text (the corpus stays out of the repository).
      queries: Object.fromEntries(
        kinds.map((k) => {
          const m = membersOf(k);
          return [k, { ids: m.map((qi) => docs[allQueries[qi].doc].id), split: m.map((qi) => allQueries[qi].split), ranks: Object.fromEntries(runs.map((r) => [r.name, m.map((qi) => r.ranks[qi])])) }];
        }),
      ),
    },
  ),
);
console.log(`results: ${outPath}`);

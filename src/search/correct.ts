/**
 * Chinese "did you mean": same-sound and near-sound typos of a query (图书管 -> 图书馆, 成斗 ->
 * 成都, 江泽明 -> 江泽民), as a pinyin input method makes them.
 *
 * Each run of Han characters of the query (2 to {@link MAX_RUN} characters, not excluded with
 * `-`) is split into words of the index. A window of the run may be replaced by an index word of
 * the same length that sounds alike (same syllables, or syllables that differ only by the sounds
 * speakers confuse: zh/z, ch/c, sh/s, n/l, an/ang, en/eng, in/ing; see pinyin.ts soundKey) and
 * differs in one character (two for words of four or more). A replacement costs more than a word
 * read as typed, a near sound more than the same sound, so a run is rewritten only when the
 * replacement makes it read as fewer words: 图书管 (图书 + 管) -> 图书馆 (one word). Among
 * replacements, the most frequent word wins.
 *
 * Whether to use it is decided by the documents: with L documents containing the run as typed and
 * C the corrected one, the correction is searched instead when L = 0 (nothing the user typed can
 * be missed: the no-miss guarantee holds), offered (`didYouMean`) when C >= {@link OFFER_RATIO} x L,
 * and never made when the run as typed is about as common. Quoted phrases are never corrected.
 *
 * Owns: finding corrections. Must not: run the search (the searcher does, with the corrected query).
 */
import { normalizeText } from '../analysis/normalize.js';
import { readings, soundKey } from '../analysis/pinyin.js';
import type { Vocabulary } from './vocabulary.js';

/** Longest run of characters looked at; longer ones (pasted sentences) are left as typed. */
export const MAX_RUN = 12;
/** Runs of one query corrected at most. */
const MAX_RUNS = 6;
/** Longest window replaced by one word. */
const MAX_WINDOW = 6;
/** Sound keys tried per window at most. */
const MAX_KEYS = 16;
/** Documents a replacement word must be in at least. */
const MIN_DF = 2;
/** Cost of a character replaced by one of the same sound, or of a near sound (a word read as typed costs 1). */
const SAME_SOUND_COST = 0.5;
const NEAR_SOUND_COST = 0.7;

/** A correction is offered when the corrected run is in this many times more documents than the typed one. */
export const OFFER_RATIO = 3;
/** Quoted phrases (the quote pairs of the query language). */
const QUOTED = /"[^"]*"?|“[^”"]*[”"]?|「[^」]*」?|『[^』]*』?|＂[^＂]*＂?/g;

export interface Correction {
  /** The query with the corrected runs replaced. */
  query: string;
  /** Each run as typed and as corrected. */
  runs: Array<{ from: string; to: string }>;
  /** True: search the correction instead (no document has the typed form); false: only offer it. */
  apply: boolean;
}

/**
 * The correction of query `q`, or null. `count` gives the documents containing a text's
 * characters consecutively, in any field; `cut` the words of a run (the analyzer's query cut).
 */
export function correct(q: string, vocabulary: Vocabulary, count: (text: string) => number, cut: (text: string) => readonly string[]): Correction | null {
  const runs: Array<{ from: string; to: string; at: number; apply: boolean }> = [];
  let looked = 0;
  // A quoted phrase is meant exactly as typed.
  const quoted = [...q.matchAll(QUOTED)].map((m) => [m.index, m.index + m[0].length]);
  for (const m of q.matchAll(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g)) {
    const typed = m[0];
    const before = q[m.index - 1];
    const after = q[m.index + typed.length] ?? '';
    if (typed.length < 2 || typed.length > MAX_RUN || before === '-' || before === '－') continue;
    // Characters typed next to pinyin (jin陵) are read with it (interpret.ts).
    if (/[a-zA-Z]/.test(before ?? '') || /[a-zA-Z]/.test(after)) continue;
    if (quoted.some(([s, e]) => m.index >= s && m.index < e)) continue;
    if (++looked > MAX_RUNS) break;
    const run = normalizeText(typed);
    if (run.length !== typed.length) continue;
    // A run jieba cuts into words of the index, none of one character, reads as typed (most runs).
    if (cut(run).every((w) => w.length > 1 && vocabulary.df(w) > 0)) continue;
    const fixed = correctRun(run, vocabulary);
    if (!fixed) continue;
    const c = count(fixed);
    if (c === 0) continue;
    const l = count(run);
    if (l > 0 && c < OFFER_RATIO * l) continue;
    runs.push({ from: typed, to: fixed, at: m.index, apply: l === 0 });
  }
  if (!runs.length) return null;
  let query = q;
  for (const r of [...runs].reverse()) query = query.slice(0, r.at) + r.to + query.slice(r.at + r.from.length);
  return { query, runs: runs.map(({ from, to }) => ({ from, to })), apply: runs.every((r) => r.apply) };
}

interface Path {
  cost: number;
  /** Sum of log document frequencies of its replacement words (ties: the more common). */
  weight: number;
  text: string;
  replaced: boolean;
}

/** The run with its best replacements, or null when reading it as typed is as good. */
function correctRun(run: string, vocabulary: Vocabulary): string | null {
  const n = run.length;
  const literal: Array<Path | null> = [{ cost: 0, weight: 0, text: '', replaced: false }, ...new Array<null>(n).fill(null)];
  const fixed: Array<Path | null> = [...literal];
  const better = (a: Path, b: Path | null) => !b || a.cost < b.cost - 1e-9 || (Math.abs(a.cost - b.cost) < 1e-9 && a.weight > b.weight);
  const known = new Map<string, number>();
  const df = (w: string) => {
    let d = known.get(w);
    if (d === undefined) known.set(w, (d = vocabulary.df(w)));
    return d;
  };
  // The cost of reading run[i..] as typed, for every i: a window is looked up only when replacing
  // it could beat reading the whole run as typed.
  const suffix = new Array<number>(n + 1).fill(Infinity);
  suffix[n] = 0;
  for (let j = n - 1; j >= 0; j--) {
    for (let i = j + 1; i <= Math.min(n, j + MAX_WINDOW); i++) if (i - j === 1 || df(run.slice(j, i)) > 0) suffix[j] = Math.min(suffix[j], 1 + suffix[i]);
  }
  for (let i = 1; i <= n; i++) {
    for (let j = Math.max(0, i - MAX_WINDOW); j < i; j++) {
      const window = run.slice(j, i);
      const asTyped = i - j === 1 || df(window) > 0;
      for (const paths of [literal, fixed]) {
        const from = paths[j];
        if (asTyped && from) {
          const p = { cost: from.cost + 1, weight: from.weight, text: from.text + window, replaced: from.replaced };
          if (better(p, paths[i])) paths[i] = p;
        }
      }
      const from = fixed[j];
      // A window that is a word as typed is best read so: a replacement costs more than it.
      if (i - j < 2 || !from || df(window) > 0) continue;
      if (from.cost + 1 + SAME_SOUND_COST + suffix[i] >= suffix[0] - 1e-9) continue;
      const r = replacement(window, vocabulary);
      if (!r) continue;
      const p = { cost: from.cost + 1 + r.cost, weight: from.weight + Math.log1p(r.df), text: from.text + r.word, replaced: true };
      if (better(p, fixed[i])) fixed[i] = p;
    }
  }
  const a = literal[n];
  const b = fixed[n];
  return b && b.replaced && a && b.cost < a.cost - 1e-9 ? b.text : null;
}

/** The best index word sounding like `window` and differing in a few characters, with its cost, or null. */
function replacement(window: string, vocabulary: Vocabulary): { word: string; df: number; cost: number } | null {
  const chars = [...window];
  const maxChanged = chars.length >= 4 ? 2 : 1;
  let keys: string[][] = [[]];
  for (const c of chars) {
    const r = readings(c);
    if (!r.length) return null;
    keys = keys.flatMap((k) => r.map((s) => [...k, soundKey(s)])).slice(0, MAX_KEYS);
  }
  let best: { word: string; df: number; cost: number } | null = null;
  for (const e of vocabulary.soundingLike(new Set(keys.map((k) => k.join(' '))))) {
    if (e.df < MIN_DF || e.word.length !== chars.length) continue;
    let changed = 0;
    for (let k = 0; k < chars.length; k++) if (e.word[k] !== chars[k]) changed++;
    if (changed === 0 || changed > maxChanged) continue;
    let cost = 0;
    const syl = e.syllables.split(' ');
    for (let k = 0; k < chars.length; k++) {
      if (e.word[k] !== chars[k]) cost += readings(chars[k]).includes(syl[k]) ? SAME_SOUND_COST : NEAR_SOUND_COST;
    }
    if (!best || cost < best.cost - 1e-9 || (Math.abs(cost - best.cost) < 1e-9 && e.df > best.df)) best = { word: e.word, df: e.df, cost };
  }
  return best;
}

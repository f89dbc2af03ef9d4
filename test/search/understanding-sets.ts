/**
 * Evaluation sets for query understanding (pinyin input, initials, mixed input, same-sound
 * typos, Latin words that must stay literal), built deterministically from a list of documents.
 * Used by test/search/understanding.test.ts (an xwlb sample) and bench/understanding.ts (all of
 * xwlb as stored).
 *
 * Word statistics: nodejieba's precise cut (HMM on) of each document's title + '\n' + content;
 * a word's df is the number of documents it occurs in. Only words of 2+ Han characters
 * (U+4E00-U+9FFF) are considered. Readings come from pinyin-pro, toneless, ü typed `v`, read in
 * the word's context (银行 -> yin hang), so a query is what a user typing the word would type.
 *
 * "Common" words: df >= `minDf` (default 0.2% of the documents, at least 5: 20 in a sample of
 * 10,000, 150 in the 75,000 of xwlb), minus the `skipTop` (30) words of highest df (中国, 发展,
 * 工作, 记者, ... occur in a large share of the documents, so any reading of their query would put
 * them in the top 10: they test nothing).
 *
 * The sets, each sampled with a seeded PRNG (test/helpers.ts `random`) from its candidates
 * sorted by (df desc, word), so a given document list and seed always give the same queries:
 *
 * | set      | query                                      | candidates                                                                                         |
 * |----------|--------------------------------------------|----------------------------------------------------------------------------------------------------|
 * | pinyin   | joined toneless pinyin: `tushuguan`        | common words that are strictly the most frequent (df) of all sample words of 2+ Han characters spelling the same joined pinyin |
 * | initials | first letters: `tsg`, `ydyl`               | common words of 3-4 characters whose df is at least `initialsMargin` (1.5) times that of any other sample word of the same length with the same initials: initials are ambiguous by nature, so a query is kept only when one reading clearly dominates |
 * | mixed    | `tu书馆`, `图shu馆`, `jin陵`               | common words of 2-4 characters; 1 character replaced (2-character words) or 1-2 (3-4 characters), never all; the word must be strictly the most frequent sample word of its length matching the pattern (same kept characters, same readings at the replaced places) |
 * | typo     | `图书管`                                   | common words of 2-4 characters with one character replaced by a different, common character (among the `typoChars` (3,000) most frequent Han characters of the documents) whose main reading (pinyin-pro's reading of it alone: 广 guang, not an) is the reading the replaced character has in the word, so the two readings intersect; the most frequent such character that qualifies is used. The typo form occurs nowhere in the documents: not in any title, content or tags once normalized and stripped of whitespace and punctuation as the index's character stream is (stricter than a raw substring check: 敏感，涉及 holds 感涉 for a phrase search), so its df is 0; it is not a word of jieba's dictionary (cut without HMM gives it back whole); and the intended word is `margin` times as frequent as any other word read the same way and one character away from the typo (宣是 could be 宣示 or 宣誓: left out) |
 * | latin    | each Latin word as written: `APEC`, `5G`   | every distinct run of [A-Za-z0-9] with at least one letter in the titles, contents and tags     |
 *
 * Queries of the pinyin, initials and mixed sets whose Latin run(s) are themselves a Latin word
 * of the documents (case-insensitive) are left out: such a run is literal by design (the latin
 * set checks that).
 */
import nodejieba from 'nodejieba';
import { pinyin } from 'pinyin-pro';
import { searchableChars } from '../../src/analysis/analyzer.js';
import { normalize } from '../../src/analysis/normalize.js';
import { getSegmenter } from '../../src/analysis/segmenter.js';
import type { DocumentInput } from '../../src/index.js';
import { random } from '../helpers.js';

export type UnderstandingSetName = 'pinyin' | 'initials' | 'mixed' | 'typo' | 'latin';
export const UNDERSTANDING_SETS: readonly UnderstandingSetName[] = ['pinyin', 'initials', 'mixed', 'typo', 'latin'];

export interface UnderstandingQuery {
  set: UnderstandingSetName;
  /** What the user types. */
  q: string;
  /** The word meant (for `latin`: the word itself, which must keep its literal matches). */
  intended: string;
  /** How the query was made, for reports: e.g. `馆→管 (guan)`, `df 123, next 12`. */
  note?: string;
}

export interface UnderstandingSetOptions {
  /** Queries per set (default pinyin 150, initials 80, mixed 50, typo 150, latin Infinity: all). */
  sizes?: Partial<Record<UnderstandingSetName, number>>;
  /** Seed of the sampling (default 2024). */
  seed?: number;
  /** Least df of a common word (default max(5, round(0.2% of the documents))). */
  minDf?: number;
  /** The words of highest df left out as too generic (default 30). */
  skipTop?: number;
  /**
   * How much more frequent (df) the intended word of a pinyin, initials or mixed query must be
   * than any other sample word read the same way (default 1.5).
   */
  margin?: number;
  /** Replacement characters of typos: the N most frequent Han characters of the documents (default 3,000). */
  typoChars?: number;
}

/** Word and character statistics of a list of documents. */
export interface WordStats {
  documents: number;
  /** Document frequency of each word of 2+ Han characters (jieba precise cut of title + content). */
  df: Map<string, number>;
  /** Occurrences of each Han character in titles and contents. */
  charCount: Map<string, number>;
  /** Distinct Latin words (runs of [A-Za-z0-9] with a letter) of titles, contents and tags, as written. */
  latin: Set<string>;
  /**
   * Each document's title, content and tags as the index's character stream sees them
   * (normalized, whitespace and punctuation dropped), joined by NUL: a string found in it is
   * found by a phrase search.
   */
  text: string;
}

/** Text as the index's character stream: normalized, letters and digits only. */
const compact = (s: string) => searchableChars(normalize(s).text).join('');

const HAN_WORD = /^[\u4e00-\u9fff]{2,}$/;
const HAN_CHAR = /[\u4e00-\u9fff]/g;
const LATIN_RUN = /[A-Za-z0-9]+/g;
const LATIN_LETTER = /[A-Za-z]/;
const SYLLABLE = /^[a-z]+$/;

export function wordStats(docs: readonly DocumentInput[]): WordStats {
  getSegmenter(); // jieba with the project's user dictionary, as the engine cuts
  const df = new Map<string, number>();
  const charCount = new Map<string, number>();
  const latin = new Set<string>();
  const texts: string[] = [];
  for (const d of docs) {
    const text = `${d.title ?? ''}\n${d.content ?? ''}`;
    texts.push([d.title ?? '', d.content ?? '', (d.tags ?? []).join('\n')].map(compact).join('\u0001'));
    const seen = new Set<string>();
    for (const w of nodejieba.cut(text, true)) if (HAN_WORD.test(w)) seen.add(w);
    for (const w of seen) df.set(w, (df.get(w) ?? 0) + 1);
    for (const m of text.matchAll(HAN_CHAR)) charCount.set(m[0], (charCount.get(m[0]) ?? 0) + 1);
    for (const source of [text, ...(d.tags ?? [])]) {
      for (const m of source.matchAll(LATIN_RUN)) if (LATIN_LETTER.test(m[0])) latin.add(m[0]);
    }
  }
  return { documents: docs.length, df, charCount, latin, text: texts.join('\u0000') };
}

/** Toneless readings of a word's characters in context (ü as v), or null if one is not a syllable. */
export function readingsOf(word: string): string[] | null {
  const r = pinyin(word, { toneType: 'none', type: 'array', v: true });
  return r.length === word.length && r.every((s) => SYLLABLE.test(s)) ? r : null;
}

/** Every toneless reading of one character (ü as v). */
export function charReadings(ch: string): string[] {
  return pinyin(ch, { toneType: 'none', type: 'array', v: true, multiple: true }).filter((s) => SYLLABLE.test(s));
}

/** The first letters of a word's readings in context: 图书馆 -> tsg (中 -> z). */
export function initialsOf(word: string): string | null {
  const r = readingsOf(word);
  return r ? r.map((s) => s[0]).join('') : null;
}

/** Whether jieba's dictionaries (with the project's user dictionary) hold `s` as one word. */
export function isDictWord(s: string): boolean {
  const cut = nodejieba.cut(s, false);
  return cut.length === 1 && cut[0] === s;
}

/** Fisher-Yates shuffle of a copy, driven by `rnd`. */
function shuffled<T>(items: readonly T[], rnd: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** 0 .. length - 1 (Han words are BMP characters). */
const places = (w: string) => [...Array(w.length).keys()];

const byDf = (df: Map<string, number>) => (a: string, b: string) => (df.get(b) ?? 0) - (df.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0);

/** Builds the sets (see the header) from `docs`, or from their precomputed {@link wordStats}. */
export function buildUnderstandingSets(
  docs: readonly DocumentInput[] | WordStats,
  options: UnderstandingSetOptions = {},
): { queries: UnderstandingQuery[]; stats: WordStats; common: number } {
  const stats = Array.isArray(docs) ? wordStats(docs) : (docs as WordStats);
  const sizes: Record<UnderstandingSetName, number> = { pinyin: 150, initials: 80, mixed: 50, typo: 150, latin: Infinity, ...options.sizes };
  const seed = options.seed ?? 2024;
  const minDf = options.minDf ?? Math.max(5, Math.round(stats.documents * 0.002));
  const skipTop = options.skipTop ?? 30;
  const margin = options.margin ?? 1.5;
  const { df } = stats;
  const latinLower = new Set([...stats.latin].map((w) => w.toLowerCase()));

  // All words by df, their readings; the common ones.
  const words = [...df.keys()].sort(byDf(df));
  const readings = new Map<string, string[]>();
  for (const w of words) {
    const r = readingsOf(w);
    if (r) readings.set(w, r);
  }
  const common = words.slice(skipTop).filter((w) => (df.get(w) ?? 0) >= minDf && readings.has(w) && isDictWord(w));

  /** Groups of words by a key; each group lists its words in df order (words are in df order). */
  const groupBy = (key: (w: string) => string | null) => {
    const g = new Map<string, string[]>();
    for (const w of words) {
      const k = readings.has(w) ? key(w) : null;
      if (k === null) continue;
      const list = g.get(k);
      if (list) list.push(w);
      else g.set(k, [w]);
    }
    return g;
  };
  /** Whether `w` is first of its group by df, `factor` times ahead of the second. */
  const dominates = (group: string[], w: string, factor: number) => {
    if (group[0] !== w) return false;
    if (group.length === 1) return true;
    const [a, b] = [df.get(w) ?? 0, df.get(group[1]) ?? 0];
    return a > b && a >= factor * b;
  };
  const nextNote = (group: string[], w: string) => `df ${df.get(w)}${group.length > 1 ? `, next ${group[1]} ${df.get(group[1])}` : ''}`;
  // Toneless syllables of the documents' characters: an initials query that spells syllables
  // (中华儿女 -> zhen) reads as pinyin first, so it is left out.
  const syllables = new Set<string>();
  for (const ch of stats.charCount.keys()) for (const s of charReadings(ch)) syllables.add(s);
  const spellsSyllables = (q: string) => {
    const ok = [true];
    for (let end = 1; end <= q.length; end++) {
      ok[end] = false;
      for (let start = Math.max(0, end - 6); start < end && !ok[end]; start++) ok[end] = ok[start] && syllables.has(q.slice(start, end));
    }
    return ok[q.length];
  };
  const literalRun = (q: string) => [...q.matchAll(/[a-z]+/g)].some((m) => latinLower.has(m[0]));

  const queries: UnderstandingQuery[] = [];
  const take = (set: UnderstandingSetName, candidates: UnderstandingQuery[], salt: number) => {
    for (const c of shuffled(candidates, random(seed + salt)).slice(0, sizes[set])) queries.push(c);
  };

  // Words by their pinyin written together (tushuguan), in df order.
  const byPinyin = groupBy((w) => readings.get(w)!.join(''));

  // (a) full pinyin.
  {
    const groups = byPinyin;
    const candidates: UnderstandingQuery[] = [];
    for (const w of common) {
      const q = readings.get(w)!.join('');
      const group = groups.get(q)!;
      if (dominates(group, w, margin) && !latinLower.has(q)) candidates.push({ set: 'pinyin', q, intended: w, note: nextNote(group, w) });
    }
    take('pinyin', candidates, 1);
  }

  // (b) initials of 3- and 4-character words.
  {
    const groups = groupBy((w) => `${w.length}:${readings.get(w)!.map((s) => s[0]).join('')}`);
    const candidates: UnderstandingQuery[] = [];
    for (const w of common) {
      if (w.length < 3 || w.length > 4) continue;
      const q = readings.get(w)!.map((s) => s[0]).join('');
      const group = groups.get(`${w.length}:${q}`)!;
      if (dominates(group, w, margin) && !latinLower.has(q) && !spellsSyllables(q)) candidates.push({ set: 'initials', q, intended: w, note: nextNote(group, w) });
    }
    take('initials', candidates, 2);
  }

  // (c) mixed: some (not all) characters typed as pinyin.
  {
    const rnd = random(seed + 3);
    // Words of 2-4 characters by (length, place, character), in df order: the words that can fit a pattern.
    const byChar = new Map<string, string[]>();
    for (const w of words) {
      if (!readings.has(w) || w.length > 4) continue;
      for (let i = 0; i < w.length; i++) {
        const key = `${w.length}:${i}:${w[i]}`;
        const list = byChar.get(key);
        if (list) list.push(w);
        else byChar.set(key, [w]);
      }
    }
    const candidates: UnderstandingQuery[] = [];
    for (const w of common) {
      if (w.length > 4) continue;
      const r = readings.get(w)!;
      const k = w.length === 2 ? 1 : 1 + Math.floor(rnd() * 2);
      const typed = new Set(shuffled(places(w), rnd).slice(0, k));
      const q = [...w].map((ch, i) => (typed.has(i) ? r[i] : ch)).join('');
      if (literalRun(q)) continue;
      const kept = places(w).find((i) => !typed.has(i))!;
      const fitting = byChar
        .get(`${w.length}:${kept}:${w[kept]}`)!
        .filter((v) => [...v].every((ch, i) => (typed.has(i) ? readings.get(v)![i] === r[i] : ch === w[i])));
      if (dominates(fitting, w, margin)) candidates.push({ set: 'mixed', q, intended: w, note: nextNote(fitting, w) });
    }
    take('mixed', candidates, 4);
  }

  // (d) same-sound typos.
  {
    const rnd = random(seed + 5);
    const chars = [...stats.charCount.keys()].sort(byDf(stats.charCount)).slice(0, options.typoChars ?? 3000);
    // Characters by their main reading (pinyin-pro's reading of the character alone).
    const byReading = new Map<string, string[]>();
    for (const ch of chars) {
      const s = pinyin(ch, { toneType: 'none', v: true });
      if (SYLLABLE.test(s)) (byReading.get(s) ?? byReading.set(s, []).get(s)!).push(ch);
    }
    // Candidates are made in sampling order, so only as many substring checks as needed run.
    const pool = shuffled(common.filter((w) => w.length <= 4), random(seed + 6));
    const made: UnderstandingQuery[] = [];
    for (const w of pool) {
      if (made.length >= sizes.typo) break;
      const r = readings.get(w)!;
      let found: UnderstandingQuery | null = null;
      for (const i of shuffled(places(w), rnd)) {
        for (const ch of byReading.get(r[i]) ?? []) {
          if (ch === w[i]) continue;
          const typo = w.slice(0, i) + ch + w.slice(i + 1);
          if (df.has(typo) || isDictWord(typo) || stats.text.includes(typo)) continue;
          // Other words that sound the same and are one character away from the typo are as
          // good a correction: the intended word must dominate them (宣是: 宣示 or 宣誓).
          const rivals = byPinyin.get(r.join(''))!.filter((v) => v.length === w.length && [...v].filter((c, j) => c !== typo[j]).length === 1);
          if (!dominates(rivals, w, margin)) break;
          found = { set: 'typo', q: typo, intended: w, note: `${w[i]}→${ch} (${r[i]}), ${nextNote(rivals, w)}` };
          break;
        }
        if (found) break;
      }
      if (found) made.push(found);
    }
    queries.push(...made);
  }

  // (e) Latin words, all (or a sample).
  {
    const all = [...stats.latin].sort();
    const picked = Number.isFinite(sizes.latin) ? shuffled(all, random(seed + 7)).slice(0, sizes.latin) : all;
    for (const w of picked) queries.push({ set: 'latin', q: w, intended: w });
  }

  return { queries, stats, common: common.length };
}

/**
 * The index's vocabulary by sound: its Chinese words of two or more characters, found by their
 * pinyin (`tu shu guan` -> 图书馆), their initials (`tsg`), a pinyin prefix as the user types
 * (`tush`), or a sound key that merges confusable sounds (for typos: 图书管 -> 图书馆, 江泽明 ->
 * 江泽民). Every answer carries the word's document frequency, for ranking candidates.
 *
 * Built per segment from its word tables (title, content, tags: jieba's words) and the library and
 * place names ingestion extracted (its keyword columns), when a query first needs it, and cached with
 * the segment (segments never change, so a reopen builds only the new ones). Keys are kept in
 * sorted arrays searched by bisection: no hash tables of every key.
 *
 * Owns: the sound index of the vocabulary. Must not: parse queries or decide what a query means.
 */
import { initialsOf, isSyllable, readings, soundKey, wordPinyin } from '../analysis/pinyin.js';
import type { IndexSnapshot } from '../index/reader.js';
import { FIELDS, type KeywordColumn } from '../index/schema.js';
import { regionByCode } from '../analysis/regions.js';
import type { Segment } from '../index/segment.js';

/** A word of the index and the documents that have it (summed over segments). */
export interface VocabularyEntry {
  word: string;
  df: number;
}

/** Longest word (in characters) given a pinyin entry. */
export const MAX_WORD_CHARS = 12;
/** Sound keys per word at most (the readings of its polyphonic characters, combined). */
const MAX_SOUND_KEYS = 8;
/** Entries a prefix lookup scans per segment at most. */
const MAX_PREFIX_SCAN = 20_000;

/** Sorted keys and, in the same order, the word each belongs to. */
interface KeyIndex {
  keys: string[];
  words: Int32Array;
}

/** The sound index of one segment. */
class SegmentVocabulary {
  /** The words, and for each its document frequency (the most of any field) and its syllables (space-separated). */
  readonly words: string[] = [];
  readonly df: number[] = [];
  readonly syllables: string[] = [];
  /** By syllables written together (tushuguan): exact and prefix lookups. */
  readonly pinyin: KeyIndex;
  readonly initials: KeyIndex;
  /** By sound keys of every reading (space-separated). */
  readonly sound: KeyIndex;

  /** The sound index of `df`: each word and the documents that have it. */
  constructor(df: ReadonlyMap<string, number>) {
    const pinyinKeys: Array<[string, number]> = [];
    const initialKeys: Array<[string, number]> = [];
    const soundKeys: Array<[string, number]> = [];
    for (const [w, d] of df) {
      const syl = wordPinyin(w);
      if (syl.length !== w.length) continue;
      const id = this.words.length;
      this.words.push(w);
      this.df.push(d);
      this.syllables.push(syl.join(' '));
      pinyinKeys.push([syl.join(''), id]);
      initialKeys.push([initialsOf(syl), id]);
      for (const k of soundKeysOf(w, syl)) soundKeys.push([k, id]);
    }
    this.pinyin = sorted(pinyinKeys);
    this.initials = sorted(initialKeys);
    this.sound = sorted(soundKeys);
  }
}

/**
 * A segment's words for the vocabulary: jieba's words of two or more Han characters (the most
 * documents of any field), and the library and place names ingestion extracted (its columns).
 */
function segmentWords(segment: Segment): Map<string, number> {
  const df = new Map<string, number>();
  for (const f of FIELDS) {
    const table = segment.fields[f].words;
    for (let i = 0; i < table.terms.size; i++) {
      const w = table.terms.get(i);
      if (!isVocabularyWord(w)) continue;
      const d = table.df[i];
      if (d > (df.get(w) ?? 0)) df.set(w, d);
    }
  }
  // The library and place names ingestion extracted (columns), with the documents naming them.
  const names: Array<[KeywordColumn, (value: string) => string | undefined]> = [
    ['library', (v) => v],
    ['region', (code) => { const r = regionByCode(code); return r ? r.county || r.city || r.province : undefined; }],
  ];
  for (const [column, nameOf] of names) {
    const data = segment.columns.keyword[column];
    const counts = new Uint32Array(data.dict.size);
    for (const v of data.values) counts[v]++;
    for (let o = 0; o < data.dict.size; o++) {
      const name = nameOf(data.dict.get(o));
      if (name && isVocabularyWord(name) && counts[o] > (df.get(name) ?? 0)) df.set(name, counts[o]);
    }
  }
  return df;
}

/** Whether `w` can be a vocabulary word: 2 to {@link MAX_WORD_CHARS} Han characters. */
export function isVocabularyWord(w: string): boolean {
  return w.length >= 2 && w.length <= MAX_WORD_CHARS && isHan(w);
}

/** The sound keys of word `w` read `syl` in context, then with its characters' other readings. */
function soundKeysOf(w: string, syl: string[]): string[] {
  let combos: string[][] = [[]];
  for (let i = 0; i < w.length; i++) {
    const options = [syl[i], ...readings(w[i]).filter((r) => r !== syl[i])];
    const next: string[][] = [];
    for (const c of combos) for (const o of options) if (next.length < MAX_SOUND_KEYS) next.push([...c, soundKey(o)]);
    combos = next;
  }
  return [...new Set(combos.map((c) => c.join(' ')))];
}

function sorted(pairs: Array<[string, number]>): KeyIndex {
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  return { keys: pairs.map((p) => p[0]), words: Int32Array.from(pairs, (p) => p[1]) };
}

function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isHan(w: string): boolean {
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (!((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf))) return false;
  }
  return true;
}

const cache = new WeakMap<Segment, SegmentVocabulary>();

function ofSegment(segment: Segment): SegmentVocabulary {
  let v = cache.get(segment);
  if (!v) {
    v = new SegmentVocabulary(segmentWords(segment));
    cache.set(segment, v);
  }
  return v;
}

/** The vocabulary of a snapshot (lookups over every segment, document frequencies summed) or of a cluster. */
export class Vocabulary {
  private constructor(
    private readonly parts: SegmentVocabulary[],
    /** Documents having a word as a word in some field (the most of any field). */
    private readonly dfOf: (word: string) => number,
  ) {}

  private static readonly views = new WeakMap<IndexSnapshot, Vocabulary>();

  /** The vocabulary of `snapshot`, built for the segments that do not have one yet. */
  static of(snapshot: IndexSnapshot): Vocabulary {
    let v = Vocabulary.views.get(snapshot);
    if (!v) {
      v = new Vocabulary(
        snapshot.segments.map((s) => ofSegment(s.segment)),
        (word) => {
          let n = 0;
          for (const { segment } of snapshot.segments) {
            let most = 0;
            for (const f of FIELDS) {
              const table = segment.fields[f].words;
              const ord = table.lookup(word);
              if (ord >= 0 && table.df[ord] > most) most = table.df[ord];
            }
            n += most;
          }
          return n;
        },
      );
      Vocabulary.views.set(snapshot, v);
    }
    return v;
  }

  /**
   * A vocabulary from counts: `words`, each word and the documents having it as a word (the most
   * of any field); `names`, extracted library and place names and the documents naming them
   * (found by sound, as words are, but not words of the text).
   */
  static fromCounts(words: ReadonlyMap<string, number>, names: ReadonlyMap<string, number> = new Map()): Vocabulary {
    const all = new Map<string, number>();
    for (const [w, n] of words) if (isVocabularyWord(w)) all.set(w, n);
    for (const [w, n] of names) if (isVocabularyWord(w) && n > (all.get(w) ?? 0)) all.set(w, n);
    return new Vocabulary([new SegmentVocabulary(all)], (word) => words.get(word) ?? 0);
  }

  /** Words read exactly as `syllables` in context (tu shu guan -> 图书馆), most frequent first. */
  spelled(syllables: readonly string[]): VocabularyEntry[] {
    const spaced = syllables.join(' ');
    return this.collect((p, add) => each(p.pinyin, syllables.join(''), (id) => p.syllables[id] === spaced && add(p, id)));
  }

  /** Words whose syllables begin with these letters (tsg -> 图书馆), most frequent first. */
  withInitials(letters: string): VocabularyEntry[] {
    return this.collect((p, add) => each(p.initials, letters, (id) => add(p, id)));
  }

  /**
   * Words with one of these sound keys (space-separated {@link soundKey}s), most frequent first,
   * with their syllables in context (space-separated).
   */
  soundingLike(keys: Iterable<string>): Array<VocabularyEntry & { syllables: string }> {
    const list = [...keys];
    const syllables = new Map<string, string>();
    return this.collect((p, add) => {
      for (const k of list) {
        each(p.sound, k, (id) => {
          syllables.set(p.words[id], p.syllables[id]);
          add(p, id);
        });
      }
    }).map((e) => ({ ...e, syllables: syllables.get(e.word)! }));
  }

  /**
   * Words whose pinyin written together, or whose initials, start with `letters` (as the user types
   * `tush` or `tsg`), most frequent first.
   */
  startingWith(letters: string): VocabularyEntry[] {
    return this.collect((p, add) => {
      for (const index of [p.pinyin, p.initials]) {
        const start = lowerBound(index.keys, letters);
        for (let i = start; i < index.keys.length && i - start < MAX_PREFIX_SCAN && index.keys[i].startsWith(letters); i++) add(p, index.words[i]);
      }
    });
  }

  /** Documents having `word` as a word in some field (the most of any field, summed over segments); 0 if none. */
  df(word: string): number {
    return this.dfOf(word);
  }

  /** Words and keys held (over all segments), for reports. */
  size(): { words: number; keys: number } {
    let words = 0;
    let keys = 0;
    for (const p of this.parts) {
      words += p.words.length;
      keys += p.pinyin.keys.length + p.initials.keys.length + p.sound.keys.length;
    }
    return { words, keys };
  }

  private collect(visit: (p: SegmentVocabulary, add: (p: SegmentVocabulary, id: number) => void) => void): VocabularyEntry[] {
    const found = new Map<string, number>();
    const seen = new Set<string>();
    for (const part of this.parts) {
      seen.clear();
      visit(part, (p, id) => {
        const w = p.words[id];
        if (seen.has(w)) return;
        seen.add(w);
        found.set(w, (found.get(w) ?? 0) + p.df[id]);
      });
    }
    return [...found]
      .map(([word, df]) => ({ word, df }))
      .sort((a, b) => b.df - a.df || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  }
}

/** Calls `fn` with the word of every key equal to `key`. */
function each(index: KeyIndex, key: string, fn: (id: number) => void): void {
  for (let i = lowerBound(index.keys, key); i < index.keys.length && index.keys[i] === key; i++) fn(index.words[i]);
}

/** Builds the vocabulary of `snapshot` (and the syllable table) now; its size. */
export function warmVocabulary(snapshot: IndexSnapshot): { words: number; keys: number } {
  isSyllable('a');
  return Vocabulary.of(snapshot).size();
}

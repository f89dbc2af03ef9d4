/**
 * Completions as the user types: indexed words that start with the input (from the sorted term
 * dictionaries, ranked by document frequency), words whose pinyin or initials start with Latin
 * input (`tush`, `tsg` -> 图书馆; see vocabulary.ts), and titles that start with it (newest first).
 * Each word's count is the total that searching it returns (the search runs), so the count shown is
 * the count the user gets; a word whose count cannot be had within {@link COUNT_TIMEOUT_MS} is left
 * out rather than shown with a wrong one.
 *
 * The input is normalized like a query (Traditional -> Simplified, lower-case), so 圖書 completes
 * to 图书馆. Titles are matched on their searchable characters (punctuation and spaces ignored)
 * and returned as stored, in their original script; they need two characters of input (character
 * bigrams carry positions, single characters do not).
 *
 * Owns: finding completions. Must not: score documents or know about HTTP.
 */
import { normalize, isSearchable } from '../analysis/normalize.js';
import type { IndexSnapshot } from '../index/reader.js';
import { FIELDS, NO_DATE } from '../index/schema.js';
import { matchSubstring } from './substring.js';
import { IndexFileError } from '../index/section-file.js';
import type { Analyzer } from '../analysis/analyzer.js';
import { SearchBudgetError } from './budget.js';
import { search } from './searcher.js';
import { Vocabulary } from './vocabulary.js';

export interface Suggestions {
  /** Words starting with the input, or whose pinyin or initials do (not the input itself), most frequent first; `count`: what searching the word finds. */
  words: Array<{ text: string; count: number }>;
  /** Documents whose title starts with the input, newest first. */
  titles: Array<{ id: string; title: string }>;
}

/** Dictionary entries scanned per term table at most (a one-character prefix can have thousands). */
const MAX_SCAN = 5000;

/** Time to count one suggested word (a search of it), at most. */
export const COUNT_TIMEOUT_MS = 100;

export function suggest(snapshot: IndexSnapshot, analyzer: Analyzer, input: string, limit = 8): Suggestions {
  const prefix = normalize(input.trim()).text;
  const chars = searchableChars(prefix);
  if (!prefix || !chars.length) return { words: [], titles: [] };
  const candidates = words(snapshot, prefix, limit);
  // Latin input may be the start of pinyin or initials.
  const letters = prefix.replace(/['’\s]+/g, '');
  if (/^[a-z]+$/.test(letters)) {
    for (const e of Vocabulary.of(snapshot).startingWith(letters).slice(0, limit)) if (!candidates.some((c) => c.text === e.word)) candidates.push({ text: e.word, count: e.df });
    candidates.sort((a, b) => b.count - a.count);
  }
  const counted: Suggestions['words'] = [];
  for (const c of candidates) {
    if (counted.length >= limit) break;
    try {
      counted.push({ text: c.text, count: search(snapshot, analyzer, c.text, { size: 1, highlight: false, timeoutMs: COUNT_TIMEOUT_MS }).total });
    } catch (err) {
      if (!(err instanceof SearchBudgetError)) throw err;
    }
  }
  counted.sort((a, b) => b.count - a.count);
  return { words: counted.filter((c) => c.count > 0), titles: chars.length >= 2 ? titles(snapshot, chars, limit) : [] };
}

/** The searchable characters of `text` (what completions match on). */
export function searchableChars(text: string): string[] {
  return [...text].filter((c) => isSearchable(c.codePointAt(0)!));
}

function words(snapshot: IndexSnapshot, prefix: string, limit: number): Suggestions['words'] {
  const counts = new Map<string, number>();
  for (const { segment } of snapshot.segments) {
    for (const f of FIELDS) {
      const table = segment.fields[f].words;
      const [start, end] = table.terms.prefixRange(prefix);
      for (let i = start; i < Math.min(end, start + MAX_SCAN); i++) {
        const term = table.terms.get(i);
        if (term !== prefix) counts.set(term, (counts.get(term) ?? 0) + table.df[i]);
      }
    }
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].length - b[0].length || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([text, count]) => ({ text, count }));
}

function titles(snapshot: IndexSnapshot, chars: string[], limit: number): Suggestions['titles'] {
  // Candidates: the title contains the characters and its first gram sits at position 0.
  const lead = chars[0] + chars[1];
  const candidates: Array<{ segment: number; doc: number; date: number }> = [];
  snapshot.segments.forEach(({ segment, deleted }, s) => {
    const grams = segment.fields.title.grams;
    const ord = grams.lookup(lead);
    if (ord < 0) return;
    const atStart = new Set<number>();
    const lists = grams.positions(ord);
    for (let i = 0; i < lists.docs.length; i++) if (lists.positions[lists.starts[i]] === 0) atStart.add(lists.docs[i]);
    const containing = chars.length > 2 ? matchSubstring(grams, chars).docs : lists.docs;
    const dates = segment.columns.date;
    for (const doc of containing) {
      if (atStart.has(doc) && !(deleted && deleted[doc])) candidates.push({ segment: s, doc, date: dates[doc] === NO_DATE ? -Infinity : dates[doc] });
    }
  });
  candidates.sort((a, b) => b.date - a.date);
  const out: Suggestions['titles'] = [];
  const seen = new Set<string>();
  const wanted = chars.join('');
  // Verify on the stored title (positions count the indexed text, which may differ in rare cases).
  for (const c of candidates.slice(0, limit * 4)) {
    let doc;
    try {
      doc = snapshot.segments[c.segment].segment.summary(c.doc);
    } catch (err) {
      // A damaged stored document (see `zhsearch check`) is left out of the suggestions.
      if (err instanceof IndexFileError) continue;
      throw err;
    }
    const title = doc.title ?? '';
    if (seen.has(title) || !searchableChars(normalize(title).text).join('').startsWith(wanted)) continue;
    seen.add(title);
    out.push({ id: doc.id, title });
    if (out.length >= limit) break;
  }
  return out;
}

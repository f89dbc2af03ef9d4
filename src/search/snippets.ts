/**
 * Highlighting and snippets in the document's ORIGINAL script.
 *
 * A query term matches where its searchable characters (normalized: Simplified, lower-case,
 * half-width) occur consecutively in the normalized field, skipping characters searching ignores
 * (spaces, punctuation), exactly as the index matches. Matches are found in `normalize(original)`
 * and mapped back through its offset map, so a Traditional article is highlighted in Traditional.
 *
 * Snippet: the content is cut into sentences (。！？；!?; and line ends; over-long sentences at
 * clause punctuation ，、：, then anywhere outside a match); the passage of consecutive pieces that
 * fits `length` and contains the most distinct terms (then the most matches, then the one whose
 * first match is nearest its start, then the earliest) wins. When a second, shorter passage would show terms the first misses, two half-length passages
 * are shown. Without matches the snippet is the start of the content.
 *
 * HTML: each match is wrapped in `<mark>`, every other character is escaped, so stored text can
 * never inject markup. `highlights` are the same matches as [start, end) UTF-16 offsets into the
 * original field.
 *
 * Owns: matching terms in text, choosing passages, escaping. Must not: read the index or parse queries.
 */
import { isSearchable, normalize, toOriginalRange } from '../analysis/normalize.js';

/** A half-open range of UTF-16 offsets into the original text. */
export type Range = [number, number];

export interface Highlighted {
  html: string;
  highlights: Range[];
}

/** A match of term `term` (index into the terms given). */
interface Match {
  start: number;
  end: number;
  term: number;
}

/** Default snippet length in characters. */
export const DEFAULT_SNIPPET_LENGTH = 120;
/** Highlights reported per field at most. */
const MAX_HIGHLIGHTS = 200;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * Every match of `terms` (each a list of normalized searchable characters, as in a plan leaf) in
 * `text`, sorted by start; overlapping matches of different terms are all returned.
 */
function findMatches(text: string, terms: readonly (readonly string[])[]): Match[] {
  const wanted = terms.filter((t) => t.length > 0);
  if (!wanted.length || !text) return [];
  const n = normalize(text);
  // The searchable characters of the normalized text, with their normalized [start, end).
  const chars: string[] = [];
  const starts: number[] = [];
  for (let i = 0; i < n.text.length; ) {
    const code = n.text.codePointAt(i)!;
    const width = code > 0xffff ? 2 : 1;
    if (isSearchable(code)) {
      chars.push(n.text.slice(i, i + width));
      starts.push(i);
    }
    i += width;
  }
  const ends = chars.map((c, k) => starts[k] + c.length);
  const out: Match[] = [];
  terms.forEach((term, t) => {
    if (!term.length) return;
    for (let k = 0; k + term.length <= chars.length; k++) {
      if (chars[k] !== term[0]) continue;
      let j = 1;
      while (j < term.length && chars[k + j] === term[j]) j++;
      if (j < term.length) continue;
      const [start, end] = toOriginalRange(n, text, starts[k], ends[k + term.length - 1]);
      out.push({ start, end, term: t });
    }
  });
  return out.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** Overlapping or touching ranges merged. */
function merge(matches: readonly Match[]): Range[] {
  const out: Range[] = [];
  for (const m of matches) {
    const last = out[out.length - 1];
    if (last && m.start <= last[1]) last[1] = Math.max(last[1], m.end);
    else out.push([m.start, m.end]);
  }
  return out;
}

/** `text[from, to)` as HTML with `marks` (sorted, disjoint) wrapped in `<mark>`; whitespace runs collapsed. */
function render(text: string, from: number, to: number, marks: readonly Range[]): string {
  let html = '';
  let at = from;
  const plain = (a: number, b: number) => escapeHtml(text.slice(a, b).replace(/\s+/g, ' '));
  for (const [s, e] of marks) {
    const start = Math.max(s, from);
    const end = Math.min(e, to);
    if (end <= start || start < at) continue;
    html += plain(at, start) + '<mark>' + plain(start, end) + '</mark>';
    at = end;
  }
  return html + plain(at, to);
}

/** The whole of `text` with every match of `terms` marked (titles, the article view). */
export function highlightText(text: string, terms: readonly (readonly string[])[]): Highlighted {
  const marks = merge(findMatches(text, terms));
  return { html: render(text, 0, text.length, marks), highlights: marks.slice(0, MAX_HIGHLIGHTS) };
}

const SENTENCE_END = /[。！？；!?;…\n]/;
const CLAUSE_END = /[，、：,:]/;
const CLOSERS = /[”’」』）)\]】"']/;

/**
 * Pieces of `text` no longer than `max`: sentences, then clauses, then hard cuts that never split
 * a match or a surrogate pair. Leading and trailing whitespace of each piece is dropped.
 */
function pieces(text: string, max: number, marks: readonly Range[]): Range[] {
  const split = (from: number, to: number, end: RegExp): Range[] => {
    const out: Range[] = [];
    let start = from;
    for (let i = from; i < to; i++) {
      if (!end.test(text[i])) continue;
      let stop = i + 1;
      while (stop < to && (end.test(text[stop]) || CLOSERS.test(text[stop]))) stop++;
      out.push([start, stop]);
      start = stop;
      i = stop - 1;
    }
    if (start < to) out.push([start, to]);
    return out;
  };
  const hardCut = ([from, to]: Range): Range[] => {
    const out: Range[] = [];
    let start = from;
    while (to - start > max) {
      let cut = start + max;
      if (cut < to && /[\udc00-\udfff]/.test(text[cut])) cut--;
      const inside = marks.find(([s, e]) => s < cut && cut < e);
      if (inside) cut = inside[0] > start ? inside[0] : inside[1];
      out.push([start, cut]);
      start = cut;
    }
    out.push([start, to]);
    return out;
  };
  const result: Range[] = [];
  for (const sentence of split(0, text.length, SENTENCE_END)) {
    if (sentence[1] - sentence[0] <= max) result.push(sentence);
    else for (const clause of split(sentence[0], sentence[1], CLAUSE_END)) result.push(...(clause[1] - clause[0] <= max ? [clause] : hardCut(clause)));
  }
  return result.map(([s, e]) => trim(text, s, e)).filter(([s, e]) => e > s);
}

function trim(text: string, s: number, e: number): Range {
  while (s < e && /\s/.test(text[s])) s++;
  while (e > s && /\s/.test(text[e - 1])) e--;
  return [s, e];
}

interface Passage {
  range: Range;
  terms: Set<number>;
  matches: number;
  /** Characters before the first match: less is tighter. */
  lead: number;
}

/** The best run of consecutive pieces fitting `max` characters; `known` terms add nothing. */
function bestPassage(text: string, matches: readonly Match[], max: number, known: ReadonlySet<number>, avoid: Range | null): Passage | null {
  const marks = merge(matches);
  const ps = pieces(text, max, marks);
  let best: Passage | null = null;
  for (let i = 0; i < ps.length; i++) {
    let j = i;
    while (j + 1 < ps.length && ps[j + 1][1] - ps[i][0] <= max) j++;
    const range: Range = [ps[i][0], ps[j][1]];
    if (avoid && range[0] < avoid[1] && avoid[0] < range[1]) continue;
    const inside = matches.filter((m) => m.start >= range[0] && m.end <= range[1]);
    const terms = new Set(inside.map((m) => m.term).filter((t) => !known.has(t)));
    const lead = inside.length ? inside[0].start - range[0] : 0;
    const candidate: Passage = { range, terms, matches: inside.length, lead };
    if (!best || better(candidate, best)) best = candidate;
  }
  return best;
}

/** More distinct terms, then more matches, then the first match nearer the start; else the earlier passage. */
function better(a: Passage, b: Passage): boolean {
  if (a.terms.size !== b.terms.size) return a.terms.size > b.terms.size;
  if (a.matches !== b.matches) return a.matches > b.matches;
  return a.lead < b.lead;
}

/** Renders one passage, with an ellipsis where it cuts a sentence. */
function renderPassage(text: string, [from, to]: Range, marks: readonly Range[]): string {
  const before = text.slice(0, from).trimEnd();
  const opensSentence = before === '' || SENTENCE_END.test(before[before.length - 1]) || CLOSERS.test(before[before.length - 1]);
  const after = text.slice(to).trim();
  const closesSentence = after === '' || SENTENCE_END.test(text[to - 1]) || CLOSERS.test(text[to - 1]);
  return (opensSentence ? '' : '…') + render(text, from, to, marks) + (closesSentence ? '' : '…');
}

/**
 * The best passage (or two) of `text` for `terms`, about `length` characters, as HTML; and every
 * match in `text` as offsets.
 */
export function snippet(text: string, terms: readonly (readonly string[])[], length = DEFAULT_SNIPPET_LENGTH): Highlighted {
  const matches = findMatches(text, terms);
  const marks = merge(matches);
  const highlights = marks.slice(0, MAX_HIGHLIGHTS);
  const none = new Set<number>();
  const first = bestPassage(text, matches, length, none, null);
  if (!first) return { html: '', highlights };
  const found = new Set(matches.map((m) => m.term));
  let chosen: Range[] = [first.range];
  if (first.terms.size < found.size) {
    const a = bestPassage(text, matches, Math.floor(length / 2), none, null);
    const b = a && bestPassage(text, matches, Math.floor(length / 2), a.terms, a.range);
    if (a && b && b.terms.size > 0 && a.terms.size + b.terms.size > first.terms.size) chosen = [a.range, b.range].sort((x, y) => x[0] - y[0]);
  }
  return { html: chosen.map((r) => renderPassage(text, r, marks)).join(' '), highlights };
}

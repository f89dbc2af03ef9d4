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
 * Cost: one pass over the text into typed arrays of its searchable code points and their original
 * offsets (a text without Traditional characters or pinyin artifacts skips building the normalized
 * string), one pass of an Aho-Corasick automaton of the terms over them (linear in the text and the
 * matches, whatever the terms' length), character classes from a lookup table, passages scored
 * with a moving pointer. The time budget is checked every 4,096 characters.
 *
 * Owns: matching terms in text, choosing passages, escaping. Must not: read the index or parse queries.
 */
import { hasTraditional, isSearchable, normalize } from '../analysis/normalize.js';
import { Budget } from './budget.js';

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
 * Highlighted HTML of a text (escaped, with `<mark>`) as paragraphs: one `<p>` per non-blank line
 * of the text (the stored content keeps its paragraphs as lines). A match that runs over a line
 * break (punctuation and spaces do not break a match) is closed at the end of its paragraph and
 * opened again in the next, so every `<p>` is well-formed.
 */
export function asParagraphs(html: string): string {
  let open = false;
  let out = '';
  for (const line of html.split('\n')) {
    let body = open ? `<mark>${line}` : line;
    const opens = line.split('<mark>').length - 1;
    const closes = line.split('</mark>').length - 1;
    open = open ? opens >= closes : opens > closes;
    if (open) body += '</mark>';
    if (body.replace(/<\/?mark>/g, '').trim()) out += `<p>${body}</p>`;
  }
  return out;
}

/** The searchable characters of a text after normalization, with the original range of each. */
interface Searchable {
  length: number;
  /** Normalized code point of each searchable character. */
  codes: Int32Array;
  /** Original [start, end) of the character that produced it. */
  starts: Int32Array;
  ends: Int32Array;
}

/** The normalized form of one code point when folding it is more than ASCII lower-casing. */
interface Folded {
  /** Its searchable code points. */
  codes: number[];
  /** True when the folded form has a character Traditional-to-Simplified conversion changes. */
  traditional: boolean;
}

const folds = new Map<number, Folded>();

/** How `normalize` folds code point `code` (not ASCII, not in the main CJK block). */
function fold(code: number): Folded {
  let f = folds.get(code);
  if (!f) {
    const folded = String.fromCodePoint(code).normalize('NFKC').toLowerCase();
    const codes: number[] = [];
    for (const ch of folded) if (isSearchable(ch.codePointAt(0)!)) codes.push(ch.codePointAt(0)!);
    f = { codes, traditional: hasTraditional(folded) };
    if (folds.size < 10_000) folds.set(code, f);
  }
  return f;
}

/** Scratch arrays reused by every call (a Searchable is consumed before the next is made). */
let scratch: Searchable = { length: 0, codes: new Int32Array(4096), starts: new Int32Array(4096), ends: new Int32Array(4096) };

/** The scratch arrays, emptied, with room for at least `capacity` characters. */
function newSearchable(capacity: number): Searchable {
  if (scratch.codes.length < capacity) scratch = { length: 0, codes: new Int32Array(capacity), starts: new Int32Array(capacity), ends: new Int32Array(capacity) };
  scratch.length = 0;
  return scratch;
}

function push(s: Searchable, code: number, start: number, end: number): Searchable {
  if (s.length === s.codes.length) {
    const grown: Searchable = { length: s.length, codes: new Int32Array(s.codes.length * 2), starts: new Int32Array(s.codes.length * 2), ends: new Int32Array(s.codes.length * 2) };
    grown.codes.set(s.codes);
    grown.starts.set(s.starts);
    grown.ends.set(s.ends);
    s = scratch = grown;
  }
  s.codes[s.length] = code;
  s.starts[s.length] = start;
  s.ends[s.length++] = end;
  return s;
}

/**
 * The searchable characters of `normalize(text)` and the original range of each, as matching sees
 * them. Text without a pinyin artifact (they need a parenthesis) and without characters the
 * Traditional conversion changes normalizes character by character, so it is folded directly;
 * other text goes through `normalize` and its offset map.
 */
function searchable(text: string): Searchable {
  if (text.includes('(') || hasTraditional(text)) return searchableNormalized(text);
  let out = newSearchable(text.length);
  for (let i = 0; i < text.length; ) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      if (unit >= 97 ? unit <= 122 : unit >= 65 ? unit <= 90 : unit >= 48 && unit <= 57) out = push(out, unit >= 65 && unit <= 90 ? unit + 32 : unit, i, i + 1);
      i++;
    } else if (unit >= 0x4e00 && unit <= 0x9fff) {
      out = push(out, unit, i, i + 1);
      i++;
    } else {
      const code = text.codePointAt(i)!;
      const width = code > 0xffff ? 2 : 1;
      const f = fold(code);
      if (f.traditional) return searchableNormalized(text);
      for (const c of f.codes) out = push(out, c, i, i + width);
      i += width;
    }
  }
  return out;
}

/** {@link searchable} through `normalize` and its offset map (any text). */
function searchableNormalized(text: string): Searchable {
  const n = normalize(text);
  let out = newSearchable(n.text.length);
  for (let i = 0; i < n.text.length; ) {
    const code = n.text.codePointAt(i)!;
    const width = code > 0xffff ? 2 : 1;
    if (isSearchable(code)) {
      // The original character that produced the character's last unit ends the range.
      const last = n.map[i + width - 1];
      out = push(out, code, n.map[i], last + ((text.codePointAt(last) ?? 0) > 0xffff ? 2 : 1));
    }
    i += width;
  }
  return out;
}

/**
 * The terms as an Aho-Corasick automaton over code points: one pass over a text finds every
 * match of every term, overlapping ones included, in time linear in the text and the matches
 * (a 4,000-character phrase over a 200,000-character repetitive text is one pass, not a
 * comparison of the phrase at every position). Built once per term list (cached).
 */
interface Automaton {
  /** Transitions of each state: code point -> state. */
  next: Array<Map<number, number>>;
  fail: Int32Array;
  /** The terms ending at each state itself. */
  ends: number[][];
  /** The nearest state on the failure chain (excluding itself) where some term ends, or -1. */
  outputLink: Int32Array;
  /** Length in characters of each term. */
  lengths: number[];
}

const automata = new WeakMap<readonly (readonly string[])[], Automaton | null>();

/** The automaton of `terms` (each a list of searchable characters), or null if none can match. */
function automaton(terms: readonly (readonly string[])[]): Automaton | null {
  if (automata.has(terms)) return automata.get(terms)!;
  const next: Array<Map<number, number>> = [new Map()];
  const ends: number[][] = [[]];
  const lengths: number[] = [];
  let any = false;
  terms.forEach((term, t) => {
    lengths.push(term.length);
    if (!term.length) return;
    // A term character is one code point; a term with a character that is not can match nothing.
    const codes = term.map((c) => (c.length > 0 && c.length === String.fromCodePoint(c.codePointAt(0)!).length ? c.codePointAt(0)! : -1));
    if (codes.includes(-1)) return;
    let state = 0;
    for (const code of codes) {
      let to = next[state].get(code);
      if (to === undefined) {
        to = next.length;
        next.push(new Map());
        ends.push([]);
        next[state].set(code, to);
      }
      state = to;
    }
    ends[state].push(t);
    any = true;
  });
  let result: Automaton | null = null;
  if (any) {
    const fail = new Int32Array(next.length);
    const outputLink = new Int32Array(next.length).fill(-1);
    const queue: number[] = [...next[0].values()];
    for (let q = 0; q < queue.length; q++) {
      const state = queue[q];
      for (const [code, to] of next[state]) {
        let f = fail[state];
        while (f > 0 && !next[f].has(code)) f = fail[f];
        const target = next[f].get(code);
        fail[to] = target !== undefined && target !== to ? target : 0;
        outputLink[to] = ends[fail[to]].length ? fail[to] : outputLink[fail[to]];
        queue.push(to);
      }
    }
    result = { next, fail, ends, outputLink, lengths };
  }
  automata.set(terms, result);
  return result;
}

/**
 * Runs the automaton of `terms` over the searchable characters `codes[0..length)`, calling
 * `found(first, last, term)` for every match (searchable-character indexes, inclusive), in the
 * order their last characters come; checks the budget every 4,096 characters.
 */
function scan(a: Automaton, codes: Int32Array, length: number, budget: Budget, found: (first: number, last: number, term: number) => void): void {
  let state = 0;
  for (let k = 0; k < length; k++) {
    if ((k & 4095) === 4095) budget.check();
    const code = codes[k];
    let to = a.next[state].get(code);
    while (to === undefined && state > 0) {
      state = a.fail[state];
      to = a.next[state].get(code);
    }
    state = to ?? 0;
    for (let s = a.ends[state].length ? state : a.outputLink[state]; s >= 0; s = a.outputLink[s]) {
      for (const term of a.ends[s]) found(k - a.lengths[term] + 1, k, term);
    }
  }
}

/**
 * Every match of `terms` (each a list of normalized searchable characters, as in a plan leaf) in
 * `text`, sorted by start; overlapping matches of different terms are all returned.
 */
function findMatches(text: string, terms: readonly (readonly string[])[], budget: Budget): Match[] {
  if (!text) return [];
  const a = automaton(terms);
  if (!a) return [];
  const { length, codes, starts, ends } = searchable(text);
  const out: Match[] = [];
  scan(a, codes, length, budget, (first, last, term) => out.push({ start: starts[first], end: ends[last], term }));
  if (out.length > 4096) budget.check();
  return out.sort((x, y) => x.start - y.start || y.end - x.end || x.term - y.term);
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

/**
 * `text[from, to)` as HTML with `marks` (sorted, disjoint) wrapped in `<mark>`; whitespace runs
 * collapsed to a space, or with `lines`, to a line break when they hold one (for {@link asParagraphs}).
 */
function render(text: string, from: number, to: number, marks: readonly Range[], lines = false): string {
  let html = '';
  let at = from;
  const space = lines ? (w: string) => (w.includes('\n') ? '\n' : ' ') : () => ' ';
  const plain = (a: number, b: number) => escapeHtml(text.slice(a, b).replace(/\s+/g, space));
  for (const [s, e] of marks) {
    const start = Math.max(s, from);
    const end = Math.min(e, to);
    if (end <= start || start < at) continue;
    html += plain(at, start) + '<mark>' + plain(start, end) + '</mark>';
    at = end;
  }
  return html + plain(at, to);
}

/**
 * The whole of `text` with every match of `terms` marked (titles, the article view); whitespace
 * runs are collapsed, a run with a line break to one line break (the text's paragraphs: see
 * {@link asParagraphs}).
 */
export function highlightText(text: string, terms: readonly (readonly string[])[], budget: Budget = Budget.unlimited()): Highlighted {
  const marks = findMarks(text, terms, budget);
  return { html: render(text, 0, text.length, marks, true), highlights: marks.slice(0, MAX_HIGHLIGHTS) };
}

/** Scratch of {@link findMarks}: per searchable character, the furthest end of a match starting there. */
let scratchReach = new Int32Array(4096);

/**
 * The merged ranges {@link merge} makes of {@link findMatches}, without a match object per match:
 * each match only extends the reach of its start, and one sweep joins overlapping ones (a whole
 * article of 图书图书… under a phrase of 图书图书… is 100,000 matches and one range).
 */
function findMarks(text: string, terms: readonly (readonly string[])[], budget: Budget): Range[] {
  if (!text) return [];
  const a = automaton(terms);
  if (!a) return [];
  const { length, codes, starts, ends } = searchable(text);
  if (scratchReach.length < length) scratchReach = new Int32Array(length * 2);
  const reach = scratchReach.fill(0, 0, length);
  scan(a, codes, length, budget, (first, last) => {
    if (reach[first] < last + 1) reach[first] = last + 1;
  });
  // Runs of overlapping matches (in searchable characters), then ranges that touch in the original text.
  const out: Range[] = [];
  for (let k = 0; k < length; ) {
    if (reach[k] === 0) {
      k++;
      continue;
    }
    let end = reach[k];
    for (let j = k + 1; j < end; j++) if (reach[j] > end) end = reach[j];
    const range: Range = [starts[k], ends[end - 1]];
    const last = out[out.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else out.push(range);
    k = end;
  }
  return out;
}

const SENTENCE_END = /[。！？；!?;…\n]/;
const CLAUSE_END = /[，、：,:]/;
const CLOSERS = /[”’」』）)\]】"']/;

/** Character classes of UTF-16 units, a bit each. */
const SENTENCE = 1;
const CLAUSE = 2;
const CLOSER = 4;
const SPACE = 8;
let classTable: Uint8Array | undefined;

/** The classes of every UTF-16 unit, from the regular expressions above and `\s` (built once). */
function classes(): Uint8Array {
  if (classTable) return classTable;
  const t = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    const ch = String.fromCharCode(c);
    t[c] = (SENTENCE_END.test(ch) ? SENTENCE : 0) | (CLAUSE_END.test(ch) ? CLAUSE : 0) | (CLOSERS.test(ch) ? CLOSER : 0) | (/\s/.test(ch) ? SPACE : 0);
  }
  return (classTable = t);
}

/** True when the unit at `i` has one of the classes in `mask`. */
const is = (text: string, i: number, mask: number) => (classes()[text.charCodeAt(i)] & mask) !== 0;

/**
 * Pieces of `text` no longer than `max`: sentences, then clauses, then hard cuts that never split
 * a match or a surrogate pair. Leading and trailing whitespace of each piece is dropped.
 */
function pieces(text: string, max: number, marks: readonly Range[]): Range[] {
  const split = (from: number, to: number, end: number): Range[] => {
    const out: Range[] = [];
    let start = from;
    for (let i = from; i < to; i++) {
      if (!is(text, i, end)) continue;
      let stop = i + 1;
      while (stop < to && is(text, stop, end | CLOSER)) stop++;
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
      if (cut < to && (text.charCodeAt(cut) & 0xfc00) === 0xdc00) cut--;
      const inside = marks.find(([s, e]) => s < cut && cut < e);
      if (inside) cut = inside[0] > start ? inside[0] : inside[1];
      out.push([start, cut]);
      start = cut;
    }
    out.push([start, to]);
    return out;
  };
  const result: Range[] = [];
  for (const sentence of split(0, text.length, SENTENCE)) {
    if (sentence[1] - sentence[0] <= max) result.push(sentence);
    else for (const clause of split(sentence[0], sentence[1], CLAUSE)) result.push(...(clause[1] - clause[0] <= max ? [clause] : hardCut(clause)));
  }
  return result.map(([s, e]) => trim(text, s, e)).filter(([s, e]) => e > s);
}

function trim(text: string, s: number, e: number): Range {
  while (s < e && is(text, s, SPACE)) s++;
  while (e > s && is(text, e - 1, SPACE)) e--;
  return [s, e];
}

interface Passage {
  range: Range;
  terms: Set<number>;
  matches: number;
  /** Characters before the first match: less is tighter. */
  lead: number;
}

/** The best run of consecutive pieces `ps` fitting `max` characters; `known` terms add nothing. */
function bestPassage(ps: readonly Range[], matches: readonly Match[], max: number, known: ReadonlySet<number>, avoid: Range | null): Passage | null {
  let best: Passage | null = null;
  const seen = new Int32Array(matches.reduce((n, m) => Math.max(n, m.term + 1), 0)).fill(-1);
  let first = 0; // the first match starting at or after the passage (passages start later and later)
  for (let i = 0; i < ps.length; i++) {
    let j = i;
    while (j + 1 < ps.length && ps[j + 1][1] - ps[i][0] <= max) j++;
    const range: Range = [ps[i][0], ps[j][1]];
    if (avoid && range[0] < avoid[1] && avoid[0] < range[1]) continue;
    while (first < matches.length && matches[first].start < range[0]) first++;
    // The matches inside: they start in the range (sorted by start) and end by its end.
    let count = 0;
    let terms = 0;
    let lead = 0;
    for (let m = first; m < matches.length && matches[m].start < range[1]; m++) {
      const match = matches[m];
      if (match.end > range[1]) continue;
      if (count++ === 0) lead = match.start - range[0];
      if (!known.has(match.term) && seen[match.term] !== i) {
        seen[match.term] = i;
        terms++;
      }
    }
    if (best && !better(terms, count, lead, best)) continue;
    const termSet = new Set<number>();
    for (let m = first; m < matches.length && matches[m].start < range[1]; m++) if (matches[m].end <= range[1] && !known.has(matches[m].term)) termSet.add(matches[m].term);
    best = { range, terms: termSet, matches: count, lead };
  }
  return best;
}

/** More distinct terms, then more matches, then the first match nearer the start; else the earlier passage. */
function better(terms: number, matches: number, lead: number, b: Passage): boolean {
  if (terms !== b.terms.size) return terms > b.terms.size;
  if (matches !== b.matches) return matches > b.matches;
  return lead < b.lead;
}

/** Renders one passage, with an ellipsis where it cuts a sentence. */
function renderPassage(text: string, [from, to]: Range, marks: readonly Range[]): string {
  let before = from;
  while (before > 0 && is(text, before - 1, SPACE)) before--;
  const opensSentence = before === 0 || is(text, before - 1, SENTENCE | CLOSER);
  let after = to;
  while (after < text.length && is(text, after, SPACE)) after++;
  const closesSentence = after === text.length || is(text, to - 1, SENTENCE | CLOSER);
  return (opensSentence ? '' : '…') + render(text, from, to, marks) + (closesSentence ? '' : '…');
}

/**
 * The best passage (or two) of `text` for `terms`, about `length` characters, as HTML; and every
 * match in `text` as offsets.
 */
export function snippet(text: string, terms: readonly (readonly string[])[], length = DEFAULT_SNIPPET_LENGTH, budget: Budget = Budget.unlimited()): Highlighted {
  const matches = findMatches(text, terms, budget);
  const marks = merge(matches);
  const highlights = marks.slice(0, MAX_HIGHLIGHTS);
  const none = new Set<number>();
  const whole = pieces(text, length, marks);
  const first = bestPassage(whole, matches, length, none, null);
  if (!first) return { html: '', highlights };
  const found = new Set(matches.map((m) => m.term));
  let chosen: Range[] = [first.range];
  if (first.terms.size < found.size) {
    const half = Math.floor(length / 2);
    const halves = pieces(text, half, marks);
    const a = bestPassage(halves, matches, half, none, null);
    const b = a && bestPassage(halves, matches, half, a.terms, a.range);
    if (a && b && b.terms.size > 0 && a.terms.size + b.terms.size > first.terms.size) chosen = [a.range, b.range].sort((x, y) => x[0] - y[0]);
  }
  return { html: chosen.map((r) => renderPassage(text, r, marks)).join(' '), highlights };
}

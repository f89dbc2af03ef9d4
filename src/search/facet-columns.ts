/**
 * The counting side of facets: the typed columns facets read, in the form that counts fastest,
 * and the counting of a match set into typed counters.
 *
 * Forms, derived on first use and cached (no change to what is on disk):
 * - per segment (shared by every snapshot holding it): a keyword column whose documents have at
 *   most one value each (source) as one slot per document (ordinal + 1, 0 for none); a
 *   multi-valued one (region, library) as the stored CSR arrays; the date column as a month slot
 *   per document (month - the segment's first month + 1, 0 for undated); and the counts of every
 *   slot over all the segment's documents;
 * - per snapshot: one global numbering of each column's values (the union of the segments'
 *   dictionaries; for months, the months from the first to the last of any segment), the map of
 *   each segment's slots to it, and the slot counts over the live (not deleted) documents.
 *
 * Counting (`countColumn`): per segment, the documents of the match set that fail no filter or
 * only the ignored one (with filters: listed once, branch-free, per ignored filter and shared by
 * the columns counted with it) are counted into a reusable local counter, then folded into a
 * global counter (scratch arrays reused from search to search). When they are well over half of
 * the segment's live documents, the counts are those of all live documents minus those of the
 * live documents left out (listed once, branch-free, from a mark per document), so a query
 * matching most of the index costs what its complement costs. Exact either way; the lists are
 * only reused within one count of facets ({@link beginCount}).
 *
 * Owns: derived column forms and counting a match set. Must not: decide which facets, filters or
 * values are listed (facets.ts), read stored documents or execute queries.
 */
import type { IndexSnapshot, SegmentView } from '../index/reader.js';
import { NO_DATE, type KeywordColumn } from '../index/schema.js';
import type { KeywordColumnData } from '../index/columns.js';
import type { MatchSets } from './executor.js';
import type { Failures } from './filters.js';

/** A column as facets count it: keyword columns, or the month of the date. */
export type FacetColumn = Exclude<KeywordColumn, 'story'> | 'month';

/** One segment's column in countable form: per document, slots (slot 0 = no value / undated). */
interface SegmentColumn {
  /** Per document its one slot, when no document has more than one value; else null (CSR). */
  single: Int32Array | null;
  /** CSR (multi-valued): slots of document d are `values[offsets[d] .. offsets[d+1]) + 1` (slot 0 is not counted). */
  offsets: Uint32Array;
  values: Uint32Array;
  /** Number of slots (values + 1). */
  slots: number;
  /** Per slot, how many of the segment's documents (deleted ones too) have it. */
  all: Int32Array;
}

/** A column over a whole snapshot. */
export interface GlobalColumn {
  /** Global value ids: 0 .. size - 1. */
  readonly size: number;
  /** Keyword columns: the value of each id. Months: `YYYY-MM` of each id. */
  readonly strings: readonly string[];
  /** Months only: absolute month (year * 12 + month - 1) of id 0. */
  readonly first: number;
  readonly segments: readonly SegmentColumn[];
  /** Per segment, slot -> global id (-1 for slot 0). */
  readonly maps: readonly Int32Array[];
  /** Per segment, slot counts over its live documents (lazily). */
  readonly live: Array<Int32Array | null>;
  /** Per segment, its live documents. */
  readonly liveDocs: readonly number[];
}

/** Counts of one column over a match set: per global id, and documents with no value (slot 0). */
export interface ColumnCounts {
  counts: Int32Array;
  /** Months: undated documents. Single-valued keyword columns: documents without a value. Else 0. */
  none: number;
}

const segmentKeyword = new WeakMap<KeywordColumnData, SegmentColumn>();
const segmentMonths = new WeakMap<Int32Array, SegmentColumn & { first: number }>();

function keywordForm(data: KeywordColumnData, docCount: number): SegmentColumn {
  let col = segmentKeyword.get(data);
  if (!col) {
    const { offsets, values } = data;
    let singleValued = true;
    for (let d = 0; d < docCount; d++) {
      if (offsets[d + 1] - offsets[d] > 1) {
        singleValued = false;
        break;
      }
    }
    const slots = data.dict.size + 1;
    const all = new Int32Array(slots);
    let single: Int32Array | null = null;
    if (singleValued) {
      single = new Int32Array(docCount);
      for (let d = 0; d < docCount; d++) single[d] = offsets[d + 1] > offsets[d] ? values[offsets[d]] + 1 : 0;
      for (let d = 0; d < docCount; d++) all[single[d]]++;
    } else {
      for (let d = 0; d < docCount; d++) for (let k = offsets[d]; k < offsets[d + 1]; k++) all[values[k] + 1]++;
    }
    col = { single, offsets, values, slots, all };
    segmentKeyword.set(data, col);
  }
  return col;
}

const EMPTY_U32 = new Uint32Array(1);

/** The month slot of each document of a segment (its date column), from the segment's first month. */
function monthForm(dates: Int32Array): SegmentColumn & { first: number } {
  let col = segmentMonths.get(dates);
  if (!col) {
    const months = new Int32Array(dates.length);
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0; i < dates.length; i++) {
      if (dates[i] === NO_DATE) months[i] = -1;
      else {
        const d = new Date(dates[i] * 86_400_000);
        months[i] = d.getUTCFullYear() * 12 + d.getUTCMonth();
        if (months[i] < first) first = months[i];
        if (months[i] > last) last = months[i];
      }
    }
    const slots = first === Infinity ? 1 : last - first + 2;
    if (first === Infinity) first = 0;
    const all = new Int32Array(slots);
    for (let i = 0; i < months.length; i++) {
      months[i] = months[i] === -1 ? 0 : months[i] - first + 1;
      all[months[i]]++;
    }
    col = { single: months, offsets: EMPTY_U32, values: EMPTY_U32, slots, all, first };
    segmentMonths.set(dates, col);
  }
  return col;
}

/** `YYYY-MM` of an absolute month (as the facet has always written it). */
export function monthString(key: number): string {
  return `${String(Math.floor(key / 12)).padStart(4, '0')}-${String((key % 12) + 1).padStart(2, '0')}`;
}

const globals = new WeakMap<IndexSnapshot, Map<FacetColumn, GlobalColumn>>();

/** Column `column` of `snapshot` in countable form (built once per snapshot; segment forms once per segment). */
export function globalColumn(snapshot: IndexSnapshot, column: FacetColumn): GlobalColumn {
  let perSnapshot = globals.get(snapshot);
  if (!perSnapshot) globals.set(snapshot, (perSnapshot = new Map()));
  let g = perSnapshot.get(column);
  if (!g) {
    g = column === 'month' ? buildMonths(snapshot) : buildKeyword(snapshot, column);
    perSnapshot.set(column, g);
  }
  return g;
}

function liveDocs(snapshot: IndexSnapshot): number[] {
  return snapshot.segments.map(({ segment, deleted }) => {
    let n = segment.docCount;
    if (deleted) for (let d = 0; d < segment.docCount; d++) n -= deleted[d] ? 1 : 0;
    return n;
  });
}

function buildKeyword(snapshot: IndexSnapshot, column: Exclude<FacetColumn, 'month'>): GlobalColumn {
  const segments = snapshot.segments.map(({ segment }) => keywordForm(segment.columns.keyword[column], segment.docCount));
  const dicts = snapshot.segments.map(({ segment }) => segment.columns.keyword[column].dict.toArray());
  let strings: string[];
  let maps: Int32Array[];
  if (dicts.length === 1) {
    strings = dicts[0];
    maps = [Int32Array.from({ length: strings.length + 1 }, (_, slot) => slot - 1)];
  } else {
    const ids = new Map<string, number>();
    for (const dict of dicts) for (const v of dict) if (!ids.has(v)) ids.set(v, ids.size);
    strings = [...ids.keys()];
    maps = dicts.map((dict) => {
      const map = new Int32Array(dict.length + 1);
      map[0] = -1;
      dict.forEach((v, i) => (map[i + 1] = ids.get(v)!));
      return map;
    });
  }
  return { size: strings.length, strings, first: 0, segments, maps, live: segments.map(() => null), liveDocs: liveDocs(snapshot) };
}

function buildMonths(snapshot: IndexSnapshot): GlobalColumn {
  const segments = snapshot.segments.map(({ segment }) => monthForm(segment.columns.date));
  let first = Infinity;
  let last = -Infinity;
  for (const s of segments) {
    // A segment whose documents are all undated has one slot (and its `first` means nothing).
    if (s.slots < 2) continue;
    first = Math.min(first, s.first);
    last = Math.max(last, s.first + s.slots - 2);
  }
  if (first === Infinity) first = last = 0;
  const size = last - first + 1;
  const strings: string[] = [];
  for (let m = 0; m < size; m++) strings.push(monthString(first + m));
  const maps = segments.map((s) => {
    const map = new Int32Array(s.slots);
    map[0] = -1;
    for (let slot = 1; slot < s.slots; slot++) map[slot] = s.first + slot - 1 - first;
    return map;
  });
  return { size, strings, first, segments, maps, live: segments.map(() => null), liveDocs: liveDocs(snapshot) };
}

/** Slot counts of segment `s` over its live documents. */
function liveCounts(snapshot: IndexSnapshot, g: GlobalColumn, s: number): Int32Array {
  let live = g.live[s];
  if (!live) {
    const col = g.segments[s];
    const deleted = snapshot.segments[s].deleted;
    live = Int32Array.from(col.all);
    if (deleted) for (let d = 0; d < deleted.length; d++) if (deleted[d]) addDoc(col, d, live, -1);
    g.live[s] = live;
  }
  return live;
}

function addDoc(col: SegmentColumn, d: number, c: Int32Array, delta: number): void {
  if (col.single) c[col.single[d]] += delta;
  else {
    const { offsets, values } = col;
    for (let k = offsets[d]; k < offsets[d + 1]; k++) c[values[k] + 1] += delta;
  }
}

/** The complement is counted when twice the counted documents exceed the live ones by docCount >> this (0: never). */
let COMPLEMENT_SHIFT = 2;
/** For benchmarks and tests: the complement threshold (0: never count the complement). */
export function setComplementShift(shift: number): void {
  COMPLEMENT_SHIFT = shift;
}

/** Reusable counters (a search is synchronous): the local one per column, global ones handed out per count. */
interface Scratch {
  local: Int32Array;
  pool: Int32Array[];
  used: number;
}
const scratches = new WeakMap<GlobalColumn, Scratch>();

/** Starts a count of facets: the global counters handed out before may be reused. */
export function resetScratch(g: GlobalColumn): void {
  const s = scratches.get(g);
  if (s) s.used = 0;
}

function scratchOf(g: GlobalColumn): Scratch {
  let s = scratches.get(g);
  if (!s) scratches.set(g, (s = { local: new Int32Array(Math.max(1, ...g.segments.map((c) => c.slots))), pool: [], used: 0 }));
  return s;
}

/**
 * Documents per value of column `g` among `matches` (sorted local documents per segment) that
 * fail no filter or only `except` (`failures` null: no filter set). The returned counters are
 * valid until the next {@link resetScratch} of `g`.
 */
export function countColumn(snapshot: IndexSnapshot, g: GlobalColumn, matches: MatchSets, failures: readonly Failures[] | null, except: number): ColumnCounts {
  const scratch = scratchOf(g);
  let counts = scratch.pool[scratch.used];
  if (!counts) scratch.pool.push((counts = new Int32Array(g.size)));
  else counts.fill(0);
  scratch.used++;
  let none = 0;
  const local = scratch.local;
  for (let s = 0; s < matches.length; s++) {
    const docs = matches[s].docs;
    if (docs.length === 0) continue;
    const col = g.segments[s];
    const fails = failures ? failures[s] : null;
    const c = local.subarray(0, col.slots);
    // With filters, the documents this count keeps, listed once for all the columns counted with them.
    const kept = fails ? keptDocs(snapshot, s, docs, fails, except) : null;
    const n = kept ? kept.length : docs.length;
    if (n === 0) continue;
    c.fill(0);
    // The complement costs a branch-free walk of the segment plus the documents left out.
    if (!(n * 2 > g.liveDocs[s] + (snapshot.segments[s].segment.docCount >> COMPLEMENT_SHIFT) && complement(snapshot, g, s, docs, fails, except, c))) {
      const list = kept ? kept.list : docs;
      if (col.single) countSingle(col.single, list, n, c);
      else countMulti(col.offsets, col.values, list, n, c);
    }
    const map = g.maps[s];
    none += c[0];
    for (let slot = 1; slot < col.slots; slot++) if (c[slot] !== 0) counts[map[slot]] += c[slot];
  }
  return { counts, none };
}

function countSingle(single: Int32Array, docs: Int32Array, n: number, c: Int32Array): void {
  for (let i = 0; i < n; i++) c[single[docs[i]]]++;
}

function countMulti(offsets: Uint32Array, values: Uint32Array, docs: Int32Array, n: number, c: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const d = docs[i];
    for (let k = offsets[d], end = offsets[d + 1]; k < end; k++) c[values[k] + 1]++;
  }
}

/** A list of the documents of a match set that one count keeps (scratch per segment and ignored filter). */
interface Kept {
  list: Int32Array;
  length: number;
  docs: Int32Array | null;
  fails: Failures | null;
  /** The {@link beginCount} it was made in. */
  count: number;
}
const keptLists = new WeakMap<SegmentView, Map<number, Kept>>();

/**
 * The documents of `docs` failing no filter or only `except`, listed without a branch per
 * document; reused while the same match set is counted again with the same `except` within one
 * {@link beginCount}.
 */
function keptDocs(snapshot: IndexSnapshot, s: number, docs: Int32Array, fails: Failures, except: number): Kept {
  const view = snapshot.segments[s];
  let perExcept = keptLists.get(view);
  if (!perExcept) keptLists.set(view, (perExcept = new Map()));
  let kept = perExcept.get(except);
  if (!kept) perExcept.set(except, (kept = { list: new Int32Array(0), length: 0, docs: null, fails: null, count: 0 }));
  if (kept.docs === docs && kept.fails === fails && kept.count === countNumber) return kept;
  if (kept.list.length < docs.length) kept.list = new Int32Array(Math.max(docs.length, view.segment.docCount));
  const list = kept.list;
  let k = 0;
  for (let i = 0; i < docs.length; i++) {
    const f = fails[i];
    list[k] = docs[i];
    k += ((f === 0) as unknown as number) | ((f === except) as unknown as number);
  }
  kept.length = k;
  kept.docs = docs;
  kept.fails = fails;
  kept.count = countNumber;
  return kept;
}

/** Scratch of {@link excludedDocs} per segment: marks, and the last list made (a search is synchronous). */
interface Exclusion {
  marks: Uint8Array;
  list: Int32Array;
  length: number;
  docs: Int32Array | null;
  fails: Failures | null;
  except: number;
  /** The {@link beginCount} it was made in. */
  count: number;
}
/** Counts of facets so far: a list of excluded documents is only reused within one. */
let countNumber = 0;

/**
 * Starts counting the facets of one search: lists made for earlier searches are not reused (a
 * match set's arrays may be reused buffers holding other documents by now).
 */
export function beginCount(): void {
  countNumber++;
}

const exclusions = new WeakMap<SegmentView, Exclusion>();

/**
 * The live documents of segment `s` that are not counted: not in `docs` (strictly ascending), or
 * in it but failing a filter other than `except`; null when `docs` is not strictly ascending or
 * holds a deleted document (then the caller counts directly). The list is reused while the same
 * match set is counted again with the same `except` (the facets' columns one after the other).
 */
function excludedDocs(snapshot: IndexSnapshot, s: number, docs: Int32Array, fails: Failures | null, except: number): Exclusion | null {
  const view = snapshot.segments[s];
  const docCount = view.segment.docCount;
  let x = exclusions.get(view);
  if (!x) exclusions.set(view, (x = { marks: new Uint8Array(docCount), list: new Int32Array(docCount), length: 0, docs: null, fails: null, except: 0, count: 0 }));
  if (x.docs === docs && x.fails === fails && x.except === except && x.count === countNumber) return x;
  x.docs = null;
  const { marks, list } = x;
  const deleted = view.deleted;
  // Deleted documents are not in the live counts: marked as if counted, so they are not subtracted.
  if (deleted) marks.set(deleted);
  else marks.fill(0);
  let previous = -1;
  let bad = 0;
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i];
    if (d <= previous || d >= docCount) return null;
    previous = d;
    bad |= marks[d];
    marks[d] = !fails || fails[i] === 0 || fails[i] === except ? 1 : 0;
  }
  if (bad) return null;
  let k = 0;
  for (let d = 0; d < docCount; d++) {
    list[k] = d;
    k += 1 - marks[d];
  }
  x.length = k;
  x.docs = docs;
  x.fails = fails;
  x.except = except;
  x.count = countNumber;
  return x;
}

/**
 * Counts into `c` as the live documents' counts minus those of the live documents not counted
 * ({@link excludedDocs}). False (and `c` untouched) when the exclusion cannot be made.
 */
function complement(snapshot: IndexSnapshot, g: GlobalColumn, s: number, docs: Int32Array, fails: Failures | null, except: number, c: Int32Array): boolean {
  const x = excludedDocs(snapshot, s, docs, fails, except);
  if (!x) return false;
  const col = g.segments[s];
  c.set(liveCounts(snapshot, g, s));
  const { list, length } = x;
  if (col.single) {
    const single = col.single;
    for (let i = 0; i < length; i++) c[single[list[i]]]--;
  } else {
    const { offsets, values } = col;
    for (let i = 0; i < length; i++) {
      const d = list[i];
      for (let k = offsets[d], end = offsets[d + 1]; k < end; k++) c[values[k] + 1]--;
    }
  }
  return true;
}

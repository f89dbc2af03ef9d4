/**
 * Builds one immutable segment in memory from analyzed documents and writes it to disk
 * (`<name>.seg` with postings, lengths, columns and ids; `<name>.store` with the documents).
 *
 * Owns: turning token streams into per-term postings. Must not: analyze text (it is given
 * tokens), read other segments, or touch the manifest.
 */
import { join } from 'node:path';
import type { FieldTokens } from '../analysis/analyzer.js';
import type { DocumentInput } from '../document.js';
import { ColumnsWriter } from './columns.js';
import { OccurrenceLog } from './occurrences.js';
import { TermTableWriter } from './postings.js';
import { dayNumber, FIELDS, keywordValues, type FieldName } from './schema.js';
import { writeIdSections, SEGMENT_MAGIC, SEGMENT_VERSION, type SegmentMeta } from './segment.js';
import { writeSectionFile, type Section } from './section-file.js';
import { StoreWriter } from './store.js';

/** The tokens of every field of a document. */
export type AnalyzedFields = Record<FieldName, FieldTokens>;

/** How a log's records give a term's postings. */
const enum Mode {
  /** One record per term and document; the value is the frequency. */
  Freq,
  /** One record per occurrence; the value is its position, written to the postings. */
  Positions,
  /** One record per occurrence; positions are not written. */
  Count,
}

/** A term and where its records are in a sorted log (used for the rare, string-ordered terms). */
interface Run {
  term: string;
  log: OccurrenceLog;
  start: number;
  end: number;
  mode: Mode;
}

const byTerm = (a: Run, b: Run) => (a.term < b.term ? -1 : a.term > b.term ? 1 : 0);

/** Per-document scratch (one builder adds one document at a time per thread). */
let scratch1 = new Uint32Array(1024);
let scratch2 = new Uint32Array(1024);
let scratchLong = new Uint32Array(1024);
/** Per BMP character: its count in the document being added; and the characters counted. */
const CHAR_COUNTS = new Uint32Array(0x10000);
const CHARS_SEEN = new Uint32Array(0x10000);

/**
 * Collects one field's occurrences: words, character unigrams and bigrams. Words of one or two
 * UTF-16 units (most Chinese words) are keyed by their units, so they need no lookup by string;
 * longer words by an interned id. Words and BMP unigrams are counted per document first, so
 * their logs hold one record per term and document; bigrams one per occurrence (with its
 * position).
 */
class FieldAccumulator {
  /** Words of one unit, keyed by it. */
  private readonly words1 = new OccurrenceLog();
  /** Words of two units, keyed by both (so key order is term order). */
  private readonly words2 = new OccurrenceLog();
  private readonly wordIds = new Map<string, number>();
  private readonly words = new OccurrenceLog();
  /** BMP character unigrams, keyed by the character. */
  private readonly unigrams = new OccurrenceLog();
  /** Unigrams outside the BMP (rare), keyed by code point, one record per occurrence. */
  private readonly wideUnigrams = new OccurrenceLog(16);
  /** Bigrams of two BMP characters, keyed by both UTF-16 units (so key order is term order). */
  private readonly bigrams = new OccurrenceLog();
  /** Bigrams with a character outside the BMP (rare), keyed by an interned id. */
  private readonly wideIds = new Map<string, number>();
  private readonly wide = new OccurrenceLog(16);
  readonly lengths: number[] = [];
  totalLength = 0;
  docsWithField = 0;

  add(doc: number, tokens: FieldTokens): void {
    const { words, chars } = tokens;
    const nw = words.length;
    this.lengths.push(nw);
    this.totalLength += nw;
    if (nw) this.docsWithField++;
    if (scratch1.length < nw) {
      scratch1 = new Uint32Array(nw * 2);
      scratch2 = new Uint32Array(nw * 2);
      scratchLong = new Uint32Array(nw * 2);
    }
    let n1 = 0;
    let n2 = 0;
    let nl = 0;
    for (let k = 0; k < nw; k++) {
      const w = words[k];
      if (w.length === 2) scratch2[n2++] = ((w.charCodeAt(0) << 16) | w.charCodeAt(1)) >>> 0;
      else if (w.length === 1) scratch1[n1++] = w.charCodeAt(0);
      else {
        let id = this.wordIds.get(w);
        if (id === undefined) this.wordIds.set(w, (id = this.wordIds.size));
        scratchLong[nl++] = id;
      }
    }
    pushCounted(this.words1, scratch1, n1, doc);
    pushCounted(this.words2, scratch2, n2, doc);
    pushCounted(this.words, scratchLong, nl, doc);

    const nc = chars.length;
    let seen = 0;
    for (let i = 0; i < nc; i++) {
      const a = chars[i];
      if (a <= 0xffff) {
        if (CHAR_COUNTS[a]++ === 0) CHARS_SEEN[seen++] = a;
      } else this.wideUnigrams.push(a, doc, i);
      if (i + 1 === nc) break;
      const b = chars[i + 1];
      if (a <= 0xffff && b <= 0xffff) this.bigrams.push(((a << 16) | b) >>> 0, doc, i);
      else {
        const term = String.fromCodePoint(a, b);
        let id = this.wideIds.get(term);
        if (id === undefined) this.wideIds.set(term, (id = this.wideIds.size));
        this.wide.push(id, doc, i);
      }
    }
    for (let k = 0; k < seen; k++) {
      const c = CHARS_SEEN[k];
      this.unigrams.push(c, doc, CHAR_COUNTS[c]);
      CHAR_COUNTS[c] = 0;
    }
  }

  /** Bytes held by the logs. */
  get bytes(): number {
    return (
      this.words1.bytes + this.words2.bytes + this.words.bytes + this.unigrams.bytes + this.wideUnigrams.bytes + this.bigrams.bytes + this.wide.bytes
    );
  }

  sections(field: FieldName): Section[] {
    const words = new TermTableWriter(false, null, this.lengths);
    // The unit-keyed logs sort in term order; the rare terms are ordered by string and merged in.
    this.words1.sortByKey();
    this.words2.sortByKey();
    writeTerms(words, this.words1, Mode.Freq, this.words2, Mode.Freq, runs(this.words, termsById(this.wordIds), Mode.Freq).sort(byTerm));
    const grams = new TermTableWriter(true, null, this.lengths);
    this.unigrams.sortByKey();
    this.bigrams.sortByKey();
    const rare = [
      ...runs(this.wideUnigrams, (code) => String.fromCodePoint(code), Mode.Count),
      ...runs(this.wide, termsById(this.wideIds), Mode.Positions),
    ].sort(byTerm);
    writeTerms(grams, this.unigrams, Mode.Freq, this.bigrams, Mode.Positions, rare);
    return [
      ...words.sections(`${field}.w`),
      ...grams.sections(`${field}.g`),
      { name: `${field}.len`, data: Uint32Array.from(this.lengths) },
    ];
  }
}

/** Appends one record per distinct key of `keys[0..n)` with its count (sorts `keys`). */
function pushCounted(log: OccurrenceLog, keys: Uint32Array, n: number, doc: number): void {
  if (n === 0) return;
  if (n > 1) keys.subarray(0, n).sort();
  let i = 0;
  while (i < n) {
    const k = keys[i];
    let j = i + 1;
    while (j < n && keys[j] === k) j++;
    log.push(k, doc, j - i);
    i = j;
  }
}

function termsById(ids: Map<string, number>): (id: number) => string {
  const terms = new Array<string>(ids.size);
  for (const [t, id] of ids) terms[id] = t;
  return (id) => terms[id];
}

/** Sorts `log` and lists its runs of equal keys with their terms. */
function runs(log: OccurrenceLog, term: (key: number) => string, mode: Mode): Run[] {
  log.sortByKey();
  const out: Run[] = [];
  const keys = log.keys;
  const n = log.length;
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || keys[i] !== keys[start]) {
      out.push({ term: term(keys[start]), log, start, end: i, mode });
      start = i;
    }
  }
  return out;
}

/**
 * Writes the terms of two sorted logs and a list of runs in term order: `units` keyed by one
 * UTF-16 unit, `pairs` by two (a one-unit term sorts before every two-unit term it starts, and
 * no unit is 0), `rare` ordered by string.
 */
function writeTerms(out: TermTableWriter, units: OccurrenceLog, unitMode: Mode, pairs: OccurrenceLog, pairMode: Mode, rare: Run[]): void {
  const uk = units.keys;
  const pk = pairs.keys;
  const nu = units.length;
  const np = pairs.length;
  let i = 0;
  let j = 0;
  let r = 0;
  while (i < nu || j < np) {
    const ku = i < nu ? uk[i] * 0x10000 : Infinity;
    const kp = j < np ? pk[j] : Infinity;
    let term: string;
    let log: OccurrenceLog;
    let start: number;
    let end: number;
    let mode: Mode;
    if (ku < kp) {
      const k = uk[i];
      end = i + 1;
      while (end < nu && uk[end] === k) end++;
      term = String.fromCharCode(k);
      log = units;
      start = i;
      mode = unitMode;
      i = end;
    } else {
      end = j + 1;
      while (end < np && pk[end] === kp) end++;
      term = String.fromCharCode(kp >>> 16, kp & 0xffff);
      log = pairs;
      start = j;
      mode = pairMode;
      j = end;
    }
    while (r < rare.length && rare[r].term < term) writeRun(out, rare[r++]);
    out.beginTerm(term);
    writeRecords(out, log, start, end, mode);
    out.endTerm();
  }
  while (r < rare.length) writeRun(out, rare[r++]);
}

function writeRun(out: TermTableWriter, run: Run): void {
  out.beginTerm(run.term);
  writeRecords(out, run.log, run.start, run.end, run.mode);
  out.endTerm();
}

/** Writes one term's records as its postings, in document order. */
function writeRecords(out: TermTableWriter, log: OccurrenceLog, start: number, end: number, mode: Mode): void {
  const docs = log.docs;
  const values = log.values;
  if (mode === Mode.Freq) {
    for (let i = start; i < end; i++) out.addDoc(docs[i], values[i]);
    return;
  }
  // One record per occurrence: consecutive records of one document make its frequency.
  let i = start;
  while (i < end) {
    const doc = docs[i];
    let j = i + 1;
    while (j < end && docs[j] === doc) j++;
    if (mode === Mode.Positions) out.addDoc(doc, j - i, values, i);
    else out.addDoc(doc, j - i);
    i = j;
  }
}

export class SegmentBuilder {
  private readonly fields = new Map<FieldName, FieldAccumulator>(FIELDS.map((f) => [f, new FieldAccumulator()]));
  private readonly columns = new ColumnsWriter();
  private readonly ids: string[] = [];
  private readonly store: StoreWriter;

  constructor(private readonly dir: string, readonly name: string) {
    this.store = new StoreWriter(join(dir, `${name}.store`));
  }

  get docCount(): number {
    return this.ids.length;
  }

  /** Bytes of occurrence logs held in memory. */
  get bytes(): number {
    let s = 0;
    for (const f of this.fields.values()) s += f.bytes;
    return s;
  }

  add(doc: DocumentInput, tokens: AnalyzedFields): void {
    const local = this.ids.length;
    this.ids.push(doc.id);
    for (const f of FIELDS) this.fields.get(f)!.add(local, tokens[f]);
    this.columns.add(dayNumber(doc.date), keywordValues(doc));
    this.store.add(doc);
  }

  /** Writes the segment files and returns what the manifest records about it. */
  finish(): SegmentMeta {
    const meta: SegmentMeta = {
      name: this.name,
      docCount: this.ids.length,
      fields: Object.fromEntries(
        FIELDS.map((f) => [f, { docsWithField: this.fields.get(f)!.docsWithField, totalLength: this.fields.get(f)!.totalLength }]),
      ) as SegmentMeta['fields'],
    };
    const sections: Section[] = [
      { name: 'meta', data: Buffer.from(JSON.stringify(meta)) },
      ...this.store.finish(),
      ...writeIdSections(this.ids),
      ...this.columns.sections(),
    ];
    for (const f of FIELDS) sections.push(...this.fields.get(f)!.sections(f));
    writeSectionFile(join(this.dir, `${this.name}.seg`), SEGMENT_MAGIC, SEGMENT_VERSION, sections);
    return meta;
  }
}

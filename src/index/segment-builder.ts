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

/** A term and where its occurrences are in a sorted log. */
interface Run {
  term: string;
  log: OccurrenceLog;
  start: number;
  end: number;
}

const byTerm = (a: Run, b: Run) => (a.term < b.term ? -1 : a.term > b.term ? 1 : 0);

/**
 * Collects one field's occurrences: words, character unigrams and bigrams. Words of one or two
 * UTF-16 units (most Chinese words) are keyed by their units, so they need no lookup by string;
 * longer words by an interned id.
 */
class FieldAccumulator {
  /** Words of one unit, keyed by it. */
  private readonly words1 = new OccurrenceLog(false);
  /** Words of two units, keyed by both (so key order is term order). */
  private readonly words2 = new OccurrenceLog(false);
  private readonly wordIds = new Map<string, number>();
  private readonly words = new OccurrenceLog(false);
  private readonly unigrams = new OccurrenceLog(false);
  /** Bigrams of two BMP characters, keyed by both UTF-16 units (so key order is term order). */
  private readonly bigrams = new OccurrenceLog(true);
  /** Bigrams with a character outside the BMP (rare), keyed by an interned id. */
  private readonly wideIds = new Map<string, number>();
  private readonly wide = new OccurrenceLog(true);
  readonly lengths: number[] = [];
  totalLength = 0;
  docsWithField = 0;

  add(doc: number, tokens: FieldTokens): void {
    const { words, chars } = tokens;
    this.lengths.push(words.length);
    this.totalLength += words.length;
    if (words.length) this.docsWithField++;
    for (const w of words) {
      if (w.length === 2) this.words2.push(((w.charCodeAt(0) << 16) | w.charCodeAt(1)) >>> 0, doc, 0);
      else if (w.length === 1) this.words1.push(w.charCodeAt(0), doc, 0);
      else {
        let id = this.wordIds.get(w);
        if (id === undefined) this.wordIds.set(w, (id = this.wordIds.size));
        this.words.push(id, doc, 0);
      }
    }
    for (let i = 0; i < chars.length; i++) {
      const a = chars[i];
      this.unigrams.push(a, doc, 0);
      if (i + 1 === chars.length) break;
      const b = chars[i + 1];
      if (a <= 0xffff && b <= 0xffff) this.bigrams.push(((a << 16) | b) >>> 0, doc, i);
      else {
        const term = String.fromCodePoint(a, b);
        let id = this.wideIds.get(term);
        if (id === undefined) this.wideIds.set(term, (id = this.wideIds.size));
        this.wide.push(id, doc, i);
      }
    }
  }

  /** Bytes held by the logs. */
  get bytes(): number {
    return this.words1.bytes + this.words2.bytes + this.words.bytes + this.unigrams.bytes + this.bigrams.bytes + this.wide.bytes;
  }

  sections(field: FieldName): Section[] {
    const words = new TermTableWriter(false, null, this.lengths);
    // Runs of the unit-keyed logs come out in term order; the three lists are merged by term.
    const w1 = runs(this.words1, (unit) => String.fromCharCode(unit));
    const w2 = runs(this.words2, (key) => String.fromCharCode(key >>> 16, key & 0xffff));
    const long = runs(this.words, termsById(this.wordIds)).sort(byTerm);
    writeRuns(words, mergeSorted(mergeSorted(w1, w2), long));
    const grams = new TermTableWriter(true, null, this.lengths);
    const uni = runs(this.unigrams, (code) => String.fromCodePoint(code)).sort(byTerm);
    const bi = runs(this.bigrams, (key) => String.fromCharCode(key >>> 16, key & 0xffff)); // already in term order
    const wide = runs(this.wide, termsById(this.wideIds)).sort(byTerm);
    writeRuns(grams, mergeSorted(mergeSorted(uni, bi), wide));
    return [
      ...words.sections(`${field}.w`),
      ...grams.sections(`${field}.g`),
      { name: `${field}.len`, data: Uint32Array.from(this.lengths) },
    ];
  }
}

function termsById(ids: Map<string, number>): (id: number) => string {
  const terms = new Array<string>(ids.size);
  for (const [t, id] of ids) terms[id] = t;
  return (id) => terms[id];
}

/** Sorts `log` and lists its runs of equal keys with their terms. */
function runs(log: OccurrenceLog, term: (key: number) => string): Run[] {
  log.sortByKey();
  const out: Run[] = [];
  log.forEachRun((key, start, end) => out.push({ term: term(key), log, start, end }));
  return out;
}

function mergeSorted(a: Run[], b: Run[]): Run[] {
  if (!b.length) return a;
  const out: Run[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i].term < b[j].term)) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

/** Writes each run as a term's postings: consecutive records of one document make its frequency. */
function writeRuns(out: TermTableWriter, all: Run[]): void {
  for (const { term, log, start, end } of all) {
    out.beginTerm(term);
    const docs = log.docs;
    let i = start;
    while (i < end) {
      const doc = docs[i];
      let j = i + 1;
      while (j < end && docs[j] === doc) j++;
      out.addDoc(doc, j - i, log.positions ?? undefined, i);
      i = j;
    }
    out.endTerm();
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

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
import { TermTableWriter } from './postings.js';
import { dayNumber, FIELDS, keywordValues, type FieldName } from './schema.js';
import { writeIdSections, SEGMENT_MAGIC, SEGMENT_VERSION, type SegmentMeta } from './segment.js';
import { writeSectionFile, type Section } from './section-file.js';
import { sortStrings } from './string-table.js';
import { StoreWriter } from './store.js';

/** The tokens of every field of a document. */
export type AnalyzedFields = Record<FieldName, FieldTokens>;

/** Flat postings accumulator: [doc, freq, doc, freq, ...]. */
type Flat = number[];
interface GramAcc {
  flat: Flat;
  positions: number[] | null;
}

class FieldAccumulator {
  readonly words = new Map<string, Flat>();
  readonly grams = new Map<string, GramAcc>();
  readonly lengths: number[] = [];
  totalLength = 0;
  docsWithField = 0;
  /** Rough count of stored numbers, for the memory budget. */
  size = 0;

  add(doc: number, tokens: FieldTokens): void {
    const { words, chars } = tokens;
    this.lengths.push(words.length);
    this.totalLength += words.length;
    if (words.length) this.docsWithField++;

    const tf = new Map<string, number>();
    for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
    for (const [w, f] of tf) {
      let flat = this.words.get(w);
      if (!flat) this.words.set(w, (flat = []));
      flat.push(doc, f);
    }

    // Character unigrams (frequency only) and bigrams (with positions).
    const uni = new Map<string, number>();
    const bi = new Map<string, number[]>();
    for (let i = 0; i < chars.length; i++) {
      uni.set(chars[i], (uni.get(chars[i]) ?? 0) + 1);
      if (i + 1 < chars.length) {
        const g = chars[i] + chars[i + 1];
        const ps = bi.get(g);
        if (ps) ps.push(i);
        else bi.set(g, [i]);
      }
    }
    for (const [g, f] of uni) {
      let acc = this.grams.get(g);
      if (!acc) this.grams.set(g, (acc = { flat: [], positions: null }));
      acc.flat.push(doc, f);
    }
    for (const [g, ps] of bi) {
      let acc = this.grams.get(g);
      if (!acc) this.grams.set(g, (acc = { flat: [], positions: [] }));
      acc.flat.push(doc, ps.length);
      for (const p of ps) acc.positions!.push(p);
    }
    this.size += tf.size * 2 + uni.size * 2 + bi.size * 2 + Math.max(0, chars.length - 1);
  }

  sections(field: FieldName): Section[] {
    const words = new TermTableWriter(false);
    for (const term of sortStrings([...this.words.keys()])) {
      const flat = this.words.get(term)!;
      words.beginTerm(term);
      for (let i = 0; i < flat.length; i += 2) words.addDoc(flat[i], flat[i + 1]);
      words.endTerm();
    }
    const grams = new TermTableWriter(true);
    for (const term of sortStrings([...this.grams.keys()])) {
      const { flat, positions } = this.grams.get(term)!;
      grams.beginTerm(term);
      let from = 0;
      for (let i = 0; i < flat.length; i += 2) {
        grams.addDoc(flat[i], flat[i + 1], positions ?? undefined, from);
        if (positions) from += flat[i + 1];
      }
      grams.endTerm();
    }
    return [
      ...words.sections(`${field}.w`),
      ...grams.sections(`${field}.g`),
      { name: `${field}.len`, data: Uint32Array.from(this.lengths) },
    ];
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

  /** Approximate number of postings entries held in memory. */
  get size(): number {
    let s = 0;
    for (const f of this.fields.values()) s += f.size;
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

/**
 * Merging segments: several segments (minus their deleted documents) become one new segment,
 * by a k-way merge of their sorted term tables. No text is analyzed again.
 *
 * Owns: the merge. Must not: decide when to merge (the writer's merge policy does) or touch
 * the manifest.
 */
import { join } from 'node:path';
import { ColumnsWriter } from './columns.js';
import { TermTableWriter, type TermTable } from './postings.js';
import { FIELDS, KEYWORD_COLUMNS, type KeywordColumn } from './schema.js';
import { writeIdSections, SEGMENT_MAGIC, SEGMENT_VERSION, type Segment, type SegmentMeta } from './segment.js';
import { writeSectionFile, type Section } from './section-file.js';
import { StoreWriter } from './store.js';

export interface MergeSource {
  segment: Segment;
  /** One byte per document, 1 = deleted; null when nothing is deleted. */
  deleted: Uint8Array | null;
}

/** Merges `sources` into a new segment `<name>` in `dir`, documents kept in source order. */
export function mergeSegments(dir: string, name: string, sources: MergeSource[]): SegmentMeta {
  // New document numbers: live documents in order, -1 for deleted ones.
  const remaps: Int32Array[] = [];
  /** For sources without deletions, the shift of their document numbers (else null). */
  const shifts: Array<number | null> = [];
  let next = 0;
  for (const { segment, deleted } of sources) {
    const remap = new Int32Array(segment.docCount);
    const shift = next;
    let anyDeleted = false;
    for (let d = 0; d < segment.docCount; d++) {
      if (deleted && deleted[d]) {
        remap[d] = -1;
        anyDeleted = true;
      } else remap[d] = next++;
    }
    remaps.push(remap);
    shifts.push(anyDeleted ? null : shift);
  }

  const store = new StoreWriter(join(dir, `${name}.store`));
  const columns = new ColumnsWriter();
  const ids: string[] = [];
  sources.forEach(({ segment }, s) => {
    const cols = segment.columns;
    for (let d = 0; d < segment.docCount; d++) {
      if (remaps[s][d] < 0) continue;
      ids.push(segment.id(d));
      store.addRaw(segment.rawDocument(d));
      const keywords = {} as Record<KeywordColumn, string[]>;
      for (const c of KEYWORD_COLUMNS) {
        const k = cols.keyword[c];
        keywords[c] = [];
        for (let i = k.offsets[d]; i < k.offsets[d + 1]; i++) keywords[c].push(k.dict.get(k.values[i]));
      }
      columns.add(cols.date[d], keywords);
    }
  });

  const meta: SegmentMeta = { name, docCount: next, fields: {} as SegmentMeta['fields'] };
  const fieldSections: Section[] = [];
  for (const f of FIELDS) {
    const lengths = new Uint32Array(next);
    let totalLength = 0;
    let docsWithField = 0;
    sources.forEach(({ segment }, s) => {
      const src = segment.fields[f].lengths;
      for (let d = 0; d < src.length; d++) {
        const nd = remaps[s][d];
        if (nd < 0) continue;
        lengths[nd] = src[d];
        totalLength += src[d];
        if (src[d] > 0) docsWithField++;
      }
    });
    meta.fields[f] = { docsWithField, totalLength };
    fieldSections.push(
      ...mergeTermTables(sources.map((x) => x.segment.fields[f].words), remaps, shifts, false).sections(`${f}.w`),
      ...mergeTermTables(sources.map((x) => x.segment.fields[f].grams), remaps, shifts, true).sections(`${f}.g`),
      { name: `${f}.len`, data: lengths },
    );
  }

  const sections: Section[] = [
    { name: 'meta', data: Buffer.from(JSON.stringify(meta)) },
    ...store.finish(),
    ...writeIdSections(ids),
    ...columns.sections(),
    ...fieldSections,
  ];
  writeSectionFile(join(dir, `${name}.seg`), SEGMENT_MAGIC, SEGMENT_VERSION, sections);
  return meta;
}

/**
 * k-way merge of sorted term tables, remapping documents and dropping deleted ones. A source
 * without deletions is only shifted, so its encoded bytes are copied (see appendEncoded).
 */
function mergeTermTables(tables: TermTable[], remaps: Int32Array[], shifts: Array<number | null>, withPositions: boolean): TermTableWriter {
  const out = new TermTableWriter(withPositions);
  const cursor = tables.map(() => 0);
  const current = tables.map((t) => (t.terms.size > 0 ? t.terms.get(0) : null));
  for (;;) {
    let term: string | null = null;
    for (const c of current) if (c !== null && (term === null || c < term)) term = c;
    if (term === null) break;
    out.beginTerm(term);
    for (let s = 0; s < tables.length; s++) {
      if (current[s] !== term) continue;
      const t = tables[s];
      const ord = cursor[s];
      const remap = remaps[s];
      const shift = shifts[s];
      if (shift !== null) out.appendEncoded(t.raw(ord), shift);
      else if (withPositions && isBigram(term)) {
        const p = t.positions(ord);
        for (let i = 0; i < p.docs.length; i++) {
          const nd = remap[p.docs[i]];
          if (nd >= 0) out.addDoc(nd, p.freqs[i], p.positions, p.starts[i]);
        }
      } else {
        const p = t.postings(ord);
        for (let i = 0; i < p.docs.length; i++) {
          const nd = remap[p.docs[i]];
          if (nd >= 0) out.addDoc(nd, p.freqs[i]);
        }
      }
      cursor[s]++;
      current[s] = cursor[s] < t.terms.size ? t.terms.get(cursor[s]) : null;
    }
    out.endTerm();
  }
  return out;
}

/** Gram tables hold unigrams (no positions) and bigrams (with positions). */
export function isBigram(term: string): boolean {
  const first = term.codePointAt(0)!;
  return term.length - (first > 0xffff ? 2 : 1) > 0;
}

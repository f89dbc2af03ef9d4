/**
 * A loaded, immutable segment: term tables per field, field lengths, columns, ids and the
 * document store. Deletions are not part of a segment; the manifest keeps them (see directory).
 *
 * Owns: reading the `.seg` file format (version {@link SEGMENT_VERSION}) into typed-array views.
 * Must not: score, parse queries or decide which segments exist.
 */
import { join } from 'node:path';
import type { StoredDocument } from '../document.js';
import { Columns } from './columns.js';
import { TermTable } from './postings.js';
import { FIELDS, type FieldName } from './schema.js';
import { IndexFileError, openSectionFile, requireSection, view, type OpenedSectionFile, type Section } from './section-file.js';
import { encodeStrings, StringTable } from './string-table.js';
import { StoreReader } from './store.js';

export const SEGMENT_MAGIC = 'ZHSSEG';
/** Version 2: postings in blocks with skip tables, read from disk on demand (postings.ts); store records with a summary (store.ts). */
export const SEGMENT_VERSION = 2;

/** Per-field statistics of a segment (deleted documents included, as in Lucene). */
export interface FieldStats {
  /** Documents with a non-empty value of the field. */
  docsWithField: number;
  /** Sum of the field's lengths in words. */
  totalLength: number;
}

/** What the manifest records about a segment. */
export interface SegmentMeta {
  name: string;
  docCount: number;
  fields: Record<FieldName, FieldStats>;
}

/** The term tables and lengths of one field in one segment. */
export interface SegmentField {
  /** jieba words (and Latin tokens): BM25 statistics. */
  words: TermTable;
  /** Character unigrams and positional bigrams: the no-miss substring matching. */
  grams: TermTable;
  /** Length of the field in words, per document. */
  lengths: Uint32Array;
}

/** Sections holding the external ids: the ids in document order plus a permutation sorted by id. */
export function writeIdSections(ids: readonly string[]): Section[] {
  const { blob, offsets } = encodeStrings(ids);
  const order = Array.from(ids.keys()).sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : a - b));
  return [
    { name: 'ids', data: blob },
    { name: 'ids.off', data: offsets },
    { name: 'ids.sorted', data: Uint32Array.from(order) },
  ];
}

export class Segment {
  readonly meta: SegmentMeta;
  readonly fields: Record<FieldName, SegmentField>;
  readonly columns: Columns;
  private readonly ids: StringTable;
  private readonly idOrder: Uint32Array;
  private readonly store: StoreReader;
  /** The open `.seg` file its postings are read from. */
  private readonly file: OpenedSectionFile;

  /** Opens `<dir>/<name>.seg` and its store, verifying format version and checksums. */
  constructor(dir: string, readonly name: string) {
    const file = join(dir, `${name}.seg`);
    const opened = openSectionFile(file, SEGMENT_MAGIC, SEGMENT_VERSION);
    this.file = opened;
    try {
      const { sections, lazy } = opened;
      this.meta = JSON.parse(Buffer.from(requireSection(sections, file, 'meta')).toString('utf8')) as SegmentMeta;
      const fields = {} as Record<FieldName, SegmentField>;
      for (const f of FIELDS) {
        const lengths = view.u32(requireSection(sections, file, `${f}.len`));
        if (lengths.length !== this.meta.docCount) throw new IndexFileError(file, `field ${f} has ${lengths.length} lengths for ${this.meta.docCount} documents`);
        fields[f] = {
          words: new TermTable(sections, lazy, file, `${f}.w`, false),
          grams: new TermTable(sections, lazy, file, `${f}.g`, true),
          lengths,
        };
      }
      this.fields = fields;
      this.columns = new Columns(sections, file);
      this.ids = new StringTable(requireSection(sections, file, 'ids'), view.u32(requireSection(sections, file, 'ids.off')));
      this.idOrder = view.u32(requireSection(sections, file, 'ids.sorted'));
      this.store = new StoreReader(join(dir, `${name}.store`), sections, file);
    } catch (err) {
      opened.close();
      throw err;
    }
  }

  get docCount(): number {
    return this.meta.docCount;
  }

  /** External id of local document `doc`. */
  id(doc: number): string {
    return this.ids.get(doc);
  }

  /** Local document numbers with external id `id` (in document order). */
  docsWithId(id: string): number[] {
    let lo = 0;
    let hi = this.idOrder.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids.get(this.idOrder[mid]) < id) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo; i < this.idOrder.length && this.ids.get(this.idOrder[i]) === id; i++) out.push(this.idOrder[i]);
    return out;
  }

  /** The stored document (read from disk). */
  document(doc: number): StoredDocument {
    return this.store.get(doc);
  }

  /** The stored document without its content (`content` is ''), read from disk: hits that show no snippet. */
  summary(doc: number): StoredDocument {
    return this.store.summary(doc);
  }

  close(): void {
    this.store.close();
    this.file.close();
  }
}

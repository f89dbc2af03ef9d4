/**
 * Merging segments: several segments (minus their deleted documents) become one new segment,
 * by a k-way merge of their sorted term tables. No text is analyzed again.
 *
 * The merge streams: sources are read from disk section by section (postings and positions in
 * chunks, front to back) and the new segment's postings are written as they are produced, so its
 * memory does not grow with the size of the segments (only with their term and document counts).
 *
 * Owns: the merge. Must not: decide when to merge (the writer's merge policy does) or touch
 * the manifest.
 */
import { closeSync, fstatSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Columns, ColumnsWriter } from './columns.js';
import { forEachEncoded, termTableSections, TermTableWriter, type RawPostings } from './postings.js';
import { FIELDS, KEYWORD_COLUMNS, type KeywordColumn } from './schema.js';
import { writeIdSections, SEGMENT_MAGIC, SEGMENT_VERSION, type SegmentMeta } from './segment.js';
import { IndexFileError, SectionFileReader, SectionFileWriter, SectionStream, view, type Section } from './section-file.js';
import { StoreWriter } from './store.js';
import { StringTable } from './string-table.js';

export interface MergeSource {
  /** Segment name (its files are `<name>.seg` and `<name>.store` in the index directory). */
  name: string;
  /** One byte per document, 1 = deleted; null when nothing is deleted. */
  deleted: Uint8Array | null;
}

/** Merges `sources` into a new segment `<name>` in `dir`, documents kept in source order. */
export function mergeSegments(dir: string, name: string, sources: MergeSource[]): SegmentMeta {
  const files = sources.map((s) => new SectionFileReader(join(dir, `${s.name}.seg`), SEGMENT_MAGIC, SEGMENT_VERSION));
  try {
    return merge(dir, name, sources, files);
  } finally {
    for (const f of files) f.close();
  }
}

function merge(dir: string, name: string, sources: MergeSource[], files: SectionFileReader[]): SegmentMeta {
  const metas = files.map((f) => JSON.parse(Buffer.from(f.read('meta')).toString('utf8')) as SegmentMeta);
  // New document numbers: live documents in order, -1 for deleted ones.
  const remaps: Int32Array[] = [];
  /** For sources without deletions, the shift of their document numbers (else null). */
  const shifts: Array<number | null> = [];
  let next = 0;
  sources.forEach(({ deleted }, s) => {
    const remap = new Int32Array(metas[s].docCount);
    const shift = next;
    let anyDeleted = false;
    for (let d = 0; d < remap.length; d++) {
      if (deleted && deleted[d]) {
        remap[d] = -1;
        anyDeleted = true;
      } else remap[d] = next++;
    }
    remaps.push(remap);
    shifts.push(anyDeleted ? null : shift);
  });

  // Documents: stored records copied in order, ids and columns.
  const store = new StoreWriter(join(dir, `${name}.store`));
  const columns = new ColumnsWriter();
  const ids: string[] = [];
  sources.forEach((source, s) => {
    const file = files[s];
    const idTable = new StringTable(file.read('ids'), view.u32(file.read('ids.off')));
    const colSections = new Map(file.names().filter((n) => n.startsWith('col.')).map((n) => [n, file.read(n)]));
    const cols = new Columns(colSections, file.path);
    const remap = remaps[s];
    copyStore(join(dir, `${source.name}.store`), file, remap, store);
    for (let d = 0; d < remap.length; d++) {
      if (remap[d] < 0) continue;
      ids.push(idTable.get(d));
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
  const lengthSections: Section[] = [];
  const fieldLengths = {} as Record<(typeof FIELDS)[number], Uint32Array>;
  for (const f of FIELDS) {
    const lengths = new Uint32Array(next);
    let totalLength = 0;
    let docsWithField = 0;
    files.forEach((file, s) => {
      const src = view.u32(file.read(`${f}.len`));
      for (let d = 0; d < src.length; d++) {
        const nd = remaps[s][d];
        if (nd < 0) continue;
        lengths[nd] = src[d];
        totalLength += src[d];
        if (src[d] > 0) docsWithField++;
      }
    });
    meta.fields[f] = { docsWithField, totalLength };
    lengthSections.push({ name: `${f}.len`, data: lengths });
    fieldLengths[f] = lengths;
  }

  const small: Section[] = [
    { name: 'meta', data: Buffer.from(JSON.stringify(meta)) },
    ...store.finish(),
    ...writeIdSections(ids),
    ...columns.sections(),
    ...lengthSections,
  ];
  // Per field: words and grams (with positions).
  const count = small.length + FIELDS.length * (termTableSections(false) + termTableSections(true));
  const path = join(dir, `${name}.seg`);
  const out = new SectionFileWriter(path, SEGMENT_MAGIC, SEGMENT_VERSION, count);
  const posTemp = join(dir, `${name}.pos-tmp`);
  try {
    for (const s of small) out.add(s.name, s.data);
    for (const f of FIELDS) {
      mergeTermTables(out, `${f}.w`, files, remaps, shifts, false, posTemp, fieldLengths[f]);
      mergeTermTables(out, `${f}.g`, files, remaps, shifts, true, posTemp, fieldLengths[f]);
    }
    out.close();
  } catch (err) {
    out.abandon();
    throw err;
  } finally {
    rmSync(posTemp, { force: true });
  }
  return meta;
}

/** Appends the stored records of the live documents of one source to `store`. */
function copyStore(path: string, file: SectionFileReader, remap: Int32Array, store: StoreWriter): void {
  const offsets = view.f64(file.read('store.off'));
  const crcs = view.u32(file.read('store.crc'));
  const summaryLengths = view.u32(file.read('store.slen'));
  const summaryCrcs = view.u32(file.read('store.scrc'));
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const stream = new SectionStream(fd, path, 'document store', 0, size, null);
    for (let d = 0; d < remap.length; d++) {
      const bytes = stream.take(offsets[d + 1] - offsets[d]);
      if (remap[d] < 0) continue;
      if (crc32(bytes) !== crcs[d]) throw new IndexFileError(path, `document ${d} checksum mismatch (corrupted)`);
      store.addRaw(bytes, crcs[d], summaryLengths[d], summaryCrcs[d]);
    }
  } finally {
    closeSync(fd);
  }
}

/** One source term table read front to back: its term dictionary in memory, postings streamed. */
class TableCursor {
  private readonly terms: StringTable;
  private readonly df: Uint32Array;
  private readonly postOff: Uint32Array;
  private readonly posOff: Uint32Array | null;
  private readonly post: SectionStream;
  private readonly pos: SectionStream | null;
  ord = 0;
  term: string | null;

  constructor(file: SectionFileReader, prefix: string, withPositions: boolean) {
    this.terms = new StringTable(file.read(`${prefix}.terms`), view.u32(file.read(`${prefix}.toff`)));
    this.df = view.u32(file.read(`${prefix}.df`));
    this.postOff = view.u32(file.read(`${prefix}.poff`));
    this.post = file.stream(`${prefix}.post`);
    this.posOff = withPositions ? view.u32(file.read(`${prefix}.xoff`)) : null;
    this.pos = withPositions ? file.stream(`${prefix}.pos`) : null;
    this.term = this.terms.size > 0 ? this.terms.get(0) : null;
  }

  /** Document count, postings and positions bytes of the current term; moves to the next. */
  take(): { df: number; post: Uint8Array; pos: Uint8Array | null } {
    const o = this.ord++;
    const df = this.df[o];
    const post = this.post.take(this.postOff[o + 1] - this.postOff[o]);
    const pos = this.pos ? this.pos.take(this.posOff![o + 1] - this.posOff![o]) : null;
    this.term = this.ord < this.terms.size ? this.terms.get(this.ord) : null;
    return { df, post, pos };
  }
}

/**
 * k-way merge of the sorted term tables `<prefix>` of `files` into `out`, remapping documents
 * and dropping deleted ones. A source without deletions is only shifted, so its encoded bytes
 * are copied (see appendEncoded). Positions are spooled to `posTemp` while postings are written.
 * `lengths` (the merged segment's field lengths) give each block its shortest length.
 */
function mergeTermTables(
  out: SectionFileWriter,
  prefix: string,
  files: SectionFileReader[],
  remaps: Int32Array[],
  shifts: Array<number | null>,
  withPositions: boolean,
  posTemp: string,
  lengths: Uint32Array,
): void {
  const cursors = files.map((f) => new TableCursor(f, prefix, withPositions));
  const posFd = withPositions ? openSync(posTemp, 'w+') : -1;
  try {
    out.begin(`${prefix}.post`);
    const writer = new TermTableWriter(
      withPositions,
      {
        post: (chunk) => out.write(chunk),
        pos: (chunk) => {
          let written = 0;
          while (written < chunk.byteLength) written += writeSync(posFd, chunk, written, chunk.byteLength - written);
        },
      },
      lengths,
    );
    const heap = new TermHeap(cursors);
    while (heap.size) {
      const term = heap.top().term!;
      writer.beginTerm(term);
      // Sources holding the term, in source order (documents must come in increasing order).
      const holding: number[] = [];
      while (heap.size && heap.top().term === term) holding.push(heap.pop());
      holding.sort((a, b) => a - b);
      for (const s of holding) {
        const raw = cursors[s].take();
        const shift = shifts[s];
        if (shift !== null) writer.appendEncoded(raw, shift);
        else appendRemapped(writer, raw, remaps[s]);
        if (cursors[s].term !== null) heap.push(s);
      }
      writer.endTerm();
    }
    const sections = writer.sections(prefix);
    out.end();
    if (withPositions) {
      out.begin(`${prefix}.pos`);
      const size = fstatSync(posFd).size;
      const stream = new SectionStream(posFd, posTemp, 'positions', 0, size, null);
      for (let done = 0; done < size; ) {
        const n = Math.min(1 << 22, size - done);
        out.write(stream.take(n));
        done += n;
      }
      out.end();
    }
    for (const s of sections) out.add(s.name, s.data);
  } finally {
    if (posFd >= 0) closeSync(posFd);
  }
}

/** Copies a source's postings (positions as encoded), remapping documents and dropping deleted ones. */
function appendRemapped(writer: TermTableWriter, raw: RawPostings, remap: Int32Array): void {
  forEachEncoded(raw, (doc, freq, positions) => {
    const nd = remap[doc];
    if (nd >= 0) writer.addDocEncoded(nd, freq, positions);
  });
}

/** A binary min-heap of source numbers, ordered by their cursor's current term, then source. */
class TermHeap {
  private readonly items: number[] = [];

  constructor(private readonly cursors: TableCursor[]) {
    cursors.forEach((c, s) => {
      if (c.term !== null) this.push(s);
    });
  }

  get size(): number {
    return this.items.length;
  }

  top(): TableCursor {
    return this.cursors[this.items[0]];
  }

  private less(a: number, b: number): boolean {
    const ta = this.cursors[a].term!;
    const tb = this.cursors[b].term!;
    return ta < tb || (ta === tb && a < b);
  }

  push(s: number): void {
    const h = this.items;
    h.push(s);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  pop(): number {
    const h = this.items;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Postings: for each term, the documents that contain it, how often, and (for character
 * bigrams) where.
 *
 * On disk a term table is, per field and kind (words `w` or character grams `g`):
 *   terms    sorted string table of the terms
 *   df       u32 per term: number of documents
 *   poff     u32 per term + 1: byte range of the term in `post`
 *   post     per term: a skip table when the term has more than {@link BLOCK} documents, then per
 *            document varint(doc - previous doc), varint(freq)
 *   post.ck  chunk checksums of `post` (so `post` stays on disk, read on demand: section-file.ts)
 *   xoff     u32 per term + 1: byte range in `pos` (grams only)
 *   pos      per document, `freq` varints: position - previous position (from 0 in each document)
 *   pos.ck   chunk checksums of `pos`
 * Positions count searchable characters of the field (letters and digits; see analysis).
 *
 * The skip table: the term's documents in blocks of {@link BLOCK} (the last one shorter); its
 * length in bytes (varint), then one entry of five varints per block: the block's last document
 * and the end of its bytes in the term's document list (after the skip table) and in the term's
 * positions (each as the difference from the block before), its largest frequency and the
 * shortest field length among its documents. It lets a reader jump
 * to the block holding a document (positions of chosen documents, intersections) and bound the
 * BM25 score of a whole block (block-max pruning) without decoding it.
 *
 * Owns: that encoding, writing it ({@link TermTableWriter}) and reading it ({@link TermTable}).
 * Must not: know about scoring, queries or other files.
 */
import { ByteReader, ByteWriter, readIncreasingPairs } from './varint.js';
import { encodeStrings, StringTable } from './string-table.js';
import { ChunkChecksums, IndexFileError, requireSection, view, type LazySection, type Section } from './section-file.js';

/** Documents per block of a postings list. */
export const BLOCK = 128;
/**
 * Where a term's document list starts in its encoded bytes `post` (of `df` documents): after the
 * skip table, which a term of more than one block has (varint length, then the entries).
 */
export function dataStart(post: Uint8Array, df: number): number {
  if (df <= BLOCK) return 0;
  const r = new ByteReader(post);
  const length = r.varint();
  return r.pos + length;
}

/** Decoded postings of one term. */
export interface PostingList {
  docs: Int32Array;
  freqs: Int32Array;
}

/** The number of documents of a list, without decoding a {@link BlockPostings}. */
export function sizeOf(list: PostingList): number {
  return list instanceof BlockPostings ? list.df : list.docs.length;
}

/**
 * A term's postings decoded on demand: `docs` and `freqs` decode the whole list the first time
 * they are read; {@link cursor} walks it block by block, decoding only the blocks it stops in
 * (an intersection with a short list skips the rest).
 */
export class BlockPostings implements PostingList {
  private full: PostingList | null = null;

  constructor(
    private readonly table: TermTable,
    private readonly ord: number,
    readonly df: number,
    /** Called before the whole list is decoded (budget accounting). */
    private readonly beforeDecode: (df: number) => void,
  ) {}

  private decoded(): PostingList {
    if (!this.full) {
      this.beforeDecode(this.df);
      this.full = this.table.postings(this.ord);
    }
    return this.full;
  }

  get docs(): Int32Array {
    return this.decoded().docs;
  }

  get freqs(): Int32Array {
    return this.decoded().freqs;
  }

  /** A forward cursor over the list (a decoded list, or one of a single block, is searched in place). */
  cursor(): PostingCursor {
    return this.full || this.df <= BLOCK ? new ArrayCursor(this.decoded()) : this.table.cursor(this.ord);
  }
}

/** A forward cursor over a list: block by block for lists decoded on demand. */
export function cursorOf(list: PostingList): PostingCursor {
  return list instanceof BlockPostings ? list.cursor() : new ArrayCursor(list);
}

/** First index >= `from` whose value is >= `target` in sorted `a` (a.length if none). */
export function gallop(a: Int32Array, from: number, target: number): number {
  if (from >= a.length || a[from] >= target) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < a.length && a[hi] < target) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > a.length) hi = a.length;
  // a[lo] < target; the answer is in (lo, hi].
  lo++;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Moves forward through a postings list. */
export interface PostingCursor {
  /** The first document >= `target` from the current place on, or {@link END} (targets must not decrease). */
  seek(target: number): number;
  /** The frequency of the document the last {@link seek} returned. */
  freq(): number;
}

/** What a cursor's seek returns past the last document. */
export const END = 0x7fffffff;

/** A cursor over a decoded list (galloping search). */
export class ArrayCursor implements PostingCursor {
  private i = 0;

  constructor(private readonly list: PostingList) {}

  seek(target: number): number {
    const a = this.list.docs;
    const i = (this.i = gallop(a, this.i, target));
    return i < a.length ? a[i] : END;
  }

  freq(): number {
    return this.list.freqs[this.i];
  }
}

/**
 * A cursor over one term that jumps over whole blocks with the skip table and decodes only the
 * blocks it stops in; with positions, it reads the positions of only the block it is in, and
 * skips over those of the documents before the one asked for without decoding them.
 */
export class TermCursor implements PostingCursor {
  private block = -1;
  private i = 0;
  private n = 0;
  private done = false;
  private readonly docs = new Int32Array(BLOCK);
  private readonly freqs = new Int32Array(BLOCK);
  /** The block whose position bytes `posBytes` holds, the document index and byte reached in it. */
  private posBlock = -1;
  private posIndex = 0;
  private posByte = 0;
  private posBytes = new Uint8Array(256);
  private posBuffer = new Int32Array(16);
  /** Block and index of the document whose positions `posBuffer` holds. */
  private decodedBlock = -1;
  private decodedIndex = -1;
  private decodedCount = 0;

  constructor(
    private readonly table: TermTable,
    private readonly ord: number,
    private readonly skip: SkipTable,
    private readonly pos: { section: LazySection; start: number } | null,
  ) {}

  seek(target: number): number {
    if (this.done) return END;
    const skip = this.skip;
    let b = Math.max(this.block, 0);
    while (b < skip.blocks && skip.lastDoc[b] < target) b++;
    for (;;) {
      if (b >= skip.blocks) {
        this.done = true;
        return END;
      }
      if (b !== this.block) {
        this.n = this.table.decodeBlock(this.ord, skip, b, this.docs, this.freqs);
        this.block = b;
        this.i = 0;
      }
      const d = this.docs;
      let i = this.i;
      while (i < this.n && d[i] < target) i++;
      this.i = i;
      if (i < this.n) return d[i];
      // Past a block whose last document the skip table does not give (a term of one block).
      b++;
    }
  }

  freq(): number {
    return this.freqs[this.i];
  }

  /** Positions of the document the last seek returned (a view valid until the next call; tables with positions only). */
  positions(): Int32Array {
    if (this.decodedBlock === this.block && this.decodedIndex === this.i) return this.posBuffer.subarray(0, this.decodedCount);
    if (!this.pos) throw new Error('term table has no positions');
    if (this.posBlock !== this.block || this.posIndex > this.i) {
      const from = this.block === 0 ? 0 : this.skip.posEnd[this.block - 1];
      const n = this.skip.posEnd[this.block] - from;
      if (this.posBytes.length < n) this.posBytes = new Uint8Array(Math.max(n, this.posBytes.length * 2));
      this.pos.section.read(this.pos.start + from, n, this.posBytes);
      this.posBlock = this.block;
      this.posIndex = 0;
      this.posByte = 0;
    }
    const bytes = this.posBytes;
    const freqs = this.freqs;
    let at = this.posByte;
    for (; this.posIndex < this.i; this.posIndex++) {
      for (let k = freqs[this.posIndex]; k > 0; k--) while (bytes[at++] >= 0x80);
    }
    const n = freqs[this.i];
    if (this.posBuffer.length < n) this.posBuffer = new Int32Array(n * 2);
    let p = 0;
    for (let k = 0; k < n; k++) {
      let byte = bytes[at++];
      let v = byte & 0x7f;
      let shift = 128;
      while (byte >= 0x80) {
        byte = bytes[at++];
        v += (byte & 0x7f) * shift;
        shift *= 128;
      }
      this.posBuffer[k] = p += v;
    }
    this.posIndex = this.i + 1;
    this.posByte = at;
    this.decodedBlock = this.block;
    this.decodedIndex = this.i;
    this.decodedCount = n;
    return this.posBuffer.subarray(0, n);
  }
}

/** Decoded positions of one term: `positions[starts[i] .. starts[i+1])` belong to `docs[i]`. */
export interface PositionList extends PostingList {
  starts: Int32Array;
  positions: Int32Array;
}

/** The encoded postings of one term, as stored (its skip table included). */
export interface RawPostings {
  df: number;
  post: Uint8Array;
  pos: Uint8Array | null;
}

/** Receives a streaming {@link TermTableWriter}'s encoded bytes as they are produced. */
export interface PostingsSink {
  post(chunk: Uint8Array): void;
  pos(chunk: Uint8Array): void;
}

/** Bytes a streaming writer buffers before handing them to its sink. */
const SPILL = 1 << 22;

/**
 * Writes one term table; terms must be added in sorted order, documents in increasing order.
 * With a sink, the `post` and `pos` bytes are handed over in chunks as they are written (merges
 * stream them to disk) and {@link sections} returns the other sections only. `lengths` (the
 * field's length per document) gives each block its shortest length; without it, 0.
 */
export class TermTableWriter {
  private readonly terms: string[] = [];
  private readonly df: number[] = [];
  private readonly post = new ByteWriter(1 << 16);
  private readonly postOff: number[] = [0];
  private readonly pos: ByteWriter | null;
  private readonly posOff: number[] = [0];
  private readonly postCheck = new ChunkChecksums();
  private readonly posCheck = new ChunkChecksums();
  /** The current term's document list, before its skip table is known. */
  private readonly termPost = new ByteWriter(1 << 12);
  private readonly skipWriter = new ByteWriter(1 << 10);
  private skip: number[] = [];
  private lastDoc = -1;
  private docs = 0;
  private blockMaxFreq = 0;
  private blockMinLength = 0xffffffff;
  /** Position bytes written before the current term (spilled included). */
  private termPosStart = 0;
  /** Bytes already handed to the sink. */
  private postSpilled = 0;
  private posSpilled = 0;

  constructor(readonly withPositions: boolean, private readonly sink: PostingsSink | null = null, private readonly lengths: ArrayLike<number> | null = null) {
    this.pos = withPositions ? new ByteWriter(1 << 16) : null;
  }

  beginTerm(term: string): void {
    this.terms.push(term);
    this.lastDoc = -1;
    this.docs = 0;
    this.termPost.length = 0;
    this.skip.length = 0;
    this.blockMaxFreq = 0;
    this.blockMinLength = 0xffffffff;
    this.termPosStart = this.posSpilled + (this.pos?.length ?? 0);
  }

  /** Adds a document to the current term; `positions[from..from+freq)` when the table has positions. */
  addDoc(doc: number, freq: number, positions?: ArrayLike<number>, from = 0): void {
    this.termPost.varint(doc - this.lastDoc - 1);
    this.termPost.varint(freq);
    if (this.pos && positions) {
      let prev = 0;
      for (let i = from; i < from + freq; i++) {
        this.pos.varint(positions[i] - prev);
        prev = positions[i];
      }
    }
    this.added(doc, freq);
  }

  /**
   * Adds a document whose positions are already encoded (`freq` varints, as stored: merges copy
   * them without decoding).
   */
  addDocEncoded(doc: number, freq: number, positionBytes: Uint8Array | null): void {
    this.termPost.varint(doc - this.lastDoc - 1);
    this.termPost.varint(freq);
    if (this.pos && positionBytes) this.pos.append(positionBytes);
    this.added(doc, freq);
  }

  private added(doc: number, freq: number): void {
    this.lastDoc = doc;
    this.docs++;
    if (freq > this.blockMaxFreq) this.blockMaxFreq = freq;
    const length = this.lengths ? this.lengths[doc] : 0;
    if (length < this.blockMinLength) this.blockMinLength = length;
    if (this.docs % BLOCK === 0) this.closeBlock();
  }

  private closeBlock(): void {
    const posEnd = this.posSpilled + (this.pos?.length ?? 0) - this.termPosStart;
    this.skip.push(this.lastDoc, this.termPost.length, posEnd, this.blockMaxFreq, this.blockMinLength);
    this.blockMaxFreq = 0;
    this.blockMinLength = 0xffffffff;
  }

  /**
   * Appends another table's encoded postings of the current term, its documents shifted by
   * `shift` (merges of sources without deletions): document numbers are re-encoded into this
   * term's blocks, positions copied as they are.
   */
  appendEncoded(raw: RawPostings, shift: number): void {
    forEachEncoded(raw, (doc, freq, positions) => this.addDocEncoded(doc + shift, freq, positions));
  }

  endTerm(): void {
    if (this.docs === 0) {
      this.terms.pop();
      return;
    }
    if (this.docs > BLOCK) {
      if (this.docs % BLOCK !== 0) this.closeBlock();
      const table = this.skipWriter;
      table.length = 0;
      const k = this.skip;
      for (let i = 0; i < k.length; i += 5) {
        table.varint(i ? k[i] - k[i - 5] : k[i]);
        table.varint(i ? k[i + 1] - k[i - 4] : k[i + 1]);
        table.varint(i ? k[i + 2] - k[i - 3] : k[i + 2]);
        table.varint(k[i + 3]);
        table.varint(k[i + 4]);
      }
      this.post.varint(table.length);
      this.post.append(table.view());
    }
    this.post.append(this.termPost.view());
    this.df.push(this.docs);
    this.postOff.push(this.postSpilled + this.post.length);
    if (this.pos) this.posOff.push(this.posSpilled + this.pos.length);
    if (this.postSpilled + this.post.length > 0xffffffff || this.posSpilled + (this.pos?.length ?? 0) > 0xffffffff) {
      throw new Error('term table postings exceed 4 GiB');
    }
    if (this.sink) {
      if (this.post.length >= SPILL) this.spillPost();
      if (this.pos && this.pos.length >= SPILL) this.spillPos();
    }
  }

  private spillPost(): void {
    this.postCheck.update(this.post.view());
    this.sink!.post(this.post.view());
    this.postSpilled += this.post.length;
    this.post.length = 0;
  }

  private spillPos(): void {
    this.posCheck.update(this.pos!.view());
    this.sink!.pos(this.pos!.view());
    this.posSpilled += this.pos!.length;
    this.pos!.length = 0;
  }

  /**
   * The table's sections, named `<prefix>.<section>`. A streaming writer first hands its last
   * bytes to the sink and leaves out `post` and `pos`, which its sink has written.
   */
  sections(prefix: string): Section[] {
    if (this.sink) {
      this.spillPost();
      if (this.pos) this.spillPos();
    } else {
      this.postCheck.update(this.post.view());
      if (this.pos) this.posCheck.update(this.pos.view());
    }
    const { blob, offsets } = encodeStrings(this.terms);
    const out: Section[] = [
      { name: `${prefix}.terms`, data: blob },
      { name: `${prefix}.toff`, data: offsets },
      { name: `${prefix}.df`, data: Uint32Array.from(this.df) },
      { name: `${prefix}.poff`, data: Uint32Array.from(this.postOff) },
      { name: `${prefix}.post.ck`, data: this.postCheck.finish() },
    ];
    if (!this.sink) out.push({ name: `${prefix}.post`, data: this.post.view() });
    if (this.pos) {
      out.push({ name: `${prefix}.xoff`, data: Uint32Array.from(this.posOff) });
      out.push({ name: `${prefix}.pos.ck`, data: this.posCheck.finish() });
      if (!this.sink) out.push({ name: `${prefix}.pos`, data: this.pos.view() });
    }
    return out;
  }
}

/** Sections a term table has: words 6, grams (with positions) 9. */
export function termTableSections(withPositions: boolean): number {
  return withPositions ? 9 : 6;
}

/**
 * Calls `each` for every document of encoded postings, in order, with its frequency and the
 * bytes of its positions (null without positions).
 */
export function forEachEncoded(raw: RawPostings, each: (doc: number, freq: number, positions: Uint8Array | null) => void): void {
  const r = new ByteReader(raw.post, dataStart(raw.post, raw.df));
  const pos = raw.pos;
  let at = 0;
  let doc = -1;
  for (let i = 0; i < raw.df; i++) {
    doc += r.varint() + 1;
    const freq = r.varint();
    let bytes: Uint8Array | null = null;
    if (pos && pos.length) {
      const start = at;
      for (let k = freq; k > 0; k--) while (pos[at++] >= 0x80);
      bytes = pos.subarray(start, at);
    }
    each(doc, freq, bytes);
  }
}

/** Where a term's bytes are copied when they span chunks of the cache, reused (a decode never keeps them). */
const scratch = { bytes: new Uint8Array(1 << 16) };

/** One block of a term's skip table. */
export interface SkipTable {
  /** Blocks (1 for a term without a skip table). */
  blocks: number;
  /** Where the document list starts in the term's bytes (after the skip table). */
  dataStart: number;
  /** Per block: last document, end of its document bytes, end of its position bytes, max freq, min length. */
  lastDoc: Int32Array;
  postEnd: Int32Array;
  posEnd: Int32Array;
  maxFreq: Int32Array;
  minLength: Int32Array;
}

/** A read-only term table over sections of a loaded segment file (postings and positions on disk). */
export class TermTable {
  readonly terms: StringTable;
  readonly df: Uint32Array;
  private readonly postOff: Uint32Array;
  private readonly post: LazySection;
  private readonly posOff: Uint32Array | null;
  private readonly pos: LazySection | null;

  constructor(sections: Map<string, Uint8Array>, lazy: Map<string, LazySection>, readonly file: string, prefix: string, withPositions: boolean) {
    const req = (name: string) => requireSection(sections, file, `${prefix}.${name}`);
    const onDisk = (name: string) => {
      const s = lazy.get(`${prefix}.${name}`);
      if (!s) throw new IndexFileError(file, `missing section ${prefix}.${name}`);
      return s;
    };
    this.terms = new StringTable(req('terms'), view.u32(req('toff')));
    this.df = view.u32(req('df'));
    this.postOff = view.u32(req('poff'));
    this.post = onDisk('post');
    this.posOff = withPositions ? view.u32(req('xoff')) : null;
    this.pos = withPositions ? onDisk('pos') : null;
  }

  /** Ordinal of `term`, or -1. */
  lookup(term: string): number {
    return this.terms.find(term);
  }

  /** Decodes the documents and frequencies of term `ord`. */
  postings(ord: number): PostingList {
    const n = this.df[ord];
    const docs = new Int32Array(n);
    const freqs = new Int32Array(n);
    const length = this.postOff[ord + 1] - this.postOff[ord];
    const bytes = this.post.view(this.postOff[ord], length, scratch);
    const end = readIncreasingPairs(bytes, dataStart(bytes, n), docs, freqs);
    if (end !== length) throw new IndexFileError(this.file, `postings of term ${ord} do not decode to their length (corrupted)`);
    return { docs, freqs };
  }

  /** The skip table of term `ord` (one block covering every document when it has none). */
  skipTable(ord: number): SkipTable {
    const df = this.df[ord];
    const length = this.postOff[ord + 1] - this.postOff[ord];
    if (df <= BLOCK) {
      const posLength = this.posOff ? this.posOff[ord + 1] - this.posOff[ord] : 0;
      return { blocks: 1, dataStart: 0, lastDoc: Int32Array.of(0x7fffffff), postEnd: Int32Array.of(length), posEnd: Int32Array.of(posLength), maxFreq: Int32Array.of(0x7fffffff), minLength: Int32Array.of(0) };
    }
    const head = this.post.view(this.postOff[ord], Math.min(length, 5), scratch);
    const h = new ByteReader(head);
    const tableLength = h.varint();
    const start = h.pos;
    const r = new ByteReader(this.post.view(this.postOff[ord] + start, tableLength, scratch));
    const blocks = Math.ceil(df / BLOCK);
    const table: SkipTable = { blocks, dataStart: start + tableLength, lastDoc: new Int32Array(blocks), postEnd: new Int32Array(blocks), posEnd: new Int32Array(blocks), maxFreq: new Int32Array(blocks), minLength: new Int32Array(blocks) };
    let last = 0;
    let post = 0;
    let pos = 0;
    for (let b = 0; b < blocks; b++) {
      table.lastDoc[b] = last += r.varint();
      table.postEnd[b] = post += r.varint();
      table.posEnd[b] = pos += r.varint();
      table.maxFreq[b] = r.varint();
      table.minLength[b] = r.varint();
    }
    if (r.pos !== tableLength) throw new IndexFileError(this.file, `skip table of term ${ord} does not decode to its length (corrupted)`);
    return table;
  }

  /** Decodes block `b` of term `ord` (a term with a skip table) into `docs` and `freqs`; returns its document count. */
  decodeBlock(ord: number, skip: SkipTable, b: number, docs: Int32Array, freqs: Int32Array): number {
    const df = this.df[ord];
    const n = b < skip.blocks - 1 ? BLOCK : df - BLOCK * (skip.blocks - 1);
    const from = b === 0 ? 0 : skip.postEnd[b - 1];
    const base = this.postOff[ord] + skip.dataStart;
    const bytes = this.post.view(base + from, skip.postEnd[b] - from, scratch);
    const d = docs.subarray(0, n);
    const f = freqs.subarray(0, n);
    readIncreasingPairs(bytes, 0, d, f);
    // The first delta of a block counts from the last document of the block before.
    const shift = b === 0 ? 0 : skip.lastDoc[b - 1] + 1;
    if (shift) for (let i = 0; i < n; i++) d[i] += shift;
    return n;
  }

  /** Decodes documents, frequencies and positions of term `ord` (tables with positions only). */
  positions(ord: number): PositionList {
    if (!this.pos || !this.posOff) throw new Error('term table has no positions');
    const { docs, freqs } = this.postings(ord);
    const starts = new Int32Array(docs.length + 1);
    for (let i = 0; i < docs.length; i++) starts[i + 1] = starts[i] + freqs[i];
    const positions = new Int32Array(starts[docs.length]);
    const length = this.posOff[ord + 1] - this.posOff[ord];
    const bytes = this.pos.view(this.posOff[ord], length, scratch);
    const r = new ByteReader(bytes, 0, length);
    for (let i = 0; i < docs.length; i++) {
      let p = 0;
      for (let j = starts[i]; j < starts[i + 1]; j++) positions[j] = p += r.varint();
    }
    return { docs, freqs, starts, positions };
  }

  /** A forward cursor over term `ord`, with its positions when `withPositions` (tables with positions only). */
  cursor(ord: number, withPositions = false): TermCursor {
    if (withPositions && (!this.pos || !this.posOff)) throw new Error('term table has no positions');
    return new TermCursor(this, ord, this.skipTable(ord), withPositions ? { section: this.pos!, start: this.posOff![ord] } : null);
  }
}

/**
 * Postings: for each term, the documents that contain it, how often, and (for character
 * bigrams) where.
 *
 * On disk a term table is, per field and kind (words `w` or character grams `g`):
 *   terms   sorted string table of the terms
 *   df      u32 per term: number of documents
 *   poff    u32 per term + 1: byte range of the term in `post`
 *   post    per document: varint(doc - previous doc), varint(freq)
 *   xoff    u32 per term + 1: byte range in `pos` (grams only)
 *   pos     per document, `freq` varints: position - previous position (from 0 in each document)
 * Positions count searchable characters of the field (letters and digits; see analysis).
 *
 * Owns: that encoding, writing it ({@link TermTableWriter}) and reading it ({@link TermTable}).
 * Must not: know about scoring, queries or other files.
 */
import { ByteReader, ByteWriter, readIncreasingPairs } from './varint.js';
import { encodeStrings, StringTable } from './string-table.js';
import { requireSection, view, type Section } from './section-file.js';

/** Decoded postings of one term. */
export interface PostingList {
  docs: Int32Array;
  freqs: Int32Array;
}

/** Decoded positions of one term: `positions[starts[i] .. starts[i+1])` belong to `docs[i]`. */
export interface PositionList extends PostingList {
  starts: Int32Array;
  positions: Int32Array;
}

/** The encoded postings of one term, as stored. */
export interface RawPostings {
  df: number;
  lastDoc: number;
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
 * stream them to disk) and {@link sections} returns the other sections only.
 */
export class TermTableWriter {
  private readonly terms: string[] = [];
  private readonly df: number[] = [];
  private readonly post = new ByteWriter(1 << 16);
  private readonly postOff: number[] = [0];
  private readonly pos: ByteWriter | null;
  private readonly posOff: number[] = [0];
  private lastDoc = -1;
  private docs = 0;
  /** Bytes already handed to the sink. */
  private postSpilled = 0;
  private posSpilled = 0;

  constructor(readonly withPositions: boolean, private readonly sink: PostingsSink | null = null) {
    this.pos = withPositions ? new ByteWriter(1 << 16) : null;
  }

  beginTerm(term: string): void {
    this.terms.push(term);
    this.lastDoc = -1;
    this.docs = 0;
  }

  /** Adds a document to the current term; `positions[from..from+freq)` when the table has positions. */
  addDoc(doc: number, freq: number, positions?: ArrayLike<number>, from = 0): void {
    this.post.varint(doc - this.lastDoc - 1);
    this.post.varint(freq);
    this.lastDoc = doc;
    this.docs++;
    if (this.pos && positions) {
      let prev = 0;
      for (let i = from; i < from + freq; i++) {
        this.pos.varint(positions[i] - prev);
        prev = positions[i];
      }
    }
  }

  /**
   * Appends another table's encoded postings of the current term, its documents shifted by
   * `shift` (used by merges without deletions: only the first document delta is re-encoded,
   * the rest of the bytes and all positions are copied).
   */
  appendEncoded(raw: RawPostings, shift: number): void {
    const r = new ByteReader(raw.post);
    const firstDoc = r.varint() + shift;
    this.post.varint(firstDoc - this.lastDoc - 1);
    this.post.append(raw.post.subarray(r.pos));
    this.lastDoc = raw.lastDoc + shift;
    this.docs += raw.df;
    if (this.pos && raw.pos) this.pos.append(raw.pos);
  }

  endTerm(): void {
    if (this.docs === 0) {
      this.terms.pop();
      return;
    }
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
    this.sink!.post(this.post.view());
    this.postSpilled += this.post.length;
    this.post.length = 0;
  }

  private spillPos(): void {
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
    }
    const { blob, offsets } = encodeStrings(this.terms);
    const out: Section[] = [
      { name: `${prefix}.terms`, data: blob },
      { name: `${prefix}.toff`, data: offsets },
      { name: `${prefix}.df`, data: Uint32Array.from(this.df) },
      { name: `${prefix}.poff`, data: Uint32Array.from(this.postOff) },
    ];
    if (!this.sink) out.push({ name: `${prefix}.post`, data: this.post.view() });
    if (this.pos) {
      out.push({ name: `${prefix}.xoff`, data: Uint32Array.from(this.posOff) });
      if (!this.sink) out.push({ name: `${prefix}.pos`, data: this.pos.view() });
    }
    return out;
  }
}

/** A read-only term table over sections of a loaded segment file. */
export class TermTable {
  readonly terms: StringTable;
  readonly df: Uint32Array;
  private readonly postOff: Uint32Array;
  private readonly post: Uint8Array;
  private readonly posOff: Uint32Array | null;
  private readonly pos: Uint8Array | null;

  constructor(sections: Map<string, Uint8Array>, file: string, prefix: string, withPositions: boolean) {
    const req = (name: string) => requireSection(sections, file, `${prefix}.${name}`);
    this.terms = new StringTable(req('terms'), view.u32(req('toff')));
    this.df = view.u32(req('df'));
    this.postOff = view.u32(req('poff'));
    this.post = req('post');
    this.posOff = withPositions ? view.u32(req('xoff')) : null;
    this.pos = withPositions ? req('pos') : null;
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
    readIncreasingPairs(this.post, this.postOff[ord], docs, freqs);
    return { docs, freqs };
  }

  /** Decodes documents, frequencies and positions of term `ord` (tables with positions only). */
  positions(ord: number): PositionList {
    if (!this.pos || !this.posOff) throw new Error('term table has no positions');
    const { docs, freqs } = this.postings(ord);
    const starts = new Int32Array(docs.length + 1);
    for (let i = 0; i < docs.length; i++) starts[i + 1] = starts[i] + freqs[i];
    const positions = new Int32Array(starts[docs.length]);
    const r = new ByteReader(this.pos, this.posOff[ord], this.posOff[ord + 1]);
    for (let i = 0; i < docs.length; i++) {
      let p = 0;
      for (let j = starts[i]; j < starts[i + 1]; j++) positions[j] = p += r.varint();
    }
    return { docs, freqs, starts, positions };
  }

  /**
   * Documents and frequencies of term `ord`, with a cursor that decodes the positions of only the
   * documents asked for (tables with positions only). `list` is the term's decoded postings when
   * the caller already has them.
   */
  positionCursor(ord: number, list: PostingList = this.postings(ord)): PositionCursor {
    if (!this.pos || !this.posOff) throw new Error('term table has no positions');
    return new PositionCursor(list, this.pos, this.posOff[ord]);
  }
}

/** The last document of the `df` encoded postings in `post` (found by walking the deltas). */
export function lastDocOf(post: Uint8Array, df: number): number {
  const r = new ByteReader(post);
  let doc = -1;
  for (let i = 0; i < df; i++) {
    doc += r.varint() + 1;
    r.varint();
  }
  return doc;
}

/**
 * Reads the positions of chosen documents of one term, in increasing document order, skipping
 * over the bytes of the others without decoding them.
 */
export class PositionCursor {
  private index = 0;
  private byte: number;
  private buffer = new Int32Array(16);

  constructor(readonly list: PostingList, private readonly bytes: Uint8Array, start: number) {
    this.byte = start;
  }

  /** Positions of the document at index `i` of the list (i must not go backwards); a view valid until the next call. */
  positionsAt(i: number): Int32Array {
    const b = this.bytes;
    const freqs = this.list.freqs;
    let at = this.byte;
    for (; this.index < i; this.index++) {
      for (let k = freqs[this.index]; k > 0; k--) while (b[at++] >= 0x80);
    }
    const n = freqs[i];
    if (this.buffer.length < n) this.buffer = new Int32Array(n * 2);
    let p = 0;
    for (let k = 0; k < n; k++) {
      let byte = b[at++];
      let v = byte & 0x7f;
      let shift = 128;
      while (byte >= 0x80) {
        byte = b[at++];
        v += (byte & 0x7f) * shift;
        shift *= 128;
      }
      this.buffer[k] = p += v;
    }
    this.index = i + 1;
    this.byte = at;
    return this.buffer.subarray(0, n);
  }
}

/**
 * The document store: each document's original fields as one UTF-8 record, in a `.store` file
 * next to its segment, read on demand (the text stays on disk, not in memory). A record is the
 * document's summary (every field but `content`, as JSON) followed by its content as plain text,
 * so a hit that shows no snippet reads and parses the summary only. The segment file keeps each
 * record's offset, the length of its summary and the CRC32 of both, so damage is detected on read.
 *
 * Owns: the `.store` file. Must not: know about postings or queries.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { StoredDocument } from '../document.js';
import { IndexFileError, requireSection, view, type Section } from './section-file.js';

/** Appends documents to a new `.store` file. */
export class StoreWriter {
  private readonly fd: number;
  private readonly offsets: number[] = [0];
  private readonly crcs: number[] = [];
  private readonly summaryLengths: number[] = [];
  private readonly summaryCrcs: number[] = [];
  private position = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  add(doc: StoredDocument): void {
    const { content, ...rest } = doc;
    const summary = Buffer.from(JSON.stringify(rest), 'utf8');
    const b = Buffer.concat([summary, Buffer.from(content, 'utf8')]);
    this.append(b, crc32(b), summary.length, crc32(summary));
  }

  /** Appends an already encoded record (copied) and its checksums (used when merging segments). */
  addRaw(bytes: Uint8Array, crc: number, summaryLength: number, summaryCrc: number): void {
    this.append(Buffer.from(bytes), crc, summaryLength, summaryCrc);
  }

  private append(b: Buffer, crc: number, summaryLength: number, summaryCrc: number): void {
    this.summaryLengths.push(summaryLength);
    this.summaryCrcs.push(summaryCrc);
    this.pending.push(b);
    this.pendingBytes += b.length;
    this.position += b.length;
    this.offsets.push(this.position);
    this.crcs.push(crc);
    if (this.pendingBytes > 1 << 22) this.flush();
  }

  private flush(): void {
    if (!this.pending.length) return;
    const all = Buffer.concat(this.pending, this.pendingBytes);
    let written = 0;
    while (written < all.length) written += writeSync(this.fd, all, written, all.length - written);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Flushes, fsyncs and closes the file; returns the sections the segment file keeps. */
  finish(): Section[] {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    return [
      { name: 'store.off', data: Float64Array.from(this.offsets) },
      { name: 'store.crc', data: Uint32Array.from(this.crcs) },
      { name: 'store.slen', data: Uint32Array.from(this.summaryLengths) },
      { name: 'store.scrc', data: Uint32Array.from(this.summaryCrcs) },
    ];
  }
}

/** Reads stored documents by local document number. */
export class StoreReader {
  private fd: number;
  private readonly offsets: Float64Array;
  private readonly crcs: Uint32Array;
  private readonly summaryLengths: Uint32Array;
  private readonly summaryCrcs: Uint32Array;

  constructor(private readonly path: string, sections: Map<string, Uint8Array>, segmentFile: string) {
    this.offsets = view.f64(requireSection(sections, segmentFile, 'store.off'));
    this.crcs = view.u32(requireSection(sections, segmentFile, 'store.crc'));
    this.summaryLengths = view.u32(requireSection(sections, segmentFile, 'store.slen'));
    this.summaryCrcs = view.u32(requireSection(sections, segmentFile, 'store.scrc'));
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      throw new IndexFileError(path, `cannot open document store (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    const size = fstatSync(this.fd).size;
    const expected = this.offsets[this.offsets.length - 1];
    if (size !== expected) {
      closeSync(this.fd);
      throw new IndexFileError(path, `${size < expected ? 'truncated' : 'has trailing bytes'}: ${size} bytes, expected ${expected}`);
    }
  }

  /** The raw record bytes of document `doc`, checksum verified. */
  raw(doc: number): Buffer {
    const buf = this.bytes(doc, this.offsets[doc + 1] - this.offsets[doc]);
    if (crc32(buf) !== this.crcs[doc]) throw new IndexFileError(this.path, `document ${doc} checksum mismatch (corrupted)`);
    return buf;
  }

  /** The first `length` bytes of document `doc`'s record. */
  private bytes(doc: number, length: number): Buffer {
    const start = this.offsets[doc];
    const buf = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(this.fd, buf, read, length - read, start + read);
      if (n === 0) throw new IndexFileError(this.path, `unexpected end of file reading document ${doc}`);
      read += n;
    }
    return buf;
  }

  /** The stored document `doc`, its content included. */
  get(doc: number): StoredDocument {
    const raw = this.raw(doc);
    const split = this.summaryLengths[doc];
    return { ...this.parse(raw.subarray(0, split), doc), content: raw.toString('utf8', split) };
  }

  /** The stored document `doc` without its content (`content` is ''): only its summary is read. */
  summary(doc: number): StoredDocument {
    const buf = this.bytes(doc, this.summaryLengths[doc]);
    if (crc32(buf) !== this.summaryCrcs[doc]) throw new IndexFileError(this.path, `document ${doc} checksum mismatch (corrupted)`);
    return { ...this.parse(buf, doc), content: '' };
  }

  /** Checksums of document `doc`: the record's, its summary's length and the summary's (merges copy them). */
  checksums(doc: number): { crc: number; summaryLength: number; summaryCrc: number } {
    return { crc: this.crcs[doc], summaryLength: this.summaryLengths[doc], summaryCrc: this.summaryCrcs[doc] };
  }

  private parse(summary: Uint8Array, doc: number): Omit<StoredDocument, 'content'> {
    try {
      return JSON.parse(Buffer.from(summary.buffer, summary.byteOffset, summary.byteLength).toString('utf8')) as Omit<StoredDocument, 'content'>;
    } catch {
      throw new IndexFileError(this.path, `document ${doc} does not parse (corrupted)`);
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

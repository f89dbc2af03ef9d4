/**
 * The document store: each document's original fields as one small UTF-8 JSON record, in a
 * `.store` file next to its segment, read on demand (the text stays on disk, not in memory).
 * The segment file keeps each record's offset and CRC32, so damage is detected on read.
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
  private position = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  add(doc: StoredDocument): void {
    const b = Buffer.from(JSON.stringify(doc), 'utf8');
    this.append(b, crc32(b));
  }

  /** Appends an already encoded record (copied) and its CRC32 (used when merging segments). */
  addRaw(bytes: Uint8Array, crc: number): void {
    this.append(Buffer.from(bytes), crc);
  }

  private append(b: Buffer, crc: number): void {
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
    ];
  }
}

/** Reads stored documents by local document number. */
export class StoreReader {
  private fd: number;
  private readonly offsets: Float64Array;
  private readonly crcs: Uint32Array;

  constructor(private readonly path: string, sections: Map<string, Uint8Array>, segmentFile: string) {
    this.offsets = view.f64(requireSection(sections, segmentFile, 'store.off'));
    this.crcs = view.u32(requireSection(sections, segmentFile, 'store.crc'));
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
    const start = this.offsets[doc];
    const length = this.offsets[doc + 1] - start;
    const buf = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(this.fd, buf, read, length - read, start + read);
      if (n === 0) throw new IndexFileError(this.path, `unexpected end of file reading document ${doc}`);
      read += n;
    }
    if (crc32(buf) !== this.crcs[doc]) throw new IndexFileError(this.path, `document ${doc} checksum mismatch (corrupted)`);
    return buf;
  }

  get(doc: number): StoredDocument {
    return JSON.parse(this.raw(doc).toString('utf8')) as StoredDocument;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

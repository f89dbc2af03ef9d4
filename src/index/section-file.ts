/**
 * The binary container every index file uses: a versioned header, a table of named sections,
 * each section 8-byte aligned and CRC32-checked.
 *
 * Layout (little-endian):
 *   0   magic        8 bytes ASCII, e.g. "ZHSSEG\0\0"
 *   8   version      u32   format version of the file kind
 *   12  count        u32   number of sections
 *   16  fileLength   f64   total length of the file in bytes (detects truncation)
 *   24  entries      count x 48 bytes: name (32 bytes UTF-8, zero padded), offset f64, length u32, crc32 u32
 *   ..  headerCrc    u32   CRC32 of bytes [0, here)
 *   ..  sections     each starting at a multiple of 8
 *
 * A section `X` that has a companion section `X.ck` (u32 CRC32 of each {@link CHECK_CHUNK} bytes
 * of X, see {@link ChunkChecksums}) is read on demand: opening reads and verifies every other
 * section into memory, and X stays on disk as a {@link LazySection} whose chunks are verified the
 * first time they are read. Postings use this, so an index's memory is its dictionaries and
 * columns, not its postings (the operating system's page cache holds those).
 *
 * Owns: that layout, reading it back into aligned views, and the errors that name the file.
 * Must not: know what the sections contain.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/** A damaged, truncated or incompatible index file. The message names the file. */
export class IndexFileError extends Error {
  constructor(public readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'IndexFileError';
  }
}

export interface Section {
  name: string;
  data: ArrayBufferView;
}

const ENTRY = 48;
const NAME_BYTES = 32;
/** `n` rounded up to a multiple of 8 (arithmetic, not bitwise: files pass 2 GiB). */
const align8 = (n: number) => Math.ceil(n / 8) * 8;

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Writes `sections` to `path` (created or truncated) and fsyncs it. */
export function writeSectionFile(path: string, magic: string, version: number, sections: Section[]): void {
  const out = new SectionFileWriter(path, magic, version, sections.length);
  try {
    for (const s of sections) out.add(s.name, s.data);
    out.close();
  } catch (err) {
    out.abandon();
    throw err;
  }
}

/**
 * Writes a section file section by section, so a large section can be streamed in chunks and
 * never held whole in memory. The number of sections is fixed up front (it sizes the header,
 * which is written last).
 */
export class SectionFileWriter {
  private readonly fd: number;
  private readonly header: Buffer;
  private readonly headerLength: number;
  private index = 0;
  private offset: number;
  /** The section being streamed: its start and running length and CRC. */
  private open: { name: string; start: number; length: number; crc: number } | null = null;

  constructor(private readonly path: string, magic: string, version: number, private readonly count: number) {
    this.headerLength = 24 + count * ENTRY + 4;
    this.header = Buffer.alloc(this.headerLength);
    this.header.write(magic.padEnd(8, '\0'), 0, 8, 'latin1');
    this.header.writeUInt32LE(version, 8);
    this.header.writeUInt32LE(count, 12);
    this.offset = align8(this.headerLength);
    this.fd = openSync(path, 'w');
  }

  /** Writes a whole section. */
  add(name: string, data: ArrayBufferView): void {
    this.begin(name);
    this.write(bytesOf(data));
    this.end();
  }

  /** Starts a streamed section; {@link write} its bytes, then {@link end} it. */
  begin(name: string): void {
    if (this.open) throw new Error(`section ${this.open.name} is still open`);
    if (this.index >= this.count) throw new Error(`${this.path}: more than ${this.count} sections`);
    if (Buffer.byteLength(name) > NAME_BYTES) throw new Error(`section name too long: ${name}`);
    this.open = { name, start: this.offset, length: 0, crc: 0 };
  }

  write(chunk: Uint8Array): void {
    const s = this.open!;
    let written = 0;
    while (written < chunk.byteLength) {
      written += writeSync(this.fd, chunk, written, chunk.byteLength - written, s.start + s.length + written);
    }
    s.length += chunk.byteLength;
    s.crc = crc32(chunk, s.crc);
    if (s.length > 0xffffffff) throw new Error(`section ${s.name} exceeds 4 GiB`);
  }

  end(): void {
    const s = this.open!;
    const e = 24 + this.index * ENTRY;
    this.header.write(s.name, e, NAME_BYTES, 'utf8');
    this.header.writeDoubleLE(s.start, e + NAME_BYTES);
    this.header.writeUInt32LE(s.length, e + NAME_BYTES + 8);
    this.header.writeUInt32LE(s.crc >>> 0, e + NAME_BYTES + 12);
    this.index++;
    this.open = null;
    const end = s.start + s.length;
    this.offset = align8(end);
    // Zero padding up to the next section (or the declared length), so the length check is exact.
    if (this.offset > end) writeSync(this.fd, Buffer.alloc(this.offset - end), 0, this.offset - end, end);
  }

  /** Writes the header, fsyncs and closes the file. */
  close(): void {
    if (this.open || this.index !== this.count) throw new Error(`${this.path}: ${this.index} of ${this.count} sections written`);
    this.header.writeDoubleLE(this.offset, 16);
    this.header.writeUInt32LE(crc32(this.header.subarray(0, this.headerLength - 4)), this.headerLength - 4);
    try {
      writeSync(this.fd, this.header, 0, this.headerLength, 0);
      const gap = align8(this.headerLength) - this.headerLength;
      if (gap > 0) writeSync(this.fd, Buffer.alloc(gap), 0, gap, this.headerLength);
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }

  /** Closes the file after a failure (the caller removes it or leaves it as garbage). */
  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

interface Entry {
  offset: number;
  length: number;
  crc: number;
}

/** Checks magic, version and header checksum of a file whose first bytes are `head`; returns its section table. */
function parseHeader(path: string, head: Buffer, fileLength: number, magic: string, version: number): Map<string, Entry> {
  if (fileLength < 28 || head.length < 28) throw new IndexFileError(path, `truncated (${fileLength} bytes)`);
  const gotMagic = head.toString('latin1', 0, 8);
  if (gotMagic !== magic.padEnd(8, '\0')) throw new IndexFileError(path, 'not a zhsearch index file (bad magic)');
  const gotVersion = head.readUInt32LE(8);
  if (gotVersion !== version) {
    throw new IndexFileError(path, `index format version ${gotVersion}, this build reads version ${version}: rebuild the index with \`zhsearch index\``);
  }
  const count = head.readUInt32LE(12);
  const headerLength = 24 + count * ENTRY + 4;
  if (head.length < headerLength) throw new IndexFileError(path, 'truncated header');
  if (crc32(head.subarray(0, headerLength - 4)) !== head.readUInt32LE(headerLength - 4)) {
    throw new IndexFileError(path, 'header checksum mismatch (corrupted)');
  }
  const declared = head.readDoubleLE(16);
  if (fileLength !== declared) {
    throw new IndexFileError(path, `${fileLength < declared ? 'truncated' : 'has trailing bytes'}: ${fileLength} bytes, expected ${declared}`);
  }
  const entries = new Map<string, Entry>();
  for (let i = 0; i < count; i++) {
    const e = 24 + i * ENTRY;
    const name = head.toString('utf8', e, e + NAME_BYTES).replace(/\0+$/, '');
    const offset = head.readDoubleLE(e + NAME_BYTES);
    const length = head.readUInt32LE(e + NAME_BYTES + 8);
    if (offset + length > fileLength) throw new IndexFileError(path, `section ${name} runs past the end of the file`);
    entries.set(name, { offset, length, crc: head.readUInt32LE(e + NAME_BYTES + 12) });
  }
  return entries;
}

/**
 * Reads a section file whole, checking magic, version, length and every checksum (for small
 * files: a section with chunk checksums is read into memory too).
 * Returns each section as an 8-byte aligned `Uint8Array`.
 */
export function readSectionFile(path: string, magic: string, version: number): Map<string, Uint8Array> {
  const file = openSectionFile(path, magic, version);
  try {
    const out = new Map(file.sections);
    for (const [name, lazy] of file.lazy) {
      const bytes = new Uint8Array(new ArrayBuffer(align8(lazy.length)), 0, lazy.length);
      lazy.read(0, lazy.length, bytes);
      out.set(name, bytes);
    }
    return out;
  } finally {
    file.close();
  }
}

/** An opened section file: its in-memory sections and those read on demand. */
export interface OpenedSectionFile {
  /** Every section without chunk checksums, verified, as 8-byte aligned views. */
  sections: Map<string, Uint8Array>;
  /** Sections with chunk checksums (`X` for which `X.ck` exists), read on demand. */
  lazy: Map<string, LazySection>;
  /** Closes the file descriptor the lazy sections read from (a no-op when there are none). */
  close(): void;
}

/**
 * Opens a section file: the header is checked, the sections without chunk checksums are read and
 * verified into one shared buffer (handed to other threads, see {@link sharedSectionFiles}), and
 * the others are left on disk behind {@link LazySection}s, which keep the file open until
 * {@link OpenedSectionFile.close}.
 */
export function openSectionFile(path: string, magic: string, version: number): OpenedSectionFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new IndexFileError(path, `cannot read index file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const stat = fstatSync(fd);
    const size = stat.size;
    const first = Buffer.alloc(Math.min(size, 16));
    readAt(path, fd, first, 0);
    const count = first.length >= 16 ? first.readUInt32LE(12) : 0;
    const head = Buffer.alloc(Math.min(size, 24 + count * ENTRY + 4));
    readAt(path, fd, head, 0);
    const entries = parseHeader(path, head, size, magic, version);
    const isLazy = (name: string) => entries.has(`${name}.ck`);
    // The in-memory sections, packed 8-byte aligned in one buffer in table order.
    const layout: Array<[string, Entry, number]> = [];
    let total = 0;
    for (const [name, e] of entries) {
      if (isLazy(name)) continue;
      layout.push([name, e, total]);
      total = align8(total + e.length);
    }
    const identity = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    const known = sharedFiles.get(path);
    let buffer = known?.identity === identity ? known.buffer.deref() : undefined;
    // Bytes shared by the thread that read them were verified there.
    const verified = buffer !== undefined;
    if (!buffer) buffer = new SharedArrayBuffer(total);
    const sections = new Map<string, Uint8Array>();
    for (const [name, { offset, length, crc }, at] of layout) {
      const bytes = new Uint8Array(buffer, at, length);
      if (!verified) {
        readAt(path, fd, bytes, offset);
        if (crc32(bytes) !== crc) throw new IndexFileError(path, `section ${name} checksum mismatch (corrupted)`);
      }
      sections.set(name, bytes);
    }
    if (!verified) sharedFiles.set(path, { identity, buffer: new WeakRef(buffer) });
    const lazy = new Map<string, LazySection>();
    for (const [name, e] of entries) {
      if (!isLazy(name)) continue;
      const ck = sections.get(`${name}.ck`)!;
      const crcs = new Uint32Array(ck.buffer, ck.byteOffset, ck.byteLength >>> 2);
      if (crcs.length !== Math.ceil(e.length / CHECK_CHUNK)) throw new IndexFileError(path, `section ${name} has ${crcs.length} chunk checksums for ${e.length} bytes (corrupted)`);
      lazy.set(name, new LazySection(fd, path, name, e.offset, e.length, crcs));
    }
    if (!lazy.size) closeSync(fd);
    let closed = !lazy.size;
    return {
      sections,
      lazy,
      close: () => {
        for (const l of lazy.values()) l.close();
        if (!closed) closeSync(fd);
        closed = true;
      },
    };
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    throw err;
  }
}

/** Bytes covered by one chunk checksum of a section read on demand. */
export const CHECK_CHUNK = 1 << 14;

/** Computes the chunk checksums (`X.ck`) of a section from its bytes, given front to back. */
export class ChunkChecksums {
  private readonly crcs: number[] = [];
  private crc = 0;
  private fill = 0;

  update(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const n = Math.min(CHECK_CHUNK - this.fill, bytes.length - i);
      this.crc = crc32(bytes.subarray(i, i + n), this.crc);
      this.fill += n;
      i += n;
      if (this.fill === CHECK_CHUNK) {
        this.crcs.push(this.crc >>> 0);
        this.crc = 0;
        this.fill = 0;
      }
    }
  }

  /** The checksums, one per started chunk. */
  finish(): Uint32Array {
    const out = Uint32Array.from(this.fill > 0 ? [...this.crcs, this.crc >>> 0] : this.crcs);
    return out;
  }
}

/**
 * A section left on disk, read by range through a cache of {@link CHECK_CHUNK}-byte chunks: a
 * chunk is read and verified against its checksum the first time a read touches it (damage is
 * reported, an {@link IndexFileError} naming the file and section, never decoded), then kept in
 * memory while the process-wide {@link chunkCache} budget allows (least recently used chunks go
 * first). Warm reads are copies from memory, not system calls.
 */
export class LazySection {
  private readonly chunks: Array<Uint8Array | undefined>;
  /** Per chunk: read since the clock hand last passed it. */
  readonly used: Uint8Array;
  private closed = false;

  constructor(
    private readonly fd: number,
    readonly path: string,
    readonly name: string,
    private readonly offset: number,
    readonly length: number,
    private readonly crcs: Uint32Array,
  ) {
    this.chunks = new Array(crcs.length);
    this.used = new Uint8Array(crcs.length);
  }

  /** Copies bytes [at, at + n) of the section into `into` (from its start). */
  read(at: number, n: number, into: Uint8Array): void {
    if (n <= 0) return;
    if (at < 0 || at + n > this.length) throw new IndexFileError(this.path, `section ${this.name} read past its end (corrupted)`);
    let c = Math.floor(at / CHECK_CHUNK);
    let from = at - c * CHECK_CHUNK;
    for (let done = 0; done < n; c++, from = 0) {
      const chunk = this.chunk(c);
      const take = Math.min(chunk.length - from, n - done);
      into.set(chunk.subarray(from, from + take), done);
      done += take;
    }
  }

  /**
   * Bytes [at, at + n) of the section: a view of the cached chunk when they lie in one (no copy),
   * else a copy in `scratch` (grown when too small; the caller keeps what is returned).
   */
  view(at: number, n: number, scratch: { bytes: Uint8Array }): Uint8Array {
    const c = Math.floor(at / CHECK_CHUNK);
    const from = at - c * CHECK_CHUNK;
    if (n > 0 && from + n <= CHECK_CHUNK && at + n <= this.length) return this.chunk(c).subarray(from, from + n);
    if (scratch.bytes.length < n) scratch.bytes = new Uint8Array(Math.max(n, scratch.bytes.length * 2));
    this.read(at, n, scratch.bytes);
    return scratch.bytes.subarray(0, n);
  }

  private chunk(c: number): Uint8Array {
    const cached = this.chunks[c];
    if (cached) {
      this.used[c] = 1;
      return cached;
    }
    if (this.closed) throw new IndexFileError(this.path, `section ${this.name} read after the segment was closed`);
    const started = performance.now();
    const start = c * CHECK_CHUNK;
    const bytes = new Uint8Array(Math.min(CHECK_CHUNK, this.length - start));
    readAt(this.path, this.fd, bytes, this.offset + start);
    if (crc32(bytes) >>> 0 !== this.crcs[c]) throw new IndexFileError(this.path, `section ${this.name} checksum mismatch at byte ${start} (corrupted)`);
    this.chunks[c] = bytes;
    this.used[c] = 1;
    chunkCache.admit(this, c, bytes.length);
    chunkCache.misses++;
    chunkCache.missMs += performance.now() - started;
    return bytes;
  }

  /** Drops chunk `c` from memory (the cache's eviction). Returns its bytes. */
  evict(c: number): number {
    const bytes = this.chunks[c]?.length ?? 0;
    this.chunks[c] = undefined;
    return bytes;
  }

  /** Whether chunk `c` is in memory. */
  holds(c: number): boolean {
    return this.chunks[c] !== undefined;
  }

  /** Drops every cached chunk; later reads fail (the file descriptor is closed by the owner). */
  close(): void {
    this.closed = true;
    for (let c = 0; c < this.chunks.length; c++) if (this.chunks[c]) chunkCache.release(this.evict(c));
  }
}

/**
 * The process-wide budget of cached chunks of lazy sections (default {@link DEFAULT_CHUNK_CACHE_BYTES}),
 * evicted by the clock algorithm (an approximation of least recently used: a chunk read since the
 * hand last passed it is spared once).
 */
export const chunkCache = {
  budget: 0,
  bytes: 0,
  ring: [] as Array<{ section: LazySection; chunk: number }>,
  hand: 0,
  /** Chunks read from the file since the process started, and the milliseconds they took. */
  misses: 0,
  missMs: 0,

  admit(section: LazySection, chunk: number, bytes: number): void {
    this.ring.push({ section, chunk });
    this.bytes += bytes;
    while (this.bytes > this.budget && this.ring.length > 1) this.evictOne();
  },

  release(bytes: number): void {
    this.bytes -= bytes;
  },

  evictOne(): void {
    for (;;) {
      if (this.hand >= this.ring.length) this.hand = 0;
      const e = this.ring[this.hand];
      if (!e.section.holds(e.chunk)) {
        this.remove(this.hand);
        return;
      }
      if (e.section.used[e.chunk]) {
        e.section.used[e.chunk] = 0;
        this.hand++;
        continue;
      }
      this.bytes -= e.section.evict(e.chunk);
      this.remove(this.hand);
      return;
    }
  },

  remove(i: number): void {
    const last = this.ring.pop()!;
    if (i < this.ring.length) this.ring[i] = last;
  },
};

/** Bytes of postings chunks a process keeps in memory by default (the rest is read from disk). */
export const DEFAULT_CHUNK_CACHE_BYTES = 256 * 1024 * 1024;
chunkCache.budget = DEFAULT_CHUNK_CACHE_BYTES;

/** What the chunk cache holds and has read: see {@link chunkCacheStats}. */
export interface ChunkCacheStats {
  /** The budget (bytes). */
  budgetBytes: number;
  /** Bytes of chunks in memory now. */
  bytes: number;
  /** Chunks read from the index files since the process started (each a 16 KiB read, checksummed). */
  misses: number;
  /** Milliseconds those reads took (allocating the chunk, reading it, checking it). */
  missMs: number;
}

/** The process-wide chunk cache's figures (this thread's). */
export function chunkCacheStats(): ChunkCacheStats {
  return { budgetBytes: chunkCache.budget, bytes: chunkCache.bytes, misses: chunkCache.misses, missMs: chunkCache.missMs };
}

/** Sets the budget of cached postings chunks (bytes; 0 keeps none, every read goes to disk). */
export function setChunkCacheBytes(bytes: number): void {
  chunkCache.budget = Math.max(0, bytes);
  while (chunkCache.bytes > chunkCache.budget && chunkCache.ring.length) chunkCache.evictOne();
}

/** readFully with errors naming the file. */
function readAt(path: string, fd: number, into: Uint8Array, position: number): void {
  try {
    readFully(fd, into, position);
  } catch (err) {
    throw new IndexFileError(path, `cannot read index file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** What {@link verifySectionFile} found. */
export interface SectionFileCheck {
  /** Bytes of the file. */
  bytes: number;
  /** Names of the sections, in file order. */
  sections: string[];
  /** Damage found past the header: a section whose checksum does not match, altered padding. */
  damaged: string[];
}

/**
 * Verifies a section file without holding it in memory: magic, version, declared length and
 * header checksum (an {@link IndexFileError} when they fail), then every section's checksum and
 * the zero padding between sections (listed in `damaged`), so every byte of the file is checked.
 */
export function verifySectionFile(path: string, magic: string, version: number): SectionFileCheck {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new IndexFileError(path, `cannot read index file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const size = fstatSync(fd).size;
    const first = Buffer.alloc(Math.min(size, 16));
    readFully(fd, first, 0);
    const count = first.length >= 16 ? first.readUInt32LE(12) : 0;
    const headerLength = 24 + count * ENTRY + 4;
    const head = Buffer.alloc(Math.min(size, headerLength));
    readFully(fd, head, 0);
    const entries = [...parseHeader(path, head, size, magic, version)].sort((a, b) => a[1].offset - b[1].offset);
    const damaged: string[] = [];
    const chunk = new Uint8Array(CHUNK);
    /** CRC32 of [offset, offset + length), and whether every byte of it is zero. */
    const scan = (offset: number, length: number): { crc: number; zero: boolean } => {
      let crc = 0;
      let zero = true;
      for (let done = 0; done < length; ) {
        const part = chunk.subarray(0, Math.min(CHUNK, length - done));
        readFully(fd, part, offset + done);
        crc = crc32(part, crc);
        if (zero && part.some((b) => b !== 0)) zero = false;
        done += part.length;
      }
      return { crc: crc >>> 0, zero };
    };
    let end = headerLength;
    for (const [name, { offset, length, crc }] of entries) {
      if (offset < end) damaged.push(`section ${name} overlaps what precedes it (corrupted)`);
      else if (!scan(end, offset - end).zero) damaged.push(`padding before section ${name} altered (corrupted)`);
      if (scan(offset, length).crc !== crc) damaged.push(`section ${name} checksum mismatch (corrupted)`);
      end = Math.max(end, offset + length);
    }
    if (end < size && !scan(end, size - end).zero) damaged.push('padding at the end of the file altered (corrupted)');
    return { bytes: size, sections: entries.map(([name]) => name), damaged };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads chosen sections of a section file on demand, whole or as a sequential stream, so a
 * large file is never held in memory at once (merges read their sources this way).
 */
export class SectionFileReader {
  private readonly fd: number;
  private readonly entries: Map<string, Entry>;

  constructor(readonly path: string, magic: string, version: number) {
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      throw new IndexFileError(path, `cannot read index file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    try {
      const size = fstatSync(this.fd).size;
      const first = Buffer.alloc(Math.min(size, 16));
      readSync(this.fd, first, 0, first.length, 0);
      const count = first.length >= 16 ? first.readUInt32LE(12) : 0;
      const head = Buffer.alloc(Math.min(size, 24 + count * ENTRY + 4));
      readSync(this.fd, head, 0, head.length, 0);
      this.entries = parseHeader(path, head, size, magic, version);
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new IndexFileError(this.path, `missing section ${name}`);
    return e;
  }

  /** A whole section (8-byte aligned), checksum verified. */
  read(name: string): Uint8Array {
    const { offset, length, crc } = this.entry(name);
    const bytes = new Uint8Array(new ArrayBuffer(length));
    readFully(this.fd, bytes, offset);
    if (crc32(bytes) !== crc) throw new IndexFileError(this.path, `section ${name} checksum mismatch (corrupted)`);
    return bytes;
  }

  /** A sequential reader over a section; its checksum is verified once it has been read to the end. */
  stream(name: string): SectionStream {
    const { offset, length, crc } = this.entry(name);
    return new SectionStream(this.fd, this.path, `section ${name}`, offset, length, crc);
  }

  /** Names of the sections. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.byteLength) {
    // One read is capped at 2 GiB; large sections take several.
    const n = readSync(fd, into, done, Math.min(into.byteLength - done, 1 << 30), position + done);
    if (n === 0) throw new Error('unexpected end of file');
    done += n;
  }
}

/** A loaded section file that other threads of the process may use instead of reading it again. */
export interface SharedSectionFile {
  path: string;
  /** Device, inode, size and modification time: the same file, unchanged. */
  identity: string;
  buffer: SharedArrayBuffer;
}

/** Files whose bytes this thread holds (weakly: a closed index's files are freed as usual). */
const sharedFiles = new Map<string, { identity: string; buffer: WeakRef<SharedArrayBuffer> }>();

/**
 * The section files this thread has loaded and verified, still in memory, to hand to another
 * thread ({@link adoptSectionFiles}) so it maps the same bytes instead of holding a copy: the
 * server's search thread opens the index without doubling its memory.
 */
export function sharedSectionFiles(): SharedSectionFile[] {
  const out: SharedSectionFile[] = [];
  for (const [path, { identity, buffer }] of sharedFiles) {
    const b = buffer.deref();
    if (b) out.push({ path, identity, buffer: b });
    else sharedFiles.delete(path);
  }
  return out;
}

/** Uses `files` (from another thread's {@link sharedSectionFiles}) when this thread opens those paths unchanged. */
export function adoptSectionFiles(files: readonly SharedSectionFile[]): void {
  for (const f of files) sharedFiles.set(f.path, { identity: f.identity, buffer: new WeakRef(f.buffer) });
}

const CHUNK = 1 << 20;

/** Reads a byte range of a file (a section) front to back in chunks. */
export class SectionStream {
  private buffer = new Uint8Array(CHUNK);
  private start = 0;
  private end = 0;
  /** Bytes of the range consumed by the buffer so far. */
  private read = 0;
  private crc = 0;

  /** `crc`: the range's CRC32, checked once the range has been read to its end (null: not checked). */
  constructor(
    private readonly fd: number,
    private readonly path: string,
    private readonly name: string,
    private readonly offset: number,
    private readonly length: number,
    private readonly expectedCrc: number | null,
  ) {}

  /** The next `n` bytes of the section (a view valid until the next call). */
  take(n: number): Uint8Array {
    if (this.end - this.start < n) this.fill(n);
    const out = this.buffer.subarray(this.start, this.start + n);
    this.start += n;
    return out;
  }

  private fill(n: number): void {
    const kept = this.end - this.start;
    if (this.read + n - kept > this.length) throw new IndexFileError(this.path, `${this.name} read past its end`);
    const size = Math.max(CHUNK, n);
    const next = size > this.buffer.length ? new Uint8Array(size) : this.buffer;
    if (next === this.buffer) next.copyWithin(0, this.start, this.end);
    else next.set(this.buffer.subarray(this.start, this.end));
    const want = Math.min(size - kept, this.length - this.read);
    const chunk = next.subarray(kept, kept + want);
    readFully(this.fd, chunk, this.offset + this.read);
    this.read += want;
    if (this.expectedCrc !== null) {
      this.crc = crc32(chunk, this.crc);
      if (this.read === this.length && this.crc >>> 0 !== this.expectedCrc) {
        throw new IndexFileError(this.path, `${this.name} checksum mismatch (corrupted)`);
      }
    }
    this.buffer = next;
    this.start = 0;
    this.end = kept + want;
  }
}

/** Typed views over an aligned section. */
export const view = {
  u32: (b: Uint8Array) => new Uint32Array(b.buffer, b.byteOffset, b.byteLength >>> 2),
  i32: (b: Uint8Array) => new Int32Array(b.buffer, b.byteOffset, b.byteLength >>> 2),
  f64: (b: Uint8Array) => new Float64Array(b.buffer, b.byteOffset, b.byteLength >>> 3),
};

/** A required section, or an error naming the file. */
export function requireSection(sections: Map<string, Uint8Array>, file: string, name: string): Uint8Array {
  const s = sections.get(name);
  if (!s) throw new IndexFileError(file, `missing section ${name}`);
  return s;
}

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
 * Owns: that layout, reading it back into aligned views, and the errors that name the file.
 * Must not: know what the sections contain.
 */
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
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
const align8 = (n: number) => (n + 7) & ~7;

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Writes `sections` to `path` (created or truncated) and fsyncs it. */
export function writeSectionFile(path: string, magic: string, version: number, sections: Section[]): void {
  const headerLength = 24 + sections.length * ENTRY + 4;
  let offset = align8(headerLength);
  const header = Buffer.alloc(headerLength);
  header.write(magic.padEnd(8, '\0'), 0, 8, 'latin1');
  header.writeUInt32LE(version, 8);
  header.writeUInt32LE(sections.length, 12);
  const placed: Array<{ bytes: Uint8Array; offset: number }> = [];
  sections.forEach((s, i) => {
    const bytes = bytesOf(s.data);
    if (Buffer.byteLength(s.name) > NAME_BYTES) throw new Error(`section name too long: ${s.name}`);
    if (bytes.byteLength > 0xffffffff) throw new Error(`section ${s.name} exceeds 4 GiB`);
    const e = 24 + i * ENTRY;
    header.write(s.name, e, NAME_BYTES, 'utf8');
    header.writeDoubleLE(offset, e + NAME_BYTES);
    header.writeUInt32LE(bytes.byteLength, e + NAME_BYTES + 8);
    header.writeUInt32LE(crc32(bytes), e + NAME_BYTES + 12);
    placed.push({ bytes, offset });
    offset = align8(offset + bytes.byteLength);
  });
  header.writeDoubleLE(offset, 16);
  header.writeUInt32LE(crc32(header.subarray(0, headerLength - 4)), headerLength - 4);

  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header, 0, header.length, 0);
    for (const p of placed) {
      let written = 0;
      while (written < p.bytes.byteLength) {
        written += writeSync(fd, p.bytes, written, p.bytes.byteLength - written, p.offset + written);
      }
    }
    // Zero padding up to the declared length, so the file length check is exact.
    const pad = offset - (placed.length ? placed[placed.length - 1].offset + placed[placed.length - 1].bytes.byteLength : headerLength);
    if (pad > 0) writeSync(fd, Buffer.alloc(pad), 0, pad, offset - pad);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a section file, checking magic, version, length and every checksum.
 * Returns each section as an 8-byte aligned `Uint8Array` (views into one buffer).
 */
export function readSectionFile(path: string, magic: string, version: number): Map<string, Uint8Array> {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (err) {
    throw new IndexFileError(path, `cannot read index file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (file.byteOffset % 8 !== 0) {
    const copy = Buffer.alloc(file.length);
    file.copy(copy);
    file = copy;
  }
  if (file.length < 28) throw new IndexFileError(path, `truncated (${file.length} bytes)`);
  const gotMagic = file.toString('latin1', 0, 8);
  if (gotMagic !== magic.padEnd(8, '\0')) throw new IndexFileError(path, 'not a zhsearch index file (bad magic)');
  const gotVersion = file.readUInt32LE(8);
  if (gotVersion !== version) {
    throw new IndexFileError(path, `index format version ${gotVersion}, this build reads version ${version}: rebuild the index with \`zhsearch index\``);
  }
  const count = file.readUInt32LE(12);
  const headerLength = 24 + count * ENTRY + 4;
  if (file.length < headerLength) throw new IndexFileError(path, 'truncated header');
  if (crc32(file.subarray(0, headerLength - 4)) !== file.readUInt32LE(headerLength - 4)) {
    throw new IndexFileError(path, 'header checksum mismatch (corrupted)');
  }
  const declared = file.readDoubleLE(16);
  if (file.length !== declared) {
    throw new IndexFileError(path, `${file.length < declared ? 'truncated' : 'has trailing bytes'}: ${file.length} bytes, expected ${declared}`);
  }
  const sections = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const e = 24 + i * ENTRY;
    const name = file.toString('utf8', e, e + NAME_BYTES).replace(/\0+$/, '');
    const offset = file.readDoubleLE(e + NAME_BYTES);
    const length = file.readUInt32LE(e + NAME_BYTES + 8);
    const crc = file.readUInt32LE(e + NAME_BYTES + 12);
    if (offset + length > file.length) throw new IndexFileError(path, `section ${name} runs past the end of the file`);
    const bytes = new Uint8Array(file.buffer, file.byteOffset + offset, length);
    if (crc32(bytes) !== crc) throw new IndexFileError(path, `section ${name} checksum mismatch (corrupted)`);
    sections.set(name, bytes);
  }
  return sections;
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

/**
 * Variable-byte integers (LEB128, 7 bits per byte) in growable byte buffers.
 *
 * Owns: the byte-level encoding of postings (varints, and increasing sequences stored as gaps).
 * Must not: know what the numbers mean.
 */

/** An append-only byte buffer that grows by doubling. */
export class ByteWriter {
  bytes: Uint8Array;
  length = 0;

  constructor(initialCapacity = 64) {
    this.bytes = new Uint8Array(initialCapacity);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /** Appends a non-negative integer below 2^53 as a varint. */
  varint(value: number): void {
    this.ensure(8);
    let v = value;
    while (v >= 0x80) {
      this.bytes[this.length++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.bytes[this.length++] = v;
  }

  append(chunk: Uint8Array): void {
    this.ensure(chunk.length);
    this.bytes.set(chunk, this.length);
    this.length += chunk.length;
  }

  /** The written bytes (a view, valid until the next write). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/**
 * Reads `a.length` pairs of varints from `bytes` at `pos` (the layout of a postings list): the
 * first of each pair is a strictly increasing sequence stored as gaps minus one from the previous
 * value (from -1), the second is stored as is. Writes the sequence to `a` and the second values
 * to `b`; returns the position after them. Values must be below 2^31 (32-bit shifts), which
 * makes this the fast path: the hottest loop of query execution.
 */
export function readIncreasingPairs(bytes: Uint8Array, pos: number, a: Int32Array, b: Int32Array): number {
  let p = pos;
  let last = -1;
  for (let i = 0; i < a.length; i++) {
    let byte = bytes[p++];
    let v = byte & 0x7f;
    for (let shift = 7; byte >= 0x80; shift += 7) v |= ((byte = bytes[p++]) & 0x7f) << shift;
    a[i] = last += v + 1;
    byte = bytes[p++];
    v = byte & 0x7f;
    for (let shift = 7; byte >= 0x80; shift += 7) v |= ((byte = bytes[p++]) & 0x7f) << shift;
    b[i] = v;
  }
  return p;
}

/** A cursor reading varints from a byte array. */
export class ByteReader {
  constructor(public bytes: Uint8Array, public pos = 0, public end = bytes.length) {}

  varint(): number {
    const b = this.bytes;
    let byte = b[this.pos++];
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let shift = 128;
    do {
      byte = b[this.pos++];
      value += (byte & 0x7f) * shift;
      shift *= 128;
    } while (byte >= 0x80);
    return value;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }
}

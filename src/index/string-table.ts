/**
 * A table of strings stored as one UTF-8 blob plus offsets, read without building per-string
 * objects at load time. Sorted tables (term dictionaries) support binary search and prefix ranges.
 *
 * Owns: the encoding of string lists and lookups in them. Must not: know what the strings mean.
 */

export interface EncodedStrings {
  blob: Uint8Array;
  /** `offsets[i]..offsets[i+1]` are the bytes of string i. */
  offsets: Uint32Array;
}

/** Encodes strings in the given order. */
export function encodeStrings(strings: readonly string[]): EncodedStrings {
  const encoder = new TextEncoder();
  let capacity = 16;
  for (const s of strings) capacity += s.length * 3;
  const blob = new Uint8Array(capacity);
  const offsets = new Uint32Array(strings.length + 1);
  let pos = 0;
  for (let i = 0; i < strings.length; i++) {
    pos += encoder.encodeInto(strings[i], blob.subarray(pos)).written;
    offsets[i + 1] = pos;
  }
  return { blob: blob.slice(0, pos), offsets };
}

/** Sorts strings in the order every table uses: UTF-16 code units, as JavaScript compares them. */
export function sortStrings(strings: string[]): string[] {
  return strings.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export class StringTable {
  private readonly buf: Buffer;

  constructor(blob: Uint8Array, public readonly offsets: Uint32Array) {
    this.buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  }

  get size(): number {
    return this.offsets.length - 1;
  }

  get(i: number): string {
    return this.buf.toString('utf8', this.offsets[i], this.offsets[i + 1]);
  }

  /** Index of `key` in a sorted table, or -1. */
  find(key: string): number {
    const i = this.lowerBound(key);
    return i < this.size && this.get(i) === key ? i : -1;
  }

  /** First index whose string is >= key (sorted tables only). */
  lowerBound(key: string): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.get(mid) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Indexes [start, end) of the strings starting with `prefix` (sorted tables only). */
  prefixRange(prefix: string): [number, number] {
    const start = this.lowerBound(prefix);
    let end = start;
    while (end < this.size && this.get(end).startsWith(prefix)) end++;
    return [start, end];
  }

  toArray(): string[] {
    const out = new Array<string>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.get(i);
    return out;
  }
}

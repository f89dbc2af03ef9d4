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

/**
 * A code point mapped so that comparing code point sequences gives JavaScript's string order
 * (UTF-16 code units): characters above U+FFFF are written with surrogates (U+D800-U+DFFF), so
 * they sort after U+D7FF and before U+E000-U+FFFF.
 */
function utf16Order(cp: number): number {
  if (cp < 0xd800) return cp;
  if (cp >= 0x10000) return 0xd800 + (cp - 0x10000);
  return cp + 0x100000;
}

/**
 * The code points of `key` mapped by {@link utf16Order}, or null if it has a lone surrogate (no
 * stored string has one, as they are stored in UTF-8; such keys are compared as strings).
 */
function sortKey(key: string): Int32Array | null {
  const out = new Int32Array(key.length);
  let n = 0;
  for (const ch of key) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp < 0xe000) return null;
    out[n++] = utf16Order(cp);
  }
  return out.subarray(0, n);
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
    const k = sortKey(key);
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (k ? this.compare(mid, k) < 0 : this.get(mid) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Compares string i with a key made by {@link sortKey}, decoding the UTF-8 bytes on the fly
   * (no string is built): negative, 0 or positive as string i sorts before, equal or after.
   */
  private compare(i: number, k: Int32Array): number {
    const b = this.buf;
    let at = this.offsets[i];
    const end = this.offsets[i + 1];
    let j = 0;
    while (at < end) {
      if (j === k.length) return 1;
      let cp = b[at++];
      if (cp >= 0xf0) cp = ((cp & 0x07) << 18) | ((b[at++] & 0x3f) << 12) | ((b[at++] & 0x3f) << 6) | (b[at++] & 0x3f);
      else if (cp >= 0xe0) cp = ((cp & 0x0f) << 12) | ((b[at++] & 0x3f) << 6) | (b[at++] & 0x3f);
      else if (cp >= 0xc0) cp = ((cp & 0x1f) << 6) | (b[at++] & 0x3f);
      const d = utf16Order(cp) - k[j++];
      if (d !== 0) return d;
    }
    return j === k.length ? 0 : -1;
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

/**
 * Occurrence logs: while a segment is built, term occurrences are appended as (key, doc, value)
 * records to flat typed arrays, instead of being looked up in a per-term structure. At the end a
 * stable radix sort by key groups each term's records, in document (and position) order.
 * Sequential writes and one sort are much cheaper than millions of hash lookups and small arrays
 * (cache misses, garbage collection).
 *
 * What `value` holds is the caller's: a position (one record per occurrence) or a frequency (one
 * record per term and document, counted by the caller).
 *
 * Owns: the logs and their sort. Must not: know what keys mean.
 */

export class OccurrenceLog {
  keys: Uint32Array<ArrayBufferLike>;
  docs: Uint32Array<ArrayBufferLike>;
  values: Uint32Array<ArrayBufferLike>;
  length = 0;

  constructor(capacity = 1 << 16) {
    this.keys = new Uint32Array(capacity);
    this.docs = new Uint32Array(capacity);
    this.values = new Uint32Array(capacity);
  }

  push(key: number, doc: number, value: number): void {
    if (this.length === this.keys.length) this.grow();
    const i = this.length++;
    this.keys[i] = key;
    this.docs[i] = doc;
    this.values[i] = value;
  }

  private grow(): void {
    const cap = this.keys.length * 2;
    const resize = (a: Uint32Array<ArrayBufferLike>) => {
      const b = new Uint32Array(cap);
      b.set(a);
      return b;
    };
    this.keys = resize(this.keys);
    this.docs = resize(this.docs);
    this.values = resize(this.values);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.keys.byteLength * 3;
  }

  /**
   * Sorts records by key, keeping insertion order among equal keys (LSD radix sort, 16 bits a
   * pass; one pass when every key is below 2^16, both histograms counted in one read). Trims the
   * arrays to `length`.
   */
  sortByKey(): void {
    const n = this.length;
    let keys: Uint32Array<ArrayBufferLike> = this.keys.subarray(0, n);
    let docs: Uint32Array<ArrayBufferLike> = this.docs.subarray(0, n);
    let vals: Uint32Array<ArrayBufferLike> = this.values.subarray(0, n);
    const low = new Uint32Array(0x10001);
    const high = new Uint32Array(0x10001);
    let max = 0;
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      if (k > max) max = k;
      low[(k & 0xffff) + 1]++;
      high[(k >>> 16) + 1]++;
    }
    const passes = max > 0xffff ? 2 : 1;
    let tk: Uint32Array<ArrayBufferLike> = new Uint32Array(n);
    let td: Uint32Array<ArrayBufferLike> = new Uint32Array(n);
    let tv: Uint32Array<ArrayBufferLike> = new Uint32Array(n);
    for (let pass = 0; pass < passes; pass++) {
      const shift = pass * 16;
      const counts = pass === 0 ? low : high;
      for (let b = 1; b <= 0x10000; b++) counts[b] += counts[b - 1];
      for (let i = 0; i < n; i++) {
        const k = keys[i];
        const j = counts[(k >>> shift) & 0xffff]++;
        tk[j] = k;
        td[j] = docs[i];
        tv[j] = vals[i];
      }
      [keys, tk] = [tk, keys];
      [docs, td] = [td, docs];
      [vals, tv] = [tv, vals];
    }
    this.keys = keys;
    this.docs = docs;
    this.values = vals;
  }
}

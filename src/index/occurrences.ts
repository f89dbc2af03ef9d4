/**
 * Occurrence logs: while a segment is built, every occurrence of a term is appended as a
 * (key, doc, position) record to flat typed arrays, instead of being looked up in a per-term
 * structure. At the end a stable radix sort by key groups each term's occurrences, in document
 * and position order. Sequential writes and one sort are much cheaper than millions of hash
 * lookups and small arrays (cache misses, garbage collection).
 *
 * Owns: the logs and their sort. Must not: know what keys mean.
 */

export class OccurrenceLog {
  keys: Uint32Array<ArrayBufferLike>;
  docs: Uint32Array<ArrayBufferLike>;
  positions: Uint32Array<ArrayBufferLike> | null;
  length = 0;

  constructor(readonly withPositions: boolean, capacity = 1 << 16) {
    this.keys = new Uint32Array(capacity);
    this.docs = new Uint32Array(capacity);
    this.positions = withPositions ? new Uint32Array(capacity) : null;
  }

  push(key: number, doc: number, position: number): void {
    if (this.length === this.keys.length) this.grow();
    const i = this.length++;
    this.keys[i] = key;
    this.docs[i] = doc;
    if (this.positions) this.positions[i] = position;
  }

  private grow(): void {
    const cap = this.keys.length * 2;
    const resize = (a: Uint32Array) => {
      const b = new Uint32Array(cap);
      b.set(a);
      return b;
    };
    this.keys = resize(this.keys);
    this.docs = resize(this.docs);
    if (this.positions) this.positions = resize(this.positions);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.keys.byteLength * (this.positions ? 3 : 2);
  }

  /**
   * Sorts records by key, keeping insertion order among equal keys (LSD radix sort, 16 bits a
   * pass; one pass when every key is below 2^16). Trims the arrays to `length`.
   */
  sortByKey(): void {
    const n = this.length;
    let keys: Uint32Array<ArrayBufferLike> = this.keys.subarray(0, n);
    let docs: Uint32Array<ArrayBufferLike> = this.docs.subarray(0, n);
    let pos: Uint32Array<ArrayBufferLike> | null = this.positions?.subarray(0, n) ?? null;
    let max = 0;
    for (let i = 0; i < n; i++) if (keys[i] > max) max = keys[i];
    const passes = max > 0xffff ? 2 : 1;
    let tk: Uint32Array<ArrayBufferLike> = new Uint32Array(n);
    let td: Uint32Array<ArrayBufferLike> = new Uint32Array(n);
    let tp: Uint32Array<ArrayBufferLike> | null = pos ? new Uint32Array(n) : null;
    const counts = new Uint32Array(0x10001);
    for (let pass = 0; pass < passes; pass++) {
      const shift = pass * 16;
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[((keys[i] >>> shift) & 0xffff) + 1]++;
      for (let b = 1; b <= 0x10000; b++) counts[b] += counts[b - 1];
      for (let i = 0; i < n; i++) {
        const j = counts[(keys[i] >>> shift) & 0xffff]++;
        tk[j] = keys[i];
        td[j] = docs[i];
        if (pos) tp![j] = pos[i];
      }
      [keys, tk] = [tk, keys];
      [docs, td] = [td, docs];
      if (pos) [pos, tp] = [tp!, pos];
    }
    this.keys = keys;
    this.docs = docs;
    this.positions = pos;
  }

  /** After {@link sortByKey}: calls `run(key, start, end)` for each group of equal keys, in key order. */
  forEachRun(run: (key: number, start: number, end: number) => void): void {
    const n = this.length;
    let start = 0;
    for (let i = 1; i <= n; i++) {
      if (i === n || this.keys[i] !== this.keys[start]) {
        run(this.keys[start], start, i);
        start = i;
      }
    }
  }
}

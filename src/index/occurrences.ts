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

/** Records of a chunk of a log. */
interface Chunk {
  keys: Uint32Array;
  docs: Uint32Array;
  values: Uint32Array;
}

/** Records in a full-size chunk; a log's first chunks are smaller (most logs stay small). */
const CHUNK = 1 << 20;
const FIRST_CHUNK = 1 << 10;
/**
 * Full-size chunks of logs already sorted, kept for the next logs of the thread: fresh memory
 * costs page faults and zeroing, which showed as much as the writes themselves. At most
 * {@link POOL_MAX} chunks (12 MiB each) are kept.
 */
const pool: Chunk[] = [];
const POOL_MAX = 24;
/** The sort's scratch arrays, reused from one sort to the next. */
let scratch: Chunk | null = null;

function newChunk(size: number): Chunk {
  if (size === CHUNK && pool.length) return pool.pop()!;
  return { keys: new Uint32Array(size), docs: new Uint32Array(size), values: new Uint32Array(size) };
}

export class OccurrenceLog {
  /** After {@link sortByKey}: the records, sorted. */
  keys: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  docs: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  values: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  length = 0;
  /** Before the sort: the records, appended chunk by chunk (the last one is being filled). */
  private readonly chunks: Chunk[] = [];
  private current: Chunk;
  private at = 0;
  private held = 0;

  constructor(firstChunk = FIRST_CHUNK) {
    this.current = newChunk(firstChunk);
    this.chunks.push(this.current);
    this.held = firstChunk;
  }

  push(key: number, doc: number, value: number): void {
    if (this.at === this.current.keys.length) this.nextChunk();
    const c = this.current;
    const i = this.at++;
    c.keys[i] = key;
    c.docs[i] = doc;
    c.values[i] = value;
    this.length++;
  }

  private nextChunk(): void {
    const size = Math.min(CHUNK, this.current.keys.length * 2);
    this.current = newChunk(size);
    this.chunks.push(this.current);
    this.held += size;
    this.at = 0;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.held * 12;
  }

  /**
   * Sorts records by key, keeping insertion order among equal keys (LSD radix sort, 16 bits a
   * pass; one pass when every key is below 2^16, both histograms counted in one read), into
   * arrays of exactly `length` records; full-size chunks go back to the pool.
   */
  sortByKey(): void {
    const n = this.length;
    const chunks = this.chunks.splice(0);
    const filled = (k: number) => (k === chunks.length - 1 ? this.at : chunks[k].keys.length);
    const low = new Uint32Array(0x10001);
    const high = new Uint32Array(0x10001);
    let max = 0;
    for (let c = 0; c < chunks.length; c++) {
      const keys = chunks[c].keys;
      const m = filled(c);
      for (let i = 0; i < m; i++) {
        const k = keys[i];
        if (k > max) max = k;
        low[(k & 0xffff) + 1]++;
        high[(k >>> 16) + 1]++;
      }
    }
    const dst: Chunk = { keys: new Uint32Array(n), docs: new Uint32Array(n), values: new Uint32Array(n) };
    for (let b = 1; b <= 0x10000; b++) low[b] += low[b - 1];
    if (max <= 0xffff) {
      for (let c = 0; c < chunks.length; c++) scatter(chunks[c], filled(c), dst, low, 0);
    } else {
      if (!scratch || scratch.keys.length < n) scratch = { keys: new Uint32Array(n), docs: new Uint32Array(n), values: new Uint32Array(n) };
      for (let c = 0; c < chunks.length; c++) scatter(chunks[c], filled(c), scratch, low, 0);
      for (let b = 1; b <= 0x10000; b++) high[b] += high[b - 1];
      scatter(scratch, n, dst, high, 16);
    }
    for (const c of chunks) if (c.keys.length === CHUNK && pool.length < POOL_MAX) pool.push(c);
    this.current = { keys: new Uint32Array(0), docs: new Uint32Array(0), values: new Uint32Array(0) };
    this.at = 0;
    this.held = n;
    this.keys = dst.keys;
    this.docs = dst.docs;
    this.values = dst.values;
  }
}

/** Moves `src[0..m)` to `dst` by the 16 bits of the key at `shift`, `counts` giving each bucket's next slot. */
function scatter(src: Chunk, m: number, dst: Chunk, counts: Uint32Array, shift: number): void {
  const { keys, docs, values } = src;
  const dk = dst.keys;
  const dd = dst.docs;
  const dv = dst.values;
  for (let i = 0; i < m; i++) {
    const k = keys[i];
    const j = counts[(k >>> shift) & 0xffff]++;
    dk[j] = k;
    dd[j] = docs[i];
    dv[j] = values[i];
  }
}

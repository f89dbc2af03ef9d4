/**
 * The floor: the least work a JavaScript engine can do to answer a ranked top-10 query, to
 * measure our engine against. Written for the benchmark only.
 *
 * Owns:
 *  - {@link Floor}: one field (title + content), term -> doc ids (Uint32Array) + term
 *    frequencies (Uint16Array), stored as one CSR block; no positions, no facets, no stored text,
 *    no deletes. AND: galloping intersection driven by the shortest list; OR: term-at-a-time
 *    into a Float32Array accumulator; a 10-slot heap for the top 10; exact totals.
 *    BM25 as Lucene (and our engine) computes it: idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
 *    k1 = 1.2, b = 0.75, exact lengths; ties broken by external id like our engine.
 *  - {@link FieldedReference}: the same postings per field (title, content), scored exhaustively
 *    as our engine defines BM25 (per field, with boosts, summed), for checking top-10 overlap only
 *    (never timed).
 * Input is the token cache's lines (bench/tokens.ts): tokens joined by spaces; splitting them is
 * part of the build time, as tokenizing their input is for the other engines.
 * Must not: run jieba, know about our engine.
 */

export const K1 = 1.2;
export const B = 0.75;

export interface TopK {
  /** Documents matching the query (exact). */
  total: number;
  /** Doc numbers of the best hits, best first. */
  docs: number[];
  scores: number[];
}

/** Term -> postings, as one CSR block: postings of term t are [offsets[t], offsets[t + 1]). */
export class Postings {
  constructor(
    readonly terms: Map<string, number>,
    readonly offsets: Uint32Array,
    readonly docs: Uint32Array,
    readonly tfs: Uint16Array,
    /** k1 * (1 - b + b * dl / avgdl) per document. */
    readonly norms: Float32Array,
    /** Documents with a non-empty field (BM25's N). */
    readonly docCount: number,
  ) {}

  /** Builds from one token string per document (doc number = line number). */
  static build(lines: readonly string[]): Postings {
    const n = lines.length;
    const terms = new Map<string, number>();
    let lists: Uint32Array[] = [];
    let tfLists: Uint16Array[] = [];
    let lengths = new Uint32Array(1024);
    let scratch = new Uint32Array(1024);
    const touched: number[] = [];
    const dl = new Uint32Array(n);
    let total = 0;
    for (let d = 0; d < n; d++) {
      const line = lines[d];
      if (!line) continue;
      const tokens = line.split(' ');
      dl[d] = tokens.length;
      for (let i = 0; i < tokens.length; i++) {
        let t = terms.get(tokens[i]);
        if (t === undefined) {
          t = terms.size;
          terms.set(tokens[i], t);
          if (t >= scratch.length) {
            const grownScratch = new Uint32Array(scratch.length * 2);
            grownScratch.set(scratch);
            scratch = grownScratch;
            const grownLengths = new Uint32Array(lengths.length * 2);
            grownLengths.set(lengths);
            lengths = grownLengths;
          }
          lists.push(new Uint32Array(4));
          tfLists.push(new Uint16Array(4));
        }
        if (scratch[t]++ === 0) touched.push(t);
      }
      for (let i = 0; i < touched.length; i++) {
        const t = touched[i];
        const len = lengths[t];
        if (len === lists[t].length) {
          const docs = new Uint32Array(len * 2);
          docs.set(lists[t]);
          lists[t] = docs;
          const tfs = new Uint16Array(len * 2);
          tfs.set(tfLists[t]);
          tfLists[t] = tfs;
        }
        lists[t][len] = d;
        tfLists[t][len] = Math.min(scratch[t], 65535);
        lengths[t] = len + 1;
        scratch[t] = 0;
      }
      total += touched.length;
      touched.length = 0;
    }
    const offsets = new Uint32Array(terms.size + 1);
    const docs = new Uint32Array(total);
    const tfs = new Uint16Array(total);
    let at = 0;
    for (let t = 0; t < terms.size; t++) {
      offsets[t] = at;
      docs.set(lists[t].subarray(0, lengths[t]), at);
      tfs.set(tfLists[t].subarray(0, lengths[t]), at);
      at += lengths[t];
    }
    offsets[terms.size] = at;
    lists = [];
    tfLists = [];
    let docCount = 0;
    let sum = 0;
    for (let d = 0; d < n; d++) {
      if (dl[d]) docCount++;
      sum += dl[d];
    }
    const avgdl = docCount ? sum / docCount : 0;
    const norms = new Float32Array(n);
    for (let d = 0; d < n; d++) norms[d] = K1 * (1 - B + (avgdl > 0 ? (B * dl[d]) / avgdl : 0));
    return new Postings(terms, offsets, docs, tfs, norms, docCount);
  }

  idf(t: number): number {
    const df = this.offsets[t + 1] - this.offsets[t];
    return Math.log(1 + (this.docCount - df + 0.5) / (df + 0.5));
  }

  df(term: string): number {
    const t = this.terms.get(term);
    return t === undefined ? 0 : this.offsets[t + 1] - this.offsets[t];
  }
}

/** A fixed-size heap of the best k (score, doc), worst at the root; ties: lower id rank is better. */
class TopHeap {
  readonly docs: Uint32Array;
  readonly scores: Float64Array;
  size = 0;

  constructor(readonly k: number, private readonly rank: Uint32Array) {
    this.docs = new Uint32Array(k);
    this.scores = new Float64Array(k);
  }

  /** True when (s1, d1) ranks below (s2, d2). */
  private worse(s1: number, d1: number, s2: number, d2: number): boolean {
    return s1 < s2 || (s1 === s2 && this.rank[d1] > this.rank[d2]);
  }

  push(doc: number, score: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(score, doc, this.scores[p], this.docs[p])) break;
        this.docs[i] = this.docs[p];
        this.scores[i] = this.scores[p];
        i = p;
      }
      this.docs[i] = doc;
      this.scores[i] = score;
      return;
    }
    if (!this.worse(this.scores[0], this.docs[0], score, doc)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.k) break;
      const r = l + 1;
      const c = r < this.k && this.worse(this.scores[r], this.docs[r], this.scores[l], this.docs[l]) ? r : l;
      if (!this.worse(this.scores[c], this.docs[c], score, doc)) break;
      this.docs[i] = this.docs[c];
      this.scores[i] = this.scores[c];
      i = c;
    }
    this.docs[i] = doc;
    this.scores[i] = score;
  }

  /** Best first. */
  result(total: number): TopK {
    const order = Array.from({ length: this.size }, (_, i) => i).sort((a, b) =>
      this.worse(this.scores[a], this.docs[a], this.scores[b], this.docs[b]) ? 1 : -1,
    );
    return { total, docs: order.map((i) => this.docs[i]), scores: order.map((i) => this.scores[i]) };
  }
}

/** Ranks of external ids in string order (our engine breaks score ties by id). */
function idRanks(ids: readonly string[]): Uint32Array {
  const order = Array.from(ids.keys()).sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
  const rank = new Uint32Array(ids.length);
  order.forEach((d, r) => (rank[d] = r));
  return rank;
}

/** The minimal typed-array BM25 engine. */
export class Floor {
  private readonly acc: Float32Array;
  private readonly touched: Uint32Array;
  private readonly rank: Uint32Array;

  private constructor(readonly postings: Postings, ids: readonly string[]) {
    this.acc = new Float32Array(ids.length);
    this.touched = new Uint32Array(ids.length);
    this.rank = idRanks(ids);
  }

  /** Builds from the token lines of the documents and their external ids (same order). */
  static build(lines: readonly string[], ids: readonly string[]): Floor {
    return new Floor(Postings.build(lines), ids);
  }

  get size(): number {
    return this.acc.length;
  }

  search(terms: readonly string[], op: 'and' | 'or', k = 10): TopK {
    return op === 'and' ? this.and(terms, k) : this.or(terms, k);
  }

  private and(terms: readonly string[], k: number): TopK {
    const p = this.postings;
    const ids: number[] = [];
    for (const term of new Set(terms)) {
      const t = p.terms.get(term);
      if (t === undefined) return { total: 0, docs: [], scores: [] };
      ids.push(t);
    }
    if (!ids.length) return { total: 0, docs: [], scores: [] };
    ids.sort((a, b) => p.offsets[a + 1] - p.offsets[a] - (p.offsets[b + 1] - p.offsets[b]));
    const m = ids.length;
    const starts = new Uint32Array(m);
    const ends = new Uint32Array(m);
    const weights = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      starts[j] = p.offsets[ids[j]];
      ends[j] = p.offsets[ids[j] + 1];
      weights[j] = p.idf(ids[j]) * (K1 + 1);
    }
    const docs = p.docs;
    const tfs = p.tfs;
    const norms = p.norms;
    const heap = new TopHeap(k, this.rank);
    let total = 0;
    outer: for (let i = starts[0]; i < ends[0]; i++) {
      const d = docs[i];
      for (let j = 1; j < m; j++) {
        // Gallop from the cursor to the first posting >= d.
        let lo = starts[j];
        const end = ends[j];
        if (lo >= end) break outer;
        if (docs[lo] < d) {
          let step = 1;
          let hi = lo + 1;
          while (hi < end && docs[hi] < d) {
            lo = hi;
            step <<= 1;
            hi = lo + step;
          }
          if (hi > end) hi = end;
          // docs[lo] < d, and docs[hi] >= d or hi === end: binary search in (lo, hi].
          while (lo + 1 < hi) {
            const mid = (lo + hi) >>> 1;
            if (docs[mid] < d) lo = mid;
            else hi = mid;
          }
          lo = hi;
        }
        starts[j] = lo;
        if (lo >= end) break outer;
        if (docs[lo] !== d) continue outer;
      }
      const norm = norms[d];
      let score = 0;
      for (let j = 0; j < m; j++) {
        const tf = tfs[j === 0 ? i : starts[j]];
        score += (weights[j] * tf) / (tf + norm);
      }
      total++;
      heap.push(d, score);
    }
    return heap.result(total);
  }

  private or(terms: readonly string[], k: number): TopK {
    const p = this.postings;
    const acc = this.acc;
    const touched = this.touched;
    const docs = p.docs;
    const tfs = p.tfs;
    const norms = p.norms;
    let n = 0;
    for (const term of new Set(terms)) {
      const t = p.terms.get(term);
      if (t === undefined) continue;
      const w = p.idf(t) * (K1 + 1);
      for (let i = p.offsets[t], end = p.offsets[t + 1]; i < end; i++) {
        const d = docs[i];
        const tf = tfs[i];
        if (acc[d] === 0) touched[n++] = d;
        acc[d] += (w * tf) / (tf + norms[d]);
      }
    }
    const heap = new TopHeap(k, this.rank);
    for (let i = 0; i < n; i++) {
      const d = touched[i];
      heap.push(d, acc[d]);
      acc[d] = 0;
    }
    return heap.result(n);
  }
}

/**
 * BM25 per field, summed with boosts, exhaustively: how our engine defines a document's score
 * (without its substring matches). Used only to check our engine's top 10, never timed.
 */
export class FieldedReference {
  private readonly rank: Uint32Array;

  constructor(
    private readonly fields: Record<string, Postings>,
    ids: readonly string[],
  ) {
    this.rank = idRanks(ids);
  }

  /** From per-field token lines (e.g. title and content) and the external ids. */
  static build(fieldLines: Record<string, readonly string[]>, ids: readonly string[]): FieldedReference {
    const fields: Record<string, Postings> = {};
    for (const [f, lines] of Object.entries(fieldLines)) fields[f] = Postings.build(lines);
    return new FieldedReference(fields, ids);
  }

  search(terms: readonly string[], op: 'and' | 'or', boosts: Record<string, number>, k = 10): TopK {
    const n = this.rank.length;
    const acc = new Float64Array(n);
    const matched = new Uint8Array(n);
    const unique = [...new Set(terms)];
    unique.forEach((term, q) => {
      for (const [f, p] of Object.entries(this.fields)) {
        const boost = boosts[f] ?? 0;
        const t = p.terms.get(term);
        if (t === undefined || boost === 0) continue;
        const w = boost * p.idf(t) * (K1 + 1);
        for (let i = p.offsets[t], end = p.offsets[t + 1]; i < end; i++) {
          const d = p.docs[i];
          acc[d] += (w * p.tfs[i]) / (p.tfs[i] + p.norms[d]);
          if (matched[d] === q) matched[d] = q + 1;
        }
      }
    });
    const heap = new TopHeap(k, this.rank);
    let total = 0;
    const need = op === 'and' ? unique.length : 1;
    for (let d = 0; d < n; d++) {
      if (op === 'and' ? matched[d] === need && need > 0 : acc[d] > 0) {
        total++;
        heap.push(d, acc[d]);
      }
    }
    return heap.result(total);
  }
}

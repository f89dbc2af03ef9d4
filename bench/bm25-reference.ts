/**
 * The plain BM25 reference of the relevance benchmark (bench/relevance.ts, issue 11): what a
 * textbook BM25 over jieba words ranks, to compare our engine's ranking against. Written for the
 * benchmark only; it is not tuned and never should be.
 *
 * Definition (the choices, so that the figures can be reproduced):
 *  - Documents: ONE bag of words per document, title then content (not two fields summed; no
 *    title boost), tokenized as bench/tokens.ts does for the peer engines: NFKC, lower-case,
 *    nodejieba `cutForSearch(text, HMM on)` with the project's user dictionary (the same cut and
 *    dictionaries our engine uses for documents), tokens without a letter or digit dropped
 *    (punctuation, whitespace). No Traditional-to-Simplified step (xwlb is Simplified). The
 *    token lines come from the cache bench/tokens.ts writes to bench/data/ (git-ignored).
 *  - Queries: nodejieba's precise cut `cut(text, HMM on)` of the NFKC, lower-cased query, the same
 *    punctuation filter; ALL words are kept: no stop list, no cap on their number, every
 *    occurrence counts (a word twice in the query weighs twice, as Lucene's classic query parser
 *    makes one SHOULD clause per occurrence and Anserini's bag-of-words query weighs by query term
 *    frequency; `qtf: false` counts each distinct word once). Words unknown to the index are
 *    ignored.
 *  - OR semantics: every document containing at least one query word is a candidate.
 *  - Lucene BM25: k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
 *    score(d) = sum over query words w of qtf(w) * idf(w) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)),
 *    with N the documents that have at least one token and dl the document's token count
 *    (exact, not Lucene's one-byte length encoding).
 *  - Ties broken by external id (ascending), as our engine breaks them.
 * Storage: the CSR postings of bench/floor.ts (`Postings`: Uint32Array doc numbers, Uint16Array
 * term frequencies, a Float32Array of length norms); scores are summed in a Float64Array.
 *
 * Owns: the reference's tokenization of queries and its scoring. Must not: know about our engine.
 */
import { B, K1, Postings } from './floor.js';
import { preciseCut } from './tokens.js';

export { B, K1 };

const WORDLIKE = /[\p{L}\p{N}]/u;
const SPACE = /\s/u;

/** The reference's query words: precise jieba cut, punctuation and whitespace dropped, repeats kept. */
export function referenceQueryWords(query: string): string[] {
  return preciseCut(query).filter((w) => WORDLIKE.test(w) && !SPACE.test(w));
}

export interface RankedList {
  /** Documents containing at least one query word. */
  total: number;
  /** Doc numbers (line numbers of the token cache), best first. */
  docs: number[];
  scores: number[];
}

export interface ReferenceSearchOptions {
  /** Hits to return. Default 100. */
  k?: number;
  /** Weigh a word by its count in the query (default true) or count it once. */
  qtf?: boolean;
}

export class Bm25Reference {
  private readonly acc: Float64Array;
  private readonly touched: Uint32Array;
  /** Rank of each document's external id in string order (tie-break). */
  private readonly idRank: Uint32Array;

  private constructor(
    readonly postings: Postings,
    readonly ids: readonly string[],
  ) {
    this.acc = new Float64Array(ids.length);
    this.touched = new Uint32Array(ids.length);
    const order = Array.from(ids.keys()).sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
    this.idRank = new Uint32Array(ids.length);
    order.forEach((d, r) => (this.idRank[d] = r));
  }

  /** From one space-joined token line per document (bench/tokens.ts) and the documents' ids. */
  static build(lines: readonly string[], ids: readonly string[]): Bm25Reference {
    if (lines.length !== ids.length) throw new Error(`${lines.length} token lines for ${ids.length} ids`);
    return new Bm25Reference(Postings.build(lines), ids);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Ranks the documents for a raw query string (tokenized with {@link referenceQueryWords}). */
  search(query: string, options: ReferenceSearchOptions = {}): RankedList {
    return this.searchWords(referenceQueryWords(query), options);
  }

  /** Ranks the documents for already tokenized query words. */
  searchWords(words: readonly string[], options: ReferenceSearchOptions = {}): RankedList {
    const k = options.k ?? 100;
    const p = this.postings;
    const weights = new Map<number, number>();
    for (const w of words) {
      const t = p.terms.get(w);
      if (t === undefined) continue;
      const seen = weights.get(t);
      if (seen === undefined) weights.set(t, 1);
      else if (options.qtf !== false) weights.set(t, seen + 1);
    }
    const acc = this.acc;
    const touched = this.touched;
    const docs = p.docs;
    const tfs = p.tfs;
    const norms = p.norms;
    let n = 0;
    // Terms in id order, so the summation order (and the last bits of a score) does not depend on the query's word order.
    for (const t of [...weights.keys()].sort((a, b) => a - b)) {
      const w = weights.get(t)! * p.idf(t) * (K1 + 1);
      for (let i = p.offsets[t], end = p.offsets[t + 1]; i < end; i++) {
        const d = docs[i];
        const tf = tfs[i];
        if (acc[d] === 0) touched[n++] = d;
        acc[d] += (w * tf) / (tf + norms[d]);
      }
    }
    const top = topK(acc, touched, n, k, this.idRank);
    const scores = top.map((d) => acc[d]);
    for (let i = 0; i < n; i++) acc[touched[i]] = 0;
    return { total: n, docs: top, scores };
  }
}

/** The best k of the touched documents, best first (score descending, then id rank ascending). */
function topK(acc: Float64Array, touched: Uint32Array, n: number, k: number, idRank: Uint32Array): number[] {
  // A min-heap of the best k seen so far: heap[0] is the worst of them.
  const heap: number[] = [];
  const worse = (a: number, b: number) => acc[a] < acc[b] || (acc[a] === acc[b] && idRank[a] > idRank[b]);
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) return;
      const r = l + 1;
      const c = r < heap.length && worse(heap[r], heap[l]) ? r : l;
      if (!worse(heap[c], heap[i])) return;
      [heap[c], heap[i]] = [heap[i], heap[c]];
      i = c;
    }
  };
  for (let i = 0; i < n; i++) {
    const d = touched[i];
    if (heap.length < k) {
      heap.push(d);
      for (let j = heap.length - 1; j > 0; ) {
        const p = (j - 1) >> 1;
        if (!worse(heap[j], heap[p])) break;
        [heap[j], heap[p]] = [heap[p], heap[j]];
        j = p;
      }
    } else if (k > 0 && worse(heap[0], d)) {
      heap[0] = d;
      down(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}

/**
 * BM25, as Lucene computes it (Lucene's BM25Similarity, exact lengths instead of its one-byte
 * length encoding):
 *
 *   idf(t)     = ln(1 + (N - df + 0.5) / (df + 0.5))
 *   score(t,d) = boost * idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
 *
 * N     documents with a non-empty value of the field (deleted ones counted until merged)
 * df    documents of those whose field contains t
 * tf    occurrences of t in the field of d
 * dl    length of the field of d in words; avgdl the average over the N documents
 * boost the field's boost
 * A document's score is the sum over query terms and fields.
 *
 * Owns: the formula. Must not: know where the numbers come from.
 */

export function idf(docCount: number, docFreq: number): number {
  return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
}

/** The length normalization of a document: k1 * (1 - b + b * dl / avgdl). */
export function bm25Norm(docLength: number, avgLength: number, k1: number, b: number): number {
  return k1 * (1 - b + (avgLength > 0 ? (b * docLength) / avgLength : 0));
}

/**
 * The factor of a term in a field: boost * idf * (k1 + 1), so that
 * score(t,d) = weight * tf / (tf + norm(d)); the executor computes that per document.
 */
export function termWeight(boost: number, idfValue: number, k1: number): number {
  return boost * idfValue * (k1 + 1);
}

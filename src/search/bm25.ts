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

export function bm25(tf: number, docLength: number, avgLength: number, idfValue: number, k1: number, b: number, boost: number): number {
  const norm = k1 * (1 - b + (avgLength > 0 ? (b * docLength) / avgLength : 0));
  return (boost * idfValue * tf * (k1 + 1)) / (tf + norm);
}

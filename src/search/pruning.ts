/**
 * Dynamic pruning of a ranked OR (MaxScore, term at a time): only the documents that can reach
 * the top k are scored exactly; the others are matched, counted and faceted, but not ranked.
 *
 *   1. Every document of every clause matches (document lists only: totals and facets stay exact).
 *   2. Clauses are taken in decreasing order of their upper bound (field-scorer.ts maxScore) and
 *      summed into partial scores, until the bounds of the clauses not taken add up to less than
 *      theta, the k-th best partial score among the documents that count (not deleted, passing
 *      the filters). A document that no taken clause matched scores at most that sum, so it
 *      cannot enter the top k: the clauses not taken are "non-essential" and are never scored.
 *   3. A candidate (a document some taken clause matched) can reach the top k only if its
 *      partial score plus the bounds of the clauses not taken reaches theta; those few are scored
 *      exactly, every clause and field summed in query order as the exhaustive union sums them,
 *      so scores and ties are bit for bit the same as without pruning.
 * Every other matching document gets the score -Infinity: it stays in the match set but is
 * never among the first k hits.
 *
 * Owns: choosing and scoring the candidates. Must not: parse, filter, collect or read stored documents.
 */
import type { DocSet } from './doc-set.js';
import { addFieldScores, maxScore, scoreAll, type FieldScorer } from './field-scorer.js';

/**
 * Counters since the process started, for tests and profiling: pruned unions, the clauses they
 * never scored, their matching documents and the documents they scored exactly.
 */
export const pruningStats = { unions: 0, clausesSkipped: 0, matches: 0, scoredExactly: 0 };

/** Float sums in another order may differ in the last bits: thresholds keep this margin. */
const MARGIN = 1 - 1e-9;

/**
 * Per-document scratch kept between calls (cleaned after each), so no query allocates arrays of
 * the segment's size. A call that throws drops it (see {@link prunedUnion}).
 */
let scratchStatus = new Uint8Array(0);
let scratchPartial = new Float64Array(0);

const MATCHED = 1;
const REJECTED = 2;
const CANDIDATE = 4;

/**
 * The union of `clauses` (each a leaf's field scorers, in query order) in a segment of
 * `docCount` documents, exactly scored where it matters for the best `k` documents that are not
 * `rejected` (non-zero for each document of the given list that will be filtered out).
 */
export function prunedUnion(clauses: readonly FieldScorer[][], docCount: number, k: number, rejected: (docs: Int32Array) => Uint8Array): DocSet {
  if (scratchStatus.length < docCount) {
    scratchStatus = new Uint8Array(docCount);
    scratchPartial = new Float64Array(docCount);
  }
  try {
    return prunedUnionIn(scratchStatus, scratchPartial, clauses, docCount, k, rejected);
  } catch (err) {
    // Interrupted (a time or memory budget, a damaged chunk: postings are decoded as they are
    // read): the scratch is left marked, so the next search gets new arrays. A marked scratch
    // made a later search loop forever on the server's event loop (found by bench/http.ts).
    scratchStatus = new Uint8Array(0);
    scratchPartial = new Float64Array(0);
    throw err;
  }
}

/** {@link prunedUnion} with its scratch (all zero on entry, all zero again on return). */
function prunedUnionIn(status: Uint8Array, partial: Float64Array, clauses: readonly FieldScorer[][], docCount: number, k: number, rejected: (docs: Int32Array) => Uint8Array): DocSet {
  // 1. The match set, and which of its documents count.
  let matches = 0;
  for (const fields of clauses)
    for (const f of fields) {
      const d = f.substring.docs;
      for (let i = 0; i < d.length; i++) {
        if (status[d[i]] === 0) {
          status[d[i]] = MATCHED;
          matches++;
        }
      }
    }
  const docs = new Int32Array(matches);
  if (matches * 16 > docCount) {
    for (let doc = 0, n = 0; n < matches; doc++) if (status[doc] !== 0) docs[n++] = doc;
  } else {
    let n = 0;
    for (const fields of clauses)
      for (const f of fields) {
        const d = f.substring.docs;
        for (let i = 0; i < d.length; i++) if (status[d[i]] === MATCHED) (status[d[i]] = MATCHED | CANDIDATE), (docs[n++] = d[i]);
      }
    docs.sort();
    for (let i = 0; i < n; i++) status[docs[i]] = MATCHED;
  }
  const out = rejected(docs);
  for (let i = 0; i < docs.length; i++) if (out[i] !== 0) status[docs[i]] |= REJECTED;

  // 2. Partial scores over the clauses with the largest bounds, until the rest cannot matter.
  const bounds = clauses.map((fields) => fields.reduce((sum, f) => sum + maxScore(f), 0));
  const order = clauses.map((_, i) => i).sort((a, b) => bounds[b] - bounds[a]);
  let rest = bounds.reduce((a, b) => a + b, 0);
  const candidates = new Int32Array(matches);
  let count = 0;
  let theta = 0;
  let taken = 0;
  for (const c of order) {
    taken++;
    rest -= bounds[c];
    for (const f of clauses[c]) {
      const d = f.substring.docs;
      const scores = scoreAll(f).scores;
      for (let i = 0; i < d.length; i++) {
        const doc = d[i];
        if ((status[doc] & CANDIDATE) === 0) {
          status[doc] |= CANDIDATE;
          candidates[count++] = doc;
        }
        partial[doc] += scores[i];
      }
    }
    // theta only grows as clauses are added and rest only shrinks: recompute it once rest is below the last one.
    if (rest <= theta || theta === 0) {
      theta = kthBest(candidates, count, partial, status, k);
      if (rest < theta * MARGIN) break;
    }
  }
  theta = kthBest(candidates, count, partial, status, k);

  // 3. Exact scores of the candidates that can still reach theta.
  let n = 0;
  for (let i = 0; i < count; i++) {
    const doc = candidates[i];
    if (partial[doc] + rest >= theta * MARGIN) candidates[n++] = doc;
    partial[doc] = 0;
  }
  for (let i = 0; i < docs.length; i++) status[docs[i]] = 0;
  pruningStats.unions++;
  pruningStats.clausesSkipped += order.length - taken;
  pruningStats.matches += matches;
  pruningStats.scoredExactly += n;
  const finalists = candidates.subarray(0, n).sort();
  const exact = new Float64Array(n);
  for (const fields of clauses) for (const f of fields) addFieldScores(f, finalists, exact);
  const scores = new Float64Array(docs.length).fill(-Infinity);
  for (let i = 0, j = 0; i < n; i++) {
    while (j < docs.length && docs[j] !== finalists[i]) j++;
    // Every candidate is in the match set; never loop past it if that ever failed to hold.
    if (j === docs.length) throw new Error(`pruned union: candidate ${finalists[i]} is not in the match set`);
    scores[j] = exact[i];
  }
  return { docs, scores };
}

/** The k-th best partial score of the candidates that count; 0 when fewer than k do. */
function kthBest(candidates: Int32Array, count: number, partial: Float64Array, status: Uint8Array, k: number): number {
  // A min-heap of the k best.
  const heap = new Float64Array(k);
  let size = 0;
  for (let i = 0; i < count; i++) {
    const doc = candidates[i];
    if (status[doc] & REJECTED) continue;
    const v = partial[doc];
    if (size < k) {
      let at = size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (heap[parent] <= v) break;
        heap[at] = heap[parent];
        at = parent;
      }
      heap[at] = v;
    } else if (v > heap[0]) {
      let at = 0;
      for (;;) {
        const l = 2 * at + 1;
        if (l >= k) break;
        const r = l + 1;
        const child = r < k && heap[r] < heap[l] ? r : l;
        if (heap[child] >= v) break;
        heap[at] = heap[child];
        at = child;
      }
      heap[at] = v;
    }
  }
  return size < k ? 0 : heap[0];
}

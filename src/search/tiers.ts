/**
 * Tiered matching: documents with every informative clause of the query first, then those with
 * fewer, by BM25 within a tier, as Meilisearch's matching strategies and Elasticsearch's
 * minimum_should_match give. Two ways to count a document's tier:
 *
 *   count   (op=auto, the default) how many of the clauses it has. A question or a pasted
 *           sentence whose words are not all in any one document still finds the documents with
 *           most of them, and a rare word that only the question has (请问, 怎么回事) cannot put
 *           documents with that word alone first.
 *   prefix  (op=and relaxed) the clauses taken from the most informative (fewest documents) to the
 *           least, how many of them it has in that order before the first it lacks: the query
 *           that drops its least informative words one at a time until something matches.
 *
 * Which clauses count is the executor's choice (common words score without counting).
 *
 *   match set  every document with at least one clause (minus the excluded ones): `total`,
 *              facets, exact.
 *   ranking    tier, then score. Only the documents of the tiers that can fill the top k (among
 *              the documents that count: not deleted, passing the filters) are scored; the others
 *              keep their place in the match set with the score -Infinity.
 *   best only  (op=and relaxed) only the documents of the best tier that has a document that counts.
 *
 * Tiers are computed in every segment before any is scored, so "the best tier" and "the tiers
 * that fill the top k" are decided over the whole index, not per segment.
 *
 * Owns: tiers and which documents they let through. Must not: know about terms, fields or BM25
 * (clauses score themselves).
 */
import { gallop, unionDocs, type DocSet } from './doc-set.js';

/** One clause of the query as tiering needs it. */
export interface TierClause {
  /** Sorted document lists whose union is what the clause matches (a leaf: one per field). */
  lists: readonly Int32Array[];
  /** Adds the clause's score of each of `docs` (sorted) that it matches to `scores`. */
  addScores(docs: Int32Array, scores: Float64Array): void;
}

/** One segment's candidates and their tiers, before scoring. */
export interface SegmentTiers {
  docs: Int32Array;
  tiers: Uint8Array;
  /** Non-zero for documents that do not count (deleted, filtered out). */
  rejected: Uint8Array;
}

/** Scratch of {@link segmentTiers}: matched clauses per document, and the last clause that counted it (dropped when a call throws). */
let scratchCount = new Uint8Array(0);
let scratchStamp = new Int32Array(0);

/**
 * The candidates of a segment of `docCount` documents: documents of any clause except `excluded`
 * (sorted), with their tiers; `ordered` is the clauses, most informative first. `count`: a tier
 * is the number of clauses the document has; `prefix`: how many of the first clauses it has
 * before the first it lacks.
 */
export function segmentTiers(
  ordered: readonly TierClause[],
  excluded: Int32Array | null,
  rejected: (docs: Int32Array) => Uint8Array,
  check: () => void,
  mode: 'count' | 'prefix',
  docCount: number,
): SegmentTiers {
  let docs = unionDocs(ordered.flatMap((c) => c.lists));
  if (excluded?.length) docs = without(docs, excluded);
  const tiers = new Uint8Array(docs.length);
  if (mode === 'count') {
    // One pass over every list: a document counts once per clause, whatever its fields.
    if (scratchCount.length < docCount) {
      scratchCount = new Uint8Array(docCount);
      scratchStamp = new Int32Array(docCount);
    }
    const count = scratchCount;
    const stamp = scratchStamp.fill(-1, 0, docCount);
    try {
      ordered.forEach((c, k) => {
        check();
        for (const list of c.lists) {
          for (let i = 0; i < list.length; i++) {
            const doc = list[i];
            if (stamp[doc] !== k) {
              stamp[doc] = k;
              count[doc]++;
            }
          }
        }
      });
    } catch (err) {
      // Interrupted (the budget): the counts are left dirty, so the next search gets new arrays.
      scratchCount = new Uint8Array(0);
      scratchStamp = new Int32Array(0);
      throw err;
    }
    for (let i = 0; i < docs.length; i++) tiers[i] = count[docs[i]];
    for (const c of ordered) for (const list of c.lists) for (let i = 0; i < list.length; i++) count[list[i]] = 0;
    return { docs, tiers, rejected: rejected(docs) };
  }
  let alive = new Int32Array(docs.length);
  for (let i = 0; i < alive.length; i++) alive[i] = i;
  let n = alive.length;
  for (let t = 0; t < ordered.length && n > 0; t++) {
    check();
    const lists = ordered[t].lists;
    const at = new Int32Array(lists.length);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const doc = docs[alive[i]];
      for (let l = 0; l < lists.length; l++) {
        const j = (at[l] = gallop(lists[l], at[l], doc));
        if (j < lists[l].length && lists[l][j] === doc) {
          tiers[alive[i]] = t + 1;
          alive[kept++] = alive[i];
          break;
        }
      }
    }
    n = kept;
  }
  return { docs, tiers, rejected: rejected(docs) };
}

/** Documents that count, per tier (index = tier), over every segment. */
export function tierCounts(segments: readonly SegmentTiers[], tiers: number): Int32Array {
  const counts = new Int32Array(tiers + 1);
  for (const s of segments) for (let i = 0; i < s.docs.length; i++) if (s.rejected[i] === 0) counts[s.tiers[i]]++;
  return counts;
}

/** The lowest tier that must be scored so that the tiers above it fill the top `k`. */
export function lowestTierToScore(counts: Int32Array, k: number): number {
  let sum = 0;
  for (let t = counts.length - 1; t > 0; t--) {
    sum += counts[t];
    if (sum >= k) return t;
  }
  return 0;
}

/**
 * A segment's match set: its candidates with tier >= `lowest` that count scored exactly (clauses
 * in query order), the others -Infinity; only tier `only` when given.
 */
export function scoreTiers(seg: SegmentTiers, clauses: readonly TierClause[], lowest: number, only: number | null): DocSet {
  let { docs, tiers, rejected } = seg;
  if (only !== null) {
    const keep = new Int32Array(docs.length);
    let n = 0;
    for (let i = 0; i < docs.length; i++) if (tiers[i] === only) keep[n++] = i;
    docs = Int32Array.from(keep.subarray(0, n), (i) => seg.docs[i]);
    tiers = Uint8Array.from(keep.subarray(0, n), (i) => seg.tiers[i]);
    rejected = Uint8Array.from(keep.subarray(0, n), (i) => seg.rejected[i]);
  }
  const chosen: number[] = [];
  for (let i = 0; i < docs.length; i++) if (tiers[i] >= lowest && rejected[i] === 0) chosen.push(i);
  const finalists = Int32Array.from(chosen, (i) => docs[i]);
  const exact = new Float64Array(finalists.length);
  for (const c of clauses) c.addScores(finalists, exact);
  const scores = new Float64Array(docs.length).fill(-Infinity);
  chosen.forEach((i, j) => (scores[i] = exact[j]));
  return { docs, scores, tiers };
}

/** Sorted `docs` without the sorted `excluded`. */
function without(docs: Int32Array, excluded: Int32Array): Int32Array {
  const out = new Int32Array(docs.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < docs.length; i++) {
    j = gallop(excluded, j, docs[i]);
    if (j < excluded.length && excluded[j] === docs[i]) continue;
    out[n++] = docs[i];
  }
  return out.subarray(0, n);
}

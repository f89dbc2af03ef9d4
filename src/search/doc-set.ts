/**
 * Scored document sets: sorted local document numbers with a score each, and the set algebra
 * queries are made of (intersection and union sum scores, difference keeps the left).
 *
 * Scores are always summed in the order the sets are given (query order), whatever order the
 * work is done in, so a document's score does not depend on list sizes or on how the index is
 * segmented.
 *
 * Owns: those operations. Must not: know about terms or fields.
 */
import { gallop } from '../index/postings.js';

export interface DocSet {
  docs: Int32Array;
  scores: Float64Array;
  /** Per document, its tier under tiered matching (tiers.ts): ranked before the score. */
  tiers?: Uint8Array;
}

export const EMPTY: DocSet = { docs: new Int32Array(0), scores: new Float64Array(0) };

export function union(a: DocSet, b: DocSet): DocSet {
  const docs = new Int32Array(a.docs.length + b.docs.length);
  const scores = new Float64Array(docs.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.docs.length || j < b.docs.length) {
    const x = i < a.docs.length ? a.docs[i] : 0x7fffffff;
    const y = j < b.docs.length ? b.docs[j] : 0x7fffffff;
    if (x === y) {
      docs[k] = x;
      scores[k++] = a.scores[i++] + b.scores[j++];
    } else if (x < y) {
      docs[k] = x;
      scores[k++] = a.scores[i++];
    } else {
      docs[k] = y;
      scores[k++] = b.scores[j++];
    }
  }
  return { docs: docs.subarray(0, k), scores: scores.subarray(0, k) };
}

export function subtract(a: DocSet, b: DocSet): DocSet {
  const docs = new Int32Array(a.docs.length);
  const scores = new Float64Array(a.docs.length);
  let j = 0;
  let k = 0;
  for (let i = 0; i < a.docs.length; i++) {
    const x = a.docs[i];
    while (j < b.docs.length && b.docs[j] < x) j++;
    if (j < b.docs.length && b.docs[j] === x) continue;
    docs[k] = x;
    scores[k++] = a.scores[i];
  }
  return { docs: docs.subarray(0, k), scores: scores.subarray(0, k) };
}

/** All documents 0..count-1 with score 0. */
export function all(count: number): DocSet {
  const docs = new Int32Array(count);
  for (let i = 0; i < count; i++) docs[i] = i;
  return { docs, scores: new Float64Array(count) };
}

/** Keeps the documents for which `keep` is true (and their tiers). */
export function filter(a: DocSet, keep: (doc: number) => boolean): DocSet {
  const docs = new Int32Array(a.docs.length);
  const scores = new Float64Array(a.docs.length);
  const tiers = a.tiers ? new Uint8Array(a.docs.length) : null;
  let k = 0;
  for (let i = 0; i < a.docs.length; i++) {
    if (!keep(a.docs[i])) continue;
    docs[k] = a.docs[i];
    if (tiers) tiers[k] = a.tiers![i];
    scores[k++] = a.scores[i];
  }
  return { docs: docs.subarray(0, k), scores: scores.subarray(0, k), ...(tiers ? { tiers: tiers.subarray(0, k) } : {}) };
}

/**
 * The documents that are in at least one list of every group (sorted lists): the intersection of
 * the groups' unions. Only the smallest group (by total length) is united; every other group is
 * probed by galloping for the surviving documents, so a common clause (a frequent character in
 * three fields) costs a probe per candidate instead of a merge of its lists.
 */
export function intersectUnions(groups: readonly (readonly Int32Array[])[]): Int32Array {
  const total = (g: readonly Int32Array[]) => g.reduce((n, l) => n + l.length, 0);
  const bySize = [...groups].sort((a, b) => total(a) - total(b));
  let docs = unionDocs(bySize[0] ?? []);
  for (let k = 1; k < bySize.length && docs.length; k++) docs = keepInAny(docs, bySize[k]);
  return docs;
}

/** The documents of sorted `docs` that are in any of the sorted `lists`. */
function keepInAny(docs: Int32Array, lists: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(docs.length);
  const at = new Int32Array(lists.length);
  let n = 0;
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i];
    for (let k = 0; k < lists.length; k++) {
      const l = lists[k];
      const j = (at[k] = gallop(l, at[k], doc));
      if (j < l.length && l[j] === doc) {
        out[n++] = doc;
        break;
      }
    }
  }
  return out.subarray(0, n);
}

/** Adds the score `set` gives each of `docs` (sorted) that it has to `scores`. */
export function addSetScores(set: DocSet, docs: Int32Array, scores: Float64Array): void {
  let j = 0;
  for (let i = 0; i < docs.length; i++) {
    j = gallop(set.docs, j, docs[i]);
    if (j < set.docs.length && set.docs[j] === docs[i]) scores[i] += set.scores[j];
  }
}

/** The documents in any of the sorted lists (no scores). */
export function unionDocs(lists: readonly Int32Array[]): Int32Array {
  let out: Int32Array = lists.length ? lists[0] : new Int32Array(0);
  for (let k = 1; k < lists.length; k++) {
    const a = out;
    const b = lists[k];
    const docs = new Int32Array(a.length + b.length);
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < a.length && j < b.length) {
      const x = a[i];
      const y = b[j];
      if (x <= y) {
        docs[n++] = x;
        i++;
        if (x === y) j++;
      } else {
        docs[n++] = y;
        j++;
      }
    }
    while (i < a.length) docs[n++] = a[i++];
    while (j < b.length) docs[n++] = b[j++];
    out = docs.subarray(0, n);
  }
  return out;
}

// First index >= `from` whose value is >= `target` in sorted `a`: kept with the postings (index/postings.ts).
export { gallop };

/** Scratch space of {@link unionAll}, kept between calls and cleaned after each. */
let scratchScores = new Float64Array(0);
let scratchSeen = new Uint8Array(0);

/**
 * The documents in any set, scores summed in the given order. Many sets are summed into one
 * dense array (term at a time) instead of merged pairwise, so the cost is the total size of the
 * sets, not that times their number. `docCount` bounds the document numbers.
 */
export function unionAll(sets: readonly DocSet[], docCount: number): DocSet {
  // A few sets are merged pairwise; many are summed densely.
  if (sets.length <= 3) return sets.reduce(union);
  if (scratchSeen.length < docCount) {
    scratchScores = new Float64Array(docCount);
    scratchSeen = new Uint8Array(docCount);
  }
  const acc = scratchScores;
  const seen = scratchSeen;
  let sum = 0;
  for (const set of sets) sum += set.docs.length;
  const touched = new Int32Array(Math.min(sum, docCount));
  let n = 0;
  for (const set of sets) {
    const d = set.docs;
    const sc = set.scores;
    for (let i = 0; i < d.length; i++) {
      const doc = d[i];
      if (seen[doc] === 0) {
        seen[doc] = 1;
        touched[n++] = doc;
      }
      acc[doc] += sc[i];
    }
  }
  let docs: Int32Array;
  if (n * 16 > docCount) {
    // Dense result: a scan in document order is cheaper than sorting.
    docs = new Int32Array(n);
    let k = 0;
    for (let doc = 0; doc < docCount && k < n; doc++) if (seen[doc] === 1) docs[k++] = doc;
  } else docs = touched.subarray(0, n).sort();
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const doc = docs[i];
    scores[i] = acc[doc];
    acc[doc] = 0;
    seen[doc] = 0;
  }
  return { docs, scores };
}

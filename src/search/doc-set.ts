/**
 * Scored document sets: sorted local document numbers with a score each, and the set algebra
 * queries are made of (intersection sums scores, union sums scores, difference keeps the left).
 *
 * Owns: those operations. Must not: know about terms or fields.
 */

export interface DocSet {
  docs: Int32Array;
  scores: Float64Array;
}

export const EMPTY: DocSet = { docs: new Int32Array(0), scores: new Float64Array(0) };

export function intersect(a: DocSet, b: DocSet): DocSet {
  const n = Math.min(a.docs.length, b.docs.length);
  const docs = new Int32Array(n);
  const scores = new Float64Array(n);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.docs.length && j < b.docs.length) {
    const x = a.docs[i];
    const y = b.docs[j];
    if (x === y) {
      docs[k] = x;
      scores[k++] = a.scores[i++] + b.scores[j++];
    } else if (x < y) i++;
    else j++;
  }
  return { docs: docs.subarray(0, k), scores: scores.subarray(0, k) };
}

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

/** Keeps the documents for which `keep` is true. */
export function filter(a: DocSet, keep: (doc: number) => boolean): DocSet {
  const docs = new Int32Array(a.docs.length);
  const scores = new Float64Array(a.docs.length);
  let k = 0;
  for (let i = 0; i < a.docs.length; i++) {
    if (!keep(a.docs[i])) continue;
    docs[k] = a.docs[i];
    scores[k++] = a.scores[i];
  }
  return { docs: docs.subarray(0, k), scores: scores.subarray(0, k) };
}

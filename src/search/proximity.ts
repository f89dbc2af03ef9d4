/**
 * Proximity: how close together a document has the query's words, as Sphinx's proximity_bm25,
 * Meilisearch's proximity rule and Lucene's sloppy phrase boost reward. For each pair of
 * consecutive query terms (in query order) that the field has, the smallest gap between an
 * occurrence of the first and one of the second, in characters: 0 when the second follows the
 * first directly, one more when it comes before it. The pair scores 1 / (1 + gap / SCALE); the
 * field's proximity is the mean over the query's pairs (pairs it lacks count 0), in [0, 1], and a
 * document's is the best of its title and content.
 *
 * Positions are the character positions the index keeps for its bigrams (a term's first bigram,
 * read through cursors that decode only the blocks holding the documents asked for):
 * no new data. Single characters have no positions (unigrams are stored without them), so they
 * take no part (searcher.ts passes terms of two characters or more). Cost: bounded by the documents asked for (the best R of a
 * search, searcher.ts) times their occurrences of the query terms, never by the postings' length.
 *
 * Owns: the measure. Must not: score BM25 or choose the documents.
 */
import type { IndexSnapshot } from '../index/reader.js';
import type { FieldName } from '../index/schema.js';
import type { PostingsCache } from './postings-cache.js';

/** A gap of this many characters halves a pair's proximity. */
const SCALE = 4;
const FIELDS: readonly FieldName[] = ['title', 'content'];

/**
 * The proximity of each of `docs` (segment `s`, sorted) for `terms` (each its searchable
 * characters, in query order; at least two).
 */
export function proximity(snapshot: IndexSnapshot, s: number, docs: Int32Array, terms: readonly (readonly string[])[], postings: PostingsCache): Float64Array {
  const out = new Float64Array(docs.length);
  if (terms.length < 2) return out;
  const segment = snapshot.segments[s].segment;
  for (const f of FIELDS) {
    const grams = segment.fields[f].grams;
    const cursors = terms.map((chars) => {
      const ord = chars.length >= 2 ? grams.lookup(chars[0] + chars[1]) : -1;
      return ord < 0 ? null : postings.positionCursor(grams, ord);
    });
    for (let d = 0; d < docs.length; d++) {
      postings.budget.check();
      const doc = docs[d];
      const value = fieldProximity(cursors.map((c) => (c && c.seek(doc) === doc ? c.positions().slice() : null)), terms);
      if (value > out[d]) out[d] = value;
    }
  }
  return out;
}

/** A field's proximity from the positions of each term's first bigram in it (null: the field lacks the term). */
function fieldProximity(positions: ReadonlyArray<Int32Array | null>, terms: readonly (readonly string[])[]): number {
  let sum = 0;
  for (let t = 0; t + 1 < terms.length; t++) {
    const a = positions[t];
    const b = positions[t + 1];
    if (a && b) sum += 1 / (1 + smallestGap(a, terms[t].length, b, terms[t + 1].length) / SCALE);
  }
  return sum / (terms.length - 1);
}

/**
 * The same measure from a document's text: `fields` are the searchable characters of its title
 * and content (as the index saw them); positions are found by scanning them. For stores without
 * positions (the cluster backend).
 */
export function textProximity(fields: readonly (readonly string[])[], terms: readonly (readonly string[])[]): number {
  if (terms.length < 2) return 0;
  let best = 0;
  for (const chars of fields) {
    const positions = terms.map((t) => {
      if (t.length < 2) return null;
      const at: number[] = [];
      for (let i = 0; i + 1 < chars.length; i++) if (chars[i] === t[0] && chars[i + 1] === t[1]) at.push(i);
      return at.length ? Int32Array.from(at) : null;
    });
    best = Math.max(best, fieldProximity(positions, terms));
  }
  return best;
}

/**
 * The smallest gap between an occurrence of a term at `a` (length `la`) and one of the next term
 * at `b` (length `lb`): b - (a + la) when b comes after a, a - (b + lb) + 1 when before (sorted lists).
 */
function smallestGap(a: Int32Array, la: number, b: Int32Array, lb: number): number {
  let best = Infinity;
  let j = 0;
  for (let i = 0; i < a.length && best > 0; i++) {
    const end = a[i] + la;
    while (j < b.length && b[j] < end) j++;
    if (j < b.length) best = Math.min(best, b[j] - end);
    if (j > 0) {
      const before = b[j - 1];
      if (before + lb <= a[i]) best = Math.min(best, a[i] - (before + lb) + 1);
    }
  }
  return best;
}

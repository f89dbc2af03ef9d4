/**
 * Scoring one field of one leaf in one segment: BM25 of the word where jieba produced it, a
 * weighted BM25 of the substring elsewhere (see executor.ts), computed for all of the field's
 * documents or looked up for chosen ones, and bounded from above for pruning.
 *
 * Owns: the per-document score of a field and its upper bound. Must not: combine leaves.
 */
import { END, type PostingCursor, type PostingList } from '../index/postings.js';
import type { FieldName } from '../index/schema.js';
import { gallop, type DocSet } from './doc-set.js';

/**
 * How one field of a leaf scores a document, by BM25 weight * tf / (tf + norm) (bm25.ts): a
 * document in `word` (the word's postings) with `wordWeight` and the word's frequency, any other
 * document of `substring` with `substringWeight` and the substring's frequency.
 */
export interface FieldScorer {
  substring: PostingList;
  word: PostingList | null;
  /** BM25 length normalization per document, k1 * (1 - b + b * dl / avgdl). */
  norms: Float64Array;
  /** The smallest of `norms`. */
  minNorm: number;
  wordWeight: number;
  substringWeight: number;
  /** For explanations: the field, and the inverse document frequencies behind the two weights. */
  field: FieldName;
  wordIdf: number;
  substringIdf: number;
}

const NO_DOCS = new Int32Array(0);

/** Every document of the field, scored. */
export function scoreAll(f: FieldScorer): DocSet {
  const docs = f.substring.docs;
  const sf = f.substring.freqs;
  const { norms, wordWeight, substringWeight } = f;
  const scores = new Float64Array(docs.length);
  const wd = f.word ? f.word.docs : NO_DOCS;
  const wf = f.word ? f.word.freqs : NO_DOCS;
  let j = 0;
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i];
    while (j < wd.length && wd[j] < doc) j++;
    if (j < wd.length && wd[j] === doc) {
      const tf = wf[j];
      scores[i] = (wordWeight * tf) / (tf + norms[doc]);
    } else {
      const tf = sf[i];
      scores[i] = (substringWeight * tf) / (tf + norms[doc]);
    }
  }
  return { docs, scores };
}

/** Adds the field's score of each of `docs` (sorted) that it has to `scores`. */
export function addFieldScores(f: FieldScorer, docs: Int32Array, scores: Float64Array): void {
  const sd = f.substring.docs;
  const sf = f.substring.freqs;
  const wd = f.word ? f.word.docs : NO_DOCS;
  const wf = f.word ? f.word.freqs : NO_DOCS;
  let i = 0;
  let j = 0;
  for (let k = 0; k < docs.length; k++) {
    const doc = docs[k];
    i = gallop(sd, i, doc);
    if (i >= sd.length) return;
    if (sd[i] !== doc) continue;
    j = gallop(wd, j, doc);
    if (j < wd.length && wd[j] === doc) scores[k] += (f.wordWeight * wf[j]) / (wf[j] + f.norms[doc]);
    else scores[k] += (f.substringWeight * sf[i]) / (sf[i] + f.norms[doc]);
  }
}

/**
 * {@link addFieldScores} through cursors over the field's substring and word lists (which decode
 * only the blocks they visit): the same scores, bit for bit.
 */
export function addFieldScoresWith(f: FieldScorer, substring: PostingCursor, word: PostingCursor | null, docs: Int32Array, scores: Float64Array): void {
  for (let k = 0; k < docs.length; k++) {
    const doc = docs[k];
    const at = substring.seek(doc);
    if (at === END) return;
    if (at !== doc) continue;
    if (word && word.seek(doc) === doc) {
      const tf = word.freq();
      scores[k] += (f.wordWeight * tf) / (tf + f.norms[doc]);
    } else {
      const tf = substring.freq();
      scores[k] += (f.substringWeight * tf) / (tf + f.norms[doc]);
    }
  }
}

/**
 * An upper bound of the field's score of any document: tf / (tf + norm) grows with tf and
 * shrinks with norm, so the largest frequency over the smallest norm bounds every document.
 */
export function maxScore(f: FieldScorer): number {
  const bound = (weight: number, freqs: Int32Array) => {
    let max = 0;
    for (let i = 0; i < freqs.length; i++) if (freqs[i] > max) max = freqs[i];
    return (weight * max) / (max + f.minNorm);
  };
  return Math.max(f.word ? bound(f.wordWeight, f.word.freqs) : 0, bound(f.substringWeight, f.substring.freqs));
}

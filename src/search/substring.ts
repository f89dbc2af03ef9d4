/**
 * Substring matching over the character gram postings: which documents' field contains a given
 * sequence of searchable characters, and how often. This is what makes any string that occurs in
 * a document find it, however jieba cut the document.
 *
 *   1 character   its unigram postings
 *   2 characters  its bigram postings
 *   n > 2         bigrams at offsets 0, 2, 4, ... and n-2 cover the string; candidates are the
 *                 documents having all of them, verified by positions (p, p+2, ... p+n-2).
 *
 * Owns: that algorithm. Must not: score or know about query syntax.
 */
import type { PositionCursor, PostingList, TermTable } from '../index/postings.js';
import { Deadline } from './deadline.js';
import { gallop } from './doc-set.js';

const NONE: PostingList = { docs: new Int32Array(0), freqs: new Int32Array(0) };

/**
 * Documents whose field contains `chars` consecutively, with the number of occurrences.
 * `known` (optional, sorted) lists documents already known to contain them (those where jieba
 * produced the word): they are accepted without reading positions, with frequency 1, since the
 * caller scores them by their word frequency.
 */
export function matchSubstring(grams: TermTable, chars: readonly string[], deadline: Deadline = Deadline.NONE, known?: Int32Array): PostingList {
  if (chars.length === 0) return NONE;
  if (chars.length <= 2) {
    const ord = grams.lookup(chars.join(''));
    return ord < 0 ? NONE : grams.postings(ord);
  }
  const offsets: number[] = [];
  for (let o = 0; o + 2 <= chars.length; o += 2) offsets.push(o);
  if (offsets[offsets.length - 1] !== chars.length - 2) offsets.push(chars.length - 2);

  const ords: number[] = [];
  for (const o of offsets) {
    const ord = grams.lookup(chars[o] + chars[o + 1]);
    if (ord < 0) return NONE;
    ords.push(ord);
  }
  // Visit the rarest bigram first so candidate lists shrink fast.
  const order = offsets.map((_, i) => i).sort((a, b) => grams.df[ords[a]] - grams.df[ords[b]]);
  const cursors: PositionCursor[] = order.map((i) => grams.positionCursor(ords[i]));
  const offs = order.map((i) => offsets[i]);

  const lead = cursors[0].list;
  const next = new Int32Array(cursors.length);
  const at = new Int32Array(cursors.length);
  let k0 = 0;
  const docs: number[] = [];
  const freqs: number[] = [];
  outer: for (let i = 0; i < lead.docs.length; i++) {
    if ((i & 255) === 255) deadline.check();
    const doc = lead.docs[i];
    at[0] = i;
    for (let k = 1; k < cursors.length; k++) {
      const l = cursors[k].list.docs;
      const c = gallop(l, next[k], doc);
      next[k] = c;
      if (c >= l.length) break outer;
      if (l[c] !== doc) continue outer;
      at[k] = c;
    }
    if (known) {
      k0 = gallop(known, k0, doc);
      if (k0 < known.length && known[k0] === doc) {
        docs.push(doc);
        freqs.push(1);
        continue;
      }
    }
    // Each start p = position of the lead bigram - its offset; every other bigram must be at p + its offset.
    const others = cursors.slice(1).map((c, k) => c.positionsAt(at[k + 1]));
    let count = 0;
    for (const q of cursors[0].positionsAt(i)) {
      const p = q - offs[0];
      if (p < 0) continue;
      let ok = true;
      for (let k = 1; k < cursors.length && ok; k++) ok = contains(others[k - 1], 0, others[k - 1].length, p + offs[k]);
      if (ok) count++;
    }
    if (count > 0) {
      docs.push(doc);
      freqs.push(count);
    }
  }
  return { docs: Int32Array.from(docs), freqs: Int32Array.from(freqs) };
}

/** Binary search for `value` in sorted `a[from..to)`. */
function contains(a: Int32Array, from: number, to: number, value: number): boolean {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo < to && a[lo] === value;
}

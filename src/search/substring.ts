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
import type { PostingList, PositionList, TermTable } from '../index/postings.js';
import { Deadline } from './deadline.js';

const NONE: PostingList = { docs: new Int32Array(0), freqs: new Int32Array(0) };

/** Documents whose field contains `chars` consecutively, with the number of occurrences. */
export function matchSubstring(grams: TermTable, chars: readonly string[], deadline: Deadline = Deadline.NONE): PostingList {
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
  const lists: PositionList[] = order.map((i) => grams.positions(ords[i]));
  const offs = order.map((i) => offsets[i]);

  const lead = lists[0];
  const cursors = new Int32Array(lists.length);
  const docs: number[] = [];
  const freqs: number[] = [];
  outer: for (let i = 0; i < lead.docs.length; i++) {
    if ((i & 255) === 255) deadline.check();
    const doc = lead.docs[i];
    const at = new Int32Array(lists.length);
    at[0] = i;
    for (let k = 1; k < lists.length; k++) {
      const l = lists[k];
      let c = cursors[k];
      while (c < l.docs.length && l.docs[c] < doc) c++;
      cursors[k] = c;
      if (c >= l.docs.length) break outer;
      if (l.docs[c] !== doc) continue outer;
      at[k] = c;
    }
    // Each start position p = position of lead bigram - its offset; all others must be at p + offset.
    let count = 0;
    for (let j = lead.starts[i]; j < lead.starts[i + 1]; j++) {
      const p = lead.positions[j] - offs[0];
      if (p < 0) continue;
      let ok = true;
      for (let k = 1; k < lists.length && ok; k++) {
        const l = lists[k];
        ok = contains(l.positions, l.starts[at[k]], l.starts[at[k] + 1], p + offs[k]);
      }
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

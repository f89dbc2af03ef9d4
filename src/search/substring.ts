/**
 * Substring matching over the character gram postings: which documents' field contains a given
 * sequence of searchable characters, and how often. This is what makes any string that occurs in
 * a document find it, however jieba cut the document.
 *
 *   1 character   its unigram postings
 *   2 characters  its bigram postings
 *   n > 2         the string is the sequence of its n-1 bigrams. Candidates are the documents
 *                 having every distinct bigram of it (as often as the string has it); in each,
 *                 the positions of those bigrams are merged into one run of (position, bigram)
 *                 and the string's bigram sequence is searched in it with Knuth-Morris-Pratt,
 *                 a gap in the positions (another bigram) resetting the search.
 *
 * Cost: each distinct bigram's postings are decoded once per request (PostingsCache, charged to
 * the budget), and a candidate costs the occurrences of the string's bigrams in it (sorted), not
 * that times the string's length: a 4,000-character phrase of 图书图书… against a 200,000-character
 * document of 图书图书… is one list of 100,000 positions scanned once. The time budget is checked
 * every 256 candidates and every 4,096 positions.
 *
 * Owns: that algorithm. Must not: score or know about query syntax.
 */
import { cursorOf, END, type PostingList, type TermCursor, type TermTable } from '../index/postings.js';
import { Budget } from './budget.js';
import { PostingsCache } from './postings-cache.js';

const NONE: PostingList = { docs: new Int32Array(0), freqs: new Int32Array(0) };

/** Scratch keys (position * distinct + bigram) of one candidate, reused between calls. */
let scratchKeys = new Float64Array(1024);

/**
 * Documents whose field contains `chars` consecutively, with the number of occurrences
 * (overlapping ones included). `knownList` (optional) lists documents already known to
 * contain them (those where jieba produced the word): they are accepted without reading
 * positions, with frequency 1, since the caller scores them by their word frequency.
 */
export function matchSubstring(
  grams: TermTable,
  chars: readonly string[],
  postings: PostingsCache = new PostingsCache(Budget.unlimited()),
  knownList?: PostingList,
): PostingList {
  if (chars.length === 0) return NONE;
  if (chars.length <= 2) {
    const ord = grams.lookup(chars.join(''));
    return ord < 0 ? NONE : postings.postings(grams, ord);
  }
  const budget = postings.budget;
  const known = knownList ? cursorOf(knownList) : null;
  // The string as a sequence of distinct-bigram numbers, and how often each bigram occurs in it.
  const ordOf = new Map<string, number>();
  const ords: number[] = [];
  const need: number[] = [];
  const sequence = new Int32Array(chars.length - 1);
  for (let i = 0; i + 1 < chars.length; i++) {
    const bigram = chars[i] + chars[i + 1];
    let b = ordOf.get(bigram);
    if (b === undefined) {
      const ord = grams.lookup(bigram);
      if (ord < 0) return NONE;
      b = ords.length;
      ordOf.set(bigram, b);
      ords.push(ord);
      need.push(0);
    }
    sequence[i] = b;
    need[b]++;
  }
  const failure = failureTable(sequence);
  const distinct = ords.length;

  // Candidates: in every distinct bigram's list, rarest first so the candidates shrink fast. The
  // lists are walked with cursors, which decode only the blocks holding a candidate.
  const order = ords.map((_, b) => b).sort((a, b) => grams.df[ords[a]] - grams.df[ords[b]]);
  const cursors: TermCursor[] = order.map((b) => postings.positionCursor(grams, ords[b]));
  /** The largest position list read per bigram so far (what its cursor's buffer holds). */
  const held = new Int32Array(distinct);
  const lead = cursors[0];
  let seen = 0;
  const docs: number[] = [];
  const freqs: number[] = [];
  outer: for (let doc = lead.seek(0); doc !== END; doc = lead.seek(doc + 1)) {
    if ((++seen & 255) === 0) budget.check();
    let occurrences = lead.freq();
    if (occurrences < need[order[0]]) continue;
    for (let k = 1; k < distinct; k++) {
      const c = cursors[k];
      const at = c.seek(doc);
      if (at === END) break outer;
      if (at !== doc || c.freq() < need[order[k]]) continue outer;
      occurrences += c.freq();
    }
    if (known) {
      if (known.seek(doc) === doc) {
        docs.push(doc);
        freqs.push(1);
        continue;
      }
    }
    if (occurrences < sequence.length) continue;
    // The run of (position, bigram) of this document, in position order.
    if (scratchKeys.length < occurrences) {
      budget.charge(occurrences * 16);
      scratchKeys = new Float64Array(occurrences * 2);
    }
    const keys = scratchKeys.subarray(0, occurrences);
    let n = 0;
    for (let k = 0; k < distinct; k++) {
      const b = order[k];
      const positions = cursors[k].positions();
      if (positions.length > held[k]) {
        budget.charge((positions.length - held[k]) * 8);
        held[k] = positions.length * 2;
      }
      for (let j = 0; j < positions.length; j++) keys[n++] = positions[j] * distinct + b;
    }
    if (distinct > 1) keys.sort();
    const count = occurrencesIn(keys, distinct, sequence, failure, budget);
    if (count > 0) {
      docs.push(doc);
      freqs.push(count);
    }
  }
  return { docs: Int32Array.from(docs), freqs: Int32Array.from(freqs) };
}

/** Knuth-Morris-Pratt failure function: for each prefix, the length of its longest proper border. */
function failureTable(p: Int32Array): Int32Array {
  const f = new Int32Array(p.length);
  let k = 0;
  for (let i = 1; i < p.length; i++) {
    while (k > 0 && p[i] !== p[k]) k = f[k - 1];
    if (p[i] === p[k]) k++;
    f[i] = k;
  }
  return f;
}

/**
 * Occurrences of `sequence` in the run `keys` (position * distinct + bigram, sorted): consecutive
 * positions whose bigrams spell the sequence. A position missing from the run holds a bigram that
 * is not in the string, so it breaks every partial match.
 */
function occurrencesIn(keys: Float64Array, distinct: number, sequence: Int32Array, failure: Int32Array, budget: Budget): number {
  let state = 0;
  let previous = -2;
  let count = 0;
  for (let i = 0; i < keys.length; i++) {
    if ((i & 4095) === 4095) budget.check();
    const key = keys[i];
    const b = key % distinct;
    const position = (key - b) / distinct;
    if (position !== previous + 1) state = 0;
    previous = position;
    while (state > 0 && sequence[state] !== b) state = failure[state - 1];
    if (sequence[state] === b) state++;
    if (state === sequence.length) {
      count++;
      state = failure[state - 1];
    }
  }
  return count;
}

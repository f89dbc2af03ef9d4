/**
 * Collecting the best hits: a bounded heap over the matches of all segments, ordered by
 * relevance (score, then id) or by date (then score, then id). Ties are broken by the external
 * id, so the order does not depend on how the index happens to be segmented.
 *
 * Owns: ordering and the top-k heap. Must not: match or score.
 */
import type { IndexSnapshot } from '../index/reader.js';
import { NO_DATE } from '../index/schema.js';
import type { MatchSets } from './executor.js';

export type SortOrder = 'relevance' | 'date_desc' | 'date_asc';

export interface Collected {
  segment: number;
  doc: number;
  score: number;
  /** Its tier under tiered matching (tiers.ts), else 0. */
  tier: number;
}

/** Keys of tiers and dates: dates are day numbers (well within +-2^31), so tiers weigh more than any date. */
const TIER = 2 ** 34;
const UNDATED = 2 ** 33;

/** The first sort key of a match (greater first): its tier, then its date in a date order (undated last). */
export function orderKey(tier: number, date: number, order: SortOrder): number {
  return tier * TIER + (order === 'relevance' ? 0 : date === NO_DATE ? -UNDATED : order === 'date_desc' ? date : -date);
}

/** The first `limit` matches in `order` (under tiered matching, higher tiers first in every order). */
export function collectTop(snapshot: IndexSnapshot, matches: MatchSets, limit: number, order: SortOrder): Collected[] {
  if (limit <= 0) return [];
  // The kept entries live in parallel arrays of slots; the heap orders slot numbers, worst first.
  // A candidate is only stored (and its id only read, on a tie) when it beats the worst kept one.
  const capacity = Math.min(limit, matches.reduce((n, m) => n + m.docs.length, 0));
  const segs = new Int32Array(capacity);
  const docs = new Int32Array(capacity);
  const scores = new Float64Array(capacity);
  const keys = new Float64Array(capacity);
  const tierOf = new Uint8Array(capacity);
  const ids: Array<string | undefined> = new Array<string | undefined>(capacity);
  const heap = new Int32Array(capacity);
  let size = 0;
  const idOf = (slot: number) => (ids[slot] ??= snapshot.segments[segs[slot]].segment.id(docs[slot]));
  // `key` is compared first (greater is better), then score, then id (smaller is better).
  const better = (a: number, b: number): boolean => {
    if (keys[a] !== keys[b]) return keys[a] > keys[b];
    if (scores[a] !== scores[b]) return scores[a] > scores[b];
    return idOf(a) < idOf(b);
  };
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!better(heap[p], heap[i])) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < size && better(heap[w], heap[l])) w = l;
      if (r < size && better(heap[w], heap[r])) w = r;
      if (w === i) return;
      [heap[w], heap[i]] = [heap[i], heap[w]];
      i = w;
    }
  };
  const store = (slot: number, s: number, doc: number, score: number, key: number, id: string | undefined, tier: number) => {
    segs[slot] = s;
    docs[slot] = doc;
    scores[slot] = score;
    keys[slot] = key;
    ids[slot] = id;
    tierOf[slot] = tier;
  };
  for (let s = 0; s < matches.length; s++) {
    const set = matches[s];
    const dates = snapshot.segments[s].segment.columns.date;
    const segment = snapshot.segments[s].segment;
    const tiers = set.tiers;
    for (let i = 0; i < set.docs.length; i++) {
      const doc = set.docs[i];
      const score = set.scores[i];
      // Pruned by the executor (pruning.ts): it guarantees k better documents.
      if (score === -Infinity) continue;
      const date = dates[doc];
      // The tier (tiered matching) first; documents without a date sort last in both date orders.
      const key = orderKey(tiers ? tiers[i] : 0, date, order);
      if (size < capacity) {
        store(size, s, doc, score, key, undefined, tiers ? tiers[i] : 0);
        heap[size] = size;
        up(size++);
        continue;
      }
      const worst = heap[0];
      if (key < keys[worst] || (key === keys[worst] && score < scores[worst])) continue;
      let id: string | undefined;
      if (key === keys[worst] && score === scores[worst]) {
        id = segment.id(doc);
        if (!(id < idOf(worst))) continue;
      }
      store(worst, s, doc, score, key, id, tiers ? tiers[i] : 0);
      down(0);
    }
  }
  const ranked = Array.from(heap.subarray(0, size)).sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  return ranked.map((slot) => ({ segment: segs[slot], doc: docs[slot], score: scores[slot], tier: tierOf[slot] }));
}

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
}

interface Entry extends Collected {
  key: number;
  id?: string;
}

/** The first `limit` matches in `order`. */
export function collectTop(snapshot: IndexSnapshot, matches: MatchSets, limit: number, order: SortOrder): Collected[] {
  if (limit <= 0) return [];
  const idOf = (e: Entry) => (e.id ??= snapshot.segments[e.segment].segment.id(e.doc));
  // `key` is compared first (greater is better), then score, then id (smaller is better).
  const better = (a: Entry, b: Entry): boolean => {
    if (a.key !== b.key) return a.key > b.key;
    if (a.score !== b.score) return a.score > b.score;
    return idOf(a) < idOf(b);
  };
  const heap: Entry[] = []; // min-heap: heap[0] is the worst kept entry
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
      if (l < heap.length && better(heap[w], heap[l])) w = l;
      if (r < heap.length && better(heap[w], heap[r])) w = r;
      if (w === i) return;
      [heap[w], heap[i]] = [heap[i], heap[w]];
      i = w;
    }
  };
  matches.forEach((set, s) => {
    const dates = snapshot.segments[s].segment.columns.date;
    for (let i = 0; i < set.docs.length; i++) {
      const doc = set.docs[i];
      const date = dates[doc];
      // Documents without a date sort last in both date orders.
      const key = order === 'relevance' ? 0 : date === NO_DATE ? -Infinity : order === 'date_desc' ? date : -date;
      const e: Entry = { segment: s, doc, score: set.scores[i], key };
      if (heap.length < limit) {
        heap.push(e);
        up(heap.length - 1);
      } else if (better(e, heap[0])) {
        heap[0] = e;
        down(0);
      }
    }
  });
  return heap.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0)).map(({ segment, doc, score }) => ({ segment, doc, score }));
}

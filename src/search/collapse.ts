/**
 * Collapsing duplicates at query time: one hit per story (stories.ts), the best-ranked copy, with
 * the other copies of its story that match the query as its `duplicates`.
 *
 * Owns: choosing the story leaders of a ranked list and listing each leader's matching copies in
 * hit order. Must not: match, score, read stored documents or decide how many to collect (the
 * searcher grows its window until enough stories are found).
 */
import type { IndexSnapshot } from '../index/reader.js';
import { orderKey, type Collected, type SortOrder } from './collector.js';
import type { MatchSets } from './executor.js';
import type { Stories } from './stories.js';

/** A document of the snapshot. */
export interface DocRef {
  segment: number;
  doc: number;
}

/**
 * The entries of `ranked` that are the best-ranked copy of their story, in order, until `need`
 * are found (all of them when fewer).
 */
export function storyLeaders<T extends Collected>(stories: Stories, ranked: readonly T[], need: number): T[] {
  if (stories.groups === 0) return ranked.slice(0, need);
  const { stamps, stamp } = stories.nextStamp();
  const out: T[] = [];
  for (const r of ranked) {
    if (out.length >= need) break;
    const g = stories.group(r.segment, r.doc);
    if (g >= 0) {
      if (stamps[g] === stamp) continue;
      stamps[g] = stamp;
    }
    out.push(r);
  }
  return out;
}

/**
 * For each of `hits` (story leaders), the other copies of its story among `matches`, in hit order:
 * first as they come in `ranked` (the hits' order, proximity included), then the others by the
 * collector's order (tier, date in a date order, score, id). A copy that dynamic pruning left
 * unscored (score -Infinity, far below the hits) comes after the scored ones, by id.
 * Cost: one pass over the matches of the segments that have groups.
 */
export function copiesOf(snapshot: IndexSnapshot, stories: Stories, matches: MatchSets, hits: readonly DocRef[], ranked: readonly DocRef[], order: SortOrder): DocRef[][] {
  const out: DocRef[][] = hits.map(() => []);
  if (stories.groups === 0) return out;
  const slot = new Map<number, number>();
  hits.forEach((h, i) => {
    const g = stories.group(h.segment, h.doc);
    if (g >= 0) slot.set(g, i);
  });
  if (slot.size === 0) return out;
  const { stamps, stamp } = stories.nextStamp();
  for (const g of slot.keys()) stamps[g] = stamp;
  const isHit = new Set(hits.map((h) => `${h.segment}:${h.doc}`));
  interface Copy extends DocRef {
    key: number;
    score: number;
    position: number;
  }
  const found: Copy[][] = hits.map(() => []);
  const where = new Map<string, Copy>();
  for (let s = 0; s < matches.length; s++) {
    const groupOf = stories.groupOf[s];
    if (!groupOf) continue;
    const { docs, scores, tiers } = matches[s];
    const dates = snapshot.segments[s].segment.columns.date;
    for (let i = 0; i < docs.length; i++) {
      const g = groupOf[docs[i]];
      if (g < 0 || stamps[g] !== stamp) continue;
      const name = `${s}:${docs[i]}`;
      if (isHit.has(name)) continue;
      const copy: Copy = { segment: s, doc: docs[i], key: orderKey(tiers ? tiers[i] : 0, dates[docs[i]], order), score: scores[i], position: Infinity };
      found[slot.get(g)!].push(copy);
      where.set(name, copy);
    }
  }
  ranked.forEach((r, i) => {
    const copy = where.get(`${r.segment}:${r.doc}`);
    if (copy && copy.position === Infinity) copy.position = i;
  });
  const id = (c: Copy) => snapshot.segments[c.segment].segment.id(c.doc);
  found.forEach((copies, i) => {
    copies.sort((a, b) => a.position - b.position || b.key - a.key || (a.score === b.score ? 0 : a.score === -Infinity ? 1 : b.score === -Infinity ? -1 : b.score - a.score) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
    out[i] = copies.map(({ segment, doc }) => ({ segment, doc }));
  });
  return out;
}

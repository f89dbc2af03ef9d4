/**
 * Duplicate groups of a snapshot, for collapsing a story's copies into one hit.
 *
 * A document's story key is its `duplicateOf` (the `story` keyword column) or, when it has none,
 * its own id. A group is a story key shared by more than one document of the snapshot: the
 * original (the document whose id is the key, when it exists) and its copies. Each segment's
 * `story` column has its own sorted dictionary, so the groups are numbered here once per snapshot
 * (cached, as a snapshot never changes): per segment, an Int32Array from local document to group
 * number, -1 for a document alone in its story. Only segments with grouped documents get an array.
 * Groups are not transitive: a copy's key is its own `duplicateOf`, never that of its original.
 *
 * Owns: story keys -> group numbers, and counting distinct stories of a match set. Must not:
 * match, rank or read stored documents.
 */
import type { IndexSnapshot } from '../index/reader.js';
import type { MatchSets } from './executor.js';

export class Stories {
  /** Number of groups (story keys with at least one copy). 0: every document is its own story. */
  readonly groups: number;
  /** Per segment: group number of each local document (-1: alone), or null when none is grouped. */
  readonly groupOf: Array<Int32Array | null>;
  /** The story key of each group. */
  readonly keys: readonly string[];
  /** Scratch stamps per group (see {@link distinct}); a search is synchronous, so one per snapshot is enough. */
  private readonly stamps: Uint32Array;
  private generation = 0;

  private constructor(snapshot: IndexSnapshot) {
    const keyOf = new Map<string, number>();
    const keys: string[] = [];
    const perSegmentDict: Int32Array[] = [];
    for (const { segment } of snapshot.segments) {
      const { dict } = segment.columns.keyword.story;
      const toGroup = new Int32Array(dict.size);
      for (let i = 0; i < dict.size; i++) {
        const key = dict.get(i);
        let g = keyOf.get(key);
        if (g === undefined) keyOf.set(key, (g = keys.push(key) - 1));
        toGroup[i] = g;
      }
      perSegmentDict.push(toGroup);
    }
    const groupOf: Array<Int32Array | null> = snapshot.segments.map(() => null);
    const arrayOf = (s: number): Int32Array => (groupOf[s] ??= new Int32Array(snapshot.segments[s].segment.docCount).fill(-1));
    snapshot.segments.forEach(({ segment }, s) => {
      const { offsets, values } = segment.columns.keyword.story;
      if (values.length === 0) return;
      const out = arrayOf(s);
      const toGroup = perSegmentDict[s];
      for (let d = 0; d < segment.docCount; d++) if (offsets[d + 1] > offsets[d]) out[d] = toGroup[values[offsets[d]]];
    });
    // The originals: documents whose own id is a key (and that are not themselves copies).
    keys.forEach((key, g) => {
      snapshot.segments.forEach(({ segment }, s) => {
        const { offsets } = segment.columns.keyword.story;
        for (const d of segment.docsWithId(key)) if (offsets[d + 1] === offsets[d]) arrayOf(s)[d] = g;
      });
    });
    this.groups = keys.length;
    this.groupOf = groupOf;
    this.keys = keys;
    this.stamps = new Uint32Array(keys.length);
  }

  private static readonly cache = new WeakMap<IndexSnapshot, Stories>();

  static of(snapshot: IndexSnapshot): Stories {
    let stories = Stories.cache.get(snapshot);
    if (!stories) {
      stories = new Stories(snapshot);
      Stories.cache.set(snapshot, stories);
    }
    return stories;
  }

  /** Group of document `doc` of segment `s`, or -1 when it is alone in its story. */
  group(s: number, doc: number): number {
    const g = this.groupOf[s];
    return g ? g[doc] : -1;
  }

  /** A fresh stamp for marking groups (a search's scratch); stamps of older marks no longer match. */
  nextStamp(): { stamps: Uint32Array; stamp: number } {
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
    return { stamps: this.stamps, stamp: this.generation };
  }

  /** Distinct stories among `matches`: articles minus the copies of a group already counted. Cost: one pass over the matches of segments with groups. */
  distinct(matches: MatchSets): number {
    let n = 0;
    for (const m of matches) n += m.docs.length;
    if (this.groups === 0) return n;
    const { stamps, stamp } = this.nextStamp();
    for (let s = 0; s < matches.length; s++) {
      const groupOf = this.groupOf[s];
      if (!groupOf) continue;
      const docs = matches[s].docs;
      for (let i = 0; i < docs.length; i++) {
        const g = groupOf[docs[i]];
        if (g < 0) continue;
        if (stamps[g] === stamp) n--;
        else stamps[g] = stamp;
      }
    }
    return n;
  }
}

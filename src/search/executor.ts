/**
 * Query execution: matches a plan against every segment of a snapshot and scores the matches.
 *
 * Two phases, so statistics are collection-wide: (1) for every leaf, segment and field, find the
 * documents whose field contains the leaf's characters (substring postings) and the word postings
 * of its words; sum their document frequencies over segments. (2) Score each match with BM25
 * (see bm25.ts) and combine leaves by the plan: a group intersects (op=and) or unites (op=or) its
 * clauses and subtracts the excluded ones; OR unites. Deleted documents are dropped last.
 *
 * Scoring of a word leaf in a field: a document where jieba produced the word is scored by the
 * word's BM25; a document that contains the characters only inside other words (e.g. 和服 in
 * 和服务) still matches, with `substringWeight` x BM25 of the substring's own statistics.
 * A phrase is scored like Lucene's phrase query: tf = occurrences of the phrase, idf = sum of the
 * idf of its words.
 *
 * Owns: matching and scoring. Must not: parse, sort, paginate or read stored documents.
 */
import type { IndexSnapshot } from '../index/reader.js';
import type { PostingList } from '../index/postings.js';
import type { FieldName, RankingOptions } from '../index/schema.js';
import { bm25Norm, idf, termWeight } from './bm25.js';
import { addSetScores, all, EMPTY, filter, intersectUnions, subtract, unionAll, type DocSet } from './doc-set.js';
import { addFieldScores, scoreAll, type FieldScorer } from './field-scorer.js';
import { prunedUnion } from './pruning.js';
import type { Leaf, Plan, PlanNode } from './plan.js';
import { PostingsCache } from './postings-cache.js';
import { matchSubstring } from './substring.js';

export type Op = 'and' | 'or';

/** Per segment, the documents a query matches, with scores. */
export type MatchSets = DocSet[];

interface LeafFieldData {
  substring: PostingList;
  /** Word postings of each of the leaf's words (same order as `leaf.words`), or null if absent. */
  words: Array<PostingList | null>;
}

/**
 * What the caller will collect, so that a ranked OR can be pruned (pruning.ts): the best `k` of
 * the documents that are not deleted and not `rejected` (non-zero for each document of `docs`
 * that the caller will filter out). Documents that cannot be among them keep their place in the
 * match set with the score -Infinity.
 */
export interface TopK {
  k: number;
  rejected: ((segment: number, docs: Int32Array) => Uint8Array) | null;
}

/**
 * Matches `plan` in every segment, decoding through `postings` (within its budget); scores
 * exhaustively unless `top` is given.
 */
export function execute(
  snapshot: IndexSnapshot,
  plan: Plan,
  op: Op,
  ranking: RankingOptions,
  postings: PostingsCache,
  top: TopK | null = null,
): MatchSets {
  const budget = postings.budget;
  // Phase 1: postings per leaf, segment, field; and collection-wide document frequencies.
  const data: Array<Array<Map<FieldName, LeafFieldData>>> = plan.leaves.map(() => []);
  const substringDf = plan.leaves.map(() => new Map<FieldName, number>());
  const wordDf = plan.leaves.map((l) => l.words.map(() => new Map<FieldName, number>()));
  for (const leaf of plan.leaves) {
    snapshot.segments.forEach(({ segment }, s) => {
      const perField = new Map<FieldName, LeafFieldData>();
      for (const f of leaf.fields) {
        budget.check();
        const field = segment.fields[f];
        const words = leaf.words.map((w) => {
          const ord = field.words.lookup(w);
          return ord < 0 ? null : postings.postings(field.words, ord);
        });
        // A word leaf scores documents having the word by its word frequency, so they need no position check.
        const known = leaf.kind === 'word' ? words[0]?.docs : undefined;
        const substring = matchSubstring(field.grams, leaf.chars, postings, known);
        perField.set(f, { substring, words });
        add(substringDf[leaf.id], f, substring.docs.length);
        words.forEach((p, i) => add(wordDf[leaf.id][i], f, p ? p.docs.length : 0));
      }
      data[leaf.id][s] = perField;
    });
  }

  // Phase 2: score and combine, segment by segment.
  return snapshot.segments.map(({ segment, deleted }, s) => {
    /** How each field of a leaf scores its documents (fields where it matches nothing left out). */
    const scorers = (leaf: Leaf): FieldScorer[] => {
      const out: FieldScorer[] = [];
      for (const f of leaf.fields) {
        const { substring, words } = data[leaf.id][s].get(f)!;
        if (!substring.docs.length) continue;
        const stats = snapshot.stats[f];
        const { norms, minNorm } = normsOf(snapshot, s, f, ranking);
        const weight = (idfValue: number) => termWeight(ranking.boosts[f], idfValue, ranking.k1);
        const subIdf = idf(stats.docsWithField, substringDf[leaf.id].get(f)!);
        if (leaf.kind === 'word') {
          const wordIdf = idf(stats.docsWithField, wordDf[leaf.id][0].get(f)!);
          out.push({ substring, word: words[0], norms, minNorm, wordWeight: weight(wordIdf), substringWeight: ranking.substringWeight * weight(subIdf) });
        } else {
          let phraseIdf = 0;
          leaf.words.forEach((_, i) => {
            const df = wordDf[leaf.id][i].get(f)!;
            phraseIdf += idf(stats.docsWithField, df > 0 ? df : substringDf[leaf.id].get(f)!);
          });
          if (!leaf.words.length) phraseIdf = subIdf;
          out.push({ substring, word: null, norms, minNorm, wordWeight: 0, substringWeight: weight(phraseIdf) });
        }
      }
      return out;
    };
    /** The scored documents of a leaf, one set per field. */
    const fieldSets = (leaf: Leaf): DocSet[] => scorers(leaf).map(scoreAll);

    /**
     * An AND of clauses: the document lists are intersected first, and only the documents in all
     * of them are scored (a leaf's fields are looked up per document, not scored in full).
     */
    const intersectOf = (nodes: PlanNode[]): DocSet => {
      const parts = nodes.map((n) => (n.type === 'leaf' ? { fields: scorers(n.leaf), set: null } : { fields: null, set: evaluate(n) }));
      const docs = intersectUnions(parts.map((p) => (p.set ? [p.set.docs] : p.fields!.map((f) => f.substring.docs))));
      const scores = new Float64Array(docs.length);
      for (const p of parts) {
        if (p.set) addSetScores(p.set, docs, scores);
        else for (const f of p.fields!) addFieldScores(f, docs, scores);
      }
      return { docs, scores };
    };
    const union = (sets: DocSet[]) => (sets.length ? unionAll(sets, segment.docCount) : EMPTY);
    /** A union of clauses sums the field sets of leaf clauses directly, with no set per leaf. */
    const unionOf = (nodes: PlanNode[]) => union(nodes.flatMap((n) => (n.type === 'leaf' ? fieldSets(n.leaf) : [evaluate(n)])));

    const evaluate = (node: PlanNode): DocSet => {
      budget.check();
      switch (node.type) {
        case 'leaf':
          return union(fieldSets(node.leaf));
        case 'not':
          return subtract(all(segment.docCount), evaluate(node.child));
        case 'or':
          return unionOf(node.children);
        case 'group': {
          let result: DocSet;
          if (!node.positive.length) result = all(segment.docCount);
          else result = op === 'and' ? intersectOf(node.positive) : unionOf(node.positive);
          for (const n of node.negated) result = subtract(result, evaluate(n));
          return result;
        }
      }
    };

    /** A ranked OR of leaves at the root, pruned to what can reach the top k. */
    const pruned = (root: PlanNode): DocSet | null => {
      if (!top || top.k <= 0) return null;
      const clauses = root.type === 'or' ? root.children : root.type === 'group' && op === 'or' && !root.negated.length ? root.positive : null;
      if (!clauses || clauses.length < 2 || !clauses.every((c) => c.type === 'leaf')) return null;
      const rejected = top.rejected;
      const admissible = (docs: Int32Array): Uint8Array => {
        const out = rejected ? rejected(s, docs) : new Uint8Array(docs.length);
        if (deleted) for (let i = 0; i < docs.length; i++) out[i] |= deleted[docs[i]];
        return out;
      };
      return prunedUnion(
        clauses.map((c) => scorers((c as { leaf: Leaf }).leaf)),
        segment.docCount,
        top.k,
        admissible,
      );
    };

    const matched = plan.root ? (pruned(plan.root) ?? evaluate(plan.root)) : all(segment.docCount);
    return deleted ? filter(matched, (doc) => !deleted[doc]) : matched;
  });
}

/** BM25's length normalization per document of a segment's field, k1 * (1 - b + b * dl / avgdl), computed once per snapshot. */
const normCache = new WeakMap<IndexSnapshot, Map<string, Norms>>();

interface Norms {
  norms: Float64Array;
  minNorm: number;
}

function normsOf(snapshot: IndexSnapshot, s: number, f: FieldName, ranking: RankingOptions): Norms {
  let bySegment = normCache.get(snapshot);
  if (!bySegment) normCache.set(snapshot, (bySegment = new Map()));
  const key = `${s}\u0000${f}\u0000${ranking.k1}\u0000${ranking.b}`;
  let cached = bySegment.get(key);
  if (!cached) {
    const lengths = snapshot.segments[s].segment.fields[f].lengths;
    const norms = new Float64Array(lengths.length);
    let minNorm = Infinity;
    for (let d = 0; d < lengths.length; d++) {
      norms[d] = bm25Norm(lengths[d], snapshot.stats[f].avgLength, ranking.k1, ranking.b);
      if (norms[d] < minNorm) minNorm = norms[d];
    }
    cached = { norms, minNorm };
    // Requests with their own k1 or b do not grow the cache without bound.
    if (bySegment.size < 64) bySegment.set(key, cached);
  }
  return cached;
}

function add(m: Map<FieldName, number>, f: FieldName, n: number): void {
  m.set(f, (m.get(f) ?? 0) + n);
}

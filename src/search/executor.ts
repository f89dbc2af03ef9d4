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
import { bm25, idf } from './bm25.js';
import { all, EMPTY, intersect, filter, subtract, union, type DocSet } from './doc-set.js';
import type { Leaf, Plan, PlanNode } from './plan.js';
import { Deadline } from './deadline.js';
import { matchSubstring } from './substring.js';

export type Op = 'and' | 'or';

/** Per segment, the documents a query matches, with scores. */
export type MatchSets = DocSet[];

interface LeafFieldData {
  substring: PostingList;
  /** Word postings of each of the leaf's words (same order as `leaf.words`), or null if absent. */
  words: Array<PostingList | null>;
}

/** Matches `plan` in every segment, within `deadline`. */
export function execute(
  snapshot: IndexSnapshot,
  plan: Plan,
  op: Op,
  ranking: RankingOptions,
  deadline: Deadline = Deadline.NONE,
): MatchSets {
  // Phase 1: postings per leaf, segment, field; and collection-wide document frequencies.
  const data: Array<Array<Map<FieldName, LeafFieldData>>> = plan.leaves.map(() => []);
  const substringDf = plan.leaves.map(() => new Map<FieldName, number>());
  const wordDf = plan.leaves.map((l) => l.words.map(() => new Map<FieldName, number>()));
  for (const leaf of plan.leaves) {
    snapshot.segments.forEach(({ segment }, s) => {
      const perField = new Map<FieldName, LeafFieldData>();
      for (const f of leaf.fields) {
        deadline.check();
        const field = segment.fields[f];
        const words = leaf.words.map((w) => {
          const ord = field.words.lookup(w);
          return ord < 0 ? null : field.words.postings(ord);
        });
        // A word leaf scores documents having the word by its word frequency, so they need no position check.
        const known = leaf.kind === 'word' ? words[0]?.docs : undefined;
        const substring = matchSubstring(field.grams, leaf.chars, deadline, known);
        perField.set(f, { substring, words });
        add(substringDf[leaf.id], f, substring.docs.length);
        words.forEach((p, i) => add(wordDf[leaf.id][i], f, p ? p.docs.length : 0));
      }
      data[leaf.id][s] = perField;
    });
  }

  // Phase 2: score and combine, segment by segment.
  return snapshot.segments.map(({ segment, deleted }, s) => {
    const leafSet = (leaf: Leaf): DocSet => {
      let out = EMPTY;
      for (const f of leaf.fields) {
        const { substring, words } = data[leaf.id][s].get(f)!;
        if (!substring.docs.length) continue;
        const stats = snapshot.stats[f];
        const lengths = segment.fields[f].lengths;
        const boost = ranking.boosts[f];
        const subIdf = idf(stats.docsWithField, substringDf[leaf.id].get(f)!);
        const scores = new Float64Array(substring.docs.length);
        if (leaf.kind === 'word') {
          const wordIdf = idf(stats.docsWithField, wordDf[leaf.id][0].get(f)!);
          const wp = words[0];
          let j = 0;
          for (let i = 0; i < substring.docs.length; i++) {
            const doc = substring.docs[i];
            while (wp && j < wp.docs.length && wp.docs[j] < doc) j++;
            const dl = lengths[doc];
            scores[i] =
              wp && j < wp.docs.length && wp.docs[j] === doc
                ? bm25(wp.freqs[j], dl, stats.avgLength, wordIdf, ranking.k1, ranking.b, boost)
                : ranking.substringWeight * bm25(substring.freqs[i], dl, stats.avgLength, subIdf, ranking.k1, ranking.b, boost);
          }
        } else {
          let phraseIdf = 0;
          leaf.words.forEach((_, i) => {
            const df = wordDf[leaf.id][i].get(f)!;
            phraseIdf += idf(stats.docsWithField, df > 0 ? df : substringDf[leaf.id].get(f)!);
          });
          if (!leaf.words.length) phraseIdf = subIdf;
          for (let i = 0; i < substring.docs.length; i++) {
            scores[i] = bm25(substring.freqs[i], lengths[substring.docs[i]], stats.avgLength, phraseIdf, ranking.k1, ranking.b, boost);
          }
        }
        out = union(out, { docs: substring.docs, scores });
      }
      return out;
    };

    const evaluate = (node: PlanNode): DocSet => {
      deadline.check();
      switch (node.type) {
        case 'leaf':
          return leafSet(node.leaf);
        case 'not':
          return subtract(all(segment.docCount), evaluate(node.child));
        case 'or':
          return node.children.map(evaluate).reduce(union);
        case 'group': {
          let result: DocSet;
          if (!node.positive.length) result = all(segment.docCount);
          // Combined in query order, so a document's score is the same sum however the index is segmented.
          else if (op === 'and') result = node.positive.map(evaluate).reduce(intersect);
          else result = node.positive.map(evaluate).reduce(union);
          for (const n of node.negated) result = subtract(result, evaluate(n));
          return result;
        }
      }
    };

    const matched = plan.root ? evaluate(plan.root) : all(segment.docCount);
    return deleted ? filter(matched, (doc) => !deleted[doc]) : matched;
  });
}

function add(m: Map<FieldName, number>, f: FieldName, n: number): void {
  m.set(f, (m.get(f) ?? 0) + n);
}

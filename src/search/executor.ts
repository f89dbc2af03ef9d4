/**
 * Query execution: matches a plan against every segment of a snapshot and scores the matches.
 *
 * Two phases, so statistics are collection-wide: (1) for every leaf, segment and field, find the
 * documents whose field contains the leaf's characters (substring postings) and the word postings
 * of its words; sum their document frequencies over segments. (2) Score each match with BM25
 * (see bm25.ts) and combine leaves by the plan: a group intersects (op=and) or unites (op=or) its
 * clauses and subtracts the excluded ones; OR unites. Under op=auto, and for an op=and that found
 * nothing, the root's clauses are tiered (tiers.ts): ordered by how many documents they match over
 * the whole index, common ones set aside (op=auto), each document given its tier. Deleted
 * documents are dropped last. The execution can also explain a document's score, term by term.
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
import { ArrayCursor, cursorOf, sizeOf, type PostingCursor, type PostingList } from '../index/postings.js';
import { FIELDS, type FieldName, type RankingOptions } from '../index/schema.js';
import { bm25Norm, idf, termWeight } from './bm25.js';
import { addSetScores, all, EMPTY, filter, gallop, intersectUnions, subtract, unionAll, unionDocs, type DocSet } from './doc-set.js';
import { addFieldScores, addFieldScoresWith, scoreAll, type FieldScorer } from './field-scorer.js';
import { prunedUnion } from './pruning.js';
import { describeLeaf, positiveLeaves, type Leaf, type Plan, type PlanNode } from './plan.js';
import { lowestTierToScore, scoreTiers, segmentTiers, tierCounts, type TierClause } from './tiers.js';
import { PostingsCache } from './postings-cache.js';
import { matchSubstring } from './substring.js';

/**
 * How juxtaposed clauses combine: every one must match (`and`), any (`or`), or tiered (`auto`,
 * the default: documents with every clause first, then fewer, see tiers.ts).
 */
export type Op = 'and' | 'or' | 'auto';

/** Per segment, the documents a query matches, with scores. */
export type MatchSets = DocSet[];

/** What {@link execute} found. */
export interface Execution {
  sets: MatchSets;
  /**
   * Under tiered matching: the root's clauses that match something, most informative first (tier
   * t = the first t of them), and those that match nothing anywhere. Null otherwise.
   */
  tiers: {
    ordered: PlanNode[];
    unmatched: PlanNode[];
    /** The counted clauses document `doc` of segment `s` lacks, least informative first. */
    lacking(s: number, doc: number): PlanNode[];
    /** True for prefix tiers (a relaxed AND: tier t = the first t of `ordered`), false for counts. */
    prefix: boolean;
  } | null;
  /** The contributions of each query term and field to the score of document `doc` of segment `s` (see explain.ts). */
  explain(s: number, doc: number): Contribution[];
}

/** One term's BM25 score in one field of one document: boost * idf * (k1 + 1) * tf / (tf + norm). */
export interface Contribution {
  /** The term or "phrase", as `query.terms` shows it. */
  term: string;
  field: FieldName;
  /** `word`: jieba produced the word; `substring`: its characters inside other words (weighted); `phrase`: the phrase's occurrences. */
  match: 'word' | 'substring' | 'phrase';
  tf: number;
  idf: number;
  boost: number;
  /** k1 * (1 - b + b * dl / avgdl). */
  norm: number;
  score: number;
}

interface LeafFieldData {
  substring: PostingList;
  /** Word postings of each of the leaf's words (same order as `leaf.words`), or null if absent. */
  words: Array<PostingList | null>;
}

/** What the caller will collect, so that work on documents that cannot be among them is skipped. */
export interface Collect {
  /**
   * The best `k` are wanted (a ranked OR is pruned, pruning.ts; tiers below those that fill `k`
   * are not scored, tiers.ts); null: every match is scored.
   */
  k: number | null;
  /** Non-zero for each document of `docs` that the caller will filter out; null when none is. */
  rejected: ((segment: number, docs: Int32Array) => Uint8Array) | null;
  /** Under tiered matching, keep only the best tier that has a document that counts (a relaxed AND). */
  bestTierOnly?: boolean;
  /**
   * Intersections probe the longer lists block by block, decoding only the blocks that can hold
   * a document of the shortest (postings.ts BlockPostings); false decodes every list whole (the
   * exhaustive reference the tests compare with).
   */
  skipBlocks?: boolean;
}

/** A list is probed block by block when it has this many times more documents than the candidates (executor's intersections). */
const SPARSE = 16;

/** A word in fewer documents than this is never common (a small collection has no common words). */
export const MIN_COMMON_DOCUMENTS = 50;

/** Matches `plan` in every segment, decoding through `postings` (within its budget). */
export function execute(snapshot: IndexSnapshot, plan: Plan, op: Op, ranking: RankingOptions, postings: PostingsCache, collect: Collect = { k: null, rejected: null }): Execution {
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
        const known = leaf.kind === 'word' ? (words[0] ?? undefined) : undefined;
        const substring = matchSubstring(field.grams, leaf.chars, postings, known);
        perField.set(f, { substring, words });
        add(substringDf[leaf.id], f, sizeOf(substring));
        words.forEach((p, i) => add(wordDf[leaf.id][i], f, p ? sizeOf(p) : 0));
      }
      data[leaf.id][s] = perField;
    });
  }

  /** Documents that count in segment `s`: not deleted, not rejected by the caller. */
  const admissible = (s: number, docs: Int32Array): Uint8Array => {
    const out = collect.rejected ? collect.rejected(s, docs) : new Uint8Array(docs.length);
    const deleted = snapshot.segments[s].deleted;
    if (deleted) for (let i = 0; i < docs.length; i++) out[i] |= deleted[docs[i]];
    return out;
  };

  /** How the clauses of segment `s` match and score. */
  const segmentMatcher = (s: number) => {
    const { segment } = snapshot.segments[s];
    /** How each field of a leaf scores its documents (fields where it matches nothing left out). */
    const scorers = (leaf: Leaf): FieldScorer[] => {
      const out: FieldScorer[] = [];
      for (const f of leaf.fields) {
        const { substring, words } = data[leaf.id][s].get(f)!;
        if (!sizeOf(substring)) continue;
        const stats = snapshot.stats[f];
        const { norms, minNorm } = normsOf(snapshot, s, f, ranking);
        const weight = (idfValue: number) => (leaf.boost ?? 1) * termWeight(ranking.boosts[f], idfValue, ranking.k1);
        const subIdf = idf(stats.docsWithField, substringDf[leaf.id].get(f)!);
        if (leaf.kind === 'word') {
          const wordIdf = idf(stats.docsWithField, wordDf[leaf.id][0].get(f)!);
          out.push({ substring, word: words[0], norms, minNorm, wordWeight: weight(wordIdf), substringWeight: (leaf.substringWeight ?? ranking.substringWeight) * weight(subIdf), field: f, wordIdf, substringIdf: subIdf });
        } else {
          let phraseIdf = 0;
          leaf.words.forEach((_, i) => {
            const df = wordDf[leaf.id][i].get(f)!;
            phraseIdf += idf(stats.docsWithField, df > 0 ? df : substringDf[leaf.id].get(f)!);
          });
          if (!leaf.words.length) phraseIdf = subIdf;
          out.push({ substring, word: null, norms, minNorm, wordWeight: 0, substringWeight: (leaf.substringWeight ?? 1) * weight(phraseIdf), field: f, wordIdf: 0, substringIdf: phraseIdf });
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
      if (!collect.skipBlocks) {
        const docs = intersectUnions(parts.map((p) => (p.set ? [p.set.docs] : p.fields!.map((f) => f.substring.docs))));
        const scores = new Float64Array(docs.length);
        for (const p of parts) {
          if (p.set) addSetScores(p.set, docs, scores);
          else for (const f of p.fields!) addFieldScores(f, docs, scores);
        }
        return { docs, scores };
      }
      // The part with the fewest documents is decoded whole; the others are probed with cursors,
      // which skip the blocks that cannot hold any of its documents.
      const size = (p: (typeof parts)[number]) => (p.set ? p.set.docs.length : p.fields!.reduce((n, f) => n + sizeOf(f.substring), 0));
      const order = parts.map((_, i) => i).sort((a, b) => size(parts[a]) - size(parts[b]));
      const lead = parts[order[0]];
      let docs = lead.set ? lead.set.docs : unionDocs(lead.fields!.map((f) => f.substring.docs));
      for (let k = 1; k < order.length && docs.length; k++) {
        const p = parts[order[k]];
        // A list much longer than the candidates is probed block by block; a comparable one is
        // decoded whole (most of its blocks hold a candidate, and array search costs less per step).
        const probe = (l: PostingList) => (sizeOf(l) > docs.length * SPARSE ? cursorOf(l) : new ArrayCursor(l));
        docs = keepInAnyCursor(docs, p.set ? [new ArrayCursor({ docs: p.set.docs, freqs: p.set.docs })] : p.fields!.map((f) => probe(f.substring)));
      }
      const scores = new Float64Array(docs.length);
      for (const p of parts) {
        if (p.set) addSetScores(p.set, docs, scores);
        else for (const f of p.fields!) addFieldScoresWith(f, cursorOf(f.substring), f.word ? cursorOf(f.word) : null, docs, scores);
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

    /** A clause as tiering sees it: its document lists and how it scores. */
    const tierClause = (n: PlanNode): TierClause => {
      if (n.type === 'leaf') {
        const fields = scorers(n.leaf);
        return { lists: fields.map((f) => f.substring.docs), addScores: (docs, scores) => fields.forEach((f) => addFieldScores(f, docs, scores)) };
      }
      const set = evaluate(n);
      return { lists: [set.docs], addScores: (docs, scores) => addSetScores(set, docs, scores) };
    };

    /** A ranked OR of leaves at the root, pruned to what can reach the top k. */
    const pruned = (root: PlanNode): DocSet | null => {
      if (collect.k === null || collect.k <= 0) return null;
      const clauses = root.type === 'or' ? root.children : root.type === 'group' && op === 'or' && !root.negated.length ? root.positive : null;
      if (!clauses || clauses.length < 2 || !clauses.every((c) => c.type === 'leaf')) return null;
      return prunedUnion(
        clauses.map((c) => scorers((c as { leaf: Leaf }).leaf)),
        segment.docCount,
        collect.k,
        (docs) => admissible(s, docs),
      );
    };
    return { evaluate, pruned, tierClause, scorers };
  };

  /** Each positive leaf's contribution to the score of document `doc` of segment `s`, per field, in query order. */
  const explain = (s: number, doc: number): Contribution[] => {
    const m = segmentMatcher(s);
    const out: Contribution[] = [];
    for (const leaf of new Set(positiveLeaves(plan.root))) {
      for (const f of m.scorers(leaf)) {
        const i = gallop(f.substring.docs, 0, doc);
        if (i >= f.substring.docs.length || f.substring.docs[i] !== doc) continue;
        const j = f.word ? gallop(f.word.docs, 0, doc) : -1;
        const norm = f.norms[doc];
        const boost = ranking.boosts[f.field];
        if (f.word && j < f.word.docs.length && f.word.docs[j] === doc) {
          const tf = f.word.freqs[j];
          out.push({ term: describeLeaf(leaf), field: f.field, match: 'word', tf, idf: f.wordIdf, boost, norm, score: (f.wordWeight * tf) / (tf + norm) });
        } else {
          const tf = f.substring.freqs[i];
          out.push({ term: describeLeaf(leaf), field: f.field, match: leaf.kind === 'phrase' ? 'phrase' : 'substring', tf, idf: f.substringIdf, boost, norm, score: (f.substringWeight * tf) / (tf + norm) });
        }
      }
    }
    return out;
  };

  const root = plan.root;
  const tiered = root?.type === 'group' && root.positive.length > 1 && (op === 'auto' || (op === 'and' && collect.bestTierOnly));
  if (!root || !tiered) {
    const sets = snapshot.segments.map(({ segment, deleted }, s) => {
      const m = segmentMatcher(s);
      const matched = root ? (m.pruned(root) ?? m.evaluate(root)) : all(segment.docCount);
      return deleted ? filter(matched, (doc) => !deleted[doc]) : matched;
    });
    return { sets, tiers: null, explain };
  }

  // Tiered matching (tiers.ts): clauses by how many documents they match over the whole index.
  const documentsOf = (n: PlanNode): number => {
    const leaves = positiveLeaves(n);
    let most = 0;
    for (const l of leaves) for (const df of substringDf[l.id].values()) most = Math.max(most, df);
    return most;
  };
  const matches = new Map(root.positive.map((n) => [n, documentsOf(n)]));
  const unmatched = root.positive.filter((n) => matches.get(n) === 0);
  const inQueryOrder = root.positive.filter((n) => matches.get(n)! > 0);
  // Under op=auto, common clauses score but neither match nor define tiers, unless every clause
  // is common; a relaxed AND drops every clause in turn, common ones first.
  const common = Math.max(MIN_COMMON_DOCUMENTS, ranking.commonCutoff * Math.max(...FIELDS.map((f) => snapshot.stats[f].docsWithField)));
  const rare = collect.bestTierOnly ? inQueryOrder : inQueryOrder.filter((n) => matches.get(n)! <= common);
  const ordered = [...(rare.length ? rare : inQueryOrder)].sort((a, b) => matches.get(a)! - matches.get(b)!);
  const perSegment = snapshot.segments.map((_, s) => {
    const m = segmentMatcher(s);
    const clauses = new Map(inQueryOrder.map((n) => [n, m.tierClause(n)]));
    let excluded: Int32Array | null = null;
    for (const n of root.negated) excluded = unionDocs(excluded ? [excluded, m.evaluate(n).docs] : [m.evaluate(n).docs]);
    const tiers = segmentTiers(
      ordered.map((n) => clauses.get(n)!),
      excluded,
      (docs) => admissible(s, docs),
      () => budget.check(),
      collect.bestTierOnly ? 'prefix' : 'count',
      snapshot.segments[s].segment.docCount,
    );
    return { clauses: [...clauses.values()], byNode: clauses, tiers };
  });
  const counts = tierCounts(
    perSegment.map((p) => p.tiers),
    ordered.length,
  );
  let best: number | null = null;
  if (collect.bestTierOnly) for (let t = ordered.length; t >= 0 && best === null; t--) if (counts[t] > 0 || t === 0) best = t;
  const lowest = best ?? (collect.k === null ? 0 : lowestTierToScore(counts, collect.k));
  const sets = perSegment.map(({ clauses, tiers }, s) => {
    budget.check();
    const scored = scoreTiers(tiers, clauses, lowest, best);
    const deleted = snapshot.segments[s].deleted;
    return deleted ? filter(scored, (doc) => !deleted[doc]) : scored;
  });
  /** The counted clauses document `doc` of segment `s` lacks, least informative first. */
  const lacking = (s: number, doc: number): PlanNode[] =>
    ordered
      .filter((n) => !perSegment[s].byNode.get(n)!.lists.some((l) => {
        const i = gallop(l, 0, doc);
        return i < l.length && l[i] === doc;
      }))
      .reverse();
  return { sets, tiers: { ordered, unmatched, lacking, prefix: collect.bestTierOnly === true }, explain };
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

/** The documents of sorted `docs` that some cursor has (cursors only move forward). */
function keepInAnyCursor(docs: Int32Array, cursors: PostingCursor[]): Int32Array {
  const out = new Int32Array(docs.length);
  let n = 0;
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i];
    for (let k = 0; k < cursors.length; k++) {
      if (cursors[k].seek(doc) === doc) {
        out[n++] = doc;
        break;
      }
    }
  }
  return out.subarray(0, n);
}

function add(m: Map<FieldName, number>, f: FieldName, n: number): void {
  m.set(f, (m.get(f) ?? 0) + n);
}

/**
 * Query planning: the parsed query tree, analyzed into leaves the executor can match.
 *
 * A `text` node becomes one leaf per query term (precise jieba cut); a phrase becomes one leaf
 * that matches its characters consecutively. Leaves carry the searchable characters used for
 * matching and the words used for scoring.
 *
 * Stop words (analysis/stopwords.ts): a word leaf on the stop list is left out of a group that
 * has other clauses (it never decides a match) and listed in {@link Plan.stopWords}; a phrase
 * keeps all its words, and a query of stop words only still searches them.
 *
 * Bounded cost: identical leaves (same kind, field and characters) are planned once and shared,
 * identical sibling clauses are kept once (`的 的 的` is `的`), and a query keeps at most
 * {@link MAX_QUERY_TERMS} distinct terms and phrases: the most informative ones, by the weight
 * the caller gives (search: inverse document frequency x occurrences in the query, as Lucene's
 * MoreLikeThis chooses terms), ties by position; the others are listed in {@link Plan.ignored}.
 * A pasted paragraph keeps 醉酒 and 刑事责任, not its first 64 words.
 *
 * Owns: turning syntax into leaves. Must not: read postings.
 */
import { queryChars, type Analyzer } from '../analysis/analyzer.js';
import { FIELDS, type FieldName } from '../index/schema.js';
import type { QueryNode } from './query-parser.js';

export interface Leaf {
  /** Index in {@link Plan.leaves}. */
  id: number;
  kind: 'word' | 'phrase';
  /** The term (normalized) or the phrase as written. */
  text: string;
  /** Searchable characters to match consecutively. */
  chars: string[];
  /** Words whose statistics score the leaf: the term itself, or the phrase's words. */
  words: string[];
  fields: readonly FieldName[];
  /** Times the query asks for it (a word repeated in a pasted paragraph counts more). */
  count: number;
  /**
   * Weight of documents that have the characters only inside other words (a word leaf) or of every
   * match (a phrase), instead of the ranking's: set low for a short form expanded by a synonym
   * (国图 inside 中国图书 is not 国家图书馆). Undefined: the ranking's.
   */
  substringWeight?: number;
  /** Factor of every score of the leaf (a less common reading of pinyin weighs less); undefined: 1. */
  boost?: number;
}

export type PlanNode =
  | { type: 'leaf'; leaf: Leaf }
  /** Juxtaposed clauses combined by the query op; `negated` are subtracted. */
  | { type: 'group'; positive: PlanNode[]; negated: PlanNode[] }
  | { type: 'or'; children: PlanNode[] }
  | { type: 'not'; child: PlanNode };

export interface Plan {
  root: PlanNode | null;
  leaves: Leaf[];
  /** Terms and phrases left out because the query has more than {@link MAX_QUERY_TERMS} (as `describeLeaf` writes them). */
  ignored: string[];
  /** Stop words left out of matching. */
  stopWords: string[];
}

/** Distinct terms and phrases (leaves) a query keeps; further ones are ignored. */
export const MAX_QUERY_TERMS = 64;

/** How informative a leaf is (higher is kept first). */
export type LeafWeight = (leaf: Leaf) => number;

/** How a leaf is shown to users: `"phrase"`, `title:word` or `word`. */
export function describeLeaf(l: Pick<Leaf, 'kind' | 'text' | 'fields'>): string {
  return l.kind === 'phrase' ? `"${l.text}"` : l.fields.length === 1 ? `${l.fields[0]}:${l.text}` : l.text;
}

/** A structural key of a plan node: equal keys match exactly the same documents with the same scores. */
function nodeKey(n: PlanNode): string {
  switch (n.type) {
    case 'leaf':
      return `L${n.leaf.id}`;
    case 'group':
      return `G(${n.positive.map(nodeKey).join(',')}|${n.negated.map(nodeKey).join(',')})`;
    case 'or':
      return `O(${n.children.map(nodeKey).join(',')})`;
    case 'not':
      return `N(${nodeKey(n.child)})`;
  }
}

/** `nodes` without repeats (the first of equal clauses is kept). */
function unique(nodes: PlanNode[]): PlanNode[] {
  if (nodes.length < 2) return nodes;
  const seen = new Set<string>();
  return nodes.filter((n) => {
    const k = nodeKey(n);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Plans `node`. `weigh` ranks leaves when there are more than `maxTerms` (default: the query's
 * order); the analyzer says which words are stop words.
 */
export function planQuery(
  node: QueryNode | null,
  analyzer: Analyzer,
  weigh: LeafWeight | null = null,
  maxTerms = MAX_QUERY_TERMS,
): Plan {
  const all: Leaf[] = [];
  const byKey = new Map<string, Leaf>();
  const stopWords = new Set<string>();
  const leaf = (kind: Leaf['kind'], text: string, chars: string[], words: string[], field: FieldName | null, count = 1, substringWeight?: number, boost?: number): PlanNode => {
    const fields = field ? [field] : FIELDS;
    const key = [kind, field ?? '*', chars.join('\u0001'), words.join('\u0001'), substringWeight ?? '', boost ?? ''].join('\u0000');
    let l = byKey.get(key);
    if (l) l.count += count;
    else {
      l = { id: all.length, kind, text, chars, words, fields, count, ...(substringWeight !== undefined ? { substringWeight } : {}), ...(boost !== undefined ? { boost } : {}) };
      all.push(l);
      byKey.set(key, l);
    }
    return { type: 'leaf', leaf: l };
  };
  const isStop = (n: PlanNode) => n.type === 'leaf' && n.leaf.kind === 'word' && analyzer.isStopWord(n.leaf.text);
  /** The clauses of a group without its stop words, unless nothing else would be left to match. */
  const withoutStopWords = (positive: PlanNode[]): PlanNode[] => {
    const kept = positive.filter((n) => !isStop(n));
    if (!kept.length) return positive;
    for (const n of positive) if (isStop(n)) stopWords.add(describeLeaf((n as { leaf: Leaf }).leaf));
    return kept;
  };

  const build = (n: QueryNode): PlanNode | null => {
    switch (n.type) {
      case 'text': {
        const counts = new Map<string, number>();
        for (const t of analyzer.queryWords(n.text)) if (queryChars(t).length > 0) counts.set(t, (counts.get(t) ?? 0) + 1);
        const nodes = unique([...counts].map(([t, c]) => leaf('word', t, queryChars(t), [t], n.field, c, n.substringWeight, n.boost)));
        if (!nodes.length) return null;
        return nodes.length === 1 ? nodes[0] : { type: 'group', positive: nodes, negated: [] };
      }
      case 'phrase': {
        const chars = queryChars(n.text);
        if (!chars.length) return null;
        return leaf('phrase', n.text.trim(), chars, analyzer.queryTerms(n.text), n.field, 1, n.substringWeight, n.boost);
      }
      case 'not': {
        const child = build(n.child);
        return child ? { type: 'not', child } : null;
      }
      case 'or': {
        const children = unique(n.children.map(build).filter((c): c is PlanNode => c !== null));
        if (!children.length) return null;
        return children.length === 1 ? children[0] : { type: 'or', children };
      }
      case 'group': {
        let positive: PlanNode[] = [];
        let negated: PlanNode[] = [];
        for (const c of n.children) {
          const p = build(c);
          if (!p) continue;
          if (p.type === 'not') negated.push(p.child);
          else if (p.type === 'group' && !p.negated.length) positive.push(...p.positive);
          else positive.push(p);
        }
        positive = unique(positive);
        negated = unique(negated);
        if (!positive.length && !negated.length) return null;
        if (positive.length === 1 && !negated.length) return positive[0];
        return { type: 'group', positive, negated };
      }
    }
  };
  /** Stop words leave every group that has other clauses (after the groups are flattened). */
  const stop = (n: PlanNode): PlanNode => {
    switch (n.type) {
      case 'leaf':
        return n;
      case 'not':
        return { type: 'not', child: stop(n.child) };
      case 'or':
        return { type: 'or', children: n.children.map(stop) };
      case 'group': {
        const positive = withoutStopWords(n.positive.map(stop));
        const negated = n.negated.map(stop);
        return positive.length === 1 && !negated.length ? positive[0] : { type: 'group', positive, negated };
      }
    }
  };
  const built = node ? build(node) : null;
  const root = built ? stop(built) : null;

  // The leaves still used, at most maxTerms of them: the heaviest, ties by position.
  const used = new Set<Leaf>();
  const collect = (n: PlanNode | null): void => {
    if (!n) return;
    if (n.type === 'leaf') used.add(n.leaf);
    else if (n.type === 'not') collect(n.child);
    else (n.type === 'or' ? n.children : [...n.positive, ...n.negated]).forEach(collect);
  };
  collect(root);
  let kept = [...used].sort((a, b) => a.id - b.id);
  const ignored: string[] = [];
  if (kept.length > maxTerms) {
    const weight = new Map(kept.map((l) => [l, weigh ? weigh(l) : 0]));
    const chosen = new Set([...kept].sort((a, b) => weight.get(b)! - weight.get(a)! || a.id - b.id).slice(0, maxTerms));
    for (const l of kept) if (!chosen.has(l)) ignored.push(describeLeaf(l));
    kept = kept.filter((l) => chosen.has(l));
  }
  // Renumbered in query order.
  const renumbered = new Map(kept.map((l, id) => [l, { ...l, id }]));
  const prune = (n: PlanNode): PlanNode | null => {
    switch (n.type) {
      case 'leaf': {
        const l = renumbered.get(n.leaf);
        return l ? { type: 'leaf', leaf: l } : null;
      }
      case 'not': {
        const child = prune(n.child);
        return child ? { type: 'not', child } : null;
      }
      case 'or': {
        const children = n.children.map(prune).filter((c): c is PlanNode => c !== null);
        return !children.length ? null : children.length === 1 ? children[0] : { type: 'or', children };
      }
      case 'group': {
        const positive = n.positive.map(prune).filter((c): c is PlanNode => c !== null);
        const negated = n.negated.map(prune).filter((c): c is PlanNode => c !== null);
        if (!positive.length && !negated.length) return null;
        return positive.length === 1 && !negated.length ? positive[0] : { type: 'group', positive, negated };
      }
    }
  };
  return { root: root ? prune(root) : null, leaves: [...renumbered.values()], ignored, stopWords: [...stopWords] };
}

/** The leaves a document must or may match (not the excluded ones), for reporting and highlighting. */
export function positiveLeaves(node: PlanNode | null, out: Leaf[] = []): Leaf[] {
  if (!node) return out;
  switch (node.type) {
    case 'leaf':
      out.push(node.leaf);
      break;
    case 'group':
      node.positive.forEach((c) => positiveLeaves(c, out));
      break;
    case 'or':
      node.children.forEach((c) => positiveLeaves(c, out));
      break;
    case 'not':
      break;
  }
  return out;
}

/** The leaves a query excludes. */
export function negatedLeaves(node: PlanNode | null, out: Leaf[] = [], negated = false): Leaf[] {
  if (!node) return out;
  switch (node.type) {
    case 'leaf':
      if (negated) out.push(node.leaf);
      break;
    case 'group':
      node.positive.forEach((c) => negatedLeaves(c, out, negated));
      node.negated.forEach((c) => negatedLeaves(c, out, !negated));
      break;
    case 'or':
      node.children.forEach((c) => negatedLeaves(c, out, negated));
      break;
    case 'not':
      negatedLeaves(node.child, out, !negated);
      break;
  }
  return out;
}

/** The clauses joined by the query op at the top: the root group's positive clauses, or the root itself. */
export function topLevelClauses(node: PlanNode | null): PlanNode[] {
  if (!node) return [];
  if (node.type === 'group') return node.positive;
  return node.type === 'not' ? [] : [node];
}

/**
 * Query planning: the parsed query tree, analyzed into leaves the executor can match.
 *
 * A `text` node becomes one leaf per query term (precise jieba cut); a phrase becomes one leaf
 * that matches its characters consecutively. Leaves carry the searchable characters used for
 * matching and the words used for scoring.
 *
 * Bounded cost: identical leaves (same kind, field and characters) are planned once and shared,
 * identical sibling clauses are kept once (`的 的 的` is `的`), and a query has at most
 * {@link MAX_QUERY_TERMS} distinct terms and phrases: the ones after that are ignored and listed
 * in {@link Plan.ignored}, so no query string makes the executor match thousands of leaves.
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
  /** Terms and phrases left out because the query already had {@link MAX_QUERY_TERMS} (as `describeLeaf` writes them). */
  ignored: string[];
}

/** Distinct terms and phrases (leaves) a query may have; further ones are ignored. */
export const MAX_QUERY_TERMS = 64;

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

export function planQuery(node: QueryNode | null, analyzer: Analyzer): Plan {
  const leaves: Leaf[] = [];
  const byKey = new Map<string, Leaf>();
  const ignored = new Set<string>();
  const leaf = (kind: Leaf['kind'], text: string, chars: string[], words: string[], field: FieldName | null): PlanNode | null => {
    const fields = field ? [field] : FIELDS;
    const key = [kind, field ?? '*', chars.join('\u0001'), words.join('\u0001')].join('\u0000');
    const known = byKey.get(key);
    if (known) return { type: 'leaf', leaf: known };
    if (leaves.length >= MAX_QUERY_TERMS) {
      ignored.add(describeLeaf({ kind, text, fields }));
      return null;
    }
    const l: Leaf = { id: leaves.length, kind, text, chars, words, fields };
    leaves.push(l);
    byKey.set(key, l);
    return { type: 'leaf', leaf: l };
  };

  const build = (n: QueryNode): PlanNode | null => {
    switch (n.type) {
      case 'text': {
        const terms = analyzer.queryTerms(n.text).filter((t) => queryChars(t).length > 0);
        const nodes = unique(terms.map((t) => leaf('word', t, queryChars(t), [t], n.field)).filter((c): c is PlanNode => c !== null));
        if (!nodes.length) return null;
        return nodes.length === 1 ? nodes[0] : { type: 'group', positive: nodes, negated: [] };
      }
      case 'phrase': {
        const chars = queryChars(n.text);
        if (!chars.length) return null;
        return leaf('phrase', n.text.trim(), chars, analyzer.queryTerms(n.text), n.field);
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
  const root = node ? build(node) : null;
  return { root, leaves, ignored: [...ignored] };
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

/** Number of positive leaves joined by the query op at the top (for the AND -> OR relaxation). */
export function topLevelTerms(node: PlanNode | null): number {
  return node?.type === 'group' ? node.positive.length : 0;
}

/**
 * Query planning: the parsed query tree, analyzed into leaves the executor can match.
 *
 * A `text` node becomes one leaf per query term (precise jieba cut); a phrase becomes one leaf
 * that matches its characters consecutively. Leaves carry the searchable characters used for
 * matching and the words used for scoring.
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
}

export function planQuery(node: QueryNode | null, analyzer: Analyzer): Plan {
  const leaves: Leaf[] = [];
  const leaf = (kind: Leaf['kind'], text: string, chars: string[], words: string[], field: FieldName | null): PlanNode => {
    const l: Leaf = { id: leaves.length, kind, text, chars, words, fields: field ? [field] : FIELDS };
    leaves.push(l);
    return { type: 'leaf', leaf: l };
  };

  const build = (n: QueryNode): PlanNode | null => {
    switch (n.type) {
      case 'text': {
        const terms = analyzer.queryTerms(n.text).filter((t) => queryChars(t).length > 0);
        const nodes = terms.map((t) => leaf('word', t, queryChars(t), [t], n.field));
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
        const children = n.children.map(build).filter((c): c is PlanNode => c !== null);
        if (!children.length) return null;
        return children.length === 1 ? children[0] : { type: 'or', children };
      }
      case 'group': {
        const positive: PlanNode[] = [];
        const negated: PlanNode[] = [];
        for (const c of n.children) {
          const p = build(c);
          if (!p) continue;
          if (p.type === 'not') negated.push(p.child);
          else if (p.type === 'group' && !p.negated.length) positive.push(...p.positive);
          else positive.push(p);
        }
        if (!positive.length && !negated.length) return null;
        if (positive.length === 1 && !negated.length) return positive[0];
        return { type: 'group', positive, negated };
      }
    }
  };
  return { root: node ? build(node) : null, leaves };
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

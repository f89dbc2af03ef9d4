/**
 * zhsearch's matching as Sphinx extended-query syntax over the cluster's keyword tokens (rows.ts):
 * a string occurs in a field exactly when the field's grams hold the phrase of its consecutive
 * bigrams (a single character: its unigram), which is the embedded index's no-miss matching.
 *
 * Owns: the MATCH() text of terms and query plans. Must not: plan queries or run them.
 */
import type { FieldName } from '../../index/schema.js';
import type { Leaf, PlanNode } from '../../search/plan.js';
import { keyword } from './rows.js';

/** `k` with every ASCII punctuation character backslash-escaped (Sphinx operators are all ASCII punctuation). */
export function escapeKeyword(k: string): string {
  return k.replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}

/** SphinxQL text of a MATCH with the keywords it names in order (their index is Sphinx's qpos - 1). */
export class MatchText {
  readonly keywords: string[] = [];

  private kw(k: string): string {
    this.keywords.push(k);
    return escapeKeyword(k);
  }

  /** Contains `chars` in field `f`: its unigram, or the phrase of its bigrams. */
  substring(f: FieldName, chars: readonly string[]): string {
    if (chars.length === 1) return this.kw(keyword(f, 'u', chars[0]));
    const grams: string[] = [];
    for (let i = 0; i + 1 < chars.length; i++) grams.push(this.kw(keyword(f, 'g', chars[i] + chars[i + 1])));
    return `"${grams.join(' ')}"`;
  }

  /** Contains `chars` in any of `fields`. */
  anyField(fields: readonly FieldName[], chars: readonly string[]): string {
    return `(${fields.map((f) => this.substring(f, chars)).join(' | ')})`;
  }

  /** A leaf: its substring in any of its fields (and, for a word, the word's keyword, for its frequency: a word is always its substring too). */
  leaf(l: Leaf): string {
    const parts: string[] = [];
    for (const f of l.fields) {
      if (l.kind === 'word') parts.push(this.kw(keyword(f, 'w', l.words[0])));
      parts.push(this.substring(f, l.chars));
    }
    return `(${parts.join(' | ')})`;
  }

  node(n: PlanNode, op: 'and' | 'or'): string {
    switch (n.type) {
      case 'leaf':
        return this.leaf(n.leaf);
      case 'or':
        return `(${n.children.map((c) => this.node(c, op)).join(' | ')})`;
      case 'not':
        throw new RangeError('a query of excluded words only cannot run on the cluster: add a word to find');
      case 'group': {
        if (!n.positive.length) throw new RangeError('a query of excluded words only cannot run on the cluster: add a word to find');
        const positive = n.positive.map((c) => this.node(c, op)).join(op === 'and' ? ' ' : ' | ');
        const negated = n.negated.map((c) => ` -${this.node(c, op)}`).join('');
        return `(${positive})${negated}`;
      }
    }
  }
}

/**
 * The query language, parsed into a small tree. It never throws: malformed input (unbalanced
 * quotes or parentheses, a lone `-`, unknown `field:` prefixes) is read in the most sensible way.
 *
 *   图书馆 阅读推广         words; all must match (op=and, the default) or any (op=or)
 *   "共建共享"              exact phrase, consecutive in the normalized text (also “…”)
 *   -广告  -"相关推荐"       exclude a word or a phrase
 *   金陵 OR 南京            either side (OR binds looser than juxtaposition; also | and ||)
 *   title:图书馆 title:"…"  restrict to a field (title, content, tags)
 *   (南京 OR 苏州) 图书馆   grouping
 *
 * The full-width forms of the operators (ＯＲ, ｜, ＂, －, （）, ：) are the same operators: an IME in
 * full-width mode types them.
 *
 * Owns: syntax only. Must not: analyze text (words are split into terms later) or touch the index.
 */
import { isFieldName, type FieldName } from '../index/schema.js';

export type QueryNode =
  /** A run of text outside quotes; the analyzer splits it into one or more terms. */
  | { type: 'text'; text: string; field: FieldName | null; substringWeight?: number; boost?: number }
  | { type: 'phrase'; text: string; field: FieldName | null; substringWeight?: number; boost?: number }
  /** Juxtaposed clauses, combined by the query's `op` (and / or). */
  | { type: 'group'; children: QueryNode[] }
  | { type: 'or'; children: QueryNode[] }
  | { type: 'not'; child: QueryNode };

/** Nesting deeper than this is read as plain text. */
export const MAX_DEPTH = 16;

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'phrase'; text: string }
  | { kind: 'open' }
  | { kind: 'close' }
  | { kind: 'or' }
  | { kind: 'minus' }
  | { kind: 'field'; name: FieldName };

const OPEN_QUOTE = new Set(['"', '＂', '“', '”', '„', '「', '『']);
const CLOSE_QUOTE: Record<string, string> = { '"': '"', '＂': '＂', '“': '”', '”': '”', '„': '“', '「': '」', '『': '』' };
/** Words that are the OR operator, after NFKC (which makes ＯＲ OR and ｜ |). */
const OR_WORDS = new Set(['OR', '|', '||']);
const SPACE = /\s/;

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  while (i < n) {
    const ch = input[i];
    if (SPACE.test(ch) || ch === '\u3000') {
      i++;
      continue;
    }
    if (OPEN_QUOTE.has(ch)) {
      const close = CLOSE_QUOTE[ch];
      let j = input.indexOf(close, i + 1);
      if (ch === '“' && j < 0) j = input.indexOf('"', i + 1);
      const end = j < 0 ? n : j;
      tokens.push({ kind: 'phrase', text: input.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (ch === '(' || ch === '（') {
      tokens.push({ kind: 'open' });
      i++;
      continue;
    }
    if (ch === ')' || ch === '）') {
      tokens.push({ kind: 'close' });
      i++;
      continue;
    }
    const prev = tokens[tokens.length - 1];
    const atClauseStart = !prev || prev.kind !== 'field';
    if ((ch === '-' || ch === '－') && atClauseStart && i + 1 < n && !SPACE.test(input[i + 1])) {
      tokens.push({ kind: 'minus' });
      i++;
      continue;
    }
    // A word: up to whitespace, a quote or a parenthesis.
    let j = i;
    while (j < n && !SPACE.test(input[j]) && input[j] !== '\u3000' && !OPEN_QUOTE.has(input[j]) && !'()（）'.includes(input[j])) j++;
    const word = input.slice(i, j);
    i = j;
    const colon = word.search(/[:：]/);
    if (colon > 0) {
      const name = word.slice(0, colon).toLowerCase();
      if (isFieldName(name)) {
        tokens.push({ kind: 'field', name });
        const rest = word.slice(colon + 1);
        if (rest) tokens.push({ kind: 'word', text: rest });
        continue;
      }
    }
    if (OR_WORDS.has(word.normalize('NFKC'))) tokens.push({ kind: 'or' });
    else if (word === '-' || word === '－') continue; // a lone minus excludes nothing
    else tokens.push({ kind: 'word', text: word });
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): QueryNode | null {
    const nodes: QueryNode[] = [];
    while (this.pos < this.tokens.length) {
      const node = this.orExpr(0);
      if (node) nodes.push(node);
      else this.pos++; // a stray ')' or 'OR'
    }
    return simplify({ type: 'group', children: nodes });
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private orExpr(depth: number): QueryNode | null {
    const sides: QueryNode[] = [];
    let side = this.groupExpr(depth);
    if (side) sides.push(side);
    while (this.peek()?.kind === 'or') {
      this.pos++;
      side = this.groupExpr(depth);
      if (side) sides.push(side);
    }
    if (!sides.length) return null;
    return sides.length === 1 ? sides[0] : { type: 'or', children: sides };
  }

  private groupExpr(depth: number): QueryNode | null {
    const children: QueryNode[] = [];
    for (;;) {
      const t = this.peek();
      if (!t || t.kind === 'or' || t.kind === 'close') break;
      const node = this.unary(depth);
      if (node) children.push(node);
    }
    if (!children.length) return null;
    return children.length === 1 ? children[0] : { type: 'group', children };
  }

  private unary(depth: number): QueryNode | null {
    if (this.peek()?.kind === 'minus') {
      this.pos++;
      const child = this.primary(depth, null);
      return child ? { type: 'not', child } : null;
    }
    return this.primary(depth, null);
  }

  private primary(depth: number, field: FieldName | null): QueryNode | null {
    const t = this.tokens[this.pos++];
    if (!t) return null;
    switch (t.kind) {
      case 'word':
        return { type: 'text', text: t.text, field };
      case 'phrase':
        return { type: 'phrase', text: t.text, field };
      case 'field':
        return this.primary(depth, t.name);
      case 'minus':
        return this.primary(depth, field);
      case 'open': {
        if (depth >= MAX_DEPTH) return null;
        const inner = this.orExpr(depth + 1);
        if (this.peek()?.kind === 'close') this.pos++;
        return inner && field ? withField(inner, field) : inner;
      }
      default:
        return null;
    }
  }
}

/** Applies a field scope to every leaf of a group, e.g. `title:(a OR b)`. */
function withField(node: QueryNode, field: FieldName): QueryNode {
  switch (node.type) {
    case 'text':
    case 'phrase':
      return { ...node, field: node.field ?? field };
    case 'not':
      return { type: 'not', child: withField(node.child, field) };
    default:
      return { type: node.type, children: node.children.map((c) => withField(c, field)) };
  }
}

/** Removes empty groups and one-child wrappers. */
function simplify(node: QueryNode): QueryNode | null {
  if (node.type === 'group' || node.type === 'or') {
    const children = node.children.map(simplify).filter((c): c is QueryNode => c !== null);
    if (!children.length) return null;
    if (children.length === 1) return children[0];
    return { type: node.type, children };
  }
  if (node.type === 'not') {
    const child = simplify(node.child);
    return child ? { type: 'not', child } : null;
  }
  return node.text.trim() ? node : null;
}

/** Parses a query string. Returns null when it holds no clause at all (empty or only operators). */
export function parseQuery(input: string): QueryNode | null {
  return new Parser(tokenize(input)).parse();
}

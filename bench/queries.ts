/**
 * Query classes, built deterministically from the corpus (one mulberry32 stream per class, so a
 * larger count extends the same list). Each query has the raw string our engine gets (it runs
 * jieba's precise cut itself), its op, and the terms the peers get (bench/tokens.ts queryTokens:
 * the same precise cut).
 *
 * A "word" is a Han word of 2+ characters that jieba's precise cut keeps whole on its own and that
 * occurs in the peers' index; words are drawn from a random document's title and first paragraph
 * (frequent words are drawn more often, as in real queries), so AND queries match that document.
 *
 * | class     | query                                        | op  |
 * |-----------|----------------------------------------------|-----|
 * | word1     | 1 word                                       | and |
 * | and2/and3 | 2 / 3 words of one document                  | and |
 * | or2/3/5   | 2 / 3 / 5 words of one document              | or  |
 * | paragraph | a pasted sentence run of 60-150 characters   | or  |
 * | phrase    | "2-3 consecutive words of a title" (quoted)  | and |
 * | char      | 1 Han character of a title                   | and |
 * | rare      | the 2 rarest words of a document (df <= max(5, N/2000)) | and |
 * | common    | 2 very common words of a document (df >= 5% of N)       | and |
 *
 * Peers have no positions: they answer a phrase as the AND of its words, and a single character
 * only where jieba made it a token (our engine matches it inside any word).
 *
 * Owns: the classes and how they are drawn. Must not: run any engine.
 */
import { mulberry32, type Doc } from './corpora.js';
import type { Op } from './peers.js';
import { preciseCut, queryTokens } from './tokens.js';

export const CLASSES = ['word1', 'and2', 'and3', 'or2', 'or3', 'or5', 'paragraph', 'phrase', 'char', 'rare', 'common'] as const;
export type QueryClass = (typeof CLASSES)[number];

export const CLASS_LABELS: Record<QueryClass, string> = {
  word1: '1 word',
  and2: '2 words AND',
  and3: '3 words AND',
  or2: '2 words OR',
  or3: '3 words OR',
  or5: '5 words OR',
  paragraph: 'paragraph OR',
  phrase: 'quoted phrase',
  char: 'single character',
  rare: 'rare words',
  common: 'very common words',
};

export interface Query {
  cls: QueryClass;
  /** What our engine is given. */
  q: string;
  op: Op;
  /** What the peers are given. */
  terms: string[];
}

const HAN_WORD = /^\p{Script=Han}{2,}$/u;
const HAN_CHAR = /\p{Script=Han}/u;
/** Characters of our query syntax, removed from pasted text. */
const SYNTAX = /["“”()（）:：\-]/g;

export interface QueryOptions {
  perClass: number;
  /** Document frequency of a term in the peers' index (cut-for-search tokens). */
  df: (term: string) => number;
  /** Documents in that index. */
  docCount: number;
  classes?: readonly QueryClass[];
  seed?: number;
}

/** Builds `perClass` queries of each class from `docs`. */
export function buildQueries(docs: readonly Doc[], options: QueryOptions): Record<QueryClass, Query[]> {
  const { perClass, df, docCount } = options;
  const withBody = docs.filter((d) => d.content.trim() && d.title.trim());
  const wholeWord = new Map<string, boolean>();
  const isWord = (w: string) => {
    if (!HAN_WORD.test(w)) return false;
    let ok = wholeWord.get(w);
    if (ok === undefined) {
      const cut = preciseCut(w);
      ok = cut.length === 1 && cut[0] === w && df(w) > 0;
      wholeWord.set(w, ok);
    }
    return ok;
  };
  const firstParagraph = (d: Doc) => d.content.split('\n').map((p) => p.trim()).find(Boolean) ?? '';
  const wordsOf = (d: Doc) => [...new Set([...preciseCut(d.title), ...preciseCut(firstParagraph(d))].filter(isWord))];
  const rareMax = Math.max(5, Math.floor(docCount / 2000));
  const commonMin = Math.ceil(docCount * 0.05);

  const out = {} as Record<QueryClass, Query[]>;
  (options.classes ?? CLASSES).forEach((cls) => {
    const rng = mulberry32((options.seed ?? 0x9e3779b9) ^ (CLASSES.indexOf(cls) * 0x85ebca6b));
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rng() * a.length)];
    const sample = <T>(a: readonly T[], k: number): T[] => {
      const pool = [...a];
      const got: T[] = [];
      while (got.length < k && pool.length) got.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]);
      return got;
    };
    const seen = new Set<string>();
    const list: Query[] = [];
    const add = (q: string, op: Op) => {
      if (seen.has(q)) return;
      const terms = queryTokens(q);
      if (!terms.length) return;
      seen.add(q);
      list.push({ cls, q, op, terms });
    };
    for (let attempt = 0; list.length < perClass && attempt < perClass * 200; attempt++) {
      const d = pick(withBody);
      switch (cls) {
        case 'word1':
        case 'and2':
        case 'and3':
        case 'or2':
        case 'or3':
        case 'or5': {
          const k = Number(cls.at(-1));
          const words = wordsOf(d);
          if (words.length >= k) add(sample(words, k).join(' '), cls.startsWith('or') ? 'or' : 'and');
          break;
        }
        case 'paragraph': {
          const paragraphs = d.content.split('\n').map((p) => p.trim()).filter((p) => p.length >= 60);
          if (!paragraphs.length) break;
          const p = pick(paragraphs);
          const end = p.slice(60, 150).search(/[。！？；]/u);
          const text = (end >= 0 ? p.slice(0, 61 + end) : p.slice(0, 150)).replace(SYNTAX, ' ').replace(/\bOR\b/g, 'or');
          add(text, 'or');
          break;
        }
        case 'phrase': {
          const tokens = preciseCut(d.title);
          const k = 2 + Math.floor(rng() * 2);
          if (tokens.length < k) break;
          const i = Math.floor(rng() * (tokens.length - k + 1));
          const run = tokens.slice(i, i + k);
          if (!run.every((t) => /^\p{Script=Han}+$/u.test(t)) || run.join('').length < 4) break;
          add(`"${run.join('')}"`, 'and');
          break;
        }
        case 'char': {
          const chars = [...d.title].filter((c) => HAN_CHAR.test(c));
          if (chars.length) add(pick(chars), 'and');
          break;
        }
        case 'rare': {
          const rare = wordsOf(d)
            .map((w) => ({ w, df: df(w) }))
            .filter((x) => x.df >= 2 && x.df <= rareMax)
            .sort((a, b) => a.df - b.df || (a.w < b.w ? -1 : 1));
          if (rare.length >= 2) add(`${rare[0].w} ${rare[1].w}`, 'and');
          break;
        }
        case 'common': {
          const common = wordsOf(d).filter((w) => df(w) >= commonMin);
          if (common.length >= 2) add(sample(common, 2).join(' '), 'and');
          break;
        }
      }
    }
    out[cls] = list;
  });
  return out;
}

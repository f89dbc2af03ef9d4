/**
 * Query understanding: the parsed query rewritten into what the user means, before planning.
 *
 *  - Pinyin: a Latin run that is not a word of the index and spells pinyin syllables becomes the
 *    index words it spells, most frequent first (`tushuguan` -> 图书馆, `jinlingtushuguan` ->
 *    金陵图书馆); initials (`tsg` -> 图书馆), pinyin mixed with characters (`tu书馆`, `jin陵图书馆`),
 *    syllables split by spaces or apostrophes (`tu shu guan`, `xi'an`). Latin words the index has
 *    (APEC, GDP, iPhone) are never re-read; letters that occur only inside other tokens (bj in a
 *    code) are read and also keep those literal matches.
 *  - Synonyms (analysis/synonyms.ts): a span of query words that is a form of the list also
 *    matches its other forms: `国图` -> (国图 OR "国家图书馆"), each alternative matched as it
 *    would be alone (the typed form as a word, the others as phrases), `-国图` excludes them all.
 *
 * Each rewrite is reported as an {@link Interpretation}. Typos (图书管 -> 图书馆) are corrections
 * of the whole query string, decided after the literal query ran (correct.ts).
 *
 * Owns: rewriting query trees. Must not: read postings or score.
 */
import { queryChars, type Analyzer } from '../analysis/analyzer.js';
import { normalizeText } from '../analysis/normalize.js';
import { isInitials, parsePinyin, readings } from '../analysis/pinyin.js';
import type { Synonyms } from '../analysis/synonyms.js';
import type { FieldName } from '../index/schema.js';
import type { QueryNode } from './query-parser.js';
import { MAX_WORD_CHARS, type Vocabulary, type VocabularyEntry } from './vocabulary.js';

/** How part of the query was read. */
export interface Interpretation {
  /** The query text as typed (`tushuguan`, `国图`, `图书管`). */
  from: string;
  /** What it was read as: the alternatives searched, most likely first. */
  to: string[];
  kind: 'pinyin' | 'initials' | 'synonym' | 'correction';
  /** Set when the part is excluded (`-国图`): the forms it was read as are all excluded. */
  excluded?: true;
}

export interface InterpretContext {
  analyzer: Analyzer;
  vocabulary: Vocabulary;
  synonyms: Synonyms;
  /** Documents containing a text's characters consecutively (to choose between readings of several words). */
  count(text: string): number;
}

/**
 * Weight of documents having a synonym form typed as one word only inside other words (国图 in
 * 中国图书): they still match, below those with any form as such.
 */
const WEAK_SUBSTRING = 0.02;

/** Alternatives of a one-word pinyin reading kept at most, and how frequent each must be next to the first. */
const MAX_ALTERNATIVES = 3;
const ALTERNATIVE_SHARE = 0.3;
/** Syllable combinations tried for the characters of a mixed span at most. */
const MAX_COMBINATIONS = 16;

/** `node` with pinyin read and synonyms expanded, and what was done. */
export function interpret(node: QueryNode | null, ctx: InterpretContext): { node: QueryNode | null; interpretations: Interpretation[] } {
  const interpretations: Interpretation[] = [];
  const seen = new Set<string>();
  const reporter = (excluded: boolean) => (i: Interpretation) => {
    const key = `${i.kind}\u0000${i.from}\u0000${excluded}`;
    if (seen.has(key)) return;
    seen.add(key);
    interpretations.push(excluded ? { ...i, excluded: true } : i);
  };
  const display = new Map<QueryNode, string>();
  const visit = (n: QueryNode, excluded: boolean): QueryNode => {
    const report = reporter(excluded);
    switch (n.type) {
      case 'text':
        return rewriteText(n.text, n.field, ctx, report, display.get(n));
      case 'phrase': {
        const form = normalizeText(n.text.trim());
        const others = ctx.synonyms.of(form);
        if (!others) return n;
        report({ from: n.text.trim(), to: [...others], kind: 'synonym' });
        return formsNode([n.text.trim(), ...others], n.field, ctx, true);
      }
      case 'not':
        return { type: 'not', child: visit(n.child, !excluded) };
      case 'or':
        return { type: 'or', children: n.children.map((c) => visit(c, excluded)) };
      case 'group':
        return { type: 'group', children: joinSpacedPinyin(n.children, ctx, display).map((c) => visit(c, excluded)) };
    }
  };
  return { node: node ? visit(node, false) : null, interpretations };
}

/**
 * Consecutive Latin words that are each pinyin and not words of the index (`tu shu guan`), joined
 * into one text with apostrophes, so that they are read as one run with those syllable boundaries.
 */
function joinSpacedPinyin(children: QueryNode[], ctx: InterpretContext, display: Map<QueryNode, string>): QueryNode[] {
  const out: QueryNode[] = [];
  const pinyinWord = (c: QueryNode): c is Extract<QueryNode, { type: 'text' }> =>
    c.type === 'text' && /^[a-zA-Zü']+$/.test(c.text) && parsePinyin(c.text).length > 0 && !ctx.vocabulary.df(c.text.toLowerCase());
  for (let i = 0; i < children.length; ) {
    const c = children[i];
    let j = i;
    if (pinyinWord(c)) while (j + 1 < children.length && pinyinWord(children[j + 1]) && (children[j + 1] as { field: FieldName | null }).field === c.field) j++;
    if (j > i) {
      const words = children.slice(i, j + 1).map((t) => (t as { text: string }).text);
      const joined: QueryNode = { type: 'text', text: words.join("'"), field: (c as { field: FieldName | null }).field };
      display.set(joined, words.join(' '));
      out.push(joined);
    } else out.push(c);
    i = j + 1;
  }
  return out;
}

/** A piece of a text node: as typed, or read as alternatives (an OR of them). */
type Piece = { text: string } | { alternatives: string[]; typed: string | null };

/**
 * The node for text `text`: pinyin runs read, then synonym spans expanded; `text` itself when
 * neither applies. `shown` is how the user typed it when that differs (`tu shu guan`).
 */
function rewriteText(text: string, field: FieldName | null, ctx: InterpretContext, report: (i: Interpretation) => void, shown?: string): QueryNode {
  const pieces: Piece[] = [];
  let plain = '';
  // Full-width letters (ＴＵＳＨＵＧＵＡＮ, typed with an IME in full-width mode) are letters.
  for (const m of text.normalize('NFKC').matchAll(RUN)) {
    const run = m[0];
    // Letters next to digits are a code (MH370, PM2.5), never pinyin.
    const read = /[a-zA-Zü]/.test(run) && !/[0-9]/.test(run) ? readRun(run, ctx) : null;
    if (!read) {
      plain += run;
      continue;
    }
    report({ from: shown !== undefined && run === text ? shown : run, to: read.words, kind: read.kind });
    if (plain) pieces.push({ text: plain });
    plain = '';
    // Letters that occur in some document as they are (inside a code, a name) keep those matches.
    pieces.push({ alternatives: read.words, typed: ctx.count(run) > 0 ? run : null });
  }
  if (plain) pieces.push({ text: plain });

  const nodes: QueryNode[] = [];
  let changed = pieces.some((p) => 'alternatives' in p);
  for (const p of pieces) {
    if ('alternatives' in p) {
      // A less common reading weighs less (its share of the most common one's documents), so that
      // its higher idf does not rank it first.
      const top = Math.max(1, ctx.vocabulary.df(p.alternatives[0]));
      const alts = p.alternatives.map((a, i) => boosted(withSynonyms(a, field, ctx, report), i === 0 ? 1 : Math.min(1, ctx.vocabulary.df(a) / top)));
      if (p.typed) alts.push({ type: 'text', text: p.typed, field });
      nodes.push(alts.length === 1 ? alts[0] : { type: 'or', children: alts });
      continue;
    }
    const expanded = expandSynonyms(p.text, field, ctx, report);
    if (expanded) {
      changed = true;
      nodes.push(...expanded);
    } else nodes.push({ type: 'text', text: p.text, field });
  }
  if (!changed) return { type: 'text', text, field };
  return nodes.length === 1 ? nodes[0] : { type: 'group', children: nodes };
}

/** Runs of letters, digits, apostrophes and Han characters (what may be pinyin, mixed or not), and the rest. */
const RUN = /[a-zA-Z0-9ü'’\u3400-\u4dbf\u4e00-\u9fff]+|[^a-zA-Z0-9ü'’\u3400-\u4dbf\u4e00-\u9fff]+/g;

/**
 * The forms of a synonym rule as alternatives (an OR). A form that is one word is matched as a
 * word, a form of several words as a phrase (the typed form of a quoted phrase stays a phrase).
 * An abbreviation (a form shorter than the longest) has its characters inside other words weigh
 * little ({@link WEAK_SUBSTRING}): 国图 in 中国图书 is not 国家图书馆.
 */
function formsNode(forms: string[], field: FieldName | null, ctx: InterpretContext, quoted = false): QueryNode {
  const longest = Math.max(...forms.map((f) => searchableLength(f)));
  return {
    type: 'or',
    children: forms.map((form, i): QueryNode => {
      const weak = searchableLength(form) < longest ? { substringWeight: WEAK_SUBSTRING } : {};
      const oneWord = !(quoted && i === 0) && ctx.analyzer.queryWords(form).length === 1;
      return oneWord ? { type: 'text', text: form, field, ...weak } : { type: 'phrase', text: form, field, ...weak };
    }),
  };
}

function searchableLength(text: string): number {
  return queryChars(text).length;
}

/** `node` with every text and phrase in it given `boost` (1: unchanged). */
function boosted(node: QueryNode, boost: number): QueryNode {
  if (boost === 1) return node;
  switch (node.type) {
    case 'text':
    case 'phrase':
      return { ...node, boost };
    case 'not':
      return { type: 'not', child: boosted(node.child, boost) };
    default:
      return { type: node.type, children: node.children.map((c) => boosted(c, boost)) };
  }
}

/** A word read as itself, or as (it OR its synonyms) when it is a form of the list. */
function withSynonyms(word: string, field: FieldName | null, ctx: InterpretContext, report: (i: Interpretation) => void): QueryNode {
  return expandSynonyms(word, field, ctx, report)?.[0] ?? { type: 'text', text: word, field };
}

/**
 * The nodes of `text` with each span of its words that is a synonym form replaced by (the span OR
 * its other forms), longest span first; null when no span is a form.
 */
function expandSynonyms(text: string, field: FieldName | null, ctx: InterpretContext, report: (i: Interpretation) => void): QueryNode[] | null {
  const { synonyms } = ctx;
  if (!synonyms.size) return null;
  const words = ctx.analyzer.queryWords(text);
  const out: QueryNode[] = [];
  let plain: string[] = [];
  let found = false;
  const flush = () => {
    if (plain.length) out.push({ type: 'text', text: plain.join(' '), field });
    plain = [];
  };
  for (let i = 0; i < words.length; ) {
    let matched = 0;
    let others: readonly string[] | undefined;
    for (let j = Math.min(words.length, i + 8); j > i && !matched; j--) {
      others = synonyms.ofNormalized(words.slice(i, j).join(''));
      if (others) matched = j - i;
    }
    if (!matched || !others) {
      plain.push(words[i++]);
      continue;
    }
    found = true;
    flush();
    const form = words.slice(i, i + matched).join('');
    report({ from: form, to: [...others], kind: 'synonym' });
    out.push(formsNode([form, ...others], field, ctx));
    i += matched;
  }
  flush();
  return found ? out : null;
}

/** One slot of a run: a typed syllable, or a typed character. */
type Slot = { syllable: string } | { char: string };

interface Reading {
  words: string[];
  kind: 'pinyin' | 'initials';
}

/**
 * A run of letters and characters read as Chinese words of the index, or null: when it has no
 * letters to read, when a Latin part is a word of the index, or when no reading covers it.
 */
function readRun(run: string, ctx: InterpretContext): Reading | null {
  const parts = run.match(/[a-zA-Zü'’]+|[\u3400-\u4dbf\u4e00-\u9fff]+/g) ?? [];
  const latin = parts.filter((p) => /[a-zA-Zü]/.test(p));
  for (const p of latin) {
    for (const w of p.split(/['’]+/)) if (w && (ctx.vocabulary.df(w.toLowerCase()) > 0 || ctx.synonyms.of(w.toLowerCase()))) return null;
  }
  // Every way to read the Latin parts as syllables (bounded), with the characters as typed.
  let slotings: Slot[][] = [[]];
  for (const p of parts) {
    if (/[a-zA-Zü]/.test(p)) {
      const parses = parsePinyin(p);
      if (!parses.length) {
        const letters = p.replace(/['’]/g, '').toLowerCase();
        if (latin.length !== 1 || parts.length !== 1 || !isInitials(letters)) return null;
        // Initials are read as one word: split into several, they fit too many words to choose from.
        const words = ctx.vocabulary.withInitials(letters);
        return choose(words.length ? [{ words: [words[0].word], weight: 0, candidates: words }] : [], 'initials', ctx);
      }
      slotings = slotings.flatMap((s) => parses.map((q) => [...s, ...q.map((syllable): Slot => ({ syllable }))])).slice(0, 16);
    } else {
      const chars = [...p].map((char): Slot => ({ char }));
      slotings = slotings.map((s) => [...s, ...chars]);
    }
  }
  const found = slotings.flatMap((slots) => segment(slots, (span) => spanWords(span, ctx.vocabulary), ctx));
  return choose(found, 'pinyin', ctx);
}

/**
 * The best of the segmentations: fewest words; then, for several words, the reading whose words
 * the index has together most often (金陵 图书馆 over 禁令 图书馆, as 金陵图书馆 occurs and 禁令图书馆
 * does not), then the most common words. A one-word reading keeps the other words that read so
 * and are nearly as common (`shiyan`: 实验, 试验) as alternatives.
 */
function choose(found: Segmentation[], kind: Reading['kind'], ctx: InterpretContext): Reading | null {
  if (!found.length) return null;
  const fewest = Math.min(...found.map((f) => f.words.length));
  const best = found.filter((f) => f.words.length === fewest);
  if (fewest === 1) {
    const all = new Map<string, number>();
    for (const f of best) for (const c of f.candidates) all.set(c.word, Math.max(all.get(c.word) ?? 0, c.df));
    const ranked = [...all].sort((a, b) => b[1] - a[1]);
    return { words: ranked.filter(([, df]) => df >= ranked[0][1] * ALTERNATIVE_SHARE).slice(0, MAX_ALTERNATIVES).map(([w]) => w), kind };
  }
  const together = new Map<string, number>();
  for (const f of best) {
    const text = f.words.join('');
    if (!together.has(text)) together.set(text, ctx.count(text));
  }
  best.sort((a, b) => together.get(b.words.join(''))! - together.get(a.words.join(''))! || b.weight - a.weight);
  return { words: [best[0].words.join('')], kind };
}

interface Segmentation {
  words: string[];
  /** Sum of log document frequencies (prefer common words). */
  weight: number;
  /** For a one-word reading: every word that fits, most frequent first. */
  candidates: VocabularyEntry[];
}

/** Segmentations kept per position (a beam), and words tried per span. */
const BEAM = 4;
const WORDS_PER_SPAN = 3;

/** Fewer words first, then more common ones. */
function compare(a: Segmentation, b: Segmentation): number {
  return a.words.length - b.words.length || b.weight - a.weight;
}

/**
 * The best ways (at most {@link BEAM}) to split the slots into index words (each of two or more
 * slots; typed characters stay as typed), fewest words first, then the most common; empty when
 * some slot fits no word.
 */
function segment(slots: Slot[], wordsOf: (span: Slot[]) => VocabularyEntry[], ctx: InterpretContext): Segmentation[] {
  const n = slots.length;
  const best: Segmentation[][] = [[{ words: [], weight: 0, candidates: [] }], ...Array.from({ length: n }, () => [])];
  for (let i = 1; i <= n; i++) {
    const here: Segmentation[] = [];
    for (let j = Math.max(0, i - MAX_WORD_CHARS); j < i; j++) {
      if (!best[j].length) continue;
      const span = slots.slice(j, i);
      let found: VocabularyEntry[];
      if (span.every((s) => 'char' in s)) {
        const word = span.map((s) => (s as { char: string }).char).join('');
        found = [{ word, df: ctx.vocabulary.df(word) }];
      } else found = wordsOf(span);
      for (const before of best[j]) {
        for (const e of found.slice(0, WORDS_PER_SPAN)) here.push({ words: [...before.words, e.word], weight: before.weight + Math.log1p(e.df), candidates: found });
      }
    }
    best[i] = here.sort(compare).slice(0, BEAM);
  }
  return best[n];
}

/** Index words that read as the span: its syllables, and its typed characters in place. */
function spanWords(span: Slot[], vocabulary: Vocabulary): VocabularyEntry[] {
  if (span.length < 2) return [];
  let combos: string[][] = [[]];
  for (const s of span) {
    const options = 'syllable' in s ? [s.syllable] : readings(s.char);
    if (!options.length) return [];
    combos = combos.flatMap((c) => options.map((o) => [...c, o])).slice(0, MAX_COMBINATIONS);
  }
  const found = new Map<string, number>();
  for (const c of combos) {
    for (const e of vocabulary.spelled(c)) {
      if (span.every((s, k) => !('char' in s) || e.word[k] === s.char)) found.set(e.word, e.df);
    }
  }
  return [...found].map(([word, df]) => ({ word, df })).sort((a, b) => b.df - a.df);
}

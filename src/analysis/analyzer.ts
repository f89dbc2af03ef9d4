/**
 * The analyzer: normalized text -> the tokens the index stores and the terms a query asks for.
 *
 * Owns: the two token streams of a field.
 *  - words: jieba words at search granularity (cut-for-search) for Chinese, plus Latin words,
 *    numbers, dates and codes; these drive BM25 ranking.
 *  - chars: the field's searchable characters (letters and digits, whitespace and punctuation
 *    dropped) in order; the index keeps character unigrams and positional bigrams of this
 *    stream, which is what guarantees that any string occurring in a document finds it.
 * Must not: know about postings, segments or scoring.
 */
import { isSearchable, normalizeText } from './normalize.js';
import { getSegmenter, type Segmenter } from './segmenter.js';
import { loadStopWords, type StopWordsSource } from './stopwords.js';
import { DEFAULT_SYNONYMS_FILE, SynonymFiles, type Synonyms, type SynonymsSource } from './synonyms.js';

/** The tokens of one field. */
export interface FieldTokens {
  /** Word tokens (repeats kept: their count is the term frequency; their number the field length). */
  words: string[];
  /** Searchable characters of the normalized text, as code points, in order. */
  chars: number[];
}

export interface AnalyzerOptions {
  /** Extra jieba user dictionaries (one word per line: `word [freq] [tag]`), on top of `dict/user.dict.utf8`. */
  userDicts?: readonly string[];
  /** Load jieba's dictionaries when text is first analyzed rather than now. */
  lazy?: boolean;
  /** The stop list (see stopwords.ts): a file or the words. Default `dict/stopwords.txt`. */
  stopWords?: StopWordsSource;
  /**
   * Synonym lists of queries (see synonyms.ts): files or lines, read in order; default the shipped
   * `dict/synonyms.txt`; `[]` for none. Files are reread when they change.
   */
  synonyms?: readonly SynonymsSource[];
  /** Told about a synonym file that changed and cannot be read (the previous list stays). Default: stderr. */
  onWarning?: (message: string) => void;
}

const HAN = /^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$/;
/** Non-Han letter/digit runs, joined by inner `-/.:_` (dates 2023-06-21, codes gb/t, versions 2.0). */
const NON_HAN_ALNUM = String.raw`(?:(?![\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])[\p{L}\p{N}])+`;
const ALNUM = new RegExp(`${NON_HAN_ALNUM}(?:[-/.:_]${NON_HAN_ALNUM})*`, 'gu');
const ALNUM_PART = new RegExp(NON_HAN_ALNUM, 'gu');
const QUERY_PIECE = new RegExp(`[\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff]+|${ALNUM.source}`, 'gu');

export class Analyzer {
  private readonly segmenter: Segmenter;
  private readonly stopWords: ReadonlySet<string>;
  private readonly synonymFiles: SynonymFiles;

  constructor(options: AnalyzerOptions = {}) {
    this.segmenter = getSegmenter(options.userDicts ?? [], options.lazy);
    this.stopWords = loadStopWords(options.stopWords);
    this.synonymFiles = new SynonymFiles(options.synonyms ?? [DEFAULT_SYNONYMS_FILE], options.onWarning);
  }

  /** The synonym lists as they are now (reread when a file changed, at most once a second). */
  synonyms(): Synonyms {
    return this.synonymFiles.current();
  }

  /** Whether query term `term` (normalized) is on the stop list. */
  isStopWord(term: string): boolean {
    return this.stopWords.has(term);
  }

  /** Index-time analysis of one field's original text. */
  analyzeField(original: string): FieldTokens {
    const text = normalizeText(original);
    const words: string[] = [];
    for (const w of this.segmenter.cutForSearch(text)) if (isHanWord(w)) words.push(w);
    for (const m of text.matchAll(ALNUM)) {
      const token = m[0];
      words.push(token);
      if (token.length > 1 && /[-/.:_]/.test(token)) for (const p of token.matchAll(ALNUM_PART)) words.push(p[0]);
    }
    return { words, chars: searchableCodes(text) };
  }

  /**
   * Query-time analysis of a piece of query text: the words a user asked for, at precise
   * granularity, in order and without repeats. Punctuation never becomes a term.
   */
  queryTerms(original: string): string[] {
    return [...new Set(this.queryWords(original))];
  }

  /** The cut of the last query texts (a query's text is cut when it is read, then when it is planned). */
  private readonly recentCuts = new Map<string, readonly string[]>();

  /** The words of a piece of query text as {@link queryTerms}, repeats kept (their count weighs a term). */
  queryWords(original: string): string[] {
    const known = this.recentCuts.get(original);
    if (known) return [...known];
    const words = this.cutQuery(original);
    if (original.length <= 256) {
      if (this.recentCuts.size >= 256) this.recentCuts.delete(this.recentCuts.keys().next().value!);
      this.recentCuts.set(original, words);
    }
    return [...words];
  }

  private cutQuery(original: string): string[] {
    const text = normalizeText(original);
    const out: string[] = [];
    for (const m of text.matchAll(QUERY_PIECE)) {
      const piece = m[0];
      if (HAN.test(piece)) for (const w of this.segmenter.cut(piece)) out.push(w);
      else out.push(piece);
    }
    return out;
  }
}

/** Whether `w` is a non-empty run of Han characters (as {@link HAN} tests, without a regular expression). */
function isHanWord(w: string): boolean {
  if (!w.length) return false;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (!((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff))) return false;
  }
  return true;
}

/** The searchable characters (letters and digits) of already-normalized text, as code points. */
export function searchableCodes(normalized: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < normalized.length; i++) {
    const c = normalized.codePointAt(i)!;
    if (c > 0xffff) i++;
    if (isSearchable(c)) out.push(c);
  }
  return out;
}

/** The searchable characters of already-normalized text, one string per code point. */
export function searchableChars(normalized: string): string[] {
  return searchableCodes(normalized).map((c) => String.fromCodePoint(c));
}

/** Searchable characters of a query string (normalized first). */
export function queryChars(original: string): string[] {
  return searchableChars(normalizeText(original));
}


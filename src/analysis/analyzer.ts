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
  chars: ArrayLike<number>;
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
  analyzeField(original: string): { words: string[]; chars: number[] } {
    const { words, chars } = this.analyzeFieldInto(original, new CharBuffer());
    return { words, chars: Array.from(chars) };
  }

  /**
   * {@link analyzeField} with the characters written to `buffer` (reused from one call to the
   * next): the returned `chars` is a view of it, valid until the buffer's next use.
   */
  analyzeFieldInto(original: string, buffer: CharBuffer): { words: string[]; chars: Uint32Array } {
    const text = normalizeText(original);
    const words: string[] = [];
    if (hasHan(text)) for (const w of this.segmenter.cutForSearch(text)) if (isHanWord(w)) words.push(w);
    const chars = scanText(text, words, buffer);
    return { words, chars };
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

/** A growable buffer of code points, reused between the fields analyzed on one thread. */
export class CharBuffer {
  codes = new Uint32Array(1024);
}

/** Whether `text` has a Han character (jieba has no word to find in text without one). */
function hasHan(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff)) return true;
  }
  return false;
}

const isSeparator = (c: number) => c === 0x2d || c === 0x2f || c === 0x2e || c === 0x3a || c === 0x5f; // - / . : _
const isBmpHan = (c: number) => (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff);

/**
 * One pass over the code points of normalized text: its searchable characters into `buffer`
 * (returned as a view), and its non-Han letter/digit tokens appended to `words` as {@link ALNUM}
 * matches them (runs joined by inner `-/.:_`), each joined token followed by its runs.
 */
function scanText(text: string, words: string[], buffer: CharBuffer): Uint32Array {
  const n = text.length;
  if (buffer.codes.length < n) buffer.codes = new Uint32Array(Math.max(n, buffer.codes.length * 2));
  const codes = buffer.codes;
  let count = 0;
  /** Start of the current token, or -1; the separator just after one of its runs, or -1. */
  let token = -1;
  let separator = -1;
  let joined = false;
  for (let i = 0; i < n; ) {
    const c = text.codePointAt(i)!;
    const width = c > 0xffff ? 2 : 1;
    const searchable = isSearchable(c);
    if (searchable) codes[count++] = c;
    if (searchable && !isBmpHan(c)) {
      if (token < 0) token = i;
      else if (separator >= 0) joined = true;
      separator = -1;
    } else if (token >= 0) {
      if (separator < 0 && isSeparator(c)) separator = i;
      else {
        emitToken(text, token, separator >= 0 ? separator : i, joined, words);
        token = separator = -1;
        joined = false;
      }
    }
    i += width;
  }
  if (token >= 0) emitToken(text, token, separator >= 0 ? separator : n, joined, words);
  return codes.subarray(0, count);
}

function emitToken(text: string, start: number, end: number, joined: boolean, words: string[]): void {
  words.push(text.slice(start, end));
  if (!joined) return;
  let part = start;
  for (let i = start; i <= end; i++) {
    if (i === end || isSeparator(text.charCodeAt(i))) {
      words.push(text.slice(part, i));
      part = i + 1;
    }
  }
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


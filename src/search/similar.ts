/**
 * More like this: the documents most similar to a stored one (as Lucene's MoreLikeThis). The
 * document's most informative words (term frequency in its title and content, the title's counted
 * {@link TITLE_WEIGHT} times, x inverse document frequency in the index's content) are searched as
 * an OR query, exactly as written (no pinyin, synonyms or corrections); the document itself and
 * every copy of its story (same {@link storyKey}: its duplicate group) are left out of the hits.
 *
 * The search is split in three steps ({@link similarQuery}, a search, {@link similarHits}) so that
 * the server can run the search in its lanes; {@link similar} does all three.
 *
 * Owns: choosing a document's terms and picking the similar hits from a search's. Must not: know
 * about HTTP, or score documents itself (searcher.ts does).
 */
import type { Analyzer } from '../analysis/analyzer.js';
import type { StoredDocument } from '../document.js';
import type { IndexSnapshot } from '../index/reader.js';
import { idf } from './bm25.js';
import type { SearchOptions, SearchResult } from './searcher.js';

/** Similar documents returned by default. */
export const DEFAULT_SIMILAR_SIZE = 5;
/** Words of the document searched by default. */
export const DEFAULT_SIMILAR_TERMS = 25;
/** How many times a word of the title counts (titles say what an article is about). */
export const TITLE_WEIGHT = 3;

export interface SimilarOptions {
  /** Similar documents wanted. Default {@link DEFAULT_SIMILAR_SIZE}. */
  size?: number;
  /** The document's most informative words searched (1 to 64). Default {@link DEFAULT_SIMILAR_TERMS}. */
  maxTerms?: number;
  /** Time budget of the search in milliseconds (over it: `SearchTimeoutError`). Default none. */
  timeoutMs?: number;
}

export interface SimilarHit {
  id: string;
  title: string;
  date: string | null;
  source: string | null;
  url: string | null;
  /** The BM25 score of the hit for the OR query of the document's words. */
  score: number;
}

export interface SimilarResult {
  /** The document's id. */
  id: string;
  /** The words searched, most informative first. */
  terms: string[];
  /** The most similar documents, most similar first; never the document or a copy of its story. */
  hits: SimilarHit[];
}

/** What {@link similarHits} needs besides the search's result: run `q` with `options` (e.g. in a search thread). */
export interface SimilarQuery {
  id: string;
  /** The story of the document: hits of the same story are left out. */
  story: string;
  terms: string[];
  size: number;
  /** The OR query of {@link terms} (empty when the document has no informative word: nothing is similar). */
  q: string;
  options: SearchOptions;
}

/** The story an article belongs to: the id of the original of its duplicate group, or its own id. */
export function storyKey(doc: Pick<StoredDocument, 'id' | 'duplicateOf'>): string {
  return doc.duplicateOf ?? doc.id;
}

/** Whether `w` is a word of two or more Han characters (single characters say little; Latin words could read as operators). */
function isHanWord(w: string): boolean {
  if (w.length < 2) return false;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (!((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff))) return false;
  }
  return true;
}

/**
 * The candidate words of `doc` and their weighted frequencies: jieba's words of its title and
 * content (precise cut, as queries are cut; stop words and single characters left out), a title
 * word counted {@link TITLE_WEIGHT} times.
 */
export function documentWords(analyzer: Analyzer, doc: StoredDocument): Map<string, number> {
  const tf = new Map<string, number>();
  const count = (text: string, weight: number) => {
    for (const w of analyzer.queryWords(text)) {
      if (!isHanWord(w) || analyzer.isStopWord(w)) continue;
      tf.set(w, (tf.get(w) ?? 0) + weight);
    }
  };
  count(doc.title ?? '', TITLE_WEIGHT);
  count(doc.content ?? '', 1);
  return tf;
}

/**
 * The `maxTerms` most informative of the words `tf` (weighted frequency x idf of the word's
 * `df` among `n` documents' contents). Words only this document has are left out (they find
 * nothing else); ties are broken by the word, so the choice is deterministic.
 */
export function mostInformative(tf: ReadonlyMap<string, number>, df: (word: string) => number, n: number, maxTerms = DEFAULT_SIMILAR_TERMS): string[] {
  const scored: Array<[string, number]> = [];
  for (const [word, f] of tf) {
    const d = df(word);
    if (d < 2) continue;
    scored.push([word, f * idf(Math.max(1, n), d)]);
  }
  scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return scored.slice(0, Math.max(1, Math.min(64, Math.floor(maxTerms)))).map(([w]) => w);
}

/** The `maxTerms` most informative words of `doc` in a snapshot (document frequencies of its content words). */
export function similarTerms(snapshot: IndexSnapshot, analyzer: Analyzer, doc: StoredDocument, maxTerms = DEFAULT_SIMILAR_TERMS): string[] {
  const df = (word: string) => {
    let d = 0;
    for (const { segment } of snapshot.segments) {
      const table = segment.fields.content.words;
      const ord = table.lookup(word);
      if (ord >= 0) d += table.df[ord];
    }
    return d;
  };
  return mostInformative(documentWords(analyzer, doc), df, snapshot.stats.content.docsWithField, maxTerms);
}

/** Hits fetched for `size` similar ones: room for the document and a few copies of its story. */
export function similarFetchSize(size: number): number {
  return Math.min(10_000, size * 3 + 10);
}

/** The search that finds documents like `doc` (run it with `fetch` hits, then {@link similarHits}). */
export function similarQuery(snapshot: IndexSnapshot, analyzer: Analyzer, doc: StoredDocument, options: SimilarOptions = {}, fetch?: number): SimilarQuery {
  return similarQueryOf(doc, similarTerms(snapshot, analyzer, doc, options.maxTerms), options, fetch);
}

/** The search of `terms` (the most informative words of `doc`) that finds documents like it. */
export function similarQueryOf(doc: StoredDocument, terms: string[], options: SimilarOptions = {}, fetch?: number): SimilarQuery {
  const size = Math.max(1, Math.floor(options.size ?? DEFAULT_SIMILAR_SIZE));
  return {
    id: doc.id,
    story: storyKey(doc),
    terms,
    size,
    q: terms.join(' '),
    options: {
      op: 'or',
      literal: true,
      sort: 'relevance',
      page: 1,
      size: fetch ?? similarFetchSize(size),
      facets: [],
      highlight: false,
      maxTerms: Math.max(1, terms.length),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    },
  };
}

/**
 * The similar hits of `result` (the search of `query`): without the document and the copies of
 * its story (`storyOf`: the story of a hit's id, undefined when unknown), at most `query.size`.
 * `complete` is false when more could have been found by fetching more hits (every fetched one
 * was left out and the search matched more).
 */
export function similarHits(storyOf: (id: string) => string | undefined, query: SimilarQuery, result: SearchResult): { hits: SimilarHit[]; complete: boolean } {
  const hits: SimilarHit[] = [];
  for (const h of result.hits) {
    if (hits.length >= query.size) break;
    if (h.id === query.id || h.unavailable) continue;
    if (storyOf(h.id) === query.story) continue;
    hits.push({ id: h.id, title: h.title, date: h.date, source: h.source, url: h.url, score: h.score });
  }
  const complete = hits.length >= query.size || result.total <= result.hits.length || !query.q;
  return { hits, complete };
}

/** The story of the document `id` of a snapshot, or undefined. */
export function storyIn(snapshot: IndexSnapshot): (id: string) => string | undefined {
  return (id) => {
    const stored = snapshot.get(id);
    return stored ? storyKey(stored) : undefined;
  };
}

/** The next number of hits to fetch when {@link similarHits} was not complete, or null to stop. */
export function nextFetchSize(fetched: number): number | null {
  return fetched >= 10_000 ? null : Math.min(10_000, fetched * 5);
}

/**
 * The documents most similar to `doc`, searched with `search` (the snapshot's search). Searches
 * again with more hits when copies of its story filled the first ones.
 */
export function similar(snapshot: IndexSnapshot, analyzer: Analyzer, doc: StoredDocument, options: SimilarOptions, search: (q: string, options: SearchOptions) => SearchResult): SimilarResult {
  const started = performance.now();
  let query = similarQuery(snapshot, analyzer, doc, options);
  if (!query.q) return { id: doc.id, terms: [], hits: [] };
  for (;;) {
    // A search again with more hits has what is left of the budget.
    const left = options.timeoutMs === undefined ? {} : { timeoutMs: Math.max(1, options.timeoutMs - (performance.now() - started)) };
    const { hits, complete } = similarHits(storyIn(snapshot), query, search(query.q, { ...query.options, ...left }));
    const next = nextFetchSize(query.options.size!);
    if (complete || next === null) return { id: doc.id, terms: query.terms, hits };
    query = { ...query, options: { ...query.options, size: next } };
  }
}

/**
 * zhsearch: a Chinese full-text search engine.
 *
 * The public API that the CLI, the server, the benchmarks and embedders use. Nothing outside
 * `src/` should import anything else.
 *
 * ```ts
 * import { SearchIndex } from 'zhsearch';
 *
 * const index = SearchIndex.open('index');          // creates the directory if needed
 * await index.add({ id: 'a1', title: '金陵图书馆举办读书节', content: '……', date: '2023-06-21' });
 * await index.commit();                              // durable and visible to search
 * const { total, hits, query } = index.search('图书馆 读书节');
 * await index.close();
 * ```
 *
 * Pipeline: analysis (normalize, jieba) -> index (segments on disk) -> search (parse, plan,
 * execute with BM25, collect).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Analyzer } from './analysis/analyzer.js';
import type { DocumentInput, StoredDocument } from './document.js';
import { auditFiles, generationFiles, loadManifest, MANIFEST, type LoadedManifest } from './index/directory.js';
import { IndexSnapshot } from './index/reader.js';
import type { FieldName } from './index/schema.js';
import { IndexWriter, type CommitResult, type WriterOptions } from './index/writer.js';
import { highlight, search, type SearchOptions, type SearchResult } from './search/searcher.js';
import { CompiledFilters, type SearchFilters } from './search/filters.js';
import type { Highlighted } from './search/snippets.js';
import { suggest, type Suggestions } from './search/suggest.js';
import { similar, similarHits, similarQuery, storyIn, type SimilarHit, type SimilarOptions, type SimilarQuery, type SimilarResult } from './search/similar.js';
import { warmVocabulary } from './search/vocabulary.js';
import { checkDuplicate, seedDetector } from './ingest/article.js';
import { DuplicateDetector } from './ingest/dedupe.js';
import { enrichDocument } from './ingest/enrich.js';
import { addOptionsSchema, checkOptions, indexOptionsSchema, searchOptionsSchema } from './search/options.js';

export type { DocumentInput, Region, StoredDocument } from './document.js';
export type { CommitResult, WriterOptions } from './index/writer.js';
export type { DuplicateRef, Explanation, QueryInfo, SearchHit, SearchOptions, SearchResult, SearchWarning } from './search/searcher.js';
export type { Contribution, Op } from './search/executor.js';
export { DEFAULT_STOP_WORDS_FILE, type StopWordsSource } from './analysis/stopwords.js';
import type { StopWordsSource } from './analysis/stopwords.js';
export { DEFAULT_SYNONYMS_FILE, SynonymsError, type SynonymsSource } from './analysis/synonyms.js';
import type { SynonymsSource } from './analysis/synonyms.js';
export type { Interpretation } from './search/interpret.js';
export type { SortOrder } from './search/collector.js';
export { FACET_NAMES, UNDATED, type FacetName, type FacetValue, type Facets, type FacetTotals } from './search/facets.js';
export { dateBound, FilterError, type SearchFilters } from './search/filters.js';
export { asParagraphs, DEFAULT_SNIPPET_LENGTH, type Highlighted, type Range } from './search/snippets.js';
export type { Suggestions } from './search/suggest.js';
export { DEFAULT_SIMILAR_SIZE, DEFAULT_SIMILAR_TERMS, nextFetchSize, similarFetchSize, storyKey, type SimilarHit, type SimilarOptions, type SimilarQuery, type SimilarResult } from './search/similar.js';
export { DEFAULT_RANKING, FIELDS, type FieldName, type RankingOptions } from './index/schema.js';
export { adoptSectionFiles, chunkCacheStats, DEFAULT_CHUNK_CACHE_BYTES, IndexFileError, setChunkCacheBytes, sharedSectionFiles, type ChunkCacheStats, type SharedSectionFile } from './index/section-file.js';
export { IndexLockedError, UnaccountedFilesError } from './index/directory.js';
export { checkIndex, type CheckProblem, type CheckReport } from './index/check.js';
export { DEFAULT_MEMORY_BUDGET_BYTES, SearchBudgetError, SearchMemoryError, SearchTimeoutError, withinTime } from './search/budget.js';
export { parseQuery, type QueryNode } from './search/query-parser.js';
export { clusterStatus, ClusterError, DEFAULT_BASE_PORT, readCluster, startCluster, stopCluster, type ClusterDescription, type NodeStatus, type StartOptions } from './backend/sphinx/cluster.js';
export { SphinxMissingError } from './backend/sphinx/searchd.js';
export { loadDocuments, type LoadOptions, type LoadResult } from './backend/sphinx/load.js';
export { ClusterSearcher, type ClusterSearchResult, type ClusterSearcherOptions, type ShardsInfo } from './backend/sphinx/searcher.js';
export { ClusterUnavailableError } from './backend/sphinx/front.js';
export { ClusterWrites, type ClusterWriteOp } from './backend/sphinx/writes.js';
export { MAX_QUERY_TERMS } from './search/plan.js';
export { MAX_FACET_VALUES, MAX_FILTER_VALUES, MAX_LIBRARY_WINDOW, MAX_PAGE_SIZE, MAX_SNIPPET_LENGTH, OPS, SORT_ORDERS } from './search/options.js';

export interface IndexOptions extends WriterOptions {
  /** The stop list of queries (a file, or the words; default `dict/stopwords.txt`; `[]` for none). */
  stopWords?: StopWordsSource;
  /**
   * Synonym lists applied to queries, in order: files (reread when they change) or `{ lines }`.
   * Default `[DEFAULT_SYNONYMS_FILE]` (`dict/synonyms.txt`); add your file after it to extend it,
   * `[]` for none.
   */
  synonyms?: readonly SynonymsSource[];
  /**
   * Called with what the user should know about the index directory: `manifest.json` lost or
   * damaged and an earlier commit used instead, index files without any manifest. Each message
   * once, until the situation changes. Default: written to stderr.
   */
  onWarning?: (message: string) => void;
  /**
   * Enrich documents given to {@link SearchIndex.add} as ingestion does (regions, libraries, a
   * normalized date; see README "Enrichment"). Default true; `add(doc, { enrich })` overrides it.
   */
  enrich?: boolean;
  /**
   * With enrichment, group copies of a story: a document found to repeat (or nearly repeat) an
   * earlier one gets `duplicateOf` naming it, as ingestion does. Default true; `add(doc, { dedupe })`
   * overrides it. The first such add reads the committed documents once to learn them.
   */
  dedupe?: boolean;
}

/** Options of one {@link SearchIndex.add} call; each defaults to the index's option of that name. */
export interface AddOptions {
  /** false: store the documents exactly as given (no enrichment, no duplicate grouping). */
  enrich?: boolean;
  /** false: no duplicate grouping (the documents are still enriched unless `enrich` is false). */
  dedupe?: boolean;
}

/** Whether `dir` holds an index: a `manifest.json` or a kept commit (`manifest-N.json`) to fall back to. */
export function indexExists(dir: string): boolean {
  return existsSync(join(dir, MANIFEST)) || generationFiles(dir).length > 0;
}

export interface IndexStats {
  documents: number;
  segments: number;
  generation: number;
  committedAt: string | null;
  /** Distinct words and character grams per field (summed over segments). */
  terms: Record<string, { words: number; grams: number }>;
}

/** A snapshot shared by the index and the readers that acquired it: closed when the last one lets go. */
class SharedSnapshot {
  private refs = 1;
  constructor(readonly snapshot: IndexSnapshot) {}

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0) this.snapshot.close();
  }
}

/**
 * A consistent view of one version of the index, for work that must not see a reopen halfway
 * (e.g. one HTTP request). It answers from the version current when it was acquired, whatever
 * reopens happen meanwhile; that version's files stay open until its last reader is released.
 * Call {@link release} exactly once.
 */
export class IndexReader {
  private released = false;

  /** Use {@link SearchIndex.acquire}. */
  constructor(
    private readonly snapshot: IndexSnapshot,
    private readonly analyzer: Analyzer,
    private readonly onRelease: () => void,
  ) {}

  /** Version of the index this reader sees. */
  get generation(): number {
    return this.snapshot.generation;
  }

  get documentCount(): number {
    return this.snapshot.docCount;
  }

  /** Searches this version; throws a TypeError or RangeError naming a bad option (see search/options.ts). */
  search(q: string, options: SearchOptions = {}): SearchResult {
    checkSearch(q, options);
    return search(this.snapshot, this.analyzer, q, options);
  }

  /** Throws {@link FilterError} for a blank or unknown filter value, as `search` would, without searching. */
  checkFilters(filters: SearchFilters): void {
    CompiledFilters.compile(this.snapshot, filters);
  }

  /** The stored document with this id, or null. */
  get(id: string): StoredDocument | null {
    return this.snapshot.get(id);
  }

  /** Words and titles starting with `input` (see search/suggest.ts). */
  suggest(input: string, limit?: number): Suggestions {
    return suggest(this.snapshot, this.analyzer, input, limit);
  }

  /**
   * `text` (a stored `field`) with the matches of query `q` marked: escaped HTML and offsets.
   * Throws `SearchTimeoutError` past `timeoutMs` (default: no limit).
   */
  highlight(q: string, text: string, field?: FieldName, timeoutMs?: number, literal?: boolean): Highlighted {
    return highlight(this.snapshot, this.analyzer, q, text, field, timeoutMs, literal);
  }

  /**
   * The documents most similar to document `id` (its most informative words as an OR query; the
   * document and the copies of its story left out; see search/similar.ts), or null when there is
   * no document `id`.
   */
  similar(id: string, options: SimilarOptions = {}): SimilarResult | null {
    const doc = this.snapshot.get(id);
    return doc ? similar(this.snapshot, this.analyzer, doc, options, (q, o) => this.search(q, o)) : null;
  }

  /**
   * {@link similar} in steps, for running its search elsewhere (the server's lanes): the search to
   * run (`q` and `options`, with `fetch` hits), or null when there is no document `id`.
   */
  similarQuery(id: string, options: SimilarOptions = {}, fetch?: number): SimilarQuery | null {
    const doc = this.snapshot.get(id);
    return doc ? similarQuery(this.snapshot, this.analyzer, doc, options, fetch) : null;
  }

  /** The similar hits of `result`, the search of `query` ({@link similarQuery}); not `complete` when fetching more hits could find more. */
  similarHits(query: SimilarQuery, result: SearchResult): { hits: SimilarHit[]; complete: boolean } {
    return similarHits(storyIn(this.snapshot), query, result);
  }

  stats(): IndexStats {
    return statsOf(this.snapshot);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }
}

/** An index directory, open for searching and (on first change) for writing. */
export class SearchIndex {
  private shared: SharedSnapshot | null;
  private writer: IndexWriter | null = null;
  /** What `add` groups copies with: the committed originals and the documents added since (built on first use). */
  private duplicates: DuplicateDetector | null = null;
  readonly analyzer: Analyzer;
  /** The last warning given, so that a situation is reported once, not at every reopen. */
  private warned: string | null = null;

  private constructor(readonly dir: string, private readonly options: IndexOptions) {
    const loaded = this.load();
    this.shared = loaded ? new SharedSnapshot(IndexSnapshot.open(dir)) : null;
    if (!loaded) {
      const orphans = auditFiles(dir, null, false).unaccounted;
      if (orphans.length) {
        this.warn(
          `${dir} holds ${orphans.length} index file(s) but no manifest (${join(dir, MANIFEST)} and every kept manifest-N.json are lost): ` +
            `searching an empty index; \`zhsearch check --index-dir ${dir}\` lists them, and \`zhsearch index\` leaves them unless given --force`,
        );
      }
    }
    // A new index is usually opened to be built, on worker threads: this thread may never cut text.
    this.analyzer = new Analyzer({ userDicts: options.userDicts, lazy: !this.shared, stopWords: options.stopWords, synonyms: options.synonyms, onWarning: (m) => this.warn(m) });
  }

  private get snapshot(): IndexSnapshot | null {
    return this.shared?.snapshot ?? null;
  }

  /**
   * Opens the index in `dir`. A directory without an index is an empty index; it is created on
   * the first commit. Throws {@link IndexFileError} (naming the file) if the index is damaged.
   */
  static open(dir: string, options: IndexOptions = {}): SearchIndex {
    if (typeof dir !== 'string' || dir === '') throw new TypeError('dir: must be the path of the index directory');
    checkOptions(indexOptionsSchema, options);
    return new SearchIndex(dir, options);
  }

  /** The current version on disk (see index/directory.ts), warning once when it is read from a fallback. */
  private load(): LoadedManifest | null {
    const loaded = loadManifest(this.dir);
    if (loaded?.fallback) this.warn(loaded.fallback);
    else if (loaded) this.warned = null;
    return loaded;
  }

  private warn(message: string): void {
    if (message === this.warned) return;
    this.warned = message;
    (this.options.onWarning ?? ((m: string) => void process.stderr.write(`zhsearch: warning: ${m}\n`)))(message);
  }

  private write(): IndexWriter {
    return (this.writer ??= IndexWriter.open(this.dir, this.options));
  }

  /**
   * Adds documents; a document whose id is already indexed replaces it. Visible after {@link commit}.
   * Unless `enrich` is false (here or in the index's options), each document is enriched as
   * ingestion enriches what it extracts (ingest/enrich.ts): absent `regions` and `libraries` are
   * found in title and content, the date is normalized (or found in the lead when absent), fields
   * given are kept; and, unless `dedupe` is false, a copy of a document indexed or added before
   * gets `duplicateOf` naming it (the detector learns the committed documents on first use).
   */
  async add(docs: DocumentInput | Iterable<DocumentInput> | AsyncIterable<DocumentInput>, options: AddOptions = {}): Promise<void> {
    checkOptions(addOptionsSchema, options);
    const writer = this.write();
    const enrich = options.enrich ?? this.options.enrich ?? true;
    const dedupe = enrich && (options.dedupe ?? this.options.dedupe ?? true);
    const prepare = (d: DocumentInput): DocumentInput => {
      checkDocument(d);
      return enrich ? this.enrich(d, dedupe) : d;
    };
    if (Symbol.iterator in Object(docs) || Symbol.asyncIterator in Object(docs)) {
      for await (const d of docs as AsyncIterable<DocumentInput>) await writer.add(prepare(d));
    } else await writer.add(prepare(docs as DocumentInput));
  }

  /** `doc` enriched, and grouped with an earlier copy when `dedupe` (and the caller set no `duplicateOf`). */
  private enrich(doc: DocumentInput, dedupe: boolean): DocumentInput {
    const out = enrichDocument(doc);
    if (dedupe && out.duplicateOf === undefined) {
      if (!this.duplicates) {
        this.duplicates = new DuplicateDetector();
        seedDetector(this.duplicates, this.documents());
      }
      const dup = checkDuplicate(this.duplicates, out);
      if (dup) out.duplicateOf = dup.duplicateOf;
    }
    return out;
  }

  /** Deletes documents by id. Visible after {@link commit}. */
  delete(...ids: string[]): void {
    const writer = this.write();
    for (const id of ids) writer.delete(id);
  }

  /** Writes pending changes as a new version of the index and searches it from now on. */
  async commit(): Promise<CommitResult> {
    const result = await this.write().commit();
    this.reopen();
    return result;
  }

  /**
   * Switches to the newest version on disk (written by this or another process). Returns true if
   * it changed. Readers acquired before keep the version they have until they are released.
   */
  reopen(): boolean {
    const manifest = this.load()?.manifest;
    if (!manifest || manifest.generation === this.snapshot?.generation) return false;
    const next = new SharedSnapshot(IndexSnapshot.open(this.dir));
    const previous = this.shared;
    this.shared = next;
    previous?.release();
    return true;
  }

  /**
   * Generation of the newest version committed on disk, which {@link reopen} would switch to (0
   * when there is none). Throws {@link IndexFileError} when no manifest can be read.
   */
  latestGeneration(): number {
    return this.load()?.manifest.generation ?? 0;
  }

  /** A consistent reader of the current version; release it when done. */
  acquire(): IndexReader {
    const shared = this.shared;
    if (!shared) return new IndexReader(EMPTY_SNAPSHOT, this.analyzer, () => {});
    shared.retain();
    return new IndexReader(shared.snapshot, this.analyzer, () => shared.release());
  }

  /**
   * Builds now what query understanding needs (the pinyin and sound index of the vocabulary and
   * the syllable table; see search/vocabulary.ts), which the first query reading pinyin or checking
   * a typo would otherwise build: about 2 s and 50 MB for xwlb's 180,000 words. Segments keep it,
   * so after a reopen only new segments are built. Returns the words and keys indexed.
   */
  warm(): { words: number; keys: number } {
    return warmVocabulary(this.snapshot ?? EMPTY_SNAPSHOT);
  }

  /** Searches the committed documents; throws a TypeError or RangeError naming a bad option (see search/options.ts). */
  search(q: string, options: SearchOptions = {}): SearchResult {
    checkSearch(q, options);
    if (!this.snapshot) return search(EMPTY_SNAPSHOT, this.analyzer, q, options);
    return search(this.snapshot, this.analyzer, q, options);
  }

  /** The stored document with this id, or null. */
  get(id: string): StoredDocument | null {
    return this.snapshot?.get(id) ?? null;
  }

  get documentCount(): number {
    return this.snapshot?.docCount ?? 0;
  }

  /**
   * Every live stored document of the current version, segment by segment (read from disk one at
   * a time; ingestion seeds its duplicate detector with them).
   */
  *documents(): Generator<StoredDocument> {
    for (const { segment, deleted } of this.snapshot?.segments ?? []) {
      for (let d = 0; d < segment.docCount; d++) if (!deleted || !deleted[d]) yield segment.document(d);
    }
  }

  /** Words and titles starting with `input` (see search/suggest.ts). */
  suggest(input: string, limit?: number): Suggestions {
    return suggest(this.snapshot ?? EMPTY_SNAPSHOT, this.analyzer, input, limit);
  }

  /** The documents most similar to document `id`, or null when there is none (see {@link IndexReader.similar}). */
  similar(id: string, options: SimilarOptions = {}): SimilarResult | null {
    const reader = this.acquire();
    try {
      return reader.similar(id, options);
    } finally {
      reader.release();
    }
  }

  stats(): IndexStats {
    return statsOf(this.snapshot);
  }

  /** Discards uncommitted changes, releases the writer lock and closes files. */
  async close(): Promise<void> {
    await this.writer?.close();
    this.writer = null;
    this.duplicates = null;
    this.shared?.release();
    this.shared = null;
  }
}

/** A document's fields of the wrong type throw a TypeError naming the document and the field. */
function checkDocument(d: DocumentInput): void {
  if (d === null || typeof d !== 'object') throw new TypeError('document: must be an object with id and content');
  const bad = (field: string, what: string) => new TypeError(`document ${typeof d.id === 'string' ? JSON.stringify(d.id) : ''}: ${field}: ${what}`.replace('document : ', 'document: '));
  if (typeof d.id !== 'string' || d.id === '') throw bad('id', 'must be a non-empty string');
  if (typeof d.content !== 'string') throw bad('content', 'must be a string');
  for (const f of ['title', 'date', 'url', 'source', 'author', 'duplicateOf'] as const) {
    if (d[f] !== undefined && typeof d[f] !== 'string') throw bad(f, 'must be a string');
  }
  for (const f of ['tags', 'libraries'] as const) {
    const v = d[f];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) throw bad(f, 'must be an array of strings');
  }
  if (d.regions !== undefined && (!Array.isArray(d.regions) || d.regions.some((r) => r === null || typeof r !== 'object' || typeof r.code !== 'string' || typeof r.province !== 'string'))) {
    throw bad('regions', 'must be an array of { code, province, city?, county? }');
  }
}

/** The query and options of a search, checked (search/options.ts). */
function checkSearch(q: string, options: SearchOptions): void {
  if (typeof q !== 'string') throw new TypeError('q: the query must be a string');
  checkOptions(searchOptionsSchema, options);
}

function statsOf(s: IndexSnapshot | null): IndexStats {
  const terms: IndexStats['terms'] = {};
  for (const view of s?.segments ?? []) {
    for (const [f, field] of Object.entries(view.segment.fields)) {
      const t = (terms[f] ??= { words: 0, grams: 0 });
      t.words += field.words.terms.size;
      t.grams += field.grams.terms.size;
    }
  }
  return {
    documents: s?.docCount ?? 0,
    segments: s?.segments.length ?? 0,
    generation: s?.generation ?? 0,
    committedAt: s?.manifest.committedAt ?? null,
    terms,
  };
}

const EMPTY_SNAPSHOT = IndexSnapshot.empty();

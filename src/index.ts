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
import { Analyzer } from './analysis/analyzer.js';
import type { DocumentInput, StoredDocument } from './document.js';
import { readManifest } from './index/directory.js';
import { IndexSnapshot } from './index/reader.js';
import { IndexWriter, type CommitResult, type WriterOptions } from './index/writer.js';
import { search, type SearchOptions, type SearchResult } from './search/searcher.js';

export type { DocumentInput, Region, StoredDocument } from './document.js';
export type { CommitResult, WriterOptions } from './index/writer.js';
export type { QueryInfo, SearchHit, SearchOptions, SearchResult } from './search/searcher.js';
export type { SortOrder } from './search/collector.js';
export { DEFAULT_RANKING, FIELDS, type FieldName, type RankingOptions } from './index/schema.js';
export { IndexFileError } from './index/section-file.js';
export { parseQuery, type QueryNode } from './search/query-parser.js';

export interface IndexOptions extends WriterOptions {}

export interface IndexStats {
  documents: number;
  segments: number;
  generation: number;
  committedAt: string | null;
  /** Distinct words and character grams per field (summed over segments). */
  terms: Record<string, { words: number; grams: number }>;
}

/** An index directory, open for searching and (on first change) for writing. */
export class SearchIndex {
  private snapshot: IndexSnapshot | null;
  private writer: IndexWriter | null = null;
  readonly analyzer: Analyzer;

  private constructor(readonly dir: string, private readonly options: IndexOptions) {
    this.analyzer = new Analyzer({ userDicts: options.userDicts });
    this.snapshot = readManifest(dir) ? IndexSnapshot.open(dir) : null;
  }

  /**
   * Opens the index in `dir`. A directory without an index is an empty index; it is created on
   * the first commit. Throws {@link IndexFileError} (naming the file) if the index is damaged.
   */
  static open(dir: string, options: IndexOptions = {}): SearchIndex {
    return new SearchIndex(dir, options);
  }

  private write(): IndexWriter {
    return (this.writer ??= IndexWriter.open(this.dir, this.options));
  }

  /** Adds documents; a document whose id is already indexed replaces it. Visible after {@link commit}. */
  async add(docs: DocumentInput | Iterable<DocumentInput> | AsyncIterable<DocumentInput>): Promise<void> {
    const writer = this.write();
    if (Symbol.iterator in Object(docs) || Symbol.asyncIterator in Object(docs)) {
      for await (const d of docs as AsyncIterable<DocumentInput>) await writer.add(d);
    } else await writer.add(docs as DocumentInput);
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

  /** Switches to the newest version on disk (written by this or another process). Returns true if it changed. */
  reopen(): boolean {
    const manifest = readManifest(this.dir);
    if (!manifest || manifest.generation === this.snapshot?.generation) return false;
    const next = IndexSnapshot.open(this.dir);
    const previous = this.snapshot;
    this.snapshot = next;
    previous?.close();
    return true;
  }

  /** Searches the committed documents. */
  search(q: string, options: SearchOptions = {}): SearchResult {
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

  stats(): IndexStats {
    const s = this.snapshot;
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

  /** Discards uncommitted changes, releases the writer lock and closes files. */
  async close(): Promise<void> {
    await this.writer?.close();
    this.writer = null;
    this.snapshot?.close();
    this.snapshot = null;
  }
}

const EMPTY_SNAPSHOT = IndexSnapshot.empty();

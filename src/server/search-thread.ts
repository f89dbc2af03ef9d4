/**
 * Worker-thread entry point of the slow search lane (lanes.ts): opens its own reader of the
 * index directory and answers search requests one at a time, switching to the index version the
 * main thread names when it differs. The segment files' bytes are the main thread's (shared
 * memory, see `sharedSectionFiles`), so the thread adds no copy of the index.
 *
 * With `body` in the request, the reply is the search route's response body already serialized
 * (two strings: cheap to pass, and the main thread does not stringify it again).
 *
 * Owns: the message protocol on the thread side. Must not: decide what runs here (lanes.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptSectionFiles, SearchBudgetError, SearchIndex, type IndexOptions, type SearchOptions, type SearchResult, type SharedSectionFile } from '../index.js';
import { searchBodyParts, type SearchBodyParts } from './search-body.js';

/** The options the thread opens the index with: the server's stop list and synonym lists. */
export type ThreadIndexOptions = Pick<IndexOptions, 'stopWords' | 'synonyms'>;

export interface ThreadRequest {
  id: number;
  /** The index version the main thread serves; the thread reopens when it differs. */
  generation: number;
  /** The main thread's loaded index files, sent when the version changed: the thread maps them instead of reading copies. */
  files?: SharedSectionFile[];
  q: string;
  options: SearchOptions;
  /** Answer with the search route's serialized body (search-body.ts) for this page and size, not the result. */
  body?: { page: number; size: number };
}

export type ThreadReply =
  | { id: number; result: SearchResult | SearchBodyParts }
  | { id: number; error: { name: string; message: string; resource?: 'time' | 'memory'; limit?: number } };

const port = parentPort!;
const { indexDir, files, options } = workerData as { indexDir: string; files: SharedSectionFile[]; options: ThreadIndexOptions };
adoptSectionFiles(files);
const index = SearchIndex.open(indexDir, options);
// jieba's dictionaries load on a thread's first analysis (a second or more): load them now, while
// the server starts, not within the first search's time budget.
try {
  index.search('预热', { size: 1, highlight: false });
} catch {
  // A damaged index reports itself on the first real search.
}

/**
 * Builds the query-understanding data of the index version open now (see `SearchIndex.warm`),
 * once the thread has nothing to answer, so the next slow search does not pay for it.
 */
function warmSoon(): void {
  setImmediate(() => {
    try {
      index.warm();
    } catch {
      // Best effort: a search that needs the data builds it, and reports any error itself.
    }
  });
}

port.on('message', (msg: ThreadRequest) => {
  let reply: ThreadReply;
  let reopened = false;
  try {
    if (msg.files) adoptSectionFiles(msg.files);
    if (index.stats().generation !== msg.generation) {
      try {
        reopened = index.reopen();
      } catch {
        // A version that fails to load (a damaged file): keep the one we have, as the main thread does.
      }
    }
    const reader = index.acquire();
    try {
      const result = reader.search(msg.q, msg.options);
      reply = { id: msg.id, result: msg.body ? searchBodyParts(result, msg.body.page, msg.body.size) : result };
    } finally {
      reader.release();
    }
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id: msg.id, error: { name: e.name, message: e.message, ...(e instanceof SearchBudgetError ? { resource: e.resource, limit: e.limit } : {}) } };
  }
  port.postMessage(reply);
  // The search built what it needed of the new version; the rest is built before the next one.
  if (reopened) warmSoon();
});
port.postMessage({ ready: true });
warmSoon();

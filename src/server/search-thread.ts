/**
 * Worker-thread entry point of the slow search lane (lanes.ts): opens its own reader of the
 * index directory and answers search requests one at a time, switching to the index version the
 * main thread names when it differs. The segment files' bytes are the main thread's (shared
 * memory, see `sharedSectionFiles`), so the thread adds no copy of the index.
 *
 * Owns: the message protocol on the thread side. Must not: decide what runs here (lanes.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptSectionFiles, SearchBudgetError, SearchIndex, type SearchOptions, type SharedSectionFile } from '../index.js';

export interface ThreadRequest {
  id: number;
  /** The index version the main thread serves; the thread reopens when it differs. */
  generation: number;
  /** The main thread's loaded index files, sent when the version changed: the thread maps them instead of reading copies. */
  files?: SharedSectionFile[];
  q: string;
  options: SearchOptions;
}

export type ThreadReply =
  | { id: number; result: ReturnType<SearchIndex['search']> }
  | { id: number; error: { name: string; message: string; resource?: 'time' | 'memory'; limit?: number } };

const port = parentPort!;
const { indexDir, files, stopWords } = workerData as { indexDir: string; files: SharedSectionFile[]; stopWords?: string };
adoptSectionFiles(files);
const index = SearchIndex.open(indexDir, { stopWords });

port.on('message', (msg: ThreadRequest) => {
  let reply: ThreadReply;
  try {
    if (msg.files) adoptSectionFiles(msg.files);
    if (index.stats().generation !== msg.generation) {
      try {
        index.reopen();
      } catch {
        // A version that fails to load (a damaged file): keep the one we have, as the main thread does.
      }
    }
    const reader = index.acquire();
    try {
      reply = { id: msg.id, result: reader.search(msg.q, msg.options) };
    } finally {
      reader.release();
    }
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id: msg.id, error: { name: e.name, message: e.message, ...(e instanceof SearchBudgetError ? { resource: e.resource, limit: e.limit } : {}) } };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });

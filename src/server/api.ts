/**
 * The API route handlers: search, one document, similar documents, suggestions, health and stats.
 *
 * Each request acquires one {@link IndexReader} and releases it when done, so it sees a single
 * version of the index even if the server switches versions meanwhile. Responses that depend only
 * on the index version and the URL carry an ETag made of both (`W/"v<version>-<hash of url>"`) and
 * `Cache-Control: no-cache`: caches keep them and revalidate, and an unchanged index answers 304
 * without searching again.
 *
 * Owns: turning validated parameters into calls of the public API and shaping the JSON.
 * Must not: validate by hand (schemas.ts), reach past src/index.ts, or know about listening.
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import {
  FilterError,
  IndexFileError,
  SearchMemoryError,
  SearchTimeoutError,
  type Highlighted,
  type IndexReader,
  type SearchFilters,
  type SearchOptions,
  type SearchResult,
  type SearchWarning,
  type StoredDocument,
  asParagraphs,
  nextFetchSize,
  type SimilarHit,
} from '../index.js';
import { ApiError, fromZodError, invalidParameter, notFound } from './errors.js';
import { LaneFullError, type SearchLanes } from './lanes.js';
import { searchBodyJson, searchBodyParts } from './search-body.js';
import type { ThreadRequest } from './search-thread.js';
import {
  docParams,
  docPath,
  noParams,
  searchParams,
  similarParams,
  type similarResponse,
  suggestParams,
  type docResponse,
  type healthResponse,
  type SearchParams,
  type statsResponse,
  type suggestResponse,
} from './schemas.js';

/** What the server needs of an index: a consistent reader per request. `SearchIndex` is one. */
export interface IndexProvider {
  acquire(): IndexReader;
}

/** Validates `value` with `schema`, or throws the 400. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error);
  return result.data;
}

/** Runs `work` with a reader of the current index version, released afterwards. */
function withReader<T>(provider: IndexProvider, work: (reader: IndexReader) => T): T {
  const reader = provider.acquire();
  try {
    return work(reader);
  } finally {
    reader.release();
  }
}

/**
 * What besides the index version and the URL an answer depends on (e.g. the synonym lists, which
 * are reread when they change): part of the ETag, so an edited list is not answered with a 304.
 */
export type CacheKey = () => string;

/** Sets the version ETag; true (and a 304 sent) when the client's copy is current. */
export function notModified(req: Request, res: Response, version: number, key?: CacheKey): boolean {
  const hash = createHash('sha1').update(req.originalUrl).update(key ? `\n${key()}` : '').digest('base64url').slice(0, 20);
  res.set({ ETag: `W/"v${version}-${hash}"`, 'Cache-Control': 'no-cache' });
  if (!req.fresh) return false;
  res.status(304).end();
  return true;
}

/** Default time budget of one search in milliseconds (`--timeout-ms`, `ZHSEARCH_TIMEOUT_MS`). */
export const DEFAULT_SEARCH_TIMEOUT_MS = 2000;

/**
 * Searches run in the lanes of lanes.ts: on the event loop for at most its fast-lane budget, in
 * the search thread beyond. `timeoutMs` is a search's whole budget; running out of it is a 503
 * `search_timeout`, needing more memory than allowed a 503 `search_memory`, a client or server with
 * too many expensive searches a 429 or 503 with `Retry-After`.
 */
export function searchRoute(provider: IndexProvider, lanes: SearchLanes, timeoutMs = DEFAULT_SEARCH_TIMEOUT_MS, key?: CacheKey): RequestHandler {
  return async (req, res) => {
    const p = parse(searchParams, req.query);
    const reader = provider.acquire();
    try {
      const filters = checkedFilters(reader, p);
      if (notModified(req, res, reader.generation, key)) return;
      const started = performance.now();
      const options = searchOptionsOf(p, filters, timeoutMs);
      // Serialized where the search ran (a search thread or here): the thread passes two strings, not the result.
      const parts = await lanesRun(req, res, lanes, options, { generation: reader.generation, q: p.q, options, body: { page: p.page, size: p.size } }, (ms) =>
        searchBodyParts(reader.search(p.q, { ...options, timeoutMs: ms }), p.page, p.size),
      );
      const tookMs = Math.round((performance.now() - started) * 100) / 100;
      // What res.json sends for the same object (search-body.ts keeps its fields and their order).
      res.set('Content-Type', 'application/json; charset=utf-8').send(searchBodyJson(parts, tookMs));
    } finally {
      reader.release();
    }
  };
}

/** The search options of validated search parameters (the search, the feed and the export run them). */
export function searchOptionsOf(p: SearchParams, filters: SearchFilters, timeoutMs: number): SearchOptions {
  return {
    op: p.op,
    page: p.page,
    size: p.size,
    sort: p.sort,
    filters,
    facets: p.facets,
    facetSize: p.facetSize,
    facetQuery: p.facetQuery,
    snippetLength: p.snippetLength,
    explain: p.explain === 'true',
    literal: p.literal === 'true',
    collapse: p.collapse !== 'false',
    timeoutMs,
  };
}

/** A search that ran out of its budget, or found no room in its lane, as the API error; other errors unchanged. */
export function budgetError(err: unknown, timeoutMs: number): unknown {
  if (err instanceof SearchTimeoutError) {
    return new ApiError(
      503,
      'search_timeout',
      `the search took longer than its time budget of ${timeoutMs} ms; simplify the query (fewer words, shorter phrases) or narrow it with filters`,
      { budgetMs: timeoutMs },
    );
  }
  if (err instanceof SearchMemoryError) {
    return new ApiError(503, 'search_memory', `the search needed more than its memory budget of ${Math.round(err.budgetBytes / 2 ** 20)} MiB; simplify the query or narrow it with filters`, {
      budgetBytes: err.budgetBytes,
    });
  }
  if (err instanceof LaneFullError) {
    return new ApiError(err.status, err.status === 429 ? 'too_many_requests' : 'overloaded', err.message, { retryAfterSeconds: err.retryAfterSeconds }, { 'Retry-After': String(err.retryAfterSeconds) });
  }
  return err;
}

/**
 * The filters of the search parameters, checked against the index before the search is queued:
 * a blank value or a region the index and the gazetteer do not know is a 400 naming the parameter.
 */
export function checkedFilters(reader: IndexReader, p: SearchParams): SearchFilters {
  const filters: SearchFilters = { province: p.province, city: p.city, county: p.county, from: p.from, to: p.to, source: p.source, library: p.library };
  if (p.undated === 'only' || p.undated === 'exclude') filters.undated = p.undated;
  try {
    reader.checkFilters(filters);
  } catch (err) {
    if (err instanceof FilterError) throw invalidParameter(err.filter, err.reason);
    throw err;
  }
  return filters;
}

/**
 * The stored document `id`, or null if there is none. A damaged one (its record fails its
 * checksum) is a 500 `document_unavailable`, logged with the file; the client is not told paths.
 */
export function readDocument(reader: IndexReader, id: string, res: Response): StoredDocument | null {
  try {
    return reader.get(id);
  } catch (err) {
    if (!(err instanceof IndexFileError)) throw err;
    res.locals.log(`error: document "${id}" unavailable: ${err.message}`);
    throw new ApiError(500, 'document_unavailable', `document "${id}" cannot be read: its stored copy in the index is damaged`, { id });
  }
}

/**
 * A document, highlighted within the search time budget `timeoutMs` (over it: 503 `search_timeout`),
 * with the query read as the search reads it (`literal=true`: as typed).
 */
export function docRoute(provider: IndexProvider, timeoutMs = DEFAULT_SEARCH_TIMEOUT_MS, key?: CacheKey): RequestHandler {
  return (req, res) => {
    const { id } = parse(docPath, req.params);
    const { q, literal: literalParam } = parse(docParams, req.query);
    const literal = literalParam === 'true';
    withReader(provider, (reader) => {
      const doc = readDocument(reader, id, res);
      if (!doc) throw notFound(`no document with id "${id}"`, { id });
      if (notModified(req, res, reader.generation, key)) return;
      let title: Highlighted;
      let content: Highlighted;
      try {
        const started = performance.now();
        title = reader.highlight(q ?? '', doc.title ?? '', 'title', timeoutMs, literal);
        content = reader.highlight(q ?? '', doc.content ?? '', 'content', timeoutMs - (performance.now() - started), literal);
      } catch (err) {
        res.removeHeader('ETag');
        throw budgetError(err, timeoutMs);
      }
      const body = docBody(doc, title, content);
      res.json(body);
    });
  };
}

/** The article view's answer: the stored document with its title and content highlighted. */
export function docBody(doc: StoredDocument, title: Highlighted, content: Highlighted): z.input<typeof docResponse> {
  return {
    id: doc.id,
    title: doc.title ?? '',
    content: doc.content ?? '',
    titleHtml: title.html,
    contentHtml: asParagraphs(content.html),
    highlights: { title: title.highlights, content: content.highlights },
    date: doc.date ?? null,
    source: doc.source ?? null,
    author: doc.author ?? null,
    url: doc.url ?? null,
    tags: doc.tags ?? [],
    regions: doc.regions ?? [],
    libraries: doc.libraries ?? [],
    extra: doc.extra ?? {},
  };
}

export function suggestRoute(provider: IndexProvider): RequestHandler {
  return (req, res) => {
    const { q, limit } = parse(suggestParams, req.query);
    withReader(provider, (reader) => {
      if (notModified(req, res, reader.generation)) return;
      const body: z.input<typeof suggestResponse> = { q, ...reader.suggest(q, limit) };
      res.json(body);
    });
  };
}

export function healthRoute(provider: IndexProvider): RequestHandler {
  return (req, res) => {
    parse(noParams, req.query);
    withReader(provider, (reader) => {
      const body: z.input<typeof healthResponse> = { status: 'ok', documents: reader.documentCount, version: reader.generation };
      res.set('Cache-Control', 'no-store').json(body);
    });
  };
}

export function statsRoute(provider: IndexProvider): RequestHandler {
  return (req, res) => {
    parse(noParams, req.query);
    withReader(provider, (reader) => {
      const s = reader.stats();
      const body: z.input<typeof statsResponse> = { documents: s.documents, version: s.generation, builtAt: s.committedAt, segments: s.segments, terms: s.terms };
      res.set('Cache-Control', 'no-store').json(body);
    });
  };
}

/**
 * Runs search `q` in the lanes for the client of `req` (as the search route does), logging its
 * warnings; a search over its budget or without room in its lane is the API error (and the ETag
 * set for it removed).
 */
export async function laneSearch(req: Request, res: Response, lanes: SearchLanes, reader: IndexReader, q: string, options: SearchOptions): Promise<SearchResult> {
  return lanesRun(req, res, lanes, options, { generation: reader.generation, q, options }, (ms) => reader.search(q, { ...options, timeoutMs: ms }));
}

/**
 * What the feed and the export run their searches in, for one request: the embedded index's
 * reader (a consistent version, searches in the lanes) or a cluster's searcher.
 */
export interface SearchSession {
  /** The index version answers are cached by (ETag), or null: not cached. */
  readonly version: number | null;
  /** When the version searched was committed, or null when unknown. */
  readonly committedAt: string | null;
  /** The filters of the parameters, checked (a bad value is the 400 naming it). */
  filters(p: SearchParams): SearchFilters;
  search(q: string, options: SearchOptions): Promise<SearchResult>;
  release(): void;
}

/** A request's {@link SearchSession}. */
export type SearchSessions = (req: Request, res: Response) => SearchSession;

/** Sessions of the embedded index: a reader per request, searches in the lanes. */
export function indexSessions(provider: IndexProvider, lanes: SearchLanes): SearchSessions {
  return (req, res) => {
    const reader = provider.acquire();
    return {
      version: reader.generation,
      committedAt: reader.stats().committedAt,
      filters: (p) => checkedFilters(reader, p),
      search: (q, options) => laneSearch(req, res, lanes, reader, q, options),
      release: () => reader.release(),
    };
  };
}

/** {@link laneSearch} of any answer: the result, or the search route's serialized body. */
async function lanesRun<T extends { warnings?: SearchWarning[] }>(
  req: Request,
  res: Response,
  lanes: SearchLanes,
  options: SearchOptions,
  request: Omit<ThreadRequest, 'id'>,
  fast: (timeoutMs: number) => T,
): Promise<T> {
  let result: T;
  try {
    result = await lanes.search<T>(req.ip ?? '-', request, fast);
  } catch (err) {
    if (!res.headersSent) res.removeHeader('ETag');
    throw budgetError(err, options.timeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS);
  }
  for (const w of result.warnings ?? []) res.locals.log(`warning: document "${w.id}" unavailable: ${w.message}`);
  return result;
}

/**
 * `GET /api/docs/:id/similar`: the documents most similar to one (IndexReader.similar), its
 * search run in the lanes within the search time budget; 404 for an unknown id.
 */
export function similarRoute(provider: IndexProvider, lanes: SearchLanes, timeoutMs = DEFAULT_SEARCH_TIMEOUT_MS, key?: CacheKey): RequestHandler {
  return async (req, res) => {
    const { id } = parse(docPath, req.params);
    const { size } = parse(similarParams, req.query);
    const reader = provider.acquire();
    try {
      if (!readDocument(reader, id, res)) throw notFound(`no document with id "${id}"`, { id });
      if (notModified(req, res, reader.generation, key)) return;
      const started = performance.now();
      let query = reader.similarQuery(id, { size })!;
      let hits: SimilarHit[] = [];
      while (query.q) {
        const left = Math.max(1, timeoutMs - (performance.now() - started));
        const picked = reader.similarHits(query, await laneSearch(req, res, lanes, reader, query.q, { ...query.options, timeoutMs: left }));
        hits = picked.hits;
        const next = nextFetchSize(query.options.size ?? 0);
        if (picked.complete || next === null) break;
        // Copies of its story filled the hits fetched: fetch more.
        query = { ...query, options: { ...query.options, size: next } };
      }
      const body: z.input<typeof similarResponse> = { id, terms: query.terms, hits };
      res.json(body);
    } finally {
      reader.release();
    }
  };
}

/**
 * The API route handlers: search, one document, suggestions, health and stats.
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
import { SearchTimeoutError, type IndexReader, type SearchHit, type SearchResult } from '../index.js';
import { ApiError, fromZodError, notFound } from './errors.js';
import {
  docParams,
  docPath,
  noParams,
  searchParams,
  suggestParams,
  type docResponse,
  type healthResponse,
  type searchResponse,
  type statsResponse,
  type suggestResponse,
} from './schemas.js';

/** What the server needs of an index: a consistent reader per request. `SearchIndex` is one. */
export interface IndexProvider {
  acquire(): IndexReader;
}

/** Validates `value` with `schema`, or throws the 400. */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
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

/** Sets the version ETag; true (and a 304 sent) when the client's copy is current. */
function notModified(req: Request, res: Response, version: number): boolean {
  const hash = createHash('sha1').update(req.originalUrl).digest('base64url').slice(0, 20);
  res.set({ ETag: `W/"v${version}-${hash}"`, 'Cache-Control': 'no-cache' });
  if (!req.fresh) return false;
  res.status(304).end();
  return true;
}

/** Default time budget of one search in milliseconds (`--timeout-ms`, `ZHSEARCH_TIMEOUT_MS`). */
export const DEFAULT_SEARCH_TIMEOUT_MS = 2000;

/**
 * Searches run synchronously on the event loop, so `timeoutMs` also bounds how long one search can
 * hold up every other request. Running out of it is a 503 `search_timeout`.
 */
export function searchRoute(provider: IndexProvider, timeoutMs = DEFAULT_SEARCH_TIMEOUT_MS): RequestHandler {
  return (req, res) => {
    const p = parse(searchParams, req.query);
    withReader(provider, (reader) => {
      if (notModified(req, res, reader.generation)) return;
      const started = performance.now();
      let result: SearchResult;
      try {
        result = reader.search(p.q, {
          op: p.op,
          page: p.page,
          size: p.size,
          sort: p.sort,
          filters: { province: p.province, city: p.city, county: p.county, from: p.from, to: p.to, source: p.source, library: p.library },
          facets: p.facets,
          facetSize: p.facetSize,
          snippetLength: p.snippetLength,
          timeoutMs,
        });
      } catch (err) {
        if (!(err instanceof SearchTimeoutError)) throw err;
        res.removeHeader('ETag');
        throw new ApiError(
          503,
          'search_timeout',
          `the search took longer than its time budget of ${timeoutMs} ms; simplify the query (fewer words, shorter phrases) or narrow it with filters`,
          { budgetMs: timeoutMs },
        );
      }
      const { q, terms, excluded, op, relaxed, ignored } = result.query;
      const body: z.input<typeof searchResponse> = {
        query: { q, terms, excluded, op, relaxed, ignored },
        total: result.total,
        page: p.page,
        size: p.size,
        tookMs: Math.round((performance.now() - started) * 100) / 100,
        hits: result.hits.map(hitJson),
        facets: result.facets,
      };
      res.json(body);
    });
  };
}

/** A hit with the fields in documentation order. */
function hitJson(h: SearchHit): z.input<typeof searchResponse>['hits'][number] {
  return {
    id: h.id,
    score: h.score,
    title: h.title,
    titleHtml: h.titleHtml,
    snippetHtml: h.snippetHtml,
    highlights: h.highlights,
    date: h.date,
    source: h.source,
    author: h.author,
    url: h.url,
    tags: h.tags,
    regions: h.regions,
    libraries: h.libraries,
  };
}

export function docRoute(provider: IndexProvider): RequestHandler {
  return (req, res) => {
    const { id } = parse(docPath, req.params);
    const { q } = parse(docParams, req.query);
    withReader(provider, (reader) => {
      const doc = reader.get(id);
      if (!doc) throw notFound(`no document with id "${id}"`, { id });
      if (notModified(req, res, reader.generation)) return;
      const title = reader.highlight(q ?? '', doc.title ?? '', 'title');
      const content = reader.highlight(q ?? '', doc.content ?? '', 'content');
      const body: z.input<typeof docResponse> = {
        id: doc.id,
        title: doc.title ?? '',
        content: doc.content ?? '',
        titleHtml: title.html,
        contentHtml: content.html,
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
      res.json(body);
    });
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

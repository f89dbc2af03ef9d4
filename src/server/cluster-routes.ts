/**
 * The API's routes when a Sphinx cluster answers (`zhsearch serve --backend <dir>`): the same
 * parameters, validation, errors and response shapes as the embedded index's (api.ts), searches
 * awaited from the cluster (I/O, no search thread), answers never cached (no version ETag: the
 * cluster changes under writes). A search some shard did not answer says so: `partial: true`,
 * `shards: { total, failed }`. The feed and the export page through cluster searches.
 * Suggestions and similar documents come from the cluster too (backend/sphinx/suggest.ts, similar.ts).
 *
 * Owns: these handlers. Must not: reach past src/index.ts, or know about listening.
 */
import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { ClusterUnavailableError, FilterError, withinTime, type ClusterSearcher, type ClusterWrites, type SearchFilters } from '../index.js';
import { budgetError, DEFAULT_SEARCH_TIMEOUT_MS, docBody, parse, searchOptionsOf, type SearchSessions } from './api.js';
import { exportRoute } from './export.js';
import { feedRoute } from './feed.js';
import type { ApiRoutes } from './app.js';
import { ApiError, invalidParameter, notFound } from './errors.js';
import { docParams, docPath, noParams, searchParams, similarParams, suggestParams, type healthResponse, type SearchParams, type similarResponse, type statsResponse, type suggestResponse } from './schemas.js';
import { searchBodyJson, searchBodyParts } from './search-body.js';
import { writeRoutes } from './write-routes.js';

function filtersOf(p: SearchParams): SearchFilters {
  const filters: SearchFilters = { province: p.province, city: p.city, county: p.county, from: p.from, to: p.to, source: p.source, library: p.library };
  if (p.undated === 'only' || p.undated === 'exclude') filters.undated = p.undated;
  return filters;
}

/** A filter or option the cluster refused as the embedded index would: the 400 naming it. */
function requestError(err: unknown, timeoutMs: number): unknown {
  if (err instanceof FilterError) return invalidParameter(err.filter, err.reason);
  if (err instanceof RangeError) return new ApiError(400, 'invalid_parameter', err.message);
  if (err instanceof ClusterUnavailableError) return new ApiError(503, 'cluster_unavailable', err.message, null, { 'Retry-After': '5' });
  return budgetError(err, timeoutMs);
}

export function clusterRoutes(searcher: ClusterSearcher, writes: ClusterWrites | null, timeoutMs = DEFAULT_SEARCH_TIMEOUT_MS): ApiRoutes {
  /** The feed's and the export's searches: on the cluster, never cached, errors as the search route's. */
  const sessions: SearchSessions = () => ({
    version: null,
    committedAt: null,
    filters: filtersOf,
    search: (q, options) => withinTime(timeoutMs, searcher.search(q, options)).catch((err) => {
      throw requestError(err, timeoutMs);
    }),
    release: () => undefined,
  });

  const search: RequestHandler = async (req, res) => {
    const p = parse(searchParams, req.query);
    const started = performance.now();
    let result;
    try {
      result = await withinTime(timeoutMs, searcher.search(p.q, searchOptionsOf(p, filtersOf(p), timeoutMs)));
    } catch (err) {
      throw requestError(err, timeoutMs);
    }
    const tookMs = Math.round((performance.now() - started) * 100) / 100;
    res.set('Cache-Control', 'no-store').set('Content-Type', 'application/json; charset=utf-8').send(searchBodyJson(searchBodyParts(result, p.page, p.size), tookMs));
  };

  const doc: RequestHandler = async (req, res) => {
    const { id } = parse(docPath, req.params);
    const { q, literal } = parse(docParams, req.query);
    const d = await searcher.get(id);
    if (!d) throw notFound(`no document with id "${id}"`, { id });
    const [title, content] = await withinTime(timeoutMs, Promise.all([searcher.highlight(q ?? '', d.title ?? '', 'title', literal === 'true'), searcher.highlight(q ?? '', d.content ?? '', 'content', literal === 'true')])).catch((err) => {
      throw requestError(err, timeoutMs);
    });
    const body = docBody(d, title, content);
    res.set('Cache-Control', 'no-store').json(body);
  };

  const suggest: RequestHandler = async (req, res) => {
    const { q, limit } = parse(suggestParams, req.query);
    const found = await withinTime(timeoutMs, searcher.suggest(q, limit)).catch((err) => {
      throw requestError(err, timeoutMs);
    });
    const body: z.input<typeof suggestResponse> = { q, ...found };
    res.set('Cache-Control', 'no-store').json(body);
  };

  const similar: RequestHandler = async (req, res) => {
    const { id } = parse(docPath, req.params);
    const { size } = parse(similarParams, req.query);
    const found = await withinTime(timeoutMs, searcher.similar(id, { size, timeoutMs })).catch((err) => {
      throw requestError(err, timeoutMs);
    });
    if (!found) throw notFound(`no document with id "${id}"`, { id });
    const body: z.input<typeof similarResponse> = found;
    res.set('Cache-Control', 'no-store').json(body);
  };

  const health: RequestHandler = async (req, res) => {
    parse(noParams, req.query);
    const body: z.input<typeof healthResponse> = { status: 'ok', documents: await searcher.documentCount(), version: 0 };
    res.set('Cache-Control', 'no-store').json(body);
  };

  const stats: RequestHandler = async (req, res) => {
    parse(noParams, req.query);
    const body: z.input<typeof statsResponse> = { documents: await searcher.documentCount(), version: 0, builtAt: null, segments: searcher.cluster.shardCount, terms: {} };
    res.set('Cache-Control', 'no-store').json(body);
  };

  return {
    search,
    doc,
    health,
    stats,
    suggest,
    similar,
    feed: feedRoute(sessions, timeoutMs),
    export: exportRoute(sessions, timeoutMs),
    writes: writes ? writeRoutes(writes) : null,
  };
}

/**
 * The Express 5 application: the JSON API under `/api`, the search page and its assets at `/`.
 *
 *   GET /api/search        search with filters, facets, snippets
 *   GET /api/docs/:id      one stored document (`?q=` highlights it)
 *   GET /api/docs/:id/similar  the documents most similar to one
 *   GET /api/feed.atom     the Atom feed of a search (newest first)
 *   GET /api/export        a search's results as CSV or JSON Lines, streamed
 *   GET /api/suggest?q=    completions
 *   GET /api/health        liveness
 *   GET /api/stats         documents, index version, build time
 *   GET /api/openapi.json  the OpenAPI 3.1 description
 *   PUT /api/documents/:id, POST /api/documents, DELETE /api/documents/:id
 *                          the write API (write-routes.ts; on with an admin key)
 *   GET /                  the search page (src/server/public)
 *   GET /widget.js         the embeddable <zh-search> widget (loadable cross-origin), demo at /widget-demo.html
 *
 * Middleware order: request id + access log, one pipelined request at a time per connection,
 * time slices (requests run in arrival order, yielding to the event loop between slices),
 * security headers, URL length limit (414),
 * compression, then under /api: CORS, rate limits and keys (auth.ts), then routes; with the write
 * API on, every request first waits until the write-ahead log is replayed; every error ends in the JSON error handler (400/404/405/414, 503 for
 * a search over its time budget, never a 500 for input).
 *
 * Owns: wiring routes and middleware. Must not: listen, reload the index (server.ts), or
 * validate parameters itself (schemas.ts).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import compression from 'compression';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { accessLog } from './access-log.js';
import { DEFAULT_SEARCH_TIMEOUT_MS, docRoute, healthRoute, indexSessions, searchRoute, similarRoute, statsRoute, suggestRoute, type CacheKey, type IndexProvider } from './api.js';
import { exportRoute } from './export.js';
import { feedRoute } from './feed.js';
import { ApiError, errorHandler, methodNotAllowed, unknownRoute } from './errors.js';
import { SearchLanes } from './lanes.js';
import { cors, preflight, securityHeaders, writePreflight, type CorsOrigins } from './headers.js';
import { authorize, NO_KEYS, rateLimit, type KeyDigests, type RateLimitOptions } from './auth.js';
import { writeRoutes, type WriteTarget } from './write-routes.js';
import { openApiDocument } from './openapi.js';
import { parseQueryString } from './query-string.js';
import { MAX_URL_BYTES } from './schemas.js';

export type { IndexProvider } from './api.js';

/**
 * The API's handlers: the embedded index's (api.ts, with its search lanes) or a cluster's
 * (cluster-routes.ts). The app around them (page, headers, CORS, keys, limits, errors) is the same.
 */
export interface ApiRoutes {
  search: RequestHandler;
  doc: RequestHandler;
  similar: RequestHandler;
  feed: RequestHandler;
  export: RequestHandler;
  suggest: RequestHandler;
  health: RequestHandler;
  stats: RequestHandler;
  /** The write routes, when the write API is on. */
  writes: { put: RequestHandler; post: RequestHandler; remove: RequestHandler } | null;
}

export interface AppOptions {
  /** Origins allowed to call the API from a browser: `'*'` (default) or exact origins. */
  corsOrigins?: CorsOrigins;
  /** Where access-log and error lines go. Default: stdout. */
  log?: (line: string) => void;
  /** Directory of the page's files. Default: src/server/public of this package (also when run from dist/). */
  publicDir?: string;
  /** Time budget of one search in ms (default {@link DEFAULT_SEARCH_TIMEOUT_MS}); over it the answer is a 503. */
  searchTimeoutMs?: number;
  /** Where searches run (lanes.ts). Default: every search on the event loop (no search thread). */
  lanes?: SearchLanes;
  /** Express's `trust proxy`: which proxies' X-Forwarded-For names the client (lanes count per client). Default none. */
  trustProxy?: boolean | string | number;
  /** What searches and highlighted documents depend on besides the index version and the URL (the synonym lists): part of their ETag. */
  cacheKey?: CacheKey;
  /** API key digests (auth.ts). Default none: reads open, writes disabled. */
  keys?: KeyDigests;
  /** Per-address and per-key request limits (auth.ts). Default none. */
  rateLimit?: RateLimitOptions;
  /** The write path (writes.ts), when the write API is on (an admin key is configured). */
  writes?: WriteTarget | null;
  /** Requests wait for it (the server replays its write-ahead log before answering anything). */
  ready?: Promise<void>;
}

/** The page's files live in src/ (no build step): resolved from the package root, from src/ or dist/ alike. */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../../src/server/public/', import.meta.url));

const API_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;
const PAGE_METHODS = ['GET', 'HEAD'] as const;

/** The embedded index's handlers: searches in the lanes (lanes.ts), answers cached by index version. */
function indexRoutes(provider: IndexProvider, options: AppOptions): ApiRoutes {
  const timeoutMs = options.searchTimeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS;
  const lanes = options.lanes ?? new SearchLanes('', { thread: false });
  return {
    search: searchRoute(provider, lanes, timeoutMs, options.cacheKey),
    doc: docRoute(provider, timeoutMs, options.cacheKey),
    similar: similarRoute(provider, lanes, timeoutMs, options.cacheKey),
    feed: feedRoute(indexSessions(provider, lanes), timeoutMs, options.cacheKey),
    export: exportRoute(indexSessions(provider, lanes), timeoutMs),
    suggest: suggestRoute(provider),
    health: healthRoute(provider),
    stats: statsRoute(provider),
    writes: options.writes && (options.keys ?? NO_KEYS).admin ? writeRoutes(options.writes) : null,
  };
}

/** The app over an index (`provider`) or over given handlers (a cluster's: cluster-routes.ts). */
export function createApp(source: IndexProvider | ApiRoutes, options: AppOptions = {}): Express {
  const routes = 'acquire' in source ? indexRoutes(source, options) : source;
  const log = options.log ?? ((line: string) => void process.stdout.write(line + '\n'));
  const publicDir = options.publicDir ?? DEFAULT_PUBLIC_DIR;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', parseQueryString);
  app.set('trust proxy', options.trustProxy ?? false);

  app.use(accessLog(log));
  const ready = options.ready;
  if (ready) app.use((_req, _res, next) => void ready.then(() => next(), next));
  app.use(awaitTurn);
  app.use(timeSlices());
  app.use(securityHeaders);
  app.use(limitUrlLength);
  app.use(compression());

  const api = express.Router();
  api.use(cors(options.corsOrigins ?? '*'));
  api.use(rateLimit(options.rateLimit ?? { perMinute: 0, limitLoopback: false }));
  const keys = options.keys ?? NO_KEYS;
  api.use(authorize(keys));
  apiRoute(api, '/search', routes.search);
  apiRoute(api, '/docs/:id', routes.doc);
  apiRoute(api, '/docs/:id/similar', routes.similar);
  apiRoute(api, '/feed.atom', routes.feed);
  apiRoute(api, '/export', routes.export);
  apiRoute(api, '/suggest', routes.suggest);
  apiRoute(api, '/health', routes.health);
  apiRoute(api, '/stats', routes.stats);
  const writes = keys.admin ? routes.writes : null;
  const writesOff: RequestHandler = (_req, _res, next) => next(new ApiError(403, 'writes_disabled', 'the write API is off: start the server with an admin key (ZHSEARCH_ADMIN_KEY or --admin-key-file) to enable it'));
  api
    .route('/documents')
    .post(writes?.post ?? writesOff)
    .options(writePreflight(['POST']))
    .all(methodNotAllowed(['POST', 'OPTIONS']));
  api
    .route('/documents/:id')
    .put(writes?.put ?? writesOff)
    .delete(writes?.remove ?? writesOff)
    .options(writePreflight(['PUT', 'DELETE']))
    .all(methodNotAllowed(['PUT', 'DELETE', 'OPTIONS']));
  const openapi = openApiDocument();
  apiRoute(api, '/openapi.json', (_req, res) => void res.json(openapi));
  api.use(unknownRoute);
  app.use('/api', api);

  // The page: only GET and HEAD on its files; other methods are 405, other paths 404.
  const pagePaths = ['/', ...readdirSync(publicDir).map((f) => `/${f}`)];
  app.all(pagePaths, (req, res, next) => {
    if ((PAGE_METHODS as readonly string[]).includes(req.method)) return next();
    methodNotAllowed(PAGE_METHODS)(req, res, next);
  });
  // The widget is loaded by other sites' pages: allowed cross-origin (CORP for pages with COEP,
  // CORS for <script crossorigin> and modules, from the API's allowed origins).
  app.get('/widget.js', cors(options.corsOrigins ?? '*'), (_req, res, next) => {
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    next();
  });
  app.use(express.static(publicDir, { index: 'index.html', fallthrough: true, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));

  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}

/**
 * Pipelined requests are handled one at a time, each once the previous response on the connection
 * has gone out (the response has the socket) and the socket is not backed up: a client that sends
 * many requests and never reads makes the server compute and hold one response, not all of them.
 */
const awaitTurn: RequestHandler = (_req, res, next) => {
  const go = () => {
    const socket = res.socket;
    if (socket && socket.writableNeedDrain && !socket.destroyed) socket.once('drain', () => next());
    else next();
  };
  if (res.socket) go();
  else res.once('socket', go);
};

/** Requests run back to back for at most this long before the event loop gets a turn. */
export const SLICE_MS = 10;

/**
 * Requests are handled synchronously (a search holds the event loop for its whole duration), and
 * the event loop accepts new connections only between its rounds over the ready sockets: with many
 * busy connections, a round lasts as long as all their requests, and a new connection waited in
 * the kernel's accept queue for seconds (bench/http.ts after its warm-up: 10 s timeouts). Here,
 * once requests have run for {@link SLICE_MS} in one turn, the next ones wait in a FIFO queue that
 * is worked through one slice per event-loop turn (setImmediate), so new connections are accepted
 * and read between slices and every request is served in arrival order (a request whose client
 * went away meanwhile is dropped).
 */
function timeSlices(): RequestHandler {
  const queue: Array<() => void> = [];
  let sliceStart = -1;
  let scheduled = false;
  const endSlice = () => {
    sliceStart = -1;
  };
  const drain = () => {
    scheduled = false;
    const start = performance.now();
    while (queue.length && performance.now() - start < SLICE_MS) queue.shift()!();
    if (queue.length) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(drain);
  };
  return (req, _res, next) => {
    const now = performance.now();
    if (sliceStart < 0) {
      sliceStart = now;
      // The slice ends when this turn of the event loop does.
      setImmediate(endSlice);
    }
    if (!queue.length && now - sliceStart < SLICE_MS) return next();
    // A client that went away while its request waited is not answered.
    queue.push(() => (req.socket.destroyed ? undefined : next()));
    schedule();
  };
}

/** A 414 for request targets over {@link MAX_URL_BYTES} (the URL arrives percent-encoded: length = bytes). */
const limitUrlLength: RequestHandler = (req, _res, next) => {
  if (req.url.length <= MAX_URL_BYTES) return next();
  next(new ApiError(414, 'uri_too_long', `the URL is ${req.url.length} bytes long; at most ${MAX_URL_BYTES} are accepted`, { maxBytes: MAX_URL_BYTES }));
};

/** A GET route with CORS preflight, and 405 for every other method. */
function apiRoute(router: Router, path: string, handler: RequestHandler): void {
  router.route(path).get(handler).options(preflight).all(methodNotAllowed(API_METHODS));
}

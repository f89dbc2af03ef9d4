/**
 * Running the server: open the index, listen, follow index rebuilds, shut down gracefully.
 *
 * Hot reload: every `reloadIntervalMs` (default 500 ms) the index's `manifest.json` is read; when
 * another process committed a new version, `SearchIndex.reopen()` switches to it atomically.
 * Requests in flight keep the reader they acquired (the old version stays open until they release
 * it), so no request fails or mixes versions. A version that fails to load (a damaged file) is
 * logged once and retried with exponential back-off, at most every 30 s, while the previous one
 * is served; a newer commit is tried at once.
 *
 * Shutdown ({@link RunningServer.close}): stop accepting connections, close idle keep-alive
 * connections, let in-flight requests finish (at most `shutdownGraceMs`, then cut), close the
 * index. The CLI calls it on SIGTERM / SIGINT.
 *
 * Slow and broken clients (see SECURITY.md): a client must send its request line and headers
 * within `headersTimeoutMs` (default 10 s) and the whole request within `requestTimeoutMs` (30 s),
 * else it gets a 408 and is disconnected; an idle keep-alive connection is closed after
 * `keepAliveTimeoutMs` (5 s); a connection on which nothing moves for `idleTimeoutMs` (30 s), such
 * as a client that stops reading a response, is destroyed (its buffered response is freed); at
 * most `maxConnections` (1000) are open at once. Request line + headers are capped at 64 KiB
 * (431), the URL at 48 KiB (414, app.ts).
 *
 * Owns: the HTTP server's lifecycle. Must not: define routes (app.ts) or parse CLI arguments.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ClusterSearcher, ClusterWrites, FACET_NAMES, SearchIndex, type SynonymsSource } from '../index.js';
import { clusterRoutes } from './cluster-routes.js';
import { createApp } from './app.js';
import { availableParallelism } from 'node:os';
import { SearchLanes, type LaneOptions } from './lanes.js';
import { SECURITY_HEADERS, type CorsOrigins } from './headers.js';
import { NO_KEYS, type KeyDigests } from './auth.js';
import { WriteService, type Durability } from './writes.js';

export interface ServerOptions {
  indexDir: string;
  /**
   * A Sphinx cluster's directory (`zhsearch cluster start --dir`): serve it instead of the index
   * in `indexDir` (README "Cluster").
   */
  backend?: string;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  corsOrigins?: CorsOrigins;
  /** How often to look for a new index version. Default 500 ms; 0 disables. */
  reloadIntervalMs?: number;
  /** How long shutdown waits for in-flight requests. Default 10 s. */
  shutdownGraceMs?: number;
  log?: (line: string) => void;
  /** Directory of the page's files (tests). */
  publicDir?: string;
  /** Time budget of one search in ms; over it the answer is a 503 `search_timeout`. Default 2000. */
  searchTimeoutMs?: number;
  /** Time to receive the request line and headers. Default 10 s. */
  headersTimeoutMs?: number;
  /** Time to receive the whole request. Default 30 s. */
  requestTimeoutMs?: number;
  /** Idle time after which a keep-alive connection is closed. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** Time without any progress (read or write) after which a connection is destroyed. Default 30 s. */
  idleTimeoutMs?: number;
  /** Connections open at once; more are refused. Default 1000. */
  maxConnections?: number;
  /** Whether searches over the fast-lane budget finish on a search thread (lanes.ts). Default true. */
  searchThread?: boolean;
  /** How many search threads (lanes.ts); 0 = one per core. Default 1. */
  searchThreads?: number;
  /** Other settings of the search lanes (tests). */
  lanes?: Partial<LaneOptions>;
  /** Express's `trust proxy` (which X-Forwarded-For to believe for the client's address). Default false. */
  trustProxy?: boolean | number | string;
  /** The queries' stop-list file. Default `dict/stopwords.txt`. */
  stopWords?: string;
  /**
   * The queries' synonym lists, in order (see `IndexOptions.synonyms`): default
   * `[DEFAULT_SYNONYMS_FILE]`; `[]` for none. Files are reread when they change.
   */
  synonyms?: readonly SynonymsSource[];
  /** API key digests (auth.ts); with an admin key the write API is on. Default none. */
  keys?: KeyDigests;
  /** Requests a minute per client address and per key (0 = no limit). Default 0. */
  rateLimit?: number;
  /** Whether loopback clients are rate-limited too. Default false. */
  rateLimitLoopback?: boolean;
  /** How often written documents are committed (searchable). Default 1000 ms. */
  refreshIntervalMs?: number;
  /** How writes are made durable before the answer (writes.ts). Default `log`. */
  writeDurability?: Durability;
}

export interface RunningServer {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  /** The embedded index served (null when a cluster is). */
  readonly index: SearchIndex | null;
  /** Documents and index version when it started listening (a cluster has no version: 0). */
  readonly started: { documents: number; generation: number };
  /** The write path, when the write API is on. */
  readonly writes: WriteService | null;
  /** Stops accepting, finishes in-flight requests, closes the index. Idempotent. */
  close(): Promise<void>;
}

/** Large enough for a 4,000-character Chinese query percent-encoded in the URL (~36 KB). */
const MAX_HEADER_BYTES = 64 * 1024;

export const SERVER_DEFAULTS = {
  searchTimeoutMs: 2000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  maxConnections: 1000,
} as const;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (options.backend) return startClusterServer(options, options.backend);
  const log = options.log ?? ((line: string) => void process.stdout.write(line + '\n'));
  const keys = options.keys ?? NO_KEYS;
  // The writer lock names the server (and its URL once it listens) to writers it refuses.
  let owner = 'the zhsearch server (write API on)';
  const indexOptions = { stopWords: options.stopWords, synonyms: options.synonyms };
  const index = SearchIndex.open(options.indexDir, { ...indexOptions, lockOwner: () => owner });
  const writes = keys.admin
    ? new WriteService(index, options.indexDir, { refreshIntervalMs: options.refreshIntervalMs, durability: options.writeDurability }, log)
    : null;
  let markReady = () => {};
  const ready = writes ? new Promise<void>((resolve) => (markReady = resolve)) : undefined;
  const o = { ...SERVER_DEFAULTS, ...definedOnly(options) };
  const threads = options.searchThreads === 0 ? availableParallelism() : (options.searchThreads ?? 1);
  const lanes = new SearchLanes(options.indexDir, { thread: options.searchThread ?? true, threads, ...options.lanes }, indexOptions);
  // The search thread opens the index and loads jieba beside the main thread's warm-up.
  const threadReady = lanes.start();
  warmUp(index);
  await threadReady;
  const app = createApp(index, {
    corsOrigins: options.corsOrigins,
    log,
    publicDir: options.publicDir,
    searchTimeoutMs: o.searchTimeoutMs,
    lanes,
    trustProxy: options.trustProxy,
    cacheKey: synonymsKey(index),
    keys,
    rateLimit: { perMinute: options.rateLimit ?? 0, limitLoopback: options.rateLimitLoopback ?? false },
    writes,
    ready,
  });
  const server = httpServer(app, o);

  try {
    await listen(server, options.port ?? 3000, options.host ?? '127.0.0.1');
  } catch (err) {
    await lanes.close();
    await index.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  if (writes) {
    // Requests wait (app.ts) until the writer lock is held and the write-ahead log replayed.
    owner = `the zhsearch server at ${url} (write API on)`;
    try {
      await writes.start();
    } catch (err) {
      server.close();
      server.closeAllConnections();
      await lanes.close();
      await index.close();
      throw err;
    }
    markReady();
  }

  const interval = options.reloadIntervalMs ?? 500;
  const watcher = interval > 0 ? setInterval(reloader(index, log, interval), interval) : null;
  watcher?.unref();

  let closing: Promise<void> | null = null;
  // Listening: query understanding's data is built now, not by the first query reading pinyin.
  const warming = setImmediate(() => closing || warmUnderstanding(index, log));
  const close = () =>
    (closing ??= (async () => {
      clearImmediate(warming);
      if (watcher) clearInterval(watcher);
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
      await done;
      clearTimeout(grace);
      try {
        await writes?.close();
      } catch (err) {
        log(`${new Date().toISOString()} error: committing the last writes at shutdown failed (the write-ahead log keeps them; replayed at the next start): ${messageOf(err)}`);
      }
      await lanes.close();
      await index.close();
    })());

  const s = index.stats();
  return { url, port: address.port, index, started: { documents: s.documents, generation: s.generation }, writes, close };
}

/** The server over a Sphinx cluster: the same app and HTTP settings, the cluster's routes (cluster-routes.ts). */
async function startClusterServer(options: ServerOptions, dir: string): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => void process.stdout.write(line + '\n'));
  const keys = options.keys ?? NO_KEYS;
  const o = { ...SERVER_DEFAULTS, ...definedOnly(options) };
  const searcher = await ClusterSearcher.open(dir);
  const writes = keys.admin ? ClusterWrites.open(dir) : null;
  const app = createApp(clusterRoutes(searcher, writes, o.searchTimeoutMs), {
    corsOrigins: options.corsOrigins,
    log,
    publicDir: options.publicDir,
    searchTimeoutMs: o.searchTimeoutMs,
    trustProxy: options.trustProxy,
    keys,
    rateLimit: { perMinute: options.rateLimit ?? 0, limitLoopback: options.rateLimitLoopback ?? false },
  });
  const server = httpServer(app, o);
  const release = async () => {
    await writes?.close();
    await searcher.close();
  };
  try {
    await listen(server, options.port ?? 3000, options.host ?? '127.0.0.1');
  } catch (err) {
    await release();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
      await done;
      clearTimeout(grace);
      await release();
    })());
  return { url: `http://${host}:${address.port}`, port: address.port, index: null, started: { documents: await searcher.documentCount(), generation: 0 }, writes: null, close };
}

/** The HTTP server of `app` with the request limits and timeouts (see the header). */
function httpServer(app: ReturnType<typeof createApp>, o: { [K in keyof typeof SERVER_DEFAULTS]: number }): Server {
  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      requestTimeout: o.requestTimeoutMs,
      headersTimeout: Math.min(o.headersTimeoutMs, o.requestTimeoutMs),
      // How often Node looks for requests over those timeouts (its default, 30 s, would let them run that much longer).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(o.headersTimeoutMs / 4))),
    },
    app,
  );
  server.keepAliveTimeout = o.keepAliveTimeoutMs;
  server.maxConnections = o.maxConnections;
  // A socket without progress (a client that stopped reading, a half-dead peer) is destroyed,
  // which frees what it buffered.
  cutStalledConnections(server, o.idleTimeoutMs);
  server.on('clientError', answerClientError);
  return server;
}

/**
 * Destroys every connection on which nothing has moved for `idleMs`: no byte read from the client,
 * none written by the server, none taken by the kernel from what was queued for it. Connections
 * are looked at every tenth of `idleMs` (at most every second), so a stalled one is cut between
 * `idleMs` and `idleMs` + two such periods after its last progress (30 to 32 s by default).
 *
 * Not Node's socket timeout (`server.setTimeout`): when it expires it lets the connection off once
 * if the write queue shrank since the last write was handed to it, which it always has just after
 * a large response was (the kernel takes what fits at once), so a client that stopped reading was
 * cut after twice the timeout (measured: 60 s for 30 s; test/reliability/slow-clients.test.ts).
 */
function cutStalledConnections(server: Server, idleMs: number): void {
  const seen = new Map<Socket, { read: number; written: number; queued: number; at: number }>();
  const queuedOf = (socket: Socket) => (socket as Socket & { _handle?: { writeQueueSize?: number } | null })._handle?.writeQueueSize ?? 0;
  server.on('connection', (socket: Socket) => {
    seen.set(socket, { read: socket.bytesRead, written: socket.bytesWritten, queued: queuedOf(socket), at: performance.now() });
    socket.once('close', () => seen.delete(socket));
  });
  const check = setInterval(() => {
    const now = performance.now();
    for (const [socket, last] of seen) {
      const read = socket.bytesRead;
      const written = socket.bytesWritten;
      const queued = queuedOf(socket);
      if (read !== last.read || written !== last.written || queued !== last.queued) Object.assign(last, { read, written, queued, at: now });
      else if (now - last.at >= idleMs) socket.destroy();
    }
  }, Math.max(10, Math.min(1000, Math.floor(idleMs / 10))));
  check.unref();
  server.once('close', () => clearInterval(check));
}

/** `options` without its undefined values (so they do not override the defaults). */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Loads the dictionaries, gazetteer and per-version caches before the first request needs them. */
function warmUp(index: SearchIndex): void {
  index.search('图书馆', { size: 1, facets: FACET_NAMES, filters: { province: ['北京'] }, literal: true });
  index.suggest('图书');
}

/**
 * Builds the pinyin and sound index of the vocabulary (`SearchIndex.warm`, about 2-3 s for 75,000
 * documents, on the event loop): after the server listens, and for the new segments of each
 * version it reloads. Quiet unless it fails (then a search that needs it builds it).
 */
function warmUnderstanding(index: SearchIndex, log: (line: string) => void): void {
  try {
    index.warm();
  } catch (err) {
    log(`${new Date().toISOString()} warning: building the query-understanding data failed (the first query needing it will): ${messageOf(err)}`);
  }
}

/** Numbers the synonym lists the index has loaded: a new number after a list is reread. */
const listNumbers = new WeakMap<object, number>();
let lastListNumber = 0;

/**
 * The part of the ETag that changes when the synonym lists are reread (see `IndexOptions.synonyms`),
 * so a search cached before an edit is not confirmed with a 304 after it.
 */
function synonymsKey(index: SearchIndex): () => string {
  return () => {
    // The list is rebuilt, as a new object, only when a file changed; its identity is its version.
    const list = index.analyzer.synonyms();
    let n = listNumbers.get(list);
    if (n === undefined) listNumbers.set(list, (n = ++lastListNumber));
    return `synonyms ${n}`;
  };
}

/**
 * Requests Node's HTTP parser rejects before Express sees them (raw non-ASCII bytes in the URL,
 * oversized headers, timeouts) get the same JSON error shape as everything else.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A response already under way on this connection (e.g. the body of a request never finished
  // arriving after it was answered): another status line would corrupt it, so just disconnect.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || err.code === 'ECONNRESET' || inFlight?.headersSent) return void socket.destroy();
  const [status, reason, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'request line or headers too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request timed out']
        : [400, 'Bad Request', 'malformed HTTP request (the URL must be percent-encoded ASCII)'];
  const body = JSON.stringify({ error: { code: 'bad_request', message, details: null } });
  const security = Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\n${security}Connection: close\r\n\r\n${body}`,
  );
}

/** Longest wait between two attempts to load an index version that failed to load. */
const RELOAD_RETRY_MAX_MS = 30_000;

/**
 * The hot reload, run every `intervalMs`: switches to a newer index version when one was
 * committed. A version that fails to load (e.g. a damaged segment) is logged once and retried with
 * exponential back-off (`intervalMs`, doubled after each failure, at most 30 s) while the current
 * version is served; a newer commit is tried at once (only the manifest is read at each tick).
 */
function reloader(index: SearchIndex, log: (line: string) => void, intervalMs: number): () => void {
  /** The version that failed to load, and when and after what delay it is tried again. */
  let failed: { version: string; delayMs: number; retryAt: number } | null = null;
  return () => {
    let version: string;
    try {
      const latest = index.latestGeneration();
      if (latest === index.stats().generation) return void (failed = null);
      version = `version ${latest}`;
    } catch (err) {
      version = messageOf(err); // no manifest can be read: the error is the version's identity
    }
    if (failed?.version === version && Date.now() < failed.retryAt) return;
    try {
      if (index.reopen()) {
        warmUp(index);
        warmUnderstanding(index, log);
        const s = index.stats();
        log(`${new Date().toISOString()} index reloaded: version ${s.generation}, ${s.documents} documents`);
      }
      failed = null;
    } catch (err) {
      const again = failed?.version === version;
      const delayMs = again ? Math.min(failed!.delayMs * 2, RELOAD_RETRY_MAX_MS) : intervalMs;
      failed = { version, delayMs, retryAt: Date.now() + delayMs };
      if (!again) {
        log(
          `${new Date().toISOString()} index reload of ${version} failed: ${messageOf(err)}; still serving version ${index.stats().generation}; ` +
            `retrying less and less often (at most every ${RELOAD_RETRY_MAX_MS / 1000} s), logged again when another version is committed`,
        );
      }
    }
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

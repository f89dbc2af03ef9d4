/**
 * Search admission: which lane a search runs in, and how much of the search capacity one client
 * may hold (as Elasticsearch's search thread pools and circuit breakers do).
 *
 *   fast lane  the server's event loop, which also answers health, documents, suggestions and the
 *              page. A search runs here with a budget of {@link LaneOptions.fastLaneMs} (50 ms).
 *   slow lane  a search thread (search-thread.ts, started on first use) with its own reader of the
 *              index. A search that needed more than the fast lane's budget is run again here with
 *              what is left of its whole budget, and the client that sent it is "heavy" for
 *              {@link LaneOptions.heavyMs} (10 s): its searches go straight to this lane. So does
 *              a client whose fast-lane searches took more than {@link LaneOptions.fastShareMs}
 *              (250 ms) of the last second.
 *
 * So an expensive query can hold the event loop for about 50 ms at most, once per client per
 * 10 s; cheap requests are never queued behind it. The slow lane serves its clients round-robin
 * (one queue per client), so one client's flood does not delay another's searches; a client may
 * have at most {@link LaneOptions.maxPerClient} searches there (running or waiting), more are a
 * 429 with `Retry-After`, and the lane holds at most {@link LaneOptions.maxQueued} in all, more are
 * a 503 with `Retry-After`.
 *
 * The thread starts with the server and shares the main thread's index files (shared memory), so
 * it costs its own heap and dictionaries, not a second copy of the index.
 *
 * A client is its address (`req.ip`: behind a reverse proxy, set `--trust-proxy` so it is the
 * client's, not the proxy's).
 *
 * Owns: lanes, per-client accounting and the search thread's life. Must not: parse parameters or
 * shape responses (api.ts).
 */
import { Worker } from 'node:worker_threads';
import { SearchMemoryError, SearchTimeoutError, sharedSectionFiles, type SearchResult } from '../index.js';
import type { ThreadIndexOptions, ThreadReply, ThreadRequest } from './search-thread.js';

export interface LaneOptions {
  /** Budget of a search on the event loop before it moves to the slow lane. Default 50 ms. */
  fastLaneMs: number;
  /** How long a client stays heavy after a search of its needed the slow lane. Default 10 s. */
  heavyMs: number;
  /** Fast-lane time a client may use per second before it is heavy. Default 250 ms. */
  fastShareMs: number;
  /** Searches one client may have in the slow lane (running or waiting). Default 8. */
  maxPerClient: number;
  /** Searches the slow lane may hold in all. Default 64. */
  maxQueued: number;
  /** False: no search thread; every search runs on the event loop with its whole budget. Default true. */
  thread: boolean;
}

export const LANE_DEFAULTS: LaneOptions = { fastLaneMs: 50, heavyMs: 10_000, fastShareMs: 250, maxPerClient: 8, maxQueued: 64, thread: true };

/** A search the server cannot take now: 429 (this client has too many) or 503 (the lane is full). */
export class LaneFullError extends Error {
  constructor(
    readonly status: 429 | 503,
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
    this.name = 'LaneFullError';
  }
}

interface Client {
  heavyUntil: number;
  /** Fast-lane milliseconds used since `windowStart`. */
  spent: number;
  windowStart: number;
  /** Searches of this client in the slow lane, running or waiting. */
  inSlowLane: number;
}

interface Job {
  request: Omit<ThreadRequest, 'id'>;
  /** When the search's whole budget runs out (this thread's clock): time waiting in the lane counts. */
  deadline: number;
  client: string;
  resolve: (r: SearchResult) => void;
  reject: (e: Error) => void;
}

/** Clients remembered at most (the least recently seen are forgotten first). */
const MAX_CLIENTS = 10_000;

export class SearchLanes {
  private readonly options: LaneOptions;
  private readonly clients = new Map<string, Client>();
  /** Waiting jobs per client, and the clients with waiting jobs in round-robin order. */
  private readonly waiting = new Map<string, Job[]>();
  private readonly turns: string[] = [];
  private queued = 0;
  private thread: Worker | null = null;
  private running: (Job & { id: number }) | null = null;
  private nextId = 1;
  /** The index version the thread was last sent the files of. */
  private sentGeneration = -1;
  /** Resolves when the current thread has opened the index. */
  private ready: Promise<void> | null = null;
  /** Recent slow-lane search durations, for Retry-After. */
  private slowMs = 500;
  private closed = false;

  constructor(
    private readonly indexDir: string,
    options: Partial<LaneOptions> = {},
    /** How the thread opens the index: the server's stop list and synonym lists. */
    private readonly indexOptions: ThreadIndexOptions = {},
  ) {
    this.options = { ...LANE_DEFAULTS, ...options };
  }

  /**
   * Runs a search for `client`: on the event loop (`fast`, called with its time budget) or in the
   * search thread (`request`), as the lanes decide. `request.options.timeoutMs` is its whole budget.
   */
  async search(client: string, request: Omit<ThreadRequest, 'id'>, fast: (timeoutMs: number) => SearchResult): Promise<SearchResult> {
    const budget = request.options.timeoutMs ?? Infinity;
    const c = this.client(client);
    const now = performance.now();
    if (!this.options.thread) return fast(budget);
    if (c.heavyUntil <= now) {
      const fastMs = Math.min(this.options.fastLaneMs, budget);
      const started = performance.now();
      try {
        const result = fast(fastMs);
        this.spend(c, performance.now() - started);
        return result;
      } catch (err) {
        const spent = performance.now() - started;
        this.spend(c, spent);
        if (!(err instanceof SearchTimeoutError) || fastMs >= budget) throw err;
        c.heavyUntil = performance.now() + this.options.heavyMs;
        return this.slow(client, c, { ...request, options: { ...request.options, timeoutMs: Math.max(1, budget - spent) } });
      }
    }
    c.heavyUntil = now + this.options.heavyMs;
    return this.slow(client, c, request);
  }

  /**
   * Starts the search thread now (it opens the index and loads its dictionaries, a few seconds)
   * instead of on the first slow search; resolves once it is ready.
   */
  start(): Promise<void> {
    if (!this.options.thread || this.closed) return Promise.resolve();
    this.searchThread();
    return this.ready!;
  }

  /** Stops the search thread; waiting searches fail. */
  async close(): Promise<void> {
    this.closed = true;
    const failure = new Error('the server is shutting down');
    for (const jobs of this.waiting.values()) for (const j of jobs) j.reject(failure);
    this.waiting.clear();
    this.running?.reject(failure);
    this.running = null;
    await this.thread?.terminate();
    this.thread = null;
  }

  private client(key: string): Client {
    let c = this.clients.get(key);
    if (c) {
      // Most recently seen last, so the oldest is the first to forget.
      this.clients.delete(key);
    } else {
      c = { heavyUntil: 0, spent: 0, windowStart: performance.now(), inSlowLane: 0 };
      if (this.clients.size >= MAX_CLIENTS) {
        for (const [k, old] of this.clients) {
          if (old.inSlowLane === 0) {
            this.clients.delete(k);
            break;
          }
        }
      }
    }
    this.clients.set(key, c);
    return c;
  }

  private spend(c: Client, ms: number): void {
    const now = performance.now();
    if (now - c.windowStart > 1000) {
      c.windowStart = now;
      c.spent = 0;
    }
    c.spent += ms;
    if (c.spent > this.options.fastShareMs) c.heavyUntil = now + this.options.heavyMs;
  }

  private slow(key: string, c: Client, request: Omit<ThreadRequest, 'id'>): Promise<SearchResult> {
    if (this.closed) return Promise.reject(new Error('the server is shutting down'));
    const retry = Math.max(1, Math.ceil(((c.inSlowLane + 1) * this.slowMs) / 1000));
    if (c.inSlowLane >= this.options.maxPerClient) {
      return Promise.reject(new LaneFullError(429, retry, `too many expensive searches at once from this client (at most ${this.options.maxPerClient}); retry after ${retry} s`));
    }
    if (this.queued >= this.options.maxQueued) {
      const wait = Math.max(1, Math.ceil((this.queued * this.slowMs) / 1000));
      return Promise.reject(new LaneFullError(503, wait, `the server has too many expensive searches waiting (${this.queued}); retry after ${wait} s`));
    }
    c.inSlowLane++;
    this.queued++;
    return new Promise<SearchResult>((resolve, reject) => {
      const done = () => {
        c.inSlowLane--;
        this.queued--;
      };
      const job: Job = {
        request,
        deadline: performance.now() + (request.options.timeoutMs ?? Infinity),
        client: key,
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      };
      const jobs = this.waiting.get(key);
      if (jobs) jobs.push(job);
      else {
        this.waiting.set(key, [job]);
        this.turns.push(key);
      }
      this.pump();
    });
  }

  /** Starts the next waiting job, round-robin over clients, if the thread is free. */
  private pump(): void {
    if (this.running || !this.turns.length || this.closed) return;
    const key = this.turns.shift()!;
    const jobs = this.waiting.get(key)!;
    const job = jobs.shift()!;
    if (jobs.length) this.turns.push(key);
    else this.waiting.delete(key);
    const id = this.nextId++;
    this.running = { ...job, id };
    const started = performance.now();
    const finish = (settle: () => void) => {
      this.slowMs = 0.8 * this.slowMs + 0.2 * (performance.now() - started);
      this.running = null;
      settle();
      this.pump();
    };
    this.running.resolve = ((resolve) => (r: SearchResult) => finish(() => resolve(r)))(job.resolve);
    this.running.reject = ((reject) => (e: Error) => finish(() => reject(e)))(job.reject);
    const left = job.deadline - performance.now();
    if (left <= 0) return finish(() => job.reject(new SearchTimeoutError(job.request.options.timeoutMs ?? 0)));
    const request = { ...job.request, options: { ...job.request.options, timeoutMs: left } };
    const thread = this.searchThread();
    const files = job.request.generation !== this.sentGeneration ? sharedSectionFiles() : undefined;
    this.sentGeneration = job.request.generation;
    thread.postMessage({ ...request, id, files } satisfies ThreadRequest);
  }

  private searchThread(): Worker {
    if (this.thread) return this.thread;
    const workerData = { indexDir: this.indexDir, files: sharedSectionFiles(), options: this.indexOptions };
    // Under a TypeScript runner (tests), the thread registers tsx before loading the TypeScript entry.
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./search-thread.ts', import.meta.url).href)}); })`,
          { eval: true, workerData },
        )
      : new Worker(new URL('./search-thread.js', import.meta.url), { workerData });
    let markReady = () => {};
    this.ready = new Promise<void>((resolve) => (markReady = resolve));
    worker.on('message', (reply: ThreadReply | { ready: true }) => {
      if ('ready' in reply) {
        // Until then the thread keeps the process alive (the server may be waiting for it).
        worker.unref();
        return markReady();
      }
      const job = this.running;
      if (!job || job.id !== reply.id) return;
      if ('result' in reply) job.resolve(reply.result);
      else job.reject(threadError(reply.error));
    });
    const fail = (err: Error) => {
      // The thread is gone: the running search fails; the next one starts a new thread.
      markReady();
      if (this.thread === worker) {
        this.thread = null;
        this.sentGeneration = -1;
      }
      this.running?.reject(err);
    };
    worker.on('error', (err) => fail(err));
    worker.on('exit', (code) => fail(new Error(`the search thread exited with code ${code}`)));
    return (this.thread = worker);
  }
}

/** The error a search thread reported, as the same class. */
function threadError(e: Extract<ThreadReply, { error: unknown }>['error']): Error {
  if (e.resource === 'time') return new SearchTimeoutError(e.limit!);
  if (e.resource === 'memory') return new SearchMemoryError(e.limit!);
  const err = e.name === 'RangeError' ? new RangeError(e.message) : new Error(e.message);
  err.name = e.name;
  return err;
}

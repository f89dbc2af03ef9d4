/**
 * Search admission: which lane a search runs in, and how much of the search capacity one client
 * may hold (as Elasticsearch's search thread pools and circuit breakers do).
 *
 *   fast lane  the server's event loop, which also answers health, documents, suggestions and the
 *              page. A search runs here with a budget of {@link LaneOptions.fastLaneMs} (50 ms).
 *   slow lane  a search thread (search-thread.ts, started on first use) with its own reader of the
 *              index. A search that needed more than the fast lane's budget is run again here with
 *              what is left of its whole budget. The searches of a "heavy" client go straight here.
 *
 * Heavy is a leaky bucket of search time per client: every search adds the time it ran (on the
 * event loop, or on a thread: its wait in the slow lane's queue is not counted) to the client's
 * debt, which drains at {@link LaneOptions.drainPerSecondMs} (100 ms of search per second, capped
 * at {@link LaneOptions.maxDebtMs}, 1 s: ten seconds of draining); the client is heavy while its
 * debt exceeds the fast lane's budget or a search of its that needed more than that budget
 * finishes in the slow lane. So a search that needs the slow lane makes its client heavy at
 * once, until it ends and then about a second per 100 ms it ran there; a client that keeps
 * sending expensive searches stays heavy until ten seconds after it stops; one that sends cheap
 * searches stays light; and one search slowed by a busy machine (10 ms of work that took 60 ms
 * while every core was taken) makes it heavy for a fraction of a second, not for as long as it
 * keeps searching.
 *
 * So an expensive query holds the event loop for about 50 ms at most, and then its client's
 * searches stay off the event loop while it drains; cheap requests are never queued behind them.
 * The slow lane serves its clients round-robin (one queue per client), so one client's flood does
 * not delay another's searches; a client may have at most {@link LaneOptions.maxPerClient}
 * searches there (running or waiting), more are a 429 with `Retry-After`, and the lane holds at
 * most {@link LaneOptions.maxQueued} in all, more are a 503 with `Retry-After`.
 *
 * The slow lane has {@link LaneOptions.threads} search threads (default 1), each running one search
 * at a time. A search of a client that is not heavy goes to a search thread that is idle when
 * nothing waits in the slow lane (so the event loop stays free for I/O and a second core is used),
 * with its whole budget, and its time there is charged as on the event loop. Only when every
 * thread is busy does it run on the event loop.
 *
 * The threads start with the server and share the main thread's index files (shared memory), so
 * each costs its own heap and dictionaries, not a second copy of the index.
 *
 * A thread's answer is what the caller asked for: the search result (cloned into the main thread)
 * or, for the search route, the response body already serialized (search-body.ts).
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
  /** How fast a client's search-time debt drains: search milliseconds per second. Default 100. */
  drainPerSecondMs: number;
  /** The most search-time debt a client carries (so it is heavy at most this / drain seconds after it stops). Default 1,000 ms. */
  maxDebtMs: number;
  /** Searches one client may have in the slow lane (running or waiting). Default 8. */
  maxPerClient: number;
  /** Searches the slow lane may hold in all. Default 64. */
  maxQueued: number;
  /** False: no search thread; every search runs on the event loop with its whole budget. Default true. */
  thread: boolean;
  /** Search threads (with `thread`). Default 1. */
  threads: number;
}

export const LANE_DEFAULTS: LaneOptions = { fastLaneMs: 50, drainPerSecondMs: 100, maxDebtMs: 1_000, maxPerClient: 8, maxQueued: 64, thread: true, threads: 1 };

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
  debt: SearchDebt;
  /** Searches of this client in the slow lane, running or waiting. */
  inSlowLane: number;
  /** Of those, the ones that needed more than the fast lane's budget there (not charged yet). */
  moved: number;
}

interface Job {
  request: Omit<ThreadRequest, 'id'>;
  /** When the search's whole budget runs out (this thread's clock): time waiting in the lane counts. */
  deadline: number;
  client: string;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
}

/** One search thread and the search it runs. */
interface Slot {
  worker: Worker | null;
  running: (Job & { id: number }) | null;
  /** The index version the thread was last sent the files of. */
  sentGeneration: number;
  /** Resolves when the current thread has opened the index. */
  ready: Promise<void> | null;
  isReady: boolean;
}

/**
 * One client's search time not yet drained, a leaky bucket (see the header): {@link charge} adds
 * milliseconds of search, which drain at `drainPerSecondMs` per second, up to `maxMs`. Times are
 * `performance.now()` milliseconds.
 */
export class SearchDebt {
  private ms = 0;
  private since = 0;

  constructor(
    private readonly drainPerSecondMs: number,
    private readonly maxMs: number,
  ) {}

  /** The debt at `now`. */
  at(now: number): number {
    return Math.max(0, this.ms - ((now - this.since) * this.drainPerSecondMs) / 1000);
  }

  /** Adds `ms` of search time at `now`. */
  charge(ms: number, now: number): void {
    this.ms = Math.min(this.maxMs, this.at(now) + ms);
    this.since = now;
  }
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
  private readonly slots: Slot[];
  private nextId = 1;
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
    this.slots = Array.from({ length: Math.max(1, this.options.threads) }, () => ({ worker: null, running: null, sentGeneration: -1, ready: null, isReady: false }));
  }

  /**
   * Runs a search for `client`: on the event loop (`fast`, called with its time budget) or in the
   * search thread (`request`), as the lanes decide. `request.options.timeoutMs` is its whole budget.
   * What `fast` returns is what the thread answers: the result, or with `request.body` the
   * serialized response body (search-thread.ts).
   */
  async search<T = SearchResult>(client: string, request: Omit<ThreadRequest, 'id'>, fast: (timeoutMs: number) => T): Promise<T> {
    const budget = request.options.timeoutMs ?? Infinity;
    const c = this.client(client);
    const now = performance.now();
    if (!this.options.thread) return fast(budget);
    const heavy = c.moved > 0 || c.debt.at(now) > this.options.fastLaneMs;
    if (!heavy && !this.turns.length && c.inSlowLane < this.options.maxPerClient && this.slots.some((s) => s.isReady && !s.running)) {
      // An idle thread takes it off the event loop, with its whole budget (its time there is charged when it ends).
      return this.slow<T>(client, c, request);
    }
    if (!heavy) {
      const fastMs = Math.min(this.options.fastLaneMs, budget);
      const started = performance.now();
      try {
        const result = fast(fastMs);
        const ended = performance.now();
        c.debt.charge(ended - started, ended);
        return result;
      } catch (err) {
        const ended = performance.now();
        const spent = ended - started;
        c.debt.charge(spent, ended);
        if (!(err instanceof SearchTimeoutError) || fastMs >= budget) throw err;
        c.moved++;
        try {
          return await this.slow<T>(client, c, { ...request, options: { ...request.options, timeoutMs: Math.max(1, budget - spent) } });
        } finally {
          c.moved--;
        }
      }
    }
    return this.slow<T>(client, c, request);
  }

  /**
   * Starts the search thread now (it opens the index and loads its dictionaries, a few seconds)
   * instead of on the first slow search; resolves once it is ready.
   */
  start(): Promise<void> {
    if (!this.options.thread || this.closed) return Promise.resolve();
    return Promise.all(this.slots.map((s) => (this.searchThread(s), s.ready!))).then(() => undefined);
  }

  /** Stops the search threads; waiting searches fail. */
  async close(): Promise<void> {
    this.closed = true;
    const failure = new Error('the server is shutting down');
    for (const jobs of this.waiting.values()) for (const j of jobs) j.reject(failure);
    this.waiting.clear();
    for (const s of this.slots) {
      s.running?.reject(failure);
      s.running = null;
    }
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
    for (const s of this.slots) s.worker = null;
  }

  private client(key: string): Client {
    let c = this.clients.get(key);
    if (c) {
      // Most recently seen last, so the oldest is the first to forget.
      this.clients.delete(key);
    } else {
      c = { debt: new SearchDebt(this.options.drainPerSecondMs, this.options.maxDebtMs), inSlowLane: 0, moved: 0 };
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

  private slow<T>(key: string, c: Client, request: Omit<ThreadRequest, 'id'>): Promise<T> {
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
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        c.inSlowLane--;
        this.queued--;
      };
      const job: Job = {
        request,
        deadline: performance.now() + (request.options.timeoutMs ?? Infinity),
        client: key,
        resolve: (r) => (done(), resolve(r as T)),
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

  /** Starts waiting jobs, round-robin over clients, while a thread is free. */
  private pump(): void {
    const free = () => this.slots.find((s) => !s.running && s.isReady) ?? this.slots.find((s) => !s.running);
    for (let slot = free(); slot && this.turns.length && !this.closed; slot = free()) this.startOn(slot);
  }

  private startOn(slot: Slot): void {
    const key = this.turns.shift()!;
    const jobs = this.waiting.get(key)!;
    const job = jobs.shift()!;
    if (jobs.length) this.turns.push(key);
    else this.waiting.delete(key);
    const id = this.nextId++;
    const running = { ...job, id };
    slot.running = running;
    const started = performance.now();
    const finish = (settle: () => void, ran = true) => {
      if (ran) {
        const ended = performance.now();
        this.slowMs = 0.8 * this.slowMs + 0.2 * (ended - started);
        // The client's entry stays while it has searches here (it is forgotten only at zero).
        this.clients.get(job.client)?.debt.charge(ended - started, ended);
      }
      if (slot.running === running) slot.running = null;
      settle();
      this.pump();
    };
    running.resolve = ((resolve) => (r: unknown) => finish(() => resolve(r)))(job.resolve);
    running.reject = ((reject) => (e: Error) => finish(() => reject(e)))(job.reject);
    const left = job.deadline - performance.now();
    if (left <= 0) return finish(() => job.reject(new SearchTimeoutError(job.request.options.timeoutMs ?? 0)), false);
    const request = { ...job.request, options: { ...job.request.options, timeoutMs: left } };
    const thread = this.searchThread(slot);
    const files = job.request.generation !== slot.sentGeneration ? sharedSectionFiles() : undefined;
    slot.sentGeneration = job.request.generation;
    thread.postMessage({ ...request, id, files } satisfies ThreadRequest);
  }

  private searchThread(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const workerData = { indexDir: this.indexDir, files: sharedSectionFiles(), options: this.indexOptions };
    // Under a TypeScript runner (tests), the thread registers tsx before loading the TypeScript entry.
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./search-thread.ts', import.meta.url).href)}); })`,
          { eval: true, workerData },
        )
      : new Worker(new URL('./search-thread.js', import.meta.url), { workerData });
    let markReady = () => {};
    slot.isReady = false;
    slot.ready = new Promise<void>((resolve) => (markReady = resolve));
    worker.on('message', (reply: ThreadReply | { ready: true }) => {
      if ('ready' in reply) {
        // Until then the thread keeps the process alive (the server may be waiting for it).
        worker.unref();
        if (slot.worker === worker) slot.isReady = true;
        return markReady();
      }
      const job = slot.running;
      if (!job || job.id !== reply.id) return;
      if ('result' in reply) job.resolve(reply.result);
      else job.reject(threadError(reply.error));
    });
    const fail = (err: Error) => {
      // The thread is gone: the running search fails; the next one starts a new thread.
      markReady();
      if (slot.worker === worker) {
        slot.worker = null;
        slot.isReady = false;
        slot.sentGeneration = -1;
      }
      slot.running?.reject(err);
    };
    worker.on('error', (err) => fail(err));
    worker.on('exit', (code) => fail(new Error(`the search thread exited with code ${code}`)));
    return (slot.worker = worker);
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

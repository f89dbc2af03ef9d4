/**
 * The write path of the HTTP write API: one writer (the server's index), durable answers, and
 * visibility within the refresh interval.
 *
 * A write (a document put, a delete, a chunk of a bulk request), once validated, is appended to
 * the write-ahead log (write-log.ts) and the request answered once the log is synced to disk
 * (syncs are shared by concurrent requests). Every `refreshIntervalMs` (default 1 s) the writes
 * accepted since the last commit are applied to the index's writer (`SearchIndex.add` / `delete`,
 * which enrich documents as the CLI does: the analysis work happens here, not while the request
 * body is read) and committed (a new index version, which searches see at once); the log files
 * they were in are then removed. Commits run one at a time, in a queue; what arrives during one
 * goes into the next. A request with `?refresh=wait_for` is answered after the commit that
 * includes it (started at once). Over {@link MAX_PENDING_OPS} operations waiting, a write waits
 * for the commit under way (back-pressure).
 *
 * Durability `commit` (measured against the log, see README) commits before every answer
 * instead of logging: simpler, but each commit writes a segment and merges, so it is slower.
 *
 * At start, the writer lock is taken (so `zhsearch index` on the same directory is refused, naming
 * the server) and what the log holds (writes acknowledged before a crash) is applied and committed.
 *
 * Owns: ordering, durability and refresh of writes. Must not: parse HTTP (write-routes.ts).
 */
import type { SearchIndex } from '../index.js';
import { WriteAheadLog, type LoggedOp } from './write-log.js';

export type Durability = 'log' | 'commit';

export interface WriteOptions {
  /** How often pending writes are committed (made visible to search). Default 1000 ms. */
  refreshIntervalMs: number;
  /** `log` (default): answer once the write-ahead log is synced; `commit`: answer after a commit. */
  durability: Durability;
}

export const WRITE_DEFAULTS: WriteOptions = { refreshIntervalMs: 1000, durability: 'log' };

/** What a write request is answered with. */
export interface WriteReceipt {
  /** Increasing number of the write (unique for the server process's life; starts at its start time in ms). */
  taskId: number;
  /** `enqueued`: durable, visible to search within the refresh interval; `visible`: committed, searchable now. */
  status: 'enqueued' | 'visible';
  /** The index version that includes the write (when `visible`), else null. */
  generation: number | null;
}

/** Operations waiting to be applied above which a write waits for the commit under way. */
export const MAX_PENDING_OPS = 20_000;

export class WriteService {
  private tail: Promise<unknown> = Promise.resolve();
  /** Acknowledged operations not yet applied to the index's writer, in order. */
  private pending: LoggedOp[] = [];
  private nextCommit: Promise<number> | null = null;
  private running: Promise<number> | null = null;
  private log: WriteAheadLog | null = null;
  private taskSeq = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  readonly options: WriteOptions;

  constructor(
    private readonly index: SearchIndex,
    private readonly dir: string,
    options: Partial<WriteOptions>,
    private readonly logLine: (line: string) => void,
  ) {
    this.options = {
      refreshIntervalMs: options.refreshIntervalMs ?? WRITE_DEFAULTS.refreshIntervalMs,
      durability: options.durability ?? WRITE_DEFAULTS.durability,
    };
  }

  /**
   * Takes the writer lock, applies and commits what the write-ahead log holds (writes acknowledged
   * before a crash), and starts the refresh timer. Returns the operations replayed.
   */
  async start(): Promise<number> {
    this.index.delete(); // takes the writer lock now: another writer is refused from here on
    const ops = WriteAheadLog.read(this.dir, (file, line, message) => this.logLine(`${new Date().toISOString()} warning: ${file} line ${line} skipped: ${message}`));
    // A new log file: the old ones are dropped once what they hold is committed.
    this.log = WriteAheadLog.open(this.dir);
    if (ops.length) {
      const replayed = await this.applyAll(ops);
      const r = await this.index.commit();
      this.logLine(`${new Date().toISOString()} write-ahead log: ${replayed} acknowledged write(s) replayed and committed (version ${r.generation})`);
    }
    this.log.dropOlder(this.log.rotate());
    if (this.options.durability === 'commit') {
      this.log.close();
      this.log = null;
    }
    if (this.options.refreshIntervalMs > 0) {
      this.timer = setInterval(() => {
        if (this.pending.length && !this.nextCommit && !this.running) {
          this.refresh().catch((err) => this.logLine(`${new Date().toISOString()} error: commit of pending writes failed (retried at the next refresh): ${(err as Error).message}`));
        }
      }, this.options.refreshIntervalMs);
      this.timer.unref();
    }
    return ops.length;
  }

  /** Applies `ops` to the index's writer; returns how many were applied (a failure is logged). */
  private async applyAll(ops: readonly LoggedOp[]): Promise<number> {
    let applied = 0;
    for (const op of ops) {
      try {
        if (op.op === 'put') await this.index.add(op.doc);
        else this.index.delete(op.id);
        applied++;
      } catch (err) {
        this.logLine(`${new Date().toISOString()} error: ${op.op} of document ${JSON.stringify(op.op === 'put' ? op.doc.id : op.id)} failed: ${(err as Error).message}`);
      }
    }
    return applied;
  }

  /** Runs `job` after every job queued before it. */
  private enqueue<T>(job: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(job);
    this.tail = run.catch(() => {});
    return run;
  }

  /**
   * Accepts `ops` (validated documents and deletes): appended to the log (not yet synced) and
   * queued for the next commit. Returns the write's task id, to {@link acknowledge} before
   * answering. When too many operations wait, first waits for the commit under way.
   */
  async apply(ops: readonly LoggedOp[]): Promise<number> {
    if (this.closed) throw new Error('the server is shutting down');
    while (this.pending.length >= MAX_PENDING_OPS) await this.refresh();
    this.log?.append(ops);
    for (const op of ops) this.pending.push(op);
    return this.nextTaskId();
  }

  /**
   * Resolves once every write accepted so far is durable (the log synced; with durability
   * `commit`, or `waitForRefresh`, committed): the receipt to answer task `taskId` with.
   */
  async acknowledge(taskId: number, waitForRefresh: boolean): Promise<WriteReceipt> {
    if (this.log) await this.log.sync();
    if (waitForRefresh || !this.log) return { taskId, status: 'visible', generation: await this.refresh() };
    return { taskId, status: 'enqueued', generation: null };
  }

  nextTaskId(): number {
    return ++this.taskSeq;
  }

  /** The version searched now. */
  generation(): number {
    return this.index.stats().generation;
  }

  /**
   * Commits every write accepted so far, now (one commit shared by the callers until it starts);
   * resolves with the version searched from then on.
   */
  refresh(): Promise<number> {
    return (this.nextCommit ??= this.enqueue(async () => {
      this.nextCommit = null;
      if (!this.pending.length) return this.index.stats().generation;
      // What was accepted until now goes into this commit; what comes meanwhile into a new log file and the next one.
      const ops = this.pending;
      this.pending = [];
      const file = this.log?.rotate();
      const commit = (async () => {
        await this.applyAll(ops);
        const result = await this.index.commit();
        if (file !== undefined) this.log!.dropOlder(file);
        return result.generation;
      })();
      this.running = commit;
      try {
        return await commit;
      } finally {
        this.running = null;
      }
    }));
  }

  /** Stops the timer, commits what is pending and closes the log (the index, and its lock, are closed by the server). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    try {
      await this.refresh();
    } finally {
      this.log?.close();
    }
  }
}

/**
 * The write path of the HTTP write API: one writer (the server's index), durable answers, and
 * visibility within the refresh interval.
 *
 * Every write (a document put, a delete, a chunk of a bulk request) runs in one queue, in arrival
 * order: it is applied to the index's writer (`SearchIndex.add` / `delete`, which enrich documents
 * as the CLI does) and appended to the write-ahead log (write-log.ts); the request is answered
 * once the log is synced to disk. Every `refreshIntervalMs` (default 1 s) pending writes are
 * committed (a new index version, which searches see at once) and the log emptied. A request
 * with `?refresh=wait_for` is answered after the commit that includes it (started at once).
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

/** The outcome of one operation of a batch: null when applied, else why not. */
export type OpOutcome = string | null;

export class WriteService {
  private tail: Promise<unknown> = Promise.resolve();
  private dirty = false;
  private nextCommit: Promise<number> | null = null;
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
   * Takes the writer lock, applies and commits what the write-ahead log holds, and starts the
   * refresh timer. Returns the operations replayed.
   */
  async start(): Promise<number> {
    this.index.delete(); // takes the writer lock now: another writer is refused from here on
    const ops = WriteAheadLog.read(this.dir, (line, message) =>
      this.logLine(`${new Date().toISOString()} warning: write-ahead log line ${line} skipped: ${message}`),
    );
    let replayed = 0;
    for (const op of ops) {
      try {
        await this.apply1(op);
        replayed++;
      } catch (err) {
        this.logLine(`${new Date().toISOString()} warning: write-ahead log: ${op.op} ${op.op === 'put' ? op.doc.id : op.id} failed again: ${(err as Error).message}`);
      }
    }
    if (ops.length) {
      const r = await this.index.commit();
      this.logLine(`${new Date().toISOString()} write-ahead log: ${replayed} acknowledged write(s) replayed and committed (version ${r.generation})`);
    }
    if (this.options.durability === 'log') {
      this.log = WriteAheadLog.open(this.dir);
      this.log.truncate();
    }
    if (this.options.refreshIntervalMs > 0) {
      this.timer = setInterval(() => {
        if (this.dirty && !this.nextCommit) this.refresh().catch((err) => this.logLine(`${new Date().toISOString()} error: commit of pending writes failed (retried at the next refresh): ${(err as Error).message}`));
      }, this.options.refreshIntervalMs);
      this.timer.unref();
    }
    return replayed;
  }

  private async apply1(op: LoggedOp): Promise<void> {
    if (op.op === 'put') await this.index.add(op.doc);
    else this.index.delete(op.id);
  }

  /** Runs `job` after every job queued before it. */
  private enqueue<T>(job: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(job);
    this.tail = run.catch(() => {});
    return run;
  }

  /**
   * Applies `ops` in order, each alone (one failing does not stop the others) and appends the
   * applied ones to the log: the outcome of each op (null: applied) and the write's task id, to
   * {@link acknowledge} before answering.
   */
  async apply(ops: readonly LoggedOp[]): Promise<{ taskId: number; outcomes: OpOutcome[] }> {
    if (this.closed) throw new Error('the server is shutting down');
    const taskId = this.nextTaskId();
    const outcomes = await this.enqueue(async () => {
      const done: LoggedOp[] = [];
      const outcomes: OpOutcome[] = [];
      for (const op of ops) {
        try {
          await this.apply1(op);
          done.push(op);
          outcomes.push(null);
        } catch (err) {
          outcomes.push((err as Error).message);
        }
      }
      this.log?.append(done);
      if (done.length) this.dirty = true;
      return outcomes;
    });
    return { taskId, outcomes };
  }

  /**
   * Resolves once every write applied so far is durable (the log synced; with durability
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

  /** Commits pending writes now (one commit shared by the callers until it starts); resolves with the version searched from then on. */
  refresh(): Promise<number> {
    return (this.nextCommit ??= this.enqueue(async () => {
      this.nextCommit = null;
      if (!this.dirty) return this.index.stats().generation;
      const result = await this.index.commit();
      this.dirty = false;
      this.log?.truncate();
      return result.generation;
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

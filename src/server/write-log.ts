/**
 * The write-ahead log of the HTTP write API: `write-ahead-<n>.log` files in the index directory,
 * one JSON line per acknowledged operation (`{"op":"put","doc":{…}}` or `{"op":"delete","id":"…"}`).
 *
 * A write is answered only once its line is on disk (appended, then `fdatasync`): a `kill -9` or
 * a power cut after the answer loses nothing, because the server replays the log at start
 * ({@link WriteAheadLog.read}) and commits what it holds. Each commit of the index starts a new
 * file ({@link WriteAheadLog.rotate}) and, once committed, removes the older ones (everything in
 * them is then in the committed version). A last line without its newline
 * is a write cut short by a crash, never acknowledged: it is ignored.
 *
 * Syncs are grouped: requests that appended while a sync was running share the next one, so
 * concurrent writers pay one `fdatasync` per round, not one each.
 *
 * Owns: the log file's format, appends, syncs and truncation. Must not: touch the index.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir } from '../fs/durable.js';
import type { DocumentInput } from '../index.js';

/** Log files: `write-ahead-<n>.log`, n increasing; a commit switches to the next one. */
const LOG_FILE = /^write-ahead-(\d+)\.log$/;

export type LoggedOp = { op: 'put'; doc: DocumentInput } | { op: 'delete'; id: string };

/** The log files of `dir`, oldest first. */
function logFiles(dir: string): Array<{ n: number; file: string }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((f) => ({ m: LOG_FILE.exec(f), f }))
    .filter((x) => x.m)
    .map((x) => ({ n: Number(x.m![1]), file: join(dir, x.f) }))
    .sort((a, b) => a.n - b.n);
}

export class WriteAheadLog {
  private fd: number;
  private n: number;
  /** Appends so far (a counter, not bytes). */
  private appended = 0;
  /** Appends known to be on disk. */
  private synced = 0;
  private syncing: Promise<void> | null = null;

  private constructor(private readonly dir: string) {
    const files = logFiles(dir);
    this.n = (files.at(-1)?.n ?? 0) + 1;
    this.fd = openSync(this.path(this.n), 'a');
    fsyncDir(dir);
  }

  private path(n: number): string {
    return join(this.dir, `write-ahead-${n}.log`);
  }

  /** Opens a new log file in `dir` (after the ones there, which {@link read} replays and {@link dropOlder} removes). */
  static open(dir: string): WriteAheadLog {
    return new WriteAheadLog(dir);
  }

  /**
   * The operations logged in `dir`, in order (none when there is no log). A last line cut short
   * by a crash is left out; `onBadLine` hears of any other line that does not parse.
   */
  static read(dir: string, onBadLine: (file: string, line: number, message: string) => void = () => {}): LoggedOp[] {
    const ops: LoggedOp[] = [];
    for (const { file } of logFiles(dir)) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.pop(); // after the last newline: empty, or a line whose write never completed
      lines.forEach((line, i) => {
        if (!line) return;
        try {
          const v = JSON.parse(line) as LoggedOp;
          if ((v.op === 'put' && v.doc && typeof v.doc.id === 'string') || (v.op === 'delete' && typeof v.id === 'string')) ops.push(v);
          else onBadLine(file, i + 1, 'not a put or delete operation');
        } catch (err) {
          onBadLine(file, i + 1, (err as Error).message);
        }
      });
    }
    return ops;
  }

  /** Appends `ops` (to the page cache; {@link sync} makes them durable). */
  append(ops: readonly LoggedOp[]): void {
    if (!ops.length) return;
    const bytes = Buffer.from(ops.map((o) => JSON.stringify(o) + '\n').join(''));
    for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.appended++;
  }

  /** Resolves once every append made before the call is on disk. */
  async sync(): Promise<void> {
    const target = this.appended;
    while (this.synced < target) {
      if (!this.syncing) {
        const upTo = this.appended;
        const fd = this.fd;
        this.syncing = new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve()))).finally(() => {
          this.syncing = null;
        });
        this.syncing.then(() => (this.synced = Math.max(this.synced, upTo)), () => {});
      }
      await this.syncing;
    }
  }

  /**
   * Starts a new log file: later appends go there. Returns the number of the file left, which
   * {@link dropOlder} removes once what it holds is committed.
   */
  rotate(): number {
    const old = this.n;
    const oldFd = this.fd;
    // Everything appended so far is made durable here: syncs started from now on sync the new file.
    fdatasyncSync(oldFd);
    this.synced = this.appended;
    this.n++;
    this.fd = openSync(this.path(this.n), 'a');
    fsyncDir(this.dir);
    // A sync in flight on the old file finishes first (closing its descriptor under it would fail it).
    const inFlight = this.syncing;
    if (inFlight) void inFlight.then(() => closeSync(oldFd), () => closeSync(oldFd));
    else closeSync(oldFd);
    return old;
  }

  /** Removes the log files up to number `n` (their operations are in a committed version). */
  dropOlder(n: number): void {
    for (const f of logFiles(this.dir)) if (f.n <= n) rmSync(f.file, { force: true });
    fsyncDir(this.dir);
  }

  close(): void {
    closeSync(this.fd);
  }
}

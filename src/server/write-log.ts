/**
 * The write-ahead log of the HTTP write API: `write-ahead.log` in the index directory, one JSON
 * line per acknowledged operation (`{"op":"put","doc":{…}}` or `{"op":"delete","id":"…"}`).
 *
 * A write is answered only once its line is on disk (appended, then `fdatasync`): a `kill -9` or
 * a power cut after the answer loses nothing, because the server replays the log at start
 * ({@link WriteAheadLog.read}) and commits what it holds. After each commit of the index the log
 * is emptied (everything in it is then in the committed version). A last line without its newline
 * is a write cut short by a crash, never acknowledged: it is ignored.
 *
 * Syncs are grouped: requests that appended while a sync was running share the next one, so
 * concurrent writers pay one `fdatasync` per round, not one each.
 *
 * Owns: the log file's format, appends, syncs and truncation. Must not: touch the index.
 */
import { closeSync, fdatasync, ftruncateSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentInput } from '../index.js';

export const WRITE_AHEAD_LOG = 'write-ahead.log';

export type LoggedOp = { op: 'put'; doc: DocumentInput } | { op: 'delete'; id: string };

export class WriteAheadLog {
  private fd: number;
  /** Appends so far (a counter, not bytes: truncation does not reset it). */
  private appended = 0;
  /** Appends known to be on disk. */
  private synced = 0;
  private syncing: Promise<void> | null = null;

  private constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Opens (or creates) the log of the index in `dir`. */
  static open(dir: string): WriteAheadLog {
    return new WriteAheadLog(join(dir, WRITE_AHEAD_LOG));
  }

  /**
   * The operations of the log in `dir`, in order (none when there is no log). A last line cut
   * short by a crash is left out; `onBadLine` hears of any other line that does not parse.
   */
  static read(dir: string, onBadLine: (line: number, message: string) => void = () => {}): LoggedOp[] {
    let text: string;
    try {
      text = readFileSync(join(dir, WRITE_AHEAD_LOG), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const lines = text.split('\n');
    lines.pop(); // after the last newline: empty, or a line whose write never completed
    const ops: LoggedOp[] = [];
    lines.forEach((line, i) => {
      if (!line) return;
      try {
        const v = JSON.parse(line) as LoggedOp;
        if ((v.op === 'put' && v.doc && typeof v.doc.id === 'string') || (v.op === 'delete' && typeof v.id === 'string')) ops.push(v);
        else onBadLine(i + 1, 'not a put or delete operation');
      } catch (err) {
        onBadLine(i + 1, (err as Error).message);
      }
    });
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
        this.syncing = new Promise<void>((resolve, reject) => fdatasync(this.fd, (err) => (err ? reject(err) : resolve()))).finally(() => {
          this.syncing = null;
        });
        this.syncing.then(() => (this.synced = Math.max(this.synced, upTo)), () => {});
      }
      await this.syncing;
    }
  }

  /** Empties the log (every operation in it is in a committed version of the index). */
  truncate(): void {
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

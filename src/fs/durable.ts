/**
 * Durable files: what survives a `kill -9` or a power cut once the call returns.
 *
 * Owns: directory fsync and the write-to-temporary-then-rename pattern. Must not: know what the
 * files hold (index manifests, the write-ahead log, a cluster's description all use it).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Makes the entries of `dir` (files created, renamed or removed in it) durable. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems cannot fsync a directory; a rename is still atomic there.
  }
}

/**
 * Writes `dir/name` atomically and durably: a temporary file in the same directory, fsynced, then
 * renamed over `name` (readers see the old text or the new one, never a part); the temporary is
 * removed on failure.
 */
export function writeFileAtomically(dir: string, name: string, data: string | Uint8Array): void {
  const tmp = join(dir, `${name}.tmp-${process.pid}`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(dir, name));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

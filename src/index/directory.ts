/**
 * The index directory: the manifest that says which segment files (and deletion files) make up
 * the current version of the index, the writer lock, and removal of files no version uses.
 *
 * Commit protocol: segment and deletion files are written (and fsynced) first under new names;
 * then `manifest.json` is written to a temporary file, fsynced and renamed over the old one, and
 * the directory is fsynced. A crash at any point leaves the previous manifest, which names only
 * complete files, so the previous version loads.
 *
 * Owns: `manifest.json`, `*.del` files, `write.lock`. Must not: read postings or documents.
 */
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { SegmentMeta } from './segment.js';
import { IndexFileError, readSectionFile, writeSectionFile } from './section-file.js';

export const MANIFEST = 'manifest.json';
export const MANIFEST_FORMAT = 1;
const DELETES_MAGIC = 'ZHSDEL';
const DELETES_VERSION = 1;

export interface SegmentEntry extends SegmentMeta {
  /** Deletion file name, or null when no document of the segment is deleted. */
  deletions: string | null;
  deletedCount: number;
}

export interface Manifest {
  format: number;
  /** Increases by one with every commit. */
  generation: number;
  committedAt: string;
  segments: SegmentEntry[];
}

export function emptyManifest(): Manifest {
  return { format: MANIFEST_FORMAT, generation: 0, committedAt: new Date(0).toISOString(), segments: [] };
}

/** Reads the manifest of `dir`, or null when the directory holds no index. */
export function readManifest(dir: string): Manifest | null {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return null;
  let parsed: { checksum?: unknown; manifest?: unknown };
  const text = readFileSync(path, 'utf8');
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new IndexFileError(path, 'manifest is not valid JSON (corrupted)');
  }
  const body = JSON.stringify(parsed.manifest);
  if (typeof parsed.checksum !== 'number' || crc32(body) !== parsed.checksum) throw new IndexFileError(path, 'manifest checksum mismatch (corrupted)');
  const m = parsed.manifest as Manifest;
  if (m.format !== MANIFEST_FORMAT) {
    throw new IndexFileError(path, `index format ${m.format}, this build reads format ${MANIFEST_FORMAT}: rebuild the index with \`zhsearch index\``);
  }
  return m;
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems do not support fsync on directories; the rename is still atomic.
  }
}

/** Atomically replaces the manifest (write temp, fsync, rename, fsync directory). */
export function writeManifest(dir: string, manifest: Manifest): void {
  const body = JSON.stringify(manifest);
  const text = `{"checksum":${crc32(body)},"manifest":${body}}\n`;
  const tmp = join(dir, `${MANIFEST}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, MANIFEST));
  fsyncDir(dir);
}

/** Writes a deletion bitset file. */
export function writeDeletions(dir: string, name: string, deleted: Uint8Array): void {
  writeSectionFile(join(dir, name), DELETES_MAGIC, DELETES_VERSION, [{ name: 'bits', data: deleted }]);
}

/** Reads a deletion bitset (one byte per document: 1 = deleted). */
export function readDeletions(dir: string, name: string, docCount: number): Uint8Array {
  const file = join(dir, name);
  const bits = readSectionFile(file, DELETES_MAGIC, DELETES_VERSION).get('bits');
  if (!bits || bits.length !== docCount) throw new IndexFileError(file, `deletion file does not match its segment (${bits?.length} != ${docCount})`);
  return bits;
}

/**
 * Files that belong to the index format (anything else in the directory is left alone): segments,
 * deletion files, manifest temporaries, and the private files of the writer lock (only removed
 * when their process is gone).
 */
const INDEX_FILE = /^(seg-[\w-]+\.(seg|store|del-\d+|pos-tmp)|manifest\.json\.tmp-\d+)$/;
const LOCK_LEFTOVER = /^write\.lock\.(?:stale-)?(\d+)-\w+$/;

/** Removes index files that `manifest` does not use (leftovers of crashes and merged segments). */
export function removeUnusedFiles(dir: string, manifest: Manifest): void {
  const used = new Set<string>();
  for (const s of manifest.segments) {
    used.add(`${s.name}.seg`);
    used.add(`${s.name}.store`);
    if (s.deletions) used.add(s.deletions);
  }
  for (const f of readdirSync(dir)) {
    if (INDEX_FILE.test(f) && !used.has(f)) rmSync(join(dir, f), { force: true });
    const lock = LOCK_LEFTOVER.exec(f);
    if (lock && Number(lock[1]) !== process.pid && !isAlive(Number(lock[1]))) rmSync(join(dir, f), { force: true });
  }
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** File name of the writer lock in an index directory. */
export const LOCK_FILE = 'write.lock';

/** What a lock file says about its holder. */
interface LockHolder {
  pid?: number;
  host?: string;
  since?: string;
  /** Start time of the holder process (Linux clock ticks since boot), to tell a reused pid. */
  start?: string;
}

/** Another live process holds the writer lock of the index. */
export class IndexLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holder: LockHolder,
  ) {
    const who = `pid ${holder.pid ?? '?'}${holder.host && holder.host !== hostname() ? ` on ${holder.host}` : ''}`;
    super(
      `index ${dirname(lockPath)} is locked by another writer: ${lockPath} is held by ${who} since ${holder.since ?? '?'}; ` +
        `wait for it to finish (if no zhsearch process ${holder.pid ?? ''} is running, delete ${lockPath})`,
    );
    this.name = 'IndexLockedError';
  }
}

/**
 * An exclusive writer lock on an index directory: the file `write.lock` naming the holder (pid,
 * host, process start time). It is created atomically with its content (written to a private
 * file, then hard-linked to the lock name, which fails if a lock exists), so no other process
 * ever reads a half-written lock.
 *
 * A lock whose holder is dead (no such pid, or the pid now belongs to a process started at
 * another time) is stale and taken over: it is first renamed to a private name, and removed only
 * if it is still the stale lock that was judged (a writer that took it over meanwhile keeps its
 * lock). A lock of a live process, or of another host (which cannot be checked), refuses with
 * {@link IndexLockedError}, naming the lock file and the pid.
 */
export class WriteLock {
  private constructor(
    private readonly path: string,
    private readonly content: string,
  ) {}

  static acquire(dir: string): WriteLock {
    const path = join(dir, LOCK_FILE);
    const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), start: processStart(process.pid) };
    const content = JSON.stringify(me);
    const mine = `${path}.${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    writeFileSync(mine, content);
    try {
      for (let attempt = 0; attempt < 8; attempt++) {
        if (create(mine, path, content)) return new WriteLock(path, content);
        const text = readIfExists(path);
        if (text === null) continue; // released meanwhile
        const holder = parseHolder(text);
        if (holderAlive(holder)) throw new IndexLockedError(path, holder);
        // Stale: move it aside; put it back if what was moved is not the lock judged stale.
        const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
        try {
          renameSync(path, aside);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw err;
        }
        if (readIfExists(aside) !== text) {
          try {
            linkSync(aside, path);
          } catch {
            // Another writer holds the lock now; it stays refused below.
          }
        }
        rmSync(aside, { force: true });
      }
    } finally {
      rmSync(mine, { force: true });
    }
    throw new Error(`could not lock index ${dir}: ${path} keeps changing (several writers starting at once?)`);
  }

  /** Removes the lock, if it is still this writer's. */
  release(): void {
    if (readIfExists(this.path) === this.content) rmSync(this.path, { force: true });
  }
}

/** Creates `path` as a hard link of `from` (atomic, with content); false if it exists. */
function create(from: string, path: string, content: string): boolean {
  try {
    linkSync(from, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  }
  // A filesystem without hard links: exclusive create, then write.
  try {
    writeFileSync(path, content, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function parseHolder(text: string): LockHolder {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as LockHolder) : {};
  } catch {
    return {}; // unreadable: left by an older version that died while creating it
  }
}

/** Whether the holder of a lock may still be running. */
function holderAlive(holder: LockHolder): boolean {
  if (!holder.pid || !Number.isInteger(holder.pid)) return false;
  if (holder.host && holder.host !== hostname()) return true; // cannot check another machine
  if (!isAlive(holder.pid)) return false;
  const start = processStart(holder.pid);
  return !(holder.start && start && start !== holder.start); // the pid was reused
}

/** Start time of process `pid` in clock ticks since boot (Linux), or undefined. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

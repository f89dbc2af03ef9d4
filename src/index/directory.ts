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
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
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

/** Files that belong to the index format (anything else in the directory is left alone). */
const INDEX_FILE = /^(seg-[\w-]+\.(seg|store|del-\d+)|manifest\.json\.tmp-\d+)$/;

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
  }
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** An exclusive writer lock on an index directory; a lock left by a dead process is taken over. */
export class WriteLock {
  private constructor(private readonly path: string) {}

  static acquire(dir: string): WriteLock {
    const path = join(dir, 'write.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }), { flag: 'wx' });
        return new WriteLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        let holder: { pid?: number; since?: string } = {};
        try {
          holder = JSON.parse(readFileSync(path, 'utf8'));
        } catch {
          // Unreadable lock file: a writer died while creating it.
        }
        if (holder.pid && holder.pid !== process.pid && isAlive(holder.pid)) {
          throw new Error(`index ${dir} is locked by another writer (pid ${holder.pid}, since ${holder.since}); wait for it to finish`);
        }
        rmSync(path, { force: true }); // stale lock
      }
    }
    throw new Error(`could not lock index ${dir}`);
  }

  release(): void {
    rmSync(this.path, { force: true });
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

/**
 * The index directory: the manifests that say which segment files (and deletion files) make up
 * each committed version of the index, the writer lock, and removal of files no kept version uses.
 *
 * Commit protocol: segment and deletion files are written (and fsynced) first under new names;
 * then the new manifest is written as `manifest-N.json` (N = its generation) and as
 * `manifest.json`, each to a temporary file, fsynced and renamed into place, the directory fsynced
 * after each rename. The rename of `manifest.json` is the commit: a crash at any point before it
 * leaves the previous `manifest.json`, which names only complete files, so the previous version
 * loads.
 *
 * Commit points (as Lucene's `segments_N`): the manifests of the last {@link KEPT_GENERATIONS}
 * commits are kept with every file they name. `manifest.json` is the current version; when it is
 * lost or damaged, the newest `manifest-N.json` that is valid (checksum, format, every file it
 * names present) is used instead, with a warning naming both files ({@link loadManifest}).
 *
 * Which files a writer may delete ({@link auditFiles}): those of commits no longer kept, manifest
 * temporaries, and the leftovers of writers that never committed. Segment names carry the
 * generation they were written for (`seg-g<N>-...`), so with a valid `manifest.json` at
 * generation G, an unnamed file tagged G or later is a leftover (of commit G's merges, or of a
 * writer of G+1 that died); untagged names are of older versions, whose protocol made every file
 * `manifest.json` does not name garbage. Anything else (every unnamed file when `manifest.json` is
 * lost: the segments of the lost version may be among them) is left alone, and a writer refuses
 * to start ({@link UnaccountedFilesError}) unless forced.
 *
 * Owns: `manifest.json`, `manifest-N.json`, `*.del-N` files, `write.lock`, deciding which files
 * are garbage. Must not: read postings or documents.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeFileAtomically as writeAtomically } from '../fs/durable.js';
import type { SegmentMeta } from './segment.js';
import { IndexFileError, readSectionFile, writeSectionFile } from './section-file.js';

export const MANIFEST = 'manifest.json';
export const MANIFEST_FORMAT = 1;
/** Commits whose manifest and files are kept: the current one and the two before it. */
export const KEPT_GENERATIONS = 3;
export const DELETES_MAGIC = 'ZHSDEL';
export const DELETES_VERSION = 1;

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

/** File name of the manifest of commit `generation`. */
export function generationFileName(generation: number): string {
  return `manifest-${generation}.json`;
}

const GENERATION_FILE = /^manifest-(\d+)\.json$/;

/** The kept manifests of `dir` (`manifest-N.json`), newest first; none when `dir` does not exist. */
export function generationFiles(dir: string): Array<{ generation: number; file: string }> {
  const out: Array<{ generation: number; file: string }> = [];
  for (const f of listDir(dir)) {
    const m = GENERATION_FILE.exec(f);
    if (m) out.push({ generation: Number(m[1]), file: join(dir, f) });
  }
  return out.sort((a, b) => b.generation - a.generation);
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A manifest of another format version: a newer build wrote it, so no older commit stands in for it. */
class ManifestFormatError extends IndexFileError {}

/** Reads and verifies one manifest file (checksum, format); throws {@link IndexFileError} naming it. */
export function readManifestFile(path: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new IndexFileError(path, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `cannot read manifest (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let parsed: { checksum?: unknown; manifest?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new IndexFileError(path, 'manifest is not valid JSON (corrupted)');
  }
  const body = JSON.stringify(parsed?.manifest);
  if (typeof parsed?.checksum !== 'number' || body === undefined || crc32(body) !== parsed.checksum) throw new IndexFileError(path, 'manifest checksum mismatch (corrupted)');
  const m = parsed.manifest as Manifest;
  if (m.format !== MANIFEST_FORMAT) {
    throw new ManifestFormatError(path, `index format ${m.format}, this build reads format ${MANIFEST_FORMAT}: rebuild the index with \`zhsearch index\``);
  }
  return m;
}

/** The files a manifest names: each segment's `.seg` and `.store`, and its deletion file. */
export function manifestFiles(manifest: Manifest): string[] {
  return manifest.segments.flatMap((s) => [`${s.name}.seg`, `${s.name}.store`, ...(s.deletions ? [s.deletions] : [])]);
}

/** The current version of an index directory, and where it was read from. */
export interface LoadedManifest {
  manifest: Manifest;
  /** `dir/manifest.json`, or the `manifest-N.json` used because `manifest.json` is lost or damaged. */
  file: string;
  /** Why `manifest.json` was not used, and what was used instead (a warning for the user); null when it was. */
  fallback: string | null;
}

/** The message of an {@link IndexFileError} without the file name it starts with. */
function reasonOf(err: IndexFileError): string {
  return err.message.startsWith(`${err.file}: `) ? err.message.slice(err.file.length + 2) : err.message;
}

/**
 * Reads the current version of `dir`: `manifest.json`, or when it is lost or damaged the newest
 * valid kept commit (see the header). Null when the directory holds no manifest at all. Throws
 * {@link IndexFileError} naming `manifest.json` when it is damaged (or lost) and no kept commit is
 * valid, or when it is of another format version.
 */
export function loadManifest(dir: string): LoadedManifest | null {
  const path = join(dir, MANIFEST);
  let problem: IndexFileError | null = null;
  if (existsSync(path)) {
    try {
      return { manifest: readManifestFile(path), file: path, fallback: null };
    } catch (err) {
      if (!(err instanceof IndexFileError) || err instanceof ManifestFormatError) throw err;
      problem = err;
    }
  }
  const rejected: string[] = [];
  for (const { file } of generationFiles(dir)) {
    try {
      const manifest = readManifestFile(file);
      const missing = manifestFiles(manifest).find((f) => !existsSync(join(dir, f)));
      if (missing) {
        rejected.push(`${file}: names ${missing}, which is missing`);
        continue;
      }
      const why = problem ? problem.message : `${path} is missing`;
      return {
        manifest,
        file,
        fallback: `${why}; using ${file} instead, the newest valid kept commit (version ${manifest.generation} of ${manifest.committedAt}); the next commit writes a new ${MANIFEST}`,
      };
    } catch (err) {
      if (!(err instanceof IndexFileError)) throw err;
      if (err instanceof ManifestFormatError) throw err;
      rejected.push(err.message);
    }
  }
  if (problem) throw rejected.length ? new IndexFileError(path, `${reasonOf(problem)}, and no kept commit is valid either (${rejected.join('; ')})`) : problem;
  if (rejected.length) throw new IndexFileError(path, `missing, and no kept commit is valid (${rejected.join('; ')})`);
  return null;
}

/** Reads the manifest of the current version of `dir` (see {@link loadManifest}), or null when the directory holds no index. */
export function readManifest(dir: string): Manifest | null {
  return loadManifest(dir)?.manifest ?? null;
}

function manifestText(manifest: Manifest): string {
  const body = JSON.stringify(manifest);
  return `{"checksum":${crc32(body)},"manifest":${body}}\n`;
}

/** Keeps `manifest` as a commit point (`manifest-N.json`) without making it current. */
export function writeGenerationFile(dir: string, manifest: Manifest): void {
  writeAtomically(dir, generationFileName(manifest.generation), manifestText(manifest));
}

/** Commits `manifest`: writes its `manifest-N.json`, then atomically replaces `manifest.json` (the commit). */
export function writeManifest(dir: string, manifest: Manifest): void {
  const text = manifestText(manifest);
  writeAtomically(dir, generationFileName(manifest.generation), text);
  writeAtomically(dir, MANIFEST, text);
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

/** Prefix of the names of segments written for commit `generation` (the writer adds a unique part). */
export function segmentNamePrefix(generation: number): string {
  return `seg-g${generation}-`;
}

/**
 * Index data files (anything else in the directory is left alone): segments, their stores,
 * deletion files (`.del-N`, N = the commit they were written for), merge temporaries. Group 1:
 * the segment name after `seg-`; group 3: N of a deletion file.
 */
const DATA_FILE = /^seg-([\w-]+)\.(seg|store|pos-tmp|del-(\d+))$/;
/** Generation a segment name was written for (`seg-g<N>-...`); older versions' names have none. */
const TAGGED = /^g(\d+)-/;
const MANIFEST_TEMP = /^manifest(?:-\d+)?\.json\.tmp-\d+$/;
const LOCK_LEFTOVER = /^write\.lock\.(?:stale-)?(\d+)-\w+$/;

/** What a writer may remove from an index directory, and what it must not. */
export interface FileAudit {
  /** Files to remove: of commits no longer kept, manifest temporaries, leftovers of writers that never committed. */
  garbage: string[];
  /** Manifests to remove once the garbage is gone: of commits no longer kept, or (with a valid `manifest.json`) never completed. */
  manifests: string[];
  /** Index data files no kept commit names and that are not known leftovers (e.g. of a lost manifest). */
  unaccounted: string[];
}

/**
 * Sorts the files of `dir` against its current version `current` (null: no manifest at all).
 * `trusted`: `current` is what `manifest.json` says (not a fallback), or this writer already
 * checked the directory and holds the lock since, so every newer file is its own.
 */
export function auditFiles(dir: string, current: Manifest | null, trusted: boolean): FileAudit {
  const generation = current?.generation ?? 0;
  const kept = new Set(current ? manifestFiles(current) : []);
  const dropped = new Set<string>();
  const manifests: string[] = [];
  for (const g of generationFiles(dir)) {
    let m: Manifest | null = null;
    try {
      m = readManifestFile(g.file);
    } catch {
      // A damaged manifest names nothing; it is left for `zhsearch check` to report.
    }
    const files = m ? manifestFiles(m) : [];
    if (current && g.generation <= generation && g.generation > generation - KEPT_GENERATIONS) {
      for (const f of files) kept.add(f);
    } else if (m && (g.generation <= generation - KEPT_GENERATIONS || trusted)) {
      // Older than the kept commits, or (past the current version) a commit that never completed.
      for (const f of files) dropped.add(f);
      manifests.push(basename(g.file));
    }
  }
  const garbage: string[] = [];
  const unaccounted: string[] = [];
  for (const f of listDir(dir)) {
    if (MANIFEST_TEMP.test(f)) {
      garbage.push(f);
      continue;
    }
    const data = DATA_FILE.exec(f);
    if (!data || kept.has(f)) continue;
    if (dropped.has(f)) {
      garbage.push(f);
      continue;
    }
    const tag = TAGGED.exec(data[1]);
    const written = data[3] !== undefined ? Number(data[3]) : tag ? Number(tag[1]) : null;
    // Trusted: an untagged file is garbage by the older versions' protocol; a tagged one written
    // for this commit or a later one is a leftover of its merges or of a writer that died.
    if (trusted && (!tag || written! >= generation)) garbage.push(f);
    else unaccounted.push(f);
  }
  return { garbage, manifests, unaccounted };
}

/** Index files no kept commit names, of unknown origin: a writer leaves them unless forced. */
export class UnaccountedFilesError extends Error {
  constructor(
    readonly dir: string,
    readonly files: string[],
  ) {
    const shown = files.slice(0, 6).join(', ') + (files.length > 6 ? `, ... (${files.length - 6} more)` : '');
    super(
      `index ${dir} holds ${files.length} index file(s) that no kept commit names: ${shown}. They may hold the documents of a lost or ` +
        `damaged manifest, so nothing was deleted or written. Restore ${join(dir, MANIFEST)} (or a manifest-N.json) if you have it; ` +
        `to delete these files and go on, run \`zhsearch index\` again with --force (library: the \`force: true\` option)`,
    );
    this.name = 'UnaccountedFilesError';
  }
}

/**
 * Removes what {@link auditFiles} finds garbage (data files first, then the manifests that named
 * them, so a crash in between leaves every remaining file accounted for), plus the unaccounted
 * files when `force`, and the private files of writer locks whose process is gone.
 */
export function removeUnusedFiles(dir: string, current: Manifest | null, trusted: boolean, force = false): void {
  const audit = auditFiles(dir, current, trusted);
  for (const f of [...audit.garbage, ...(force ? audit.unaccounted : [])]) rmSync(join(dir, f), { force: true });
  for (const f of audit.manifests) rmSync(join(dir, f), { force: true });
  for (const f of listDir(dir)) {
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
export interface LockHolder {
  pid?: number;
  host?: string;
  since?: string;
  /** Start time of the holder process (Linux clock ticks since boot), to tell a reused pid. */
  start?: string;
  /** What holds the lock, when it says (e.g. "the zhsearch server at http://127.0.0.1:3000"). */
  owner?: string;
}

/** Another live process holds the writer lock of the index. */
export class IndexLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holder: LockHolder,
  ) {
    const who = `pid ${holder.pid ?? '?'}${holder.host && holder.host !== hostname() ? ` on ${holder.host}` : ''}`;
    super(
      holder.owner ? `index ${dirname(lockPath)} is owned by ${holder.owner} (${who} since ${holder.since ?? '?'}, ${lockPath})` :
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

  /** `owner`: what holds the lock, as other writers' errors will name it. */
  static acquire(dir: string, owner?: string): WriteLock {
    const path = join(dir, LOCK_FILE);
    const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), start: processStart(process.pid), ...(owner ? { owner } : {}) };
    const content = JSON.stringify(me);
    const mine = `${path}.${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    try {
      writeFileSync(mine, content);
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
    rmSync(path, { force: true }); // created, but its content could not be written (a full disk)
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

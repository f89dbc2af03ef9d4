/**
 * The index writer: add, replace and delete documents by id, then commit a new version.
 *
 * Adding builds new segments on worker threads; indexing an id again deletes its older version;
 * commit writes deletion files, merges segments by the merge policy, and switches the manifest
 * atomically. One writer per directory at a time (write.lock).
 *
 * Merge policy: the segments one commit creates are merged into one; when the index has more
 * than `maxSegments` segments, or a segment has at least 20% deleted documents, all segments are
 * merged into one (which also makes document frequencies exact again, see reader).
 *
 * Files: every file a writer creates is named for the commit it is written for (see directory),
 * so what a writer that died left is told from the files of a lost manifest. Opening a writer
 * removes the former and refuses ({@link UnaccountedFilesError}) while the latter exist, unless
 * `force`. After that check the writer holds the lock, so every newer file is its own.
 *
 * Owns: the write path. Must not: search.
 */
import { availableParallelism } from 'node:os';
import type { DocumentInput } from '../document.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  auditFiles,
  emptyManifest,
  ensureDir,
  generationFileName,
  loadManifest,
  removeUnusedFiles,
  segmentNamePrefix,
  UnaccountedFilesError,
  writeDeletions,
  writeGenerationFile,
  writeManifest,
  WriteLock,
  type Manifest,
  type SegmentEntry,
} from './directory.js';
import { mergeSegments, type MergeSource } from './merge.js';
import { IndexSnapshot } from './reader.js';
import type { SegmentMeta } from './segment.js';
import type { BuiltSegment } from './segment-worker.js';
import { WorkerPool } from './worker-pool.js';

export interface WriterOptions {
  /** Worker threads for analysis; 0 analyzes in the calling thread. Default: available cores (at most 4). */
  threads?: number;
  /** Extra jieba user dictionaries. */
  userDicts?: readonly string[];
  /** Bytes of occurrence logs a worker holds before writing a segment (bounds build memory). Default 256 MiB. */
  memoryBudget?: number;
  /** Segments above which everything is merged into one. Default 8. */
  maxSegments?: number;
  /**
   * Delete index files that no kept commit names and that are not leftovers of a writer that died
   * (e.g. the segments of a lost `manifest.json`) instead of refusing to open. Default false.
   */
  force?: boolean;
  /**
   * What holds the writer lock, named to the other writers it refuses (e.g. "the zhsearch server
   * at http://…"); read when the lock is taken. Default: nothing beyond the pid.
   */
  lockOwner?: () => string;
}

export interface CommitResult {
  generation: number;
  added: number;
  deleted: number;
  documents: number;
  segments: number;
}

const BATCH = 256;

const LONE_SURROGATE = /\p{Cs}/u;

/** `s` with lone surrogates replaced by U+FFFD, as UTF-8 encoding stores it. */
function wellFormed(s: string): string {
  return s.replace(/\p{Cs}/gu, '\ufffd');
}

export class IndexWriter {
  private readonly lock: WriteLock;
  private manifest: Manifest;
  private pool: WorkerPool | null = null;
  private batch: DocumentInput[] = [];
  private batchSeqs: number[] = [];
  private seq = 0;
  /** For each id added or deleted since the last commit, the sequence number of its last operation. */
  private readonly latest = new Map<string, number>();
  private added = 0;
  private readonly options: Required<Omit<WriterOptions, 'lockOwner'>>;

  private constructor(readonly dir: string, options: WriterOptions) {
    ensureDir(dir);
    this.lock = WriteLock.acquire(dir, options.lockOwner?.());
    try {
      const loaded = loadManifest(dir);
      const trusted = loaded !== null && loaded.fallback === null;
      const { unaccounted } = auditFiles(dir, loaded?.manifest ?? null, trusted);
      if (unaccounted.length && !options.force) throw new UnaccountedFilesError(dir, unaccounted);
      this.manifest = loaded?.manifest ?? emptyManifest();
      // An index written before commit points were kept has only manifest.json: keep its version as one.
      if (trusted && !existsSync(join(dir, generationFileName(this.manifest.generation)))) writeGenerationFile(dir, this.manifest);
      // Files of writers that crashed or failed (e.g. on a full disk) before committing: garbage.
      removeUnusedFiles(dir, loaded?.manifest ?? null, trusted, options.force);
    } catch (err) {
      this.lock.release();
      throw err;
    }
    this.options = {
      threads: options.threads ?? Math.min(4, availableParallelism()),
      userDicts: options.userDicts ?? [],
      memoryBudget: options.memoryBudget ?? 1 << 28,
      maxSegments: options.maxSegments ?? 8,
      force: options.force ?? false,
    };
  }

  /** Opens (or creates) the index in `dir` for writing. */
  static open(dir: string, options: WriterOptions = {}): IndexWriter {
    return new IndexWriter(dir, options);
  }

  /** Adds a document; a document with the same id (already indexed or added earlier) is replaced. */
  async add(doc: DocumentInput): Promise<void> {
    // Stored as UTF-8, an id with a lone surrogate would come back different and lose its document.
    if (LONE_SURROGATE.test(doc.id)) doc = { ...doc, id: wellFormed(doc.id) };
    const seq = this.seq++;
    this.latest.set(doc.id, seq);
    this.batch.push(doc);
    this.batchSeqs.push(seq);
    this.added++;
    if (this.batch.length >= BATCH) await this.flushBatch();
  }

  /** Deletes the document with this id (no effect if there is none). */
  delete(id: string): void {
    this.latest.set(wellFormed(id), this.seq++);
  }

  private async flushBatch(): Promise<void> {
    if (!this.batch.length) return;
    // Small jobs are not worth starting threads for.
    this.pool ??= new WorkerPool(this.batch.length < BATCH ? 0 : this.options.threads, {
      dir: this.dir,
      namePrefix: `${segmentNamePrefix(this.manifest.generation + 1)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
      userDicts: this.options.userDicts,
      memoryBudget: this.options.memoryBudget,
    });
    const docs = this.batch;
    const seqs = this.batchSeqs;
    this.batch = [];
    this.batchSeqs = [];
    await this.pool.add(docs, seqs);
  }

  /** Makes every change since the last commit durable and visible, as one new index version. */
  async commit(): Promise<CommitResult> {
    await this.flushBatch();
    const built: BuiltSegment[] = this.pool ? await this.pool.finish() : [];
    this.pool = null;

    const sources: MergeSource[] = [];
    const entries: SegmentEntry[] = [];
    let deleted = 0;
    // Existing segments: delete every older version of an id touched in this commit.
    const snapshot = this.manifest.segments.length ? IndexSnapshot.open(this.dir) : null;
    try {
      snapshot?.segments.forEach((view, i) => {
        const entry = { ...this.manifest.segments[i] };
        let bits = view.deleted;
        let changed = false;
        for (const id of this.latest.keys()) {
          for (const d of view.segment.docsWithId(id)) {
            if (bits && bits[d]) continue;
            // Copy on first change: the loaded bitset belongs to the committed version.
            if (!changed) bits = bits ? Uint8Array.from(bits) : new Uint8Array(view.segment.docCount);
            changed = true;
            bits![d] = 1;
            entry.deletedCount++;
            deleted++;
          }
        }
        if (changed) {
          entry.deletions = `${entry.name}.del-${this.manifest.generation + 1}`;
          writeDeletions(this.dir, entry.deletions, bits!);
        }
        sources.push({ name: entry.name, deleted: bits });
        entries.push(entry);
      });
    } finally {
      for (const v of snapshot?.segments ?? []) v.segment.close();
    }
    // New segments: a document is live only if it is the last operation on its id.
    const live = new Set(this.latest.values());
    const fresh: MergeSource[] = built.map((b) => {
      let bits: Uint8Array | null = null;
      b.seqs.forEach((s, d) => {
        if (!live.has(s)) (bits ??= new Uint8Array(b.seqs.length))[d] = 1;
      });
      return { name: b.meta.name, deleted: bits };
    });
    if (fresh.length > 1 || (fresh.length === 1 && fresh[0].deleted)) {
      const meta = this.merge(fresh);
      if (meta.docCount > 0) {
        sources.push({ name: meta.name, deleted: null });
        entries.push({ ...meta, deletions: null, deletedCount: 0 });
      }
    } else if (fresh.length === 1) {
      sources.push(fresh[0]);
      entries.push({ ...built[0].meta, deletions: null, deletedCount: 0 });
    }

    let segments = entries;
    const heavyDeletes = entries.some((e) => e.deletedCount > 0 && e.deletedCount >= 0.2 * e.docCount);
    if (entries.length > this.options.maxSegments || heavyDeletes) {
      const meta = this.merge(sources);
      segments = meta.docCount > 0 ? [{ ...meta, deletions: null, deletedCount: 0 }] : [];
    }
    const next: Manifest = {
      format: this.manifest.format,
      generation: this.manifest.generation + 1,
      committedAt: new Date().toISOString(),
      segments,
    };
    writeManifest(this.dir, next);
    this.manifest = next;
    removeUnusedFiles(this.dir, this.manifest, true);
    const result: CommitResult = {
      generation: this.manifest.generation,
      added: this.added,
      deleted,
      documents: this.manifest.segments.reduce((n, s) => n + s.docCount - s.deletedCount, 0),
      segments: this.manifest.segments.length,
    };
    this.latest.clear();
    this.added = 0;
    return result;
  }

  private merge(sources: MergeSource[]): SegmentMeta {
    const name = `${segmentNamePrefix(this.manifest.generation + 1)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}-m`;
    return mergeSegments(this.dir, name, sources);
  }

  /** Discards uncommitted changes (and the files written for them) and releases the lock. */
  async close(): Promise<void> {
    try {
      await this.pool?.abort();
      this.pool = null;
      removeUnusedFiles(this.dir, this.manifest, true);
    } catch {
      // Best effort: the next writer removes what is left.
    } finally {
      this.lock.release();
    }
  }
}

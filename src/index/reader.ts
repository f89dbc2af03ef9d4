/**
 * A point-in-time view of an index directory: the segments named by one manifest, their
 * deletions, and the collection statistics BM25 needs.
 *
 * Owns: opening a consistent set of segments. Must not: parse queries or score.
 */
import type { StoredDocument } from '../document.js';
import { emptyManifest, readDeletions, readManifest, type Manifest } from './directory.js';
import { FIELDS, type FieldName } from './schema.js';
import { Segment } from './segment.js';

export interface SegmentView {
  segment: Segment;
  /** One byte per document, 1 = deleted; null when none is. */
  deleted: Uint8Array | null;
  deletedCount: number;
}

/** Collection statistics of one field (Lucene semantics: deleted documents count until merged). */
export interface CollectionFieldStats {
  docsWithField: number;
  avgLength: number;
}

export class IndexSnapshot {
  readonly stats: Record<FieldName, CollectionFieldStats>;

  private constructor(
    readonly dir: string,
    readonly manifest: Manifest,
    readonly segments: SegmentView[],
  ) {
    const stats = {} as Record<FieldName, CollectionFieldStats>;
    for (const f of FIELDS) {
      let docs = 0;
      let total = 0;
      for (const s of manifest.segments) {
        docs += s.fields[f].docsWithField;
        total += s.fields[f].totalLength;
      }
      stats[f] = { docsWithField: docs, avgLength: docs ? total / docs : 0 };
    }
    this.stats = stats;
  }

  /**
   * Opens the version of the index that `dir/manifest.json` names (or, when it is lost or
   * damaged, the newest valid kept commit: see directory). If a writer replaces the manifest and
   * removes files while we open them, opening starts again from the new manifest.
   */
  static open(dir: string): IndexSnapshot {
    for (let attempt = 0; ; attempt++) {
      const manifest = readManifest(dir);
      if (!manifest) throw new Error(`no index in ${dir} (manifest.json not found): build one with \`zhsearch index <paths> --index-dir ${dir}\``);
      const opened: SegmentView[] = [];
      try {
        for (const entry of manifest.segments) {
          const segment = new Segment(dir, entry.name);
          opened.push({ segment, deleted: null, deletedCount: entry.deletedCount });
          if (entry.deletions) opened[opened.length - 1].deleted = readDeletions(dir, entry.deletions, segment.docCount);
        }
        return new IndexSnapshot(dir, manifest, opened);
      } catch (err) {
        for (const v of opened) v.segment.close();
        const now = readManifest(dir);
        if (attempt < 5 && now && now.generation !== manifest.generation) continue;
        throw err;
      }
    }
  }

  /** A snapshot of an index with no documents. */
  static empty(): IndexSnapshot {
    return new IndexSnapshot('', emptyManifest(), []);
  }

  get generation(): number {
    return this.manifest.generation;
  }

  /** Live documents. */
  get docCount(): number {
    let n = 0;
    for (const s of this.segments) n += s.segment.docCount - s.deletedCount;
    return n;
  }

  /** The live document with external id `id`, as [segment index, local doc], or null. */
  locate(id: string): [number, number] | null {
    for (let s = this.segments.length - 1; s >= 0; s--) {
      const { segment, deleted } = this.segments[s];
      const docs = segment.docsWithId(id);
      for (let i = docs.length - 1; i >= 0; i--) if (!deleted || !deleted[docs[i]]) return [s, docs[i]];
    }
    return null;
  }

  /** The stored document with external id `id`, or null. */
  get(id: string): StoredDocument | null {
    const at = this.locate(id);
    return at ? this.segments[at[0]].segment.document(at[1]) : null;
  }

  close(): void {
    for (const s of this.segments) s.segment.close();
  }
}

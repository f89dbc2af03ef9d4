/**
 * Verifying an index directory, as Lucene's CheckIndex does: every checksum of every file the
 * kept commits name. The manifests (`manifest.json` and each `manifest-N.json`); each segment
 * file's header, sections and the padding between them; each stored document's record in the
 * `.store` file against the CRC32 its segment keeps; each deletion file, and its count against the
 * manifest. Files are streamed, never held whole in memory. The report says what was checked and
 * names every damaged or missing file (and, for a stored document, its number and id).
 *
 * Owns: the check and its report. Must not: repair, delete or write anything.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  auditFiles,
  DELETES_MAGIC,
  DELETES_VERSION,
  generationFiles,
  loadManifest,
  MANIFEST,
  manifestFiles,
  readDeletions,
  readManifestFile,
  type LoadedManifest,
  type Manifest,
} from './directory.js';
import { SEGMENT_MAGIC, SEGMENT_VERSION } from './segment.js';
import { IndexFileError, SectionFileReader, verifySectionFile, view } from './section-file.js';
import { StringTable } from './string-table.js';

export interface CheckProblem {
  /** The damaged or missing file. */
  file: string;
  message: string;
  /** For a stored document: its number in the segment, and its id when the segment's ids are intact. */
  doc?: number;
  id?: string;
}

export interface CheckReport {
  dir: string;
  /** No problem found. */
  ok: boolean;
  /** The version searches see (0 when no manifest can be read), and the manifest file it is read from. */
  generation: number;
  manifest: string | null;
  /** Segments, live documents and deleted documents (not yet merged away) of that version. */
  segments: number;
  documents: number;
  deleted: number;
  /** Generations of the kept commits (`manifest-N.json`) whose files were checked, newest first. */
  commits: number[];
  checked: {
    manifests: number;
    segmentFiles: number;
    sections: number;
    storeFiles: number;
    storedDocuments: number;
    deletionFiles: number;
    bytes: number;
  };
  problems: CheckProblem[];
  /** Index files no kept commit names: the next writer leaves them and refuses to start unless forced. */
  unaccounted: string[];
}

/** Damaged documents listed one by one per store file; the rest are counted in one problem. */
const LISTED_DOCUMENTS = 20;
const CHUNK = 1 << 20;

/**
 * Checks every checksum of the index in `dir` (see the header). Throws when `dir` holds no index
 * at all (no manifest and no index file).
 */
export function checkIndex(dir: string): CheckReport {
  const report: CheckReport = {
    dir,
    ok: false,
    generation: 0,
    manifest: null,
    segments: 0,
    documents: 0,
    deleted: 0,
    commits: [],
    checked: { manifests: 0, segmentFiles: 0, sections: 0, storeFiles: 0, storedDocuments: 0, deletionFiles: 0, bytes: 0 },
    problems: [],
    unaccounted: [],
  };
  const problem = (file: string, err: unknown) => report.problems.push({ file, message: reasonOf(err) });

  // The manifests: manifest.json and every kept commit.
  const path = join(dir, MANIFEST);
  const readable: Array<{ file: string; manifest: Manifest }> = [];
  const gens = generationFiles(dir);
  for (const file of [...(existsSync(path) ? [path] : []), ...gens.map((g) => g.file)]) {
    report.checked.manifests++;
    try {
      readable.push({ file, manifest: readManifestFile(file) });
    } catch (err) {
      problem(file, err);
    }
  }
  let current: LoadedManifest | null = null;
  try {
    current = loadManifest(dir);
  } catch {
    // Reported above: manifest.json is damaged and no kept commit is valid.
  }
  const audit = auditFiles(dir, current?.manifest ?? null, current !== null && current.fallback === null);
  if (!readable.length && !report.problems.length && !audit.unaccounted.length) {
    throw new Error(`no index in ${dir}: build one with \`zhsearch index <paths> --index-dir ${dir}\``);
  }
  if (!existsSync(path)) {
    report.problems.push({ file: path, message: current ? `missing; searches use ${current.file} instead` : 'missing, and no kept commit is valid' });
  }
  if (current) {
    const m = current.manifest;
    report.generation = m.generation;
    report.manifest = current.file;
    report.segments = m.segments.length;
    report.documents = m.segments.reduce((n, s) => n + s.docCount - s.deletedCount, 0);
    report.deleted = m.segments.reduce((n, s) => n + s.deletedCount, 0);
  }
  report.commits = gens.map((g) => g.generation).filter((g) => readable.some((r) => r.manifest.generation === g && r.file !== path));
  report.unaccounted = audit.unaccounted;

  // Every segment and deletion file a readable manifest names (every segment file present when none can be read).
  const segments = new Map<string, { docCount?: number; by: string }>();
  const deletions = new Map<string, { segment: string; deletedCount: number; by: string }>();
  for (const { file, manifest } of readable) {
    for (const s of manifest.segments) {
      if (!segments.has(s.name)) segments.set(s.name, { docCount: s.docCount, by: file });
      if (s.deletions && !deletions.has(s.deletions)) deletions.set(s.deletions, { segment: s.name, deletedCount: s.deletedCount, by: file });
    }
    for (const f of manifestFiles(manifest)) {
      if (!existsSync(join(dir, f)) && !report.problems.some((p) => p.file === join(dir, f))) {
        report.problems.push({ file: join(dir, f), message: `missing (named by ${file})` });
      }
    }
  }
  if (!readable.length) {
    for (const f of audit.unaccounted) {
      const name = /^(seg-[\w-]+)\.seg$/.exec(f)?.[1];
      if (name) segments.set(name, { by: 'no manifest' });
    }
  }
  const docCounts = new Map<string, number>();
  for (const [name, { docCount }] of segments) {
    const n = checkSegment(dir, name, docCount, report);
    if (n !== null) docCounts.set(name, n);
  }
  for (const [file, { segment, deletedCount, by }] of deletions) {
    const docCount = docCounts.get(segment);
    const fullPath = join(dir, file);
    if (docCount === undefined || !existsSync(fullPath)) continue; // its segment is damaged, or it is reported missing
    try {
      const verified = verifySectionFile(fullPath, DELETES_MAGIC, DELETES_VERSION);
      report.checked.deletionFiles++;
      report.checked.bytes += verified.bytes;
      for (const message of verified.damaged) report.problems.push({ file: fullPath, message });
      if (verified.damaged.length) continue;
      const bits = readDeletions(dir, file, docCount);
      let n = 0;
      for (const b of bits) n += b;
      if (n !== deletedCount) report.problems.push({ file: fullPath, message: `marks ${n} documents deleted, ${by} says ${deletedCount}` });
    } catch (err) {
      problem(fullPath, err);
    }
  }
  report.ok = report.problems.length === 0;
  return report;
}

/**
 * Checks one segment: every byte of its `.seg` file, then every record of its `.store` file.
 * Returns its document count, or null when its file is too damaged to tell.
 */
function checkSegment(dir: string, name: string, expected: number | undefined, report: CheckReport): number | null {
  const segPath = join(dir, `${name}.seg`);
  const storePath = join(dir, `${name}.store`);
  if (!existsSync(segPath)) return null; // reported missing with the manifest that names it
  let sections: string[];
  try {
    const verified = verifySectionFile(segPath, SEGMENT_MAGIC, SEGMENT_VERSION);
    report.checked.segmentFiles++;
    report.checked.sections += verified.sections.length;
    report.checked.bytes += verified.bytes;
    for (const message of verified.damaged) report.problems.push({ file: segPath, message });
    sections = verified.sections;
  } catch (err) {
    report.problems.push({ file: segPath, message: reasonOf(err) });
    if (existsSync(storePath)) report.problems.push({ file: storePath, message: `not checked: the checksums of its documents are in ${segPath}, which is damaged` });
    return null;
  }
  const reader = new SectionFileReader(segPath, SEGMENT_MAGIC, SEGMENT_VERSION);
  try {
    /** A section, or null when it is missing (reported) or damaged (reported by the verification). */
    const section = (s: string): Uint8Array | null => {
      if (!sections.includes(s)) {
        report.problems.push({ file: segPath, message: `missing section ${s}` });
        return null;
      }
      try {
        return reader.read(s);
      } catch {
        return null;
      }
    };
    const meta = section('meta');
    let docCount: number | null = null;
    if (meta) {
      try {
        docCount = (JSON.parse(Buffer.from(meta).toString('utf8')) as { docCount: number }).docCount;
      } catch {
        report.problems.push({ file: segPath, message: 'section meta is not valid JSON (corrupted)' });
      }
    }
    if (docCount !== null && expected !== undefined && docCount !== expected) {
      report.problems.push({ file: segPath, message: `holds ${docCount} documents, its manifest says ${expected}` });
    }
    const off = section('store.off');
    const crcs = section('store.crc');
    if (!existsSync(storePath)) {
      report.problems.push({ file: storePath, message: 'missing' });
      return docCount;
    }
    if (!off || !crcs) {
      report.problems.push({ file: storePath, message: `not checked: the offsets or checksums of its documents in ${segPath} are damaged` });
      return docCount;
    }
    const offsets = view.f64(off);
    const expectedCrcs = view.u32(crcs);
    if (offsets.length !== expectedCrcs.length + 1 || (docCount !== null && expectedCrcs.length !== docCount)) {
      report.problems.push({ file: segPath, message: `${expectedCrcs.length} document checksums and ${offsets.length} offsets for ${docCount ?? '?'} documents` });
      return docCount;
    }
    const ids = section('ids');
    const idsOff = section('ids.off');
    const idTable = ids && idsOff ? new StringTable(ids, view.u32(idsOff)) : null;
    checkStore(storePath, offsets, expectedCrcs, (doc) => (idTable && doc < idTable.size ? idTable.get(doc) : undefined), report);
    return docCount;
  } finally {
    reader.close();
  }
}

/** Checks every record of a `.store` file against its CRC32, reading the file front to back. */
function checkStore(path: string, offsets: Float64Array, crcs: Uint32Array, idOf: (doc: number) => string | undefined, report: CheckReport): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    report.problems.push({ file: path, message: reasonOf(err) });
    return;
  }
  try {
    const count = crcs.length;
    const size = fstatSync(fd).size;
    const expected = offsets[count];
    if (size !== expected) report.problems.push({ file: path, message: `${size < expected ? 'truncated' : 'has trailing bytes'}: ${size} bytes, expected ${expected}` });
    const limit = Math.min(size, expected);
    const buffer = Buffer.allocUnsafe(CHUNK);
    let damaged = 0;
    let doc = 0;
    let crc = 0;
    /** Closes every record that ends at `at`. */
    const finish = (at: number) => {
      while (doc < count && offsets[doc + 1] <= at) {
        if (crc >>> 0 !== crcs[doc]) {
          if (++damaged <= LISTED_DOCUMENTS) {
            const id = idOf(doc);
            report.problems.push({ file: path, doc, ...(id !== undefined ? { id } : {}), message: `document ${doc}${id !== undefined ? ` (id ${id})` : ''}: checksum mismatch (corrupted)` });
          }
        }
        report.checked.storedDocuments++;
        doc++;
        crc = 0;
      }
    };
    finish(0);
    for (let pos = 0; pos < limit && doc < count; ) {
      const n = readSync(fd, buffer, 0, Math.min(CHUNK, limit - pos), pos);
      if (n === 0) break;
      for (let i = 0; i < n && doc < count; ) {
        const take = Math.min(n - i, offsets[doc + 1] - (pos + i));
        crc = crc32(buffer.subarray(i, i + take), crc);
        i += take;
        finish(pos + i);
      }
      pos += n;
    }
    if (damaged > LISTED_DOCUMENTS) report.problems.push({ file: path, message: `${damaged - LISTED_DOCUMENTS} more damaged documents (${damaged} in all)` });
    report.checked.storeFiles++;
    report.checked.bytes += size;
  } finally {
    closeSync(fd);
  }
}

/** The message of an error, without the file name an {@link IndexFileError} starts with (the report names the file). */
function reasonOf(err: unknown): string {
  if (err instanceof IndexFileError && err.message.startsWith(`${err.file}: `)) return err.message.slice(err.file.length + 2);
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `cannot read (${e.code})` : err instanceof Error ? err.message : String(err);
}

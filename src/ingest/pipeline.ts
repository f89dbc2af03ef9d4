/**
 * The ingestion pipeline: raw inputs -> clean documents or rejections, and the report of a run.
 * Every input ends up either as a document or as a rejection with its origin and reason.
 *
 * An id used again in the same run with other content: the later document replaces the earlier
 * one in the index (as re-indexing an id does), and the earlier one is listed as `replaced`,
 * naming where the replacement came from; `indexed` counts each id once.
 *
 * Duplicates are not rejected: a document the converter finds to be a copy of an earlier one is
 * indexed with `duplicateOf` set, and listed in the report's `duplicateGroups`. A document kept
 * despite a problem (a few undecodable characters) is listed in `warnings`.
 *
 * Owns: the per-input decision and the report. Must not: write the index (the caller adds the
 * documents it yields) or know how pages are cleaned (article.ts).
 */
import type { DocumentInput } from '../document.js';
import type { FieldMapping } from './article.js';
import type { RawInput } from './readers.js';

export type RejectReason =
  | 'empty'
  | 'undecodable'
  | 'binary'
  | 'too_short'
  | 'too_large'
  | 'too_deep'
  | 'duplicate'
  | 'replaced'
  | 'bad_json'
  | 'bad_record'
  | 'unreadable'
  | 'unsupported';

export interface Rejection {
  origin: string;
  id?: string;
  reason: RejectReason;
  message: string;
  duplicateOf?: string;
}

/** A copy of an earlier document of the run (or of the index), kept and grouped with it. */
export interface DuplicateEntry {
  id: string;
  origin: string;
  /** 1 for the same body, else the estimated Jaccard similarity of the shingle sets. */
  similarity: number;
}

/** The duplicate groups of a run: each original (the first-seen copy) with the copies indexed after it. */
export interface DuplicateGroups {
  /** Number of groups (originals with at least one copy). */
  groups: number;
  /** Number of copies (documents with `duplicateOf`). */
  duplicates: number;
  /** Articles in the groups: copies plus their originals. */
  articles: number;
  list: Array<{ original: string; duplicates: DuplicateEntry[] }>;
}

/** A document indexed despite a problem, e.g. a few undecodable characters (U+FFFD). */
export interface IngestWarning {
  origin: string;
  id?: string;
  message: string;
}

export interface IngestReport {
  startedAt: string;
  finishedAt: string;
  indexed: number;
  rejected: Rejection[];
  /** Rejections counted by reason. */
  byReason: Partial<Record<RejectReason, number>>;
  /** Copies found by the duplicate detector: indexed, with `duplicateOf` naming their original. */
  duplicateGroups: DuplicateGroups;
  /** Documents indexed despite a problem. */
  warnings: IngestWarning[];
}

/** Parses `--map id=docid,content=facts` (our field name = the input's field name). */
export function parseFieldMapping(spec: string): FieldMapping {
  const mapping: Record<string, string> = {};
  const allowed = new Set(['id', 'title', 'content', 'date', 'url', 'source', 'author', 'tags']);
  for (const pair of spec.split(',').filter(Boolean)) {
    const [ours, theirs, extra] = pair.split('=').map((s) => s.trim());
    if (!ours || !theirs || extra !== undefined) throw new Error(`bad --map entry "${pair}": expected field=inputField`);
    if (!allowed.has(ours)) throw new Error(`bad --map entry "${pair}": unknown field ${ours} (one of ${[...allowed].join(', ')})`);
    mapping[ours] = theirs;
  }
  return mapping as FieldMapping;
}

export type Converted =
  | {
      ok: true;
      doc: DocumentInput;
      /** Set when the detector found the document to be a copy (the document's `duplicateOf` names the original too). */
      duplicate?: { duplicateOf: string; similarity: number };
      /** Problems the document is kept despite. */
      warnings?: string[];
    }
  | { ok: false; rejection: Rejection };

/** Converts raw inputs one by one. */
export interface Converter {
  convert(input: RawInput): Converted;
}

/** Runs `inputs` through `converter`, yielding documents and keeping the report. */
export class Ingestion {
  readonly report: IngestReport = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    indexed: 0,
    rejected: [],
    byReason: {},
    duplicateGroups: { groups: 0, duplicates: 0, articles: 0, list: [] },
    warnings: [],
  };

  /** Copies by original, and the original of each copy (an id indexed again leaves its group). */
  private readonly groups = new Map<string, Map<string, DuplicateEntry>>();
  private readonly originalOf = new Map<string, string>();

  /** Where each id indexed in this run came from. */
  private readonly origins = new Map<string, string>();

  constructor(private readonly converter: Converter) {}

  async *documents(inputs: AsyncIterable<RawInput>): AsyncGenerator<DocumentInput> {
    for await (const input of inputs) {
      const result = this.converter.convert(input);
      if (result.ok) {
        const { id } = result.doc;
        const earlier = this.origins.get(id);
        if (earlier === undefined) this.report.indexed++;
        else {
          this.reject({ origin: earlier, id, reason: 'replaced', message: `id ${id} is used again at ${input.origin}, whose document replaces this one` });
        }
        this.origins.set(id, input.origin);
        this.group(id, input.origin, result.duplicate);
        for (const message of result.warnings ?? []) this.report.warnings.push({ origin: input.origin, id, message });
        yield result.doc;
      } else this.reject(result.rejection);
    }
    this.summarizeGroups();
    this.report.finishedAt = new Date().toISOString();
  }

  private group(id: string, origin: string, duplicate: { duplicateOf: string; similarity: number } | undefined): void {
    const earlier = this.originalOf.get(id);
    if (earlier !== undefined) {
      this.groups.get(earlier)?.delete(id);
      this.originalOf.delete(id);
    }
    if (!duplicate) return;
    let copies = this.groups.get(duplicate.duplicateOf);
    if (!copies) this.groups.set(duplicate.duplicateOf, (copies = new Map()));
    copies.set(id, { id, origin, similarity: duplicate.similarity });
    this.originalOf.set(id, duplicate.duplicateOf);
  }

  private summarizeGroups(): void {
    const list = [...this.groups].filter(([, copies]) => copies.size > 0).map(([original, copies]) => ({ original, duplicates: [...copies.values()] }));
    const duplicates = list.reduce((n, g) => n + g.duplicates.length, 0);
    this.report.duplicateGroups = { groups: list.length, duplicates, articles: duplicates + list.length, list };
  }

  private reject(r: Rejection): void {
    this.report.rejected.push(r);
    this.report.byReason[r.reason] = (this.report.byReason[r.reason] ?? 0) + 1;
  }
}

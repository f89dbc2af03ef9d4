/**
 * The ingestion pipeline: raw inputs -> clean documents or rejections, and the report of a run.
 * Every input ends up either as a document or as a rejection with its origin and reason.
 *
 * An id used again in the same run with other content: the later document replaces the earlier
 * one in the index (as re-indexing an id does), and the earlier one is listed as `replaced`,
 * naming where the replacement came from; `indexed` counts each id once.
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

export interface IngestReport {
  startedAt: string;
  finishedAt: string;
  indexed: number;
  rejected: Rejection[];
  /** Rejections counted by reason. */
  byReason: Partial<Record<RejectReason, number>>;
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

export type Converted = { ok: true; doc: DocumentInput } | { ok: false; rejection: Rejection };

/** Converts raw inputs one by one. */
export interface Converter {
  convert(input: RawInput): Converted;
}

/** Runs `inputs` through `converter`, yielding documents and keeping the report. */
export class Ingestion {
  readonly report: IngestReport = { startedAt: new Date().toISOString(), finishedAt: '', indexed: 0, rejected: [], byReason: {} };

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
        yield result.doc;
      } else this.reject(result.rejection);
    }
    this.report.finishedAt = new Date().toISOString();
  }

  private reject(r: Rejection): void {
    this.report.rejected.push(r);
    this.report.byReason[r.reason] = (this.report.byReason[r.reason] ?? 0) + 1;
  }
}

/**
 * A `Converter` (pipeline.ts) backed by the article extraction: bytes are decoded (UTF-8 /
 * GB18030, binary and undecodable rejected), pages cleaned and extracted, records mapped, and
 * every accepted document checked against the run's duplicate detector: a copy is kept, with
 * `duplicateOf` naming the first-seen document of its story (never rejected).
 *
 * Owns: the adaptation of raw inputs (readers.ts) and of ingest rejections to the pipeline's
 * shapes. Must not: read files (readers.ts), write the index, or hold anything but the run's
 * duplicate detector. Use one instance per ingestion run.
 */
import { checkDuplicate, extractArticle, fromRecord, type ExtractResult, type FieldMapping } from './article.js';
import { DuplicateDetector } from './dedupe.js';
import { decodeBytes } from './decode.js';
import { looksLikeHtml } from './html.js';
import type { Converted, Converter } from './pipeline.js';
import type { RawInput } from './readers.js';

export class ArticleConverter implements Converter {
  private readonly duplicates: DuplicateDetector;

  /**
   * `dedupe: false` turns duplicate detection off (no document gets `duplicateOf`). `detector`:
   * a detector already holding earlier documents (e.g. those of the index being added to).
   */
  constructor(
    private readonly mapping: FieldMapping = {},
    private readonly opts: { dedupe?: boolean; detector?: DuplicateDetector } = {},
  ) {
    this.duplicates = opts.detector ?? new DuplicateDetector();
  }

  convert(input: RawInput): Converted {
    if (input.kind === 'problem') {
      return { ok: false, rejection: { origin: input.origin, reason: input.reason, message: input.message } };
    }
    let result: ExtractResult;
    const warnings: string[] = [];
    if (input.kind === 'record') {
      result = fromRecord(input.record, this.mapping);
    } else {
      const decoded = decodeBytes(input.bytes);
      if (!decoded.ok) return { ok: false, rejection: { origin: input.origin, reason: decoded.reason, message: decoded.message } };
      if (decoded.repaired > 0) warnings.push(`${decoded.repaired} undecodable byte sequence(s) dropped (U+FFFD)`);
      const kind = input.format === 'html' || looksLikeHtml(decoded.text) ? 'html' : 'txt';
      result = extractArticle({ text: decoded.text, id: input.id, kind });
    }
    if (!result.ok) {
      return { ok: false, rejection: { origin: input.origin, reason: result.reason, message: result.message } };
    }
    warnings.push(...(result.warnings ?? []));
    const out: Converted = { ok: true, doc: result.doc, ...(warnings.length ? { warnings } : {}) };
    if (this.opts.dedupe !== false) {
      const dup = checkDuplicate(this.duplicates, result.doc);
      if (dup) {
        result.doc.duplicateOf = dup.duplicateOf!;
        return { ...out, duplicate: { duplicateOf: dup.duplicateOf!, similarity: dup.similarity ?? 1 } };
      }
    }
    return out;
  }
}

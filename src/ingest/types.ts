/**
 * Shared result types of the ingest stage: why a raw input was rejected.
 *
 * Owns: the rejection reasons and the rejection shape every ingest function returns.
 * Must not: know how inputs are read, decoded or cleaned.
 */

/**
 * Why an input produced no document:
 * - `empty`: no text at all (zero bytes, whitespace only, or a record without content);
 * - `undecodable`: bytes that are neither UTF-8 nor GB18030, or text mostly U+FFFD (decode.ts `MOSTLY_UNDECODABLE`);
 * - `binary`: NUL bytes, known binary signatures or too many control characters;
 * - `too_short`: the cleaned article body has fewer than {@link MIN_BODY_CHARS} searchable characters;
 * - `too_large`: the text has more than {@link MAX_DOCUMENT_CHARS} characters;
 * - `duplicate`: same or nearly the same body as an earlier document (`duplicateOf` names it).
 *   Not a rejection in an ingestion run: the pipeline keeps the document, grouped with its original;
 * - `bad_json`: a JSONL line that does not parse (the reader reports it; `line` names it);
 * - `bad_record`: a record without an id (same name as in pipeline.ts).
 */
export type RejectReason = 'empty' | 'undecodable' | 'binary' | 'too_short' | 'too_large' | 'duplicate' | 'bad_json' | 'bad_record';

export interface Rejection {
  ok: false;
  reason: RejectReason;
  message: string;
  /** For `duplicate`: the id of the document this one duplicates. */
  duplicateOf?: string;
  /** For `duplicate`: estimated similarity in [0, 1] (1 for an exact duplicate). */
  similarity?: number;
  /** For `bad_json`: the 1-based line number in the JSONL file. */
  line?: number;
}

/**
 * Minimum number of searchable characters (CJK ideographs, letters, digits) in a cleaned body.
 * Shorter bodies are navigation pages, empty templates or failed extractions, not articles.
 * 20 keeps the shortest real news items (e.g. a one-sentence 央视快评 announcement, ~25 chars).
 */
export const MIN_BODY_CHARS = 20;

/**
 * Maximum characters of a document's text (a page's text, a record's content). Longer inputs are
 * rejected (`too_large`): every search showing such a document, and its article view, would cost
 * in proportion, and no news article comes near (the longest xwlb item has 22,337).
 */
export const MAX_DOCUMENT_CHARS = 1_000_000;

export function reject(reason: RejectReason, message: string, extra: Partial<Rejection> = {}): Rejection {
  return { ...extra, ok: false, reason, message };
}

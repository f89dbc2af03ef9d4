/**
 * The document model shared by every stage: what ingestion produces, what the
 * index stores and what a search hit returns.
 *
 * Owns: the shapes only. Must not import anything from the pipeline stages.
 */

/** An administrative division (GB/T 2260), with its parents filled in. */
export interface Region {
  /** Six-digit GB/T 2260 code of the most specific level, e.g. "420600" for 襄阳市. */
  code: string;
  /** Official province-level name, e.g. "湖北省". */
  province: string;
  /** Official prefecture-level name, e.g. "襄阳市" (empty for a province-level region). */
  city?: string;
  /** Official county-level name, e.g. "随县" (empty above county level). */
  county?: string;
}

/** One article, as given to the index. Only `id` and `content` are required. */
export interface DocumentInput {
  /** Stable external id. Indexing the same id again replaces the earlier version. */
  id: string;
  title?: string;
  content: string;
  tags?: string[];
  /** Publication date, `YYYY-MM-DD`. Absent when unknown: never invented. */
  date?: string;
  url?: string;
  /** Publisher or site. */
  source?: string;
  /** Author or reporter, when stated. */
  author?: string;
  /** Every region the article is about; the first one is the primary region. */
  regions?: Region[];
  /** Normalized names of the libraries the article mentions. */
  libraries?: string[];
  /**
   * The id of the original of this article's duplicate group (the first-seen copy of the same
   * story), set by ingestion's duplicate detector; embedders may set it themselves. Searches
   * collapse a story's copies into one hit by default (the story key is `duplicateOf ?? id`;
   * a value equal to `id` is the same as none). Stored and returned as given.
   */
  duplicateOf?: string;
  /** Any other fields of the input record, stored and returned as they are. */
  extra?: Record<string, unknown>;
}

/** A stored document, as returned by the index: the input plus nothing invented. */
export type StoredDocument = DocumentInput;

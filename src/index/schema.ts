/**
 * The index schema: which text fields exist, how they are weighted, and the BM25 parameters, and
 * which per-document columns exist.
 *
 * Owns: field names and their order (the order is part of the on-disk format), default boosts,
 * default k1 and b. Must not: read or write anything.
 */
import type { DocumentInput } from '../document.js';

/** The searchable text fields, in on-disk order. */
export const FIELDS = ['title', 'content', 'tags'] as const;
export type FieldName = (typeof FIELDS)[number];

/** Text of each field of a document, as the analyzer sees it. */
export function fieldTexts(doc: DocumentInput): Record<FieldName, string> {
  return { title: doc.title ?? '', content: doc.content ?? '', tags: (doc.tags ?? []).join('\n') };
}

export function isFieldName(name: string): name is FieldName {
  return (FIELDS as readonly string[]).includes(name);
}

/** Ranking parameters. */
export interface RankingOptions {
  /** Per-field multipliers of the BM25 score. Defaults: title 2.5, content 1, tags 1.5. */
  boosts: Record<FieldName, number>;
  /** Term-frequency saturation. Default 1.2. */
  k1: number;
  /** Length normalization. Default 0.75. */
  b: number;
  /**
   * Weight of a match that exists only at character level (the query word occurs in the text
   * but jieba cut the text differently, e.g. 处理 inside 待处理 cut as 待/处理 is fine, but 和服
   * inside 和服务 is not a word there). Such a match still matches, ranked below a word match.
   * Default 0.5.
   */
  substringWeight: number;
  /**
   * Weight of proximity (search/proximity.ts): the best hits' scores are multiplied by
   * 1 + proximity x (how close together they have the query's words, 0 to 1). 0 turns it off.
   */
  proximity: number;
  /**
   * Tiered matching (op=auto, search/tiers.ts): a word in more than this share of the documents
   * is common (and in 50 documents at least), as Elasticsearch's common terms query
   * (cutoff_frequency) has it: it scores, but does not make a document match or define tiers,
   * unless every word of the query is common.
   */
  commonCutoff: number;
}

export const DEFAULT_RANKING: RankingOptions = {
  boosts: { title: 2.5, content: 1, tags: 1.5 },
  k1: 1.2,
  b: 0.75,
  substringWeight: 0.5,
  proximity: 2,
  commonCutoff: 0.05,
};

/**
 * Per-document keyword columns, kept as typed arrays for filters, facets and sorting.
 * `region` holds the GB/T 2260 codes of every level a document's regions name
 * (province, city, county), so a filter on a province also finds its counties.
 * `story` holds the story key of a document that is a copy (its `duplicateOf`), and nothing for
 * a document that is its own story (key = its id): the dictionary holds only the originals that
 * have copies. Segments written before the column existed read as having no copies.
 */
export const KEYWORD_COLUMNS = ['source', 'region', 'library', 'story'] as const;
export type KeywordColumn = (typeof KEYWORD_COLUMNS)[number];

/** The keyword column values of a document. */
export function keywordValues(doc: DocumentInput): Record<KeywordColumn, string[]> {
  const region = new Set<string>();
  for (const r of doc.regions ?? []) {
    region.add(`${r.code.slice(0, 2)}0000`);
    if (r.city) region.add(`${r.code.slice(0, 4)}00`);
    if (r.county) region.add(r.code);
  }
  return {
    source: doc.source ? [doc.source] : [],
    region: [...region],
    library: [...new Set(doc.libraries ?? [])],
    story: doc.duplicateOf && doc.duplicateOf !== doc.id ? [doc.duplicateOf] : [],
  };
}

/** Value of the date column for documents without a date. */
export const NO_DATE = -2147483648;

/** `YYYY-MM-DD` -> days since 1970-01-01, or {@link NO_DATE}. */
export function dayNumber(date: string | undefined): number {
  if (!date) return NO_DATE;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return NO_DATE;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isFinite(t) ? Math.floor(t / 86_400_000) : NO_DATE;
}

/**
 * Enrichment of a clean document: the regions, libraries and publication date ingestion derives
 * from an article's text. One path:
 * the page and record extraction (article.ts, hence the CLI) and `SearchIndex.add()` (the
 * library API, hence the HTTP write API) both end here.
 *
 * Rules for a document given as it is (`enrichDocument`):
 * - `regions`, `libraries`: filled from title + content when absent (undefined), exactly as
 *   ingestion extracts them; a value the caller gave is kept (an explicit `[]` means none).
 * - `date`: a given date is normalized to `YYYY-MM-DD` when it is recognisable (`2023年6月21日`,
 *   `20230621`, `2023/6/21 09:30`, an ISO timestamp read in China time...) and kept as given
 *   otherwise; an absent date is looked for in the lead of the content, as for a record.
 * - Nothing else is touched: title and content are stored as given (no cleaning), and so are
 *   `id`, `tags`, `url`, `source`, `author`, `duplicateOf` and `extra`.
 *
 * Owns: those rules and `placesOf`. Duplicate grouping is article.ts's `checkDuplicate`.
 * Must not: clean text, read files, or touch the index (the caller adds what this returns).
 */
import type { DocumentInput } from '../document.js';
import { toSimplified as simplified } from '../analysis/normalize.js';
import { analyzeRegions, selectRegions } from '../analysis/regions.js';
import { findPublicationDate, normalizeDate } from './date.js';
import { findLibraries } from './libraries.js';

/** Regions and libraries of a title + body (original script; matched on the Simplified form). */
export function placesOf(title: string | undefined, body: string, extra?: string): Pick<DocumentInput, 'regions' | 'libraries'> {
  const t = title ? simplified(title) : undefined;
  const b = simplified(body);
  const { hits, mentions, text } = analyzeRegions(b, { title: t, simplified: true });
  return {
    regions: selectRegions(hits),
    libraries: findLibraries(text, { mentions, extra, simplified: true }),
  };
}

export interface EnrichOptions {
  /**
   * Look for a missing date in the lead of the content. Default true; page extraction, which has
   * already searched the whole page (meta, header, body), turns it off.
   */
  dateFromContent?: boolean;
  /** More text where library names may be completed from (a page's header lines). */
  context?: string;
}

/** `doc` enriched by the rules of the header (a new object; `doc` is not changed). */
export function enrichDocument(doc: DocumentInput, opts: EnrichOptions = {}): DocumentInput {
  const out: DocumentInput = { ...doc };
  if (out.date !== undefined && out.date !== null) {
    const normalized = normalizeDate(out.date);
    if (normalized) out.date = normalized;
  } else {
    delete out.date;
    const found = opts.dateFromContent === false ? undefined : findPublicationDate({ body: out.content ?? '' });
    if (found) out.date = found;
  }
  if (out.regions === undefined || out.libraries === undefined) {
    const places = placesOf(out.title, out.content ?? '', opts.context);
    out.regions ??= places.regions;
    out.libraries ??= places.libraries;
  }
  return out;
}

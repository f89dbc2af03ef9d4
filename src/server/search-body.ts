/**
 * The JSON body of `GET /api/search`, serialized once where the search ran (the event loop or a
 * search thread), so a thread hands the main thread two strings instead of a result object to
 * clone, and the main thread only puts the time taken between them and writes the bytes.
 *
 *   {"query":…,"total":…,"articles":…,"page":…,"size":…,"tookMs":…,"hits":[…],"facets":…,"facetTotals":…}
 *
 * The bytes are exactly those of `JSON.stringify` (Express's `res.json`) of the body object with
 * its fields in that order.
 *
 * Owns: the search response's fields and their order. Must not: search, validate or send.
 */
import type { z } from 'zod';
import type { SearchHit, SearchResult, SearchWarning } from '../index.js';
import type { searchResponse } from './schemas.js';

/** A search's body without its `tookMs`: `head` + `,"tookMs":<ms>,` + `tail` is the whole JSON. */
export interface SearchBodyParts {
  head: string;
  tail: string;
  /** The result's warnings (damaged stored documents), for the main thread to log. */
  warnings?: SearchWarning[];
}

type SearchBody = z.input<typeof searchResponse>;

/** The body parts of `result` for the request's `page` and `size` (echoed). */
export function searchBodyParts(result: SearchResult, page: number, size: number): SearchBodyParts {
  const { q, terms, excluded, op, relaxed, dropped, stopWords, ignored, interpretations, correctedFrom, didYouMean } = result.query;
  const head: Pick<SearchBody, 'query' | 'total' | 'articles' | 'partial' | 'shards' | 'page' | 'size'> = {
    query: {
      q,
      terms,
      excluded,
      op,
      relaxed,
      dropped,
      stopWords,
      ignored,
      interpretations: interpretations.map(({ from, to, kind, excluded }) => ({ from, to, kind, ...(excluded ? { excluded } : {}) })),
      ...(correctedFrom === undefined ? {} : { correctedFrom }),
      ...(didYouMean === undefined ? {} : { didYouMean }),
    },
    total: result.total,
    articles: result.articles,
    ...(result.partial === undefined ? {} : { partial: result.partial }),
    ...(result.shards === undefined ? {} : { shards: result.shards }),
    page,
    size,
  };
  const tail: Pick<SearchBody, 'hits' | 'facets' | 'facetTotals'> = { hits: result.hits.map(hitJson), facets: result.facets, facetTotals: result.facetTotals };
  // Both objects have a first field (query, hits), so cutting the brace off each leaves a valid join.
  return { head: JSON.stringify(head).slice(0, -1), tail: JSON.stringify(tail).slice(1), ...(result.warnings ? { warnings: result.warnings } : {}) };
}

/** The whole body: the parts joined around `tookMs` (what `JSON.stringify` of the body gives). */
export function searchBodyJson(parts: SearchBodyParts, tookMs: number): string {
  return `${parts.head},"tookMs":${JSON.stringify(tookMs)},${parts.tail}`;
}

/** A hit with the fields in documentation order. */
export function hitJson(h: SearchHit): SearchBody['hits'][number] {
  return {
    id: h.id,
    score: h.score,
    ...(h.unavailable ? { unavailable: true } : {}),
    title: h.title,
    titleHtml: h.titleHtml,
    snippetHtml: h.snippetHtml,
    highlights: h.highlights,
    date: h.date,
    source: h.source,
    author: h.author,
    url: h.url,
    tags: h.tags,
    regions: h.regions,
    libraries: h.libraries,
    ...(h.explain ? { explain: h.explain } : {}),
    ...(h.duplicates ? { duplicates: h.duplicates.map(({ id, title, source, date, url }) => ({ id, title, source, date, url })) } : {}),
  };
}

/**
 * Search: query string + options -> total, the requested page of hits, and how the query was
 * understood. Parses, plans, executes, filters, relaxes AND to OR when nothing matches, counts
 * facets over the whole (unfiltered) match set, collects the page and reads the stored fields of
 * its hits, with highlighted title and snippet.
 *
 * Owns: the search request as a whole. Must not: know about HTTP or the CLI.
 */
import type { Analyzer } from '../analysis/analyzer.js';
import type { Region, StoredDocument } from '../document.js';
import type { IndexSnapshot } from '../index/reader.js';
import { IndexFileError } from '../index/section-file.js';
import type { Segment } from '../index/segment.js';
import { DEFAULT_RANKING, type FieldName, type RankingOptions } from '../index/schema.js';
import { collectTop, type SortOrder } from './collector.js';
import { Budget } from './budget.js';
import { PostingsCache } from './postings-cache.js';
import { execute, type MatchSets, type Op, type TopK } from './executor.js';
import { countFacets, type FacetName, type Facets } from './facets.js';
import { CompiledFilters, passing, type Failures, type SearchFilters } from './filters.js';
import { highlightText, snippet, type Highlighted, type Range } from './snippets.js';
import { describeLeaf, negatedLeaves, planQuery, positiveLeaves, topLevelTerms } from './plan.js';
import { parseQuery } from './query-parser.js';

export interface SearchOptions {
  /** How juxtaposed words combine: all must match (`and`, default) or any (`or`). */
  op?: Op;
  /** Page number from 1. Default 1. */
  page?: number;
  /** Hits per page. Default 10. */
  size?: number;
  /** Default `relevance`; an empty query lists documents newest first. */
  sort?: SortOrder;
  /** Overrides of the ranking parameters (boosts, k1, b). */
  ranking?: Partial<RankingOptions>;
  /** When false, an AND query that matches nothing is not retried as OR. Default true. */
  relax?: boolean;
  /** Region, date, source and library filters (see filters.ts). Throws RangeError for a bad date. */
  filters?: SearchFilters;
  /** Facets to count over the whole match set (see facets.ts). Default none. */
  facets?: readonly FacetName[];
  /** Values per facet. Default 10. */
  facetSize?: number;
  /** Snippet length in characters. Default 120. */
  snippetLength?: number;
  /**
   * When false, hits are not highlighted: `titleHtml` is the escaped title, `snippetHtml` empty
   * and `highlights` empty (for callers that only need ids and fields). Default true.
   */
  highlight?: boolean;
  /** Time budget in milliseconds; a search that needs longer throws `SearchTimeoutError`. Default none. */
  timeoutMs?: number;
  /**
   * Memory budget in bytes of decoded postings and positions; a search that needs more throws
   * `SearchMemoryError`. Default 256 MiB.
   */
  memoryBytes?: number;
  /**
   * When false, every match is scored (no dynamic pruning of ranked OR queries): the same hits,
   * for tests and comparisons. Default true.
   */
  prune?: boolean;
}

export interface SearchHit {
  id: string;
  score: number;
  /**
   * Set when the stored document could not be read (a damaged `.store` file): the hit keeps its
   * place, id and score; its title, snippet, highlights and metadata are empty. The result's
   * `warnings` say why.
   */
  unavailable?: true;
  title: string;
  date: string | null;
  source: string | null;
  author: string | null;
  url: string | null;
  tags: string[];
  regions: Region[];
  libraries: string[];
  /** The title, HTML-escaped, with the query's matches in `<mark>`. */
  titleHtml: string;
  /** The best passage(s) of the content, HTML-escaped, with the query's matches in `<mark>`. */
  snippetHtml: string;
  /** The query's matches in the content, as [start, end) offsets into the stored content. */
  highlights: Range[];
}

export interface QueryInfo {
  q: string;
  /** The terms and "phrases" documents are matched on, as analyzed (normalized, Simplified). */
  terms: string[];
  /** Terms and phrases the query excludes. */
  excluded: string[];
  op: Op;
  /** True when an AND query matched nothing and was answered as OR. */
  relaxed: boolean;
  /** Terms and phrases left out because the query has more than `MAX_QUERY_TERMS` (64) distinct ones. */
  ignored: string[];
}

export interface SearchResult {
  total: number;
  hits: SearchHit[];
  query: QueryInfo;
  /** The facets asked for in {@link SearchOptions.facets}. */
  facets: Facets;
  /** Problems met while reading the page's hits (absent when there were none), for the caller to log. */
  warnings?: SearchWarning[];
}

/** A stored document of the page that could not be read: its hit is marked `unavailable`. */
export interface SearchWarning {
  code: 'document_unavailable';
  /** External id of the document. */
  id: string;
  /** The damaged file. */
  file: string;
  /** What is wrong, naming the file (the `IndexFileError` message). */
  message: string;
}

/**
 * Snippets and hit highlights look at this many characters of the content at most, so a huge
 * document costs the same as a long one (the article view, `highlight`, still marks all of it).
 */
export const SNIPPET_SCAN_CHARS = 50_000;

export function search(snapshot: IndexSnapshot, analyzer: Analyzer, q: string, options: SearchOptions = {}): SearchResult {
  const ranking: RankingOptions = { ...DEFAULT_RANKING, ...options.ranking, boosts: { ...DEFAULT_RANKING.boosts, ...options.ranking?.boosts } };
  const requestedOp: Op = options.op ?? 'and';
  const plan = planQuery(parseQuery(q), analyzer);
  const browsing = q.trim() === '';
  const size = options.size ?? 10;
  const page = options.page ?? 1;
  const budget = new Budget(options.timeoutMs ?? Infinity, options.memoryBytes);
  const postings = new PostingsCache(budget);
  const filters = CompiledFilters.compile(snapshot, options.filters);
  const sort = options.sort ?? (browsing ? 'date_desc' : 'relevance');
  const topK: TopK | null =
    sort === 'relevance' && options.prune !== false
      ? { k: page * size, rejected: filters.empty ? null : (s, docs) => filters.failures(s, docs) }
      : null;

  /** The unfiltered matches (for facets), the filters each fails, and the filtered ones (for total and hits). */
  const run = (op: Op): { all: MatchSets; failures: Failures[] | null; matched: MatchSets } => {
    const all = plan.root || browsing ? execute(snapshot, plan, op, ranking, postings, topK) : [];
    if (filters.empty) return { all, failures: null, matched: all };
    const failures = all.map((set, s) => filters.failures(s, set.docs));
    return { all, failures, matched: all.map((set, s) => passing(set, failures[s])) };
  };
  let op = requestedOp;
  let relaxed = false;
  let { all, failures, matched } = run(op);
  let total = count(matched);
  if (total === 0 && op === 'and' && options.relax !== false && topLevelTerms(plan.root) > 1) {
    op = 'or';
    relaxed = true;
    ({ all, failures, matched } = run(op));
    total = count(matched);
  }
  budget.check();
  const facets = options.facets?.length ? countFacets(snapshot, all, failures, filters, options.facets, options.facetSize ?? 10, budget) : {};
  const leaves = [...new Set(positiveLeaves(plan.root))];
  const termsOf = (f: FieldName) => leaves.filter((l) => l.fields.includes(f)).map((l) => l.chars);
  const titleTerms = termsOf('title');
  const contentTerms = termsOf('content');
  const top = collectTop(snapshot, matched, page * size, sort).slice((page - 1) * size);
  const warnings: SearchWarning[] = [];
  const hits = top.map(({ segment, doc, score }): SearchHit => {
    budget.check();
    const d = storedDocument(snapshot.segments[segment].segment, doc, warnings);
    if (!d) return unavailableHit(snapshot.segments[segment].segment.id(doc), score);
    const title = d.title ?? '';
    const marked = options.highlight !== false;
    const body = marked ? snippet((d.content ?? '').slice(0, SNIPPET_SCAN_CHARS), contentTerms, options.snippetLength, budget) : { html: '', highlights: [] };
    return {
      id: d.id,
      score,
      title,
      date: d.date ?? null,
      source: d.source ?? null,
      author: d.author ?? null,
      url: d.url ?? null,
      tags: d.tags ?? [],
      regions: d.regions ?? [],
      libraries: d.libraries ?? [],
      titleHtml: highlightText(title, marked ? titleTerms : [], budget).html,
      snippetHtml: body.html,
      highlights: body.highlights,
    };
  });
  return {
    total,
    hits,
    query: {
      q,
      terms: [...new Set(leaves.map(describeLeaf))],
      excluded: [...new Set(negatedLeaves(plan.root).map(describeLeaf))],
      op,
      relaxed,
      ignored: plan.ignored,
    },
    facets,
    ...(warnings.length ? { warnings } : {}),
  };
}

/**
 * `text` (a stored `field`) with the matches of query `q` marked, as escaped HTML and offsets,
 * within `timeoutMs` (default none; over it, `SearchTimeoutError`).
 */
export function highlight(analyzer: Analyzer, q: string, text: string, field: FieldName = 'content', timeoutMs?: number): Highlighted {
  const leaves = positiveLeaves(planQuery(parseQuery(q), analyzer).root).filter((l) => l.fields.includes(field));
  return highlightText(text, leaves.map((l) => l.chars), new Budget(timeoutMs ?? Infinity));
}

const count = (matches: MatchSets) => matches.reduce((n, m) => n + m.docs.length, 0);

/** Stored document `doc` of `segment`, or null (and a warning) when its record is damaged. */
function storedDocument(segment: Segment, doc: number, warnings: SearchWarning[]): StoredDocument | null {
  try {
    return segment.document(doc);
  } catch (err) {
    if (!(err instanceof IndexFileError)) throw err;
    warnings.push({ code: 'document_unavailable', id: segment.id(doc), file: err.file, message: err.message });
    return null;
  }
}

/** The hit of a document whose stored fields could not be read. */
function unavailableHit(id: string, score: number): SearchHit {
  return { id, score, unavailable: true, title: '', date: null, source: null, author: null, url: null, tags: [], regions: [], libraries: [], titleHtml: '', snippetHtml: '', highlights: [] };
}

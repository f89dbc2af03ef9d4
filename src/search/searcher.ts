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
import { DEFAULT_RANKING, FIELDS, type FieldName, type RankingOptions } from '../index/schema.js';
import { collectTop, type Collected, type SortOrder } from './collector.js';
import { Budget } from './budget.js';
import { PostingsCache } from './postings-cache.js';
import { idf } from './bm25.js';
import { execute, type Collect, type Contribution, type Execution, type MatchSets, type Op } from './executor.js';
import { proximity } from './proximity.js';
import { countFacets, type FacetName, type Facets, type FacetTotals } from './facets.js';
import { CompiledFilters, passing, type SearchFilters } from './filters.js';
import { highlightText, snippet, type Highlighted, type Range } from './snippets.js';
import { describeLeaf, MAX_QUERY_TERMS, negatedLeaves, planQuery, positiveLeaves, topLevelClauses, type LeafWeight, type Plan, type PlanNode } from './plan.js';
import { parseQuery, type QueryNode } from './query-parser.js';
import { interpret, type Interpretation } from './interpret.js';
import { correct } from './correct.js';
import { Vocabulary } from './vocabulary.js';
import { matchSubstring } from './substring.js';
import { queryChars } from '../analysis/analyzer.js';
import { Stories } from './stories.js';
import { copiesOf, storyLeaders } from './collapse.js';

export interface SearchOptions {
  /**
   * How juxtaposed words combine: `auto` (default) ranks documents with every word first, then
   * those missing the least informative words (tiers.ts); `and`: every word must match; `or`: any.
   */
  op?: Op;
  /** Page number from 1. Default 1. */
  page?: number;
  /** Hits per page. Default 10. */
  size?: number;
  /** Default `relevance`; an empty query lists documents newest first. */
  sort?: SortOrder;
  /** Overrides of the ranking parameters (boosts, k1, b). */
  ranking?: Partial<RankingOptions>;
  /**
   * When false, an `and` query that matches nothing stays empty; by default it drops its least
   * informative words one at a time until something matches (`query.dropped`).
   */
  relax?: boolean;
  /** Region, date, source and library filters (see filters.ts). Throws RangeError for a bad date. */
  filters?: SearchFilters;
  /** Facets to count over the whole match set (see facets.ts). Default none. */
  facets?: readonly FacetName[];
  /** Values per facet (year and month are never cut). Default 10. */
  facetSize?: number;
  /**
   * Facet search: only the values of the one facet in `facets` whose name contains this text
   * (see facets.ts). Blank is no facet search; with no or several facets it throws a RangeError.
   */
  facetQuery?: string;
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
  /** When true, every hit carries `explain`: why it matched and how its score is made. Default false. */
  explain?: boolean;
  /** Distinct terms and phrases a query keeps, the most informative (1 to 256). Default {@link MAX_QUERY_TERMS}. */
  maxTerms?: number;
  /**
   * When true, the query is searched exactly as typed: no pinyin reading, no synonyms, no
   * correction of typos (what "仍然搜索" links to). Default false.
   */
  literal?: boolean;
  /**
   * When true (the default), the copies of a story (documents sharing a story key,
   * `duplicateOf ?? id`) are collapsed into one hit, the best-ranked copy under the sort order,
   * whose `duplicates` lists the other copies that match the query and pass the filters; `total`
   * counts stories. When false, every article is a hit (without `duplicates`) and `total` counts
   * articles. `articles` and facet counts count articles either way.
   */
  collapse?: boolean;
}

/** Another copy of a hit's story (collapsed search), as {@link SearchHit.duplicates} lists it. */
export interface DuplicateRef {
  id: string;
  title: string;
  source: string | null;
  date: string | null;
  url: string | null;
}

/** The most terms a query may keep, whatever `maxTerms` asks. */
export const MAX_TERMS_LIMIT = 256;

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
  /** With `explain: true`: the score's parts and the hit's tier. */
  explain?: Explanation;
  /**
   * Collapsed searches (the default): the other copies of this hit's story that match the query
   * and pass the filters, in hit order; empty when none. Absent with `collapse: false`.
   */
  duplicates?: DuplicateRef[];
}

export interface QueryInfo {
  q: string;
  /** The terms and "phrases" documents are matched on, as analyzed (normalized, Simplified). */
  terms: string[];
  /** Terms and phrases the query excludes. */
  excluded: string[];
  op: Op;
  /** True when the best documents lack some of the query's words (listed in `dropped`). */
  relaxed: boolean;
  /**
   * Words and phrases the best documents do not have: no document has every word, so the least
   * informative ones were dropped, one at a time (`and`), or the best tier lacks them (`auto`).
   */
  dropped: string[];
  /** Stop words of the query, left out of matching (a phrase keeps them). */
  stopWords: string[];
  /**
   * Terms and phrases left out because the query has more than `MAX_QUERY_TERMS` distinct ones:
   * the least informative (lowest inverse document frequency x occurrences).
   */
  ignored: string[];
  /**
   * How parts of the query were read (interpret.ts, correct.ts): pinyin and initials as Chinese
   * words, synonyms added, a typo corrected. Empty when the query was searched as typed.
   */
  interpretations: Interpretation[];
  /**
   * Set when the results are those of a corrected query (`q`): the query as typed, a run of whose
   * characters no document has (correct.ts).
   */
  correctedFrom?: string;
  /** A corrected query offered (not searched): the typed form is in the index, but rarely next to it. */
  didYouMean?: string;
}

export interface SearchResult {
  /** Hits as listed: stories when collapsed (the default), articles with `collapse: false`. */
  total: number;
  /** Matching articles, every copy counted (equal to `total` with `collapse: false`). */
  articles: number;
  hits: SearchHit[];
  query: QueryInfo;
  /** The facets asked for in {@link SearchOptions.facets}. */
  facets: Facets;
  /** Per facet in `facets`, how many values with a count it has (matching `facetQuery`, if any). */
  facetTotals: FacetTotals;
  /** Problems met while reading the page's hits (absent when there were none), for the caller to log. */
  warnings?: SearchWarning[];
  /**
   * Cluster backend (README "Cluster"): true when some shard did not answer within the timeout,
   * so totals, facets and hits lack its documents. Absent for the embedded index.
   */
  partial?: boolean;
  /** Cluster backend: shards asked and shards that did not answer. */
  shards?: { total: number; failed: number };
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

/**
 * Searches `q` as the user means it (unless `options.literal`): a typo whose literal form is
 * absent or rare is searched corrected (`query.correctedFrom`), or the correction offered
 * (`query.didYouMean`); pinyin and synonyms are read by {@link interpret}.
 */
export function search(snapshot: IndexSnapshot, analyzer: Analyzer, q: string, options: SearchOptions = {}): SearchResult {
  if (options.facetQuery?.trim() && new Set(options.facets ?? []).size !== 1) throw new RangeError('facetQuery: name exactly one facet in facets to search its values');
  // The query-understanding data is built once per index version (SearchIndex.warm builds it
  // ahead): the first search of a fresh process pays for it, but not out of its time budget.
  if (!options.literal && q.trim() !== '') Vocabulary.of(snapshot);
  const budget = new Budget(options.timeoutMs ?? Infinity, options.memoryBytes);
  const postings = new PostingsCache(budget);
  if (options.literal || q.trim() === '') return searchOnce(snapshot, analyzer, q, options, [], postings);
  const fix = correct(q, Vocabulary.of(snapshot), (text) => countContaining(snapshot, text, postings), (text) => analyzer.queryWords(text));
  if (fix?.apply) {
    const corrections = fix.runs.map((r): Interpretation => ({ from: r.from, to: [r.to], kind: 'correction' }));
    const result = searchOnce(snapshot, analyzer, fix.query, options, corrections, postings);
    result.query.correctedFrom = q;
    return result;
  }
  const result = searchOnce(snapshot, analyzer, q, options, [], postings);
  if (fix) result.query.didYouMean = fix.query;
  return result;
}

/** The query tree of `q`, read as the user means it unless `literal`. */
function understood(snapshot: IndexSnapshot, analyzer: Analyzer, q: string, literal: boolean, postings = new PostingsCache(Budget.unlimited())): { node: QueryNode | null; interpretations: Interpretation[] } {
  const node = parseQuery(q);
  if (literal || !node) return { node, interpretations: [] };
  return interpret(node, { analyzer, vocabulary: Vocabulary.of(snapshot), synonyms: analyzer.synonyms(), count: (text) => countContaining(snapshot, text, postings) });
}

/** Live documents containing `text`'s searchable characters consecutively in some field. */
function countContaining(snapshot: IndexSnapshot, text: string, postings: PostingsCache): number {
  const chars = queryChars(text);
  let n = 0;
  snapshot.segments.forEach(({ segment, deleted }) => {
    const seen = new Uint8Array(segment.docCount);
    for (const f of FIELDS) {
      for (const d of matchSubstring(segment.fields[f].grams, chars, postings).docs) {
        if (seen[d] || (deleted && deleted[d])) continue;
        seen[d] = 1;
        n++;
      }
    }
  });
  return n;
}

/** One search of `q` as given (read by interpret.ts unless literal), decoding through `postings` (and its budget). */
function searchOnce(snapshot: IndexSnapshot, analyzer: Analyzer, q: string, options: SearchOptions, corrections: Interpretation[], postings: PostingsCache): SearchResult {
  const ranking: RankingOptions = { ...DEFAULT_RANKING, ...options.ranking, boosts: { ...DEFAULT_RANKING.boosts, ...options.ranking?.boosts } };
  const op: Op = options.op ?? 'auto';
  const maxTerms = Math.min(MAX_TERMS_LIMIT, Math.max(1, Math.floor(options.maxTerms ?? MAX_QUERY_TERMS)));
  const browsing = q.trim() === '';
  const size = options.size ?? 10;
  const page = options.page ?? 1;
  const budget = postings.budget;
  const { node, interpretations } = understood(snapshot, analyzer, q, options.literal === true, postings);
  const plan = planQuery(node, analyzer, informativeness(snapshot), maxTerms);
  const filters = CompiledFilters.compile(snapshot, options.filters);
  const sort = options.sort ?? (browsing ? 'date_desc' : 'relevance');
  // Proximity reorders the best PROXIMITY_WINDOW hits (by tier and BM25) of a ranked query of several words.
  const near = sort === 'relevance' && ranking.proximity > 0 ? proximityTerms(plan) : [];
  const window = near.length >= 2 ? Math.max(page * size, PROXIMITY_WINDOW) : page * size;
  const collapse = options.collapse !== false;
  const stories = Stories.of(snapshot);
  const collect: Collect = {
    // Collapsing an index with duplicate groups: room for a few copies among the first hits, so the window rarely needs a second execution.
    k: sort === 'relevance' && options.prune !== false ? (collapse && stories.groups > 0 ? 2 * window : window) : null,
    rejected: filters.empty ? null : (s, docs) => filters.failures(s, docs),
    skipBlocks: options.prune !== false,
  };

  /** The unfiltered matches (for facets), the filters each fails, and the filtered ones (for total and hits). */
  const run = (bestTierOnly: boolean) => {
    const execution: Execution = plan.root || browsing ? execute(snapshot, plan, op, ranking, postings, { ...collect, bestTierOnly }) : { sets: [], tiers: null, explain: () => [] };
    const all = execution.sets;
    if (filters.empty) return { execution, all, failures: null, matched: all };
    const failures = all.map((set, s) => filters.failures(s, set.docs));
    return { execution, all, failures, matched: all.map((set, s) => passing(set, failures[s])) };
  };
  let { execution, all, failures, matched } = run(false);
  let total = count(matched);
  let bestTierOnly = false;
  // A strict AND without results drops its least informative words, one at a time.
  if (total === 0 && op === 'and' && options.relax !== false && topLevelClauses(plan.root).length > 1) {
    ({ execution, all, failures, matched } = run((bestTierOnly = true)));
    total = count(matched);
  }
  const articles = total;
  if (collapse) total = stories.distinct(matched);
  budget.check();
  const { facets, totals: facetTotals } = options.facets?.length ? countFacets(snapshot, all, failures, filters, options.facets, options.facetSize ?? 10, budget, options.facetQuery) : { facets: {}, totals: {} };
  const leaves = [...new Set(positiveLeaves(plan.root))];
  const termsOf = (f: FieldName) => leaves.filter((l) => l.fields.includes(f)).map((l) => l.chars);
  const titleTerms = termsOf('title');
  const contentTerms = termsOf('content');
  let collected: Ranked[];
  let listed: Ranked[];
  if (!collapse || stories.groups === 0) collected = listed = rerank(snapshot, collectTop(snapshot, matched, window, sort), near, ranking.proximity, postings);
  else {
    // Collapsed: the window grows until it holds page * size stories (or every match). Proximity
    // reorders its first `window` entries only, so each page continues the one before it; a pruned
    // execution is run again with the larger k, so the hits are those of `prune: false`.
    for (let limit = window; ; limit = Math.min(articles, limit * 2)) {
      if (collect.k !== null && limit > collect.k) {
        collect.k = limit;
        ({ execution, all, failures, matched } = run(bestTierOnly));
      }
      const top = collectTop(snapshot, matched, limit, sort);
      collected = [...rerank(snapshot, top.slice(0, window), near, ranking.proximity, postings), ...rerank(snapshot, top.slice(window), [], 0, postings)];
      listed = storyLeaders(stories, collected, page * size);
      if (listed.length >= page * size || limit >= articles) break;
      budget.check();
    }
  }
  const dropped = collected.length ? droppedClauses(execution, collected[0]) : [];
  const top = listed.slice((page - 1) * size, page * size);
  const copies = collapse ? copiesOf(snapshot, stories, matched, top, collected, sort) : null;
  const warnings: SearchWarning[] = [];
  const hits = top.map(({ segment, doc, score, tier, bm25, proximity }, i): SearchHit => {
    budget.check();
    // Without highlighting no snippet is shown: the record's summary is enough.
    const d = storedDocument(snapshot.segments[segment].segment, doc, warnings, options.highlight === false);
    const explanation = options.explain ? explainHit(execution, segment, doc, score, bm25, proximity, ranking.proximity, tier) : null;
    const duplicates = copies ? { duplicates: copies[i].map((c) => duplicateRef(snapshot.segments[c.segment].segment, c.doc, warnings)) } : {};
    if (!d) return { ...unavailableHit(snapshot.segments[segment].segment.id(doc), score), ...(explanation ? { explain: explanation } : {}), ...duplicates };
    return { ...hitOf(d, score, titleTerms, contentTerms, options, budget), ...(explanation ? { explain: explanation } : {}), ...duplicates };
  });
  return {
    total,
    articles,
    hits,
    query: queryInfo(q, plan, op, dropped, [...corrections, ...interpretations]),
    facets,
    facetTotals,
    ...(warnings.length ? { warnings } : {}),
  };
}

/**
 * A hit of stored document `d`: its fields, the title highlighted for `titleTerms` and a snippet of
 * the content for `contentTerms` (none when `options.highlight` is false). The embedded index and
 * the cluster build their hits with it.
 */
export function hitOf(d: StoredDocument, score: number, titleTerms: readonly string[][], contentTerms: readonly string[][], options: SearchOptions, budget: Budget): SearchHit {
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
}

/** How the query was understood, as a result reports it (`dropped`: clauses the best hits lack). */
export function queryInfo(q: string, plan: Plan, op: Op, dropped: string[], interpretations: Interpretation[]): QueryInfo {
  const leaves = [...new Set(positiveLeaves(plan.root))];
  return {
    q,
    terms: [...new Set(leaves.map(describeLeaf))],
    excluded: [...new Set(negatedLeaves(plan.root).map(describeLeaf))],
    op,
    relaxed: dropped.length > 0,
    dropped,
    stopWords: plan.stopWords,
    ignored: plan.ignored,
    interpretations,
  };
}

/**
 * `text` (a stored `field`) with the matches of query `q` marked, as escaped HTML and offsets,
 * within `timeoutMs` (default none; over it, `SearchTimeoutError`).
 */
export function highlight(snapshot: IndexSnapshot, analyzer: Analyzer, q: string, text: string, field: FieldName = 'content', timeoutMs?: number, literal = false): Highlighted {
  // The query as the search read it: corrected when the search was.
  const postings = new PostingsCache(new Budget(timeoutMs ?? Infinity));
  const fix = literal ? null : correct(q, Vocabulary.of(snapshot), (t) => countContaining(snapshot, t, postings), (t) => analyzer.queryWords(t));
  const read = fix?.apply ? fix.query : q;
  const leaves = positiveLeaves(planQuery(understood(snapshot, analyzer, read, literal, postings).node, analyzer).root).filter((l) => l.fields.includes(field));
  return highlightText(text, leaves.map((l) => l.chars), new Budget(timeoutMs ?? Infinity));
}

const count = (matches: MatchSets) => matches.reduce((n, m) => n + m.docs.length, 0);

/**
 * How informative a leaf is, for choosing the terms of a long query: inverse document frequency
 * (of its words in the content, over the whole index; a phrase sums its words'; 0 for a word no
 * document has) times the times the query asks for it.
 */
function informativeness(snapshot: IndexSnapshot): LeafWeight {
  const n = Math.max(1, snapshot.stats.content.docsWithField);
  const idfOf = (word: string) => {
    let df = 0;
    for (const { segment } of snapshot.segments) {
      const table = segment.fields.content.words;
      const ord = table.lookup(word);
      if (ord >= 0) df += table.df[ord];
    }
    // A word no document has as a word cannot count for much (Lucene's MoreLikeThis skips such terms).
    return df === 0 ? 0 : idf(n, df);
  };
  return (leaf) => leaf.count * (leaf.kind === 'word' ? idfOf(leaf.text) : leaf.words.reduce((sum, w) => sum + idfOf(w), 0));
}

/**
 * The words and phrases dropped for the best hit under tiered matching, least informative first
 * after those that match nothing: for a relaxed AND, those after its tier; by default, those it lacks.
 */
function droppedClauses(execution: Execution, best: Collected): string[] {
  if (!execution.tiers) return [];
  const { ordered, unmatched, lacking, prefix } = execution.tiers;
  const dropped = [...unmatched, ...(prefix ? ordered.slice(best.tier).reverse() : lacking(best.segment, best.doc))];
  return [...new Set(dropped.flatMap((n) => positiveLeaves(n).map(describeLeaf)))];
}

/** Hits of a ranked query whose order proximity may change. */
export const PROXIMITY_WINDOW = 100;
/** Proximity looks at the first this many terms of a query. */
const PROXIMITY_TERMS = 16;

/** The terms proximity measures: the query's top-level words and phrases, in query order. */
function proximityTerms(plan: Plan): string[][] {
  return topLevelClauses(plan.root)
    .filter((n): n is Extract<PlanNode, { type: 'leaf' }> => n.type === 'leaf' && n.leaf.chars.length >= 2)
    .slice(0, PROXIMITY_TERMS)
    .map((n) => n.leaf.chars);
}

interface Ranked extends Collected {
  /** The BM25 score before proximity. */
  bm25: number;
  /** Proximity (0 to 1), or 0 when not measured. */
  proximity: number;
}

/**
 * `collected` (sorted by tier, then BM25) with each score multiplied by 1 + weight x its proximity,
 * sorted again by tier, then that score, then id.
 */
function rerank(snapshot: IndexSnapshot, collected: Collected[], terms: string[][], weight: number, postings: PostingsCache): Ranked[] {
  const ranked: Ranked[] = collected.map((c) => ({ ...c, bm25: c.score, proximity: 0 }));
  if (terms.length < 2 || weight <= 0 || collected.length < 1) return ranked;
  const bySegment = new Map<number, Ranked[]>();
  for (const r of ranked) {
    if (!bySegment.has(r.segment)) bySegment.set(r.segment, []);
    bySegment.get(r.segment)!.push(r);
  }
  for (const [s, list] of bySegment) {
    list.sort((a, b) => a.doc - b.doc);
    const near = proximity(snapshot, s, Int32Array.from(list, (r) => r.doc), terms, postings);
    list.forEach((r, i) => {
      r.proximity = near[i];
      r.score = r.bm25 * (1 + weight * near[i]);
    });
  }
  const id = (r: Ranked) => snapshot.segments[r.segment].segment.id(r.doc);
  return ranked.sort((a, b) => b.tier - a.tier || b.score - a.score || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
}

/** Why a hit has its place and score (`explain: true`). */
export interface Explanation {
  /** The hit's score: `bm25 x (1 + proximityWeight x proximity)`. */
  score: number;
  /** The sum of `terms`' scores. */
  bm25: number;
  /** How close together the hit has the query's words, 0 to 1 (proximity.ts); 0 when not measured. */
  proximity: number;
  proximityWeight: number;
  /** Under tiered matching: how many of the query's words, most informative first, the hit has before the first it lacks (tiers.ts); ranked before the score. */
  tier: number;
  /** Each term's BM25 score in each field where it matched, in query order. */
  terms: Contribution[];
}

function explainHit(execution: Execution, segment: number, doc: number, score: number, bm25: number, near: number, weight: number, tier: number): Explanation {
  return { score, bm25, proximity: near, proximityWeight: weight, tier, terms: execution.explain(segment, doc) };
}

/** Stored document `doc` of `segment`, or null (and a warning) when its record is damaged. */
function storedDocument(segment: Segment, doc: number, warnings: SearchWarning[], summaryOnly = false): StoredDocument | null {
  try {
    return summaryOnly ? segment.summary(doc) : segment.document(doc);
  } catch (err) {
    if (!(err instanceof IndexFileError)) throw err;
    warnings.push({ code: 'document_unavailable', id: segment.id(doc), file: err.file, message: err.message });
    return null;
  }
}

/** A copy of a hit's story as `duplicates` lists it (id only, and a warning, when its record is damaged). */
function duplicateRef(segment: Segment, doc: number, warnings: SearchWarning[]): DuplicateRef {
  const d = storedDocument(segment, doc, warnings, true);
  if (!d) return { id: segment.id(doc), title: '', source: null, date: null, url: null };
  return { id: d.id, title: d.title ?? '', source: d.source ?? null, date: d.date ?? null, url: d.url ?? null };
}

/** The hit of a document whose stored fields could not be read. */
function unavailableHit(id: string, score: number): SearchHit {
  return { id, score, unavailable: true, title: '', date: null, source: null, author: null, url: null, tags: [], regions: [], libraries: [], titleHtml: '', snippetHtml: '', highlights: [] };
}

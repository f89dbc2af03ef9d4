/**
 * Search: query string + options -> total, the requested page of hits, and how the query was
 * understood. Parses, plans, executes, relaxes AND to OR when nothing matches, collects the page
 * and reads the stored fields of its hits.
 *
 * Owns: the search request as a whole. Must not: know about HTTP or the CLI.
 */
import type { Analyzer } from '../analysis/analyzer.js';
import type { Region } from '../document.js';
import type { IndexSnapshot } from '../index/reader.js';
import { DEFAULT_RANKING, type RankingOptions } from '../index/schema.js';
import { collectTop, type SortOrder } from './collector.js';
import { execute, type Op } from './executor.js';
import { negatedLeaves, planQuery, positiveLeaves, topLevelTerms, type Leaf } from './plan.js';
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
}

export interface SearchHit {
  id: string;
  score: number;
  title: string;
  date: string | null;
  source: string | null;
  author: string | null;
  url: string | null;
  tags: string[];
  regions: Region[];
  libraries: string[];
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
}

export interface SearchResult {
  total: number;
  hits: SearchHit[];
  query: QueryInfo;
}

const describe = (l: Leaf) => (l.kind === 'phrase' ? `"${l.text}"` : l.fields.length === 1 ? `${l.fields[0]}:${l.text}` : l.text);

export function search(snapshot: IndexSnapshot, analyzer: Analyzer, q: string, options: SearchOptions = {}): SearchResult {
  const ranking: RankingOptions = { ...DEFAULT_RANKING, ...options.ranking, boosts: { ...DEFAULT_RANKING.boosts, ...options.ranking?.boosts } };
  const requestedOp: Op = options.op ?? 'and';
  const plan = planQuery(parseQuery(q), analyzer);
  const browsing = q.trim() === '';
  const size = options.size ?? 10;
  const page = options.page ?? 1;

  let op = requestedOp;
  let relaxed = false;
  let matches = plan.root || browsing ? execute(snapshot, plan, op, ranking) : [];
  let total = matches.reduce((n, m) => n + m.docs.length, 0);
  if (total === 0 && op === 'and' && options.relax !== false && topLevelTerms(plan.root) > 1) {
    op = 'or';
    relaxed = true;
    matches = execute(snapshot, plan, op, ranking);
    total = matches.reduce((n, m) => n + m.docs.length, 0);
  }
  const sort = options.sort ?? (browsing ? 'date_desc' : 'relevance');
  const top = collectTop(snapshot, matches, page * size, sort).slice((page - 1) * size);
  const hits = top.map(({ segment, doc, score }): SearchHit => {
    const d = snapshot.segments[segment].segment.document(doc);
    return {
      id: d.id,
      score,
      title: d.title ?? '',
      date: d.date ?? null,
      source: d.source ?? null,
      author: d.author ?? null,
      url: d.url ?? null,
      tags: d.tags ?? [],
      regions: d.regions ?? [],
      libraries: d.libraries ?? [],
    };
  });
  return {
    total,
    hits,
    query: {
      q,
      terms: [...new Set(positiveLeaves(plan.root).map(describe))],
      excluded: [...new Set(negatedLeaves(plan.root).map(describe))],
      op,
      relaxed,
    },
  };
}

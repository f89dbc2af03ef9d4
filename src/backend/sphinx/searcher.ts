/**
 * Search on the cluster: zhsearch reads the query (parse, pinyin, synonyms, typo correction,
 * plan) as the embedded engine does, and Sphinx matches, filters, counts and facets; the hits are
 * scored by zhsearch's own formula.
 *
 * One round trip to the front per search, several statements in it:
 *  1. the candidates: `SELECT ... PACKEDFACTORS() FROM dist WHERE MATCH(...) AND <filters>`,
 *     ordered by Sphinx's BM25F over the field-specific keywords (global IDF), the first
 *     {@link CANDIDATES} (more for deep pages); `SHOW META`: the total, each keyword's document
 *     count over the whole cluster, and the warnings of shards that did not answer;
 *  2. per phrase of three characters or more, per field, its document count (IDF of substrings);
 *  3. the number of stories (GROUP BY story) when copies are collapsed;
 *  4. per facet, its counts (GROUP BY the attribute) with every filter but its own.
 * Each candidate is then scored with the embedded engine's BM25 (bm25.ts): per term and field,
 * the word's frequency (its field-specific keyword's tf from PACKEDFACTORS) or else the
 * substring's (its unigram, its bigram, or for longer strings the least frequent of its bigrams),
 * the field's length (attributes), the collection's field statistics and document counts; tiers
 * (op=auto) from the clauses each has; proximity from the stored text of the best 100.
 *
 * Differences from the embedded engine (README "Cluster"): the hits are the best of the
 * candidates (a document Sphinx ranks below them is never shown first); the frequency of a
 * substring of three or more characters is bounded by its bigrams'; tiers and relaxation count
 * clauses among the candidates; facet `region` lists provinces without children.
 *
 * Owns: a search request against the cluster. Must not: start processes or write documents.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Analyzer, queryChars } from '../../analysis/analyzer.js';
import { regionByCode } from '../../analysis/regions.js';
import type { StoredDocument } from '../../document.js';
import { DEFAULT_RANKING, FIELDS, type FieldName, type RankingOptions } from '../../index/schema.js';
import { bm25Norm, idf, termWeight } from '../../search/bm25.js';
import { Budget, SearchTimeoutError } from '../../search/budget.js';
import { correct } from '../../search/correct.js';
import { regionScope, UNDATED, type FacetName, type Facets, type FacetTotals, type FacetValue } from '../../search/facets.js';
import { resolveFilters, type ResolvedFilters } from '../../search/filters.js';
import { interpret, type Interpretation } from '../../search/interpret.js';
import { describeLeaf, MAX_QUERY_TERMS, negatedLeaves, planQuery, positiveLeaves, topLevelClauses, type Leaf, type Plan, type PlanNode } from '../../search/plan.js';
import { textProximity } from '../../search/proximity.js';
import { parseQuery, type QueryNode } from '../../search/query-parser.js';
import { regionLevel, type RegionNames } from '../../search/region-names.js';
import { hitOf, MAX_TERMS_LIMIT, PROXIMITY_WINDOW, queryInfo, type SearchHit, type SearchOptions, type SearchResult } from '../../search/searcher.js';
import { highlightText, type Highlighted } from '../../search/snippets.js';
import { Vocabulary } from '../../search/vocabulary.js';
import { readCluster, type ClusterDescription } from './cluster.js';
import { VOCABULARY_FILE } from './load.js';
import { escapeKeyword } from './match.js';
import { NameTable } from './names.js';
import { hash63 } from './hash.js';
import { keyword } from './rows.js';

/** Candidates Sphinx returns for zhsearch to score (at least; a deep page asks for page x size x 2). */
export const CANDIDATES = 200;
/** The most candidates a search asks for (deeper pages are not served). */
export const MAX_CANDIDATES = 2000;
/**
 * Sphinx's max_matches bounds a GROUP BY's groups (and its total_found), and costs in proportion
 * to it (measured: 100,000 took 300 ms a statement, 1,000 took 4 ms): each facet asks for room for
 * every value its attribute can have, stories with copies for as many as a first count found.
 */
const FACET_GROUPS: Record<string, number> = { province: 64, city: 512, county: 4096, year: 256, month: 2048 };
/** Stories with copies counted in the search's own round trip (more: a second one). */
const SHARED_STORIES = 1000;
/** The most stories with copies counted exactly in one search. */
const MAX_SHARED_STORIES = 100_000;

/** No shard of the cluster answered (every one down or failing). */
export class ClusterUnavailableError extends Error {
  constructor(detail: string) {
    super(`no shard of the cluster answered: ${detail.replace(/\0/g, '').trim()}`);
    this.name = 'ClusterUnavailableError';
  }
}

/** Where a cluster search's answer came from. */
export interface ShardsInfo {
  total: number;
  /** Shards that did not answer within the timeout (their documents are missing). */
  failed: number;
}

export interface ClusterSearchResult extends SearchResult {
  partial: boolean;
  shards: ShardsInfo;
}

interface CollectionStats {
  documents: number;
  fields: Record<FieldName, { docsWithField: number; avgLength: number }>;
  at: number;
}

type Row = RowDataPacket & Record<string, unknown>;
type Meta = Map<string, string>;

/** SphinxQL text of a MATCH with the keywords it names in order (their index is Sphinx's qpos - 1). */
class MatchText {
  readonly keywords: string[] = [];

  private kw(k: string): string {
    this.keywords.push(k);
    return escapeKeyword(k);
  }

  /** Contains `chars` in field `f`: its unigram, or the phrase of its bigrams. */
  substring(f: FieldName, chars: readonly string[]): string {
    if (chars.length === 1) return this.kw(keyword(f, 'u', chars[0]));
    const grams: string[] = [];
    for (let i = 0; i + 1 < chars.length; i++) grams.push(this.kw(keyword(f, 'g', chars[i] + chars[i + 1])));
    return `"${grams.join(' ')}"`;
  }

  /** A leaf: its substring in any of its fields (and, for a word, the word's keyword, for its frequency: a word is always its substring too). */
  leaf(l: Leaf): string {
    const parts: string[] = [];
    for (const f of l.fields) {
      if (l.kind === 'word') parts.push(this.kw(keyword(f, 'w', l.words[0])));
      parts.push(this.substring(f, l.chars));
    }
    return `(${parts.join(' | ')})`;
  }

  node(n: PlanNode, op: 'and' | 'or'): string {
    switch (n.type) {
      case 'leaf':
        return this.leaf(n.leaf);
      case 'or':
        return `(${n.children.map((c) => this.node(c, op)).join(' | ')})`;
      case 'not':
        throw new RangeError('a query of excluded words only cannot run on the cluster: add a word to find');
      case 'group': {
        if (!n.positive.length) throw new RangeError('a query of excluded words only cannot run on the cluster: add a word to find');
        const positive = n.positive.map((c) => this.node(c, op)).join(op === 'and' ? ' ' : ' | ');
        const negated = n.negated.map((c) => ` -${this.node(c, op)}`).join('');
        return `(${positive})${negated}`;
      }
    }
  }
}

/** Factors of a candidate: term frequency per keyword index (qpos - 1). */
function parseFactors(text: string): Map<number, number> {
  const tf = new Map<number, number>();
  for (const m of text.matchAll(/word(\d+)=\(tf=(\d+)/g)) tf.set(Number(m[1]), Number(m[2]));
  return tf;
}

/** Days since 1970-01-01 -> yyyymmdd. */
function yyyymmdd(day: number): number {
  const d = new Date(day * 86_400_000);
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** The front's warnings about shards that did not answer: how many distinct agents. */
function failedShards(meta: Meta): number {
  const warning = meta.get('warning') ?? '';
  return new Set([...warning.matchAll(/agent ([^\s:]+:\d+)/g)].map((m) => m[1])).size;
}

export interface ClusterSearcherOptions {
  /** Extra jieba user dictionaries (the ones the documents were loaded with). */
  userDicts?: readonly string[];
  /** Field statistics are read again after this many ms (writes change them). Default 1000. */
  statsTtlMs?: number;
}

/** Searches the cluster of a directory: one pool of SphinxQL connections to its front. */
export class ClusterSearcher {
  private stats: CollectionStats | null = null;
  private vocabulary: Vocabulary;
  private names: NameTable;

  private constructor(
    readonly dir: string,
    readonly cluster: ClusterDescription,
    private readonly pool: Pool,
    readonly analyzer: Analyzer,
    private readonly options: ClusterSearcherOptions,
  ) {
    this.vocabulary = readVocabulary(dir);
    this.names = NameTable.load(dir);
  }

  static async open(dir: string, options: ClusterSearcherOptions = {}): Promise<ClusterSearcher> {
    const cluster = readCluster(dir);
    const mysql = await import('mysql2/promise');
    const pool = mysql.createPool({ host: cluster.front.host, port: cluster.front.port, multipleStatements: true, connectionLimit: 8, supportBigNumbers: true, bigNumberStrings: true, connectTimeout: 2000 });
    return new ClusterSearcher(dir, cluster, pool, new Analyzer({ userDicts: options.userDicts }), options);
  }

  /** Reads the vocabulary and name table again (after a load). */
  reload(): void {
    this.vocabulary = readVocabulary(this.dir);
    this.names = NameTable.load(this.dir);
    this.stats = null;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** OPTION text every statement on `dist` carries: with mirrors, Sphinx's own retry of a failed agent. */
  private get retry(): string {
    return this.cluster.mirrors > 1 ? `retry_count=${this.cluster.mirrors - 1}, retry_delay=0` : 'retry_count=0';
  }

  private async query(sql: string): Promise<Row[][]> {
    let sets: Row[] | Row[][];
    try {
      [sets] = (await this.pool.query(sql)) as unknown as [Row[] | Row[][]];
    } catch (err) {
      // Every shard failed (the front answers with an error, not a partial result).
      const message = (err as Error).message ?? '';
      if (/agent [^:]+:\d+: query timed out/.test(message)) throw new SearchTimeoutError(this.cluster.queryTimeoutMs);
      if (/agent [^:]+:\d+: /.test(message)) throw new ClusterUnavailableError(message);
      throw err;
    }
    return (Array.isArray(sets[0]) ? sets : [sets]) as Row[][];
  }

  /** Per field, documents with the field and its average length in words (live documents), cached briefly. */
  private async collectionStats(): Promise<CollectionStats> {
    const ttl = this.options.statsTtlMs ?? 1000;
    if (this.stats && performance.now() - this.stats.at < ttl) return this.stats;
    const sums = FIELDS.map((f) => `SUM(${f}_len) AS ${f}_total, SUM(IF(${f}_len > 0, 1, 0)) AS ${f}_docs`).join(', ');
    const [rows] = await this.query(`SELECT COUNT(*) AS n, ${sums} FROM dist WHERE deleted = 0 OPTION ${this.retry}`);
    const r = rows[0] ?? {};
    const fields = {} as CollectionStats['fields'];
    for (const f of FIELDS) {
      const docs = Number(r[`${f}_docs`] ?? 0);
      fields[f] = { docsWithField: docs, avgLength: docs ? Number(r[`${f}_total`] ?? 0) / docs : 0 };
    }
    this.stats = { documents: Number(r.n ?? 0), fields, at: performance.now() };
    return this.stats;
  }

  /** Documents containing each text's searchable characters in some field (one round trip for all). */
  private async countContaining(texts: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const list = [...new Set(texts)].filter((t) => queryChars(t).length);
    if (!list.length) return out;
    const sql = list
      .map((t) => {
        const m = new MatchText();
        const chars = queryChars(t);
        return `SELECT id FROM dist WHERE MATCH(${this.pool.escape(`(${FIELDS.map((f) => m.substring(f, chars)).join(' | ')})`)}) AND deleted = 0 LIMIT 1 OPTION ${this.retry}; SHOW META`;
      })
      .join('; ');
    const sets = await this.query(sql);
    list.forEach((t, i) => out.set(t, Number(metaOf(sets[2 * i + 1]).get('total_found') ?? 0)));
    return out;
  }

  /**
   * Runs `fn` with a synchronous count of documents containing a text: texts it asks for that are
   * not known yet are counted in one round trip and `fn` runs again (at most 4 rounds).
   */
  private async withCounts<T>(fn: (count: (text: string) => number) => T): Promise<T> {
    const known = new Map<string, number>();
    for (let round = 0; ; round++) {
      const missing = new Set<string>();
      const result = fn((text) => {
        const n = known.get(text);
        if (n === undefined) missing.add(text);
        return n ?? 0;
      });
      if (!missing.size || round === 3) return result;
      for (const [t, n] of await this.countContaining([...missing])) known.set(t, n);
      for (const t of missing) if (!known.has(t)) known.set(t, 0);
    }
  }

  /** The query tree as the user means it (pinyin, synonyms, a corrected typo) unless `literal`. */
  private async understand(q: string, literal: boolean): Promise<{ node: QueryNode | null; interpretations: Interpretation[]; read: string; correctedFrom?: string; didYouMean?: string }> {
    if (literal || q.trim() === '') return { node: parseQuery(q), interpretations: [], read: q };
    const fix = await this.withCounts((count) => correct(q, this.vocabulary, count, (t) => this.analyzer.queryWords(t)));
    const read = fix?.apply ? fix.query : q;
    const corrections: Interpretation[] = fix?.apply ? fix.runs.map((r): Interpretation => ({ from: r.from, to: [r.to], kind: 'correction' })) : [];
    const node = parseQuery(read);
    const understood = node ? await this.withCounts((count) => interpret(node, { analyzer: this.analyzer, vocabulary: this.vocabulary, synonyms: this.analyzer.synonyms(), count })) : { node, interpretations: [] };
    return {
      node: understood.node,
      interpretations: [...corrections, ...understood.interpretations],
      read,
      ...(fix?.apply ? { correctedFrom: q } : fix ? { didYouMean: fix.query } : {}),
    };
  }

  /** Region codes present in the cluster and their names (region filters resolve names against them). */
  private regionNames(): RegionNames {
    return { codes: [], name: (code) => { const r = regionByCode(code); return r ? r.county || r.city || r.province : undefined; } };
  }

  /** The WHERE conditions of the filters, each key's separately (facets leave their own out). */
  private conditions(r: ResolvedFilters): Map<string, string> {
    const out = new Map<string, string>();
    for (const [level, codes] of r.regions) out.set(level, `${level} IN (${[...codes].map(Number).join(',') || 0})`);
    // A name no document has matches nothing (no Sphinx id is 0).
    const among = (attr: 'source' | 'library', names: string[]) => {
      const ids = this.names.known(attr, names);
      return ids.length ? `${attr} IN (${ids.join(',')})` : 'id = 0';
    };
    if (r.source) out.set('source', among('source', r.source));
    if (r.library) out.set('library', among('library', r.library));
    const date: string[] = [];
    if (r.dateRange) {
      const [from, to] = r.dateRange;
      if (Number.isFinite(from)) date.push(`day >= ${yyyymmdd(from)}`);
      if (Number.isFinite(to)) date.push(`day <= ${yyyymmdd(to)}`);
      date.push('day > 0');
    }
    if (r.undated === 'only') date.push('day = 0');
    if (r.undated === 'exclude') date.push('day > 0');
    if (date.length) out.set('date', date.join(' AND '));
    return out;
  }

  async search(q: string, options: SearchOptions = {}): Promise<ClusterSearchResult> {
    const op = options.op ?? 'auto';
    const maxTerms = Math.min(MAX_TERMS_LIMIT, Math.max(1, Math.floor(options.maxTerms ?? MAX_QUERY_TERMS)));
    const [stats, understood] = await Promise.all([this.collectionStats(), this.understand(q, options.literal === true)]);
    const n = Math.max(1, stats.fields.content.docsWithField);
    const plan = planQuery(understood.node, this.analyzer, (leaf) => leaf.count * (leaf.kind === 'word' ? wordIdf(this.vocabulary.df(leaf.text), n) : leaf.words.reduce((s, w) => s + wordIdf(this.vocabulary.df(w), n), 0)), maxTerms);
    const filters = resolveFilters(options.filters ?? {}, this.regionNames());
    const conditions = this.conditions(filters);
    const result = await this.run(q, plan, plan.root, understood, options, stats, filters, conditions, []);
    // A strict AND without results drops its least informative clauses, as the embedded engine
    // does (tiers.ts, prefix tiers, best tier only): the documents with the most informative t
    // clauses, for the largest t that has any.
    if (result.articles === 0 && op === 'and' && options.relax !== false && plan.root?.type === 'group' && plan.root.positive.length > 1) {
      const relaxed = await this.relax(plan.root, conditions);
      if (relaxed) return this.run(q, plan, relaxed.root, understood, options, stats, filters, conditions, relaxed.dropped);
    }
    return result;
  }

  /**
   * The relaxed form of an AND group that matched nothing: its clauses ordered by how many
   * documents they match (fewest first; those matching none are dropped first), and the longest
   * prefix of them whose AND (with the filters) matches something (or tier 0, see below). Null
   * when no clause matches anything.
   */
  private async relax(root: Extract<PlanNode, { type: 'group' }>, conditions: Map<string, string>): Promise<{ root: PlanNode; dropped: string[] } | null> {
    const clauses = root.positive;
    const text = (nodes: PlanNode[]) => this.pool.escape(new MatchText().node({ type: 'group', positive: nodes, negated: root.negated }, 'and'));
    const filters = [...conditions.values()].map((c) => ` AND ${c}`).join('');
    // How many documents each clause matches over the whole cluster, as the embedded engine
    // measures it (executor.ts documentsOf): the most of any of its terms in any one field.
    const parts = clauses.map((c) => [...new Set(positiveLeaves(c))].flatMap((l) => l.fields.map((f) => new MatchText().substring(f, l.chars))));
    const dfSets = await this.query(parts.flat().map((t) => `SELECT id FROM dist WHERE MATCH(${this.pool.escape(t)}) LIMIT 1 OPTION ${this.retry}; SHOW META`).join('; '));
    let at = 0;
    const df = parts.map((list) => Math.max(0, ...list.map(() => Number(metaOf(dfSets[2 * at++ + 1]).get('total_found') ?? 0))));
    const unmatched = clauses.filter((_, i) => df[i] === 0);
    const ordered = clauses.map((c, i) => ({ c, i })).filter(({ i }) => df[i] > 0).sort((a, b) => df[a.i] - df[b.i] || a.i - b.i).map(({ c }) => c);
    if (!ordered.length) return null;
    const prefixes = ordered.map((_, t) => ordered.slice(0, t + 1));
    const counts = await this.query(prefixes.map((p) => `SELECT id FROM dist WHERE deleted = 0 AND MATCH(${text(p)})${filters} LIMIT 1 OPTION ${this.retry}; SHOW META`).join('; '));
    let best = 0;
    prefixes.forEach((_, t) => {
      if (Number(metaOf(counts[2 * t + 1]).get('total_found') ?? 0) > 0) best = t + 1;
    });
    const kept = new Set(ordered.slice(0, best));
    const dropped = [...unmatched, ...ordered.slice(best).reverse()];
    // The best tier only: documents with the first `best` clauses that lack the next one (those
    // with it, filtered out, are a higher tier: not in the match set its facets count). When no
    // prefix has a document passing the filters, tier 0, as the embedded engine: documents with
    // some clause but not the most informative one (no hit passes; the facets count them).
    const next = ordered[best];
    const positive = best > 0 ? clauses.filter((c) => kept.has(c)) : [{ type: 'or' as const, children: ordered }];
    return {
      root: { type: 'group', positive, negated: next ? [...root.negated, next] : root.negated },
      dropped: [...new Set(dropped.flatMap((n) => positiveLeaves(n).map(describeLeaf)))],
    };
  }

  /** One search of `plan`, matching `matchRoot` (the plan's root, or a relaxed form of it). */
  private async run(
    q: string,
    plan: Plan,
    matchRoot: PlanNode | null,
    understood: Awaited<ReturnType<ClusterSearcher['understand']>>,
    options: SearchOptions,
    stats: CollectionStats,
    filters: ResolvedFilters,
    conditions: Map<string, string>,
    dropped: string[],
  ): Promise<ClusterSearchResult> {
    const budget = new Budget(options.timeoutMs ?? Infinity);
    const ranking: RankingOptions = { ...DEFAULT_RANKING, ...options.ranking, boosts: { ...DEFAULT_RANKING.boosts, ...options.ranking?.boosts } };
    const op = options.op ?? 'auto';
    const size = options.size ?? 10;
    const page = options.page ?? 1;
    const sort = options.sort ?? (q.trim() === '' ? 'date_desc' : 'relevance');
    const collapse = options.collapse !== false;
    const m = new MatchText();
    const matchOp = op === 'and' ? 'and' : 'or';
    const match = matchRoot ? m.node(matchRoot, matchOp) : null;
    const where = (without?: string) => ['deleted = 0', ...(match ? [`MATCH(${this.pool.escape(match)})`] : []), ...[...conditions].filter(([k]) => k !== without).map(([, c]) => c)].join(' AND ');
    const wanted = Math.min(MAX_CANDIDATES, Math.max(CANDIDATES, 2 * page * size));
    const order = sort === 'date_desc' ? 'ORDER BY day DESC, id ASC' : sort === 'date_asc' ? 'ORDER BY day ASC, id ASC' : 'ORDER BY WEIGHT() DESC, id ASC';
    const ranker = match ? `ranker=expr('bm25f(1.2, 0.75, {${rankerWeights()}})*10000'), idf='plain,tfidf_unnormalized', ` : '';
    const statements: string[] = [
      `SELECT id, xid, story, day, ${FIELDS.map((f) => `${f}_len`).join(', ')}${match ? ', PACKEDFACTORS() AS f' : ''} FROM dist WHERE ${where()} ${order} LIMIT ${wanted} OPTION ${ranker}max_matches=${wanted}, ${this.retry}`,
      'SHOW META',
    ];
    // Substrings of three characters or more: their document count per field (their IDF).
    const leaves = [...new Set(positiveLeaves(plan.root))];
    const longSubstrings: Array<{ leaf: Leaf; field: FieldName }> = [];
    for (const l of leaves) if (l.chars.length >= 3) for (const f of l.fields) longSubstrings.push({ leaf: l, field: f });
    for (const { leaf, field } of longSubstrings) statements.push(`SELECT id FROM dist WHERE MATCH(${this.pool.escape(new MatchText().substring(field, leaf.chars))}) LIMIT 1 OPTION ${this.retry}`, 'SHOW META');
    // Phrase words' document counts (a phrase's IDF sums its words').
    const phraseWords = new Set<string>();
    for (const l of leaves) if (l.kind === 'phrase') for (const f of l.fields) for (const w of l.words) phraseWords.add(keyword(f, 'w', w));
    if (phraseWords.size) statements.push(`SELECT id FROM dist WHERE MATCH(${this.pool.escape([...phraseWords].map(escapeKeyword).join(' | '))}) LIMIT 1 OPTION ${this.retry}`, 'SHOW META');
    // Stories = articles - matches sharing a story + the stories they share (copies are few: a small GROUP BY).
    if (collapse) statements.push(`SELECT id FROM dist WHERE ${where()} AND shared = 1 LIMIT 1 OPTION ${this.retry}`, 'SHOW META', `SELECT story FROM dist WHERE ${where()} AND shared = 1 GROUP BY story LIMIT 1 OPTION max_matches=${SHARED_STORIES}, ${this.retry}`, 'SHOW META');
    const facetNames = [...new Set(options.facets ?? [])];
    for (const name of facetNames) {
      const { attr, own } = FACET_ATTRS[name];
      const groups = FACET_GROUPS[attr] ?? this.names.size(attr as 'source' | 'library') + 16;
      statements.push(`SELECT GROUPBY() AS v, COUNT(*) AS c FROM dist WHERE ${where(own)} GROUP BY ${attr} ORDER BY c DESC LIMIT ${groups} OPTION max_matches=${groups}, ${this.retry}`);
    }
    let sets = await this.query(statements.join('; '));
    // Sphinx 2.2.11 does not send a query to another mirror when a node fails within the query
    // (measured: after a kill -9, every other query lost that shard until the front's pings
    // marked the node dead): with mirrors, a partial answer is asked again, a few times.
    for (let again = 0; again < 4 * (this.cluster.mirrors - 1) && failedShards(metaOf(sets[1])) > 0; again++) {
      budget.check();
      sets = await this.query(statements.join('; '));
    }
    budget.check();
    let at = 0;
    const candidates = sets[at++];
    const meta = metaOf(sets[at++]);
    const keywordDocs = keywordCounts(meta);
    const substringDocs = new Map<string, number>();
    for (const { leaf, field } of longSubstrings) {
      at++;
      substringDocs.set(`${leaf.id}\u0000${field}`, Number(metaOf(sets[at++]).get('total_found') ?? 0));
    }
    if (phraseWords.size) {
      at++;
      for (const [k, v] of keywordCounts(metaOf(sets[at++]))) keywordDocs.set(k, v);
    }
    let sharedMatches = 0;
    let sharedStories = 0;
    if (collapse) {
      at++;
      sharedMatches = Number(metaOf(sets[at++]).get('total_found') ?? 0);
      at++;
      sharedStories = Number(metaOf(sets[at++]).get('total_found') ?? 0);
      if (sharedMatches > SHARED_STORIES) {
        // More copies than the first count had room for: count their stories with room for all.
        const room = Math.min(MAX_SHARED_STORIES, sharedMatches);
        const again = await this.query(`SELECT story FROM dist WHERE ${where()} AND shared = 1 GROUP BY story LIMIT 1 OPTION max_matches=${room}, ${this.retry}; SHOW META`);
        sharedStories = Number(metaOf(again[1]).get('total_found') ?? 0);
      }
    }
    const facetRows = facetNames.map(() => sets[at++]);
    const articles = Number(meta.get('total_found') ?? 0);
    const stories = articles - sharedMatches + sharedStories;
    const failed = failedShards(meta);

    // Scores and tiers of the candidates.
    const index = new Map<string, number>();
    m.keywords.forEach((k, i) => {
      if (!index.has(k)) index.set(k, i);
    });
    const scorer = new CandidateScorer(plan, ranking, stats, keywordDocs, substringDocs, index, op);
    type Ranked = { sid: string; xid: string; story: string; day: number; score: number; bm25: number; tier: number; proximity: number };
    let ranked: Ranked[] = candidates.map((r) => {
      const tf = match ? parseFactors(String(r.f ?? '')) : new Map<number, number>();
      const lengths = { title: Number(r.title_len), content: Number(r.content_len), tags: Number(r.tags_len) };
      const { score, tier } = scorer.score(tf, lengths);
      return { sid: String(r.id), xid: String(r.xid), story: String(r.story), day: Number(r.day), score, bm25: score, tier, proximity: 0 };
    });
    // The embedded collector's order (collector.ts): tier, then the date in a date order (undated
    // last), then score, then id.
    const dateKey = (r: Ranked) => (sort === 'relevance' ? 0 : r.day === 0 ? -Infinity : sort === 'date_desc' ? r.day : -r.day);
    const byId = (a: Ranked, b: Ranked) => (a.xid < b.xid ? -1 : a.xid > b.xid ? 1 : 0);
    ranked.sort((a, b) => b.tier - a.tier || dateKey(b) - dateKey(a) || b.score - a.score || byId(a, b));
    // Proximity: the best PROXIMITY_WINDOW of a ranked query of several words.
    const near = sort === 'relevance' && ranking.proximity > 0 ? topLevelClauses(plan.root).filter((c): c is Extract<PlanNode, { type: 'leaf' }> => c.type === 'leaf' && c.leaf.chars.length >= 2).slice(0, 16).map((c) => c.leaf.chars) : [];
    const docs = new Map<string, StoredDocument>();
    const window = ranked.slice(0, Math.max(page * size, near.length >= 2 ? PROXIMITY_WINDOW : 0));
    for (const [sid, doc] of await this.documents(window.map((r) => r.sid))) docs.set(sid, doc);
    if (near.length >= 2) {
      for (const r of window) {
        const d = docs.get(r.sid);
        if (!d) continue;
        r.proximity = textProximity([queryChars(d.title ?? ''), queryChars(d.content ?? '')], near);
        r.score = r.bm25 * (1 + ranking.proximity * r.proximity);
      }
      const head = window.sort((a, b) => b.tier - a.tier || b.score - a.score || byId(a, b));
      ranked = [...head, ...ranked.slice(head.length)];
    }
    // Collapse: the first copy of each story is its hit; the others it lists.
    let listed = ranked;
    const copies = new Map<string, Ranked[]>();
    if (collapse) {
      const leaders = new Map<string, Ranked>();
      listed = [];
      for (const r of ranked) {
        const leader = leaders.get(r.story);
        if (leader) copies.get(r.story)!.push(r);
        else {
          leaders.set(r.story, r);
          copies.set(r.story, []);
          listed.push(r);
        }
      }
    }
    const top = listed.slice((page - 1) * size, page * size);
    const need = top.flatMap((r) => [r.sid, ...(copies.get(r.story) ?? []).map((c) => c.sid)]).filter((sid) => !docs.has(sid));
    for (const [sid, doc] of await this.documents(need)) docs.set(sid, doc);
    const titleTerms = leaves.filter((l) => l.fields.includes('title')).map((l) => l.chars);
    const contentTerms = leaves.filter((l) => l.fields.includes('content')).map((l) => l.chars);
    const hits: SearchHit[] = top.map((r) => {
      const d = docs.get(r.sid);
      const duplicates = collapse
        ? {
            duplicates: (copies.get(r.story) ?? []).map((c) => {
              const cd = docs.get(c.sid);
              return { id: c.xid, title: cd?.title ?? '', source: cd?.source ?? null, date: cd?.date ?? null, url: cd?.url ?? null };
            }),
          }
        : {};
      if (!d) return { id: r.xid, score: r.score, unavailable: true, title: '', date: null, source: null, author: null, url: null, tags: [], regions: [], libraries: [], titleHtml: '', snippetHtml: '', highlights: [], ...duplicates };
      return { ...hitOf(d, r.score, titleTerms, contentTerms, options, budget), ...duplicates };
    });
    const { facets, totals } = this.facets(facetNames, facetRows, options.facetSize ?? 10, filters);
    return {
      total: collapse ? stories : articles,
      articles,
      hits,
      query: {
        ...queryInfo(q, plan, op, dropped, understood.interpretations),
        ...(understood.correctedFrom ? { correctedFrom: understood.correctedFrom } : {}),
        ...(understood.didYouMean ? { didYouMean: understood.didYouMean } : {}),
      },
      facets,
      facetTotals: totals,
      partial: failed > 0,
      shards: { total: this.cluster.shardCount, failed: Math.min(failed, this.cluster.shardCount) },
    };
  }

  /** Stored documents by Sphinx id. */
  private async documents(sids: readonly string[]): Promise<Map<string, StoredDocument>> {
    const out = new Map<string, StoredDocument>();
    if (!sids.length) return out;
    const [rows] = await this.query(`SELECT id, doc FROM dist WHERE id IN (${sids.join(',')}) AND deleted = 0 LIMIT ${sids.length} OPTION max_matches=${Math.max(sids.length, 1)}, ${this.retry}`);
    for (const r of rows) out.set(String(r.id), JSON.parse(String(r.doc)) as StoredDocument);
    return out;
  }

  /** The stored document with external id `id`, or null. */
  async get(id: string): Promise<StoredDocument | null> {
    const [rows] = await this.query(`SELECT doc FROM dist WHERE id = ${hash63(id)} AND deleted = 0 LIMIT 1 OPTION ${this.retry}`);
    return rows[0] ? (JSON.parse(String(rows[0].doc)) as StoredDocument) : null;
  }

  /**
   * `text` (a stored `field`) with the matches of query `q` marked, the query read as the search
   * reads it (`literal`: as typed).
   */
  async highlight(q: string, text: string, field: FieldName = 'content', literal = false): Promise<Highlighted> {
    const understood = await this.understand(q, literal);
    const leaves = positiveLeaves(planQuery(understood.node, this.analyzer).root).filter((l) => l.fields.includes(field));
    return highlightText(text, leaves.map((l) => l.chars));
  }

  /** Live documents of the cluster (a fresh count). */
  async documentCount(): Promise<number> {
    this.stats = null;
    return (await this.collectionStats()).documents;
  }

  /** Facet lists from the GROUP BY rows (value id -> count). */
  private facets(names: readonly FacetName[], rows: Row[][], size: number, filters: ResolvedFilters): { facets: Facets; totals: FacetTotals } {
    const facets: Facets = {};
    const dateRange = filters.dateRange;
    // Months are listed for the years the date filter spans (facets.ts), counted without it.
    const yearOf = (day: number) => new Date(day * 86_400_000).getUTCFullYear();
    const [firstYear, lastYear] = dateRange ? [Number.isFinite(dateRange[0]) ? yearOf(dateRange[0]) : -Infinity, Number.isFinite(dateRange[1]) ? yearOf(dateRange[1]) : Infinity] : [-Infinity, Infinity];
    const totals: FacetTotals = {};
    names.forEach((name, i) => {
      const values: FacetValue[] = [];
      let undated = 0;
      for (const r of rows[i]) {
        const v = Number(r.v);
        const count = Number(r.c);
        // Documents without a value (an empty multi-value attribute) form a group of their own.
        if (!Number.isFinite(v) || (v === 0 && name !== 'year' && name !== 'month')) continue;
        if (name === 'year' || name === 'month') {
          if (v === 0) undated += count;
          else if (name === 'month' && !(Math.floor(v / 100) >= firstYear && Math.floor(v / 100) <= lastYear)) continue;
          else values.push({ value: name === 'year' ? String(v) : `${String(v).slice(0, 4)}-${String(v).slice(4)}`, count });
        } else if (name === 'source' || name === 'library') {
          const label = this.names.nameOf(name, v);
          if (label) values.push({ value: label, count });
        } else {
          const code = String(v).padStart(6, '0');
          const level = regionLevel(code);
          // Prefectures of the chosen provinces, counties of the chosen prefectures (facets.ts).
          const scope = name === 'region' ? null : regionScope(level, { regionCodes: filters.regions });
          if (scope && !scope(code)) continue;
          const r = regionByCode(code);
          const label = r ? (level === 'province' ? r.province : level === 'city' ? r.city : r.county) : code;
          values.push({ value: label ?? code, code, ...(name === 'region' ? { level } : {}), count });
        }
      }
      if (name === 'year' || name === 'month') {
        values.sort((a, b) => (a.value < b.value ? -1 : 1));
        if (name === 'year' && undated) values.push({ value: UNDATED, count: undated });
        facets[name] = values;
      } else {
        values.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
        facets[name] = values.slice(0, size);
      }
      totals[name] = values.length;
    });
    return { facets, totals };
  }
}

/** The attribute each facet groups by, and the filter it leaves out (multi-select). */
const FACET_ATTRS: Record<FacetName, { attr: string; own: string }> = {
  province: { attr: 'province', own: 'province' },
  city: { attr: 'city', own: 'city' },
  county: { attr: 'county', own: 'county' },
  region: { attr: 'province', own: 'province' },
  year: { attr: 'year', own: 'date' },
  month: { attr: 'month', own: 'date' },
  source: { attr: 'source', own: 'source' },
  library: { attr: 'library', own: 'library' },
};

/** Sphinx's field weights of its BM25F (candidate order only): words as their field's boost x 10, grams and characters 1 (Sphinx's least). */
function rankerWeights(): string {
  const w: string[] = [];
  for (const f of FIELDS) {
    const boost = Math.round(DEFAULT_RANKING.boosts[f] * 10);
    w.push(`${f}_w=${boost}`, `${f}_g=1`, `${f}_u=1`);
  }
  return w.join(', ');
}

function wordIdf(df: number, n: number): number {
  return df === 0 ? 0 : idf(n, df);
}

function metaOf(rows: Row[] | undefined): Meta {
  const m: Meta = new Map();
  for (const r of rows ?? []) m.set(String(r.Variable_name), String(r.Value));
  return m;
}

/** Keyword -> documents over the cluster, from SHOW META's keyword[i] / docs[i]. */
function keywordCounts(meta: Meta): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of meta) {
    const i = /^keyword\[(\d+)\]$/.exec(k);
    if (i) out.set(v, Number(meta.get(`docs[${i[1]}]`) ?? 0));
  }
  return out;
}

/** The cluster's vocabulary (words and their document counts, written by loads). */
function readVocabulary(dir: string): Vocabulary {
  const words = new Map<string, number>();
  const file = join(dir, VOCABULARY_FILE);
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) words.set(line.slice(0, tab), Number(line.slice(tab + 1)));
    }
  }
  return Vocabulary.fromCounts(words);
}

/** zhsearch's BM25 (and tier) of a candidate from its keyword frequencies and field lengths. */
class CandidateScorer {
  private readonly leaves: Leaf[];
  private readonly clauses: PlanNode[];
  /** Clauses that count for tiers (op=auto: not common, unless all are). */
  private readonly counted: Set<PlanNode>;
  /** The leaves of each counted clause (a candidate's tier: the clauses one of whose leaves it has). */
  private readonly countedLeaves: Leaf[][];

  constructor(
    plan: Plan,
    private readonly ranking: RankingOptions,
    private readonly stats: CollectionStats,
    private readonly docs: Map<string, number>,
    private readonly substringDocs: Map<string, number>,
    private readonly index: Map<string, number>,
    op: 'and' | 'or' | 'auto',
  ) {
    this.leaves = [...new Set(positiveLeaves(plan.root))];
    this.clauses = op === 'auto' && plan.root?.type === 'group' && plan.root.positive.length > 1 ? plan.root.positive : [];
    const common = Math.max(50, ranking.commonCutoff * Math.max(...FIELDS.map((f) => stats.fields[f].docsWithField)));
    const rare = this.clauses.filter((c) => positiveLeaves(c).every((l) => this.leafDocs(l) <= common));
    this.counted = new Set(rare.length ? rare : this.clauses);
    this.countedLeaves = [...this.counted].map((c) => positiveLeaves(c));
  }

  /** The most documents a leaf's substring has in one field (how common it is). */
  private leafDocs(l: Leaf): number {
    let most = 0;
    for (const f of l.fields) most = Math.max(most, this.substringDf(l, f));
    return most;
  }

  /** Per leaf and field, the keywords of its substring (its unigram, or its bigrams), built once per search. */
  private readonly keywordsOf = new Map<string, string[]>();

  private substringKeywords(l: Leaf, f: FieldName): string[] {
    const key = `${l.id}\u0000${f}`;
    let out = this.keywordsOf.get(key);
    if (!out) {
      if (l.chars.length === 1) out = [keyword(f, 'u', l.chars[0])];
      else {
        out = [];
        for (let i = 0; i + 1 < l.chars.length; i++) out.push(keyword(f, 'g', l.chars[i] + l.chars[i + 1]));
      }
      this.keywordsOf.set(key, out);
    }
    return out;
  }

  private substringDf(l: Leaf, f: FieldName): number {
    if (l.chars.length >= 3) return this.substringDocs.get(`${l.id}\u0000${f}`) ?? 0;
    return this.docs.get(this.substringKeywords(l, f)[0]) ?? 0;
  }

  private tfOf(tf: Map<number, number>, k: string): number {
    const i = this.index.get(k);
    return i === undefined ? 0 : (tf.get(i) ?? 0);
  }

  score(tf: Map<number, number>, lengths: Record<FieldName, number>): { score: number; tier: number } {
    const { k1, b, boosts } = this.ranking;
    let score = 0;
    const matched = new Set<Leaf>();
    for (const l of this.leaves) {
      for (const f of l.fields) {
        const subTf = Math.min(...this.substringKeywords(l, f).map((k) => this.tfOf(tf, k)));
        if (!(subTf > 0)) continue;
        matched.add(l);
        const st = this.stats.fields[f];
        const norm = bm25Norm(lengths[f], st.avgLength, k1, b);
        const weight = (idfValue: number) => (l.boost ?? 1) * termWeight(boosts[f], idfValue, k1);
        if (l.kind === 'word') {
          const wk = keyword(f, 'w', l.words[0]);
          const wordTf = this.tfOf(tf, wk);
          if (wordTf > 0) score += (weight(idf(st.docsWithField, this.docs.get(wk) ?? 0)) * wordTf) / (wordTf + norm);
          else score += ((l.substringWeight ?? this.ranking.substringWeight) * weight(idf(st.docsWithField, this.substringDf(l, f))) * subTf) / (subTf + norm);
        } else {
          let phraseIdf = 0;
          for (const w of l.words) {
            const df = this.docs.get(keyword(f, 'w', w)) ?? 0;
            phraseIdf += idf(st.docsWithField, df > 0 ? df : this.substringDf(l, f));
          }
          if (!l.words.length) phraseIdf = idf(st.docsWithField, this.substringDf(l, f));
          score += ((l.substringWeight ?? 1) * weight(phraseIdf) * subTf) / (subTf + norm);
        }
      }
    }
    let tier = 0;
    for (const leaves of this.countedLeaves) if (leaves.some((l) => matched.has(l))) tier++;
    return { score, tier };
  }
}

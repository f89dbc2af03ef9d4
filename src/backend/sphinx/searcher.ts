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
 *  4. per facet, its counts (GROUP BY the attribute) with every filter but its own
 *     (facet-lists.ts).
 * Each candidate is then scored with the embedded engine's BM25 (scorer.ts); proximity from the
 * stored text of the best 100; copies collapsed; hits and snippets by the embedded helpers.
 *
 * Differences from the embedded engine (README "Cluster"): the hits are the best of the
 * candidates (a document Sphinx ranks below them is never shown first); the frequency of a
 * substring of three or more characters is bounded by its bigrams'; tiers and relaxation count
 * clauses among the candidates.
 *
 * Owns: a search request against the cluster. Must not: start processes or write documents.
 */
import { Analyzer, queryChars } from '../../analysis/analyzer.js';
import type { StoredDocument } from '../../document.js';
import { DEFAULT_RANKING, FIELDS, type FieldName, type RankingOptions } from '../../index/schema.js';
import { Budget } from '../../search/budget.js';
import { correct } from '../../search/correct.js';
import { resolveFilters, type ResolvedFilters } from '../../search/filters.js';
import { interpret, type Interpretation } from '../../search/interpret.js';
import { describeLeaf, MAX_QUERY_TERMS, planQuery, positiveLeaves, topLevelClauses, type Leaf, type Plan, type PlanNode } from '../../search/plan.js';
import { textProximity } from '../../search/proximity.js';
import { parseQuery, type QueryNode } from '../../search/query-parser.js';
import { gazetteerName, type RegionNames } from '../../search/region-names.js';
import { hitOf, MAX_TERMS_LIMIT, PROXIMITY_WINDOW, queryInfo, type SearchHit, type SearchOptions, type SearchResult } from '../../search/searcher.js';
import type { SimilarOptions, SimilarResult } from '../../search/similar.js';
import { highlightText, type Highlighted } from '../../search/snippets.js';
import type { Suggestions } from '../../search/suggest.js';
import { readCluster, type ClusterDescription } from './cluster.js';
import { FACET_GROUPS, facetLists, facetStatement } from './facet-lists.js';
import { ClusterFront } from './front.js';
import { escapeKeyword, MatchText } from './match.js';
import { failedShards, keywordCounts, metaOf, totalFound } from './meta.js';
import { NameTable } from './names.js';
import { keyword } from './rows.js';
import { clusterSimilar } from './similar.js';
import { clusterSuggest } from './suggest.js';
import { ClusterWords } from './words.js';
import { CandidateScorer, parseFactors, rankerWeights, wordIdf, type CollectionStats } from './scorer.js';

/** Candidates Sphinx returns for zhsearch to score (at least; a deep page asks for page x size x 2). */
export const CANDIDATES = 200;
/**
 * The most candidates a search asks for: twice the deepest hit the API serves (page x size up to
 * 10,000, server/schemas.ts MAX_RESULT_WINDOW), so every page it allows is ranked among twice as
 * many candidates as it shows. Only deep pages and exports pay for it (Sphinx's max_matches costs
 * in proportion).
 */
export const MAX_CANDIDATES = 20_000;
/** Stories with copies counted in the search's own round trip (more: a second one). */
const SHARED_STORIES = 1000;
/** The most stories with copies counted exactly in one search. */
const MAX_SHARED_STORIES = 100_000;

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

/** Days since 1970-01-01 -> yyyymmdd. */
function yyyymmdd(day: number): number {
  const d = new Date(day * 86_400_000);
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

export interface ClusterSearcherOptions {
  /** Extra jieba user dictionaries (the ones the documents were loaded with). */
  userDicts?: readonly string[];
  /** Field statistics are read again after this many ms (writes change them). Default 1000. */
  statsTtlMs?: number;
}

/** What one search request carries from reading the query to each run of it. */
interface Request {
  q: string;
  plan: Plan;
  understood: Understood;
  options: SearchOptions;
  stats: CollectionStats;
  filters: ResolvedFilters;
  /** The WHERE condition of each filter (facets leave their own out). */
  conditions: Map<string, string>;
  budget: Budget;
}

/** The query as the user means it (pinyin, synonyms, a corrected typo). */
interface Understood {
  node: QueryNode | null;
  interpretations: Interpretation[];
  read: string;
  correctedFrom?: string;
  didYouMean?: string;
}

/** What the cluster's suggestions and similar articles (suggest.ts, similar.ts) are given. */
export interface ClusterContext {
  front: ClusterFront;
  words: ClusterWords;
  analyzer: Analyzer;
  search(q: string, options: SearchOptions): Promise<ClusterSearchResult>;
  collectionStats(): Promise<CollectionStats>;
}

/** Searches the cluster of a directory: one pool of SphinxQL connections to its front (front.ts). */
export class ClusterSearcher {
  private stats: CollectionStats | null = null;
  /** The cluster's words (query understanding, suggestions). */
  private words: ClusterWords;
  private names: NameTable;

  private constructor(
    readonly dir: string,
    readonly cluster: ClusterDescription,
    private readonly front: ClusterFront,
    private readonly analyzer: Analyzer,
    private readonly options: ClusterSearcherOptions,
  ) {
    this.words = ClusterWords.read(dir);
    this.names = NameTable.load(dir);
  }

  static async open(dir: string, options: ClusterSearcherOptions = {}): Promise<ClusterSearcher> {
    const cluster = readCluster(dir);
    return new ClusterSearcher(dir, cluster, await ClusterFront.open(cluster), new Analyzer({ userDicts: options.userDicts }), options);
  }

  /** Reads the vocabulary and name table again (after a load). */
  reload(): void {
    this.words = ClusterWords.read(this.dir);
    this.names = NameTable.load(this.dir);
    this.stats = null;
  }

  async close(): Promise<void> {
    await this.front.close();
  }

  /** Per field, documents with the field and its average length in words (live documents), cached briefly. */
  async collectionStats(): Promise<CollectionStats> {
    const ttl = this.options.statsTtlMs ?? 1000;
    if (this.stats && performance.now() - this.stats.at < ttl) return this.stats;
    const sums = FIELDS.map((f) => `SUM(${f}_len) AS ${f}_total, SUM(IF(${f}_len > 0, 1, 0)) AS ${f}_docs`).join(', ');
    const [rows] = await this.front.query(`SELECT COUNT(*) AS n, ${sums} FROM dist WHERE deleted = 0 OPTION ${this.front.retry}`);
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
        return `SELECT id FROM dist WHERE MATCH(${this.front.escape(m.anyField(FIELDS, chars))}) AND deleted = 0 LIMIT 1 OPTION ${this.front.countOnly}; SHOW META`;
      })
      .join('; ');
    const sets = await this.front.query(sql);
    list.forEach((t, i) => out.set(t, totalFound(sets[2 * i + 1])));
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
  private async understand(q: string, literal: boolean): Promise<Understood> {
    if (literal || q.trim() === '') return { node: parseQuery(q), interpretations: [], read: q };
    const fix = await this.withCounts((count) => correct(q, this.words.vocabulary, count, (t) => this.analyzer.queryWords(t)));
    const read = fix?.apply ? fix.query : q;
    const corrections: Interpretation[] = fix?.apply ? fix.runs.map((r): Interpretation => ({ from: r.from, to: [r.to], kind: 'correction' })) : [];
    const node = parseQuery(read);
    const understood = node ? await this.withCounts((count) => interpret(node, { analyzer: this.analyzer, vocabulary: this.words.vocabulary, synonyms: this.analyzer.synonyms(), count })) : { node, interpretations: [] };
    return {
      node: understood.node,
      interpretations: [...corrections, ...understood.interpretations],
      read,
      ...(fix?.apply ? { correctedFrom: q } : fix ? { didYouMean: fix.query } : {}),
    };
  }

  /** Region names for filters and facets: the gazetteer's (the cluster keeps no list of its codes). */
  private regionNames(): RegionNames {
    return { codes: [], name: gazetteerName };
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
    // One time budget for the whole request: reading the query, the search and a relaxed one.
    const budget = new Budget(options.timeoutMs ?? Infinity);
    const op = options.op ?? 'auto';
    const maxTerms = Math.min(MAX_TERMS_LIMIT, Math.max(1, Math.floor(options.maxTerms ?? MAX_QUERY_TERMS)));
    const [stats, understood] = await Promise.all([this.collectionStats(), this.understand(q, options.literal === true)]);
    budget.check();
    const n = Math.max(1, stats.fields.content.docsWithField);
    const plan = planQuery(understood.node, this.analyzer, (leaf) => leaf.count * (leaf.kind === 'word' ? wordIdf(this.words.vocabulary.df(leaf.text), n) : leaf.words.reduce((s, w) => s + wordIdf(this.words.vocabulary.df(w), n), 0)), maxTerms);
    const filters = resolveFilters(options.filters ?? {}, this.regionNames());
    const request: Request = { q, plan, understood, options, stats, filters, conditions: this.conditions(filters), budget };
    const result = await this.run(request, plan.root, []);
    // A strict AND without results drops its least informative clauses, as the embedded engine
    // does (tiers.ts, prefix tiers, best tier only): the documents with the most informative t
    // clauses, for the largest t that has any.
    if (result.articles === 0 && op === 'and' && options.relax !== false && plan.root?.type === 'group' && plan.root.positive.length > 1) {
      const relaxed = await this.relax(plan.root, request.conditions);
      budget.check();
      if (relaxed) return this.run(request, relaxed.root, relaxed.dropped);
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
    const text = (nodes: PlanNode[]) => this.front.escape(new MatchText().node({ type: 'group', positive: nodes, negated: root.negated }, 'and'));
    const filters = [...conditions.values()].map((c) => ` AND ${c}`).join('');
    // How many documents each clause matches over the whole cluster, as the embedded engine
    // measures it (executor.ts documentsOf): the most of any of its terms in any one field.
    const parts = clauses.map((c) => [...new Set(positiveLeaves(c))].flatMap((l) => l.fields.map((f) => new MatchText().substring(f, l.chars))));
    const dfSets = await this.front.query(parts.flat().map((t) => `SELECT id FROM dist WHERE MATCH(${this.front.escape(t)}) LIMIT 1 OPTION ${this.front.countOnly}; SHOW META`).join('; '));
    let at = 0;
    const df = parts.map((list) => Math.max(0, ...list.map(() => totalFound(dfSets[2 * at++ + 1]))));
    const unmatched = clauses.filter((_, i) => df[i] === 0);
    const ordered = clauses.map((c, i) => ({ c, i })).filter(({ i }) => df[i] > 0).sort((a, b) => df[a.i] - df[b.i] || a.i - b.i).map(({ c }) => c);
    if (!ordered.length) return null;
    const prefixes = ordered.map((_, t) => ordered.slice(0, t + 1));
    const counts = await this.front.query(prefixes.map((p) => `SELECT id FROM dist WHERE deleted = 0 AND MATCH(${text(p)})${filters} LIMIT 1 OPTION ${this.front.countOnly}; SHOW META`).join('; '));
    let best = 0;
    prefixes.forEach((_, t) => {
      if (totalFound(counts[2 * t + 1]) > 0) best = t + 1;
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

  /** One search of the request's plan, matching `matchRoot` (the plan's root, or a relaxed form of it). */
  private async run(request: Request, matchRoot: PlanNode | null, dropped: string[]): Promise<ClusterSearchResult> {
    const { q, plan, understood, options, stats, filters, conditions, budget } = request;
    const ranking: RankingOptions = { ...DEFAULT_RANKING, ...options.ranking, boosts: { ...DEFAULT_RANKING.boosts, ...options.ranking?.boosts } };
    const op = options.op ?? 'auto';
    const size = options.size ?? 10;
    const page = options.page ?? 1;
    const sort = options.sort ?? (q.trim() === '' ? 'date_desc' : 'relevance');
    const collapse = options.collapse !== false;
    const m = new MatchText();
    const matchOp = op === 'and' ? 'and' : 'or';
    const match = matchRoot ? m.node(matchRoot, matchOp) : null;
    const where = (without?: string) => ['deleted = 0', ...(match ? [`MATCH(${this.front.escape(match)})`] : []), ...[...conditions].filter(([k]) => k !== without).map(([, c]) => c)].join(' AND ');
    const wanted = Math.min(MAX_CANDIDATES, Math.max(CANDIDATES, 2 * page * size));
    const order = sort === 'date_desc' ? 'ORDER BY day DESC, id ASC' : sort === 'date_asc' ? 'ORDER BY day ASC, id ASC' : 'ORDER BY WEIGHT() DESC, id ASC';
    const ranker = match ? `ranker=expr('bm25f(1.2, 0.75, {${rankerWeights()}})*10000'), idf='plain,tfidf_unnormalized', ` : '';
    const statements: string[] = [
      `SELECT id, xid, story, day, ${FIELDS.map((f) => `${f}_len`).join(', ')}${match ? ', PACKEDFACTORS() AS f' : ''} FROM dist WHERE ${where()} ${order} LIMIT ${wanted} OPTION ${ranker}max_matches=${wanted}, ${this.front.retry}`,
      'SHOW META',
    ];
    // Substrings of three characters or more: their document count per field (their IDF).
    const leaves = [...new Set(positiveLeaves(plan.root))];
    const longSubstrings: Array<{ leaf: Leaf; field: FieldName }> = [];
    for (const l of leaves) if (l.chars.length >= 3) for (const f of l.fields) longSubstrings.push({ leaf: l, field: f });
    for (const { leaf, field } of longSubstrings) statements.push(`SELECT id FROM dist WHERE MATCH(${this.front.escape(new MatchText().substring(field, leaf.chars))}) LIMIT 1 OPTION ${this.front.countOnly}`, 'SHOW META');
    // Phrase words' document counts (a phrase's IDF sums its words').
    const phraseWords = new Set<string>();
    for (const l of leaves) if (l.kind === 'phrase') for (const f of l.fields) for (const w of l.words) phraseWords.add(keyword(f, 'w', w));
    if (phraseWords.size) statements.push(`SELECT id FROM dist WHERE MATCH(${this.front.escape([...phraseWords].map(escapeKeyword).join(' | '))}) LIMIT 1 OPTION ${this.front.countOnly}`, 'SHOW META');
    // Stories = articles - matches sharing a story + the stories they share (copies are few: a small GROUP BY).
    if (collapse) statements.push(`SELECT id FROM dist WHERE ${where()} AND shared = 1 LIMIT 1 OPTION ${this.front.countOnly}`, 'SHOW META', `SELECT story FROM dist WHERE ${where()} AND shared = 1 GROUP BY story LIMIT 1 OPTION max_matches=${SHARED_STORIES}, ${this.front.countOnly}`, 'SHOW META');
    const facetNames = [...new Set(options.facets ?? [])];
    for (const name of facetNames) for (const group of FACET_GROUPS[name]) statements.push(facetStatement(group, where(group.own), this.names, this.front.retry));
    let sets = await this.front.query(statements.join('; '));
    // Sphinx 2.2.11 does not send a query to another mirror when a node fails within the query
    // (measured: after a kill -9, every other query lost that shard until the front's pings
    // marked the node dead): with mirrors, a partial answer is asked again, a few times.
    for (let again = 0; again < 4 * (this.cluster.mirrors - 1) && failedShards(metaOf(sets[1])) > 0; again++) {
      budget.check();
      sets = await this.front.query(statements.join('; '));
    }
    budget.check();
    let at = 0;
    const candidates = sets[at++];
    const meta = metaOf(sets[at++]);
    const keywordDocs = keywordCounts(meta);
    const substringDocs = new Map<string, number>();
    for (const { leaf, field } of longSubstrings) {
      at++;
      substringDocs.set(`${leaf.id}\u0000${field}`, totalFound(sets[at++]));
    }
    if (phraseWords.size) {
      at++;
      for (const [k, v] of keywordCounts(metaOf(sets[at++]))) keywordDocs.set(k, v);
    }
    let sharedMatches = 0;
    let sharedStories = 0;
    if (collapse) {
      at++;
      sharedMatches = totalFound(sets[at++]);
      at++;
      sharedStories = totalFound(sets[at++]);
      if (sharedMatches > SHARED_STORIES) {
        // More copies than the first count had room for: count their stories with room for all.
        const room = Math.min(MAX_SHARED_STORIES, sharedMatches);
        const again = await this.front.query(`SELECT story FROM dist WHERE ${where()} AND shared = 1 GROUP BY story LIMIT 1 OPTION max_matches=${room}, ${this.front.countOnly}; SHOW META`);
        sharedStories = totalFound(again[1]);
      }
    }
    const facetRows = facetNames.map((name) => FACET_GROUPS[name].map(() => sets[at++]));
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
    for (const [sid, doc] of await this.front.documents(window.map((r) => r.sid))) docs.set(sid, doc);
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
    for (const [sid, doc] of await this.front.documents(need)) docs.set(sid, doc);
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
    const { facets, totals } = facetLists(facetNames, facetRows, options.facetSize ?? 10, filters, this.names, this.regionNames());
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

  /** The stored document with external id `id`, or null. */
  get(id: string): Promise<StoredDocument | null> {
    return this.front.get(id);
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

  /** Completions of what the user types (suggest.ts). */
  suggest(input: string, limit?: number): Promise<Suggestions> {
    return clusterSuggest(this.context(), input, limit);
  }

  /** The documents most similar to the one with id `id` (similar.ts), or null when there is none. */
  similar(id: string, options?: SimilarOptions): Promise<SimilarResult | null> {
    return clusterSimilar(this.context(), id, options);
  }

  /** What suggestions and similar articles use: the front, the cluster's words, and this searcher's search. */
  private context(): ClusterContext {
    return { front: this.front, words: this.words, analyzer: this.analyzer, search: (q, o) => this.search(q, o), collectionStats: () => this.collectionStats() };
  }

  /** Live documents of the cluster (a fresh count). */
  async documentCount(): Promise<number> {
    this.stats = null;
    return (await this.collectionStats()).documents;
  }
}

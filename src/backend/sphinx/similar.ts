/**
 * More like this on the cluster, as search/similar.ts does it on the embedded index: the
 * document's most informative words (weighted frequency x idf of the word in the cluster's
 * contents: the `cw_` keywords' document counts from `SHOW META`) searched as an OR query as
 * written; the document and the copies of its story left out (stories compared by the cluster's
 * `story` attribute, the 63-bit hash of the story key); more hits fetched when copies filled them.
 *
 * Owns: similar documents on the cluster. Must not: score documents itself (the search does).
 */
import { documentWords, mostInformative, nextFetchSize, similarHits, similarQueryOf, type SimilarOptions, type SimilarResult } from '../../search/similar.js';
import { hash63 } from './hash.js';
import { escapeKeyword } from './match.js';
import { keywordCounts, metaOf } from './meta.js';
import { keyword } from './rows.js';
import type { ClusterFront } from './front.js';
import type { ClusterContext } from './searcher.js';

/** Keywords per statement asking their document counts. */
const KEYWORDS_PER_STATEMENT = 200;

export async function clusterSimilar(cluster: ClusterContext, id: string, options: SimilarOptions = {}): Promise<SimilarResult | null> {
  const started = performance.now();
  const doc = await cluster.front.get(id);
  if (!doc) return null;
  const tf = documentWords(cluster.analyzer, doc);
  const [df, stats] = await Promise.all([contentDocuments(cluster.front, [...tf.keys()]), cluster.collectionStats()]);
  const terms = mostInformative(tf, (w) => df.get(w) ?? 0, stats.fields.content.docsWithField, options.maxTerms);
  let query = similarQueryOf(doc, terms, options);
  if (!query.q) return { id, terms: [], hits: [] };
  const story = hash63(query.story);
  for (;;) {
    const left = options.timeoutMs === undefined ? {} : { timeoutMs: Math.max(1, options.timeoutMs - (performance.now() - started)) };
    const result = await cluster.search(query.q, { ...query.options, ...left });
    const stories = await storiesOf(cluster.front, result.hits.map((h) => h.id));
    const { hits, complete } = similarHits((hit) => stories.get(hit), { ...query, story }, result);
    const next = nextFetchSize(query.options.size!);
    if (complete || next === null) return { id, terms: query.terms, hits };
    query = { ...query, options: { ...query.options, size: next } };
  }
}

/** Word -> documents having it in their content, over the cluster. */
async function contentDocuments(front: ClusterFront, words: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!words.length) return out;
  const statements: string[] = [];
  for (let i = 0; i < words.length; i += KEYWORDS_PER_STATEMENT) {
    const match = words.slice(i, i + KEYWORDS_PER_STATEMENT).map((w) => escapeKeyword(keyword('content', 'w', w))).join(' | ');
    statements.push(`SELECT id FROM dist WHERE MATCH(${front.escape(match)}) LIMIT 1 OPTION ${front.countOnly}`, 'SHOW META');
  }
  const sets = await front.query(statements.join('; '));
  const counts = new Map<string, number>();
  for (let i = 1; i < sets.length; i += 2) for (const [k, n] of keywordCounts(metaOf(sets[i]))) counts.set(k, n);
  for (const w of words) out.set(w, counts.get(keyword('content', 'w', w)) ?? 0);
  return out;
}

/** External id -> story attribute (decimal) of the documents `ids`. */
async function storiesOf(front: ClusterFront, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!ids.length) return out;
  const [rows] = await front.query(`SELECT xid, story FROM dist WHERE id IN (${ids.map(hash63).join(',')}) AND deleted = 0 LIMIT ${ids.length} OPTION max_matches=${ids.length}, ${front.retry}`);
  for (const r of rows) out.set(String(r.xid), String(r.story));
  return out;
}

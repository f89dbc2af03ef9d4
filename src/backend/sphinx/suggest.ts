/**
 * Completions on the cluster, as search/suggest.ts gives them on the embedded index: the
 * cluster's words starting with the input (words.ts, most documents first) and, for Latin input,
 * words whose pinyin or initials start with it; each word counted by a search of it (the count
 * shown is what searching it finds), the searches in parallel, a word whose count does not come
 * within {@link SUGGEST_COUNT_MS} left out; titles starting with the input (two characters or
 * more), newest first: the phrase of the input's title bigrams at the start of the title field
 * (Sphinx's field-start modifier `^`), checked against the stored title.
 *
 * Differences from the embedded index: a word's rank among candidates is its count in one field
 * (the embedded index sums its fields), and only words of two or more Han characters are listed.
 *
 * Owns: suggestions on the cluster. Must not: score documents or know about HTTP.
 */
import { normalize } from '../../analysis/normalize.js';
import { withinTime } from '../../search/budget.js';
import { searchableChars, type Suggestions } from '../../search/suggest.js';
import { escapeKeyword } from './match.js';
import { keyword } from './rows.js';
import type { ClusterContext } from './searcher.js';

/** Time for the counts of the suggested words (searches on the cluster, in parallel). */
export const SUGGEST_COUNT_MS = 1000;

export async function clusterSuggest(cluster: ClusterContext, input: string, limit = 8): Promise<Suggestions> {
  const prefix = normalize(input.trim()).text;
  const chars = searchableChars(prefix);
  if (!prefix || !chars.length) return { words: [], titles: [] };
  const candidates = cluster.words.startingWith(prefix, limit);
  // Latin input may be the start of pinyin or initials.
  const letters = prefix.replace(/['’\s]+/g, '');
  if (/^[a-z]+$/.test(letters)) {
    for (const e of cluster.words.vocabulary.startingWith(letters).slice(0, limit)) if (!candidates.some((c) => c.text === e.word)) candidates.push({ text: e.word, count: e.df });
    candidates.sort((a, b) => b.count - a.count);
  }
  const [counts, titles] = await Promise.all([
    Promise.all(candidates.map((c) => countOf(cluster, c.text))),
    chars.length >= 2 ? titlesStartingWith(cluster, chars, limit) : Promise.resolve([]),
  ]);
  const counted: Suggestions['words'] = [];
  candidates.forEach((c, i) => {
    const count = counts[i];
    if (count !== null && counted.length < limit) counted.push({ text: c.text, count });
  });
  counted.sort((a, b) => b.count - a.count);
  return { words: counted.filter((c) => c.count > 0), titles };
}

/** What a search of `word` finds, or null when the answer does not come in time. */
async function countOf(cluster: ClusterContext, word: string): Promise<number | null> {
  try {
    return (await withinTime(SUGGEST_COUNT_MS, cluster.search(word, { size: 1, highlight: false, facets: [], timeoutMs: SUGGEST_COUNT_MS }))).total;
  } catch {
    // A search that failed (late, a shard error) leaves the word out.
    return null;
  }
}

/** Documents whose title starts with `chars` (searchable characters), newest first, distinct titles. */
async function titlesStartingWith({ front }: ClusterContext, chars: string[], limit: number): Promise<Suggestions['titles']> {
  const grams: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) grams.push(escapeKeyword(keyword('title', 'g', chars[i] + chars[i + 1])));
  const room = limit * 4;
  const [rows] = await front.query(`SELECT id FROM dist WHERE MATCH(${front.escape(`"^${grams.join(' ')}"`)}) AND deleted = 0 ORDER BY day DESC, id ASC LIMIT ${room} OPTION max_matches=${room}, ${front.retry}`);
  const sids = rows.map((r) => String(r.id));
  const docs = await front.documents(sids);
  const wanted = chars.join('');
  const out: Suggestions['titles'] = [];
  const seen = new Set<string>();
  for (const sid of sids) {
    const doc = docs.get(sid);
    if (!doc) continue;
    const title = doc.title ?? '';
    // Verified on the stored title, as the embedded index does.
    if (seen.has(title) || !searchableChars(normalize(title).text).join('').startsWith(wanted)) continue;
    seen.add(title);
    out.push({ id: doc.id, title });
    if (out.length >= limit) break;
  }
  return out;
}

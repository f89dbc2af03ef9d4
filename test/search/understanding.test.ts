/**
 * Acceptance: query understanding on an xwlb sample. The sets come from
 * test/search/understanding-sets.ts (see its header for how each is made):
 *
 * - pinyin (`tushuguan`), initials (`tsg`), mixed (`tu书馆`) and same-sound typos (`图书管`):
 *   a query passes when at least half of its top hits contain the intended word (normalized
 *   title or content of the stored document): k = min(10, total) hits looked at, at least
 *   ceil(k / 2) containing it, and k >= 1. Every intended word has df >= 20 in the sample, so a
 *   query that reaches its word has 10 hits and needs 5. Each set must pass at >= 80%; the rates
 *   and the failures are printed.
 * - Latin words (`APEC`, `5G`, `iPhone`, every one of the sample): the default search keeps the
 *   literal matches. Its total equals that of `literal: true` and the number of documents whose
 *   title, content or tags contain the word (brute force over the normalized text without
 *   whitespace and punctuation: NFKC, lower case, as the index's character stream; equality
 *   checked on this corpus); no pinyin or initials reading, no correction. A synonym may add
 *   documents: then the literal ones must all be among the results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalize } from '../../src/analysis/normalize.js';
import { searchableChars } from '../../src/analysis/analyzer.js';
import { SearchIndex, type DocumentInput, type QueryInfo, type SearchOptions, type SearchResult } from '../../src/index.js';
import { HAS_SHARED, removeDir, tempDir, xwlbSample } from '../helpers.js';
import { buildUnderstandingSets, wordStats, type UnderstandingQuery, type UnderstandingSetName } from './understanding-sets.js';

const DOCS = 10_000;
const PASS_RATE = 0.8;

/** What query understanding adds to the result's `query` (typed here until src/ has it). */
interface Interpretation {
  from: string;
  to: string[];
  kind: 'pinyin' | 'initials' | 'synonym' | 'correction';
}
type UnderstoodQuery = QueryInfo & { interpretations?: Interpretation[]; correctedFrom?: string; didYouMean?: string };
type Understood = SearchResult & { query: UnderstoodQuery };
type Options = SearchOptions & { literal?: boolean };

const compact = (s: string) => searchableChars(normalize(s).text).join('');

describe.skipIf(!HAS_SHARED)('query understanding (xwlb sample)', () => {
  let dir: string;
  let index: SearchIndex;
  let docs: DocumentInput[];
  let queries: UnderstandingQuery[];
  const search = (q: string, options: Options = {}) => index.search(q, options as SearchOptions) as Understood;

  beforeAll(async () => {
    docs = xwlbSample(DOCS, 11);
    queries = buildUnderstandingSets(wordStats(docs)).queries;
    dir = tempDir();
    index = SearchIndex.open(dir, { threads: 2 });
    await index.add(docs);
    await index.commit();
  });
  afterAll(async () => {
    await index?.close();
    if (dir) removeDir(dir);
  });

  /** Whether the hit's stored title or content contains `word`. */
  const contains = (id: string, word: string) => {
    const d = index.get(id);
    return !!d && normalize(`${d.title ?? ''}\n${d.content ?? ''}`).text.includes(word);
  };

  const describeQuery = (r: Understood) => {
    const parts = [`q=${r.query.q}`, `total ${r.total}`];
    if (r.query.interpretations?.length) parts.push(`interpretations ${r.query.interpretations.map((i) => `${i.from}->${i.to.join('|')} (${i.kind})`).join(', ')}`);
    if (r.query.correctedFrom !== undefined) parts.push(`correctedFrom ${r.query.correctedFrom}`);
    if (r.query.didYouMean !== undefined) parts.push(`didYouMean ${r.query.didYouMean}`);
    parts.push(`top: ${r.hits.slice(0, 2).map((h) => h.title).join(' / ')}`);
    return parts.join('; ');
  };

  const sets: Array<[UnderstandingSetName, string]> = [
    ['pinyin', 'full pinyin (tushuguan)'],
    ['initials', 'initials (tsg)'],
    ['mixed', 'mixed pinyin and characters (tu书馆)'],
    ['typo', 'same-sound typos (图书管)'],
  ];
  it.each(sets)('%s: %s, >= 80% of the queries find their word in half of the top 10', (set) => {
    const mine = queries.filter((q) => q.set === set);
    expect(mine.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const { q, intended, note } of mine) {
      const r = search(q, { size: 10, highlight: false });
      const k = Math.min(10, r.hits.length);
      const containing = r.hits.slice(0, k).filter((h) => contains(h.id, intended)).length;
      if (k === 0 || containing < Math.ceil(k / 2)) failures.push(`${q} -> ${intended} [${note ?? ''}]: ${containing}/${k} contain it; ${describeQuery(r)}`);
    }
    const rate = 1 - failures.length / mine.length;
    console.log(`understanding ${set}: ${mine.length - failures.length}/${mine.length} pass (${(100 * rate).toFixed(1)}%)${failures.length ? `; failures:\n  ${failures.join('\n  ')}` : ''}`);
    expect(rate).toBeGreaterThanOrEqual(PASS_RATE);
  });

  it('latin: every Latin word of the sample keeps exactly its literal matches', () => {
    const words = queries.filter((q) => q.set === 'latin').map((q) => q.q);
    expect(words.length).toBeGreaterThan(100);
    const fields = docs.map((d) => [compact(d.title ?? ''), compact(d.content), compact((d.tags ?? []).join('\n'))].join('\u0000'));
    const failures: string[] = [];
    for (const w of words) {
      const key = compact(w);
      const expected = fields.filter((f) => f.includes(key)).length;
      const r = search(w, { size: 1, highlight: false });
      const literal = search(w, { size: 1, highlight: false, literal: true });
      const readings = (r.query.interpretations ?? []).filter((i) => i.kind === 'pinyin' || i.kind === 'initials');
      const problems: string[] = [];
      if (literal.total !== expected) problems.push(`literal total ${literal.total}, brute force ${expected}`);
      if (expected === 0) problems.push('no document found by brute force');
      if (readings.length) problems.push(`read as ${readings.map((i) => `${i.kind} ${i.to.join('|')}`).join(', ')}`);
      if (r.query.correctedFrom !== undefined) problems.push(`corrected to ${r.query.q}`);
      if (r.total !== literal.total) {
        const synonym = (r.query.interpretations ?? []).some((i) => i.kind === 'synonym');
        if (!synonym || r.total < literal.total) problems.push(`total ${r.total}, literal ${literal.total}`);
        else {
          // A synonym widened the query: the literal matches must all still be there.
          const all = new Set(search(w, { size: r.total, highlight: false }).hits.map((h) => h.id));
          const lost = search(w, { size: literal.total, highlight: false, literal: true }).hits.filter((h) => !all.has(h.id)).length;
          if (lost) problems.push(`${lost} of ${literal.total} literal matches lost (synonyms)`);
        }
      }
      if (problems.length) failures.push(`${w}: ${problems.join('; ')}; ${describeQuery(r)}`);
    }
    console.log(`understanding latin: ${words.length - failures.length}/${words.length} keep their literal matches${failures.length ? `; failures:\n  ${failures.join('\n  ')}` : ''}`);
    expect(failures).toEqual([]);
  });
});

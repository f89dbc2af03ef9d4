/**
 * Tiered matching (src/search/tiers.ts), the default `op=auto`, and the relaxation of `op=and`,
 * against brute force over an xwlb sample: totals, tiers and facets are exact, documents with
 * more of the informative words rank first, and a query of two unrelated words glued by a
 * function word (量子计算机的火锅) never matches outside the documents of its words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSearchable, normalize } from '../../src/analysis/normalize.js';
import { SearchIndex, type StoredDocument } from '../../src/index.js';
import { HAS_SHARED, random, removeDir, tempDir, xwlbSample } from '../helpers.js';
import { allDocuments, expectedFacets, ordered, orderedFacet } from '../server/brute-force.js';

const searchable = (text: string) => [...normalize(text).text].filter((c) => isSearchable(c.codePointAt(0)!)).join('');

describe.skipIf(!HAS_SHARED)('tiered matching on an xwlb sample, against brute force', () => {
  let dir: string;
  let index: SearchIndex;
  let docs: StoredDocument[];
  /** Per document, its searchable title, content and tags. */
  let fields: Map<string, string[]>;
  /** Words of titles that jieba keeps whole as a query term, with the documents containing them. */
  let vocabulary: Array<{ word: string; docs: Set<string>; fieldDf: number }>;

  beforeAll(async () => {
    dir = tempDir('zhsearch-tiers-');
    index = SearchIndex.open(dir, { threads: 2 });
    await index.add(xwlbSample(3000, 23));
    await index.commit();
    docs = allDocuments(index);
    fields = new Map(docs.map((d) => [d.id, [searchable(d.title ?? ''), searchable(d.content), searchable((d.tags ?? []).join(' '))]]));
    const words = new Set<string>();
    for (const d of docs.slice(0, 600)) for (const w of index.analyzer.queryTerms(d.title ?? '')) if (/^\p{Script=Han}{2,4}$/u.test(w) && !index.analyzer.isStopWord(w)) words.add(w);
    vocabulary = [...words]
      .filter((w) => index.analyzer.queryTerms(w).length === 1)
      .map((word) => {
        const having = docs.filter((d) => fields.get(d.id)!.some((f) => f.includes(word)));
        // The engine orders words by the documents of the field where they are most frequent.
        const fieldDf = Math.max(...[0, 1, 2].map((f) => docs.filter((d) => fields.get(d.id)![f].includes(word)).length));
        return { word, docs: new Set(having.map((d) => d.id)), fieldDf };
      })
      // Away from the common cutoff (5% of the documents), so rounding cannot decide which side a word is on.
      .filter((v) => v.docs.size >= 2 && v.docs.size <= 400 && Math.abs(v.fieldDf - common()) > 20);
  }, 300_000);

  afterAll(async () => {
    await index?.close();
    if (dir) removeDir(dir);
  });

  /** Documents a word must be in to be common (src/search/executor.ts). */
  const common = () => Math.max(50, 0.05 * docs.length);

  it('has the union of the informative words as its match set, ranks by how many of them a document has, and counts facets exactly (60 random queries)', () => {
    const rnd = random(3);
    for (let q = 0; q < 60; q++) {
      const n = 2 + Math.floor(rnd() * 3);
      const picked = [...new Set(Array.from({ length: n }, () => vocabulary[Math.floor(rnd() * vocabulary.length)]))];
      if (picked.length < 2) continue;
      const query = picked.map((v) => v.word).join(' ');
      const r = index.search(query, { size: 100, facets: ['year', 'source'], facetSize: 100, literal: true });
      expect(r.query.terms.sort()).toEqual(picked.map((v) => v.word).sort());
      // Common words score but do not match, unless every word is common.
      const rare = picked.filter((v) => v.fieldDf <= common());
      const informative = rare.length ? rare : picked;
      const union = new Set(informative.flatMap((v) => [...v.docs]));
      expect(r.total, query).toBe(union.size);
      // A document's tier: how many informative words it has.
      const tier = (id: string) => informative.filter((v) => v.docs.has(id)).length;
      const tiers = r.hits.map((h) => tier(h.id));
      expect(tiers, query).toEqual([...tiers].sort((a, b) => b - a));
      expect(tiers[0]).toBe(Math.max(...[...union].map(tier)));
      // Within a tier, by score.
      for (let i = 1; i < r.hits.length; i++) if (tiers[i] === tiers[i - 1]) expect(r.hits[i].score).toBeLessThanOrEqual(r.hits[i - 1].score);
      const expected = expectedFacets(
        docs.filter((d) => union.has(d.id)),
        {},
      );
      const any = new Set(picked.flatMap((v) => [...v.docs]));
      expect(r.facets.year).toEqual(orderedFacet('year', expected.year));
      expect(r.facets.source).toEqual(ordered(expected.source));
      // op=and: every word; op=or: the same set as auto.
      const all = [...union].filter((id) => picked.every((v) => v.docs.has(id)));
      const and = index.search(query, { op: 'and', relax: false, size: 1, literal: true });
      expect(and.total).toBe(all.length);
      expect(index.search(query, { op: 'or', size: 1, literal: true }).total).toBe(any.size);
    }
  });

  it('answers 40 unrelated word pairs glued by 的 only with documents of the two words', () => {
    const rnd = random(9);
    let pairs = 0;
    for (let attempt = 0; attempt < 4000 && pairs < 40; attempt++) {
      const a = vocabulary[Math.floor(rnd() * vocabulary.length)];
      const b = vocabulary[Math.floor(rnd() * vocabulary.length)];
      // Two informative words that no document has together.
      if (a.fieldDf > common() || b.fieldDf > common()) continue;
      if (a.word === b.word || a.word.includes(b.word) || b.word.includes(a.word) || [...a.docs].some((id) => b.docs.has(id))) continue;
      const q = `${a.word}的${b.word}`;
      if (index.analyzer.queryTerms(q).join('|') !== [a.word, '的', b.word].join('|')) continue;
      pairs++;
      const union = new Set([...a.docs, ...b.docs]);
      const auto = index.search(q, { size: 100, literal: true });
      expect(auto.query.stopWords).toEqual(['的']);
      expect(auto.total, q).toBe(union.size);
      expect(auto.query.relaxed).toBe(true);
      for (const h of auto.hits) expect(union.has(h.id), `${q}: ${h.id}`).toBe(true);
      const and = index.search(q, { op: 'and', size: 100, literal: true });
      expect(and.query.relaxed).toBe(true);
      expect(and.query.dropped).toHaveLength(1);
      // The word kept is the more informative one: its documents, and only them.
      const kept = and.query.dropped[0] === a.word ? b : a;
      expect(and.total, q).toBe(kept.docs.size);
      for (const h of and.hits) expect(kept.docs.has(h.id)).toBe(true);
    }
    expect(pairs).toBe(40);
  });
});

/**
 * Duplicates grouped, not dropped: an index of real xwlb items plus reposts of some of them (made
 * by the ingestion's duplicate detector, as `zhsearch index` makes them, with other sources and
 * dates) and documents an embedder grouped itself (`duplicateOf`, in another segment), with
 * deletions. Collapsed and uncollapsed totals, hits, duplicates and facets are checked against a
 * brute-force reading of every stored document grouped by story key (`duplicateOf ?? id`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex, type SearchOptions, type SearchResult, type StoredDocument } from '../../src/index.js';
import { ArticleConverter } from '../../src/ingest/article-converter.js';
import { Ingestion } from '../../src/ingest/pipeline.js';
import type { RawInput } from '../../src/ingest/readers.js';
import { Columns, ColumnsWriter } from '../../src/index/columns.js';
import { HAS_SHARED, random, removeDir, tempDir, xwlbSample } from '../helpers.js';
import { matching, passes, type Filters } from '../server/brute-force.js';

const storyKey = (d: StoredDocument) => (d.duplicateOf && d.duplicateOf !== d.id ? d.duplicateOf : d.id);

describe.skipIf(!HAS_SHARED)('collapsing duplicate groups', () => {
  let dir: string;
  let index: SearchIndex;
  let docs: StoredDocument[];
  let ingestion: Ingestion;
  /** Every document ingestion produced, deleted ones included. */
  const ingested = new Map<string, StoredDocument>();
  const queries = ['图书馆', '习近平', '经济 发展', '国务院 会议', '中国', '北京', '文化 建设'];

  beforeAll(async () => {
    dir = tempDir();
    const sample = xwlbSample(1500, 13);
    const rnd = random(7);
    // Reposts: 1 to 3 copies of 60 real items with a body of some length, with another source and date.
    const originals = sample.filter((d) => d.content.length > 300).slice(0, 60);
    const records: Array<Record<string, unknown>> = sample.map((d) => ({ ...d }));
    originals.forEach((d, i) => {
      const copies = 1 + Math.floor(rnd() * 3);
      for (let k = 1; k <= copies; k++) {
        const day = new Date(Date.parse(`${d.date ?? '2020-01-01'}T00:00:00Z`) + k * 86_400_000).toISOString().slice(0, 10);
        records.splice(Math.floor(rnd() * records.length) + 1, 0, {
          id: `${d.id}-repost-${k}`,
          title: d.title,
          content: `${d.content}\n（转载自${['人民网', '新华网', '央视网'][k - 1]}）`,
          source: `转载站${(i % 5) + k}`,
          date: day,
        });
      }
    });
    ingestion = new Ingestion(new ArticleConverter());
    async function* inputs(): AsyncGenerator<RawInput> {
      for (const [i, record] of records.entries()) yield { kind: 'record', origin: `test.jsonl:${i + 1}`, record };
    }
    index = SearchIndex.open(dir, { threads: 0 });
    let n = 0;
    for await (const doc of ingestion.documents(inputs())) {
      ingested.set(doc.id, doc);
      await index.add(doc);
      if (++n % 700 === 0) await index.commit();
    }
    await index.commit();
    // An embedder's own groups, in a later segment: 12 items grouped under earlier ones.
    const grouped = sample.slice(1000, 1012).map((d, i) => ({ ...d, id: `${d.id}-embedded`, duplicateOf: sample[i * 7].id, source: '嵌入方' }));
    await index.add(grouped);
    await index.commit();
    // Deletions: an original with reposts (its copies stay grouped among themselves) and some copies.
    const repostIds = records.map((r) => String(r.id)).filter((id) => id.includes('-repost-'));
    index.delete(originals[0].id, originals[1].id, repostIds[5], repostIds[9]);
    await index.commit();
    docs = [];
    for (const d of index.documents()) docs.push(d);
  }, 180_000);

  afterAll(async () => {
    await index?.close();
    if (dir) removeDir(dir);
  });

  it('ingestion keeps every repost, grouped under its original, and reports the groups', () => {
    const report = ingestion.report;
    expect(report.byReason.duplicate).toBeUndefined();
    expect(report.rejected.filter((r) => r.reason === 'duplicate')).toEqual([]);
    const groups = report.duplicateGroups;
    expect(groups.groups).toBe(groups.list.length);
    expect(groups.duplicates).toBe(groups.list.reduce((n, g) => n + g.duplicates.length, 0));
    expect(groups.articles).toBe(groups.duplicates + groups.groups);
    // Every repost made above is found, as a copy of its own original.
    const byCopy = new Map(groups.list.flatMap((g) => g.duplicates.map((d) => [d.id, g.original] as const)));
    const reposts = [...ingested.values()].filter((d) => d.id.includes('-repost-'));
    expect(reposts.length).toBeGreaterThan(60);
    // An item and its reposts share one story, whichever came first (a real xwlb item may also repeat an earlier one).
    const key = (d: StoredDocument) => d.duplicateOf ?? d.id;
    for (const r of reposts) {
      const original = ingested.get(r.id.replace(/-repost-\d$/, ''))!;
      expect(key(r)).toBe(key(original));
      expect(byCopy.get(r.id)).toBe(r.duplicateOf);
    }
    // Every copy named by the report was indexed with that duplicateOf.
    for (const [copy, original] of byCopy) expect(ingested.get(copy)?.duplicateOf).toBe(original);
    for (const g of groups.list) for (const d of g.duplicates) expect(d.similarity).toBeGreaterThanOrEqual(0.8);
  });

  it('an empty query: collapse=false lists every live document, collapse=true every story', () => {
    const off = index.search('', { collapse: false, size: 1 });
    expect(off.total).toBe(docs.length);
    expect(off.articles).toBe(docs.length);
    expect(off.hits[0].duplicates).toBeUndefined();
    const on = index.search('', { size: 1 });
    expect(on.articles).toBe(docs.length);
    expect(on.total).toBe(new Set(docs.map(storyKey)).size);
    expect(on.total).toBeLessThan(docs.length - 60);
  });

  /** The expected articles and stories of `q` (every word as characters) under `filters`, by brute force. */
  const expected = (q: string, filters: Filters = {}) => {
    const matched = (q ? matching(docs, q.split(' ')) : docs).filter((d) => passes(d, filters));
    const stories = new Map<string, string[]>();
    for (const d of matched) stories.set(storyKey(d), [...(stories.get(storyKey(d)) ?? []), d.id]);
    return { matched, stories };
  };

  /** Every page of a collapsed search. */
  const allPages = (q: string, options: SearchOptions, size = 25): SearchResult['hits'] => {
    const hits: SearchResult['hits'] = [];
    for (let page = 1; ; page++) {
      const r = index.search(q, { ...options, page, size });
      hits.push(...r.hits);
      if (r.hits.length < size) return hits;
    }
  };

  const filterSets: Filters[] = [{}, { from: '2015', to: '2019' }];

  for (const q of queries) {
    for (const filters of filterSets) {
      it(`totals, hits and duplicates match brute force: "${q}" ${JSON.stringify(filters)}`, () => {
        const { matched, stories } = expected(q, filters);
        const opts: SearchOptions = { op: 'and', relax: false, literal: true, filters };
        const off = index.search(q, { ...opts, collapse: false, size: 1 });
        expect(off.total).toBe(matched.length);
        expect(off.articles).toBe(matched.length);
        const on = index.search(q, { ...opts, size: 1 });
        expect(on.total).toBe(stories.size);
        expect(on.articles).toBe(matched.length);
        // Walking every page: one hit per story, each with exactly the other matching copies of its story.
        const hits = allPages(q, { ...opts, sort: 'date_desc' });
        expect(hits.length).toBe(stories.size);
        const byId = new Map(docs.map((d) => [d.id, d]));
        const seen = new Set<string>();
        for (const h of hits) {
          const key = storyKey(byId.get(h.id)!);
          expect(seen.has(key), `story ${key} listed twice`).toBe(false);
          seen.add(key);
          const copies = h.duplicates!.map((d) => d.id);
          expect(copies).not.toContain(h.id);
          expect(new Set([h.id, ...copies])).toEqual(new Set(stories.get(key)));
          for (const d of h.duplicates!) {
            const doc = byId.get(d.id)!;
            expect(d).toEqual({ id: doc.id, title: doc.title ?? '', source: doc.source ?? null, date: doc.date ?? null, url: doc.url ?? null });
          }
        }
      });
    }
  }

  it('the hit is the best-ranked copy, the duplicates in hit order, and page 2 continues page 1', () => {
    for (const q of queries) {
      for (const sort of ['date_desc', 'date_asc', 'relevance'] as const) {
        const opts: SearchOptions = { sort, literal: true };
        const all = index.search(q, { ...opts, collapse: false, size: 2000 }).hits.map((h) => h.id);
        const byId = new Map(docs.map((d) => [d.id, d]));
        const first = new Map<string, string[]>();
        for (const id of all) first.set(storyKey(byId.get(id)!), [...(first.get(storyKey(byId.get(id)!)) ?? []), id]);
        const collapsed = index.search(q, { ...opts, size: 100 }).hits;
        const pages = [1, 2, 3, 4].flatMap((page) => index.search(q, { ...opts, page, size: 25 }).hits);
        expect(pages.map((h) => h.id)).toEqual(collapsed.map((h) => h.id));
        if (sort === 'relevance' && q.includes(' ')) continue; // proximity reorders the uncollapsed list over another window
        const leaders = [...first.values()].slice(0, 100);
        expect(collapsed.map((h) => h.id)).toEqual(leaders.map((ids) => ids[0]));
        collapsed.forEach((h, i) => expect(h.duplicates!.map((d) => d.id)).toEqual(leaders[i].slice(1)));
      }
    }
  });

  it('pruned and exhaustive scoring give the same collapsed hits and duplicates on every page', () => {
    for (const q of ['经济 发展 改革', '图书馆 文化', '会议 主席 国务院 总理']) {
      for (const op of ['or', 'auto'] as const) {
        for (const page of [1, 3, 8]) {
          const a = index.search(q, { op, page, size: 10 });
          const b = index.search(q, { op, page, size: 10, prune: false });
          expect(a.total).toBe(b.total);
          expect(a.articles).toBe(b.articles);
          expect(a.hits.map((h) => [h.id, h.score])).toEqual(b.hits.map((h) => [h.id, h.score]));
          expect(a.hits.map((h) => new Set(h.duplicates!.map((d) => d.id)))).toEqual(b.hits.map((h) => new Set(h.duplicates!.map((d) => d.id))));
        }
      }
    }
  });

  it('facet counts are article counts, with collapse on and off', () => {
    const { matched } = expected('');
    for (const collapse of [true, false]) {
      const r = index.search('', { collapse, facets: ['source'], facetSize: 1000, size: 1 });
      const counts = new Map<string, number>();
      for (const d of matched) if (d.source) counts.set(d.source, (counts.get(d.source) ?? 0) + 1);
      expect(new Map(r.facets.source!.map((v) => [v.value, v.count]))).toEqual(counts);
    }
  });

  it('a source filter finds a repost by its own source, its original listed only if it passes too', () => {
    const repost = docs.find((d) => d.id.includes('-repost-') && docs.some((o) => o.id === d.duplicateOf))!;
    const r = index.search('', { filters: { source: [repost.source!] }, size: 1000 });
    const { matched, stories } = expected('', { source: [repost.source!] });
    expect(r.articles).toBe(matched.length);
    expect(r.total).toBe(stories.size);
    const listed = r.hits.flatMap((h) => [h.id, ...h.duplicates!.map((d) => d.id)]);
    expect(listed).toContain(repost.id);
    expect(listed).not.toContain(repost.duplicateOf);
  });

  it('get() returns duplicateOf as stored', () => {
    const embedded = docs.find((d) => d.id.endsWith('-embedded'))!;
    expect(index.get(embedded.id)?.duplicateOf).toBe(embedded.duplicateOf);
  });
});

describe('story column of older segments', () => {
  it('a segment without the story column reads as having no copies', () => {
    const writer = new ColumnsWriter();
    writer.add(1, { source: ['a'], region: [], library: [], story: ['x'] });
    writer.add(2, { source: [], region: [], library: [], story: [] });
    const sections = new Map(writer.sections().map((s) => [s.name, new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength)]));
    const current = new Columns(sections, 'now.seg');
    expect([...current.keyword.story.offsets]).toEqual([0, 1, 1]);
    expect(current.keyword.story.dict.get(0)).toBe('x');
    for (const name of [...sections.keys()]) if (name.startsWith('col.story.')) sections.delete(name);
    const older = new Columns(sections, 'old.seg');
    expect([...older.keyword.story.offsets]).toEqual([0, 0, 0]);
    expect(older.keyword.story.dict.size).toBe(0);
    expect(older.keyword.source.dict.get(0)).toBe('a');
  });
});

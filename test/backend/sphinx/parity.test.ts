/**
 * The cluster answers as the embedded engine does (issue 16, acceptance 1 and 2): the bundled
 * corpus (the seed pages among it) plus 3,000 xwlb items, indexed by the same CLI ingestion into
 * an embedded index and into a 3-shard cluster (and a 1-shard one). For 200 random AND queries of
 * 1-3 words: equal totals and top-10 overlap; with filters and facets: equal counts; the hits'
 * highlights mark the same words; phrase totals equal brute force on random substrings; the
 * same query on 1 and 3 shards gives the same top 10 (global statistics).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analyzer, queryChars } from '../../../src/analysis/analyzer.js';
import { fieldTexts } from '../../../src/index/schema.js';
import { ClusterSearcher, SearchIndex, type SearchOptions, type SearchResult } from '../../../src/index.js';
import { HAS_SHARED, random, xwlbSample } from '../../helpers.js';
import { cleanUpClusters, clusterTempDir, testCluster } from './fixture.js';

let embedded: SearchIndex;
let three: ClusterSearcher;
let one: ClusterSearcher;
const docs: Array<{ id: string; chars: string[] }> = [];
const queries: string[] = [];

function index(args: string[]): void {
  const r = spawnSync(process.execPath, ['bin/zhsearch.js', 'index', ...args, '--quiet'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

beforeAll(async () => {
  const work = clusterTempDir('zhsearch-parity-');
  const sample = join(work, 'xwlb-3000.jsonl');
  writeFileSync(sample, xwlbSample(3000, 7).map((d) => JSON.stringify(d)).join('\n') + '\n');
  index(['corpus', sample, '--index-dir', join(work, 'embedded')]);
  const c3 = await testCluster({ shards: 3 });
  const c1 = await testCluster({ shards: 1 });
  index(['corpus', sample, '--backend', c3.dir]);
  index(['corpus', sample, '--backend', c1.dir]);
  embedded = SearchIndex.open(join(work, 'embedded'));
  three = await ClusterSearcher.open(c3.dir);
  one = await ClusterSearcher.open(c1.dir);
  // Queries: 1-3 consecutive words of a random document's content.
  const analyzer = new Analyzer();
  const rnd = random(2024);
  const all = [...embedded.documents()];
  for (const d of all) docs.push({ id: d.id, chars: Object.values(fieldTexts(d)).map((t) => queryChars(t).join('')) });
  while (queries.length < 200) {
    const d = all[Math.floor(rnd() * all.length)];
    const words = analyzer.queryWords(d.content.slice(0, 400)).filter((w) => w.length >= 2 && !analyzer.isStopWord(w));
    if (words.length < 3) continue;
    const k = 1 + Math.floor(rnd() * 3);
    const at = Math.floor(rnd() * (words.length - k));
    queries.push(words.slice(at, at + k).join(' '));
  }
}, 300_000);

afterAll(async () => {
  await three?.close();
  await one?.close();
  await embedded?.close();
  await cleanUpClusters();
});

const ids = (r: SearchResult) => r.hits.map((h) => h.id);
const overlap = (a: SearchResult, b: SearchResult) => (a.hits.length ? ids(a).filter((x) => ids(b).includes(x)).length / a.hits.length : 1);

describe.runIf(HAS_SHARED)('the cluster answers as the embedded engine', () => {
  it('200 random AND queries of 1-3 words: equal totals, top-10 overlap at least 0.9', async () => {
    const overlaps: number[] = [];
    for (const q of queries) {
      const o: SearchOptions = { op: 'and', size: 10 };
      const a = embedded.search(q, o);
      const b = await three.search(q, o);
      expect([b.total, b.articles], q).toEqual([a.total, a.articles]);
      overlaps.push(overlap(a, b));
    }
    const mean = overlaps.reduce((s, x) => s + x, 0) / overlaps.length;
    console.log(`top-10 overlap over ${overlaps.length} queries: mean ${mean.toFixed(3)}, min ${Math.min(...overlaps).toFixed(2)}, below 0.9: ${overlaps.filter((x) => x < 0.9).length}`);
    expect(mean).toBeGreaterThanOrEqual(0.9);
  }, 300_000);

  it('facet counts and filters are equal', async () => {
    const options: SearchOptions[] = [
      { op: 'and', facets: ['province', 'city', 'county', 'year', 'month', 'source', 'library', 'region'], facetSize: 50 },
      { op: 'or', filters: { from: '2018', to: '2021-06' }, facets: ['year', 'month', 'province'], facetSize: 50 },
      { op: 'and', filters: { province: '北京' }, facets: ['province', 'city', 'source'], facetSize: 50 },
      // The region tree under a chosen province (its prefectures and counties), short lists.
      { op: 'or', filters: { province: '江苏' }, facets: ['region', 'city'], facetSize: 5 },
      { op: 'and', filters: { undated: 'exclude', source: ['新闻联播'] }, facets: ['source', 'year'], facetSize: 50 },
    ];
    for (const q of queries.slice(0, 40)) {
      for (const o of options) {
        const a = embedded.search(q, o);
        const b = await three.search(q, o);
        expect([b.total, b.articles], `${q} ${JSON.stringify(o)}`).toEqual([a.total, a.articles]);
        // The region tree as a whole: order, levels, codes, children and their totals.
        if (o.facets?.includes('region')) expect(b.facets.region, `${q} region`).toEqual(a.facets.region);
        for (const f of o.facets ?? []) {
          const norm = (list: SearchResult['facets'][typeof f]) => (list ?? []).map((v) => `${v.value}:${v.count}`).sort();
          expect(norm(b.facets[f]), `${q} ${f}`).toEqual(norm(a.facets[f]));
        }
      }
    }
  }, 300_000);

  it('hits highlight the same words', async () => {
    for (const q of queries.slice(0, 50)) {
      const a = embedded.search(q, { op: 'and' });
      const b = await three.search(q, { op: 'and' });
      const marked = new Map(a.hits.map((h) => [h.id, h]));
      for (const h of b.hits) {
        const e = marked.get(h.id);
        if (!e) continue;
        expect(h.titleHtml, q).toBe(e.titleHtml);
        expect(h.snippetHtml, q).toBe(e.snippetHtml);
      }
    }
  }, 120_000);

  it('deep pages (past the first 2,000 hits) are served, as the embedded engine pages them', async () => {
    const options: SearchOptions = { sort: 'date_desc', size: 100, page: 25, collapse: false, facets: [] };
    const a = embedded.search('', options);
    const b = await three.search('', options);
    expect(a.total).toBeGreaterThan(2500);
    expect(b.total).toBe(a.total);
    expect(ids(b)).toEqual(ids(a));
    expect(b.hits.length).toBe(100);
  }, 60_000);

  it('phrase totals equal brute force on random substrings', async () => {
    const rnd = random(99);
    for (let i = 0; i < 100; i++) {
      const d = docs[Math.floor(rnd() * docs.length)];
      const text = d.chars[1] || d.chars[0];
      const cps = [...text];
      if (cps.length < 8) continue;
      const len = 2 + Math.floor(rnd() * 5);
      const at = Math.floor(rnd() * (cps.length - len));
      const needle = cps.slice(at, at + len).join('');
      const expected = docs.filter((x) => x.chars.some((t) => t.includes(needle))).length;
      const r = await three.search(`"${needle}"`, { literal: true, collapse: false, size: 1 });
      expect(r.total, needle).toBe(expected);
    }
  }, 120_000);

  it('scores do not depend on sharding: 1 shard and 3 shards give the same top 10', async () => {
    for (const q of queries.slice(0, 60)) {
      const a = await one.search(q, { op: 'and' });
      const b = await three.search(q, { op: 'and' });
      expect(ids(b), q).toEqual(ids(a));
      expect(b.hits.map((h) => h.score.toFixed(9)), q).toEqual(a.hits.map((h) => h.score.toFixed(9)));
    }
  }, 120_000);
});

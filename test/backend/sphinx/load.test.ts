/**
 * Loading into the cluster (src/backend/sphinx/load.ts, `zhsearch index --backend`): the bundled
 * corpus and a file of awkward tokens go through the same ingestion as the embedded index, land
 * on the shards their id hashes to, and every string that occurs in a document finds it: for
 * random substrings of the stored documents, Sphinx's phrase-of-bigrams count equals a brute-force
 * count over the same documents (the no-miss guarantee). Loading a document again replaces it; a
 * repost of a document of an earlier load is grouped with it.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analyzer } from '../../../src/analysis/analyzer.js';
import { queryChars } from '../../../src/analysis/analyzer.js';
import { MatchText } from '../../../src/backend/sphinx/match.js';
import { hash63 } from '../../../src/backend/sphinx/hash.js';
import { shardOf } from '../../../src/backend/sphinx/rows.js';
import { connect } from '../../../src/backend/sphinx/searchd.js';
import { fieldTexts } from '../../../src/index/schema.js';
import { loadDocuments, type ClusterDescription, type DocumentInput } from '../../../src/index.js';
import { random } from '../../helpers.js';
import { cleanUpClusters, clusterTempDir, testCluster } from './fixture.js';

let dir: string;
let cluster: ClusterDescription;
let front: Connection;

const ODD: DocumentInput[] = [
  { id: 'odd-1', title: 'GB/T 7714-2015 著录规则', content: '参考文献著录规则 GB/T 7714-2015，于 2015-05-15 发布。C++ 与 a|b、x*y、"引号"。', tags: ['标准', 'GB/T'] },
  { id: 'odd-2', title: '3.5亿元投入图书馆', content: '全市投入3.5亿元建设 24 小时城市书房（e-book 借阅）。𠀀字测试。', date: '2024-03-01', source: '测试报' },
];

async function docsOfCluster(): Promise<DocumentInput[]> {
  const [rows] = (await front.query('SELECT doc FROM dist WHERE deleted = 0 LIMIT 10000 OPTION max_matches = 10000')) as unknown as [Array<{ doc: string }>];
  return rows.map((r) => JSON.parse(r.doc) as DocumentInput);
}

async function count(chars: string[]): Promise<number> {
  const [sets] = (await front.query(`SELECT id FROM dist WHERE MATCH(${front.escape(new MatchText().anyField(['title', 'content', 'tags'], chars))}) AND deleted = 0 LIMIT 1; SHOW META`)) as unknown as [[unknown[], Array<{ Variable_name: string; Value: string }>]];
  return Number(sets[1].find((r) => r.Variable_name === 'total_found')!.Value);
}

beforeAll(async () => {
  ({ dir, cluster } = await testCluster({ shards: 3 }));
  const odd = join(clusterTempDir('zhsearch-odd-'), 'odd.jsonl');
  writeFileSync(odd, ODD.map((d) => JSON.stringify(d)).join('\n') + '\n');
  const r = spawnSync(process.execPath, ['bin/zhsearch.js', 'index', 'corpus', odd, '--backend', dir, '--quiet'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/indexed 46 documents .* rejected 0/);
  front = await connect(cluster.front.host, cluster.front.port);
}, 120_000);

afterAll(async () => {
  await front?.end();
  await cleanUpClusters();
});

describe('loading into the cluster', () => {
  it('puts every document on the shard its id hashes to', async () => {
    const docs = await docsOfCluster();
    expect(docs.length).toBe(46);
    for (const node of cluster.shards) {
      const c = await connect(node.host, node.port);
      const [rows] = (await c.query('SELECT xid FROM shard WHERE deleted = 0 LIMIT 1000')) as unknown as [Array<{ xid: string }>];
      await c.end();
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(shardOf(r.xid, 3)).toBe(node.shard);
    }
  });

  it('finds every substring of every document (phrase totals equal brute force)', async () => {
    const analyzer = new Analyzer();
    const docs = await docsOfCluster();
    const texts = docs.map((d) => Object.values(fieldTexts(d)).map((t) => analyzer.analyzeField(t).chars.map((c) => String.fromCodePoint(c)).join('')));
    const rnd = random(16);
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const fields = texts[Math.floor(rnd() * texts.length)];
      const text = fields[1] || fields[0];
      const cps = [...text];
      if (!cps.length) continue;
      const len = 1 + Math.floor(rnd() * 6);
      const at = Math.floor(rnd() * Math.max(1, cps.length - len));
      const needle = cps.slice(at, at + len).join('');
      const chars = queryChars(needle);
      const expected = texts.filter((fs) => fs.some((t) => t.includes(chars.join('')))).length;
      expect(await count(chars), needle).toBe(expected);
      checked++;
    }
    expect(checked).toBeGreaterThan(250);
    // Awkward tokens: operators of Sphinx's query syntax, codes, dates, a character beyond the BMP.
    for (const [needle, n] of [['GB/T', 1], ['7714-2015', 1], ['C++', 1], ['a|b', 1], ['x*y', 1], ['"引号"', 1], ['3.5亿元', 1], ['e-book', 1], ['𠀀字', 1], ['2015-05-15', 1]] as const) {
      expect(await count(queryChars(needle)), needle).toBe(n);
    }
  });

  /** Distinct BM25A weights of the documents matching a common character (a constant when field lengths are lost). */
  async function bm25aWeights(): Promise<number> {
    const [rows] = (await front.query("SELECT id, WEIGHT() AS w FROM dist WHERE MATCH('cu_馆') LIMIT 100 OPTION ranker=expr('bm25a(1.2, 0.75)*10000'), idf='plain,tfidf_unnormalized'")) as unknown as [Array<{ w: number }>];
    return new Set(rows.map((r) => r.w)).size;
  }

  it('keeps the field lengths BM25A needs (a first load takes the batch as main; a merge into an empty index loses them)', async () => {
    expect(await bm25aWeights()).toBeGreaterThan(5);
  });

  it('a later load groups a repost of an earlier load\'s document with it (the detector learns the cluster first)', async () => {
    const original = (await docsOfCluster()).find((d) => d.id.startsWith('rec-') && (d.content ?? '').length > 200 && !d.duplicateOf)!;
    const file = join(clusterTempDir('zhsearch-repost-'), 'repost.jsonl');
    writeFileSync(file, JSON.stringify({ id: 'repost-1', title: original.title, content: original.content, date: '2026-11-30', source: '转载网' }) + '\n');
    const r = spawnSync(process.execPath, ['bin/zhsearch.js', 'index', file, '--backend', dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/duplicate detection: read 4\d loaded documents/);
    const repost = (await docsOfCluster()).find((d) => d.id === 'repost-1')!;
    expect(repost.duplicateOf).toBe(original.id);
    // Marked deleted again so that the counts of the next test hold.
    const c = cluster.shards.find((n) => n.shard === shardOf('repost-1', 3))!;
    const conn = await connect(c.host, c.port);
    await conn.query(`UPDATE main SET deleted = 1 WHERE id = ${hash63('repost-1')}`);
    // Written to the attribute files, which the next load's merge reads.
    await conn.query('FLUSH ATTRIBUTES');
    await conn.end();
  }, 60_000);

  it('loading a document again replaces it', async () => {
    const before = await count(queryChars('著录规则'));
    await loadDocuments(dir, [{ ...ODD[0], title: '新版著录标准', content: '替换后的正文，没有旧的说法。' }]);
    expect(await count(queryChars('替换后的正文'))).toBe(1);
    expect(await count(queryChars('著录规则'))).toBe(before - 1);
    expect((await docsOfCluster()).length).toBe(46);
    // After a merge too.
    expect(await bm25aWeights()).toBeGreaterThan(5);
  }, 60_000);
});

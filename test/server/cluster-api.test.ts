/**
 * The HTTP API over a Sphinx cluster (`zhsearch serve --backend`, issue 16): the same search
 * answers as the embedded index on the same documents, written documents are searchable at once
 * and survive a kill -9 of their shard (its binlog is replayed when it starts again), and a dead
 * shard gives a 200 with `partial: true` within the timeout, which the page (in Chromium) shows. Real searchd processes, the real
 * server on a loopback port.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex, type ClusterDescription } from '../../src/index.js';
import { shardOf } from '../../src/backend/sphinx/rows.js';
import { isSearchd, startSearchd, waitForSearchd } from '../../src/backend/sphinx/searchd.js';
import { sha256 } from '../../src/server/auth.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { cleanUpClusters, clusterTempDir, testCluster } from '../backend/sphinx/fixture.js';
import { hasChromium, launchChromium } from './chromium.js';

const ADMIN_KEY = 'cluster-admin-key-0123456789';
let dir: string;
let cluster: ClusterDescription;
let server: RunningServer;
let embedded: SearchIndex;

const get = async (path: string, params: Record<string, string> = {}) => {
  const url = new URL(path, server.url);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const write = (method: 'PUT' | 'DELETE', id: string, doc?: object) =>
  fetch(new URL(`/api/documents/${encodeURIComponent(id)}`, server.url), {
    method,
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(doc ? { 'Content-Type': 'application/json' } : {}) },
    body: doc ? JSON.stringify(doc) : undefined,
  });

/** Kills (SIGKILL) the node of shard `shard` and starts it again on its data. */
async function killAndRestart(shard: number): Promise<void> {
  const node = cluster.shards.find((n) => n.shard === shard)!;
  process.kill(node.pid!, 'SIGKILL');
  while (isSearchd(node.pid, node.config)) await new Promise((r) => setTimeout(r, 20));
  node.pid = startSearchd(node.config, node.log);
  await waitForSearchd(node.pid, node.config, node.host, node.port, node.log);
  // The front answers without the node until it has reconnected to it (a partial answer, said so).
  for (let i = 0; i < 100 && (await get('/api/search', { q: '图书馆' })).body.partial; i++) await new Promise((r) => setTimeout(r, 50));
}

beforeAll(async () => {
  ({ dir, cluster } = await testCluster({ shards: 3, queryTimeoutMs: 800 }));
  const work = clusterTempDir('zhsearch-cluster-api-');
  for (const args of [['--backend', dir], ['--index-dir', join(work, 'embedded')]]) {
    const r = spawnSync(process.execPath, ['bin/zhsearch.js', 'index', 'corpus', ...args, '--quiet'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }
  embedded = SearchIndex.open(join(work, 'embedded'));
  server = await startServer({ indexDir: join(work, 'unused'), backend: dir, port: 0, log: () => {}, keys: { admin: sha256(ADMIN_KEY), search: [] } });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await embedded?.close();
  await cleanUpClusters();
});

describe('the API over a cluster', () => {
  it('suggests words and titles, and finds similar articles, as the embedded index does', async () => {
    for (const q of ['图书', 'tsg', '金陵', '阅读推']) {
      const { status, body } = await get('/api/suggest', { q });
      expect(status, q).toBe(200);
      const e = embedded.suggest(q);
      // Titles: the same ones (same-day ties may come in another order).
      const titles = (list: Array<{ id: string; title: string }>) => list.map((t) => `${t.id} ${t.title}`).sort();
      expect(titles(body.titles), q).toEqual(titles(e.titles));
      // Words: each count is what searching the word finds; most of the embedded index's words
      // (candidates are ranked by one field's count on the cluster, by all fields' embedded).
      for (const w of body.words as Array<{ text: string; count: number }>) expect(w.count, `${q} ${w.text}`).toBe(embedded.search(w.text, { size: 1 }).total);
      const mine = new Set(body.words.map((w: { text: string }) => w.text));
      expect(e.words.filter((w) => mine.has(w.text)).length, q).toBeGreaterThanOrEqual(Math.ceil(e.words.length / 2));
    }
    const ids = embedded.search('图书馆', { size: 5 }).hits.map((h) => h.id);
    for (const id of ids) {
      const { status, body } = await get(`/api/docs/${encodeURIComponent(id)}/similar`, { size: '5' });
      expect(status, id).toBe(200);
      const e = embedded.similar(id, { size: 5 })!;
      expect(body.terms, id).toEqual(e.terms);
      expect(body.hits.map((h: { id: string }) => h.id), id).toEqual(e.hits.map((h) => h.id));
      expect(body.hits.map((h: { id: string }) => h.id)).not.toContain(id);
    }
    expect((await get('/api/docs/no-such-document/similar')).status).toBe(404);
  }, 60_000);

  it('answers searches as the embedded index does, saying every shard answered', async () => {
    for (const q of ['图书馆', '阅读 推广', 'jinlingtushuguan', '"公共图书馆"']) {
      const { status, body } = await get('/api/search', { q, facets: 'province,year' });
      expect(status).toBe(200);
      const e = embedded.search(q, { facets: ['province', 'year'] });
      expect([body.total, body.articles], q).toEqual([e.total, e.articles]);
      expect(body.hits.map((h: { id: string }) => h.id), q).toEqual(e.hits.map((h) => h.id));
      expect(body.facets, q).toEqual(e.facets);
      expect(body.partial).toBe(false);
      expect(body.shards).toEqual({ total: 3, failed: 0 });
    }
    expect((await get('/api/search', { q: '图书馆', province: 'nowhere' })).status).toBe(400);
    // The export and the feed page through cluster searches.
    const exported = await fetch(new URL(`/api/export?q=${encodeURIComponent('图书馆')}&format=jsonl`, server.url));
    expect(exported.status).toBe(200);
    const lines = (await exported.text()).trim().split('\n');
    expect(lines.length).toBe(embedded.search('图书馆').total);
    expect(new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id)).size).toBe(lines.length);
    const feed = await fetch(new URL(`/api/feed.atom?q=${encodeURIComponent('图书馆')}`, server.url));
    expect(feed.status).toBe(200);
    expect((await feed.text()).match(/<entry>/g)?.length).toBeGreaterThan(0);
    const doc = await get('/api/docs/rec-008', { q: '图书馆' });
    expect(doc.status).toBe(200);
    expect(doc.body.titleHtml).toContain('<mark>图书馆</mark>');
  });

  it('written documents are searchable at once and survive a kill -9 of their shard', async () => {
    const res = await write('PUT', 'cluster-new-1', { title: '星海图书馆试运行', content: '星海图书馆今日起开放琥珀蓝鲸阅览区，市民可凭身份证入馆。', date: '2026-11-30' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('visible');
    const found = async (q: string) => (await get('/api/search', { q, op: 'and', collapse: 'false' })).body.hits.map((h: { id: string }) => h.id) as string[];
    expect(await found('"星海图书馆"')).toEqual(['cluster-new-1']);
    // Rewritten: the new text replaces the old.
    expect((await write('PUT', 'cluster-new-1', { title: '星海图书馆正式开放', content: '正式开放。' })).status).toBe(200);
    expect(await found('"琥珀蓝鲸"')).toEqual([]);
    // A document of the bundled corpus deleted.
    expect((await write('DELETE', 'rec-008')).status).toBe(200);
    expect(await found('"辽宁省图书馆智慧服务平台"')).toEqual([]);
    await killAndRestart(shardOf('cluster-new-1', 3));
    await killAndRestart(shardOf('rec-008', 3));
    expect(await found('"星海图书馆正式开放"')).toEqual(['cluster-new-1']);
    expect(await found('"琥珀蓝鲸"')).toEqual([]);
    expect(await found('"辽宁省图书馆智慧服务平台"')).toEqual([]);
    expect((await get('/api/docs/cluster-new-1')).body.title).toBe('星海图书馆正式开放');
  }, 60_000);

  it('a written repost of a loaded document is grouped with it (duplicate detection learns the cluster)', async () => {
    const original = embedded.search('金陵图书馆', { size: 1 }).hits[0].id;
    const stored = (await get(`/api/docs/${encodeURIComponent(original)}`)).body;
    const before = (await get('/api/search', { q: '金陵图书馆' })).body;
    const res = await write('PUT', 'cluster-repost-1', { title: stored.title, content: stored.content, date: '2026-11-30', source: '转载网' });
    expect(res.status).toBe(200);
    const after = (await get('/api/search', { q: '金陵图书馆' })).body;
    // One more article, the same number of stories: the repost is listed under its original.
    expect(after.articles).toBe(before.articles + 1);
    expect(after.total).toBe(before.total);
    const hit = after.hits.find((h: { id: string }) => h.id === original || h.id === 'cluster-repost-1');
    expect(hit.duplicates.map((d: { id: string }) => d.id)).toContain(hit.id === original ? 'cluster-repost-1' : original);
  }, 60_000);

  it('a dead shard: 200 with partial: true within the timeout', async () => {
    const full = (await get('/api/search', { q: '图书馆', collapse: 'false' })).body.total as number;
    const node = cluster.shards[0];
    process.kill(node.pid!, 'SIGKILL');
    while (isSearchd(node.pid, node.config)) await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    const { status, body } = await get('/api/search', { q: '图书馆', collapse: 'false' });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(status).toBe(200);
    expect(body.partial).toBe(true);
    expect(body.shards).toEqual({ total: 3, failed: 1 });
    expect(body.total).toBeLessThan(full);
    expect(body.hits.length).toBeGreaterThan(0);
    // The page says so.
    if (hasChromium) {
      const browser = await launchChromium();
      try {
        await browser.page.goto(`${server.url}/?q=${encodeURIComponent('图书馆')}`);
        await browser.page.locator('.hit').first().waitFor();
        await expect.poll(() => browser.page.locator('#summary').textContent()).toContain('部分数据分片未响应（1/3）');
      } finally {
        await browser.close();
      }
    }
    node.pid = startSearchd(node.config, node.log);
    await waitForSearchd(node.pid, node.config, node.host, node.port, node.log);
  }, 60_000);
});

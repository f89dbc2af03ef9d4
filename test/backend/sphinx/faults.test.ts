/**
 * A shard down or stuck (issue 16, acceptance 3): the answer still comes, within the front's agent
 * timeout, with the other shards' hits and `partial: true`; a mirror takes over for a dead node
 * (no partial answer); a restarted node serves its documents again. Real searchd processes killed
 * with SIGKILL and stopped with SIGSTOP.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterSearcher, startCluster, stopCluster, type ClusterDescription } from '../../../src/index.js';
import { isSearchd, startSearchd, waitForSearchd } from '../../../src/backend/sphinx/searchd.js';
import { cleanUpClusters, testCluster } from './fixture.js';

function load(dir: string): void {
  const r = spawnSync(process.execPath, ['bin/zhsearch.js', 'index', 'corpus', '--backend', dir, '--quiet'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

afterAll(cleanUpClusters);

describe('a shard down or stuck', () => {
  let dir: string;
  let cluster: ClusterDescription;
  let searcher: ClusterSearcher;
  let full: number;

  beforeAll(async () => {
    ({ dir, cluster } = await testCluster({ shards: 3, queryTimeoutMs: 800 }));
    load(dir);
    searcher = await ClusterSearcher.open(dir);
    full = (await searcher.search('图书馆', { collapse: false })).total;
  }, 120_000);

  afterAll(async () => {
    await searcher?.close();
  });

  it('answers with the other shards and partial: true when one is killed (kill -9)', async () => {
    const victim = cluster.shards[1];
    process.kill(victim.pid!, 'SIGKILL');
    while (isSearchd(victim.pid, victim.config)) await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    const r = await searcher.search('图书馆', { collapse: false });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.partial).toBe(true);
    expect(r.shards).toEqual({ total: 3, failed: 1 });
    expect(r.total).toBeGreaterThan(0);
    expect(r.total).toBeLessThan(full);
    // Restarted, it serves its documents again (its index and binlog are on disk).
    victim.pid = startSearchd(victim.config, victim.log);
    await waitForSearchd(victim.pid, victim.config, victim.host, victim.port, victim.log);
    const again = await searcher.search('图书馆', { collapse: false });
    expect(again.partial).toBe(false);
    expect(again.total).toBe(full);
  }, 60_000);

  it('answers within the timeout when a shard is stuck (SIGSTOP)', async () => {
    const victim = cluster.shards[2];
    process.kill(victim.pid!, 'SIGSTOP');
    try {
      const started = performance.now();
      const r = await searcher.search('图书馆', { collapse: false });
      const took = performance.now() - started;
      expect(took).toBeLessThan(cluster.connectTimeoutMs + cluster.queryTimeoutMs + 1000);
      expect(r.partial).toBe(true);
      expect(r.shards.failed).toBe(1);
      expect(r.total).toBeLessThan(full);
    } finally {
      process.kill(victim.pid!, 'SIGCONT');
    }
    // The front marks a failed agent dead for a while; it comes back.
    let r = await searcher.search('图书馆', { collapse: false });
    for (let i = 0; i < 50 && r.partial; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await searcher.search('图书馆', { collapse: false });
    }
    expect(r.partial).toBe(false);
    expect(r.total).toBe(full);
  }, 60_000);
});

describe('mirrors', () => {
  it('a mirror takes over for a dead node: the answer is complete', async () => {
    const { dir, cluster } = await testCluster({ shards: 2, mirrors: 2 });
    load(dir);
    const searcher = await ClusterSearcher.open(dir);
    try {
      const full = await searcher.search('图书馆', { collapse: false });
      expect(full.total).toBeGreaterThan(0);
      const victim = cluster.shards.find((n) => n.shard === 0 && n.mirror === 0)!;
      process.kill(victim.pid!, 'SIGKILL');
      while (isSearchd(victim.pid, victim.config)) await new Promise((r) => setTimeout(r, 20));
      // Every query after the kill is answered in full (retried on the other mirror until the front's pings find the node dead).
      for (let i = 0; i < 20; i++) {
        const r = await searcher.search('图书馆', { collapse: false });
        expect(r.total, `query ${i}`).toBe(full.total);
      }
    } finally {
      await searcher.close();
    }
  }, 120_000);
});

// Stopping and starting again keeps the documents (their indexes stay on disk).
describe('restart', () => {
  it('a stopped cluster started again serves the same documents', async () => {
    const { dir } = await testCluster({ shards: 2 });
    load(dir);
    let s = await ClusterSearcher.open(dir);
    const before = (await s.search('图书馆', { collapse: false })).total;
    await s.close();
    await stopCluster(dir);
    await startCluster(dir, { shards: 2 });
    s = await ClusterSearcher.open(dir);
    try {
      expect((await s.search('图书馆', { collapse: false })).total).toBe(before);
    } finally {
      await s.close();
    }
  }, 120_000);
});

/**
 * The cluster's processes (src/backend/sphinx/cluster.ts, `zhsearch cluster`): start writes
 * cluster.json and waits until every searchd answers, a second start is refused, stop stops them
 * all (by PID) and keeps the data, a stopped cluster starts again; mirrors are agents of one
 * shard; the global IDF file is byte for byte what `indextool --buildidf` writes; without
 * Sphinx installed the command says how to install it. Real searchd processes on loopback ports.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterStatus, ClusterError, readCluster, startCluster, stopCluster } from '../../../src/index.js';
import { keywordHash, writeGlobalIdf } from '../../../src/backend/sphinx/global-idf.js';
import { cleanUpClusters, clusterTempDir, freeBase } from './fixture.js';

afterAll(cleanUpClusters);

const alive = (pid: number | null) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('searchd');
  } catch {
    return false;
  }
};

describe('zhsearch cluster', () => {
  it('starts n shards and a front, refuses a second start, stops them all and starts them again', async () => {
    const dir = clusterTempDir();
    const basePort = await freeBase(1 + 2 * 2);
    const c = await startCluster(dir, { shards: 2, basePort });
    expect(c.shards.map((n) => [n.shard, n.mirror, n.port, n.apiPort])).toEqual([
      [0, 0, basePort + 1, basePort + 2],
      [1, 0, basePort + 3, basePort + 4],
    ]);
    expect(c.front.port).toBe(basePort);
    const written = readCluster(dir);
    expect(written.front.pid).toBe(c.front.pid);
    for (const n of [written.front, ...written.shards]) expect(alive(n.pid)).toBe(true);
    // The front's config names every shard's API port.
    const front = readFileSync(written.front.config, 'utf8');
    for (const n of written.shards) expect(front).toContain(`127.0.0.1:${n.apiPort}:shard`);

    const status = await clusterStatus(dir);
    expect(status.nodes.map((n) => [n.node, n.answering, n.documents])).toEqual([
      ['front', true, null],
      ['shard 0', true, 0],
      ['shard 1', true, 0],
    ]);
    await expect(startCluster(dir, { shards: 2, basePort })).rejects.toThrow(/already running/);
    await expect(startCluster(dir, { shards: 3, basePort })).rejects.toThrow(ClusterError);

    const pids = [written.front.pid, ...written.shards.map((n) => n.pid)];
    const stopped = await stopCluster(dir);
    expect(stopped.map((s) => s.result)).toEqual(['stopped', 'stopped', 'stopped']);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect((await clusterStatus(dir)).nodes.every((n) => !n.running && !n.answering)).toBe(true);
    // Stopping again finds nothing running.
    expect((await stopCluster(dir)).map((s) => s.result)).toEqual(['not running', 'not running', 'not running']);

    const again = await startCluster(dir, { shards: 2 });
    expect(again.front.port).toBe(basePort);
    expect((await clusterStatus(dir)).nodes.every((n) => n.answering)).toBe(true);
    await stopCluster(dir);
  }, 60_000);

  it('mirrors are the agents of one shard, tried in turn (ha_strategy nodeads)', async () => {
    const dir = clusterTempDir();
    const basePort = await freeBase(1 + 2 * 2);
    const c = await startCluster(dir, { shards: 1, mirrors: 2, basePort });
    expect(c.shards.map((n) => n.dir.slice(dir.length + 1))).toEqual(['shard-0', 'shard-0-mirror-1']);
    const front = readFileSync(c.front.config, 'utf8');
    expect(front).toContain(`agent = 127.0.0.1:${basePort + 2}:shard|127.0.0.1:${basePort + 4}:shard`);
    expect(front).toContain('ha_strategy = nodeads');
    expect((await clusterStatus(dir)).nodes.every((n) => n.answering)).toBe(true);
    await stopCluster(dir);
  }, 60_000);

  it('the global IDF file is what indextool --buildidf writes for the same counts', () => {
    const dir = clusterTempDir('zhsearch-idf-');
    const counts = new Map<string, number>([
      ['图书馆', 3],
      ['很多', 2],
      ['读书节', 1],
      ['今天', 2],
      ['2023-06-21', 1],
      ['gb/t', 4],
      ['𠀀', 1],
    ]);
    writeGlobalIdf(join(dir, 'ours.idf'), 5, counts);
    // indextool's input: a `--dumpdict --stats` dump.
    writeFileSync(join(dir, 'dump.dict'), `total-documents: 5\nkeyword,docs,hits,offset\n${[...counts].map(([k, n]) => `${k},${n},${n},0`).join('\n')}\n`);
    const r = spawnSync('indextool', ['--buildidf', join(dir, 'dump.dict'), '--out', join(dir, 'theirs.idf')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'ours.idf')).equals(readFileSync(join(dir, 'theirs.idf')))).toBe(true);
    expect(keywordHash('图书馆')).toBe(0x091843486daa89b3n);
  });

  it('without Sphinx installed, the command says how to install it', () => {
    const dir = clusterTempDir('zhsearch-nosphinx-');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = spawnSync(process.execPath, ['bin/zhsearch.js', 'cluster', 'start', '--dir', join(dir, 'c'), '--shards', '2'], { encoding: 'utf8', env: { ...process.env, PATH: bin } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/searchd not found.*apt-get install sphinxsearch/);
    expect(existsSync(join(dir, 'c', 'cluster.json'))).toBe(false);
  });

  it('usage errors name the flag', () => {
    const dir = clusterTempDir('zhsearch-usage-');
    const r = spawnSync(process.execPath, ['bin/zhsearch.js', 'cluster', 'start', '--dir', dir], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--shards <n> is required');
    const bad = spawnSync(process.execPath, ['bin/zhsearch.js', 'cluster', 'start', '--dir', join(dir, 'x'), '--shards', 'two'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--shards must be an integer');
  });
});

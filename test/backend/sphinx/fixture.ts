/**
 * Test clusters: real searchd processes on free loopback ports, in temporary directories,
 * stopped and removed after the tests.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startCluster, stopCluster, type ClusterDescription, type StartOptions } from '../../../src/index.js';
import { removeDir, tempDir } from '../../helpers.js';

/** A base port with `count` free consecutive ports from it. */
export async function freeBase(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((res) => {
      const s = createServer();
      s.once('error', () => res(false));
      s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await free(p);
    if (ok) return base;
  }
  throw new Error('no free port range');
}

const dirs: string[] = [];

/** A started cluster in a new temporary directory. */
export async function testCluster(options: Omit<StartOptions, 'basePort'>): Promise<{ dir: string; cluster: ClusterDescription }> {
  const dir = tempDir('zhsearch-cluster-');
  dirs.push(dir);
  const nodes = options.shards * (options.mirrors ?? 1);
  const cluster = await startCluster(dir, { ...options, basePort: await freeBase(1 + 2 * nodes) });
  return { dir, cluster };
}

/** A temporary directory removed (its cluster stopped) by {@link cleanUpClusters}. */
export function clusterTempDir(prefix = 'zhsearch-cluster-'): string {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
}

/** Stops every test cluster and removes the directories (afterAll). */
export async function cleanUpClusters(): Promise<void> {
  for (const d of dirs.splice(0)) {
    if (existsSync(join(d, 'cluster.json'))) await stopCluster(d).catch(() => undefined);
    // A node a test restarted itself is not in cluster.json: any searchd whose config is in the directory.
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a.startsWith(`${d}/`))) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone, or not ours
      }
    }
    removeDir(d);
  }
}

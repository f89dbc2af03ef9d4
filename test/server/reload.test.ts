/**
 * Hot reload of a damaged version (src/server/server.ts, `reload`): a newly committed manifest
 * that names a damaged segment is retried with exponential back-off (not at every interval) and
 * logged once, while the previous version is served; a newer commit is still taken at once.
 *
 * How often the damaged segment is re-read is measured, not mocked: the segment carries 16 MB of
 * garbage after its end, which every attempt to open it reads whole, so the bytes this process
 * read (`rchar` of /proc/self/io) count the attempts.
 */
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SearchIndex, type DocumentInput } from '../../src/index.js';
import { startServer } from '../../src/server/server.js';
import { syntheticDocs } from '../reliability/synthetic.js';
import { removeDir, tempDir } from '../helpers.js';
import { waitFor } from './child.js';
import { getJson } from './fixtures.js';

const GARBAGE = 16 << 20;

async function commit(dir: string, docs: DocumentInput[]): Promise<void> {
  const index = SearchIndex.open(dir, { threads: 0 });
  await index.add(docs);
  await index.commit();
  await index.close();
}

/** Bytes this process has read through read(2)/pread(2) so far. */
function bytesRead(): number {
  return Number(/rchar:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

/** Copies the segment files of the index in `from` into `to`, then its manifest.json (atomically, last). */
function publish(from: string, to: string): void {
  for (const f of readdirSync(from)) if (f.startsWith('seg-') && !existsSync(join(to, f))) cpSync(join(from, f), join(to, f));
  cpSync(join(from, 'manifest.json'), join(to, 'manifest.json.publishing'));
  renameSync(join(to, 'manifest.json.publishing'), join(to, 'manifest.json'));
}

describe.skipIf(process.platform !== 'linux')('hot reload of a damaged version', () => {
  it('backs off exponentially, logs once, serves the old version meanwhile, and takes a newer good version at once', { timeout: 120_000 }, async () => {
    const dir = tempDir('zhsearch-reload-');
    const damaged = tempDir('zhsearch-reload-damaged-');
    const repaired = tempDir('zhsearch-reload-repaired-');
    const log: string[] = [];
    let server: Awaited<ReturnType<typeof startServer>> | null = null;
    try {
      await commit(dir, syntheticDocs(30, 41, 'old', 'old'));
      cpSync(dir, damaged, { recursive: true });
      cpSync(dir, repaired, { recursive: true });
      // Version 2: one more segment, damaged (garbage after its end).
      await commit(damaged, syntheticDocs(10, 42, 'new'));
      const bad = readdirSync(damaged).find((f) => f.endsWith('.seg') && !existsSync(join(dir, f)))!;
      appendFileSync(join(damaged, bad), Buffer.alloc(GARBAGE, 0x5a));
      // Version 3, good, committed later by someone else.
      await commit(repaired, syntheticDocs(5, 43, 'fix'));
      await commit(repaired, syntheticDocs(5, 44, 'fix2'));

      server = await startServer({ indexDir: dir, port: 0, log: (l) => log.push(l), reloadIntervalMs: 20 });
      const before = bytesRead();
      publish(damaged, dir);
      await new Promise((r) => setTimeout(r, 3000));
      const attempts = (bytesRead() - before) / GARBAGE;

      const failures = log.filter((l) => /reload/.test(l) && /fail/.test(l));
      expect(failures, log.slice(0, 5).join('\n')).toHaveLength(1);
      expect(failures[0]).toContain(bad);
      // At every 20 ms interval that would be ~150 attempts in 3 s; doubling from 20 ms, about 8.
      expect(attempts, `${attempts.toFixed(1)} attempts to open the damaged version in 3 s`).toBeLessThan(14);
      expect(server.index.stats().generation).toBe(1);
      expect(server.index.search('"版本old"', { size: 1 }).total).toBe(30);
      const health = await getJson<{ documents: number }>(server.url, '/api/health');
      expect(health.status).toBe(200);
      expect(health.body.documents).toBe(30);

      // A new commit is a new version: tried at once, whatever the back-off of the damaged one.
      publish(repaired, dir);
      const started = Date.now();
      await waitFor(() => server!.index.stats().generation === 3, 1500, 'version 3');
      expect(Date.now() - started).toBeLessThan(1500);
      expect(server.index.documentCount).toBe(40);
      expect(log.filter((l) => /reload/.test(l) && /fail/.test(l))).toHaveLength(1);
      expect(log.some((l) => l.includes('index reloaded: version 3'))).toBe(true);
    } finally {
      await server?.close();
      for (const d of [dir, damaged, repaired]) removeDir(d);
    }
  });
});

/**
 * Hot reload: while another process rebuilds the index in the served directory, the server keeps
 * answering every request from one complete version (old or new, never a mix, never an error),
 * then serves the new documents. And the reader contract underneath: a reader acquired before a
 * reopen keeps answering from its version until released.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex } from '../../src/index.js';
import { removeDir, tempDir } from '../helpers.js';
import { runCli, waitFor } from './child.js';
import { getJson, startTestServer, type TestServer } from './fixtures.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ reloadIntervalMs: 100 });
});
afterAll(async () => {
  await ts?.stop();
});

interface Totals {
  total: number;
  /** Every matching article (total counts stories: copies of a story are one hit). */
  articles: number;
  hits: Array<{ id: string }>;
}

describe('hot reload', () => {
  it('keeps answering while the index is rebuilt by another process, then serves the new documents', async () => {
    const before = (await getJson<Totals>(ts.url, '/api/search', { facets: 'none' })).body.articles;
    const inputs = tempDir('zhsearch-reload-');
    const file = join(inputs, 'new.jsonl');
    const added = Array.from({ length: 25 }, (_, i) => ({
      id: `mars-${i}`,
      title: `火星基地图书馆第${i}号分馆开馆`,
      content: `火星基地图书馆第${i}号分馆今日开馆，馆藏以航天科普读物为主。`,
      date: '2031-01-01',
      source: '星际日报',
    }));
    writeFileSync(file, added.map((d) => JSON.stringify(d)).join('\n') + '\n');

    const seen = new Set<number>();
    const failures: string[] = [];
    let requests = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const [all, q] = await Promise.all([
          getJson<Totals>(ts.url, '/api/search', { facets: 'none', size: '1' }),
          getJson<Totals>(ts.url, '/api/search', { q: '图书馆', facets: 'province,year' }),
        ]);
        requests += 2;
        if (all.status !== 200) failures.push(`status ${all.status}`);
        if (q.status !== 200) failures.push(`status ${q.status}`);
        seen.add(all.body.articles);
      }
    })();

    try {
      const child = runCli(['index', file, '--index-dir', ts.dir, '--quiet']);
      expect(await child.exited, child.stderr()).toBe(0);
      const after = await waitFor(async () => {
        const r = await getJson<Totals>(ts.url, '/api/search', { q: '火星基地', size: '100', facets: 'none' });
        return r.body.total === added.length && r.body;
      }, 20_000, 'the new documents');
      expect(after.hits.map((h) => h.id).sort()).toEqual(added.map((d) => d.id).sort());
      // Keep the load going a little on the new version.
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      stop = true;
      await load;
      removeDir(inputs);
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(10);
    expect([...seen].every((t) => t === before || t === before + added.length), `totals seen: ${[...seen]}`).toBe(true);
    expect(seen.has(before + added.length)).toBe(true);
    expect(ts.log.some((l) => l.includes('index reloaded'))).toBe(true);
    const health = await getJson<{ documents: number }>(ts.url, '/api/health');
    expect(health.body.documents).toBe(before + added.length);
  });
});

describe('index readers', () => {
  it('answer from the version they were acquired on until released, across reopen and merges', async () => {
    const dir = tempDir('zhsearch-reader-');
    try {
      const writer = SearchIndex.open(dir);
      await writer.add({ id: 'a', title: '金陵图书馆', content: '金陵图书馆举办读书节。' });
      await writer.commit();
      const served = SearchIndex.open(dir);
      const old = served.acquire();
      expect(old.search('图书馆').total).toBe(1);

      for (let i = 0; i < 12; i++) {
        await writer.add({ id: `b${i}`, title: `南京图书馆${i}`, content: '南京图书馆开放夜间阅览。' });
        await writer.commit(); // many commits: segments get merged and old files removed
      }
      writer.delete('a');
      await writer.commit();
      expect(served.reopen()).toBe(true);

      const now = served.acquire();
      expect(old.search('图书馆').total).toBe(1);
      expect(old.get('a')?.title).toBe('金陵图书馆');
      expect(old.search('金陵').hits[0].snippetHtml).toContain('<mark>金陵</mark>');
      expect(now.search('图书馆').total).toBe(12);
      expect(now.get('a')).toBeNull();
      expect(now.generation).toBeGreaterThan(old.generation);
      old.release();
      old.release(); // releasing twice is harmless
      expect(now.search('南京').total).toBe(12);
      now.release();
      await served.close();
      await writer.close();
    } finally {
      removeDir(dir);
    }
  });
});

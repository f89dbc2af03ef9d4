/**
 * Every request's cost is bounded (issue 17): a 4,000-character phrase against a 200,000-character
 * repetitive document, through the search API, the article view (`/api/docs/:id?q=`) and
 * `zhsearch search`, answers within the time budget + 0.5 s, while `/api/health` keeps answering
 * in under 200 ms and the server's memory grows by less than 200 MB; the phrase of 1,999 × 中国
 * on xwlb stays within its time and memory budgets.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex } from '../../src/index.js';
import { HAS_SHARED, removeDir, tempDir, xwlbSample } from '../helpers.js';
import { fixtureDocuments } from '../server/fixtures.js';
import { memoryMiB, serve, stop, type Served } from './served.js';

const BUDGET_MS = 2000;
const SLACK_MS = 500;
/** 图书 × 1,999 in quotes: 4,000 characters, the longest query accepted. */
const PHRASE = `"${'图书'.repeat(1999)}"`;

let dir: string;
let server: Served;

beforeAll(async () => {
  dir = tempDir('zhsearch-budget-');
  const index = SearchIndex.open(dir, { threads: 1 });
  await index.add([{ id: 'repetitive', title: '图书图书', content: '图书'.repeat(100_000) }, ...fixtureDocuments()]);
  await index.commit();
  await index.close();
  server = await serve(dir);
});

afterAll(async () => {
  await stop(server);
  if (dir) removeDir(dir);
});

/**
 * GETs `path` while polling /api/health every 20 ms; returns the status and time of the request,
 * the slowest health check, and the server's peak memory growth over its resident memory before.
 */
async function underWatch(path: string): Promise<{ status: number; ms: number; slowestHealthMs: number; growthMiB: number }> {
  const pid = server.child.pid!;
  const before = memoryMiB(pid, 'VmRSS');
  const hwmBefore = memoryMiB(pid, 'VmHWM');
  let done = false;
  let slowestHealthMs = 0;
  const watcher = (async () => {
    while (!done) {
      const started = performance.now();
      const r = await fetch(`${server.url}/api/health`);
      await r.arrayBuffer();
      expect(r.status).toBe(200);
      slowestHealthMs = Math.max(slowestHealthMs, performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await new Promise((r) => setTimeout(r, 50));
  const started = performance.now();
  const res = await fetch(`${server.url}${path}`);
  await res.arrayBuffer();
  const ms = performance.now() - started;
  done = true;
  await watcher;
  // Peak growth: the high-water mark above what was resident before (or above the earlier peak).
  const growthMiB = memoryMiB(pid, 'VmHWM') - Math.max(before, Math.min(hwmBefore, before));
  return { status: res.status, ms, slowestHealthMs, growthMiB };
}

describe('a 4,000-character phrase against a 200,000-character repetitive document', () => {
  it('is answered by the search API within the budget, health stays fast, memory stays flat', async () => {
    const r = await underWatch(`/api/search?${new URLSearchParams({ q: PHRASE, size: '100', snippetLength: '1000' })}`);
    console.log(`search: ${r.status} in ${r.ms.toFixed(0)} ms, slowest health ${r.slowestHealthMs.toFixed(0)} ms, peak memory growth ${r.growthMiB.toFixed(0)} MiB`);
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(r.slowestHealthMs).toBeLessThan(200);
    expect(r.growthMiB).toBeLessThan(200);
  });

  it('finds the document and highlights it', async () => {
    const body = (await (await fetch(`${server.url}/api/search?${new URLSearchParams({ q: PHRASE, facets: 'none' })}`)).json()) as { total: number; hits: Array<{ id: string; snippetHtml: string }> };
    expect(body.total).toBe(1);
    expect(body.hits[0].id).toBe('repetitive');
    expect(body.hits[0].snippetHtml).toContain('<mark>');
  });

  it('is answered by the article view within the budget', async () => {
    const r = await underWatch(`/api/docs/repetitive?${new URLSearchParams({ q: PHRASE })}`);
    console.log(`article view: ${r.status} in ${r.ms.toFixed(0)} ms, slowest health ${r.slowestHealthMs.toFixed(0)} ms, peak memory growth ${r.growthMiB.toFixed(0)} MiB`);
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(r.slowestHealthMs).toBeLessThan(200);
    expect(r.growthMiB).toBeLessThan(200);
  });

  it('is answered by `zhsearch search` within the budget', () => {
    const run = (q: string) => {
      const started = performance.now();
      const r = spawnSync(process.execPath, [join(process.cwd(), 'bin/zhsearch.js'), 'search', q, '--index-dir', dir], { encoding: 'utf8' });
      return { ...r, ms: performance.now() - started };
    };
    // The command's own start (loading jieba and the index) is measured by a cheap query.
    const cheap = run('图书馆');
    const phrase = run(PHRASE);
    console.log(`zhsearch search: ${phrase.ms.toFixed(0)} ms (a one-word search: ${cheap.ms.toFixed(0)} ms)`);
    expect(phrase.status, phrase.stderr).toBe(0);
    expect(phrase.stdout).toMatch(/^1 result\(s\)/);
    expect(phrase.ms - cheap.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
  });

  it('`zhsearch search` stops at its budget with a clear message', () => {
    const r = spawnSync(process.execPath, [join(process.cwd(), 'bin/zhsearch.js'), 'search', PHRASE, '--index-dir', dir, '--timeout-ms', '1'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/time budget of 1 ms.*--timeout-ms/);
  });
});

describe.skipIf(!HAS_SHARED)('the phrase of 1,999 × 中国 on xwlb', () => {
  let xdir: string;
  beforeAll(async () => {
    xdir = tempDir('zhsearch-budget-xwlb-');
    const index = SearchIndex.open(xdir, { threads: 2 });
    await index.add(xwlbSample(10_000, 17));
    await index.commit();
    await index.close();
  }, 300_000);
  afterAll(() => {
    if (xdir) removeDir(xdir);
  });

  it('is answered within its time and memory budgets', async () => {
    const index = SearchIndex.open(xdir);
    index.search('中国');
    for (const word of ['中国', '发展', '的']) {
      const before = process.memoryUsage().rss;
      const started = performance.now();
      // Over the memory budget it would throw SearchMemoryError; over the time budget SearchTimeoutError.
      const r = index.search(`"${word.repeat(Math.floor(3998 / word.length / 2) * (word.length === 1 ? 2 : 1))}"`, { timeoutMs: BUDGET_MS, memoryBytes: 64 * 2 ** 20, size: 100 });
      const ms = performance.now() - started;
      const grewMiB = (process.memoryUsage().rss - before) / 2 ** 20;
      console.log(`"${word} × ${Math.floor(3998 / word.length)}": ${r.total} hits in ${ms.toFixed(0)} ms, memory +${grewMiB.toFixed(0)} MiB`);
      expect(ms).toBeLessThan(BUDGET_MS);
      expect(grewMiB).toBeLessThan(200);
    }
    await index.close();
  });
});

/**
 * A damaged document store: one flipped byte in a `.store` file while the server runs. A result
 * page that includes the damaged document still answers 200 with every other hit; the damaged hit
 * keeps its place, marked `unavailable` with its id and score and no content, and the server log
 * names the file and the document. The document route answers a JSON error saying so (not a
 * generic 500), logged with the file. The search page (in chromium, where installed) shows the
 * damaged hit as a short line and the article view says it cannot be shown.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { errorResponse, searchResponse } from '../../src/server/schemas.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { removeDir, tempDir } from '../helpers.js';
import { buildIndex, getJson, searchJson } from '../server/fixtures.js';

type SearchBody = z.output<typeof searchResponse>;

const VICTIM = 'fx-010';
const PAGE = { q: '读书节', province: '湖北', size: '100', facets: 'none' };

let dir: string;
let server: RunningServer;
const log: string[] = [];
let storeFile: string;
let before: SearchBody;

/** Flips one byte of `id`'s record in whichever `.store` file holds it; returns that file. */
function damage(id: string): string {
  const needle = Buffer.from(`"id":${JSON.stringify(id)}`);
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.store'))) {
    const file = join(dir, name);
    const at = readFileSync(file).indexOf(needle);
    if (at < 0) continue;
    // The file keeps its size: only the record's checksum can tell.
    const fd = openSync(file, 'r+');
    try {
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, at + needle.length + 12);
      byte[0] ^= 0x01;
      writeSync(fd, byte, 0, 1, at + needle.length + 12);
    } finally {
      closeSync(fd);
    }
    return file;
  }
  throw new Error(`${id} is in no .store file`);
}

const search = (params: Record<string, string | string[]>) => searchJson(server.url, params);

beforeAll(async () => {
  dir = tempDir('zhsearch-damaged-store-');
  await buildIndex(dir);
  server = await startServer({ indexDir: dir, port: 0, log: (l) => log.push(l), reloadIntervalMs: 0 });
  before = await search(PAGE);
  expect(before.hits.map((h) => h.id)).toContain(VICTIM);
  storeFile = damage(VICTIM);
});

afterAll(async () => {
  await server?.close();
  if (dir) removeDir(dir);
});

describe('a damaged stored document', () => {
  it('is left out of suggestions, which still answer', async () => {
    const { status, body } = await getJson<{ titles: Array<{ id: string }> }>(server.url, '/api/suggest', { q: '湖北省图书馆举办第1' });
    expect(status).toBe(200);
    expect(body.titles.length).toBeGreaterThan(0);
    expect(body.titles.map((t) => t.id)).not.toContain(VICTIM);
  });

  it('is left out of a result page, its hit kept in place and marked unavailable; the page is a 200', async () => {
    const after = await search(PAGE);
    expect(after.total).toBe(before.total);
    expect(after.hits.map((h) => h.id)).toEqual(before.hits.map((h) => h.id));
    for (const [i, hit] of after.hits.entries()) {
      if (hit.id !== VICTIM) {
        expect(hit).toEqual(before.hits[i]);
        expect(hit.unavailable).toBeUndefined();
        continue;
      }
      expect(hit).toMatchObject({ id: VICTIM, score: before.hits[i].score, unavailable: true, title: '', titleHtml: '', snippetHtml: '', highlights: [], date: null, tags: [], regions: [] });
    }
    // Listing (newest first) and a filtered page that includes it answer too.
    expect((await search({ province: '湖北', size: '100' })).hits.find((h) => h.id === VICTIM)?.unavailable).toBe(true);
    expect((await search({ q: '读书节', size: '100', library: '湖南图书馆', sort: 'date_asc' })).hits.find((h) => h.id === VICTIM)?.unavailable).toBe(true);
  });

  it('is logged with the file and the document', () => {
    const lines = log.filter((l) => l.includes(storeFile) && l.includes(`"${VICTIM}"`));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/checksum mismatch/);
  });

  it('answers its document route with a JSON error naming the document (logged with the file), others stay readable', async () => {
    const logged = log.length;
    const res = await fetch(`${server.url}/api/docs/${VICTIM}?q=${encodeURIComponent('读书节')}`);
    const body = errorResponse.parse(await res.json());
    expect(res.status).toBe(500);
    expect(body.error.code).toBe('document_unavailable');
    expect(body.error.message).toBe(`document "${VICTIM}" cannot be read: its stored copy in the index is damaged`);
    expect(body.error.details).toEqual({ id: VICTIM });
    expect(JSON.stringify(body)).not.toContain(dir); // no server paths to clients
    expect(log.slice(logged).some((l) => l.includes(storeFile) && l.includes(`"${VICTIM}"`))).toBe(true);
    expect(log.slice(logged).some((l) => / error GET /.test(l))).toBe(false); // not logged as an unexpected error with a stack
    expect((await getJson(server.url, '/api/docs/fx-011')).status).toBe(200);
  });
});

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('the search page with a damaged document', () => {
  it('shows the damaged hit as a short line among the others, and its article as unavailable', async () => {
    const profile = tempDir('zhsearch-chromium-');
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'], locale: 'zh-CN' });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // The page of ten that holds the damaged hit.
      const at = before.hits.findIndex((h) => h.id === VICTIM);
      await page.goto(`${server.url}/?${new URLSearchParams({ q: PAGE.q, province: PAGE.province, page: String(Math.floor(at / 10) + 1) })}`);
      await page.locator('.hit-unavailable').waitFor();
      expect(await page.locator('.hit-unavailable').textContent()).toBe('该文章暂时无法显示。');
      expect(await page.locator('.hit').count()).toBe(Math.min(10, before.total - at + (at % 10)));
      expect(await page.locator('.hit').nth(at % 10).getAttribute('class')).toBe('hit hit-unavailable');
      expect(await page.locator('#error').isHidden()).toBe(true);
      await page.goto(`${server.url}/?doc=${VICTIM}`);
      await page.locator('#article-title', { hasText: '无法打开文章' }).waitFor();
      expect(await page.locator('#article-meta').textContent()).toBe('该文章暂时无法显示：服务器上的索引文件已损坏。');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      removeDir(profile);
    }
  });
});

/**
 * The search page in a real browser (playwright-core driving Debian's chromium): type a query,
 * pick a suggestion, click a province facet and a year, page forward, go back, open an article;
 * how the query was read (pinyin, a correction, did you mean, synonyms) and searching it as typed;
 * markup in an article stays text; error and empty states; phone width. Screenshots go to
 * test-results/ (look at them).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, searchJson, startTestServer, type TestServer } from './fixtures.js';
import { hasChromium, launchChromium, SHOTS, type Browser } from './chromium.js';


let ts: TestServer;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];
const pageErrors: string[] = [];
/** The API's answers to the page (path, status), in order; a test empties it where it starts counting. */
const apiResponses: { path: string; status: number }[] = [];

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `server-${name}.png`), fullPage: true });
const param = (name: string) => new URL(page.url()).searchParams.get(name);
const waitForParam = (name: string, value: string | null) => page.waitForURL((u) => new URL(u).searchParams.get(name) === value);
/** Waits until the results list shows the state of the current URL. */
const settled = () => page.waitForFunction(() => !document.body.classList.contains('loading'));

describe.skipIf(!hasChromium)('search page in chromium', () => {
  beforeAll(async () => {
    ts = await startTestServer();
    browser = await launchChromium();
    page = browser.page;
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('response', (r) => {
      const { pathname } = new URL(r.url());
      if (pathname.startsWith('/api/')) apiResponses.push({ path: pathname, status: r.status() });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await ts?.stop();
  });

  it('searches, suggests, filters by facets, pages, goes back and opens an article', async () => {
    apiResponses.length = 0;
    await page.goto(ts.url);
    await page.locator('.hit').first().waitFor();
    await settled();
    // A fresh page: one search brings the hits, the facets and the timeline.
    await page.locator('#timeline:not([hidden]) .tl-bar').first().waitFor();
    await page.locator('[data-facet-group="region"] button.facet-value').first().waitFor();
    expect(apiResponses).toEqual([{ path: '/api/search', status: 200 }]);

    // Type a query and pick a suggestion.
    await page.locator('#q').pressSequentially('读书', { delay: 60 });
    const suggestion = page.locator('.suggestion.word', { has: page.locator('.text', { hasText: /^读书节$/ }) });
    await suggestion.waitFor();
    await shot('01-suggestions');
    await suggestion.click();
    await waitForParam('q', '读书节');
    await settled();
    await expect.poll(() => page.locator('.hit mark').count()).toBeGreaterThan(0);
    expect(await page.locator('#summary').textContent()).toMatch(/“读书节”共 \d+ 条结果/);

    // A province facet, then a year.
    await page.locator('button.facet-value[data-facet="province"][data-value="湖北省"]').click();
    await waitForParam('province', '湖北省');
    await settled();
    await expect.poll(() => page.locator('.chip').allTextContents()).toContainEqual(expect.stringContaining('省份：湖北省'));
    await page.locator('[data-facet-group="region"] .facet-children button.facet-value[data-facet="city"]').first().waitFor();
    expect(await page.locator('button.facet-value[data-facet="province"][data-value="湖南省"]').count()).toBe(1); // multi-select keeps the others
    await page.locator('button.facet-value[data-facet="year"][data-value="2023"]').click();
    await waitForParam('from', '2023');
    expect(param('to')).toBe('2023');
    await settled();
    await page.locator('.facet-month').waitFor();
    const total = Number(/共 (\d+) 条/.exec((await page.locator('#summary').textContent()) ?? '')![1]);
    const api = (await (await fetch(`${ts.url}/api/search?q=${encodeURIComponent('读书节')}&province=${encodeURIComponent('湖北省')}&from=2023&to=2023&facets=none`)).json()) as { total: number };
    expect(total).toBe(api.total);
    expect(total).toBeGreaterThan(10);
    await shot('02-facets');

    // Page forward, then back.
    const firstPage = await page.locator('.hit-title').allTextContents();
    await page.locator('button.page[rel="next"]').click();
    await waitForParam('page', '2');
    await settled();
    await expect.poll(() => page.locator('.page.current').textContent()).toBe('2');
    const secondPage = await page.locator('.hit-title').allTextContents();
    expect(secondPage.some((t) => firstPage.includes(t))).toBe(false);
    await shot('03-page-2');
    await page.goBack();
    await waitForParam('page', null);
    await settled();
    await expect.poll(() => page.locator('.page.current').textContent()).toBe('1');
    expect(await page.locator('.hit-title').allTextContents()).toEqual(firstPage);
    expect(param('province')).toBe('湖北省');

    // Open an article: the query is highlighted in it; back returns to the results.
    await page.locator('.hit-title').first().click();
    await page.locator('#article-view[data-doc]:not([hidden])').waitFor();
    await expect.poll(() => page.locator('#article-content mark').count()).toBeGreaterThan(0);
    expect(param('doc')).toBeTruthy();
    await shot('04-article');
    await page.locator('#back').click();
    await page.locator('#results-view:not([hidden])').waitFor();
    expect(param('doc')).toBeNull();
    expect(param('from')).toBe('2023');

    // Removing a chip removes the filter.
    await page.locator('.chip', { hasText: '省份：湖北省' }).click();
    await waitForParam('province', null);
    await settled();
    // No request of the whole walk was refused.
    expect(apiResponses.filter((r) => r.status >= 400)).toEqual([]);
    expect(apiResponses.length).toBeGreaterThan(5);
  });

  it('says how it read the query, searches it as typed on request, and offers corrections', async () => {
    await page.goto(ts.url);
    await page.locator('.hit').first().waitFor();

    // Pinyin: read as 图书馆, with a link to search the input as typed.
    await page.locator('#q').fill('tushuguan');
    await page.locator('#q').press('Enter');
    await waitForParam('q', 'tushuguan');
    await settled();
    const reading = page.locator('#understanding .reading');
    await expect.poll(() => reading.textContent()).toBe('以下为“图书馆”的结果。仍然搜索：tushuguan');
    expect(await page.locator('#summary').textContent()).toMatch(/^“图书馆”共 \d+ 条(结果|报道)/);
    await expect.poll(() => page.locator('.hit mark').count()).toBeGreaterThan(0);
    expect(await page.locator('.hit mark').first().textContent()).toMatch(/图书馆|圖書館/);
    const asTyped = reading.locator('a.as-typed');
    expect(await asTyped.getAttribute('href')).toBe('/?q=tushuguan&literal=1');
    await shot('10-pinyin');
    await asTyped.click();
    await waitForParam('literal', '1');
    await settled();
    expect(param('q')).toBe('tushuguan');
    await page.locator('#empty:not([hidden])').waitFor();
    expect(await page.locator('#understanding').isHidden()).toBe(true);
    expect(await page.locator('#summary').textContent()).toMatch(/^“tushuguan”共 0 条结果/);
    // Literal stays in the state (a reload, a shared link) until a new query is typed.
    await page.reload();
    await page.locator('#empty:not([hidden])').waitFor();
    expect(await page.locator('#understanding').isHidden()).toBe(true);
    await page.locator('#q').fill('tushuguan');
    await page.locator('#q').press('Enter');
    await waitForParam('literal', null);
    await settled();
    await expect.poll(() => reading.textContent()).toContain('以下为“图书馆”的结果');

    // A typo no article has: the corrected results, and the typed query one click away.
    await page.goto(`${ts.url}/?q=${encodeURIComponent('金陵图书管')}`);
    await page.locator('.hit').first().waitFor();
    await expect.poll(() => reading.textContent()).toBe('已显示“金陵图书馆”的结果。仍然搜索：金陵图书管');
    expect(await reading.locator('a.as-typed').getAttribute('href')).toBe(`/?${new URLSearchParams({ q: '金陵图书管', literal: '1' })}`);
    await shot('11-corrected');
    // The article highlights what was searched (the corrected query).
    await page.locator('.hit-title', { hasText: '金陵图书馆' }).first().click();
    await page.locator('#article-view[data-doc]:not([hidden])').waitFor();
    expect(param('q')).toBe('金陵图书馆');
    await expect.poll(() => page.locator('#article-title mark').allTextContents()).toEqual(['金陵图书馆']);
    await page.locator('#back').click();
    await page.locator('#results-view:not([hidden])').waitFor();
    await reading.locator('a.as-typed').click();
    await waitForParam('literal', '1');
    await settled();
    expect(param('q')).toBe('金陵图书管');
    expect(await page.locator('#understanding').isHidden()).toBe(true);

    // A rarer form that some article has: searched as typed, the correction offered.
    await page.goto(`${ts.url}/?q=${encodeURIComponent('图书管')}`);
    const offer = page.locator('#understanding .did-you-mean');
    await offer.waitFor();
    expect(await offer.textContent()).toBe('您是不是要找：图书馆');
    expect(await page.locator('#understanding .reading').count()).toBe(0);
    await offer.locator('a').click();
    await waitForParam('q', '图书馆');
    await settled();
    expect(await page.locator('#understanding').isHidden()).toBe(true);

    // Synonyms: a discreet line.
    await page.goto(`${ts.url}/?q=${encodeURIComponent('国图')}`);
    const synonyms = page.locator('#understanding .synonyms');
    await synonyms.waitFor();
    expect(await synonyms.textContent()).toMatch(/^同时搜索了：.*国家图书馆.*（国图）$/);
    await shot('12-synonyms');
  });

  it('shows an article with its paragraphs, the query marked in them', async () => {
    // A corpus article of several paragraphs that mentions the query.
    const hits = (await searchJson(ts.url, { q: '图书馆', size: '50', facets: 'none' })).hits;
    let chosen: { id: string; paragraphs: number } | undefined;
    for (const h of hits) {
      const doc = (await getJson<{ content: string }>(ts.url, `/api/docs/${encodeURIComponent(h.id)}`)).body;
      const paragraphs = doc.content.split('\n').filter((line) => line.trim() !== '').length;
      if (paragraphs >= 3) {
        chosen = { id: h.id, paragraphs };
        break;
      }
    }
    expect(chosen, 'a corpus article with three paragraphs or more').toBeDefined();
    await page.goto(`${ts.url}/?${new URLSearchParams({ q: '图书馆', doc: chosen!.id })}`);
    await page.locator('#article-view[data-doc]:not([hidden])').waitFor();
    await expect.poll(() => page.locator('#article-content > p').count()).toBe(chosen!.paragraphs);
    expect(await page.locator('#article-content p mark').count()).toBeGreaterThan(0);
    // Each paragraph is its own block: the second starts below the first.
    const [first, second] = await Promise.all([0, 1].map((i) => page.locator('#article-content > p').nth(i).boundingBox()));
    expect(second!.y).toBeGreaterThan(first!.y + first!.height - 1);
    await shot('10-article-paragraphs');
  });

  it('shows markup from articles as text, never as elements', async () => {
    await page.goto(`${ts.url}/?q=${encodeURIComponent('图书馆公告')}`);
    const hit = page.locator('.hit', { hasText: '图书馆公告' }).first();
    await hit.waitFor();
    expect(await page.locator('#results script, #results img, #results b, #results a[href^="javascript"]').count()).toBe(0);
    expect(await hit.locator('.hit-title').textContent()).toContain('<script>alert("t")</script>');
    await hit.locator('.hit-title').click();
    await page.locator('#article-view[data-doc="xss-01"]').waitFor();
    expect(await page.locator('#article-view img, #article-view script, #article-view b').count()).toBe(0);
    expect(await page.locator('#article-content').textContent()).toContain('<img src=x onerror=alert(1)>');
    expect(await page.locator('#article-meta').textContent()).toContain('<i>来源</i>');
    await shot('05-escaped-markup');
    expect(dialogs).toEqual([]);
  });

  it('says which words it left out when no article has them all', async () => {
    await page.goto(`${ts.url}/?q=${encodeURIComponent('读书节的qzxjvkw')}`);
    await page.locator('.hit').first().waitFor();
    expect(await page.locator('#summary').textContent()).toContain('未找到同时包含全部词语的结果，已忽略：的、qzxjvkw');
  });

  it('shows an error message and an empty state', async () => {
    await page.goto(`${ts.url}/?from=2023-13`);
    await page.locator('#error:not([hidden])').waitFor();
    expect(await page.locator('#error').textContent()).toBe('起始日期不是有效日期。');
    await shot('06-error');
    await page.goto(`${ts.url}/?q=qzxjvkw`);
    await page.locator('#empty:not([hidden])').waitFor();
    expect(await page.locator('#empty').textContent()).toContain('没有找到');
    await shot('07-empty');
  });

  it('is usable at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${ts.url}/?q=${encodeURIComponent('读书节')}&province=${encodeURIComponent('湖北省')}`);
    await page.locator('.hit').first().waitFor();
    expect(await page.locator('#facets-box').getAttribute('open')).toBeNull();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('08-phone');
    await page.locator('#facets-box > summary').click();
    await page.locator('button.facet-value[data-facet="year"]').first().waitFor();
    await shot('09-phone-facets');
    expect(pageErrors).toEqual([]);
  });
});

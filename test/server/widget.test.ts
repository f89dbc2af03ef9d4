/**
 * The embeddable widget (/widget.js, <zh-search>) in a real browser (playwright-core driving
 * Debian's chromium), embedded in a CMS-like page served by a second local origin
 * (http://localhost:<p2>) while the API runs on http://127.0.0.1:<p1>: suggestions (ARIA combobox),
 * highlighted results, facet chips, paging, all with the keyboard only and with the mouse; markup
 * in an article stays text; clear errors without or with an unreachable endpoint; the demo page
 * under the server's own CSP; phone width. Screenshots go to test-results/widget-*.png (look at them).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PUBLIC_DIR } from '../../src/server/app.js';
import { searchJson, startTestServer, type TestServer } from './fixtures.js';
import { hasChromium, launchChromium, SHOTS, type Browser } from './chromium.js';


let ts: TestServer;
let cms: Server;
let cmsUrl: string;
let deadPort: number;
let browser: Browser;
const dialogs: string[] = [];
const pageErrors: string[] = [];

/** A library website's page (its own origin) embedding the widget from the zhsearch server. */
function cmsPage(widget: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>某市图书馆 - 新闻检索</title>
<style>body{margin:0;font-family:sans-serif;background:#fafafa}header{background:#2d4f2b;color:#fff;padding:12px 20px}header a{color:#fff;margin-right:12px}
main{max-width:860px;margin:0 auto;padding:16px}zh-search.green{--zh-search-accent:#2d4f2b}</style>
<script src="${ts.url}/widget.js"></script></head>
<body><header><strong>某市图书馆</strong> <nav><a href="#home">首页</a><a href="#news">本馆新闻</a></nav></header>
<main><h1>新闻检索</h1><p>检索本馆历年新闻报道。</p>${widget}<footer><p>版权所有 © 某市图书馆</p></footer></main></body></html>`;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `widget-${name}.png`), fullPage: true });

/** The focused element, through shadow roots. */
const focused = (page: Page) =>
  page.evaluate(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    const e = a as HTMLElement | null;
    return { tag: e?.tagName.toLowerCase() ?? '', cls: e?.className ?? '', facet: e?.dataset.facet ?? '', value: e?.dataset.value ?? '', text: e?.textContent ?? '', role: e?.getAttribute('role') ?? '' };
  });

/** Presses Tab until the focused element matches (at most 60 times). */
async function tabTo(page: Page, match: (f: Awaited<ReturnType<typeof focused>>) => boolean): Promise<Awaited<ReturnType<typeof focused>>> {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (match(f)) return f;
  }
  throw new Error('Tab never reached the element');
}

const hitIds = (page: Page) => page.locator('zh-search li[data-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
const idle = (page: Page) => page.waitForFunction(() => !document.querySelector('zh-search[aria-busy]'));

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

describe('widget sources', () => {
  it('build no HTML from strings and need no inline script or style on the demo page', () => {
    const widget = readFileSync(join(DEFAULT_PUBLIC_DIR, 'widget.js'), 'utf8');
    expect(widget).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
    const demo = readFileSync(join(DEFAULT_PUBLIC_DIR, 'widget-demo.html'), 'utf8');
    expect(demo).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(demo).not.toMatch(/<style|\sstyle=|\son\w+=/);
  });
});

describe.skipIf(!hasChromium)('embeddable widget in chromium, from another origin', () => {
  beforeAll(async () => {
    ts = await startTestServer();
    // A port nothing listens on: the unreachable endpoint.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    deadPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const pages: Record<string, string> = {
      '/cms.html': cmsPage('<zh-search class="green" endpoint="' + ts.url + '" placeholder="搜索本馆新闻" size="5"></zh-search>'),
      '/missing.html': cmsPage('<zh-search placeholder="搜索本馆新闻"></zh-search>'),
      '/down.html': cmsPage(`<zh-search endpoint="http://127.0.0.1:${deadPort}"></zh-search>`),
    };
    cms = createServer((req, res) => {
      const body = pages[req.url ?? ''];
      res.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' }).end(body ?? 'not found');
    });
    await new Promise<void>((r) => cms.listen(0, '127.0.0.1', r));
    // localhost vs 127.0.0.1: a different origin from the API's.
    cmsUrl = `http://localhost:${(cms.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (cms ? cms.close(r) : r(undefined)));
    await ts?.stop();
  });

  it('serves widget.js for other origins (JavaScript, CORP cross-origin, CORS)', async () => {
    const res = await fetch(`${ts.url}/widget.js`, { headers: { Origin: 'http://cms.example.org' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.text()).toContain("customElements.define('zh-search'");
  });

  it('works with the keyboard only: suggestions, results, a facet chip, the next page, a result link', async () => {
    const page = await newPage();
    const apiRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/')) apiRequests.push(r.url());
    });
    await page.goto(`${cmsUrl}/cms.html`);
    expect(new URL(page.url()).origin).not.toBe(new URL(ts.url).origin);

    // Tab from the page's own links into the search box.
    await tabTo(page, (f) => f.role === 'combobox');
    const input = page.locator('zh-search input[role=combobox]');
    await expect.poll(() => input.getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.type('读书', { delay: 50 });
    const options = page.locator('zh-search [role=listbox] [role=option]');
    await options.first().waitFor();
    expect(await input.getAttribute('aria-expanded')).toBe('true');
    const listId = await page.locator('zh-search [role=listbox]').getAttribute('id');
    expect(await input.getAttribute('aria-controls')).toBe(listId);
    expect((await options.allTextContents()).some((t) => t.startsWith('读书节'))).toBe(true);

    // Arrow down to the first suggestion (a word), Enter searches it.
    await page.keyboard.press('ArrowDown');
    const first = options.first();
    expect(await first.getAttribute('aria-selected')).toBe('true');
    expect(await input.getAttribute('aria-activedescendant')).toBe(await first.getAttribute('id'));
    expect(await first.getAttribute('data-kind')).toBe('word');
    const word = (await first.locator('span').first().textContent())!;
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    expect(await input.getAttribute('aria-activedescendant')).toBe(await first.getAttribute('id'));
    await shot(page, '01-suggestions');
    await page.keyboard.press('Enter');
    await page.locator('zh-search li[data-id]').first().waitFor();
    await idle(page);
    expect(await input.inputValue()).toBe(word);
    expect(await input.getAttribute('aria-expanded')).toBe('false');
    const all = await searchJson(ts.url, { q: word, size: '5' });
    expect(all.total).toBeGreaterThan(5);
    expect(await hitIds(page)).toEqual(all.hits.map((h) => h.id));
    expect(await page.locator('zh-search ol mark').count()).toBeGreaterThan(0);
    expect(await page.locator('zh-search [role=status]').textContent()).toContain(`找到 ${all.total.toLocaleString('zh-CN')} 条结果`);
    expect(await page.locator('zh-search .chip[data-facet=province]').count()).toBeGreaterThan(0);
    expect(await page.locator('zh-search .chip[data-facet=year]').count()).toBeGreaterThan(0);
    await shot(page, '02-results');

    // Tab to a province chip, Enter filters by it; focus stays on the (re-rendered) chip.
    const chip = await tabTo(page, (f) => f.facet === 'province');
    await page.keyboard.press('Enter');
    const filtered = await searchJson(ts.url, { q: word, size: '5', province: chip.value });
    expect(filtered.total).toBeLessThan(all.total);
    await expect.poll(() => hitIds(page)).toEqual(filtered.hits.map((h) => h.id));
    await idle(page);
    expect(await page.locator(`zh-search .chip[data-facet=province][data-value="${chip.value}"]`).getAttribute('aria-pressed')).toBe('true');
    expect((await focused(page)).value).toBe(chip.value);
    await shot(page, '03-facet');

    // Tab to 下一页, Enter shows page 2 and moves focus to the results; Tab then reaches the first result's link.
    await tabTo(page, (f) => f.text === '下一页');
    await page.keyboard.press('Enter');
    const page2 = await searchJson(ts.url, { q: word, size: '5', province: chip.value, page: '2' });
    await expect.poll(() => hitIds(page)).toEqual(page2.hits.map((h) => h.id));
    expect(await page.locator('zh-search nav').textContent()).toContain(`第 2 / ${Math.ceil(filtered.total / 5)} 页`);
    expect((await focused(page)).tag).toBe('ol');
    await page.keyboard.press('Tab');
    const link = await focused(page);
    expect(link.tag).toBe('a');
    expect(link.cls).toBe('title');
    // The article link: the hit's url, or the server's page article view.
    const href = await page.locator('zh-search a.title').first().getAttribute('href');
    const hit = page2.hits[0];
    expect(href).toBe(hit.url ?? `${ts.url}/?${new URLSearchParams({ q: word, doc: hit.id })}`);
    await shot(page, '04-page2');

    // Every API call went cross-origin to the endpoint.
    expect(apiRequests.length).toBeGreaterThan(3);
    for (const u of apiRequests) expect(new URL(u).origin).toBe(new URL(ts.url).origin);
    await page.close();
  });

  it('works with the mouse: search button, a year chip, paging, clearing filters; Escape closes suggestions', async () => {
    const page = await newPage();
    await page.goto(`${cmsUrl}/cms.html`);
    const input = page.locator('zh-search input[role=combobox]');
    await input.click();
    await input.pressSequentially('图书馆', { delay: 40 });
    await page.locator('zh-search [role=option]').first().waitFor();
    await page.keyboard.press('Escape');
    expect(await input.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('zh-search [role=listbox]').isHidden()).toBe(true);
    await page.locator('zh-search button.go').click();
    await page.locator('zh-search li[data-id]').first().waitFor();
    await idle(page);

    const year = page.locator('zh-search .chip[data-facet=year]').first();
    const value = (await year.getAttribute('data-value'))!;
    await year.click();
    const expected = await searchJson(ts.url, value === 'undated' ? { q: '图书馆', size: '5', undated: 'only' } : { q: '图书馆', size: '5', from: value, to: value });
    await expect.poll(() => hitIds(page)).toEqual(expected.hits.map((h) => h.id));
    await idle(page);
    if (expected.total > 5) {
      await page.locator('zh-search nav button', { hasText: '下一页' }).click();
      const p2 = await searchJson(ts.url, value === 'undated' ? { q: '图书馆', size: '5', undated: 'only', page: '2' } : { q: '图书馆', size: '5', from: value, to: value, page: '2' });
      await expect.poll(() => hitIds(page)).toEqual(p2.hits.map((h) => h.id));
      await idle(page);
      expect(await page.locator('zh-search nav button', { hasText: '上一页' }).isEnabled()).toBe(true);
    }
    await page.locator('zh-search button.clear').click();
    const unfiltered = await searchJson(ts.url, { q: '图书馆', size: '5' });
    await expect.poll(() => hitIds(page)).toEqual(unfiltered.hits.map((h) => h.id));
    await shot(page, '05-mouse');
    await page.close();
  });

  it('suggests and searches pinyin, saying how it was read', async () => {
    const page = await newPage();
    await page.goto(`${cmsUrl}/cms.html`);
    const input = page.locator('zh-search input[role=combobox]');
    await input.click();
    await input.pressSequentially('dushu', { delay: 40 });
    const options = page.locator('zh-search [role=option][data-kind=word]');
    await options.first().waitFor();
    expect(await options.allTextContents()).toContainEqual(expect.stringMatching(/^读书节/));
    await input.fill('dushujie');
    await page.keyboard.press('Enter');
    await page.locator('zh-search li[data-id]').first().waitFor();
    await idle(page);
    const api = await searchJson(ts.url, { q: 'dushujie', size: '5' });
    expect(api.query.interpretations[0]).toMatchObject({ from: 'dushujie', kind: 'pinyin' });
    expect(await page.locator('zh-search [role=status]').textContent()).toContain(`已将 dushujie 理解为 ${api.query.interpretations[0].to[0]}`);
    expect(await hitIds(page)).toEqual(api.hits.map((h) => h.id));
    expect(await page.locator('zh-search ol mark').count()).toBeGreaterThan(0);
    await page.close();
  });

  it('keeps markup in an article as text', async () => {
    const page = await newPage();
    await page.goto(`${cmsUrl}/cms.html`);
    await page.locator('zh-search input[role=combobox]').fill('公告 开放时间');
    await page.keyboard.press('Enter');
    const hit = page.locator('zh-search li[data-id="xss-01"]');
    await hit.waitFor();
    expect(await hit.locator('a.title').textContent()).toContain('<script>alert("t")</script>');
    expect(await hit.locator('.snippet').textContent()).toContain('<img src=x onerror=alert(1)>');
    expect(await hit.locator('mark').count()).toBeGreaterThan(0);
    // Only <mark> elements come from the server's HTML.
    expect(await page.locator('zh-search li[data-id] script, zh-search li[data-id] img, zh-search li[data-id] b, zh-search li[data-id] i').count()).toBe(0);
    await shot(page, '06-xss');

    // Even if the server's HTML carried markup (it does not: it escapes all but <mark>), the widget
    // makes elements of <mark> only: any other tag is shown as the text it is.
    await page.route('**/api/search?**', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.hits[0].titleHtml = '<img src=x onerror="alert(3)"><b>粗</b><mark>标</mark>题 &amp; &lt;i&gt;';
      body.hits[0].snippetHtml = '<script>alert(4)</script><a href="javascript:alert(5)">链</a><mark>摘要</mark>';
      await route.fulfill({ response: res, json: body });
    });
    await page.locator('zh-search input[role=combobox]').fill('公告');
    await page.keyboard.press('Enter');
    const first = page.locator('zh-search li[data-id]').first();
    await expect.poll(() => first.locator('a.title').textContent()).toBe('<img src=x onerror="alert(3)"><b>粗</b>标题 & <i>');
    expect(await first.locator('a.title mark').allTextContents()).toEqual(['标']);
    expect(await first.locator('.snippet').textContent()).toBe('<script>alert(4)</script><a href="javascript:alert(5)">链</a>摘要');
    expect(await first.locator('.snippet mark').allTextContents()).toEqual(['摘要']);
    expect(await first.locator('img, script, b, a:not(.title), i').count()).toBe(0);
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('says clearly when the endpoint is missing or unreachable', async () => {
    const page = await newPage();
    await page.goto(`${cmsUrl}/missing.html`);
    const error = page.locator('zh-search .error');
    await expect.poll(() => error.textContent()).toContain('未设置检索服务地址');
    expect(await error.isVisible()).toBe(true);
    await page.goto(`${cmsUrl}/down.html`);
    await expect.poll(() => error.textContent()).toContain(`无法连接检索服务 http://127.0.0.1:${deadPort}`);
    await shot(page, '07-unreachable');
    await page.close();
  });

  it('fits a phone screen', async () => {
    const page = await newPage();
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${cmsUrl}/cms.html`);
    await page.locator('zh-search input[role=combobox]').fill('读书节');
    await page.keyboard.press('Enter');
    await page.locator('zh-search li[data-id]').first().waitFor();
    await idle(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, '08-phone');
    await page.close();
  });

  it('the demo page shows the widget, default and themed, under the server CSP', async () => {
    const page = await newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await page.goto(`${ts.url}/widget-demo.html`);
    const themed = page.locator('#themed-widget');
    await themed.locator('input').fill('读书节');
    await themed.locator('input').press('Enter');
    await themed.locator('li[data-id]').first().waitFor();
    expect(await themed.locator('li[data-id]').count()).toBe(5);
    expect(await themed.locator('.chip[data-facet=province]').count()).toBe(0); // facets="year,source"
    expect(await themed.locator('.chip[data-facet=source]').count()).toBeGreaterThan(0);
    // The widget's stylesheet applies (not blocked by the CSP) and the theme's accent reaches it.
    expect(await themed.locator('button.go').evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(138, 28, 20)');
    expect(await page.locator('#default-widget button.go').evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(11, 92, 173)');
    expect(cspViolations).toEqual([]);
    await shot(page, '09-demo');
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});

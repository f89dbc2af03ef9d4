/**
 * The search page's reader and librarian features in a real browser (playwright-core driving
 * Debian's chromium), against a real server over the test index plus a few documents made for
 * these features (a hit with six regions, copies of one story from three sources):
 * suggestions that close and stay closed (Enter, paste, blur, Escape, slow answers), suggestion
 * counts equal to the totals shown; every error message in Chinese; region chips matching the
 * filters first; facet 更多 / 收起 and the filter box; the region tree; chronological years; the
 * timeline (screenshot, drag, keyboard); and, against the API contract of issue 13, duplicates
 * grouped, feed and export links, 相似文章 and the 未注明日期 bucket.
 * Screenshots go to test-results/ (look at them).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { removeDir, tempDir } from '../helpers.js';
import { buildIndex, fixtureDocuments } from './fixtures.js';
import { hasChromium, launchChromium, SHOTS, type Browser } from './chromium.js';


const XIAN = { code: '610100', province: '陕西省', city: '西安市' };
/** A hit whose matching region (西安市) comes last of six; copies of one story from three sources. */
const EXTRA: DocumentInput[] = [
  {
    id: 'lib-regions-01',
    title: '六地图书馆联合举办古籍修复阅读季',
    content: '北京、长沙、南京、襄阳、深圳和西安六地图书馆联合举办古籍修复阅读季，读者可在各馆参加古籍修复体验。',
    date: '2024-04-23',
    source: '图林快讯',
    regions: [
      { code: '110105', province: '北京市', county: '朝阳区' },
      { code: '430100', province: '湖南省', city: '长沙市' },
      { code: '320100', province: '江苏省', city: '南京市' },
      { code: '420600', province: '湖北省', city: '襄阳市' },
      { code: '440300', province: '广东省', city: '深圳市' },
      XIAN,
    ],
  },
  // Copies of one story: the 2nd and 3rd name the 1st as their original (as ingestion's duplicate
  // detector would; an older index ignores the field and stores it with the document's extra).
  ...['秦川都市网', '文化日报', '读书周刊'].map((source, i) => ({
    ...(i > 0 ? { duplicateOf: 'dup-story-0' } : {}),
    id: `dup-story-${i}`,
    title: '西安图书馆夜读活动吸引上千名读者',
    content:
      '西安图书馆周末推出夜读活动，开放时间延长至晚上十点，吸引上千名读者走进图书馆。活动设置了古籍修复体验、非遗手工和亲子共读三个区域，' +
      '馆员介绍，夜读活动将持续到年底，每周六晚举行，读者凭读者证免费参加。',
    date: `2024-05-0${i + 1}`,
    source,
    url: `https://news.example.org/xian-night-reading-${i}`,
    regions: [XIAN],
    libraries: ['西安图书馆'],
  }) as DocumentInput),
];

let server: RunningServer;
let dir: string;
let url: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `server-${name}.png`), fullPage: true });
const param = (name: string) => new URL(page.url()).searchParams.get(name);
const waitForParam = (name: string, value: string | null) => page.waitForURL((u) => new URL(u).searchParams.get(name) === value);
const settled = () => page.waitForFunction(() => !document.body.classList.contains('loading'));
const shownTotal = async () => Number(/共 (\d+) (?:条|篇)/.exec((await page.locator('#summary').textContent()) ?? '')![1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function apiJson<T = any>(path: string, params: Record<string, string | string[]> = {}): Promise<{ status: number; body: T }> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  const res = await fetch(`${url}${path}${qs.size ? `?${qs}` : ''}`);
  return { status: res.status, body: (await res.json()) as T };
}
const apiTotal = async (params: Record<string, string | string[]>) => (await apiJson<{ total: number }>('/api/search', { ...params, facets: 'none', size: '1' })).body.total;

/** Whether the suggestion list is closed, by every sign of the ARIA combobox. */
async function suggestionsClosed(): Promise<boolean> {
  return page.evaluate(() => {
    const list = document.getElementById('suggestions')!;
    return list.hidden && list.children.length === 0 && document.getElementById('q')!.getAttribute('aria-expanded') === 'false';
  });
}

/** Stays closed for `ms` (a late answer would open it). */
async function staysClosed(ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    expect(await suggestionsClosed()).toBe(true);
    await sleep(50);
  }
}

describe.skipIf(!hasChromium)('search page for readers and librarians, in chromium', () => {
  beforeAll(async () => {
    dir = tempDir('zhsearch-librarian-');
    await buildIndex(dir, [...fixtureDocuments(), ...EXTRA]);
    server = await startServer({ indexDir: dir, port: 0, host: '127.0.0.1', log: () => {}, reloadIntervalMs: 0 });
    url = server.url;
    browser = await launchChromium();
    page = browser.page;
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) removeDir(dir);
  });

  describe('suggestions', () => {
    it('close on Enter, on paste-then-search, on blur and on Escape, and keep the combobox attributes', async () => {
      await page.goto(url);
      await page.locator('.hit').first().waitFor();
      const input = page.locator('#q');

      // Open, then arrow keys: aria-activedescendant names the selected option.
      await input.pressSequentially('读书', { delay: 40 });
      await page.locator('#suggestions:not([hidden]) .suggestion').first().waitFor();
      expect(await input.getAttribute('aria-expanded')).toBe('true');
      expect(await page.locator('#suggestions').getAttribute('role')).toBe('listbox');
      expect(await page.locator('#suggestions [role="option"]').count()).toBeGreaterThan(0);
      await input.press('ArrowDown');
      expect(await input.getAttribute('aria-activedescendant')).toBe('suggestion-0');
      expect(await page.locator('#suggestion-0').getAttribute('aria-selected')).toBe('true');

      // Escape closes it, and it stays closed for that input.
      await input.press('Escape');
      expect(await suggestionsClosed()).toBe(true);
      expect(await input.getAttribute('aria-activedescendant')).toBeNull();
      await staysClosed(400);

      // Enter (no option chosen) searches and the list stays closed over the results.
      await input.fill('');
      await input.pressSequentially('读书', { delay: 40 });
      await page.locator('#suggestions:not([hidden]) .suggestion').first().waitFor();
      await input.press('Enter');
      await waitForParam('q', '读书');
      await settled();
      await staysClosed(600);

      // Typing fast and pressing Enter at once: no list afterwards.
      await input.fill('');
      await input.pressSequentially('读书节', { delay: 5 });
      await input.press('Enter');
      await waitForParam('q', '读书节');
      await settled();
      await staysClosed(600);

      // Paste (text inserted at once) then search at once.
      await input.fill('');
      await input.focus();
      await page.keyboard.insertText('图书馆');
      await input.press('Enter');
      await waitForParam('q', '图书馆');
      await settled();
      await staysClosed(600);

      // Leaving the input closes the list.
      await input.fill('');
      await input.pressSequentially('读书', { delay: 40 });
      await page.locator('#suggestions:not([hidden]) .suggestion').first().waitFor();
      await page.locator('#sort').focus();
      await staysClosed(400);
    });

    it('ignores a slow answer for an input that has changed or was searched', async () => {
      await page.goto(url);
      await page.locator('.hit').first().waitFor();
      await page.route('**/api/suggest?**', async (route) => {
        await sleep(700);
        await route.continue().catch(() => {});
      });
      try {
        const input = page.locator('#q');
        // The request for 读 is in flight when the input changes and is searched.
        await input.pressSequentially('读', { delay: 10 });
        await sleep(250);
        await input.pressSequentially('书节', { delay: 10 });
        await input.press('Enter');
        await waitForParam('q', '读书节');
        await settled();
        await staysClosed(1500);
        // And for an input changed without searching: the answer for the old value is not shown.
        await input.fill('');
        await input.pressSequentially('图', { delay: 10 });
        await sleep(250);
        await input.fill('');
        await staysClosed(1200);
      } finally {
        await page.unroute('**/api/suggest?**');
      }
    });

    it('shows counts equal to the totals the search then shows', async () => {
      for (const typed of ['读书', '图书']) {
        await page.goto(url);
        await page.locator('.hit').first().waitFor();
        await page.locator('#q').pressSequentially(typed, { delay: 40 });
        const first = page.locator('#suggestions:not([hidden]) .suggestion.word').first();
        await first.waitFor();
        const word = (await first.locator('.text').textContent())!;
        const note = (await first.locator('.note').textContent())!;
        const count = Number(note.replace(/[^\d]/g, ''));
        expect(note).toMatch(/^[\d,]+ 篇$/);
        await first.click();
        await waitForParam('q', word);
        await settled();
        expect(await shownTotal()).toBe(count);
        await staysClosed(300);
      }
    });
  });

  describe('messages', () => {
    const noLatin = (text: string) => expect(text, text).not.toMatch(/[A-Za-z]/);

    it('shows every API error in Chinese', async () => {
      const cases: [string, RegExp][] = [
        ['/?from=2023-02-30', /起始日期不是有效日期/],
        ['/?to=2023-13', /结束日期不是有效日期/],
        ['/?from=2023-1', /起始日期格式有误/],
        ['/?from=2024&to=2023', /起始日期晚于结束日期/],
        ['/?page=2000', /结果页数过深：最多可查看前 10,000 条结果/],
        [`/?province=${encodeURIComponent('火星省')}`, /找不到该省份/],
        [`/?city=${encodeURIComponent('火星市')}`, /找不到该城市/],
        [`/?q=${encodeURIComponent('书'.repeat(4001))}`, /检索词过长/],
      ];
      for (const [path, expected] of cases) {
        await page.goto(`${url}${path}`);
        const box = page.locator('#error:not([hidden])');
        await box.waitFor();
        const text = (await box.textContent())!;
        expect(text).toMatch(expected);
        noLatin(text);
      }
      await shot('20-error-chinese');
    });

    it('says overload, timeouts and server faults in Chinese (the API error bodies, answered by the page route)', async () => {
      const bodies: [number, string, unknown, RegExp][] = [
        [429, 'too_many_requests', { retryAfterSeconds: 3 }, /请求过于频繁，请约 3 秒后再试/],
        [503, 'overloaded', { retryAfterSeconds: 2 }, /服务器繁忙/],
        [503, 'search_timeout', { budgetMs: 2000 }, /检索超时/],
        [503, 'search_memory', { budgetBytes: 1 }, /检索过于复杂/],
        [500, 'internal', null, /服务器内部错误/],
        [414, 'uri_too_long', null, /检索条件过长/],
        [400, 'invalid_parameter', [{ parameter: 'collapse', message: 'unknown parameter' }], /不支持的参数/],
        [418, 'something_new', null, /检索未能完成/],
      ];
      for (const [status, code, details, expected] of bodies) {
        await page.route('**/api/search?**', (route) =>
          route.fulfill({ status, contentType: 'application/json', body: JSON.stringify({ error: { code, message: 'an English message the reader must not see', details } }) }),
        );
        await page.goto(`${url}/?q=${encodeURIComponent('读书节')}`);
        const box = page.locator('#error:not([hidden])');
        await box.waitFor();
        const text = (await box.textContent())!;
        expect(text).toMatch(expected);
        noLatin(text);
        await page.unroute('**/api/search?**');
      }
      await page.route('**/api/search?**', (route) => route.abort());
      await page.goto(`${url}/?q=${encodeURIComponent('读书节')}`);
      await page.locator('#error:not([hidden])').waitFor();
      expect(await page.locator('#error').textContent()).toMatch(/无法连接服务器/);
      await page.unroute('**/api/search?**');
    });

    it('checks the dates typed in the date boxes before searching', async () => {
      await page.goto(`${url}/?q=${encodeURIComponent('读书节')}`);
      await page.locator('.hit').first().waitFor();
      await page.locator('#from').fill('2023-02-30');
      await page.locator('#date-form button').click();
      await page.locator('#error:not([hidden])').waitFor();
      expect(await page.locator('#error').textContent()).toBe('起始日期不是有效日期。');
      expect(param('from')).toBeNull();
      await page.locator('#from').fill('2023-02-28');
      await page.locator('#to').fill('2023-01');
      await page.locator('#date-form button').click();
      await expect.poll(() => page.locator('#error').textContent()).toBe('起始日期晚于结束日期，请调整日期范围。');
      await page.locator('#to').fill('2023-12');
      await page.locator('#date-form button').click();
      await waitForParam('from', '2023-02-28');
      await settled();
      expect(await page.locator('#error').isHidden()).toBe(true);
    });

    it('says in Chinese that an article does not exist', async () => {
      await page.goto(`${url}/?doc=no-such-article`);
      await page.locator('#article-title', { hasText: '无法打开文章' }).waitFor();
      const text = (await page.locator('#article-meta').textContent())!;
      expect(text).toContain('找不到这篇文章');
      noLatin(text);
    });
  });

  it('shows the regions matching the filters first on a hit, never hiding one', async () => {
    await page.goto(`${url}/?q=${encodeURIComponent('古籍修复阅读季')}`);
    const hit = page.locator('.hit', { hasText: '六地图书馆' });
    await hit.waitFor();
    // Unfiltered: four regions shown, in the article's order (西安 is the sixth).
    expect(await hit.locator('.region').allTextContents()).toEqual(['北京市 朝阳区', '湖南省 长沙市', '江苏省 南京市', '湖北省 襄阳市']);
    for (const filter of [`city=${encodeURIComponent('西安市')}`, `city=${encodeURIComponent('西安')}`, 'city=610100', `province=${encodeURIComponent('陕西省')}`]) {
      await page.goto(`${url}/?q=${encodeURIComponent('古籍修复阅读季')}&${filter}`);
      await hit.waitFor();
      const regions = await hit.locator('.region').allTextContents();
      expect(regions[0]).toBe('陕西省 西安市');
      expect(regions).toHaveLength(4);
      expect(await hit.locator('.region-match').allTextContents()).toEqual(['陕西省 西安市']);
    }
    // Two filters: both matching regions first, in the article's order.
    await page.goto(`${url}/?q=${encodeURIComponent('古籍修复阅读季')}&city=${encodeURIComponent('西安市')}&city=${encodeURIComponent('深圳市')}`);
    await hit.waitFor();
    expect((await hit.locator('.region').allTextContents()).slice(0, 2)).toEqual(['广东省 深圳市', '陕西省 西安市']);
  });

  describe('facets', () => {
    it('expands a facet with 更多, collapses it with 收起, and searches it with the filter box', async () => {
      await page.goto(url);
      await page.locator('.hit').first().waitFor();
      const group = page.locator('[data-facet-group="source"]');
      await expect.poll(() => group.locator('.facet-values:not(.facet-matches) button.facet-value').count()).toBe(10);
      const all = (await apiJson<{ facets: { source: { value: string }[] } }>('/api/search', { size: '1', facets: 'source', facetSize: '100' })).body.facets.source.map((v) => v.value);
      expect(all.length).toBeGreaterThan(10);
      const more = group.locator('button.facet-more');
      expect(await more.textContent()).toBe('更多');
      expect(await more.getAttribute('aria-expanded')).toBe('false');
      await more.click();
      await expect.poll(() => more.textContent()).toBe('收起');
      expect(await more.getAttribute('aria-expanded')).toBe('true');
      expect(await group.locator('.facet-values:not(.facet-matches) button.facet-value').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.value))).toEqual(all);
      await shot('21-facet-more');
      await more.click();
      await expect.poll(() => group.locator('.facet-values:not(.facet-matches) button.facet-value').count()).toBe(10);

      // The filter box: the facet's values containing the text (as the API answers it).
      const box = group.locator('input.facet-filter');
      expect(await box.getAttribute('placeholder')).toBe('输入以筛选');
      await box.fill('图书馆');
      const matches = group.locator('.facet-matches:not([hidden]) button.facet-value');
      await matches.first().waitFor();
      const found = await matches.evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.value!));
      const viaApi = await apiJson<{ facets: { source: { value: string }[] } }>('/api/search', { size: '1', facets: 'source', facetQuery: '图书馆', facetSize: '50' });
      expect(viaApi.status).toBe(200);
      const expected = viaApi.body.facets.source.map((v) => v.value);
      expect(found.sort()).toEqual([...expected].sort());
      expect(found.length).toBeGreaterThan(1);
      expect(await group.locator('.facet-status').textContent()).toBe(`找到 ${found.length} 项`);
      await shot('22-facet-filter');
      // Keyboard: down arrow to the first match, Enter filters by it.
      await box.press('ArrowDown');
      const focused = await page.evaluate(() => (document.activeElement as HTMLElement).dataset.value);
      expect(focused).toBe(found[0]);
      await page.keyboard.press('Enter');
      await waitForParam('source', found[0]);
      await settled();
      // Escape in the box clears it.
      await page.goto(url);
      await page.locator('.hit').first().waitFor();
      await box.fill('没有这个来源');
      await expect.poll(() => group.locator('.facet-status').textContent()).toBe('没有包含“没有这个来源”的来源');
      await box.press('Escape');
      await expect.poll(() => group.locator('.facet-values:not(.facet-matches):not([hidden]) button.facet-value').count()).toBe(10);
    });

    it('nests cities under a chosen province and counties under a chosen city', async () => {
      await page.goto(`${url}/?q=${encodeURIComponent('读书节')}`);
      await page.locator('.hit').first().waitFor();
      const region = page.locator('[data-facet-group="region"]');
      await region.locator('button.facet-value[data-level="province"][data-value="湖北省"]').click();
      await waitForParam('province', '湖北省');
      await settled();
      const hubei = region.locator('li.region-province', { has: page.locator('> button[data-value="湖北省"]') });
      const cities = hubei.locator('> ul.facet-children > li > button.facet-value');
      await cities.first().waitFor();
      const names = await cities.evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.value!));
      const cityCodes = (await apiJson<{ facets: { city: { value: string; code: string }[] } }>('/api/search', { q: '读书节', province: '湖北省', size: '1', facets: 'city', facetSize: '100' })).body.facets.city;
      const hubeiCities = cityCodes.filter((c) => c.code.startsWith('42')).map((c) => c.value);
      expect(names).toEqual(expect.arrayContaining(['襄阳市', '随州市']));
      expect(names.every((n) => hubeiCities.includes(n))).toBe(true);
      // Other provinces have no cities listed under them.
      expect(await region.locator('li.region-province:not(:has(> button[data-value="湖北省"])) ul.facet-children').count()).toBe(0);
      await hubei.locator('button.facet-value[data-value="随州市"]').click();
      await waitForParam('city', '随州市');
      await settled();
      const suizhou = hubei.locator('li.region-city', { has: page.locator('> button[data-value="随州市"]') });
      await suizhou.locator('> ul.facet-children button.facet-value[data-value="随县"]').waitFor();
      // Indented: a county starts right of its city, a city right of its province.
      const x = async (value: string) => (await region.locator(`button.facet-value[data-value="${value}"]`).boundingBox())!.x;
      expect(await x('随州市')).toBeGreaterThan(await x('湖北省'));
      expect(await x('随县')).toBeGreaterThan(await x('随州市'));
      await shot('23-region-tree');

      // The filter box searches every level: 西安 finds the city 西安市, marked 市; choosing it filters.
      await page.goto(`${url}/?q=${encodeURIComponent('图书馆')}`);
      await page.locator('.hit').first().waitFor();
      await region.locator('input.facet-filter').fill('西安');
      const match = region.locator('.facet-matches:not([hidden]) button.facet-value[data-value="西安市"]');
      await match.waitFor();
      expect(await match.getAttribute('data-facet')).toBe('city');
      expect(await match.locator('.level').textContent()).toBe('市');
      await match.click();
      await waitForParam('city', '西安市');
      await settled();
      expect(await page.locator('.chip').allTextContents()).toContainEqual(expect.stringContaining('城市：西安市'));
    });

    it('lists years and months in chronological order', async () => {
      await page.goto(`${url}/?q=${encodeURIComponent('读书节')}`);
      await page.locator('.hit').first().waitFor();
      const years = await page.locator('.facet-year button.facet-value[data-facet="year"]').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.value!));
      expect(years.length).toBeGreaterThan(3);
      expect(years).toEqual([...years].sort());
      await page.locator('.facet-year button.facet-value[data-value="2023"]').click();
      await waitForParam('from', '2023');
      await settled();
      const months = await page.locator('.facet-month button.facet-value').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.value!));
      expect(months.length).toBeGreaterThan(1);
      expect(months).toEqual([...months].sort());
      expect(months.every((m) => m.startsWith('2023-'))).toBe(true);
    });
  });

  describe('timeline', () => {
    it('draws matching articles per year, and a drag sets the date range', async () => {
      await page.goto(`${url}/?q=${encodeURIComponent('读书节')}`);
      await page.locator('.hit').first().waitFor();
      const bars = page.locator('#timeline .tl-bar');
      await bars.first().waitFor();
      const labels = await bars.evaluateAll((gs) => gs.map((g) => g.getAttribute('aria-label')!));
      for (const l of labels) expect(l).toMatch(/^\d{4}年：[\d,]+ 篇$/);
      // Bars: every year from the first to the last, counts as the API's year facet.
      const years = (await apiJson<{ facets: { year: { value: string; count: number }[] } }>('/api/search', { q: '读书节', size: '1', facets: 'year', facetSize: '100' })).body.facets.year.filter((v) => /^\d{4}$/.test(v.value));
      const keys = await bars.evaluateAll((gs) => gs.map((g) => [(g as SVGElement).dataset.key!, Number((g as SVGElement).dataset.count)] as const));
      for (const y of years) expect(keys).toContainEqual([y.value, y.count]);
      expect(keys.map(([k]) => Number(k))).toEqual(keys.map((_, i) => Number(keys[0][0]) + i));
      expect(await page.locator('#timeline svg').count()).toBe(1);
      await shot('timeline');

      // Drag from the 2020 bar to the 2021 bar.
      const box2020 = (await page.locator('#timeline .tl-bar[data-key="2020"] .tl-hit').boundingBox())!;
      const box2021 = (await page.locator('#timeline .tl-bar[data-key="2021"] .tl-hit').boundingBox())!;
      await page.mouse.move(box2020.x + box2020.width / 2, box2020.y + box2020.height - 5);
      await page.mouse.down();
      await page.mouse.move(box2021.x + box2021.width / 3, box2021.y + box2021.height - 5, { steps: 5 });
      expect(await page.locator('#timeline-readout').textContent()).toMatch(/^选择：2020年 至 2021年/);
      await page.mouse.up();
      await waitForParam('from', '2020');
      expect(param('to')).toBe('2021');
      await settled();
      const total = await shownTotal();
      expect(total).toBe(await apiTotal({ q: '读书节', from: '2020', to: '2021' }));
      expect(total).toBeLessThan(await apiTotal({ q: '读书节' }));
      // Two years: per month now.
      await expect.poll(() => page.locator('#timeline .tl-bar').first().getAttribute('aria-label')).toMatch(/^2020年1月：[\d,]+ 篇$/);
      expect(await page.locator('#timeline .tl-bar').count()).toBe(24);
      await shot('timeline-months');
      // The back button restores the whole range.
      await page.goBack();
      await waitForParam('from', null);
      await settled();
      await expect.poll(() => page.locator('#timeline .tl-bar').first().getAttribute('data-key')).toBe(keys[0][0]);
    });

    it('selects a year with the keyboard and extends a range with Shift+arrows', async () => {
      await page.goto(`${url}/?q=${encodeURIComponent('读书节')}`);
      await page.locator('#timeline .tl-bar').first().waitFor();
      // One tab stop: the bars use a roving tabindex.
      expect(await page.locator('#timeline .tl-bar[tabindex="0"]').count()).toBe(1);
      await page.locator('#timeline .tl-bar[tabindex="0"]').focus();
      const first = await page.evaluate(() => (document.activeElement as SVGElement).dataset.key!);
      await page.keyboard.press('ArrowRight');
      const second = String(Number(first) + 1);
      expect(await page.evaluate(() => (document.activeElement as SVGElement).dataset.key)).toBe(second);
      expect(await page.locator('#timeline .tl-bar[tabindex="0"]').getAttribute('data-key')).toBe(second);
      await page.keyboard.press('Enter');
      await waitForParam('from', second);
      expect(param('to')).toBe(second);
      await settled();
      expect(await shownTotal()).toBe(await apiTotal({ q: '读书节', from: second, to: second }));

      // Back, then Shift+arrows: a range of three years.
      await page.goBack();
      await waitForParam('from', null);
      await settled();
      await page.locator('#timeline .tl-bar[data-key="2019"]').focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Shift+ArrowRight');
      await page.keyboard.press('Shift+ArrowRight');
      expect(await page.locator('#timeline .tl-bar.selecting').evaluateAll((gs) => gs.map((g) => (g as SVGElement).dataset.key))).toEqual(['2020', '2021', '2022']);
      expect(await page.locator('#timeline-readout').textContent()).toMatch(/^选择：2020年 至 2022年/);
      await page.keyboard.press('Space');
      await waitForParam('from', '2020');
      expect(param('to')).toBe('2022');
      await settled();
      expect(await shownTotal()).toBe(await apiTotal({ q: '读书节', from: '2020', to: '2022' }));
      // Focus stays on the chart after it is redrawn.
      await expect.poll(() => page.evaluate(() => Boolean(document.activeElement?.closest('#timeline')))).toBe(true);
    });

    it('is readable at phone width', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await page.goto(`${url}/?q=${encodeURIComponent('读书节')}&from=2020&to=2022`);
        await page.locator('#timeline .tl-bar').first().waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        const svgBox = (await page.locator('#timeline svg').boundingBox())!;
        expect(svgBox.width).toBeLessThanOrEqual(390);
        // Axis labels do not overlap.
        const boxes = await page.locator('#timeline text').evaluateAll((ts) => ts.map((t) => (t as SVGTextElement).getBBox()).map((b) => [b.x, b.x + b.width]));
        for (let i = 1; i < boxes.length; i++) expect(boxes[i][0]).toBeGreaterThanOrEqual(boxes[i - 1][1]);
        await shot('timeline-phone');
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
      expect(pageErrors).toEqual([]);
    });
  });

  // ---- Against the API contract of issue 13 (duplicates, feed, export, similar, undated) ----

  describe('librarian features of the API contract', () => {
    it('groups copies of a story under one hit and shows all on request', async () => {
      await page.goto(`${url}/?q=${encodeURIComponent('西安图书馆夜读活动')}`);
      const hit = page.locator('.hit', { hasText: '西安图书馆夜读活动' });
      await hit.first().waitFor();
      expect(await hit.count()).toBe(1);
      const toggle = hit.locator('button.dup-toggle');
      expect(await toggle.textContent()).toBe('另有 2 篇相似报道');
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      await toggle.click();
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      const copies = hit.locator('.duplicates:not([hidden]) li');
      expect(await copies.count()).toBe(2);
      const sources = await copies.locator('.meta').allTextContents();
      expect(new Set(sources.map((s) => s.trim().split(' · ')[0])).size).toBe(2);
      await shot('24-duplicates');
      const api = (await apiJson<{ total: number; articles: number }>('/api/search', { q: '西安图书馆夜读活动', facets: 'none' })).body;
      expect(await page.locator('#summary').textContent()).toContain(`共 ${api.total} 条报道（${api.articles} 篇文章）`);
      // A copy opens in the article view.
      const copyId = (await copies.first().locator('a.duplicate-title').getAttribute('href'))!;
      await copies.first().locator('a.duplicate-title').click();
      await page.locator('#article-view[data-doc]:not([hidden])').waitFor();
      expect(`/?${new URL(page.url()).searchParams}`).toBe(copyId);
      await page.locator('#back').click();
      await page.locator('#results-view:not([hidden])').waitFor();
      // 显示全部相似报道: collapse=false, every copy a hit.
      await page.locator('#show-all').check();
      await waitForParam('collapse', 'false');
      await settled();
      await expect.poll(() => page.locator('.hit', { hasText: '西安图书馆夜读活动' }).count()).toBe(3);
      expect(await shownTotal()).toBe(await apiTotal({ q: '西安图书馆夜读活动', collapse: 'false' }));
    });

    it('links 订阅此检索 and 导出 to the feed and the export of the current search', async () => {
      await page.goto(`${url}/?q=${encodeURIComponent('读书节')}&province=${encodeURIComponent('湖北省')}&page=2`);
      await page.locator('.hit').first().waitFor();
      const expected = new URLSearchParams({ q: '读书节', province: '湖北省' }).toString();
      const feed = page.locator('#result-links a.feed');
      expect(await feed.textContent()).toBe('订阅此检索');
      expect(await feed.getAttribute('href')).toBe(`/api/feed.atom?${expected}`);
      expect(await page.locator('#result-links a.export-csv').getAttribute('href')).toBe(`/api/export?format=csv&${expected}`);
      expect(await page.locator('#result-links a.export-jsonl').getAttribute('href')).toBe(`/api/export?format=jsonl&${expected}`);
      expect(await page.locator('#result-links').textContent()).toContain('导出');
      const atom = await fetch(`${url}/api/feed.atom?${expected}`);
      expect(atom.status).toBe(200);
      expect(await atom.text()).toContain('<feed');
      const csv = await fetch(`${url}/api/export?format=csv&${expected}`);
      expect(csv.status).toBe(200);
      expect((await csv.text()).split('\n').length).toBeGreaterThan(2);
    });

    it('shows 相似文章 in the article view, each opening that article', async () => {
      await page.goto(`${url}/?q=${encodeURIComponent('读书节')}&doc=fx-001`);
      await page.locator('#article-view[data-doc="fx-001"]').waitFor();
      const section = page.locator('#article-similar:not([hidden])');
      await section.waitFor({ timeout: 10_000 });
      expect(await section.locator('h2').textContent()).toBe('相似文章');
      const api = (await apiJson<{ hits: { id: string; title: string }[] }>('/api/docs/fx-001/similar', { size: '5' })).body;
      expect(await section.locator('li a').allTextContents()).toEqual(api.hits.map((h) => h.title || '（无标题）'));
      await shot('25-similar');
      await section.locator('li a').first().click();
      await page.locator(`#article-view[data-doc="${api.hits[0].id}"]`).waitFor();
      expect(param('doc')).toBe(api.hits[0].id);
    });

    it('lists 未注明日期 last among the years and filters with undated=only', async () => {
      await page.goto(`${url}/?q=${encodeURIComponent('读书节')}`);
      await page.locator('.hit').first().waitFor();
      const buttons = page.locator('.facet-year button.facet-value');
      await expect.poll(() => buttons.last().textContent()).toMatch(/^未注明日期/);
      await buttons.last().click();
      await waitForParam('undated', 'only');
      await settled();
      expect(await shownTotal()).toBe(await apiTotal({ q: '读书节', undated: 'only' }));
      expect(await page.locator('.hit .meta').first().textContent()).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      expect(await page.locator('.chip').allTextContents()).toContainEqual(expect.stringContaining('未注明日期'));
    });
  });
});

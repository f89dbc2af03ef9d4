/**
 * The Atom feed of a search (/api/feed.atom) over a real server: parsed with a real XML parser
 * (htmlparser2 in XML mode, every element closed explicitly), the required Atom elements present
 * with RFC 3339 dates, the newest matching articles in the order of /api/search sort=date_desc,
 * escaping of markup and control characters, links, categories, ids, 400s and the ETag.
 */
import { Parser } from 'htmlparser2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/index.js';
import { xmlAttr, xmlText } from '../../src/server/feed.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { removeDir, tempDir } from '../helpers.js';
import { buildIndex, CHANGSHA, fixtureDocuments, getJson, queryString, searchJson, statusOf, XIANGYANG } from './fixtures.js';


/** Articles whose text the feed must escape, and one with a URL and libraries. */
const EXTRA: DocumentInput[] = [
  {
    id: 'ctl-01',
    title: '控制\u0001字符\u0008 & <标签> "引号" 馆藏晒书会',
    content: '晒书会\u000b现场 & 读者 <b>不是标签</b>\u001f 结束。\uFFFE',
    source: '来源 & <晒书>',
  },
  {
    id: 'url/01',
    title: '襄阳长沙两地图书馆联合举办晒书会',
    content: '两地图书馆联合举办晒书会，展示馆藏古籍。',
    date: '2024-03-05',
    url: 'https://example.org/news?a=1&b=2',
    source: '文化日报',
    author: '张三',
    regions: [XIANGYANG, CHANGSHA],
    libraries: ['襄阳市图书馆', '湖南图书馆'],
  },
];

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/**
 * Parses `xml` into a tree with htmlparser2 in XML mode; throws when an element is closed
 * implicitly (a well-formedness error the lenient parser would otherwise repair).
 */
function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const node: XmlNode = { name, attrs, children: [], text: '' };
        stack[stack.length - 1].children.push(node);
        stack.push(node);
      },
      ontext(text) {
        stack[stack.length - 1].text += text;
      },
      onclosetag(name, implied) {
        // A self-closing tag (<link/>) is reported as implied too: anything else is a missing end tag.
        if (implied && !xml.slice(parser.startIndex, parser.endIndex + 1).endsWith('/>')) throw new Error(`<${name}> is not closed`);
        stack.pop();
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  expect(stack).toHaveLength(1);
  return root;
}

const child = (n: XmlNode, name: string) => n.children.find((c) => c.name === name);
const children = (n: XmlNode, name: string) => n.children.filter((c) => c.name === name);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Characters XML 1.0 does not allow. */
const NOT_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

let server: RunningServer;
let dir: string;
let builtAt: string;

beforeAll(async () => {
  dir = tempDir('zhsearch-feed-');
  await buildIndex(dir, [...fixtureDocuments(), ...EXTRA]);
  server = await startServer({ indexDir: dir, port: 0, host: '127.0.0.1', log: () => {}, reloadIntervalMs: 0 });
  builtAt = (await getJson<{ builtAt: string }>(server.url, '/api/stats')).body.builtAt;
});
afterAll(async () => {
  await server?.close();
  if (dir) removeDir(dir);
});

const qs = queryString;

async function feed(params: Record<string, string | string[]>): Promise<{ feed: XmlNode; raw: string; res: Response; url: string }> {
  const url = `${server.url}/api/feed.atom?${qs(params)}`;
  const res = await fetch(url);
  const raw = await res.text();
  expect(res.status, raw).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
  expect(raw.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
  expect(raw).not.toMatch(NOT_XML);
  // Every & starts a reference.
  expect(raw).not.toMatch(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/);
  const root = parseXml(raw);
  const f = root.children.find((c) => c.name === 'feed')!;
  expect(f.attrs.xmlns).toBe('http://www.w3.org/2005/Atom');
  // Required elements (RFC 4287 4.1.1, 4.1.2).
  for (const name of ['id', 'title', 'updated']) expect(child(f, name), `feed ${name}`).toBeDefined();
  expect(child(f, 'updated')!.text).toMatch(RFC3339);
  expect(children(f, 'author').length).toBeGreaterThan(0);
  for (const e of children(f, 'entry')) {
    for (const name of ['id', 'title', 'updated', 'link', 'summary']) expect(child(e, name), `entry ${name}`).toBeDefined();
    expect(child(e, 'updated')!.text).toMatch(RFC3339);
    const published = child(e, 'published');
    if (published) expect(published.text).toMatch(RFC3339);
  }
  return { feed: f, raw, res, url };
}

const search = (params: Record<string, string | string[]>) => searchJson(server.url, params);

const entryIds = (f: XmlNode) => children(f, 'entry').map((e) => decodeURIComponent(child(e, 'id')!.text.replace(/^urn:zhsearch:doc:/, '')));

describe('feed', () => {
  it('lists the newest matching articles, as /api/search sort=date_desc, 20 by default', async () => {
    for (const params of [{ q: '读书节' }, { q: '图书馆', province: '湖北' }, { q: '读书节', sort: 'relevance' }, {}]) {
      const { feed: f } = await feed(params);
      const expected = await search({ ...params, sort: 'date_desc', size: '20', facets: 'none' });
      expect(expected.total).toBeGreaterThan(20);
      expect(entryIds(f)).toEqual(expected.hits.map((h) => h.id));
      const dates = expected.hits.map((h) => h.date).filter((d): d is string => d !== null);
      // Newest first, and the feed is as new as its newest entry.
      expect(dates).toEqual([...dates].sort().reverse());
      expect(child(f, 'updated')!.text).toBe(`${dates[0]}T00:00:00+08:00`);
    }
  });

  it('honours size (up to 100) and always lists the newest (page is ignored)', async () => {
    const { feed: f } = await feed({ q: '读书节', size: '7', page: '2' });
    const expected = await search({ q: '读书节', sort: 'date_desc', size: '7' });
    expect(entryIds(f)).toEqual(expected.hits.map((h) => h.id));
    expect(entryIds((await feed({ size: '100' })).feed)).toHaveLength(100);
  });

  it('says the search in its title and links to itself and to the search page', async () => {
    const { feed: f, url } = await feed({ q: '图书馆', province: '湖北省', from: '2020', to: '2023-06' });
    expect(child(f, 'title')!.text).toBe('zhsearch：图书馆 · 湖北省 · 2020 至 2023-06');
    const links = children(f, 'link');
    expect(links.find((l) => l.attrs.rel === 'self')!.attrs.href).toBe(url);
    const page = new URL(links.find((l) => l.attrs.rel === 'alternate')!.attrs.href);
    expect(page.origin).toBe(server.url);
    expect(page.pathname).toBe('/');
    expect(Object.fromEntries(page.searchParams)).toEqual({ q: '图书馆', province: '湖北省', from: '2020', to: '2023-06', sort: 'date_desc' });
    expect(child((await feed({})).feed, 'title')!.text).toBe('zhsearch：全部文章');
  });

  it('has a stable id per search, whatever the parameter order, page or size', async () => {
    const id = async (params: string) => child(parseXml(await (await fetch(`${server.url}/api/feed.atom?${params}`)).text()).children[0], 'id')!.text;
    const a = await id(qs({ q: '图书馆', province: ['湖北', '湖南'] }));
    expect(a).toMatch(/^urn:zhsearch:search:[0-9a-f]+$/);
    expect(await id(`${qs({ province: ['湖南', '湖北'] })}&${qs({ q: '图书馆', size: '5', page: '2', op: 'auto' })}`)).toBe(a);
    expect(await id(qs({ q: '图书馆', province: '湖北' }))).not.toBe(a);
    expect(await id(qs({ q: '读书节', province: ['湖北', '湖南'] }))).not.toBe(a);
  });

  it('describes each entry: link, dates, author, categories, plain-text summary', async () => {
    const { feed: f } = await feed({ q: '晒书会' });
    const entries = children(f, 'entry');
    const dated = entries.find((e) => child(e, 'id')!.text === 'urn:zhsearch:doc:url%2F01')!;
    expect(child(dated, 'title')!.text).toBe('襄阳长沙两地图书馆联合举办晒书会');
    expect(child(dated, 'link')!.attrs.href).toBe('https://example.org/news?a=1&b=2');
    expect(child(dated, 'published')!.text).toBe('2024-03-05T00:00:00+08:00');
    expect(child(dated, 'updated')!.text).toBe('2024-03-05T00:00:00+08:00');
    expect(child(child(dated, 'author')!, 'name')!.text).toBe('文化日报 · 张三');
    const categories = children(dated, 'category').map((c) => c.attrs);
    expect(categories).toEqual([
      { scheme: 'urn:zhsearch:region', term: '420600', label: '湖北省/襄阳市' },
      { scheme: 'urn:zhsearch:region', term: '430100', label: '湖南省/长沙市' },
      { scheme: 'urn:zhsearch:library', term: '襄阳市图书馆', label: '襄阳市图书馆' },
      { scheme: 'urn:zhsearch:library', term: '湖南图书馆', label: '湖南图书馆' },
    ]);
    const summary = child(dated, 'summary')!;
    expect(summary.attrs.type).toBe('text');
    expect(summary.text).toContain('两地图书馆联合举办晒书会');
    expect(summary.text).not.toMatch(/<\/?mark>|&/);
    // Undated: after the dated one, no published, updated = the index's commit time.
    const undated = entries.find((e) => child(e, 'id')!.text === 'urn:zhsearch:doc:ctl-01')!;
    expect(entries.indexOf(undated)).toBeGreaterThan(entries.indexOf(dated));
    expect(child(undated, 'published')).toBeUndefined();
    expect(child(undated, 'updated')!.text).toBe(builtAt);
    // Without a URL, the link opens the article on the search page.
    const view = new URL(child(undated, 'link')!.attrs.href);
    expect(view.origin + view.pathname).toBe(`${server.url}/`);
    expect(view.searchParams.get('doc')).toBe('ctl-01');
    expect(view.searchParams.get('q')).toBe('晒书会');
  });

  it('escapes markup and drops the characters XML 1.0 forbids', async () => {
    const { feed: f, raw } = await feed({ q: '晒书会' });
    expect(raw).toContain('&lt;标签&gt;');
    const e = children(f, 'entry').find((x) => child(x, 'id')!.text === 'urn:zhsearch:doc:ctl-01')!;
    expect(child(e, 'title')!.text).toBe('控制字符 & <标签> "引号" 馆藏晒书会');
    expect(child(child(e, 'author')!, 'name')!.text).toBe('来源 & <晒书>');
    expect(child(e, 'summary')!.text).toContain('<b>不是标签</b>');
    const markup = await feed({ q: '公告' });
    const xss = children(markup.feed, 'entry').find((x) => child(x, 'id')!.text === 'urn:zhsearch:doc:xss-01')!;
    expect(child(xss, 'title')!.text).toBe('<script>alert("t")</script>图书馆公告 & 通知');
    expect(markup.raw).not.toContain('<script>');
  });

  it('escapes text and attributes, dropping lone surrogates, U+FFFE/U+FFFF and control characters, keeping other planes', () => {
    expect(xmlText('a\u0000b\ud800c\udfffd\ufffee\uffff\u0085f & <g> "h" \t\n\r 𠀀😀')).toBe('abcde\u0085f &amp; &lt;g&gt; "h" \t\n\r 𠀀😀');
    expect(xmlAttr('a"b\tc\nd&e')).toBe('a&quot;b&#9;c&#10;d&amp;e');
  });

  it('gives the 400s of /api/search for bad parameters', async () => {
    for (const [params, parameter] of [
      [{ size: '0' }, 'size'],
      [{ size: '101' }, 'size'],
      [{ province: '火星' }, 'province'],
      [{ from: '2023-13' }, 'from'],
      [{ sort: 'newest' }, 'sort'],
      [{ bogus: '1' }, 'bogus'],
    ] as const) {
      const res = await fetch(`${server.url}/api/feed.atom?${qs(params)}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_parameter');
      expect(body.error.message).toContain(parameter);
    }
  });

  it('sets an ETag and answers 304 while the index is unchanged', async () => {
    const url = `${server.url}/api/feed.atom?${qs({ q: '读书节' })}`;
    const first = await fetch(url);
    await first.text();
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/"v\d+-/);
    // node:http, not fetch: fetch adds `Cache-Control: no-cache` to conditional requests.
    expect(await statusOf(url, { 'If-None-Match': etag! })).toBe(304);
    expect(await statusOf(`${url}&size=5`, { 'If-None-Match': etag! })).toBe(200);
  });
});

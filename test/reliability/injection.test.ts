/**
 * No injection: stored text (an article written to inject markup, and random text full of HTML
 * special characters) is never interpreted as HTML, neither in the API's *Html fields nor on the
 * page (which inserts only those fields as HTML); every kind of response carries the security
 * headers; the server listens on 127.0.0.1 unless told otherwise.
 */
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex } from '../../src/index.js';
import { DEFAULT_PUBLIC_DIR } from '../../src/server/app.js';
import { loadServeConfig } from '../../src/server/config.js';
import { startServer } from '../../src/server/server.js';
import { removeDir, tempDir } from '../helpers.js';
import { getJson, startTestServer, type TestServer } from '../server/fixtures.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

/** Unescapes the five entities the server writes. */
const unescape = (html: string) => html.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);

/** The only markup is <mark> (and the <p> of the article view's paragraphs). */
function expectOnlyMarks(html: string): void {
  const bare = html.replace(/<\/?(mark|p)>/g, '');
  expect(bare).not.toMatch(/[<>"']/);
}

describe('stored text is never markup', () => {
  it('escapes the injection article in titleHtml, snippetHtml and contentHtml, keeping only <mark> (and <p>)', async () => {
    const { body } = await getJson<any>(ts.url, '/api/search', { q: '图书馆公告 开放时间', facets: 'none' });
    const hit = body.hits.find((h: { id: string }) => h.id === 'xss-01');
    expect(hit).toBeDefined();
    for (const html of [hit.titleHtml, hit.snippetHtml]) {
      expectOnlyMarks(html);
      expect(html).toContain('&lt;');
    }
    expect(hit.titleHtml).toContain('&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;');
    expect(hit.title).toBe('<script>alert("t")</script>图书馆公告 & 通知'); // plain fields stay plain text (JSON)
    const doc = (await getJson<any>(ts.url, '/api/docs/xss-01', { q: '图书馆' })).body;
    for (const html of [doc.titleHtml, doc.contentHtml]) expectOnlyMarks(html);
    expect(unescape(doc.contentHtml.replace(/<\/?mark>/g, '').replace(/<\/p><p>/g, ' ').replace(/<\/?p>/g, ''))).toBe(doc.content.replace(/\s+/g, ' ').trim());
    expect(doc.contentHtml).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes any stored text: unescaped, the HTML is the text again (random documents)', async () => {
    const dir = tempDir('zhsearch-inject-');
    try {
      const special = fc.oneof(fc.constantFrom('<', '>', '&', '"', "'", '<script>', '</mark>', '<mark>', '&amp;', '&lt;', '<img src=x onerror=1>', 'javascript:'), fc.constantFrom(...'图书馆读书节阅读'));
      const texts = fc.sample(fc.array(special, { minLength: 5, maxLength: 40 }).map((a) => `图书馆${a.join('')}`), { seed: 12, numRuns: 60 });
      const index = SearchIndex.open(dir, { threads: 0 });
      await index.add(texts.map((t, i) => ({ id: `inj-${i}`, title: t.slice(0, 30), content: t, source: t.slice(0, 10) })));
      await index.commit();
      const reader = index.acquire();
      try {
        for (const [i, t] of texts.entries()) {
          for (const q of ['图书馆', '读书', '']) {
            const h = reader.highlight(q, t, 'content');
            expectOnlyMarks(h.html);
            expect(unescape(h.html.replace(/<\/?mark>/g, ''))).toBe(t.replace(/\s+/g, ' '));
          }
          const hit = index.search(`图书馆`, { size: 100 }).hits.find((x) => x.id === `inj-${i}`)!;
          expectOnlyMarks(hit.titleHtml);
          expectOnlyMarks(hit.snippetHtml);
          expect(unescape(hit.titleHtml.replace(/<\/?mark>/g, ''))).toBe(t.slice(0, 30).replace(/\s+/g, ' '));
        }
      } finally {
        reader.release();
        await index.close();
      }
    } finally {
      removeDir(dir);
    }
  });

  it('the page inserts only the server-escaped *Html fields as HTML', () => {
    const app = readFileSync(join(DEFAULT_PUBLIC_DIR, 'app.js'), 'utf8');
    const sinks = [...app.matchAll(/\.(innerHTML|outerHTML)\s*=\s*([^;]+);|insertAdjacentHTML\(([^)]*)\)|document\.write\(/g)];
    expect(sinks.length).toBeGreaterThan(0);
    for (const [whole, , rhs] of sinks) {
      expect(whole).not.toMatch(/insertAdjacentHTML|document\.write|outerHTML/);
      // Either an escaped field from the API, or a constant.
      expect(rhs.trim(), whole).toMatch(/^(\w+\.)?(titleHtml|snippetHtml|contentHtml)( \|\| '[^'<]*')?$|^'[^'<]*'$|^''$/);
    }
    expect(app).not.toMatch(/\beval\(|new Function\(/);
    const page = readFileSync(join(DEFAULT_PUBLIC_DIR, 'index.html'), 'utf8');
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script (the CSP forbids it anyway)
    expect(page).not.toMatch(/\son\w+=/); // no inline event handlers
  });
});

describe('security headers', () => {
  const expectSecure = (headers: Headers | Record<string, string>, what: string) => {
    const get = (k: string) => (headers instanceof Headers ? headers.get(k) : headers[k.toLowerCase()]);
    const csp = get('content-security-policy') ?? '';
    expect(csp, what).toMatch(/default-src 'none'/);
    expect(csp, what).toMatch(/script-src 'self'(;|$)/);
    expect(csp, what).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp, what).toMatch(/frame-ancestors 'none'/);
    expect(get('x-content-type-options'), what).toBe('nosniff');
    expect(get('referrer-policy'), what).toBe('no-referrer');
  };

  it('are on every response: page, assets, API, errors, 304', async () => {
    const targets = ['/', '/app.js', '/style.css', '/api/search?q=图书馆', '/api/docs/xss-01', '/api/docs/missing', '/api/search?size=0', '/api/suggest?q=图', '/api/health', '/api/openapi.json', '/nope', `/api/search?q=${'x'.repeat(50_000)}`];
    for (const t of targets) {
      const res = await fetch(ts.url + encodeURI(t));
      expectSecure(res.headers, t);
      await res.arrayBuffer();
    }
    const post = await fetch(`${ts.url}/api/search`, { method: 'POST' });
    expect(post.status).toBe(405);
    expectSecure(post.headers, 'POST');
    const url = `${ts.url}/api/search?q=${encodeURIComponent('图书馆')}`;
    const etag = (await fetch(url)).headers.get('etag')!;
    const again = await new Promise<{ status: number; headers: Record<string, string> }>((resolve, reject) => {
      httpGet(url, { headers: { 'If-None-Match': etag } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string> }));
      }).on('error', reject);
    });
    expect(again.status).toBe(304);
    expectSecure(again.headers, '304');
  });

  it('are on the answers to requests Node cannot parse', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(ts.server.port, '127.0.0.1');
      let data = '';
      socket.on('data', (d) => (data += d.toString('latin1')));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      socket.write(Buffer.from('GET /api/search?q=\xe5\x9b\xbe HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'));
    });
    const [head] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400/);
    const headers = Object.fromEntries(head.split('\r\n').slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    expectSecure(headers, 'raw 400');
  });
});

describe('binding', () => {
  it('listens on 127.0.0.1 by default, and elsewhere only when told', async () => {
    expect(loadServeConfig({}, {}).host).toBe('127.0.0.1');
    const dir = tempDir('zhsearch-bind-');
    try {
      const s = await startServer({ indexDir: dir, port: 0, log: () => {}, reloadIntervalMs: 0 });
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await s.close();
      expect(loadServeConfig({ host: '0.0.0.0' }, {}).host).toBe('0.0.0.0');
      expect(loadServeConfig({}, { ZHSEARCH_HOST: '::1' }).host).toBe('::1');
    } finally {
      removeDir(dir);
    }
  });
});

/**
 * Bad input, table-driven: every case must be answered with a JSON error of the expected status
 * (400 naming the parameter, 404, 405 with Allow), never a 500, a hang or a crash. Requests go
 * over a raw socket so malformed URLs reach the server exactly as written.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponse } from '../../src/server/schemas.js';
import { random } from '../helpers.js';
import { startTestServer, type TestServer } from './fixtures.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `method target` as written (latin1 bytes) and reads the whole response. */
function raw(method: string, target: string, timeoutMs = 10_000): Promise<RawResponse> {
  const { port } = ts.server;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${method} ${target} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1'));
  });
}

const S = '/api/search?';
const repeat = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}=${i}`).join('&');

/** [description, method, target, status, parameter named in the message (400s)] */
const CASES: Array<[string, string, string, number, string?]> = [
  ['size 0', 'GET', `${S}size=0`, 400, 'size'],
  ['size over 100', 'GET', `${S}size=101`, 400, 'size'],
  ['negative size', 'GET', `${S}size=-1`, 400, 'size'],
  ['size not a number', 'GET', `${S}size=abc`, 400, 'size'],
  ['fractional size', 'GET', `${S}size=1.5`, 400, 'size'],
  ['size in exponent form', 'GET', `${S}size=1e2`, 400, 'size'],
  ['empty size', 'GET', `${S}size=`, 400, 'size'],
  ['page 0', 'GET', `${S}page=0`, 400, 'page'],
  ['page not a number', 'GET', `${S}page=two`, 400, 'page'],
  ['page*size past 10,000', 'GET', `${S}page=101&size=100`, 400, 'page'],
  ['page past 10,000', 'GET', `${S}page=10001`, 400, 'page'],
  ['huge page', 'GET', `${S}page=99999999999999999999`, 400, 'page'],
  ['unknown sort', 'GET', `${S}sort=newest`, 400, 'sort'],
  ['sort in upper case', 'GET', `${S}sort=RELEVANCE`, 400, 'sort'],
  ['unknown op', 'GET', `${S}op=xor`, 400, 'op'],
  ['repeated op', 'GET', `${S}op=and&op=or`, 400, 'op'],
  ['literal neither true nor false', 'GET', `${S}q=tushuguan&literal=maybe`, 400, 'literal'],
  ['literal as 1', 'GET', `${S}literal=1`, 400, 'literal'],
  ['empty literal', 'GET', `${S}literal=`, 400, 'literal'],
  ['repeated literal', 'GET', `${S}literal=true&literal=false`, 400, 'literal'],
  ['repeated q', 'GET', `${S}q=a&q=b`, 400, 'q'],
  ['repeated page', 'GET', `${S}page=1&page=2`, 400, 'page'],
  ['query over 4,000 characters', 'GET', `${S}q=${'a'.repeat(4001)}`, 400, 'q'],
  ['q[] array syntax', 'GET', `${S}q[]=%E5%9B%BE`, 400, 'q[]'],
  ['q[0] index syntax', 'GET', `${S}q[0]=x`, 400, 'q[0]'],
  ['province[] array syntax', 'GET', `${S}province[]=%E6%B9%96%E5%8C%97`, 400, 'province[]'],
  ['object syntax', 'GET', `${S}a.b=1`, 400, 'a.b'],
  ['unknown parameter', 'GET', `${S}colour=red`, 400, 'colour'],
  ['empty parameter name', 'GET', `${S}=1`, 400],
  ['month 13', 'GET', `${S}from=2023-13`, 400, 'from'],
  ['February 30', 'GET', `${S}from=2023-02-30`, 400, 'from'],
  ['February 29 of a common year', 'GET', `${S}to=2023-02-29`, 400, 'to'],
  ['two-digit year', 'GET', `${S}from=23`, 400, 'from'],
  ['slashes in a date', 'GET', `${S}from=2023%2F01%2F01`, 400, 'from'],
  ['unpadded date', 'GET', `${S}to=2023-1-1`, 400, 'to'],
  ['date with time', 'GET', `${S}to=2023-01-01T00:00`, 400, 'to'],
  ['from after to (years)', 'GET', `${S}from=2024&to=2023`, 400, 'from'],
  ['from after to (days)', 'GET', `${S}from=2023-06-02&to=2023-06-01`, 400, 'from'],
  ['repeated from', 'GET', `${S}from=2023&from=2024`, 400, 'from'],
  ['truncated percent-encoding', 'GET', `${S}q=%E0%A4%A`, 400, 'q'],
  ['percent with non-hex', 'GET', `${S}q=%ZZ`, 400, 'q'],
  ['lone high surrogate (CESU-8)', 'GET', `${S}q=%ED%A0%80`, 400, 'q'],
  ['surrogate pair as CESU-8', 'GET', `${S}q=%ED%A0%BD%ED%B8%80`, 400, 'q'],
  ['overlong UTF-8', 'GET', `${S}q=%C0%AF`, 400, 'q'],
  ['truncated 4-byte UTF-8', 'GET', `${S}q=%F0%9F`, 400, 'q'],
  ['NUL character', 'GET', `${S}q=a%00b`, 400, 'q'],
  ['C0 control character', 'GET', `${S}q=a%1Fb`, 400, 'q'],
  ['DEL character', 'GET', `${S}q=%7F`, 400, 'q'],
  ['C1 control character', 'GET', `${S}q=%C2%85`, 400, 'q'],
  ['newline in a filter', 'GET', `${S}province=%E6%B9%96%0A`, 400, 'province'],
  ['raw non-ASCII byte', 'GET', `${S}q=\u00e9`, 400],
  ['bad percent-encoding in a name', 'GET', `${S}%=1`, 400],
  ['unknown facet', 'GET', `${S}facets=colour`, 400, 'facets'],
  ['facetSize 0', 'GET', `${S}facetSize=0`, 400, 'facetSize'],
  ['facetSize over 10000', 'GET', `${S}facetSize=10001`, 400, 'facetSize'],
  ['facetQuery without one facet', 'GET', `${S}facetQuery=x`, 400, 'facetQuery'],
  ['undated=only with from', 'GET', `${S}undated=only&from=2020`, 400, 'undated'],
  ['undated unknown', 'GET', `${S}undated=sometimes`, 400, 'undated'],
  ['snippetLength too short', 'GET', `${S}snippetLength=5`, 400, 'snippetLength'],
  ['empty province', 'GET', `${S}province=`, 400, 'province'],
  ['blank province', 'GET', `${S}province=%20`, 400, 'province'],
  ['blank city', 'GET', `${S}city=+`, 400, 'city'],
  ['blank county (full-width space)', 'GET', `${S}county=%E3%80%80`, 400, 'county'],
  ['blank source', 'GET', `${S}source=%20%20`, 400, 'source'],
  ['blank library (full-width space)', 'GET', `${S}library=%E3%80%80`, 400, 'library'],
  ['blank second value', 'GET', `${S}province=%E6%B9%96%E5%8C%97&province=%20`, 400, 'province'],
  ['one-character province (湖)', 'GET', `${S}province=%E6%B9%96`, 400, 'province'],
  ['unknown province (火星)', 'GET', `${S}province=%E7%81%AB%E6%98%9F`, 400, 'province'],
  ['unknown region code', 'GET', `${S}county=999999`, 400, 'county'],
  ['too many values of one filter', 'GET', `${S}${repeat('source', 51)}`, 400, 'source'],
  ['too many parameters', 'GET', `${S}${repeat('q', 101)}`, 400],
  ['suggest input too long', 'GET', `/api/suggest?q=${'x'.repeat(101)}`, 400, 'q'],
  ['suggest limit 0', 'GET', '/api/suggest?limit=0', 400, 'limit'],
  ['suggest repeated q', 'GET', '/api/suggest?q=a&q=b', 400, 'q'],
  ['parameter on health', 'GET', '/api/health?verbose=1', 400, 'verbose'],
  ['parameter on stats', 'GET', '/api/stats?x=1', 400, 'x'],
  ['array syntax on a document', 'GET', '/api/docs/fx-001?q[]=1', 400, 'q[]'],
  ['bad literal on a document', 'GET', '/api/docs/fx-001?q=tushuguan&literal=yes', 400, 'literal'],
  ['document id with bad percent-encoding', 'GET', '/api/docs/%E0%A4%A', 400],
  ['unknown document', 'GET', '/api/docs/no-such-document', 404],
  ['unknown API route', 'GET', '/api/nothing', 404],
  ['unknown page path', 'GET', '/nothing.html', 404],
  ['path traversal', 'GET', '/..%2F..%2Fpackage.json', 404],
  ['POST search', 'POST', '/api/search?q=x', 405],
  ['PUT document', 'PUT', '/api/docs/fx-001', 405],
  ['DELETE health', 'DELETE', '/api/health', 405],
  ['PATCH suggest', 'PATCH', '/api/suggest?q=x', 405],
  ['POST the page', 'POST', '/', 405],
  ['DELETE an asset', 'DELETE', '/app.js', 405],
];

describe('bad inputs', () => {
  it('has at least 40 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  for (const [what, method, target, status, parameter] of CASES) {
    it(`${status} for ${what}`, async () => {
      const res = await raw(method, target);
      expect(res.status, res.body).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = errorResponse.parse(JSON.parse(res.body));
      expect(body.error.code).toBe({ 400: res.body.includes('invalid_parameter') ? 'invalid_parameter' : 'bad_request', 404: 'not_found', 405: 'method_not_allowed' }[status]);
      if (parameter) expect(body.error.message).toContain(`"${parameter}"`);
      if (status === 405) expect(res.headers.allow).toMatch(/GET/);
    });
  }

  it('never answers 5xx to random query strings', async () => {
    const rnd = random(42);
    const alphabet = ['%', '&', '=', '[', ']', 'q', 'size', 'from', '2023', '-', '+', '%E5', '%9B', '%BE', '%00', '%FF', 'a', '.', '(', '"', 'OR', '\u00ff'];
    for (let i = 0; i < 300; i++) {
      let qs = '';
      const n = 1 + Math.floor(rnd() * 12);
      for (let k = 0; k < n; k++) qs += alphabet[Math.floor(rnd() * alphabet.length)];
      const res = await raw('GET', `${S}${qs}`);
      expect(res.status, `${qs}: ${res.body}`).toBeLessThan(500);
      expect(() => JSON.parse(res.body), qs).not.toThrow();
    }
  });

  it('answers deeply nested and pathological queries quickly', async () => {
    for (const q of ['('.repeat(3000), '"'.repeat(3999), '-'.repeat(3999), 'a OR '.repeat(799), '图'.repeat(4000), 'title:'.repeat(600)]) {
      const started = Date.now();
      const res = await raw('GET', `${S}q=${encodeURIComponent(q)}`);
      expect(res.status, q.slice(0, 20)).toBe(200);
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });
});

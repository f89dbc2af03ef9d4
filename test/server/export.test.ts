/**
 * The export of a search (/api/export) over a real server: CSV parsed back with an RFC 4180
 * parser written here (BOM, CRLF, quoting; a title with a comma, a quote and a line break), JSON
 * Lines parsed back, both compared with the pages of /api/search with the same parameters; limit,
 * headers, 400s; paging through several searches and writing to a client that reads slowly.
 */
import { request as httpRequest, createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { SearchIndex, type DocumentInput } from '../../src/index.js';
import { accessLog } from '../../src/server/access-log.js';
import { errorHandler } from '../../src/server/errors.js';
import { CSV_COLUMNS, exportRoute, RowStream } from '../../src/server/export.js';
import { indexSessions } from '../../src/server/api.js';
import { SearchLanes } from '../../src/server/lanes.js';
import { searchResponse } from '../../src/server/schemas.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { removeDir, tempDir } from '../helpers.js';
import { buildIndex, CHANGSHA, fixtureDocuments, getJson, queryString, XIANGYANG } from './fixtures.js';

type Hit = z.output<typeof searchResponse>['hits'][number];

const TRICKY_TITLE = '读书节特刊, "书香" 专题\n第二行';
const EXTRA: DocumentInput[] = [
  {
    id: 'csv-01',
    title: TRICKY_TITLE,
    content: '读书节期间，图书馆推出特刊。',
    date: '2024-04-23',
    source: '读书周刊',
    author: '李四, 王五',
    url: 'https://example.org/a?x=1,2',
    regions: [XIANGYANG, CHANGSHA],
    libraries: ['襄阳市图书馆', '湖南图书馆'],
  },
];

/**
 * A strict RFC 4180 parser: records end with CRLF; a quoted field may hold commas, CRLF/LF and
 * doubled quotes; a bare LF or CR outside quotes, or a quote inside an unquoted field, is an error.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`quote in an unquoted field at ${i}`);
        field += text[i++];
      }
    }
    record.push(field);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text.startsWith('\r\n', i)) {
      i += 2;
      records.push(record);
      record = [];
      if (i >= text.length) return records;
      continue;
    }
    throw new Error(`expected , or CRLF at ${i}, found ${JSON.stringify(text.slice(i, i + 10))}`);
  }
}

let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = tempDir('zhsearch-export-');
  await buildIndex(dir, [...fixtureDocuments(), ...EXTRA]);
  server = await startServer({ indexDir: dir, port: 0, host: '127.0.0.1', log: () => {}, reloadIntervalMs: 0 });
});
afterAll(async () => {
  await server?.close();
  if (dir) removeDir(dir);
});

const qs = queryString;

/** Every hit of a search, page by page, as /api/search gives them. */
async function allHits(params: Record<string, string | string[]>): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (let page = 1; ; page++) {
    const { status, body } = await getJson<unknown>(server.url, '/api/search', { ...params, size: '100', page: String(page), facets: 'none' });
    expect(status).toBe(200);
    const r = searchResponse.parse(body);
    hits.push(...r.hits);
    if (hits.length >= r.total || !r.hits.length) return hits;
  }
}

const regionPath = (r: Hit['regions'][number]) => [r.province, r.city, r.county].filter(Boolean).join('/');
const csvRecord = (h: Hit) => [
  h.id,
  h.title,
  h.date ?? '',
  h.source ?? '',
  h.author ?? '',
  h.url ?? '',
  h.regions.map(regionPath).join('; '),
  h.regions.map((r) => r.code).join('; '),
  h.libraries.join('; '),
];

async function exportBody(params: Record<string, string | string[]>): Promise<{ res: Response; bytes: Uint8Array; text: string }> {
  const res = await fetch(`${server.url}/api/export?${qs(params)}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { res, bytes, text: new TextDecoder('utf-8', { ignoreBOM: true, fatal: true }).decode(bytes) };
}

describe('export', () => {
  it('writes CSV (BOM, CRLF, RFC 4180) with the rows of the search, in its order', async () => {
    for (const params of [{ q: '读书节' }, { q: '图书馆', province: '湖北' }, { q: '读书节', sort: 'date_asc' }, {}]) {
      const { res, bytes, text } = await exportBody({ format: 'csv', ...params });
      expect(res.status, text).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="zhsearch-\d{4}-\d{2}-\d{2}\.csv"$/);
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const expected = await allHits(params);
      expect(res.headers.get('x-total-count')).toBe(String(expected.length));
      const [header, ...rows] = parseCsv(text.slice(1));
      expect(header).toEqual([...CSV_COLUMNS]);
      expect(rows).toEqual(expected.map(csvRecord));
    }
  });

  it('round-trips a title with a comma, a quote and a line break, Chinese intact', async () => {
    const { text } = await exportBody({ format: 'csv', q: '特刊' });
    const rows = parseCsv(text.slice(1)).slice(1);
    const row = rows.find((r) => r[0] === 'csv-01')!;
    expect(row).toEqual(['csv-01', TRICKY_TITLE, '2024-04-23', '读书周刊', '李四, 王五', 'https://example.org/a?x=1,2', '湖北省/襄阳市; 湖南省/长沙市', '420600; 430100', '襄阳市图书馆; 湖南图书馆']);
  });

  it('writes JSON Lines with the rows of the search, regions as objects', async () => {
    const { res, text } = await exportBody({ format: 'jsonl', q: '图书馆' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/filename="zhsearch-\d{4}-\d{2}-\d{2}\.jsonl"$/);
    expect(text.endsWith('\n')).toBe(true);
    const rows = text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as unknown);
    const expected = await allHits({ q: '图书馆' });
    expect(rows).toEqual(expected.map(({ id, title, date, source, author, url, regions, libraries }) => ({ id, title, date, source, author, url, regions, libraries })));
    const tricky = (await exportBody({ format: 'jsonl', q: '特刊' })).text.split('\n').map((l) => (l ? (JSON.parse(l) as { id: string; title: string; regions: unknown }) : null));
    expect(tricky.find((r) => r?.id === 'csv-01')).toMatchObject({ title: TRICKY_TITLE, regions: [XIANGYANG, CHANGSHA] });
  });

  it('respects limit, ignores page and size', async () => {
    const expected = await allHits({ q: '读书节' });
    const limited = parseCsv((await exportBody({ format: 'csv', q: '读书节', limit: '7' })).text.slice(1)).slice(1);
    expect(limited).toEqual(expected.slice(0, 7).map(csvRecord));
    const paged = parseCsv((await exportBody({ format: 'csv', q: '读书节', page: '3', size: '5' })).text.slice(1)).slice(1);
    expect(paged).toEqual(expected.map(csvRecord));
  });

  it('rejects a bad format, limit or search parameter with a 400 naming it', async () => {
    for (const [params, parameter] of [
      [{ q: '读书节' }, 'format'],
      [{ format: 'xml' }, 'format'],
      [{ format: ['csv', 'jsonl'] }, 'format'],
      [{ format: 'csv', limit: '0' }, 'limit'],
      [{ format: 'csv', limit: '10001' }, 'limit'],
      [{ format: 'csv', province: '火星' }, 'province'],
      [{ format: 'csv', from: '2023-02-30' }, 'from'],
      [{ format: 'csv', bogus: '1' }, 'bogus'],
    ] as const) {
      const res = await fetch(`${server.url}/api/export?${qs(params)}`);
      expect(res.status, JSON.stringify(params)).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_parameter');
      expect(body.error.message).toContain(parameter);
    }
  });
});

describe('streaming', () => {
  it('pages through the search (several searches) and gives the same rows', async () => {
    const index = SearchIndex.open(dir);
    const app = express();
    app.use(accessLog(() => {}));
    app.get('/export', exportRoute(indexSessions(index, new SearchLanes('', { thread: false })), 2000, 7));
    app.use(errorHandler(() => {}));
    const http = app.listen(0, '127.0.0.1');
    await new Promise((r) => http.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      const expected = await allHits({ q: '读书节' });
      const text = await (await fetch(`${base}/export?${qs({ format: 'csv', q: '读书节' })}`)).text();
      expect(parseCsv(text.slice(1)).slice(1)).toEqual(expected.map(csvRecord));
      const limited = await (await fetch(`${base}/export?${qs({ format: 'csv', q: '读书节', limit: '15' })}`)).text();
      expect(parseCsv(limited.slice(1)).slice(1)).toEqual(expected.slice(0, 15).map(csvRecord));
    } finally {
      http.close();
      await index.close();
    }
  });

  it('waits for a slow client to drain the response, also between batches, and delivers every row in order', async () => {
    const row = (i: number) => `${i},${'长文本'.repeat(200)}\r\n`;
    const batches = 4;
    const perBatch = 2000;
    const server2 = createServer((_req, res) => {
      void (async () => {
        const out = new RowStream<number>(res as never, 'head\r\n', row);
        for (let b = 0; b < batches; b++) {
          const rows = Array.from({ length: perBatch }, (_, i) => b * perBatch + i);
          if (!(await out.write(rows))) return;
          // A pause between batches (as while the next page is searched): the client drains meanwhile.
          await new Promise((r) => setTimeout(r, 50));
        }
        out.end();
      })();
    });
    server2.listen(0, '127.0.0.1');
    await new Promise((r) => server2.once('listening', r));
    try {
      const port = (server2.address() as AddressInfo).port;
      const body = await new Promise<string>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port, path: '/' }, (res: IncomingMessage) => {
          const parts: Buffer[] = [];
          res.pause();
          // Read nothing for a while (the server's buffers fill), then read.
          setTimeout(() => {
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
            res.resume();
          }, 300);
        })
          .on('error', reject)
          .end();
      });
      const lines = body.split('\r\n').filter(Boolean);
      expect(lines[0]).toBe('head');
      expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(Array.from({ length: batches * perBatch }, (_, i) => i));
    } finally {
      server2.close();
    }
  });
});

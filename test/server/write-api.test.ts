/**
 * The HTTP write API over the real server: PUT, POST (one JSON document, NDJSON bulk with bad
 * lines), DELETE; keys (401, 403) and rate limits (429); visibility within the refresh interval
 * and with ?refresh=wait_for; the CLI refused while the server owns the index; and durability:
 * the server (a child process) killed with SIGKILL right after acknowledged writes, 20 times at
 * random points, loses none of them.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/server/auth.js';
import { bulkResponse, writeResponse } from '../../src/server/schemas.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';
import { random, removeDir, tempDir } from '../helpers.js';
import { runCli, waitFor, type Child } from './child.js';

const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
const SEARCH_KEY = 'test-search-key-0123456789abcdef';
const AUTH = { Authorization: `Bearer ${ADMIN_KEY}` };
const JSON_TYPE = { 'Content-Type': 'application/json' };
const NDJSON_TYPE = { 'Content-Type': 'application/x-ndjson' };

const dirs: string[] = [];
const servers: RunningServer[] = [];

async function serve(options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const dir = tempDir('zhsearch-writes-');
  dirs.push(dir);
  const server = await startServer({
    indexDir: dir,
    port: 0,
    log: () => {},
    reloadIntervalMs: 0,
    searchThread: false,
    keys: { admin: sha256(ADMIN_KEY), search: [] },
    ...options,
  });
  servers.push(server);
  return server;
}

function article(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, title: `襄阳市图书馆举办读书节 ${id}`, content: `襄阳市图书馆今天举办第${id}届读书节，读者踊跃参加。`, date: '2023-06-21', ...extra };
}

async function put(url: string, id: string, doc: unknown, query = '', headers: Record<string, string> = { ...AUTH, ...JSON_TYPE }): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}/api/documents/${encodeURIComponent(id)}${query}`, { method: 'PUT', headers, body: JSON.stringify(doc) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

async function bulk(url: string, lines: string[], query = ''): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/documents${query}`, { method: 'POST', headers: { ...AUTH, ...NDJSON_TYPE }, body: lines.join('\n') + '\n' });
  return { status: res.status, body: await res.json() };
}

async function docStatus(url: string, id: string): Promise<number> {
  const res = await fetch(`${url}/api/docs/${encodeURIComponent(id)}`);
  await res.arrayBuffer();
  return res.status;
}

/** The ids among `ids` whose document route answers a status that `bad` holds (32 requests at a time). */
async function idsWhere(url: string, ids: string[], bad: (status: number) => boolean): Promise<string[]> {
  const found: string[] = [];
  for (let i = 0; i < ids.length; i += 32) {
    const part = ids.slice(i, i + 32);
    const statuses = await Promise.all(part.map((id) => docStatus(url, id)));
    part.forEach((id, j) => bad(statuses[j]) && found.push(id));
  }
  return found;
}

async function searchIds(url: string, q: string): Promise<string[]> {
  const res = await fetch(`${url}/api/search?q=${encodeURIComponent(q)}&size=100&collapse=false`);
  const body = (await res.json()) as { hits: Array<{ id: string }> };
  return body.hits.map((h) => h.id).sort();
}

afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) removeDir(d);
});

describe('writing documents', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve({ refreshIntervalMs: 200 });
  });

  it('PUT answers 202 enqueued, and the document is searchable within the refresh interval', async () => {
    const r = await put(server.url, 'put-1', article('put-1'));
    expect(r.status).toBe(202);
    const receipt = writeResponse.parse(r.body);
    expect(receipt).toMatchObject({ id: 'put-1', operation: 'put', status: 'enqueued', generation: null });
    await waitFor(async () => (await docStatus(server.url, 'put-1')) === 200, 5000, 'the document to be searchable');
    expect(await searchIds(server.url, 'put-1')).toContain('put-1');
  });

  it('PUT with ?refresh=wait_for answers 200 visible once it is searchable; the id comes from the path', async () => {
    const doc = article('ignored');
    delete doc.id;
    const r = await put(server.url, 'put-2', doc, '?refresh=wait_for');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: 'put-2', status: 'visible' });
    expect(r.body.generation).toBeGreaterThan(0);
    expect(await docStatus(server.url, 'put-2')).toBe(200);
    const stored = await (await fetch(`${server.url}/api/docs/put-2`)).json();
    expect(stored.date).toBe('2023-06-21');
    // Task ids increase.
    const again = await put(server.url, 'put-2', { ...doc, title: '替换后的标题' }, '?refresh=wait_for');
    expect(again.body.taskId).toBeGreaterThan(r.body.taskId);
    expect((await (await fetch(`${server.url}/api/docs/put-2`)).json()).title).toBe('替换后的标题');
  });

  it('enriches a written document as zhsearch index does: its regions and libraries filter and facet it', async () => {
    const doc = {
      title: '随县图书馆开展“书香随县”全民阅读活动',
      content: '近日，湖北省随州市随县图书馆在厉山镇开展“书香随县”全民阅读活动，襄阳市图书馆派员参加。',
      date: '2024-04-23',
    };
    const r = await put(server.url, 'enrich-1', doc, '?refresh=wait_for');
    expect(r.status).toBe(200);
    const stored = await (await fetch(`${server.url}/api/docs/enrich-1`)).json();
    expect(stored.regions.map((x: { code: string }) => x.code)).toContain('421321');
    expect(stored.libraries).toEqual(expect.arrayContaining(['随县图书馆', '襄阳市图书馆']));
    const filtered = await (await fetch(`${server.url}/api/search?${new URLSearchParams({ q: '书香随县', county: '随县', facets: 'library' })}`)).json();
    expect(filtered.hits.map((h: { id: string }) => h.id)).toEqual(['enrich-1']);
    expect(filtered.facets.library.map((v: { value: string }) => v.value)).toEqual(expect.arrayContaining(['随县图书馆', '襄阳市图书馆']));
  });

  it('a bad document is a 400 naming the line and the field; nothing is written', async () => {
    const badDate = await put(server.url, 'bad-1', article('bad-1', { date: '2023-02-30' }));
    expect(badDate.status).toBe(400);
    expect(badDate.body.error.code).toBe('invalid_document');
    expect(badDate.body.error.details.failed).toEqual([{ line: 1, id: 'bad-1', error: '"date": is not a real date' }]);
    const other = await put(server.url, 'bad-2', article('bad-3'));
    expect(other.status).toBe(400);
    expect(other.body.error.message).toMatch(/differs from the id in the path/);
    const unknown = await put(server.url, 'bad-4', article('bad-4', { colour: 'red' }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/unknown field "colour".*extra/);
    const notJson = await fetch(`${server.url}/api/documents/bad-5`, { method: 'PUT', headers: { ...AUTH, ...JSON_TYPE }, body: '{"content": ' });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.details.failed[0]).toMatchObject({ line: 1, error: expect.stringMatching(/^not valid JSON/) });
    const text = await fetch(`${server.url}/api/documents/bad-6`, { method: 'PUT', headers: { ...AUTH, 'Content-Type': 'text/plain' }, body: 'hello' });
    expect(text.status).toBe(415);
    await server.writes!.refresh();
    for (const id of ['bad-1', 'bad-2', 'bad-3', 'bad-4', 'bad-5', 'bad-6']) expect(await docStatus(server.url, id)).toBe(404);
  });

  it('POST with one JSON document writes it', async () => {
    const res = await fetch(`${server.url}/api/documents?refresh=wait_for`, { method: 'POST', headers: { ...AUTH, ...JSON_TYPE }, body: JSON.stringify(article('post-1')) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 'post-1', operation: 'put', status: 'visible' });
    expect(await docStatus(server.url, 'post-1')).toBe(200);
  });

  it('POST NDJSON writes the good lines and lists the bad ones with their line numbers and reasons', async () => {
    const lines = [
      JSON.stringify(article('bulk-1')),
      JSON.stringify({ id: 'bulk-2' }), // no content
      '',
      'not json',
      JSON.stringify(article('bulk-5', { tags: 'one' })),
      JSON.stringify(article('bulk-6')),
      JSON.stringify(article('bulk-7', { content: 'x'.repeat(2 * 1024 * 1024) })), // longer than a line may be
      JSON.stringify(article('bulk-8')) + '\r',
    ];
    const r = await bulk(server.url, lines, '?refresh=wait_for');
    expect(r.status).toBe(200);
    const body = bulkResponse.parse(r.body);
    expect(body).toMatchObject({ status: 'visible', received: 7, accepted: 3, failedCount: 4 });
    expect(body.failed.map((f) => f.line)).toEqual([2, 4, 5, 7]);
    expect(body.failed[0]).toEqual({ line: 2, id: 'bulk-2', error: '"content": required: a string (the article text)' });
    expect(body.failed[1].error).toMatch(/^not valid JSON/);
    expect(body.failed[2].error).toMatch(/"tags"/);
    expect(body.failed[3].error).toMatch(/^line longer than 1048576 bytes/);
    expect(await searchIds(server.url, 'bulk')).toEqual(expect.arrayContaining(['bulk-1', 'bulk-6', 'bulk-8']));
    for (const id of ['bulk-2', 'bulk-5', 'bulk-7']) expect(await docStatus(server.url, id)).toBe(404);
  });

  it('a bulk without any good line is a 400 listing the lines', async () => {
    const r = await bulk(server.url, ['{"id": "x"}', '[1, 2]']);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_document');
    expect(r.body.error.details.failed.map((f: { line: number }) => f.line)).toEqual([1, 2]);
  });

  it('a bulk of many lines arrives in chunks and is written whole', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify(article(`many-${i}`)));
    const r = await bulk(server.url, lines);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ status: 'enqueued', received: 300, accepted: 300, failedCount: 0 });
    await server.writes!.refresh();
    expect(await idsWhere(server.url, lines.map((_, i) => `many-${i}`), (status) => status !== 200)).toEqual([]);
  });

  it('refuses bodies over the size limits with 413', async () => {
    const big = await put(server.url, 'big-1', article('big-1', { content: '图'.repeat(400_000) }));
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'payload_too_large', details: { maxBytes: 1024 * 1024 } });
    // A bulk declaring more than 32 MiB is refused before its body is read.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.url}/api/documents`, { method: 'POST', headers: { ...AUTH, ...NDJSON_TYPE, 'Content-Length': String(33 * 1024 * 1024) } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(JSON.stringify(article('big-2')) + '\n');
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.details.maxBytes).toBe(32 * 1024 * 1024);
  });

  it('DELETE removes the document', async () => {
    await put(server.url, 'del-1', article('del-1'), '?refresh=wait_for');
    const res = await fetch(`${server.url}/api/documents/del-1?refresh=wait_for`, { method: 'DELETE', headers: AUTH });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 'del-1', operation: 'delete', status: 'visible' });
    expect(await docStatus(server.url, 'del-1')).toBe(404);
  });

  it('answers CORS preflights of the write routes with their methods and the Authorization header', async () => {
    const res = await fetch(`${server.url}/api/documents/x`, { method: 'OPTIONS', headers: { Origin: 'https://lib.example.org', 'Access-Control-Request-Method': 'PUT' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toBe('PUT, DELETE, OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const post = await fetch(`${server.url}/api/documents`, { method: 'OPTIONS' });
    expect(post.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    const get = await fetch(`${server.url}/api/documents/x`, { headers: AUTH });
    expect(get.status).toBe(405);
  });
});

describe('the OpenAPI document', () => {
  it('describes the write routes, their security and their bodies; every reference resolves', async () => {
    const server = await serve();
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as any;
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['adminKey', 'searchKey']);
    expect(doc.components.securitySchemes.adminKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    const put = doc.paths['/api/documents/{id}'].put;
    expect(put.security).toEqual([{ adminKey: [] }]);
    expect(put.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'refresh']);
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '202', '400', '401', '403', '429']));
    const body = put.requestBody.content['application/json'].schema;
    expect(body.properties.date.description).toMatch(/YYYY-MM-DD/);
    expect(body.required).toEqual(['content']);
    expect(doc.paths['/api/documents'].post.requestBody.content).toHaveProperty('application/x-ndjson');
    expect(doc.paths['/api/documents/{id}'].delete.security).toEqual([{ adminKey: [] }]);
    expect(doc.components.schemas.BulkResponse.properties.failed.items.properties.line.type).toBe('integer');
    for (const [, ref] of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components.schemas, ref).toHaveProperty(ref);
  });
});

describe('keys', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve({ keys: { admin: sha256(ADMIN_KEY), search: [sha256(SEARCH_KEY)] } });
  });

  it('refuses writes without a key (401 with WWW-Authenticate), with a wrong key (401), with a search key (403)', async () => {
    const none = await put(server.url, 'k-1', article('k-1'), '', JSON_TYPE);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="zhsearch"');
    expect(none.body.error.code).toBe('unauthorized');
    const wrong = await put(server.url, 'k-1', article('k-1'), '', { ...JSON_TYPE, Authorization: `Bearer ${ADMIN_KEY}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/invalid_token/);
    const search = await put(server.url, 'k-1', article('k-1'), '', { ...JSON_TYPE, Authorization: `Bearer ${SEARCH_KEY}` });
    expect(search.status).toBe(403);
    expect(search.body.error.code).toBe('forbidden');
    const del = await fetch(`${server.url}/api/documents/k-1`, { method: 'DELETE', headers: { Authorization: `Bearer ${SEARCH_KEY}` } });
    expect(del.status).toBe(403);
    const admin = await put(server.url, 'k-1', article('k-1'), '?refresh=wait_for');
    expect(admin.status).toBe(200);
  });

  it('with search keys configured, reads need a search key or the admin key; health stays open', async () => {
    const q = `/api/search?q=${encodeURIComponent('图书馆')}`;
    const none = await fetch(server.url + q);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="zhsearch"');
    expect((await fetch(server.url + q, { headers: { Authorization: 'Bearer not-a-key-at-all-0000' } })).status).toBe(401);
    expect((await fetch(server.url + q, { headers: { Authorization: `Bearer ${SEARCH_KEY}` } })).status).toBe(200);
    expect((await fetch(server.url + q, { headers: AUTH })).status).toBe(200);
    expect((await fetch(`${server.url}/api/docs/k-1`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/openapi.json`)).status).toBe(200);
  });

  it('without an admin key the write API is off: 403 writes_disabled, reads open', async () => {
    const off = await serve({ keys: { admin: null, search: [] } });
    const r = await put(off.url, 'w-1', article('w-1'));
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('writes_disabled');
    expect((await fetch(`${off.url}/api/health`)).status).toBe(200);
    expect(off.writes).toBeNull();
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the limit per key and per address; loopback is exempt by default', async () => {
    const limited = await serve({ rateLimit: 3, rateLimitLoopback: true });
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${limited.url}/api/health`);
      statuses.push(last.status);
      if (i < 3) await last.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await last!.json()).error.code).toBe('too_many_requests');
    const writes = await put(limited.url, 'r-1', article('r-1'));
    expect(writes.status).toBe(429);

    const exempt = await serve({ rateLimit: 3 });
    for (let i = 0; i < 6; i++) expect((await fetch(`${exempt.url}/api/health`)).status).toBe(200);
  });
});

describe('one writer', () => {
  it('zhsearch index is refused while the server owns the index, naming the server and how to send documents to it', async () => {
    // With the search thread (the default), which gets the index options without the lock's owner.
    const server = await serve({ searchThread: true });
    const dir = dirs[dirs.length - 1];
    expect((await put(server.url, 'one-1', article('one-1'), '?refresh=wait_for')).status).toBe(200);
    const cli = runCli(['index', 'corpus', '--index-dir', dir, '--quiet']);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain(`is owned by the zhsearch server at ${server.url}`);
    expect(cli.stderr()).toContain(`--data-binary @docs.jsonl '${server.url}/api/documents'`);
    await server.close();
    // Closed, the server lets go of the index.
    const again = runCli(['delete', 'nothing', '--index-dir', dir]);
    expect(await again.exited, again.stderr()).toBe(0);
  });
});

describe('durability', () => {
  /** Starts `zhsearch serve` with the write API in a child process; resolves with its URL. */
  async function start(dir: string): Promise<{ child: Child; url: string }> {
    const child = runCli(['serve', '--index-dir', dir, '--port', '0', '--search-thread', 'off', '--refresh-ms', '300'], { ZHSEARCH_ADMIN_KEY: ADMIN_KEY });
    const url = await waitFor(
      async () => {
        if (child.process.exitCode !== null) throw new Error(`the server exited: ${child.stderr()}`);
        return /at (http:\/\/\S+)/.exec(child.stderr())?.[1];
      },
      30_000,
      'the server to listen',
    );
    return { child, url };
  }

  it('a kill -9 right after acknowledged writes loses none of them (20 times, at random points)', async () => {
    const dir = tempDir('zhsearch-kill-');
    dirs.push(dir);
    const rand = random(1414);
    /** Ids whose put was acknowledged and not deleted since; ids whose delete was acknowledged. */
    const live = new Set<string>();
    const deleted = new Set<string>();
    /** Ids with a delete in flight at the kill: either state is right. */
    let n = 0;
    let { child, url } = await start(dir);
    for (let round = 0; round < 20; round++) {
      const uncertain = new Set<string>();
      let stop = false;
      let acked = 0;
      const writer = async (w: number) => {
        while (!stop) {
          const pick = rand();
          try {
            if (pick < 0.6) {
              const id = `k${round}-${w}-${n++}`;
              const r = await put(url, id, article(id));
              if (r.status === 202) live.add(id), acked++;
              else throw new Error(`PUT answered ${r.status}`);
            } else if (pick < 0.8) {
              const ids = Array.from({ length: 5 }, () => `b${round}-${w}-${n++}`);
              const r = await bulk(url, ids.map((id) => JSON.stringify(article(id))));
              if (r.status === 202 && r.body.accepted === 5) for (const id of ids) live.add(id), acked++;
              else throw new Error(`bulk answered ${r.status}`);
            } else if (live.size) {
              const id = [...live][Math.floor(rand() * live.size)];
              live.delete(id);
              uncertain.add(id);
              const res = await fetch(`${url}/api/documents/${id}`, { method: 'DELETE', headers: AUTH });
              await res.arrayBuffer();
              if (res.status !== 202) throw new Error(`DELETE answered ${res.status}`);
              uncertain.delete(id);
              deleted.add(id);
            }
          } catch {
            return; // the server was killed mid-request: that write was not acknowledged
          }
        }
      };
      const writers = [0, 1, 2].map(writer);
      // Killed at a random point once some writes of this round were acknowledged, more in flight.
      const enough = 1 + Math.floor(rand() * 30);
      await waitFor(() => acked >= enough, 30_000, 'writes to be acknowledged');
      await new Promise((r) => setTimeout(r, rand() * 100));
      child.process.kill('SIGKILL');
      stop = true;
      await child.exited;
      await Promise.all(writers);
      ({ child, url } = await start(dir));
      const missing = await idsWhere(url, [...live], (status) => status !== 200);
      const resurrected = await idsWhere(url, [...deleted], (status) => status !== 404);
      expect({ round, missing, resurrected }).toEqual({ round, missing: [], resurrected: [] });
      if (process.env.WRITE_API_DEBUG) console.log(`round ${round}: ${live.size} live, ${deleted.size} deleted, ${new Date().toISOString()}`);
    }
    expect(live.size).toBeGreaterThan(100);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  }, 400_000);
});

/**
 * Slow and broken clients, over raw sockets: clients that send their headers a byte at a time or
 * nothing at all, idle keep-alive connections, URLs over the cap, connections dropped in the
 * middle of a response, clients that never read a large response, more connections than allowed.
 * None may stall other requests or keep memory: the server cuts them after its (here shortened)
 * timeouts, and a health check keeps answering quickly throughout.
 */
import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponse } from '../../src/server/schemas.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { removeDir, tempDir } from '../helpers.js';
import { buildIndex, fixtureDocuments } from '../server/fixtures.js';
import { sentence } from './synthetic.js';
import { random } from '../helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const HEADERS_MS = 400;
const IDLE_MS = 2000;
const KEEP_ALIVE_MS = 300;
const MAX_CONNECTIONS = 60;

let dir: string;
let server: RunningServer;
const log: string[] = [];

beforeAll(async () => {
  dir = tempDir('zhsearch-slow-');
  // A document near the size limit: its article view is a ~5 MB response, cheap to compute.
  const rnd = random(3);
  const big = Array.from({ length: 30_000 }, () => sentence(rnd)).join('').slice(0, 950_000);
  await buildIndex(dir, [...fixtureDocuments(), { id: 'big', title: '大文档', content: big }]);
  server = await startServer({
    indexDir: dir,
    port: 0,
    log: (l) => log.push(l),
    reloadIntervalMs: 0,
    headersTimeoutMs: HEADERS_MS,
    requestTimeoutMs: 1000,
    keepAliveTimeoutMs: KEEP_ALIVE_MS,
    idleTimeoutMs: IDLE_MS,
    maxConnections: MAX_CONNECTIONS,
  });
});

afterAll(async () => {
  await server?.close();
  if (dir) removeDir(dir);
});

/** Latency of a health check on a fresh connection. */
async function healthMs(): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}/api/health`, { headers: { Connection: 'close' } });
  expect(res.status).toBe(200);
  await res.json();
  return performance.now() - started;
}

/** A raw connection collecting what the server sends, with when it closed. */
interface Raw {
  socket: Socket;
  data: () => string;
  closed: Promise<number>;
}

function open(): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {});
    const opened = performance.now();
    const closed = new Promise<number>((res) => socket.on('close', () => res(performance.now() - opened)));
    socket.once('connect', () => resolve({ socket, data: () => Buffer.concat(chunks).toString('latin1'), closed }));
    socket.once('error', reject);
  });
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);

/** V8 heap plus buffers, after collecting garbage. */
function memory(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const LARGE = '/api/search?q=%E5%9B%BE%E4%B9%A6%E9%A6%86&size=100&snippetLength=1000&facetSize=100';

describe('slow clients', () => {
  it('cuts clients that send headers a byte at a time (slowloris) with a 408, others unaffected', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, open));
    const request = 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(1000);
    let i = 0;
    const drip = setInterval(() => {
      for (const c of clients) if (!c.socket.destroyed) c.socket.write(request[i % request.length]);
      i++;
    }, 20);
    try {
      for (let k = 0; k < 5; k++) expect(await healthMs()).toBeLessThan(250);
      const times = await within(Promise.all(clients.map((c) => c.closed)), HEADERS_MS + 3000, 'slow clients cut');
      for (const t of times) expect(t).toBeGreaterThanOrEqual(HEADERS_MS - 50);
      for (const c of clients) {
        expect(c.data()).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
        expect(errorResponse.parse(JSON.parse(c.data().split('\r\n\r\n')[1])).error.message).toBe('request timed out');
      }
    } finally {
      clearInterval(drip);
    }
  });

  it('cuts a request whose body never finishes arriving', async () => {
    const c = await open();
    c.socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n');
    const drip = setInterval(() => !c.socket.destroyed && c.socket.write('x'), 20);
    try {
      const after = await within(c.closed, 1000 + 3000, 'request cut');
      expect(after).toBeGreaterThanOrEqual(1000 - 50);
      // Answered (health needs no body), then told 408 and disconnected.
      const statuses = [...c.data().matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
      expect(statuses[0]).toBe('200');
      expect(statuses.slice(1).every((s) => s === '408')).toBe(true);
    } finally {
      clearInterval(drip);
    }
    expect(await healthMs()).toBeLessThan(250);
  });

  it('closes connections that send nothing, and idle keep-alive connections', async () => {
    const silent = await open();
    const kept = await open();
    kept.socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const silentAfter = await within(silent.closed, HEADERS_MS + 3000, 'silent connection closed');
    const keptAfter = await within(kept.closed, KEEP_ALIVE_MS + 3000, 'keep-alive connection closed');
    expect(silentAfter).toBeGreaterThanOrEqual(HEADERS_MS - 50);
    expect(keptAfter).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 50);
    expect(kept.data()).toMatch(/^HTTP\/1\.1 200 OK/);
  });

  it('caps the URL: 414 over 48 KiB, 431 over the 64 KiB head, a 4,000-character query still passes', async () => {
    const send = async (target: string) => {
      const c = await open();
      c.socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      await within(c.closed, 5000, 'answer');
      const [head, body] = c.data().split('\r\n\r\n');
      return { status: Number(head.split(' ')[1]), head, body: JSON.parse(body) };
    };
    const q = encodeURIComponent('图'.repeat(4000));
    expect((await send(`/api/search?q=${q}&facets=none`)).status).toBe(200);
    const long = await send(`/api/search?q=${q}&source=${'x'.repeat(15_000)}`);
    expect(long.status).toBe(414);
    expect(errorResponse.parse(long.body).error).toMatchObject({ code: 'uri_too_long', details: { maxBytes: 48 * 1024 } });
    expect(long.head).toMatch(/X-Content-Type-Options: nosniff/i);
    const huge = await send(`/api/search?q=${'x'.repeat(70_000)}`);
    expect(huge.status).toBe(431);
    expect(errorResponse.parse(huge.body).error.code).toBe('bad_request');
    expect(huge.head).toMatch(/Content-Security-Policy: default-src 'none'/);
    // The log keeps a bounded line for the 414.
    expect(log.some((l) => l.includes(' 414 ') && l.length < 2500 && l.includes('bytes)'))).toBe(true);
  });
});

describe('broken clients', () => {
  it('survives 200 connections dropped in the middle of large responses, without keeping memory', async () => {
    const drop = async (afterBytes: number) => {
      const c = await open();
      c.socket.write(`GET ${LARGE}&page=${1 + (afterBytes % 50)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      if (afterBytes === 0) c.socket.destroy();
      else {
        let got = 0;
        c.socket.on('data', (d: Buffer) => {
          got += d.length;
          if (got >= afterBytes) c.socket.resetAndDestroy();
        });
      }
      await within(c.closed, 5000, 'dropped');
    };
    for (let i = 0; i < 30; i++) await drop(i % 2 ? 1 : 0); // warm up
    const before = memory();
    for (let round = 0; round < 20; round++) await Promise.all(Array.from({ length: 10 }, (_, k) => drop([0, 1, 100, 5000, 20_000][k % 5] + round)));
    await new Promise((r) => setTimeout(r, 200));
    const after = memory();
    expect(after - before).toBeLessThan(20 * 1024 * 1024);
    expect(await healthMs()).toBeLessThan(250);
    expect(log.filter((l) => / 500 /.test(l))).toEqual([]);
  });

  it('cuts clients that never read a large response; they stall nobody and their buffers are freed', async () => {
    const before = memory();
    // Each client pipelines 20 requests for a ~5 MB response and never reads one byte. The server
    // handles them one at a time, each once the previous response is out: it computes and holds
    // only what the socket buffers take, then they stall.
    const stalled = await Promise.all(Array.from({ length: 10 }, open));
    for (const c of stalled) {
      c.socket.pause();
      c.socket.write(Array.from({ length: 20 }, () => `GET /api/docs/big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join(''));
    }
    // Once their buffers are full, others are answered promptly while the stalled connections are open.
    const until = performance.now() + 30_000;
    while ((await healthMs()) > 50 && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (let k = 0; k < 10; k++) expect(await healthMs()).toBeLessThan(250);
    // Then nothing moves on them for the idle timeout, and the server destroys them: the response
    // each was sending ends as aborted in the log...
    const aborted = () => log.filter((l) => l.includes('/api/docs/big') && l.includes('-aborted') && !l.includes(' stalled-reader-')).length;
    const deadline = performance.now() + IDLE_MS + 15_000;
    while (aborted() < stalled.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(aborted()).toBe(stalled.length);
    // ...and a client reading now gets what was in flight, then the end: not the 20 responses.
    for (const c of stalled) c.socket.resume();
    await within(Promise.all(stalled.map((c) => c.closed)), 5000, 'stalled clients cut');
    for (const c of stalled) expect(c.data().split('HTTP/1.1 200 OK').length - 1).toBeLessThan(3);
    stalled.splice(0); // what these clients received is not the server's memory
    await new Promise((r) => setTimeout(r, 200));
    expect(memory() - before).toBeLessThan(20 * 1024 * 1024);
    expect(await healthMs()).toBeLessThan(250);
  });

  it('cuts a client that stopped reading within the idle timeout after the last progress, not twice that', async () => {
    // Node's own socket timeout forgives one period when the write queue shrank since the write
    // was dispatched, which it always has right after a large write: it cut at twice the timeout.
    // The client pipelines requests for a ~5 MB response and reads nothing: the first responses
    // fill the kernel's buffers, the next one stalls halfway.
    const c = await open();
    c.socket.pause();
    c.socket.write(Array.from({ length: 6 }, (_, i) => `GET /api/docs/big HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: stalled-reader-${i}\r\n\r\n`).join(''));
    const mine = () => log.filter((l) => l.includes(' stalled-reader-'));
    const aborted = () => mine().find((l) => l.includes('-aborted'));
    const until = performance.now() + 3 * IDLE_MS + 5000;
    while (!aborted() && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(aborted(), 'a stalled response ends as aborted').toBeDefined();
    // The access log's latency runs from the request (all were read at once) to the cut: the
    // stall began after a few responses were computed and written, a fraction of a second.
    const ms = Number(/ (\d+(?:\.\d+)?)ms$/.exec(aborted()!)![1]);
    expect(ms).toBeGreaterThanOrEqual(IDLE_MS);
    expect(ms).toBeLessThan(IDLE_MS * 1.5);
    c.socket.destroy();
  });

  it(`refuses connections over the limit (${MAX_CONNECTIONS}) and recovers once idle ones are cut`, async () => {
    const idle = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, open));
    await new Promise((r) => setTimeout(r, 100));
    const extra = await open();
    expect(await within(extra.closed, 2000, 'extra connection refused')).toBeLessThan(2000);
    expect(extra.data()).toBe('');
    // The idle ones are cut after the headers timeout; then requests are served again.
    await within(Promise.all(idle.map((c) => c.closed)), HEADERS_MS + 3000, 'idle connections cut');
    expect(await healthMs()).toBeLessThan(250);
  });
});

/**
 * Time slices (src/server/app.ts): with every connection busy with slow synchronous searches, new
 * connections are still accepted and answered promptly, and requests are answered in arrival order.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexReader, SearchResult } from '../../src/index.js';
import { createApp } from '../../src/server/app.js';

const SEARCH_MS = 30;

/** A reader whose search holds the event loop for SEARCH_MS, as a real search does. */
const slowReader = {
  generation: 1,
  documentCount: 0,
  search(q: string): SearchResult {
    const until = performance.now() + SEARCH_MS;
    while (performance.now() < until);
    return { total: 0, articles: 0, hits: [], facets: {}, query: { q, terms: [], excluded: [], op: 'and', relaxed: false, ignored: [] } };
  },
  checkFilters() {},
  release() {},
} as unknown as IndexReader;

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer(createApp({ acquire: () => slowReader }, { log: () => {} }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(path: string, agent: Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

describe('time slices', () => {
  it('accepts and answers new connections while every open connection keeps a slow search running', async () => {
    let busy = true;
    const loops = Array.from({ length: 20 }, async (_, i) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (busy) await get(`/api/search?q=${i}`, agent);
      agent.destroy();
    });
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    // 40 new connections at once: without slices they were accepted about one per round over the
    // busy connections (each round 20+ searches of 30 ms): 16 s in all here; with slices 2-3 s.
    const statuses = await Promise.all(Array.from({ length: 40 }, () => get('/api/health', false)));
    const seconds = (performance.now() - started) / 1000;
    busy = false;
    await Promise.all(loops);
    expect(statuses).toEqual(Array(40).fill(200));
    expect(seconds).toBeLessThan(8);
  }, 60_000);
});

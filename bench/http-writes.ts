/**
 * Benchmark of the HTTP write API (issue 14): documents per second written over HTTP, single PUTs
 * (one at a time, and 8 at a time) and NDJSON bulk, with each durability mode (`log`: answer once
 * the write-ahead log is synced; `commit`: commit before every answer), and `zhsearch index` on
 * the same documents in the same run.
 *
 *   npx tsx bench/http-writes.ts [--docs 3000] [--singles 300]
 *
 * Documents: the first N records of xwlb (../shared/corpora/xwlb.jsonl.gz, or $ZHSEARCH_SHARED), as
 * the API takes them; the server enriches them (regions, libraries, duplicate groups) as the CLI
 * does. Every figure includes making the documents searchable: the clock stops after a final
 * `?refresh=wait_for` (or the CLI's commit). Prints a table and writes bench/results/http-writes.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parseArgs } from 'node:util';
import { main } from '../src/cli/main.js';
import { XWLB } from './corpora.js';
import { sha256 } from '../src/server/auth.js';
import { startServer } from '../src/server/server.js';
import type { Durability } from '../src/server/writes.js';

const { values } = parseArgs({ options: { docs: { type: 'string' }, singles: { type: 'string' }, corpus: { type: 'string' } } });
const DOCS = Number(values.docs ?? 3000);
const SINGLES = Number(values.singles ?? 300);
const CORPUS = values.corpus ?? XWLB;
const KEY = 'bench-admin-key-0123456789abcdef';
const AUTH = { Authorization: `Bearer ${KEY}` };

async function readDocs(n: number): Promise<Array<Record<string, unknown>>> {
  const docs: Array<Record<string, unknown>> = [];
  const lines = createInterface({ input: createReadStream(CORPUS).pipe(createGunzip()) });
  for await (const line of lines) {
    const r = JSON.parse(line) as Record<string, unknown>;
    docs.push({ id: String(r.id), title: String(r.title ?? ''), content: String(r.content ?? ''), date: r.date, tags: r.tags });
    if (docs.length >= n) break;
  }
  lines.close();
  return docs;
}

async function withServer<T>(durability: Durability, work: (url: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'zhsearch-bench-writes-'));
  const server = await startServer({ indexDir: dir, port: 0, log: () => {}, searchThread: false, reloadIntervalMs: 0, keys: { admin: sha256(KEY), search: [] }, writeDurability: durability });
  try {
    return await work(server.url);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function putAll(url: string, docs: Array<Record<string, unknown>>, concurrency: number): Promise<number> {
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < docs.length) {
      const doc = docs[next++];
      const res = await fetch(`${url}/api/documents/${encodeURIComponent(String(doc.id))}`, { method: 'PUT', headers: { ...AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify(doc) });
      if (res.status >= 300) throw new Error(`PUT ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await refresh(url);
  return docs.length / ((performance.now() - start) / 1000);
}

async function bulkAll(url: string, docs: Array<Record<string, unknown>>, perRequest: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < docs.length; i += perRequest) {
    const body = docs.slice(i, i + perRequest).map((d) => JSON.stringify(d)).join('\n') + '\n';
    const res = await fetch(`${url}/api/documents`, { method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/x-ndjson' }, body });
    const r = (await res.json()) as { accepted: number };
    if (res.status >= 300 || r.accepted !== Math.min(perRequest, docs.length - i)) throw new Error(`bulk ${res.status}: ${JSON.stringify(r).slice(0, 300)}`);
  }
  await refresh(url);
  return docs.length / ((performance.now() - start) / 1000);
}

/** Makes everything written searchable (a delete of no document, with wait_for). */
async function refresh(url: string): Promise<void> {
  const res = await fetch(`${url}/api/documents/bench-none?refresh=wait_for`, { method: 'DELETE', headers: AUTH });
  await res.arrayBuffer();
}

async function cli(docs: Array<Record<string, unknown>>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'zhsearch-bench-cli-'));
  const file = join(dir, 'docs.jsonl');
  writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  const start = performance.now();
  const code = await main(['index', file, '--index-dir', join(dir, 'index'), '--quiet']);
  const rate = docs.length / ((performance.now() - start) / 1000);
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`zhsearch index exited ${code}`);
  return rate;
}

const docs = await readDocs(DOCS);
const singles = docs.slice(0, SINGLES);
const rows: string[] = [];
const results: Record<string, unknown> = { docs: DOCS, singles: SINGLES, corpus: 'xwlb', measuredAt: new Date().toISOString(), unit: 'documents/s, searchable at the end' };
const fmt = (n: number) => n.toFixed(0).padStart(7);
for (const durability of ['log', 'commit'] as const) {
  const one = await withServer(durability, (url) => putAll(url, singles, 1));
  const eight = await withServer(durability, (url) => putAll(url, singles, 8));
  const bulk = await withServer(durability, (url) => bulkAll(url, docs, 1000));
  results[durability] = { put1: Math.round(one), put8: Math.round(eight), bulk1000: Math.round(bulk) };
  rows.push(`${durability.padEnd(8)} PUT x1 ${fmt(one)}   PUT x8 ${fmt(eight)}   bulk (1000/request) ${fmt(bulk)}   docs/s`);
  process.stderr.write(rows[rows.length - 1] + '\n');
}
const cliRate = await cli(docs);
results.cli = Math.round(cliRate);
rows.push(`zhsearch index (CLI, same ${DOCS} documents): ${fmt(cliRate)} docs/s`);
process.stdout.write(`HTTP write API, ${SINGLES} single PUTs, ${DOCS} documents in bulk (xwlb), searchable at the end\n${rows.join('\n')}\n`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'http-writes.json'), JSON.stringify(results, null, 2) + '\n');

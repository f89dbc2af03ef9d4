/**
 * `zhsearch serve` and `zhsearch start` as processes: configuration errors are reported clearly,
 * `start` builds a missing index from the corpus, SIGTERM / SIGINT stop the server with exit 0
 * even with a keep-alive connection open; `--workers` serves from several processes. `zhsearch
 * search` says how it read the query; synonym lists on the command line, a bad one named by line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STOP_WORDS_FILE, DEFAULT_SYNONYMS_FILE, SearchIndex } from '../../src/index.js';
import type { IngestReport } from '../../src/ingest/pipeline.js';
import { main } from '../../src/cli/main.js';
import { serveCommand } from '../../src/cli/serve.js';
import { loadServeConfig } from '../../src/server/config.js';
import { removeDir, tempDir } from '../helpers.js';
import { runCli, waitFor, type Child } from './child.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const urlOf = (child: Child) => waitFor(() => /at (http:\/\/127\.0\.0\.1:\d+)/.exec(child.stderr())?.[1], 60_000, `the server to listen (${child.stderr()})`);

/** GET over a keep-alive agent, so the connection stays open after the response. */
function getKeepAlive(url: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('configuration', () => {
  it('reads flags over environment variables over defaults', () => {
    expect(loadServeConfig({}, {})).toEqual({
      indexDir: 'index',
      port: 3000,
      host: '127.0.0.1',
      corsOrigins: '*',
      searchTimeoutMs: 2000,
      workers: 1,
      searchThread: true,
      searchThreads: 1,
      trustProxy: false,
      stopWords: DEFAULT_STOP_WORDS_FILE,
      synonyms: [DEFAULT_SYNONYMS_FILE],
      keys: { admin: null, search: [] },
      rateLimit: 600,
      rateLimitLoopback: false,
      refreshIntervalMs: 1000,
    });
    expect(loadServeConfig({ port: '8080' }, { ZHSEARCH_PORT: '9090', ZHSEARCH_HOST: '0.0.0.0', ZHSEARCH_CORS_ORIGINS: 'https://a.example, https://b.example:8443' })).toEqual({
      indexDir: 'index',
      port: 8080,
      host: '0.0.0.0',
      corsOrigins: ['https://a.example', 'https://b.example:8443'],
      searchTimeoutMs: 2000,
      workers: 1,
      searchThread: true,
      searchThreads: 1,
      trustProxy: false,
      stopWords: DEFAULT_STOP_WORDS_FILE,
      synonyms: [DEFAULT_SYNONYMS_FILE],
      keys: { admin: null, search: [] },
      rateLimit: 600,
      rateLimitLoopback: false,
      refreshIntervalMs: 1000,
    });
    // A user's synonym files extend the default list, unless it is left out.
    expect(loadServeConfig({ synonyms: ['package.json', 'README.md'] }, {}).synonyms).toEqual([DEFAULT_SYNONYMS_FILE, 'package.json', 'README.md']);
    expect(loadServeConfig({ synonyms: ['package.json'], 'no-default-synonyms': true }, {}).synonyms).toEqual(['package.json']);
    expect(loadServeConfig({ 'no-default-synonyms': true }, {}).synonyms).toEqual([]);
    expect(loadServeConfig({ 'search-thread': 'off' }, { ZHSEARCH_SEARCH_THREAD: 'on' }).searchThread).toBe(false);
    expect(loadServeConfig({ 'search-threads': '2' }, { ZHSEARCH_SEARCH_THREADS: '3' }).searchThreads).toBe(2);
    expect(loadServeConfig({}, { ZHSEARCH_SEARCH_THREADS: '0' }).searchThreads).toBe(0);
    expect(loadServeConfig({}, { ZHSEARCH_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadServeConfig({ 'trust-proxy': 'loopback, 10.0.0.0/8' }, {}).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(loadServeConfig({ workers: '0' }, { ZHSEARCH_WORKERS: '3' }).workers).toBe(0);
    expect(loadServeConfig({ 'timeout-ms': '500' }, { ZHSEARCH_TIMEOUT_MS: '900' }).searchTimeoutMs).toBe(500);
    expect(loadServeConfig({}, { ZHSEARCH_TIMEOUT_MS: '900' }).searchTimeoutMs).toBe(900);
  });

  it('keeps only the digests of the API keys, and refuses short keys and a write API over several workers', () => {
    const admin = 'an-admin-key-0123456789';
    const c = loadServeConfig({ 'rate-limit': '60', 'rate-limit-loopback': 'on', 'refresh-ms': '250' }, { ZHSEARCH_ADMIN_KEY: admin, ZHSEARCH_SEARCH_KEYS: 'search-key-one-0123, search-key-two-0123' });
    expect(c.keys.admin).toEqual(createHash('sha256').update(admin).digest());
    expect(c.keys.search.map((k) => k.toString('hex'))).toEqual(['search-key-one-0123', 'search-key-two-0123'].map((k) => createHash('sha256').update(k).digest('hex')));
    expect(JSON.stringify(c)).not.toContain(admin);
    expect(c).toMatchObject({ rateLimit: 60, rateLimitLoopback: true, refreshIntervalMs: 250 });
    const dir = mkdtempSync(join(tmpdir(), 'zhsearch-keys-'));
    writeFileSync(join(dir, 'admin'), `${admin}\n`);
    writeFileSync(join(dir, 'search'), '# readers\nsearch-key-one-0123\n\nsearch-key-two-0123\n');
    const fromFiles = loadServeConfig({ 'admin-key-file': join(dir, 'admin'), 'search-key-file': join(dir, 'search') }, { ZHSEARCH_ADMIN_KEY: 'ignored-when-a-file-is-given' });
    expect(fromFiles.keys).toEqual(c.keys);
    rmSync(dir, { recursive: true, force: true });
    expect(() => loadServeConfig({}, { ZHSEARCH_ADMIN_KEY: 'short' })).toThrow(/--admin-key-file \/ ZHSEARCH_ADMIN_KEY: a key must have at least 16 characters/);
    expect(() => loadServeConfig({ 'admin-key-file': '/nonexistent/key' }, {})).toThrow(/--admin-key-file: cannot read \/nonexistent\/key: ENOENT/);
    expect(() => loadServeConfig({ workers: '2' }, { ZHSEARCH_ADMIN_KEY: admin })).toThrow(/the write API .* needs one server process/);
    expect(() => loadServeConfig({ 'rate-limit': 'many' }, {})).toThrow(/--rate-limit \/ ZHSEARCH_RATE_LIMIT/);
  });

  it('names every bad setting with its flag and variable', () => {
    expect(() => loadServeConfig({ port: '70000' }, { ZHSEARCH_CORS_ORIGINS: 'a.example/path' })).toThrow(
      /--port \/ ZHSEARCH_PORT: must be a port number[\s\S]*--cors-origins \/ ZHSEARCH_CORS_ORIGINS: "a.example\/path" is not an origin/,
    );
    expect(() => loadServeConfig({}, { ZHSEARCH_HOST: 'bad host!' })).toThrow(/--host \/ ZHSEARCH_HOST/);
    expect(() => loadServeConfig({ 'timeout-ms': '0' }, {})).toThrow(/--timeout-ms \/ ZHSEARCH_TIMEOUT_MS: must be a whole number of milliseconds/);
    expect(() => loadServeConfig({}, { ZHSEARCH_TIMEOUT_MS: '2s' })).toThrow(/--timeout-ms \/ ZHSEARCH_TIMEOUT_MS/);
    expect(() => loadServeConfig({ workers: '-1' }, {})).toThrow(/--workers \/ ZHSEARCH_WORKERS: must be a whole number/);
    expect(() => loadServeConfig({ 'search-thread': 'yes' }, {})).toThrow(/--search-thread \/ ZHSEARCH_SEARCH_THREAD: must be on or off/);
    expect(() => loadServeConfig({ 'search-threads': '17' }, {})).toThrow(/--search-threads \/ ZHSEARCH_SEARCH_THREADS: must be a whole number from 0/);
    expect(() => loadServeConfig({}, { ZHSEARCH_TRUST_PROXY: 'a;b' })).toThrow(/--trust-proxy \/ ZHSEARCH_TRUST_PROXY/);
    expect(() => loadServeConfig({ 'stop-words': '/no/such/list.txt' }, {})).toThrow(/--stop-words \/ ZHSEARCH_STOP_WORDS: no such file/);
    expect(() => loadServeConfig({ port: 'x', synonyms: ['/no/such/synonyms.txt'] }, {})).toThrow(/--port[\s\S]*--synonyms: no such file \(got "\/no\/such\/synonyms.txt"\)/);
  });

  it('stops with exit 2 and the message when a process is misconfigured', async () => {
    const child = runCli(['serve', '--port', 'abc']);
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toMatch(/--port \/ ZHSEARCH_PORT: must be a port number from 0 to 65535 \(got "abc"\)/);
    const env = runCli(['serve'], { ZHSEARCH_PORT: '-1' });
    expect(await env.exited).toBe(2);
    expect(env.stderr()).toContain('ZHSEARCH_PORT');
    const unknown = runCli(['serve', '--bogus']);
    expect(await unknown.exited).toBe(2);
  });
});

describe('query understanding on the command line', () => {
  let dir: string;
  let lists: string;
  let good: string;
  let bad: string;

  beforeAll(async () => {
    dir = tempDir('zhsearch-cli-search-');
    lists = tempDir('zhsearch-cli-synonyms-');
    dirs.push(dir, lists);
    good = join(lists, 'mine.txt');
    bad = join(lists, 'bad.txt');
    writeFileSync(good, '# our names\n金图, 金陵图书馆\n');
    writeFileSync(bad, '金图, 金陵图书馆\n\n只有一个\n');
    indexRun = await inProcess(() => main(['index', 'corpus', '--index-dir', dir, '--quiet']));
    expect(indexRun.code).toBe(0);
  });
  let indexRun: { code: number; out: string; err: string };

  /**
   * Runs a command in this process (a child process would load jieba again: seconds each),
   * collecting what it writes to stdout and stderr.
   */
  async function inProcess(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
    const { stdout, stderr } = process;
    const write = { out: stdout.write, err: stderr.write };
    let out = '';
    let err = '';
    stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof stdout.write;
    stderr.write = ((chunk: string | Uint8Array) => ((err += String(chunk)), true)) as typeof stderr.write;
    try {
      return { code: await run(), out, err };
    } finally {
      stdout.write = write.out;
      stderr.write = write.err;
    }
  }

  /** `zhsearch search` on the corpus index. */
  const search = (...args: string[]) => inProcess(() => main(['search', ...args, '--index-dir', dir, '--size', '3']));

  it('says how it read the query, searches as typed with --literal, and takes synonym files', async () => {
    const pinyin = await search('tushuguan');
    const literal = await search('tushuguan', '--literal');
    const corrected = await search('金陵图书管');
    const offered = await search('图书管');
    const mine = await search('金图 国图', '--synonyms', good);
    const noDefault = await search('国图', '--no-default-synonyms');
    expect(pinyin.code, pinyin.err).toBe(0);
    expect(pinyin.out).toMatch(/^\d+ result\(s\)(?: \(\d+ articles; copies of a story grouped\))? for 图书馆 in [\d.]+ ms\nread tushuguan as pinyin: 图书馆; --literal searches the query as typed\n/);
    expect(literal.out).toMatch(/^0 result\(s\) for tushuguan in [\d.]+ ms\n$/);
    expect(corrected.out).toContain('showing results for 金陵图书馆: no document has 金陵图书管; --literal searches 金陵图书管 as typed\n');
    expect(corrected.out).toContain('金陵图书馆新添三家城市书房');
    expect(offered.out).toContain('did you mean: 图书馆\n');
    expect(mine.out).toMatch(/also searched: 金陵图书馆 \(for 金图\); 国家图书馆[^\n]* \(for 国图\)\n/);
    expect(noDefault.code).toBe(0);
    expect(noDefault.out).not.toContain('also searched');
    const json = JSON.parse((await search('tushuguan', '--json')).out) as { query: { interpretations: unknown[] } };
    expect(json.query.interpretations).toEqual([{ from: 'tushuguan', to: ['图书馆'], kind: 'pinyin' }]);
  });

  it('keeps duplicates grouped: the summary counts them, the total counts stories, --no-collapse lists every copy', async () => {
    const report = JSON.parse(readFileSync(join(dir, 'ingest-report.json'), 'utf8')) as IngestReport;
    const { groups, duplicates } = report.duplicateGroups;
    expect(duplicates).toBeGreaterThan(0);
    expect(indexRun.out).toContain(`${duplicates} duplicates in ${groups} groups (kept, grouped)\n`);
    expect(report.byReason.duplicate).toBeUndefined();
    type Result = { total: number; articles: number; hits: Array<{ id: string; duplicates?: Array<{ id: string }> }> };
    const search = (...args: string[]) => inProcess(() => main(['search', ...args, '--index-dir', dir]));
    const grouped = JSON.parse((await search('', '--json', '--size', '1000')).out) as Result;
    const all = JSON.parse((await search('', '--json', '--size', '1000', '--no-collapse')).out) as Result;
    expect(all.total).toBe(all.articles);
    expect(grouped.articles).toBe(all.total);
    expect(grouped.total).toBe(all.total - duplicates);
    expect(all.hits.every((h) => h.duplicates === undefined)).toBe(true);
    expect(grouped.hits.flatMap((h) => [h.id, ...h.duplicates!.map((d) => d.id)]).sort()).toEqual(all.hits.map((h) => h.id).sort());
    const copy = report.duplicateGroups.list[0];
    const text = (await search('', '--size', '1000')).out;
    expect(text).toMatch(new RegExp(`^\\d+ result\\(s\\) \\(${all.total} articles; copies of a story grouped\\)`));
    expect(text).toContain(`similar report(s): ${grouped.hits.find((h) => [h.id, ...h.duplicates!.map((d) => d.id)].includes(copy.original))!.duplicates!.map((d) => d.id).join(', ')}\n`);
  });

  it('groups a repost indexed by a later run with the copy an earlier run indexed', async () => {
    const later = tempDir('zhsearch-cli-repost-');
    dirs.push(later);
    const record = readFileSync('corpus/records.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => String(r.content ?? '').length > 200)!;
    writeFileSync(join(later, 'repost.jsonl'), JSON.stringify({ ...record, id: 'repost-of-earlier-run', source: '转载网' }) + '\n');
    const run = await inProcess(() => main(['index', join(later, 'repost.jsonl'), '--index-dir', dir, '--quiet']));
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain('1 duplicates in 1 groups (kept, grouped)');
    const index = SearchIndex.open(dir);
    try {
      const original = index.get(String(record.id))!;
      expect(index.get('repost-of-earlier-run')?.duplicateOf).toBe(original.duplicateOf ?? original.id);
    } finally {
      await index.close();
    }
  });

  it('stops with exit 2 naming the file and line of a bad synonym list, or a missing one', async () => {
    const searching = await search('金图', '--synonyms', bad);
    // The server stops before it listens (a list that fails to load is never half-used).
    const serving = await inProcess(() => serveCommand(['--port', '0', '--index-dir', dir, '--synonyms', bad]));
    const missing = await search('金图', '--synonyms', join(lists, 'none.txt'));
    expect(searching.code).toBe(2);
    expect(searching.err).toContain(`zhsearch: invalid synonym list: ${bad}:3: one form only`);
    expect(serving.code).toBe(2);
    expect(serving.err).toContain(`zhsearch serve: invalid synonym list: ${bad}:3: one form only`);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`--synonyms: no such file "${join(lists, 'none.txt')}"`);
  });
});

describe('start and graceful shutdown', () => {
  it('builds the index from the corpus when missing, serves it, and exits 0 on SIGTERM with a keep-alive connection open', async () => {
    const dir = tempDir('zhsearch-start-');
    dirs.push(dir);
    const child = runCli(['start', '--index-dir', dir, '--port', '0', '--corpus', 'corpus']);
    try {
      const url = await urlOf(child);
      expect(child.stderr()).toContain('building it from corpus');
      const agent = new Agent({ keepAlive: true });
      const health = await getKeepAlive(`${url}/api/health`, agent);
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body).documents).toBeGreaterThan(10);
      const page = await getKeepAlive(`${url}/`, agent);
      expect(page.body).toContain('zhsearch');
      child.process.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      expect(child.stderr()).toContain('SIGTERM: finishing requests and shutting down');
      agent.destroy();
    } finally {
      child.process.kill('SIGKILL');
    }
  });

  it('serves an existing index and exits 0 on SIGINT', async () => {
    const dir = tempDir('zhsearch-serve-');
    dirs.push(dir);
    const build = runCli(['index', 'corpus/records.jsonl', '--index-dir', dir, '--quiet']);
    expect(await build.exited).toBe(0);
    const child = runCli(['serve', '--port', '0'], { ZHSEARCH_INDEX_DIR: dir, ZHSEARCH_CORS_ORIGINS: 'https://lib.example' });
    try {
      const url = await urlOf(child);
      const res = await fetch(`${url}/api/search?q=${encodeURIComponent('图书馆')}`, { headers: { Origin: 'https://lib.example' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://lib.example');
      await waitFor(() => /GET \/api\/search\?q=\S+ 200 \d+\.\dms/.test(child.stdout()), 5_000, 'the access log line');
      child.process.kill('SIGINT');
      expect(await child.exited).toBe(0);
    } finally {
      child.process.kill('SIGKILL');
    }
  });

  it('serves from several worker processes on one port, replaces a dead one, and stops them all on SIGTERM', async () => {
    const dir = tempDir('zhsearch-workers-');
    dirs.push(dir);
    const build = runCli(['index', 'corpus/records.jsonl', '--index-dir', dir, '--quiet']);
    expect(await build.exited).toBe(0);
    const child = runCli(['serve', '--port', '0', '--index-dir', dir, '--workers', '2']);
    const workers = () => readFileSync(`/proc/${child.process.pid}/task/${child.process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    try {
      const url = await urlOf(child);
      expect(child.stderr()).toContain('2 worker processes');
      const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${url}/api/search?q=${encodeURIComponent('图书馆')}`)));
      expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
      const [first] = workers();
      process.kill(first, 'SIGKILL');
      await waitFor(() => /exited \(SIGKILL\); starting another/.test(child.stderr()), 10_000, 'the dead worker to be noticed');
      await waitFor(() => workers().length === 2 && !workers().includes(first), 60_000, 'a replacement worker');
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      const running = workers();
      child.process.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      expect(child.stderr()).toContain('SIGTERM: finishing requests and shutting down');
      for (const pid of running) expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      child.process.kill('SIGKILL');
    }
  });
});

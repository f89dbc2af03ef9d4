/**
 * Writers: one `zhsearch index` at a time per index directory (a second is refused naming the
 * lock and its holder; a stale lock is taken over), SIGKILL at random moments many times over
 * (the index is always exactly its last committed version), and a full disk (a small tmpfs, or a
 * file size limit where mounting is not permitted; exactly 0 bytes free): a clear error, the
 * previous version kept, no leftovers that break the next run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex, type DocumentInput } from '../../src/index.js';
import { random, removeDir, tempDir } from '../helpers.js';
import { syntheticDocs } from './synthetic.js';

const CLI = join(process.cwd(), 'bin/zhsearch.js');

function cli(args: string[], prefix: string[] = []) {
  const [cmd, ...pre] = prefix.length ? prefix : [process.execPath];
  return spawnSync(cmd, [...pre, ...(prefix.length ? [process.execPath] : []), CLI, ...args], { encoding: 'utf8' });
}

function writeJsonl(path: string, docs: DocumentInput[]): string {
  writeFileSync(path, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  return path;
}

async function seed(dir: string, docs: DocumentInput[]): Promise<void> {
  const index = SearchIndex.open(dir, { threads: 0 });
  await index.add(docs);
  await index.commit();
  await index.close();
}

/** The index in `dir` holds exactly `ids`, every one at content version `version`. */
function expectExactly(dir: string, ids: string[], version: string): void {
  expectVersions(dir, new Map(ids.map((id): [string, string] => [id, version])));
}

/** The index in `dir` holds exactly the ids of `versions`, each at its content version. */
function expectVersions(dir: string, versions: Map<string, string>): void {
  const index = SearchIndex.open(dir);
  try {
    expect(index.documentCount).toBe(versions.size);
    const counts = new Map<string, number>();
    for (const [id, version] of versions) {
      expect(index.get(id)?.content, id).toMatch(new RegExp(`版本${version}。$`));
      counts.set(version, (counts.get(version) ?? 0) + 1);
    }
    for (const [version, n] of counts) expect(index.search(`"版本${version}"`, { size: 1 }).total).toBe(n);
    expect(index.search('图书馆 OR 阅读', { size: 1 }).total).toBeGreaterThan(0);
  } finally {
    void index.close();
  }
}

/**
 * Index files not named by the manifest or by a kept commit (`manifest-N.json`, the last three),
 * and temporaries: what a crashed or failed writer could leave.
 */
function strayFiles(dir: string): string[] {
  const manifests = readdirSync(dir).filter((f) => /^manifest(-\d+)?\.json$/.test(f));
  expect(manifests.length).toBeLessThanOrEqual(4);
  const used = new Set(
    manifests.flatMap((f) => {
      const manifest = JSON.parse(readFileSync(join(dir, f), 'utf8')).manifest as { segments: Array<{ name: string; deletions: string | null }> };
      return manifest.segments.flatMap((s) => [`${s.name}.seg`, `${s.name}.store`, ...(s.deletions ? [s.deletions] : [])]);
    }),
  );
  return readdirSync(dir).filter((f) => (/^seg-/.test(f) && !used.has(f)) || /^manifest.*\.tmp/.test(f) || /^write\.lock/.test(f));
}

/** The pid the writer lock at `path` names, or null (no lock, or not readable yet). */
function lockHolder(path: string): number | null {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { pid?: number }).pid ?? null;
  } catch {
    return null;
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('writer lock', () => {
  let dir: string;
  let work: string;
  beforeAll(() => {
    dir = tempDir('zhsearch-lock-');
    work = tempDir('zhsearch-lock-in-');
  });
  afterAll(() => {
    removeDir(dir);
    removeDir(work);
  });

  it('refuses a second `zhsearch index` on the same directory, naming the lock and the holder pid', async () => {
    const first = writeJsonl(join(work, 'first.jsonl'), syntheticDocs(300, 1, 'one'));
    const second = writeJsonl(join(work, 'second.jsonl'), syntheticDocs(50, 2, 'two'));
    const child = spawn(process.execPath, [CLI, 'index', first, '--index-dir', dir, '--quiet', '--no-dedupe'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let firstErr = '';
    child.stderr!.on('data', (d) => (firstErr += d));
    const exited = exitOf(child);
    const lock = join(dir, 'write.lock');
    for (let i = 0; i < 600 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(lock)).toBe(true);

    const refused = cli(['index', second, '--index-dir', dir, '--quiet']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${lock} is held by pid ${child.pid}`);
    expect(refused.stderr).toMatch(/locked by another writer.*wait for it to finish/);

    expect(await exited, firstErr).toBe(0);
    const index = SearchIndex.open(dir);
    expect(index.documentCount).toBe(300);
    expect(index.get('two-0000')).toBeNull();
    await index.close();
    expect(existsSync(lock)).toBe(false);
    expect(strayFiles(dir)).toEqual([]);
  });

  it('takes over a stale lock: a dead pid, a reused pid, an unreadable lock file', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = [
      JSON.stringify({ pid: dead, since: '2020-01-01T00:00:00.000Z' }),
      // This process's own pid, alive, but recorded with another start time: the pid was reused.
      JSON.stringify({ pid: process.pid, since: '2020-01-01T00:00:00.000Z', start: '1' }),
      '',
    ];
    for (const [i, content] of stale.entries()) {
      writeFileSync(join(dir, 'write.lock'), content);
      const index = SearchIndex.open(dir, { threads: 0 });
      await index.add(syntheticDocs(5, 3 + i, `stale${i}`));
      await index.commit();
      await index.close();
      expect(existsSync(join(dir, 'write.lock'))).toBe(false);
    }
    const index = SearchIndex.open(dir);
    expect(index.documentCount).toBe(315);
    void index.close();
  });

  it('refuses while a live process holds the lock, and in the same process', async () => {
    writeFileSync(join(dir, 'write.lock'), JSON.stringify({ pid: process.pid, since: '2024-01-01T00:00:00.000Z' }));
    const run = cli(['index', writeJsonl(join(work, 'more.jsonl'), syntheticDocs(20, 3, 'stale')), '--index-dir', dir, '--quiet']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`is held by pid ${process.pid} since 2024-01-01`);
    rmSync(join(dir, 'write.lock'));

    const a = SearchIndex.open(dir, { threads: 0 });
    const b = SearchIndex.open(dir, { threads: 0 });
    await a.add(syntheticDocs(1, 4, 'inproc'));
    await expect(b.add(syntheticDocs(1, 5, 'inproc2'))).rejects.toThrow(/write\.lock is held by pid/);
    await a.commit();
    await a.close();
    await b.close();
  });
});

describe('crash safety', () => {
  it('a writer killed at random moments, 20 times, always leaves exactly the last committed version', { timeout: 480_000 }, async () => {
    const dir = tempDir('zhsearch-crash-');
    const work = tempDir('zhsearch-crash-in-');
    try {
      const base = syntheticDocs(100, 11, 'crash', 'base');
      await seed(dir, base);
      // Each id's content version: a run replaces the ids it indexes (a 300-document run's last 100
      // stay when a 200-document run follows it).
      let state = new Map(base.map((d): [string, string] => [d.id, 'base']));
      const rnd = random(2024);
      /** How long a writer works once it holds the lock (the shortest seen). */
      let writing = 0;
      let kills = 0;
      const lock = join(dir, 'write.lock');
      // Runs until 20 writers have been killed (a run that finishes before its kill does not count).
      for (let round = 0; kills < 20 && round < 60; round++) {
        const version = `r${round}`;
        // Mostly 200 documents (analyzed in the writer's thread); every fourth run 300 (worker threads).
        const docs = syntheticDocs(round % 4 === 3 ? 300 : 200, 100 + round, 'crash', version);
        const input = writeJsonl(join(work, `${version}.jsonl`), docs);
        const child = spawn(process.execPath, [CLI, 'index', input, '--index-dir', dir, '--quiet', '--no-dedupe'], { stdio: 'ignore' });
        const exited = exitOf(child);
        let done = false;
        void exited.then(() => (done = true));
        // The writer's start: when it holds the lock (the lock file names its pid; a killed writer's
        // stale lock is there until then). Timed every round, as the machine's load varies.
        while (!done && lockHolder(lock) !== child.pid) await new Promise((r) => setTimeout(r, 5));
        const locked = performance.now();
        let timer: NodeJS.Timeout | null = null;
        // The first run goes to the end, to time a writer's work; later runs are killed at a random
        // moment of most of it.
        if (round > 0 && !done) timer = setTimeout(() => child.kill('SIGKILL'), Math.floor(rnd() * 0.8 * writing));
        const code = await exited;
        if (timer) clearTimeout(timer);
        if (round === 0) {
          expect(code).toBe(0);
          writing = performance.now() - locked;
        } else if (code === 0) {
          // Finished before its kill: writers are faster than timed, aim the next kills earlier.
          writing = Math.min(writing, performance.now() - locked);
        }
        const next = new Map([...state, ...docs.map((d): [string, string] => [d.id, version])]);
        if (code === 0) state = next;
        else {
          kills++;
          // Killed: the previous version, unless the kill came after the new manifest was in place.
          const index = SearchIndex.open(dir);
          const now = index.get(docs[0].id)?.content?.endsWith(`版本${version}。`) ? next : state;
          await index.close();
          state = now;
        }
        expectVersions(dir, state);
      }
      console.log(`crash safety: ${kills} runs killed (a writer works ${writing.toFixed(0)} ms once it holds the lock)`);
      expect(kills).toBe(20);
      // A last uninterrupted run takes over the stale lock and removes every leftover.
      const final = syntheticDocs(200, 999, 'crash', 'final');
      const run = cli(['index', writeJsonl(join(work, 'final.jsonl'), final), '--index-dir', dir, '--quiet', '--no-dedupe']);
      expect(run.status, run.stderr).toBe(0);
      expectVersions(dir, new Map([...state, ...final.map((d): [string, string] => [d.id, 'final'])]));
      expect(strayFiles(dir)).toEqual([]);
    } finally {
      removeDir(dir);
      removeDir(work);
    }
  });
});

/** Mounts a tmpfs of `bytes` at `dir`; false where mounting is not permitted. */
function mountTmpfs(dir: string, bytes: number): boolean {
  if (process.platform !== 'linux') return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

const HAS_PRLIMIT = process.platform === 'linux' && spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;

describe('full disk', () => {
  let work: string;
  let disk: string;
  let mounted = false;
  beforeAll(() => {
    work = tempDir('zhsearch-disk-');
    disk = join(work, 'disk');
    mkdirSync(disk);
    mounted = mountTmpfs(disk, 32 * 1024 * 1024);
    if (!mounted) console.warn('full disk: cannot mount a tmpfs here; simulating with a file size limit (prlimit --fsize) instead');
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', ['-l', disk], { stdio: 'ignore' });
    removeDir(work);
  });

  it.skipIf(process.platform !== 'linux')('gives a clear error, keeps the previous version, and the next run succeeds once there is room', { timeout: 180_000 }, async () => {
    if (!mounted && !HAS_PRLIMIT) return void console.warn('full disk: neither tmpfs nor prlimit available; skipped');
    const dir = join(disk, 'index');
    const base = syntheticDocs(60, 21, 'disk', 'base');
    await seed(dir, base);
    const more = syntheticDocs(400, 22, 'disk-more', 'more');
    const input = writeJsonl(join(work, 'more.jsonl'), more);
    const filler = join(disk, 'filler');
    // Fail at different points: writing the first segment; merging or writing the manifest.
    const room = mounted ? [16 * 1024, 1200 * 1024] : [32 * 1024, 256 * 1024];
    for (const free of room) {
      let run;
      if (mounted) {
        rmSync(filler, { force: true });
        const avail = Number(spawnSync('df', ['--output=avail', '-B1', disk], { encoding: 'utf8' }).stdout.split('\n')[1]);
        writeFileSync(filler, Buffer.alloc(Math.max(0, avail - free)));
        run = cli(['index', input, '--index-dir', dir, '--quiet', '--no-dedupe']);
      } else {
        run = cli(['index', input, '--index-dir', dir, '--quiet', '--no-dedupe'], ['prlimit', `--fsize=${free}`]);
      }
      expect(run.status, `${free}: ${run.stderr}`).toBe(1);
      expect(run.stderr).toMatch(mounted ? /no space left on the device \(ENOSPC\)/ : /file size limit exceeded \(EFBIG\)/);
      expect(run.stderr).toContain(`Nothing was committed: the index keeps version 1 with ${base.length} documents`);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expectExactly(dir, base.map((d) => d.id), 'base');
      expect(strayFiles(dir)).toEqual([]);
    }
    rmSync(filler, { force: true });
    const ok = cli(['index', input, '--index-dir', dir, '--quiet', '--no-dedupe']);
    expect(ok.status, ok.stderr).toBe(0);
    const index = SearchIndex.open(dir);
    expect(index.documentCount).toBe(base.length + more.length);
    await index.close();
    expect(statSync(join(dir, 'manifest.json')).size).toBeGreaterThan(0);
  });

  it.skipIf(process.platform !== 'linux')('at exactly 0 bytes free: the documented message, and no lock or temporary file left', { timeout: 120_000 }, async () => {
    if (!mounted) return void console.warn('full disk, 0 bytes free: needs a tmpfs (a file size limit is not a full disk); skipped');
    const dir = join(disk, 'zero');
    const base = syntheticDocs(20, 31, 'zero', 'base');
    await seed(dir, base);
    const input = writeJsonl(join(work, 'zero.jsonl'), syntheticDocs(30, 32, 'zero-more', 'more'));
    const filler = join(disk, 'filler-zero');
    const avail = () => Number(spawnSync('df', ['--output=avail', '-B1', disk], { encoding: 'utf8' }).stdout.split('\n')[1]);
    writeFileSync(filler, Buffer.alloc(avail()));
    try {
      expect(avail()).toBe(0);
      const files = readdirSync(dir).sort();
      const run = cli(['index', input, '--index-dir', dir, '--quiet', '--no-dedupe']);
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain(
        `cannot write the index in ${dir}: no space left on the device (ENOSPC). Nothing was committed: the index keeps version 1 with ${base.length} documents`,
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(dir).sort()).toEqual(files); // no write.lock.<pid>-<rand>, no partial segment
    } finally {
      rmSync(filler, { force: true });
    }
    expectExactly(dir, base.map((d) => d.id), 'base');
  });
});

/**
 * Acceptance: an index built here loads in a new process with identical results; a damaged,
 * truncated or older-version file gives a clear error naming it; a writer killed at any moment
 * leaves the previous version loadable with exactly its documents.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexFileError, SearchIndex, type DocumentInput } from '../../src/index.js';
import { HAS_SHARED, random, removeDir, tempDir, xwlbSample } from '../helpers.js';

const CLI = join(process.cwd(), 'bin/zhsearch.js');

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

function segFile(dir: string, ext: string): string {
  return join(dir, readdirSync(dir).find((f) => f.endsWith(ext))!);
}

describe.skipIf(!HAS_SHARED)('persistence', () => {
  let dir: string;
  let docs: DocumentInput[];
  beforeAll(async () => {
    dir = tempDir();
    docs = xwlbSample(800, 3);
    const index = SearchIndex.open(dir, { threads: 2 });
    await index.add(docs);
    await index.commit();
    await index.close();
  });
  afterAll(() => removeDir(dir));

  it('gives identical results in a new process', () => {
    const index = SearchIndex.open(dir);
    for (const q of ['中国', '经济 发展', '"国务院"', '会见 OR 会谈']) {
      const here = index.search(q, { size: 20 });
      const run = cli(['search', q, '--json', '--size', '20', '--index-dir', dir]);
      expect(run.status, run.stderr).toBe(0);
      const there = JSON.parse(run.stdout);
      expect(there.total).toBe(here.total);
      expect(there.hits.map((h: { id: string; score: number }) => [h.id, h.score])).toEqual(here.hits.map((h) => [h.id, h.score]));
    }
    void index.close();
  });

  const damaged = (name: string, damage: (copy: string) => string, message: RegExp) =>
    it(`reports a ${name} naming the file`, () => {
      const copy = tempDir();
      try {
        cpSync(dir, copy, { recursive: true });
        const file = damage(copy);
        let error: unknown;
        try {
          SearchIndex.open(copy);
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(IndexFileError);
        expect((error as Error).message).toContain(file);
        expect((error as Error).message).toMatch(message);
        const run = cli(['search', '中国', '--index-dir', copy]);
        expect(run.status).toBe(1);
        expect(run.stderr).toContain(file);
      } finally {
        removeDir(copy);
      }
    });

  damaged('corrupted segment', (copy) => {
    const f = segFile(copy, '.seg');
    const bytes = readFileSync(f);
    bytes[Math.floor(bytes.length * 0.6)] ^= 0xff;
    writeFileSync(f, bytes);
    return f;
  }, /checksum mismatch/);

  damaged('truncated segment', (copy) => {
    const f = segFile(copy, '.seg');
    truncateSync(f, Math.floor(statSync(f).size / 2));
    return f;
  }, /truncated/);

  damaged('truncated document store', (copy) => {
    const f = segFile(copy, '.store');
    truncateSync(f, statSync(f).size - 10);
    return f;
  }, /truncated/);

  damaged('segment of an older format version', (copy) => {
    const f = segFile(copy, '.seg');
    const bytes = readFileSync(f);
    bytes.writeUInt32LE(0, 8);
    writeFileSync(f, bytes);
    return f;
  }, /format version 0.*rebuild/);

  damaged('corrupted manifest', (copy) => {
    const f = join(copy, 'manifest.json');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/"docCount":\d+/, '"docCount":5'));
    return f;
  }, /checksum mismatch/);

  damaged('missing segment file', (copy) => {
    const f = segFile(copy, '.seg');
    removeDir(f);
    return f;
  }, /cannot read/);
});

describe.skipIf(!HAS_SHARED)('crash safety', () => {
  it('a writer killed at random moments always leaves the last committed version loadable', async () => {
    const dir = tempDir();
    const work = tempDir();
    try {
      const base = xwlbSample(300, 5);
      const index = SearchIndex.open(dir, { threads: 0 });
      await index.add(base);
      await index.commit();
      await index.close();
      const extra = xwlbSample(2500, 6).filter((d) => !base.some((b) => b.id === d.id));
      const input = join(work, 'more.jsonl');
      writeFileSync(input, extra.map((d) => JSON.stringify(d)).join('\n') + '\n');
      const expectedAfter = new Set([...base, ...extra].map((d) => d.id)).size;

      const rnd = random(99);
      let committed = false;
      for (let round = 0; round < 6 && !committed; round++) {
        const child = spawn(process.execPath, [CLI, 'index', input, '--index-dir', dir, '--quiet', '--no-dedupe'], { stdio: 'ignore' });
        const delay = 300 + Math.floor(rnd() * 4000);
        const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
        const timer = setTimeout(() => child.kill('SIGKILL'), delay);
        const code = await exited;
        clearTimeout(timer);
        const reopened = SearchIndex.open(dir);
        const count = reopened.documentCount;
        committed = code === 0;
        if (code === 0) expect(count).toBe(expectedAfter);
        else expect([base.length, expectedAfter]).toContain(count);
        expect(reopened.search('中国', { size: 5 }).total).toBeGreaterThan(0);
        expect(reopened.get(base[0].id)?.id).toBe(base[0].id);
        await reopened.close();
      }
      // A final uninterrupted run completes (the stale lock of the killed writers is taken over).
      const run = cli(['index', input, '--index-dir', dir, '--quiet', '--no-dedupe']);
      expect(run.status, run.stderr).toBe(0);
      const final = SearchIndex.open(dir);
      expect(final.documentCount).toBe(expectedAfter);
      // No leftovers of the killed runs.
      const files = readdirSync(dir);
      expect(files.filter((f) => f.endsWith('.seg'))).toHaveLength(final.stats().segments);
      await final.close();
    } finally {
      removeDir(dir);
      removeDir(work);
    }
  });
});


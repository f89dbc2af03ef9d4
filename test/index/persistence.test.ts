/**
 * Acceptance: an index built here loads in a new process with identical results; a damaged,
 * truncated or older-version file gives a clear error naming it. (A writer killed at any moment:
 * test/reliability/writers.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexFileError, SearchIndex, type DocumentInput } from '../../src/index.js';
import { HAS_SHARED, removeDir, tempDir, xwlbSample } from '../helpers.js';

const CLI = join(process.cwd(), 'bin/zhsearch.js');

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

function segFile(dir: string, ext: string): string {
  return join(dir, readdirSync(dir).find((f) => f.endsWith(ext))!);
}

/** Byte offset and length of section `name` of a section file (layout: src/index/section-file.ts). */
function sectionRange(bytes: Buffer, name: string): { offset: number; length: number } {
  const count = bytes.readUInt32LE(12);
  for (let i = 0; i < count; i++) {
    const e = 24 + i * 48;
    if (bytes.toString('utf8', e, e + 32).replace(/\0+$/, '') === name) return { offset: bytes.readDoubleLE(e + 32), length: bytes.readUInt32LE(e + 40) };
  }
  throw new Error(`no section ${name}`);
}

/** Flips one byte in the middle of section `name` of `file`. */
function flipInSection(file: string, name: string): void {
  const bytes = readFileSync(file);
  const { offset, length } = sectionRange(bytes, name);
  bytes[offset + Math.floor(length / 2)] ^= 0xff;
  writeFileSync(file, bytes);
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
    flipInSection(f, 'content.g.terms');
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

  // Format 1 (postings without skip tables, held in memory) was the format before format 2.
  damaged('segment of the previous format (1)', (copy) => {
    const f = segFile(copy, '.seg');
    const bytes = readFileSync(f);
    bytes.writeUInt32LE(1, 8);
    writeFileSync(f, bytes);
    return f;
  }, /index format version 1, this build reads version 2: rebuild the index with `zhsearch index`/);

  it('reports damaged postings (read on demand) when a search reads them, naming the file and section; `zhsearch check` finds them', () => {
    const copy = tempDir();
    try {
      cpSync(dir, copy, { recursive: true });
      const f = segFile(copy, '.seg');
      flipInSection(f, 'content.g.post');
      // Opening reads only the dictionaries and columns: it succeeds.
      const index = SearchIndex.open(copy);
      // Searching every character of the documents reads every chunk of the content's gram postings.
      const chars = [...new Set(docs.flatMap((d) => [...d.content.slice(0, 200)]).filter((c) => /\p{Script=Han}/u.test(c)))];
      const errors: Error[] = [];
      for (const c of chars) {
        try {
          index.search(c, { size: 1 });
        } catch (err) {
          errors.push(err as Error);
        }
      }
      void index.close();
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) {
        expect(e).toBeInstanceOf(IndexFileError);
        expect(e.message).toContain(f);
        expect(e.message).toMatch(/section content\.g\.post checksum mismatch at byte \d+ \(corrupted\)/);
      }
      const run = cli(['check', '--index-dir', copy]);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('section content.g.post checksum mismatch');
    } finally {
      removeDir(copy);
    }
  });

  // A damaged manifest.json alone falls back to the kept commit (test/index/directory.test.ts).
  damaged('corrupted manifest (and kept commits)', (copy) => {
    for (const m of readdirSync(copy).filter((x) => /^manifest.*\.json$/.test(x))) {
      writeFileSync(join(copy, m), readFileSync(join(copy, m), 'utf8').replace(/"docCount":\d+/, '"docCount":5'));
    }
    return join(copy, 'manifest.json');
  }, /checksum mismatch/);

  damaged('missing segment file', (copy) => {
    const f = segFile(copy, '.seg');
    removeDir(f);
    return f;
  }, /cannot read/);
});

// Crash safety (a writer killed at random moments, 20 times) is tested in
// test/reliability/writers.test.ts.

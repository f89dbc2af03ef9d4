/**
 * `zhsearch check` and `checkIndex` (src/index/check.ts): on an intact index every checksum
 * matches (exit 0, with what was checked); one flipped byte in a segment file, a document store,
 * a deletion file, or a lost manifest is found and named (exit 1), a damaged stored document with
 * its number and id; usage errors exit 2.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIndex, SearchIndex } from '../../src/index.js';
import { syntheticDocs } from '../reliability/synthetic.js';
import { removeDir, tempDir } from '../helpers.js';

const CLI = join(process.cwd(), 'bin/zhsearch.js');

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

/** Flips the byte at `at` (a fraction of the file's length) and returns the file. */
function flip(file: string, at: number): string {
  const bytes = readFileSync(file);
  bytes[Math.floor(bytes.length * at)] ^= 0xff;
  writeFileSync(file, bytes);
  return file;
}

function current(dir: string): { segments: Array<{ name: string; deletions: string | null; docCount: number }> } {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).manifest;
}

let dir: string;
let copy: string;
beforeAll(async () => {
  dir = tempDir('zhsearch-check-');
  const index = SearchIndex.open(dir, { threads: 0, maxSegments: 20 });
  await index.add(syntheticDocs(60, 1, 'a', 'a'));
  await index.commit();
  await index.add(syntheticDocs(20, 2, 'b', 'b'));
  index.delete('a-0001', 'a-0002', 'a-0003');
  await index.commit(); // a second segment, and deletions in the first
  await index.close();
});
afterAll(() => removeDir(dir));

function damagedCopy(): string {
  copy = tempDir('zhsearch-check-copy-');
  cpSync(dir, copy, { recursive: true });
  return copy;
}

describe('zhsearch check', () => {
  it('an intact index: every checksum matches, exit 0, with what was checked', () => {
    const report = checkIndex(dir);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.generation).toBe(2);
    expect(report.manifest).toBe(join(dir, 'manifest.json'));
    expect(report.segments).toBe(2);
    expect(report.documents).toBe(77);
    expect(report.deleted).toBe(3);
    expect(report.commits).toEqual([2, 1]);
    expect(report.checked).toMatchObject({ manifests: 3, segmentFiles: 2, storeFiles: 2, storedDocuments: 80, deletionFiles: 1 });
    expect(report.checked.sections).toBeGreaterThan(20);

    const run = cli(['check', '--index-dir', dir]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('77 documents in 2 segment(s)');
    expect(run.stdout).toContain('80 stored documents');
    expect(run.stdout).toMatch(/result: +ok, every checksum matches/);
    const json = cli(['check', '--index-dir', dir, '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, documents: 77 });
  });

  it('one flipped byte in a segment file: exit 1, the file and the damaged section named', () => {
    const d = damagedCopy();
    try {
      const seg = join(d, `${current(d).segments[0].name}.seg`);
      flip(seg, 0.6);
      const run = cli(['check', '--index-dir', d]);
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(new RegExp(`${seg}: section \\S+ checksum mismatch \\(corrupted\\)`));
      expect(run.stdout).toMatch(/result: +DAMAGED, 1 problem/);
      expect(run.stderr).toContain(`index ${d} is damaged`);
    } finally {
      removeDir(d);
    }
  });

  it('one flipped byte in a document store: exit 1, the file, document number and id named (the one reading it fails on)', () => {
    const d = damagedCopy();
    try {
      const store = join(d, `${current(d).segments[0].name}.store`);
      flip(store, 0.5);
      const report = checkIndex(d);
      expect(report.ok).toBe(false);
      expect(report.problems).toHaveLength(1);
      const [p] = report.problems;
      expect(p.file).toBe(store);
      expect(p.doc).toBeGreaterThan(0);
      expect(p.message).toBe(`document ${p.doc} (id ${p.id}): checksum mismatch (corrupted)`);
      const index = SearchIndex.open(d);
      expect(() => index.get(p.id!)).toThrow(/checksum mismatch/);
      void index.close();

      const run = cli(['check', '--index-dir', d]);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(`${store}: document ${p.doc} (id ${p.id}): checksum mismatch (corrupted)`);
    } finally {
      removeDir(d);
    }
  });

  it('a damaged deletion file, a truncated store, a lost manifest.json: each named', () => {
    const d = damagedCopy();
    try {
      const [first, second] = current(d).segments;
      const del = flip(join(d, first.deletions!), 0.75);
      const store = join(d, `${second.name}.store`);
      writeFileSync(store, readFileSync(store).subarray(0, statSync(store).size - 5));
      rmSync(join(d, 'manifest.json'));
      const run = cli(['check', '--index-dir', d]);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(`${join(d, 'manifest.json')}: missing; searches use ${join(d, 'manifest-2.json')} instead`);
      expect(run.stdout).toContain(`${del}: section bits checksum mismatch`);
      expect(run.stdout).toMatch(new RegExp(`${store}: truncated`));
      expect(run.stdout).toContain(`version:    2 (${join(d, 'manifest-2.json')})`);
    } finally {
      removeDir(d);
    }
  });

  it('usage errors exit 2; a directory without an index exits 1', () => {
    expect(cli(['check', 'extra', '--index-dir', dir]).status).toBe(2);
    expect(cli(['check', '--bogus', '--index-dir', dir]).status).toBe(2);
    const empty = tempDir('zhsearch-check-empty-');
    try {
      const run = cli(['check', '--index-dir', empty]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`no index in ${empty}`);
    } finally {
      removeDir(empty);
    }
  });

  it('is listed in the help', () => {
    expect(cli(['--help']).stdout).toMatch(/\n {2}check {2,}verify every checksum/);
    expect(readdirSync(dir).some((f) => f.endsWith('.del-2'))).toBe(true);
  });
});

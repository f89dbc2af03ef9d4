/**
 * Commit points (src/index/directory.ts): every commit also keeps its manifest as
 * `manifest-N.json`; the last three commits are kept with their files; a lost or damaged
 * `manifest.json` falls back to the newest valid commit with a warning naming both files; and no
 * writer deletes index files that no kept commit names (those of a lost manifest) without
 * `--force` (`force: true`), while the leftovers of a writer that never committed still go.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SearchIndex, type DocumentInput } from '../../src/index.js';
import { syntheticDocs } from '../reliability/synthetic.js';
import { removeDir, tempDir } from '../helpers.js';

const CLI = join(process.cwd(), 'bin/zhsearch.js');

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

async function commit(dir: string, docs: DocumentInput[], deletes: string[] = []): Promise<void> {
  const index = SearchIndex.open(dir, { threads: 0 });
  await index.add(docs);
  index.delete(...deletes);
  await index.commit();
  await index.close();
}

function open(dir: string): { index: SearchIndex; warnings: string[] } {
  const warnings: string[] = [];
  return { index: SearchIndex.open(dir, { onWarning: (m) => warnings.push(m) }), warnings };
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('seg-')).sort();
}

function manifestFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => /^manifest/.test(f)).sort();
}

/** Files a manifest file names. */
function named(path: string): string[] {
  const m = JSON.parse(readFileSync(path, 'utf8')).manifest as { segments: Array<{ name: string; deletions: string | null }> };
  return m.segments.flatMap((s) => [`${s.name}.seg`, `${s.name}.store`, ...(s.deletions ? [s.deletions] : [])]);
}

function corrupt(path: string): void {
  writeFileSync(path, readFileSync(path, 'utf8').replace(/"docCount":\d+/, '"docCount":99999'));
}

function writeJsonl(path: string, docs: DocumentInput[]): string {
  writeFileSync(path, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  return path;
}

let dir: string;
let work: string;
beforeEach(() => {
  dir = tempDir('zhsearch-commits-');
  work = tempDir('zhsearch-commits-in-');
});
afterEach(() => {
  removeDir(dir);
  removeDir(work);
});

describe('commit points', () => {
  it('keeps the manifests and files of the last three commits, and removes older ones', async () => {
    for (let i = 1; i <= 5; i++) await commit(dir, syntheticDocs(8, 100 + i, `c${i}`), i === 4 ? ['c1-0000'] : []);
    expect(manifestFiles(dir)).toEqual(['manifest-3.json', 'manifest-4.json', 'manifest-5.json', 'manifest.json']);
    expect(readFileSync(join(dir, 'manifest-5.json'), 'utf8')).toBe(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const kept = new Set([3, 4, 5].flatMap((g) => named(join(dir, `manifest-${g}.json`))));
    expect(segmentFiles(dir)).toEqual([...kept].sort());
  });

  it('falls back to the newest valid commit when manifest.json is lost or damaged, warning with both file names', async () => {
    await commit(dir, syntheticDocs(10, 1, 'a', 'a'));
    await commit(dir, syntheticDocs(10, 2, 'b', 'b'));
    await commit(dir, syntheticDocs(10, 3, 'c', 'c'));

    rmSync(join(dir, 'manifest.json'));
    let { index, warnings } = open(dir);
    expect(index.documentCount).toBe(30);
    expect(index.stats().generation).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(join(dir, 'manifest.json'));
    expect(warnings[0]).toContain(join(dir, 'manifest-3.json'));
    expect(warnings[0]).toMatch(/missing/);
    expect(index.reopen()).toBe(false); // the same version: no reload, no second warning
    expect(warnings).toHaveLength(1);
    await index.close();

    // The next commit builds on the fallback version and writes manifest.json again.
    await commit(dir, syntheticDocs(5, 4, 'd', 'd'));
    expect(existsSync(join(dir, 'manifest.json'))).toBe(true);
    ({ index, warnings } = open(dir));
    expect(index.stats().generation).toBe(4);
    expect(index.documentCount).toBe(35);
    expect(warnings).toEqual([]);
    await index.close();

    // Both manifest.json and the newest kept commit damaged: the one before.
    corrupt(join(dir, 'manifest.json'));
    corrupt(join(dir, 'manifest-4.json'));
    ({ index, warnings } = open(dir));
    expect(index.stats().generation).toBe(3);
    expect(index.documentCount).toBe(30);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/manifest\.json: .*checksum mismatch/);
    expect(warnings[0]).toContain(join(dir, 'manifest-3.json'));
    await index.close();

    // The CLI searches the fallback version, and says so.
    const run = cli(['search', '"版本b"', '--index-dir', dir]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^10 result/);
    expect(run.stderr).toContain(`warning: ${join(dir, 'manifest.json')}`);
    // The segment only the damaged commit 4 named is not deleted by the next writer: it refuses.
    const refused = cli(['delete', 'a-0000', '--index-dir', dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/2 index file\(s\) that no kept commit names: seg-g4-/);
  });

  it('an index written before commit points were kept (only manifest.json) loads, and gains them at its next commit', async () => {
    await commit(dir, syntheticDocs(10, 1, 'a'));
    for (const f of manifestFiles(dir)) if (f !== 'manifest.json') rmSync(join(dir, f));
    const { index, warnings } = open(dir);
    expect(index.documentCount).toBe(10);
    expect(warnings).toEqual([]);
    await index.close();
    await commit(dir, syntheticDocs(10, 2, 'b'));
    expect(manifestFiles(dir)).toEqual(['manifest-1.json', 'manifest-2.json', 'manifest.json']);
  });

  it('with every manifest damaged, opening fails naming manifest.json; nothing is read as an empty index', async () => {
    await commit(dir, syntheticDocs(10, 1, 'a'));
    await commit(dir, syntheticDocs(10, 2, 'b'));
    for (const f of manifestFiles(dir)) corrupt(join(dir, f));
    expect(() => SearchIndex.open(dir)).toThrow(`${join(dir, 'manifest.json')}: manifest checksum mismatch`);
  });
});

describe('files no commit accounts for', () => {
  it('`zhsearch index` refuses to delete the segments of a lost manifest, naming them and --force; with --force it goes on', async () => {
    const first = syntheticDocs(12, 1, 'old');
    expect(cli(['index', writeJsonl(join(work, 'old.jsonl'), first), '--index-dir', dir, '--quiet', '--no-dedupe']).status).toBe(0);
    const segments = segmentFiles(dir);
    // The manifests are lost (an index of an older version has only manifest.json).
    for (const f of manifestFiles(dir)) rmSync(join(dir, f));

    const stats = cli(['stats', '--index-dir', dir]);
    expect(stats.status).toBe(1);
    expect(stats.stderr).toContain(`no manifest in ${dir}, but 1 segment file(s): manifest.json and every kept manifest-N.json are lost`);

    const more = writeJsonl(join(work, 'new.jsonl'), syntheticDocs(7, 2, 'new'));
    const refused = cli(['index', more, '--index-dir', dir, '--quiet', '--no-dedupe']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${segments.length} index file(s)`);
    expect(refused.stderr).toContain(segments[0]);
    expect(refused.stderr).toContain('--force');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(segmentFiles(dir)).toEqual(segments); // nothing deleted
    expect(existsSync(join(dir, 'write.lock'))).toBe(false);

    const forced = cli(['index', more, '--index-dir', dir, '--quiet', '--no-dedupe', '--force']);
    expect(forced.status, forced.stderr).toBe(0);
    const index = SearchIndex.open(dir);
    expect(index.documentCount).toBe(7);
    await index.close();
    for (const f of segments) expect(existsSync(join(dir, f))).toBe(false);
  });

  it('the library refuses the same way unless `force: true`', async () => {
    await commit(dir, syntheticDocs(6, 1, 'old'));
    for (const f of manifestFiles(dir)) rmSync(join(dir, f));
    const index = SearchIndex.open(dir, { threads: 0, onWarning: () => {} });
    await expect(index.add(syntheticDocs(1, 2, 'new'))).rejects.toThrow(/no kept commit names.*force/);
    await index.close();
    expect(segmentFiles(dir)).toHaveLength(2);
    const forced = SearchIndex.open(dir, { threads: 0, force: true, onWarning: () => {} });
    await forced.add(syntheticDocs(2, 2, 'new'));
    await forced.commit();
    expect(forced.documentCount).toBe(2);
    await forced.close();
  });

  it('still removes, without --force, what a writer that never committed left (its segments, manifest temporaries)', async () => {
    await commit(dir, syntheticDocs(6, 1, 'a'));
    const kept = segmentFiles(dir);
    // What a writer of commit 2 killed before committing leaves: its segment files, a manifest being written.
    const seg = kept.find((f) => f.endsWith('.seg'))!;
    const leftover = seg.replace(/^seg-g1-/, 'seg-g2-dead');
    copyFileSync(join(dir, seg), join(dir, leftover));
    writeFileSync(join(dir, 'manifest-2.json.tmp-99999'), '{"checks');
    writeFileSync(join(dir, 'manifest.json.tmp-99999'), '{"checks');
    await commit(dir, syntheticDocs(3, 2, 'b'));
    expect(existsSync(join(dir, leftover))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

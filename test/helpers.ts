/**
 * Test helpers: where the shared third-party data lives, temporary directories, and a
 * deterministic sample of the xwlb corpus.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SearchIndex, type DocumentInput } from '../src/index.js';

/** `../shared` next to the repository (or $ZHSEARCH_SHARED); null when absent. */
export function sharedDir(): string | null {
  for (const c of [process.env.ZHSEARCH_SHARED, resolve('../shared'), '/work/shared']) {
    if (c && existsSync(join(c, 'seeds'))) return c;
  }
  return null;
}

export const SHARED = sharedDir();
export const HAS_SHARED = SHARED !== null;

export function tempDir(prefix = 'zhsearch-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A small seeded PRNG (mulberry32), so random tests are reproducible. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let xwlbCache: Array<Record<string, unknown>> | null = null;

/** All xwlb records (parsed once per test file). */
export function xwlbRecords(): Array<Record<string, unknown>> {
  if (!SHARED) throw new Error('../shared is not available');
  xwlbCache ??= gunzipSync(readFileSync(join(SHARED, 'corpora/xwlb.jsonl.gz')))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return xwlbCache;
}

/** `n` xwlb items picked deterministically from the whole range, as documents. */
export function xwlbSample(n: number, seed = 1): DocumentInput[] {
  const all = xwlbRecords();
  const rnd = random(seed);
  const picked = new Set<number>();
  while (picked.size < Math.min(n, all.length)) picked.add(Math.floor(rnd() * all.length));
  return [...picked].sort((a, b) => a - b).map((i) => toDoc(all[i]));
}

export function toDoc(r: Record<string, unknown>): DocumentInput {
  return {
    id: String(r.id),
    title: String(r.title ?? ''),
    content: String(r.content ?? ''),
    tags: Array.isArray(r.tags) ? (r.tags as string[]) : [],
    date: typeof r.date === 'string' ? r.date : undefined,
    source: typeof r.source === 'string' ? r.source : undefined,
    url: typeof r.url === 'string' ? r.url : undefined,
  };
}

/**
 * A small index of `docs` built in this thread in a new temporary directory; `close` removes it.
 * The documents are stored as given (`enrich: false`: no regions found, no copies grouped), so
 * that tests compare the search with what they gave it.
 */
export async function smallIndex(docs: DocumentInput[], prefix?: string): Promise<{ dir: string; index: SearchIndex; close(): Promise<void> }> {
  const dir = tempDir(prefix);
  const index = SearchIndex.open(dir, { threads: 0, enrich: false });
  await index.add(docs);
  await index.commit();
  return {
    dir,
    index,
    close: async () => {
      await index.close();
      removeDir(dir);
    },
  };
}

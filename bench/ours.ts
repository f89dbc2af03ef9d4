/**
 * Our engine as the benchmarks drive it: built end to end by the CLI (`zhsearch index`, reading
 * JSONL.gz, cleaning, region/library/date extraction, analysis on worker threads, segments, merge,
 * commit; `--no-dedupe` so every engine holds the same documents), searched through the public
 * API (src/index.ts) with `highlight: false` and size 10.
 *
 * Owns: writing a corpus subset as the CLI's input, one measured CLI build, the three search
 * variants (no facets, all facets, region + date filter) and the filter that is used.
 * Must not: reach into src/ beyond src/index.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { SearchFilters, SearchOptions } from '../src/index.js';
import type { Doc } from './corpora.js';
import { dirBytes, ensureCompiled, runNode } from './measure.js';

export const ALL_FACETS = ['province', 'city', 'county', 'year', 'month', 'source', 'library'] as const;

export type Variant = 'plain' | 'facets' | 'filter';
export const VARIANTS: readonly Variant[] = ['plain', 'facets', 'filter'];

/**
 * The region + date filter: 北京市 (the province most documents name) and the years between the
 * 30th and 70th percentile of the corpus's dates, so it matches something whatever the subset.
 */
export function regionDateFilter(docs: readonly Doc[]): SearchFilters {
  const years = docs.map((d) => d.date.slice(0, 4)).filter((y) => /^\d{4}$/.test(y)).sort();
  const at = (p: number) => years[Math.min(years.length - 1, Math.floor(p * years.length))] ?? '2018';
  return { province: ['北京市'], from: at(0.3), to: at(0.7) };
}

/** Search options of a variant (op, size 10, no highlighting). */
export function searchOptions(variant: Variant, op: 'and' | 'or', filter: SearchFilters): SearchOptions {
  const base: SearchOptions = { op, size: 10, highlight: false };
  if (variant === 'facets') return { ...base, facets: [...ALL_FACETS] };
  if (variant === 'filter') return { ...base, filters: filter };
  return base;
}

/** Writes documents as a JSONL.gz input for the CLI. */
export function writeInput(docs: readonly Doc[], path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, gzipSync(docs.map((d) => JSON.stringify(d)).join('\n') + '\n', { level: 1 }));
}

export interface OursBuild {
  seconds: number;
  /** Peak resident memory of the CLI process (worker threads included). */
  peakRssMB: number;
  diskMB: number;
  documents: number;
  cli: string;
}

/** Builds an index of `input` into a fresh `dir` with the CLI (dist/: see measure.ensureCompiled). */
export async function buildWithCli(input: string, dir: string): Promise<OursBuild> {
  rmSync(dir, { recursive: true, force: true });
  const run = await runNode(['bin/zhsearch.js', 'index', input, '--index-dir', dir, '--quiet', '--no-dedupe'], { quiet: true });
  const documents = Number(/indexed (\d+) documents/.exec(run.stdout)?.[1] ?? NaN);
  return { seconds: run.seconds, peakRssMB: run.peakRssMB, diskMB: dirBytes(dir) / 1e6, documents, cli: run.stdout.trim() };
}

/** Builds `dir` from `docs` with the CLI (as {@link buildWithCli}) unless it already holds an index. */
export async function ensureIndex(dir: string, docs: readonly Doc[], log: (m: string) => void): Promise<void> {
  if (existsSync(dir)) return;
  ensureCompiled();
  const work = mkdtempSync(join(tmpdir(), 'zhsearch-bench-'));
  try {
    writeInput(docs, join(work, 'input.jsonl.gz'));
    log(`building ${dir} from ${docs.length} documents with the CLI...`);
    await buildWithCli(join(work, 'input.jsonl.gz'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

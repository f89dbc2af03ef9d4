/**
 * The `zhsearch` command line: index, search, stats, delete, check, serve, start.
 *
 * Owns: argument parsing, progress and human-readable output. Must not: reach past the public
 * API (`src/index.ts`) and the ingestion entry points into index or search internals.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { DEFAULT_SYNONYMS_FILE, IndexLockedError, SearchBudgetError, SearchIndex, SynonymsError, type Interpretation, type SearchResult } from '../index.js';
import { checkIndex, indexExists, type CheckReport } from '../index.js';
import { ArticleConverter } from '../ingest/article-converter.js';
import { seedDetector } from '../ingest/article.js';
import { DuplicateDetector } from '../ingest/dedupe.js';
import { Ingestion, parseFieldMapping } from '../ingest/pipeline.js';
import { listInputs, readInputs, totalBytes } from '../ingest/readers.js';
import { Progress } from './progress.js';
import { clusterCommand, indexIntoCluster } from './cluster.js';
import { serveCommand, startCommand } from './serve.js';

const HELP = `zhsearch: Chinese full-text search

Usage: zhsearch <command> [options]

Commands:
  index <paths...>   index JSONL / JSONL.gz records and .txt / .html article pages
                     (directories are read recursively); documents with a known id replace it
  search <query>     search the index and print the best hits
  stats              document count, terms and size on disk
  delete <ids...>    delete documents by id
  check              verify every checksum of the index (manifests, segments, every stored
                     document, deletions); exit code 0 when intact, 1 when damaged
  serve              serve the search page and JSON API at http://127.0.0.1:3000 (zhsearch serve --help)
  start              build the index from corpus/ if there is none, then serve (what \`npm start\` runs)
  cluster start|stop|status
                     a Sphinx cluster to index into and serve from (zhsearch cluster --help)

Common options:
  --index-dir <dir>  index directory (default: index, or $ZHSEARCH_INDEX_DIR)
  -h, --help         show help

index options:
  --map <a=b,...>    field mapping for records whose field names differ, e.g. id=docid,content=facts
  --threads <n>      worker threads for segmentation (default: cores, at most 4)
  --user-dict <file> extra jieba user dictionary (repeatable)
  --no-dedupe        no duplicate detection (default: a repost of a story already seen, in this
                     run or in the index, is indexed with duplicateOf naming the first copy, and
                     searches show one hit per story; the report lists the groups)
  --quiet            no progress bar
  --force            delete index files that no kept commit names (e.g. the segments of a lost
                     manifest.json) instead of refusing to run
  --backend <dir>    index into the Sphinx cluster of <dir> (zhsearch cluster --help) instead

search options:
  --op auto|and|or   auto (default): documents with every word first, then fewer; and: every
                     word must match; or: any
  --size <n>         hits per page (default 10)
  --page <n>         page number (default 1)
  --sort relevance|date_desc|date_asc
  --json             print the result as JSON
  --timeout-ms <n>   time budget of the search (default 2000, as the server's)
  --literal          search exactly as typed: no pinyin, synonyms or typo correction
  --no-collapse      list every copy of a story as its own hit (default: one hit per story,
                     with the number of other copies; the total counts stories)
  --synonyms <file>  a synonym list added to dict/synonyms.txt (repeatable; lines \`a, b, c\`
                     or \`a => b, c\`, # comments)
  --no-default-synonyms
                     leave out dict/synonyms.txt

check options:
  --json             print the report as JSON

Query language: words (all must match), "exact phrase", -exclude, A OR B, title:word, (groups).
Pinyin (tushuguan), initials (tsg) and synonyms (国图) are understood, and a typo that no document
has is corrected; the output says how the query was read (--literal: as typed).
`;

const COMMON = {
  'index-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

/** Time budget of `zhsearch search`, as the server's default. */
const DEFAULT_SEARCH_TIMEOUT_MS = 2000;

export class UsageError extends Error {}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function indexDir(value: unknown): string {
  return (typeof value === 'string' && value) || process.env.ZHSEARCH_INDEX_DIR || 'index';
}

export function positiveInt(name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}, got "${value}"`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(HELP);
        return 0;
      case 'index':
        return await indexCommand(rest);
      case 'search':
        return searchCommand(rest);
      case 'stats':
        return statsCommand(rest);
      case 'delete':
        return await deleteCommand(rest);
      case 'check':
        return checkCommand(rest);
      case 'serve':
        return await serveCommand(rest);
      case 'start':
        return await startCommand(rest);
      case 'cluster':
        return await clusterCommand(rest);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`zhsearch: ${err.message}\nRun \`zhsearch --help\` for usage.\n`);
      return 2;
    }
    if (err instanceof SynonymsError) {
      // Named file:line, as a bad flag is named: fix the line and run again.
      process.stderr.write(`zhsearch: invalid synonym list: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`zhsearch: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function indexCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    map: { type: 'string' },
    threads: { type: 'string' },
    'user-dict': { type: 'string', multiple: true },
    quiet: { type: 'boolean' },
    'no-dedupe': { type: 'boolean' },
    force: { type: 'boolean' },
    backend: { type: 'string' },
  });
  if (values.help) return void process.stdout.write(HELP), 0;
  if (!positionals.length) throw new UsageError('index: give at least one file or directory');
  const threads = values.threads === undefined ? undefined : positiveInt('threads', values.threads, 1, 64);
  if (values.backend) return await indexIntoCluster(values.backend, positionals, { mapping: values.map, userDicts: values['user-dict'], quiet: values.quiet === true, dedupe: !values['no-dedupe'], threads });
  const dir = indexDir(values['index-dir']);
  let mapping;
  try {
    mapping = parseFieldMapping(values.map ?? '');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const started = performance.now();
  failWritesOverFileSizeLimit();
  const index = SearchIndex.open(dir, { threads, userDicts: values['user-dict'], force: values.force });
  const before = { version: index.stats().generation, documents: index.documentCount };
  try {
    // Takes the writer lock now (deleting nothing), so a second writer is refused at once.
    index.delete();
  } catch (err) {
    await index.close();
    throw diskFullError(err, dir, before) ?? serverOwnsIndex(err) ?? err;
  }
  const total = totalBytes(listInputs(positionals).files);
  const progress = new Progress(total, !values.quiet && process.stderr.isTTY === true);
  const dedupe = !values['no-dedupe'];
  const detector = new DuplicateDetector();
  if (dedupe && index.documentCount > 0) {
    // Reposts of documents indexed by earlier runs are grouped too: the detector first learns the index's originals.
    const seeding = performance.now();
    const seeded = seedDetector(detector, index.documents());
    if (!values.quiet) process.stderr.write(`duplicate detection: read ${seeded} indexed documents in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`);
  }
  const ingestion = new Ingestion(new ArticleConverter(mapping, { dedupe, detector }));
  try {
    let added = 0;
    for await (const doc of ingestion.documents(readInputs(positionals, (b) => progress.bytes(b)))) {
      // Enriched and grouped by the converter already (the same code add() would run).
      await index.add(doc, { enrich: false });
      progress.doc(++added);
    }
    progress.finish();
    process.stderr.write('committing (merging segments)...\n');
    const result = await index.commit();
    const report = ingestion.report;
    const reportPath = join(dir, 'ingest-report.json');
    try {
      writeFileSync(reportPath, JSON.stringify(report, null, 2));
    } catch (err) {
      process.stderr.write(`zhsearch: warning: the index is committed but the report could not be written to ${reportPath}: ${(err as Error).message}\n`);
    }
    const seconds = (performance.now() - started) / 1000;
    const reasons = Object.entries(report.byReason).map(([r, n]) => `${r} ${n}`).join(', ');
    const groups = report.duplicateGroups;
    process.stdout.write(
      `indexed ${report.indexed} documents in ${seconds.toFixed(1)} s (${(report.indexed / seconds).toFixed(0)} docs/s); ` +
        `rejected ${report.rejected.length}${reasons ? ` (${reasons})` : ''}\n` +
        (dedupe ? `${groups.duplicates} duplicates in ${groups.groups} groups (kept, grouped)\n` : '') +
        (report.warnings.length ? `${report.warnings.length} document(s) kept with warnings (see the report)\n` : '') +
        `index ${dir}: ${result.documents} documents in ${result.segments} segment(s), version ${result.generation}, ` +
        `${formatBytes(dirSize(dir))} on disk; report ${reportPath}\n`,
    );
    for (const w of report.warnings.slice(0, 10)) process.stderr.write(`  warning ${w.origin}: ${w.message}\n`);
    for (const r of report.rejected.slice(0, 10)) process.stderr.write(`  rejected ${r.origin}: ${r.message}\n`);
    if (report.rejected.length > 10) process.stderr.write(`  ... and ${report.rejected.length - 10} more in ${reportPath}\n`);
    return 0;
  } catch (err) {
    throw diskFullError(err, dir, before) ?? err;
  } finally {
    await index.close();
  }
}

/**
 * The message for a writer refused because a zhsearch server with the write API owns the index
 * (its lock names its URL): send the documents to the server instead. Null for other errors.
 */
function serverOwnsIndex(err: unknown): Error | null {
  if (!(err instanceof IndexLockedError) || !err.holder.owner?.includes('zhsearch server')) return null;
  const url = /https?:\/\/\S+/.exec(err.holder.owner)?.[0] ?? 'http://127.0.0.1:3000';
  return new Error(
    `${err.message}.\nThe server's write API is the one writer of this index while it runs: send the documents to it instead, e.g.\n` +
      `  curl -X POST -H "Authorization: Bearer $ZHSEARCH_ADMIN_KEY" -H 'Content-Type: application/x-ndjson' --data-binary @docs.jsonl '${url}/api/documents'\n` +
      `  curl -X DELETE -H "Authorization: Bearer $ZHSEARCH_ADMIN_KEY" '${url}/api/documents/<id>'\n` +
      `or stop the server (or restart it without an admin key) to index from the command line.`,
  );
}

/** The message of a write that failed for lack of room (at any step, the lock file included), or null for another error. */
function diskFullError(err: unknown, dir: string, before: { version: number; documents: number }): Error | null {
  const full = diskFull(err);
  if (!full) return null;
  return new Error(
    `cannot write the index in ${dir}: ${full}. Nothing was committed: the index keeps version ${before.version} ` +
      `with ${before.documents} documents, and the partly written files are removed. Free some space and run again.`,
  );
}

/** A description of a full disk (or file size limit) behind `err`, or null. */
function diskFull(err: unknown): string | null {
  const text = `${(err as NodeJS.ErrnoException)?.code ?? ''} ${err instanceof Error ? err.message : String(err)}`;
  if (/ENOSPC/.test(text)) return 'no space left on the device (ENOSPC)';
  if (/EDQUOT/.test(text)) return 'disk quota exceeded (EDQUOT)';
  if (/EFBIG/.test(text)) return 'file size limit exceeded (EFBIG)';
  return null;
}

/**
 * With a file size limit (`ulimit -f`), a write past it raises SIGXFSZ, which kills the process
 * with a core dump; ignored, the write fails with EFBIG instead and is reported like a full disk.
 */
function failWritesOverFileSizeLimit(): void {
  if (process.platform !== 'win32' && process.listenerCount('SIGXFSZ') === 0) process.on('SIGXFSZ', () => {});
}

function searchCommand(args: string[]): number {
  const { values, positionals } = parse(args, {
    op: { type: 'string' },
    size: { type: 'string' },
    page: { type: 'string' },
    sort: { type: 'string' },
    json: { type: 'boolean' },
    'timeout-ms': { type: 'string' },
    literal: { type: 'boolean' },
    synonyms: { type: 'string', multiple: true },
    'no-default-synonyms': { type: 'boolean' },
    'no-collapse': { type: 'boolean' },
  });
  if (values.help) return void process.stdout.write(HELP), 0;
  const q = positionals.join(' ');
  const synonyms = [...(values['no-default-synonyms'] ? [] : [DEFAULT_SYNONYMS_FILE]), ...(values.synonyms ?? [])];
  for (const f of values.synonyms ?? []) if (!existsSync(f)) throw new UsageError(`--synonyms: no such file "${f}"`);
  const op = values.op ?? 'auto';
  if (op !== 'auto' && op !== 'and' && op !== 'or') throw new UsageError(`--op must be "auto", "and" or "or", got "${op}"`);
  const sort = values.sort ?? undefined;
  if (sort !== undefined && sort !== 'relevance' && sort !== 'date_desc' && sort !== 'date_asc') {
    throw new UsageError(`--sort must be relevance, date_desc or date_asc, got "${sort}"`);
  }
  const dir = indexDir(values['index-dir']);
  requireIndex(dir);
  const index = SearchIndex.open(dir, { synonyms });
  try {
    const started = performance.now();
    const timeoutMs = positiveInt('timeout-ms', values['timeout-ms'], DEFAULT_SEARCH_TIMEOUT_MS, 600_000);
    let result: SearchResult;
    try {
      result = index.search(q, { op, size: positiveInt('size', values.size, 10, 1000), page: positiveInt('page', values.page, 1), sort, timeoutMs, literal: values.literal, collapse: !values['no-collapse'] });
    } catch (err) {
      if (!(err instanceof SearchBudgetError)) throw err;
      throw new Error(`${err.message}; simplify the query (fewer words, shorter phrases)${err.resource === 'time' ? ' or raise --timeout-ms' : ''}`);
    }
    const tookMs = performance.now() - started;
    if (values.json) process.stdout.write(JSON.stringify({ ...result, tookMs: Number(tookMs.toFixed(2)) }, null, 2) + '\n');
    else process.stdout.write(formatResult(result, tookMs));
    for (const w of result.warnings ?? []) process.stderr.write(`zhsearch: warning: document "${w.id}" unavailable: ${w.message} (run \`zhsearch check\`)\n`);
    return 0;
  } finally {
    void index.close();
  }
}

function formatResult(r: SearchResult, tookMs: number): string {
  const lines = [
    `${r.total} result(s)${r.articles !== r.total ? ` (${r.articles} articles; copies of a story grouped)` : ''} for ${r.query.terms.join(' ') || '(all documents)'}${r.query.excluded.length ? ` excluding ${r.query.excluded.join(' ')}` : ''}` +
      `${r.query.relaxed ? ` (no document has all the words; the best lack ${r.query.dropped.join(' ')})` : ''} in ${tookMs.toFixed(1)} ms`,
    ...understandingLines(r.query),
  ];
  r.hits.forEach((h, i) => {
    lines.push(`${String(i + 1).padStart(3)}. ${h.unavailable ? '(unavailable: its stored document is damaged)' : h.title || '(untitled)'}  [${h.score.toFixed(3)}]`);
    const meta = [h.date, h.source, h.regions.map((x) => x.county ?? x.city ?? x.province).join('、'), h.url].filter(Boolean).join(' | ');
    lines.push(`     ${h.id}${meta ? ` | ${meta}` : ''}`);
    if (h.duplicates?.length) lines.push(`     + ${h.duplicates.length} similar report(s): ${h.duplicates.map((d) => d.id).join(', ')}`);
  });
  return lines.join('\n') + '\n';
}

/** How the query was read (pinyin, initials, a correction, synonyms) and a correction offered, one line each. */
function understandingLines(query: SearchResult['query']): string[] {
  const lines: string[] = [];
  const of = (kind: Interpretation['kind']) => query.interpretations.filter((i) => i.kind === kind);
  const alternatives = (i: Interpretation) => i.to.join(' / ');
  if (query.correctedFrom !== undefined) {
    const typed = of('correction').map((i) => i.from);
    lines.push(`showing results for ${query.q}: no document has ${typed.length ? typed.join(', ') : query.correctedFrom}; --literal searches ${query.correctedFrom} as typed`);
  }
  const read = query.interpretations.filter((i) => i.kind === 'pinyin' || i.kind === 'initials').map((i) => `${i.from} as ${i.kind}: ${alternatives(i)}`);
  if (read.length) lines.push(`read ${read.join('; ')}${query.correctedFrom === undefined ? '; --literal searches the query as typed' : ''}`);
  const synonyms = of('synonym');
  if (synonyms.length) lines.push(`also searched: ${synonyms.map((i) => `${i.to.join(', ')} (for ${i.from})`).join('; ')}`);
  if (query.didYouMean !== undefined) lines.push(`did you mean: ${query.didYouMean}`);
  return lines;
}

function statsCommand(args: string[]): number {
  const { values } = parse(args, { json: { type: 'boolean' } });
  if (values.help) return void process.stdout.write(HELP), 0;
  const dir = indexDir(values['index-dir']);
  requireIndex(dir);
  const index = SearchIndex.open(dir);
  try {
    const s = index.stats();
    const size = dirSize(dir);
    if (values.json) {
      process.stdout.write(JSON.stringify({ ...s, bytesOnDisk: size }, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `index:      ${dir}`,
      `documents:  ${s.documents}`,
      `segments:   ${s.segments} (version ${s.generation}, committed ${s.committedAt})`,
      ...Object.entries(s.terms).map(([f, t]) => `terms:      ${f.padEnd(8)} ${t.words} words, ${t.grams} character grams`),
      `on disk:    ${formatBytes(size)}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    void index.close();
  }
}

async function deleteCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help) return void process.stdout.write(HELP), 0;
  if (!positionals.length) throw new UsageError('delete: give at least one id');
  const dir = indexDir(values['index-dir']);
  requireIndex(dir);
  failWritesOverFileSizeLimit();
  const index = SearchIndex.open(dir);
  const before = { version: index.stats().generation, documents: index.documentCount };
  try {
    const missing = positionals.filter((id) => !index.get(id));
    index.delete(...positionals);
    const result = await index.commit();
    process.stdout.write(`deleted ${result.deleted} document(s); ${result.documents} left${missing.length ? `; not found: ${missing.join(', ')}` : ''}\n`);
    return 0;
  } catch (err) {
    throw diskFullError(err, dir, before) ?? serverOwnsIndex(err) ?? err;
  } finally {
    await index.close();
  }
}

function checkCommand(args: string[]): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (values.help) return void process.stdout.write(HELP), 0;
  if (positionals.length) throw new UsageError(`check: unexpected argument "${positionals[0]}" (the index is chosen with --index-dir)`);
  const dir = indexDir(values['index-dir']);
  const report = checkIndex(dir);
  if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(formatCheck(report));
  if (!report.ok) process.stderr.write(`zhsearch: index ${dir} is damaged: ${report.problems.length} problem(s)${values.json ? '' : ', listed above'}\n`);
  return report.ok ? 0 : 1;
}

function formatCheck(r: CheckReport): string {
  const c = r.checked;
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [
    `index:      ${r.dir}`,
    `version:    ${r.manifest ? `${r.generation} (${r.manifest})` : 'none readable'}; kept commits: ${r.commits.length ? r.commits.join(', ') : 'none'}`,
    `contents:   ${n(r.documents)} documents in ${r.segments} segment(s); ${n(r.deleted)} deleted, not yet merged away`,
    `checked:    ${c.manifests} manifest(s); ${c.segmentFiles} segment file(s), ${n(c.sections)} sections; ` +
      `${c.storeFiles} store file(s), ${n(c.storedDocuments)} stored documents; ${c.deletionFiles} deletion file(s); ${formatBytes(c.bytes)}`,
  ];
  if (r.unaccounted.length) {
    lines.push(`unnamed:    ${r.unaccounted.length} index file(s) that no kept commit names (\`zhsearch index\` refuses to run unless --force): ${r.unaccounted.join(', ')}`);
  }
  if (r.ok) lines.push('result:     ok, every checksum matches');
  else {
    lines.push(`result:     DAMAGED, ${r.problems.length} problem(s):`);
    for (const p of r.problems) lines.push(`  ${p.file}: ${p.message}`);
  }
  return lines.join('\n') + '\n';
}

function requireIndex(dir: string): void {
  if (indexExists(dir)) return;
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => /^seg-.*\.seg$/.test(f));
  } catch {
    // no directory
  }
  if (files.length) {
    throw new Error(
      `no manifest in ${dir}, but ${files.length} segment file(s): manifest.json and every kept manifest-N.json are lost; ` +
        `\`zhsearch check --index-dir ${dir}\` lists what is there, \`zhsearch index --force\` deletes it and starts a new index`,
    );
  }
  throw new Error(`no index in ${dir}: build one with \`zhsearch index <paths> --index-dir ${dir}\``);
}

function dirSize(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    try {
      const st = statSync(join(dir, f));
      if (st.isFile()) n += st.size;
    } catch {
      // removed meanwhile
    }
  }
  return n;
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

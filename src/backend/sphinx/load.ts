/**
 * Loading documents into the cluster (`zhsearch index <paths> --backend <dir>`): each document is
 * analysed by zhsearch (rows.ts; jieba on analysis threads, analysis-pool.ts) and written, in input
 * order, to its shard's xmlpipe2 stream; every node builds
 * the stream as a plain index `batch` with `indexer`; the global IDF file is written from the
 * shards' term counts (each shard's `main` and `batch` dictionaries, summed); then every node
 * merges `batch` into `main` (`indexer --merge main batch --rotate`: a document of the batch
 * replaces the one with its id, and a running searchd switches to the merged index, reading the
 * new global IDF with it; a node whose `main` is empty takes the batch as its `main`) and drops
 * the batch's ids from its real-time `delta`. Each document is indexed once.
 *
 * Plain indexes are what Sphinx 2.2.11 ranks with length normalization (BM25A/BM25F); the
 * real-time `delta` only takes the documents written through the server between loads.
 *
 * Owns: the load procedure. Must not: parse inputs (ingestion does) or run searches.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DocumentInput } from '../../document.js';
import type { DuplicateDetector } from '../../ingest/dedupe.js';
import { writeFileAtomically } from '../../fs/durable.js';
import { isVocabularyWord } from '../../search/vocabulary.js';
import { batchXml, ClusterError, nodeName, readCluster, type ClusterDescription, type ShardNode } from './cluster.js';
import { writeGlobalIdf } from './global-idf.js';
import { NameTable } from './names.js';
import { hash63 } from './hash.js';
import { AnalysisPool } from './analysis-pool.js';
import { rowOf, shardOf, type AnalyzedFields } from './rows.js';
import { connect, isSearchd, logFrom, runIndexer, SphinxMissingError } from './searchd.js';
import { seedFromCluster } from './stored.js';
import { VOCABULARY_FILE } from './words.js';
import { XmlpipeWriter } from './xmlpipe.js';

export interface LoadResult {
  documents: number;
  /** Documents per shard in this load. */
  perShard: number[];
  /** Documents in the collection after the load (the shards' `main` indexes). */
  totalDocuments: number;
  seconds: number;
}

export interface LoadOptions {
  /** Extra jieba user dictionaries, as the embedded index's `userDicts`. */
  userDicts?: readonly string[];
  /** Called after each document is analysed, with the count so far. */
  onDocument?: (count: number) => void;
  /** Analysis threads (jieba); 0: the calling thread. Default: the cores, at most 4 (a load of one batch: the calling thread). */
  threads?: number;
  /**
   * The duplicate detector of the documents' ingestion: it learns the cluster's documents before
   * the first document is read (so that reposts of earlier loads are grouped with them).
   */
  detector?: DuplicateDetector;
  /** Called once the detector has learned the cluster's documents: how many, in how many seconds. */
  onSeeded?: (documents: number, seconds: number) => void;
}

/** Documents sent to an analysis thread at a time. */
const ANALYSIS_BATCH = 64;

/** The cluster of `dir`, or a ClusterError saying how to start it when one of its shards is down. */
function runningCluster(dir: string): ClusterDescription {
  const c = readCluster(dir);
  const down = c.shards.filter((n) => !isSearchd(n.pid, n.config));
  if (down.length) throw new ClusterError(`the cluster in ${dir} is not running (${down.map(nodeName).join(', ')} down): start it with \`zhsearch cluster start --dir ${dir} --shards ${c.shardCount}\` first`);
  return c;
}

/** Loads `docs` into the running cluster of `dir`. */
export async function loadDocuments(dir: string, docs: Iterable<DocumentInput> | AsyncIterable<DocumentInput>, options: LoadOptions = {}): Promise<LoadResult> {
  const started = performance.now();
  const c = runningCluster(dir);
  const names = NameTable.load(dir);
  mkdirSync(c.loadDir, { recursive: true });
  const writers = Array.from({ length: c.shardCount }, (_, i) => new XmlpipeWriter(batchXml(c, i)));
  const ids: string[][] = writers.map(() => []);
  /** Originals that copies in this load name: their story is shared from now on. */
  const originals = new Set<string>();
  let count = 0;
  if (options.detector) {
    const seeding = performance.now();
    const seeded = await seedFromCluster(options.detector, c);
    options.onSeeded?.(seeded, (performance.now() - seeding) / 1000);
  }
  // Started with the first full batch: a load smaller than one batch is analysed in this thread.
  const analysis: { pool?: AnalysisPool } = {};
  /** Batches sent to the analysis threads, written in the order they were sent. */
  const pending: Array<{ docs: DocumentInput[]; analyzed: Promise<AnalyzedFields[]> }> = [];
  const writeOldest = async () => {
    const { docs: batch, analyzed } = pending.shift()!;
    const fields = await analyzed;
    for (let i = 0; i < batch.length; i++) {
      const row = rowOf(batch[i], fields[i], c.shardCount, names);
      await writers[row.shard].write(row);
      ids[row.shard].push(row.sid);
      options.onDocument?.(++count);
    }
  };
  /** Sends a batch to the analysis threads (started with the first); returns their pool. */
  const send = (batch: DocumentInput[], last: boolean): AnalysisPool => {
    const pool = (analysis.pool ??= new AnalysisPool(last ? 0 : (options.threads ?? Math.min(4, availableParallelism())), options.userDicts));
    const analyzed = pool.analyze(batch);
    analyzed.catch(() => undefined); // awaited in order by writeOldest
    pending.push({ docs: batch, analyzed });
    return pool;
  };
  try {
    let batch: DocumentInput[] = [];
    for await (const doc of docs) {
      if (doc.duplicateOf && doc.duplicateOf !== doc.id) originals.add(doc.duplicateOf);
      batch.push(doc);
      if (batch.length < ANALYSIS_BATCH) continue;
      const pool = send(batch, false);
      batch = [];
      if (pending.length >= pool.capacity) await writeOldest();
    }
    if (batch.length) send(batch, true);
    while (pending.length) await writeOldest();
  } finally {
    await analysis.pool?.close();
    await Promise.all(writers.map((w) => w.close()));
  }
  names.save();
  try {
    // Each node's indexer and merge are processes of their own: as many at once as there are cores.
    await inParallel(c.shards, (node) => runIndexer(node.config, ['batch'], false));
    const totalDocuments = await writeGlobalIdfOf(c);
    await inParallel(c.shards, mergeBatch);
    for (const node of c.shards) await dropFromDelta(node, ids[node.shard]);
    for (const node of c.shards) await markShared(node, [...originals].filter((id) => shardOf(id, c.shardCount) === node.shard).map(hash63));
    return { documents: count, perShard: writers.map((w) => w.count), totalDocuments, seconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(c.loadDir, { recursive: true, force: true });
    for (const node of c.shards) for (const f of readdirSync(node.dir)) if (f.startsWith('batch.')) rmSync(join(node.dir, f), { force: true });
  }
}

/**
 * Writes the cluster's global IDF from the shards' dictionaries (`indextool --dumpdict --stats`
 * of each shard's `main` and `batch`, first node of each shard); returns the document total.
 */
async function writeGlobalIdfOf(c: ClusterDescription): Promise<number> {
  const docs = new Map<string, number>();
  let total = 0;
  for (const node of c.shards.filter((n) => n.mirror === 0)) {
    for (const index of ['main', 'batch']) total += await addDictionary(node, index, docs);
  }
  writeGlobalIdf(c.globalIdf, total, docs);
  writeVocabulary(c, docs);
  return total;
}

/**
 * Writes `<dir>/vocabulary.tsv`: each jieba word of two or more Han characters and the documents
 * having it (the most of any field), from the keyword counts (`tw_`, `cw_`, `gw_` keywords).
 */
function writeVocabulary(c: ClusterDescription, docs: ReadonlyMap<string, number>): void {
  const words = new Map<string, number>();
  for (const [k, n] of docs) {
    if (k[1] !== 'w' || k[2] !== '_') continue;
    const w = k.slice(3);
    if (isVocabularyWord(w) && n > (words.get(w) ?? 0)) words.set(w, n);
  }
  let text = '';
  for (const [w, n] of words) text += `${w}\t${n}\n`;
  writeFileAtomically(dirname(c.globalIdf), VOCABULARY_FILE, text);
}

/** Adds the document counts of `index`'s keywords to `docs`; returns its document total. */
function addDictionary(node: ShardNode, index: string, docs: Map<string, number>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('indextool', ['--dumpdict', index, '--stats', '--config', node.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let total = 0;
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? new SphinxMissingError('indextool') : err));
    const lines = createInterface({ input: child.stdout });
    let inList = false;
    lines.on('line', (line) => {
      if (!inList) {
        const t = /^total-documents: (\d+)/.exec(line);
        if (t) total = Number(t[1]);
        else if (line.startsWith('keyword,docs,hits,offset')) inList = true;
        return;
      }
      // keyword,docs,hits,offset: the keyword itself may hold commas.
      const c3 = line.lastIndexOf(',');
      const c2 = line.lastIndexOf(',', c3 - 1);
      const c1 = line.lastIndexOf(',', c2 - 1);
      if (c1 <= 0) return;
      const keyword = line.slice(0, c1);
      docs.set(keyword, (docs.get(keyword) ?? 0) + Number(line.slice(c1 + 1, c2)));
    });
    child.on('close', (code) => (code === 0 ? resolve(total) : reject(new Error(`indextool --dumpdict ${index} (${node.config}) failed (exit ${code}): ${stderr.trim().slice(-1000)}`))));
  });
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Runs `work` on every item, at most as many at once as the machine has cores. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(items.length, availableParallelism()) }, worker));
}

/** The files of a plain index (the lock file `.spl` excluded). */
const INDEX_FILES = ['sph', 'spa', 'spi', 'spd', 'spp', 'spm', 'spk', 'sps', 'spe'];

/**
 * Merges `batch` into `main` on one node; a running searchd switches to the result before this
 * returns. A node whose `main` is empty takes the batch's files as its new `main` instead (renamed
 * to `main.new.*` and rotated in by SIGHUP, as `indexer --rotate` does): Sphinx 2.2.11's merge
 * into an empty index loses the total field lengths, and BM25A/BM25F (the candidates' order) are
 * then a constant (measured; test/backend/sphinx/load.test.ts); the two indexes share one schema
 * and settings, so the batch need not be indexed a second time.
 */
async function mergeBatch(node: ShardNode): Promise<void> {
  const conn = await connect(node.host, node.port);
  let empty: boolean;
  try {
    const [rows] = (await conn.query('SELECT COUNT(*) AS n FROM main')) as unknown as [Array<{ n: number | string }>];
    empty = Number(rows[0]?.n ?? 0) === 0;
  } finally {
    await conn.end().catch(() => undefined);
  }
  // searchd writes "rotating index 'main': success" to its log once it serves the new index (the
  // files are renamed before that: waiting for main.new.* to go was not enough, an update sent
  // then reached the old index and was lost).
  const log = join(node.dir, 'searchd.log');
  const from = existsSync(log) ? statSync(log).size : 0;
  if (empty) {
    for (const ext of INDEX_FILES) {
      const file = join(node.dir, `batch.${ext}`);
      if (existsSync(file)) renameSync(file, join(node.dir, `main.new.${ext}`));
    }
    if (!node.pid || !isSearchd(node.pid, node.config)) throw new ClusterError(`${nodeName(node)} is not running: cannot switch it to the loaded index`);
    process.kill(node.pid, 'SIGHUP');
  } else await runIndexer(node.config, ['--merge', 'main', 'batch'], true);
  const until = Date.now() + 120_000;
  for (;;) {
    const said = logFrom(log, from);
    if (/rotating index 'main': success/.test(said)) return;
    const failed = /rotating index 'main':(?! started| success).*$/m.exec(said);
    if (failed) throw new Error(`searchd (${node.config}) did not switch to the new index: ${failed[0]}`);
    if (Date.now() > until) throw new Error(`searchd (${node.config}) did not switch to the new index within 120 s: ${said.trim().slice(-500)}`);
    await sleep(50);
  }
}

/** Marks documents (Sphinx ids) as having copies: `shared = 1` in `main` and `delta` (an attribute update, kept in the binlog). */
async function markShared(node: ShardNode, sids: string[]): Promise<void> {
  if (!sids.length) return;
  const conn = await connect(node.host, node.port);
  try {
    for (let i = 0; i < sids.length; i += 1000) {
      const list = sids.slice(i, i + 1000).join(',');
      for (const index of ['main', 'delta']) await conn.query(`UPDATE ${index} SET shared = 1 WHERE id IN (${list})`);
    }
    // Attribute updates stay in memory until flushed (a kill -9 would lose them).
    await conn.query('FLUSH ATTRIBUTES');
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** Removes documents now in `main` from the node's `delta` (written there through the server before this load). */
async function dropFromDelta(node: ShardNode, sids: string[]): Promise<void> {
  if (!sids.length) return;
  const conn = await connect(node.host, node.port);
  try {
    for (let i = 0; i < sids.length; i += 1000) await conn.query(`DELETE FROM delta WHERE id IN (${sids.slice(i, i + 1000).join(',')})`);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

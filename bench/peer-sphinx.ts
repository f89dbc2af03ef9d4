/**
 * Sphinx 2.2.11 (Debian's `sphinxsearch` package) as a peer, fed the same cut-for-search tokens
 * as the other peers, in two fields:
 *  - a plain index built by `indexer` from a tsvpipe source (id, title, content; the tokens joined
 *    by spaces), `charset_table` = digits, Latin letters, '.', accented Latin, Greek, Cyrillic, 〇
 *    and the CJK ideograph blocks (so a Chinese word between two spaces is one keyword; no ngram,
 *    no morphology, no stopwords, min_word_len 1), `index_field_lengths = 1` (needed by bm25f());
 *    Sphinx document ids are line number + 1 (they must be positive);
 *  - `searchd --nodetach` on a free loopback port (SphinxQL, the mysql41 protocol), stopped by its
 *    PID when the last peer closes, and on exit or SIGINT/SIGTERM of this process;
 *  - queries over SphinxQL with mysql2 (`query()`, text protocol; the SELECT and `SHOW META` in one
 *    multi-statement round trip): `SELECT id FROM idx WHERE MATCH('a b') LIMIT 10` (AND) or
 *    `MATCH('a | b')` (OR), the total from SHOW META's total_found (Sphinx counts every match while
 *    it keeps the top 10). Two rankers, two peers over the same index and server:
 *      'sphinx': `ranker=expr('bm25f(12, 0.75, {title=25, content=10})*10000')`: Sphinx's BM25F
 *        (per-field weighted term frequency, weighted document length normalized by the weighted
 *        average, b 0.75). Field weights must be integers: weights 25/10 with k1 12 are exactly
 *        weights 2.5/1 with k1 1.2 (the weights scale tf, dl and avgdl alike). The expression is
 *        a float but Sphinx's weight is an integer, hence * 10000;
 *      'sphinx-bm25': `ranker=bm25, field_weights=(title=25, content=10)`: Sphinx's fast built-in
 *        ranker, `sum(user_weight)*1000 + bm25` (the sum of the weights of the fields that match,
 *        then a BM25 without length normalization).
 *    Both with `idf='plain,tfidf_unnormalized'` (idf = ln(N / n), never negative, as Lucene's and
 *    ours are not; Sphinx's default makes words in more than half the documents negative).
 * The latency measured is the client's: it includes mysql2 and the loopback round trip.
 *
 * Owns: the Sphinx adapter and the searchd process it starts. Must not: time queries, run jieba.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { freePort } from './measure.js';
import { splitTitle, type Op, type Peer, type PeerResult } from './peers.js';

type Mysql = typeof import('mysql2/promise');

export type SphinxRanker = 'bm25f' | 'bm25';

const OPTIONS: Record<SphinxRanker, string> = {
  bm25f: `ranker=expr('bm25f(12, 0.75, {title=25, content=10})*10000'), idf='plain,tfidf_unnormalized'`,
  bm25: `ranker=bm25, field_weights=(title=25, content=10), idf='plain,tfidf_unnormalized'`,
};

const CHARSET_TABLE = [
  '0..9', 'A..Z->a..z', 'a..z', 'U+2E', 'U+C0..U+24F', 'U+370..U+3FF', 'U+400..U+4FF', 'U+3007',
  'U+3400..U+4DBF', 'U+4E00..U+9FFF', 'U+F900..U+FAFF', 'U+20000..U+2FA1F',
].join(', ');

/** Why Sphinx cannot run here (indexer/searchd or mysql2 missing), or null when it can. */
export function sphinxUnavailable(): string | null {
  for (const bin of ['indexer', 'searchd']) {
    const r = spawnSync(bin, ['--help'], { encoding: 'utf8' });
    if (r.error) return `${bin} not found (apt-get install sphinxsearch)`;
  }
  try {
    createRequire(import.meta.url).resolve('mysql2/promise');
  } catch {
    return 'mysql2 not installed';
  }
  return null;
}

/** The version line of `indexer` (e.g. "Sphinx 2.2.11-id64-release (95ae9a6)"). */
function sphinxVersion(): string {
  const out = spawnSync('indexer', ['--help'], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n')[0]?.trim() || 'Sphinx';
}

/** searchd processes started here, with the directory of their index. */
const running = new Map<ChildProcess, string>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const [child, dir] of running) {
      if (child.exitCode === null) child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
}

/** A built index and the searchd serving it. */
export class SphinxServer {
  private users = 0;
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly mysql: Mysql,
    /** Writing the TSV + `indexer`, seconds. */
    readonly buildSeconds: number,
    readonly version: string,
  ) {}

  /** Builds the index from the token lines (titleCounts as for SqlitePeer) and starts searchd. */
  static async start(lines: readonly string[], titleCounts: ArrayLike<number>): Promise<SphinxServer> {
    const mysql = createRequire(import.meta.url)('mysql2/promise') as Mysql;
    const dir = mkdtempSync(join(tmpdir(), 'zhsearch-sphinx-'));
    try {
      const port = await freePort();
      const conf = join(dir, 'sphinx.conf');
      const tsv = join(dir, 'docs.tsv');
      writeFileSync(
        conf,
        `source src
{
  type = tsvpipe
  tsvpipe_command = cat ${tsv}
  tsvpipe_field = title
  tsvpipe_field = content
}
index idx
{
  source = src
  path = ${join(dir, 'idx')}
  docinfo = extern
  dict = keywords
  min_word_len = 1
  charset_table = ${CHARSET_TABLE}
  index_field_lengths = 1
}
indexer
{
  mem_limit = 512M
}
searchd
{
  listen = 127.0.0.1:${port}:mysql41
  log = ${join(dir, 'searchd.log')}
  pid_file = ${join(dir, 'searchd.pid')}
  binlog_path =
  workers = threads
}
`,
      );
      const started = performance.now();
      const out = createWriteStream(tsv);
      for (let i = 0; i < lines.length; i++) {
        if (!lines[i]) continue;
        const [title, content] = splitTitle(lines[i], titleCounts[i]);
        if (!out.write(`${i + 1}\t${title}\t${content}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
      }
      await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
      const built = spawnSync('indexer', ['--config', conf, '--all', '--quiet'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const buildSeconds = (performance.now() - started) / 1000;
      if (built.status !== 0) throw new Error(`indexer failed (exit ${built.status}): ${(built.stdout + built.stderr).slice(-2000)}`);
      rmSync(tsv, { force: true });
      hookExit();
      const child = spawn('searchd', ['--config', conf, '--nodetach'], { stdio: 'ignore' });
      running.set(child, dir);
      child.once('exit', () => running.delete(child));
      const server = new SphinxServer(dir, port, child, mysql, buildSeconds, sphinxVersion());
      await server.ready();
      return server;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Waits until searchd answers a query (it loads the index before it does). */
  private async ready(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let last: unknown = null;
    while (Date.now() < until) {
      if (this.child.exitCode !== null) break;
      try {
        const c = await this.connect();
        await c.query("SELECT id FROM idx WHERE MATCH('预热') LIMIT 1");
        await c.end();
        return;
      } catch (err) {
        last = err;
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    this.stop();
    throw new Error(`searchd did not answer on port ${this.port}: ${(last as Error)?.message ?? `exit ${this.child.exitCode}`}`);
  }

  connect(): Promise<Connection> {
    return this.mysql.createConnection({ host: '127.0.0.1', port: this.port, multipleStatements: true });
  }

  /** The index files, MB. */
  diskMB(): number {
    let bytes = 0;
    for (const f of readdirSync(this.dir)) if (f.startsWith('idx.')) bytes += statSync(join(this.dir, f)).size;
    return bytes / 1e6;
  }

  /** Resident memory of searchd, MB (its index data: Sphinx keeps attributes and the dictionary in RAM, the lists on disk). */
  rssMB(): number {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : NaN;
    } catch {
      return NaN;
    }
  }

  acquire(): void {
    this.users++;
  }

  /** Called by each peer on close: the last one stops searchd. */
  release(): void {
    if (--this.users <= 0) this.stop();
  }

  /** searchd is running (not stopped yet). */
  get alive(): boolean {
    return this.child.exitCode === null && running.has(this.child);
  }

  /** Stops searchd (by its PID) and removes the index. */
  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    running.delete(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

interface MetaRow {
  Variable_name: string;
  Value: string;
}

export class SphinxPeer implements Peer {
  readonly name: string;
  private readonly options: string;

  private constructor(
    private readonly server: SphinxServer,
    private readonly conn: Connection,
    readonly ranker: SphinxRanker,
  ) {
    this.name = ranker === 'bm25f' ? 'sphinx' : 'sphinx-bm25';
    this.options = OPTIONS[ranker];
  }

  static async open(server: SphinxServer, ranker: SphinxRanker): Promise<SphinxPeer> {
    const conn = await server.connect();
    server.acquire();
    return new SphinxPeer(server, conn, ranker);
  }

  /** The Sphinx extended query of the terms (letters and digits only: no operator to escape). */
  static match(terms: readonly string[], op: Op): string {
    return terms.join(op === 'and' ? ' ' : ' | ');
  }

  async search(terms: readonly string[], op: Op, k: number): Promise<PeerResult> {
    if (!terms.length) return { total: 0, docs: [] };
    const sql = `SELECT id FROM idx WHERE MATCH(${this.conn.escape(SphinxPeer.match(terms, op))}) LIMIT ${k | 0} OPTION ${this.options}; SHOW META`;
    const [sets] = (await this.conn.query(sql)) as unknown as [[{ id: number | string }[], MetaRow[]]];
    const docs = sets[0].map((r) => Number(r.id) - 1);
    const total = Number(sets[1].find((r) => r.Variable_name === 'total_found')?.Value ?? NaN);
    return { total, docs };
  }

  async close(): Promise<void> {
    await this.conn.end().catch(() => undefined);
    this.server.release();
  }
}

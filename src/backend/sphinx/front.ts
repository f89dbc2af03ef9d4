/**
 * The cluster's distributed front as zhsearch's statements meet it: one pool of SphinxQL
 * connections, the OPTION text every statement on `dist` carries (Sphinx's own retry of a failed
 * agent when there are mirrors), the errors of shards that failed mapped to zhsearch's (a timeout,
 * the cluster unavailable), and the stored documents, by id or all of them in pages.
 *
 * The searcher, suggestions, similar articles and duplicate seeding (stored.ts) send their
 * statements to `dist` here; nothing outside backend/sphinx sees it.
 *
 * Owns: sending statements to the front and reading stored documents. Must not: build queries,
 * score, or start processes.
 */
import type { Pool } from 'mysql2/promise';
import type { StoredDocument } from '../../document.js';
import { SearchTimeoutError } from '../../search/budget.js';
import type { ClusterDescription } from './cluster.js';
import { hash63 } from './hash.js';
import type { Row } from './meta.js';

/** No shard of the cluster answered (every one down or failing). */
export class ClusterUnavailableError extends Error {
  constructor(detail: string) {
    super(`no shard of the cluster answered: ${detail.replace(/\0/g, '').trim()}`);
    this.name = 'ClusterUnavailableError';
  }
}

/** The stored document of a row that selected `doc`. */
function storedOf(row: Row): StoredDocument {
  return JSON.parse(String(row.doc)) as StoredDocument;
}

export class ClusterFront {
  private constructor(
    private readonly cluster: ClusterDescription,
    private readonly pool: Pool,
  ) {}

  /** A pool of connections to the front of `cluster` (connections open on first use). */
  static async open(cluster: ClusterDescription): Promise<ClusterFront> {
    const mysql = await import('mysql2/promise');
    const pool = mysql.createPool({ host: cluster.front.host, port: cluster.front.port, multipleStatements: true, connectionLimit: 8, supportBigNumbers: true, bigNumberStrings: true, connectTimeout: 2000 });
    return new ClusterFront(cluster, pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** OPTION text every statement on `dist` carries: with mirrors, Sphinx's own retry of a failed agent. */
  get retry(): string {
    return this.cluster.mirrors > 1 ? `retry_count=${this.cluster.mirrors - 1}, retry_delay=0` : 'retry_count=0';
  }

  /** OPTION text of a statement asked only for its counts (`total_found`, keyword document counts): no ranking. */
  get countOnly(): string {
    return `ranker=none, ${this.retry}`;
  }

  /** `text` as a SphinxQL string literal. */
  escape(text: string): string {
    return this.pool.escape(text);
  }

  /**
   * Runs `sql` (statements separated by `;`): one result set per statement. Throws
   * {@link SearchTimeoutError} when every shard timed out, {@link ClusterUnavailableError} when
   * every shard failed otherwise (the front answers with an error, not a partial result).
   */
  async query(sql: string): Promise<Row[][]> {
    let sets: Row[] | Row[][];
    try {
      [sets] = (await this.pool.query(sql)) as unknown as [Row[] | Row[][]];
    } catch (err) {
      const message = (err as Error).message ?? '';
      if (/agent [^:]+:\d+: query timed out/.test(message)) throw new SearchTimeoutError(this.cluster.queryTimeoutMs);
      if (/agent [^:]+:\d+: /.test(message)) throw new ClusterUnavailableError(message);
      throw err;
    }
    return (Array.isArray(sets[0]) ? sets : [sets]) as Row[][];
  }

  /** Live stored documents by Sphinx id. */
  async documents(sids: readonly string[]): Promise<Map<string, StoredDocument>> {
    const out = new Map<string, StoredDocument>();
    if (!sids.length) return out;
    const [rows] = await this.query(`SELECT id, doc FROM dist WHERE id IN (${sids.join(',')}) AND deleted = 0 LIMIT ${sids.length} OPTION max_matches=${sids.length}, ${this.retry}`);
    for (const r of rows) out.set(String(r.id), storedOf(r));
    return out;
  }

  /** Every live stored document, `page` at a time in Sphinx id order. */
  async *storedDocuments(page = 1000): AsyncGenerator<StoredDocument[]> {
    for (let last = '0'; ; ) {
      const [rows] = await this.query(`SELECT id, doc FROM dist WHERE deleted = 0 AND id > ${last} ORDER BY id ASC LIMIT ${page} OPTION max_matches=${page}, ${this.retry}`);
      if (!rows.length) return;
      yield rows.map(storedOf);
      if (rows.length < page) return;
      last = String(rows[rows.length - 1].id);
    }
  }

  /** The live stored document with external id `id`, or null. */
  async get(id: string): Promise<StoredDocument | null> {
    return (await this.documents([hash63(id)])).values().next().value ?? null;
  }
}

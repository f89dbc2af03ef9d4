/**
 * Writes to the cluster through the server's write API (PUT / POST / DELETE /api/documents): each
 * document is enriched and analysed as a load does, routed to the shard its id hashes to, and
 * written to the real-time index `delta` of every node of that shard (`REPLACE`), its copy in
 * `main`, if any, marked `deleted`; a delete removes it from `delta` and marks it in `main`. A
 * copy of a document loaded or written before gets `duplicateOf` naming it, as the embedded
 * index's `add` does (the detector learns the cluster's documents on the first write).
 *
 * Durability: every node runs with `binlog_flush = 2`, so a `REPLACE`, `DELETE` or attribute
 * `UPDATE` is written to the node's binlog before the statement returns (fsynced within a second:
 * `binlog_flush = 1` writes nothing in Sphinx 2.2.11, measured); the write is answered after that
 * on every node of its shard, and a node killed afterwards replays its binlog when it starts
 * (tested with kill -9). The `deleted` marks in `main` are attribute updates, which the binlog
 * does not replay: each request ends with `FLUSH ATTRIBUTES` on the shards it marked (it writes
 * the node's attribute files: its cost grows with the shard). A power cut may lose the last second of writes (the embedded index's
 * write-ahead log loses none). Writes are visible to searches at once (`status: visible`).
 *
 * Owns: routing and applying writes. Must not: parse HTTP (server/write-routes.ts).
 */
import type { Connection } from 'mysql2/promise';
import { Analyzer } from '../../analysis/analyzer.js';
import type { DocumentInput } from '../../document.js';
import { checkDuplicate } from '../../ingest/article.js';
import { DuplicateDetector } from '../../ingest/dedupe.js';
import { enrichDocument } from '../../ingest/enrich.js';
import { readCluster, type ClusterDescription, type ShardNode } from './cluster.js';
import { SPHINX_ATTRS, SPHINX_FIELDS } from './conf.js';
import { hash63 } from './hash.js';
import { NameTable } from './names.js';
import { shardOf, toRow, type SphinxRow } from './rows.js';
import { connect } from './searchd.js';
import { seedFromCluster } from './stored.js';

export type ClusterWriteOp = { op: 'put'; doc: DocumentInput } | { op: 'delete'; id: string };

/** The write path of a cluster: one SphinxQL connection per shard node, writes applied in order. */
export class ClusterWrites {
  private readonly conns = new Map<ShardNode, Promise<Connection>>();
  private readonly analyzer: Analyzer;
  private readonly names: NameTable;
  private queue: Promise<unknown> = Promise.resolve();
  private seq = Date.now();
  /** Duplicate detection of written documents (null until the first write, or with `dedupe: false`). */
  private detector: DuplicateDetector | null = null;

  private constructor(
    readonly dir: string,
    private readonly cluster: ClusterDescription,
    userDicts: readonly string[],
    private readonly dedupe: boolean,
  ) {
    this.analyzer = new Analyzer({ userDicts });
    this.names = NameTable.load(dir);
  }

  /** `dedupe: false`: written documents are not grouped with earlier copies (default: they are). */
  static open(dir: string, options: { userDicts?: readonly string[]; dedupe?: boolean } = {}): ClusterWrites {
    return new ClusterWrites(dir, readCluster(dir), options.userDicts ?? [], options.dedupe ?? true);
  }

  /** `input` enriched as ingestion enriches, and grouped with an earlier copy (unless it names one itself). */
  private async prepare(input: DocumentInput): Promise<DocumentInput> {
    const doc = enrichDocument(input);
    if (!this.dedupe || doc.duplicateOf !== undefined) return doc;
    if (!this.detector) {
      const detector = new DuplicateDetector();
      await seedFromCluster(detector, this.cluster);
      this.detector = detector;
    }
    const dup = checkDuplicate(this.detector, doc);
    if (dup) doc.duplicateOf = dup.duplicateOf;
    return doc;
  }

  private conn(node: ShardNode): Promise<Connection> {
    let c = this.conns.get(node);
    if (!c) {
      c = connect(node.host, node.port);
      c.catch(() => this.conns.delete(node));
      this.conns.set(node, c);
    }
    return c;
  }

  /**
   * Runs `sql` on every node of `shard` (its mirrors too). A connection that broke since its last
   * use (the node was restarted) is replaced and the statement sent again once: every statement
   * of a write is idempotent (REPLACE, DELETE, UPDATE, FLUSH ATTRIBUTES).
   */
  private async onShard(shard: number, sql: string): Promise<void> {
    const nodes = this.cluster.shards.filter((n) => n.shard === shard);
    await Promise.all(
      nodes.map(async (n) => {
        for (let attempt = 0; ; attempt++) {
          try {
            await (await this.conn(n)).query(sql);
            return;
          } catch (err) {
            this.conns.delete(n);
            if (attempt === 0 && isConnectionLost(err)) continue;
            throw new Error(`shard ${shard} (${n.host}:${n.port}) did not take the write: ${(err as Error).message}`);
          }
        }
      }),
    );
  }

  /** Applies `ops` in order (after the writes already accepted); resolves when all are durable. Returns a task id. */
  apply(ops: readonly ClusterWriteOp[]): Promise<number> {
    const run = this.queue.then(async () => {
      const touched = new Set<number>();
      for (const op of ops) {
        if (op.op === 'put') await this.put(op.doc, touched);
        else await this.remove(op.id, touched);
      }
      // Attribute updates of a plain index live in memory until flushed: a kill -9 before that
      // loses them (measured; the binlog does not replay them). Once per request and shard.
      for (const shard of touched) await this.onShard(shard, 'FLUSH ATTRIBUTES');
      this.names.save();
      return ++this.seq;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  nextTaskId(): number {
    return ++this.seq;
  }

  /** A cluster has no index version. */
  generation(): null {
    return null;
  }

  /** Applied writes are durable and searchable already (each statement is in the binlog when it returns). */
  async acknowledge(taskId: number): Promise<{ taskId: number; status: 'visible'; generation: null }> {
    await this.queue;
    return { taskId, status: 'visible', generation: null };
  }

  private async put(input: DocumentInput, touched: Set<number>): Promise<void> {
    const doc = await this.prepare(input);
    const row = toRow(doc, this.analyzer, this.cluster.shardCount, this.names);
    await this.onShard(row.shard, `REPLACE INTO delta (${['id', ...SPHINX_FIELDS, ...SPHINX_ATTRS.map((a) => a.name)].join(', ')}) VALUES (${rowValues(row)})`);
    await this.onShard(row.shard, `UPDATE main SET deleted = 1 WHERE id = ${row.sid}`);
    touched.add(row.shard);
    if (doc.duplicateOf && doc.duplicateOf !== doc.id) {
      const original = hash63(doc.duplicateOf);
      const shard = shardOf(doc.duplicateOf, this.cluster.shardCount);
      await this.onShard(shard, `UPDATE main SET shared = 1 WHERE id = ${original}`);
      await this.onShard(shard, `UPDATE delta SET shared = 1 WHERE id = ${original}`);
      touched.add(shard);
    }
  }

  private async remove(id: string, touched: Set<number>): Promise<void> {
    const sid = hash63(id);
    const shard = shardOf(id, this.cluster.shardCount);
    await this.onShard(shard, `DELETE FROM delta WHERE id = ${sid}`);
    await this.onShard(shard, `UPDATE main SET deleted = 1 WHERE id = ${sid}`);
    touched.add(shard);
  }

  async close(): Promise<void> {
    await this.queue;
    await Promise.all([...this.conns.values()].map(async (c) => (await c.catch(() => null))?.end().catch(() => undefined)));
    this.conns.clear();
  }
}

/** Whether `err` says the connection itself is gone (mysql2 marks those `fatal`), not that the statement failed. */
function isConnectionLost(err: unknown): boolean {
  const e = err as { fatal?: boolean; code?: string; message?: string };
  return e.fatal === true || e.code === 'PROTOCOL_CONNECTION_LOST' || e.code === 'ECONNRESET' || e.code === 'EPIPE' || /closed state/.test(e.message ?? '');
}

/** SQL string literal. */
function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '')}'`;
}

/** The VALUES of a row, in the column order of {@link ClusterWrites.put}. */
function rowValues(row: SphinxRow): string {
  const values = [row.sid, ...SPHINX_FIELDS.map((f) => quote(row.fields[f]))];
  for (const a of SPHINX_ATTRS) {
    const v = row.attrs[a.name as keyof SphinxRow['attrs']];
    values.push(Array.isArray(v) ? `(${v.join(',')})` : typeof v === 'number' ? String(v) : a.type === 'bigint' ? String(v) : quote(String(v)));
  }
  return values.join(', ');
}

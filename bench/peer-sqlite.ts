/**
 * SQLite FTS5 as a peer (better-sqlite3, SQLite built from source by its install script, FTS5
 * compiled in), fed the same cut-for-search tokens as the other peers but in two columns:
 *  - one FTS5 table `docs(title, content)`, contentless (`content=''`: only the index and the
 *    per-column token counts are stored; the peers return document numbers, never text), the
 *    default `detail=full` (positions: FTS5's bm25() needs per-column term frequencies, which
 *    `detail=column` would reduce to 0/1), rowid = the document's line number;
 *  - tokenizer `unicode61 remove_diacritics 0 tokenchars '.'`: the token strings are joined by
 *    spaces, unicode61 treats letters (Han characters are category Lo) and digits as token
 *    characters, so a Chinese word stays one token; '.' is added because jieba keeps decimals
 *    such as "3.5" whole; nothing else in the tokens is a separator (letters, digits and '.' only);
 *  - ranking: FTS5's bm25() with column weights title 2.5, content 1 (our DEFAULT_RANKING boosts),
 *    set as the table's persistent `rank`, so `ORDER BY rank LIMIT 10` lets FTS5 sort internally.
 *    FTS5's bm25 weights each column's term frequency, but uses ONE document length (all columns)
 *    and idf = ln((N - n + 0.5) / (n + 0.5)), floored at 1e-6 for words in more than half the
 *    documents: its own BM25F-like formula, not ours;
 *  - a query is the quoted terms, space-separated (implicit AND) or joined by OR; the total is a
 *    second statement, `count(*)` over the same MATCH. Both statements are prepared once.
 * The database is a file in a temporary directory (ours is on disk + the page cache too), built
 * in one transaction, then FTS5's 'optimize' merges its b-trees into one; reads use mmap (1 GiB).
 *
 * Owns: the FTS5 adapter. Must not: time anything, run jieba.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { splitTitle, type Op, type Peer, type PeerResult } from './peers.js';

type DatabaseConstructor = typeof BetterSqlite3;

/** better-sqlite3, or why it cannot be loaded (not installed, native build missing). */
export function loadSqlite(): DatabaseConstructor | string {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}

/** Column weights of bm25(): title, content (src/index/schema.ts DEFAULT_RANKING boosts). */
export const SQLITE_WEIGHTS = [2.5, 1.0] as const;

const quote = (t: string) => `"${t.replaceAll('"', '""')}"`;

export class SqlitePeer implements Peer {
  readonly name = 'sqlite';
  readonly version: string;
  private readonly dir: string;
  private readonly path: string;
  private readonly db: BetterSqlite3.Database;
  private readonly top: BetterSqlite3.Statement<[string, number], number>;
  private readonly count: BetterSqlite3.Statement<[string], number>;

  /**
   * Builds the table from the token lines; `titleCounts[i]`: how many of line i's first tokens are
   * the title's (the rest are the content's).
   */
  constructor(Database: DatabaseConstructor, lines: readonly string[], titleCounts: ArrayLike<number>) {
    this.dir = mkdtempSync(join(tmpdir(), 'zhsearch-fts5-'));
    const dir = this.dir;
    // The database file goes with the process, however it ends (close() removes it earlier).
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    this.path = join(this.dir, 'fts5.db');
    const db = new Database(this.path);
    this.db = db;
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('mmap_size = 1073741824');
    db.exec(`CREATE VIRTUAL TABLE docs USING fts5(title, content, content='', tokenize = "unicode61 remove_diacritics 0 tokenchars '.'")`);
    db.prepare(`INSERT INTO docs(docs, rank) VALUES ('rank', 'bm25(${SQLITE_WEIGHTS.join(', ')})')`).run();
    const insert = db.prepare('INSERT INTO docs(rowid, title, content) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (!line) continue;
        const [title, content] = splitTitle(line, titleCounts[i]);
        insert.run(i, title, content);
      }
    })();
    db.prepare(`INSERT INTO docs(docs) VALUES ('optimize')`).run();
    this.version = (db.prepare('SELECT sqlite_version()').pluck().get() as string) ?? '?';
    this.top = db.prepare<[string, number], number>('SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?').pluck();
    this.count = db.prepare<[string], number>('SELECT count(*) FROM docs WHERE docs MATCH ?').pluck();
  }

  /** The FTS5 query of the terms: quoted, implicit AND or OR. */
  static match(terms: readonly string[], op: Op): string {
    return terms.map(quote).join(op === 'and' ? ' ' : ' OR ');
  }

  search(terms: readonly string[], op: Op, k: number): PeerResult {
    if (!terms.length) return { total: 0, docs: [] };
    const q = SqlitePeer.match(terms, op);
    const docs = this.top.all(q, k);
    const total = this.count.get(q) ?? 0;
    return { total, docs };
  }

  /** Size of the database file, MB. */
  diskMB(): number {
    return statSync(this.path).size / 1e6;
  }

  close(): void {
    if (this.db.open) this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

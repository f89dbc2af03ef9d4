/**
 * The engines we measure ourselves against, behind one small interface, fed the same tokens
 * (bench/tokens.ts: nodejieba cut-for-search, HMM on) as one text field (title + content):
 *  - MiniSearch 7 (BM25+, its defaults): `tokenize` splits the token string on spaces,
 *    `processTerm` keeps the term as it is, no prefix or fuzzy search; AND / OR by
 *    `combineWith`. It returns every match, sorted: we take the first 10.
 *  - FlexSearch 0.8 (`Index`, tokenize "strict", `encode` splits on spaces, no cache): ranks by
 *    term position ("resolution"), not BM25; AND is its default intersection, OR is
 *    `suggest: true` (documents matching some of the terms); `limit: 10`. It does not count
 *    matches, so it reports no totals.
 *  - the floor (bench/floor.ts).
 * Optional peers, outside this process's heap, skipped with a log line where they cannot run
 * ({@link buildOptionalPeer} returns null): SQLite FTS5 through better-sqlite3 (bench/peer-sqlite.ts)
 * and Sphinx 2.2.11's searchd over SphinxQL (bench/peer-sphinx.ts, two rankers: bm25f and its
 * built-in bm25). They index title and content as two fields (the token lines split by the title
 * token counts of bench/tokens.ts titleCounts) and rank with field weights.
 * Every engine gets one space-joined token string per document (the token cache lines) and the
 * query as a list of terms; documents are numbered by their line, which every engine returns.
 *
 * Owns: the adapters. Must not: time anything (bench/query-latency.ts does).
 */
import { Index as FlexIndex } from 'flexsearch';
import MiniSearch from 'minisearch';
import { Floor } from './floor.js';

export type Op = 'and' | 'or';

export interface PeerResult {
  /** Matching documents; NaN when the engine does not count them. */
  total: number;
  /** Doc numbers of the top hits, best first. */
  docs: number[];
}

export interface Peer {
  readonly name: string;
  /** A promise for peers in another process (Sphinx); the others answer synchronously. */
  search(terms: readonly string[], op: Op, k: number): PeerResult | Promise<PeerResult>;
  /** Releases what the peer holds outside the heap (files, a server process). */
  close?(): void | Promise<void>;
}

export const PEER_NAMES = ['floor', 'minisearch', 'flexsearch'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

/** Peers that need a native module or an external program: built only where they can run. */
export const OPTIONAL_PEER_NAMES = ['sqlite', 'sphinx', 'sphinx-bm25'] as const;
export type OptionalPeerName = (typeof OPTIONAL_PEER_NAMES)[number];

/** What an optional peer's build cost, as the peer itself measures it (its index is not in the heap). */
export interface OptionalPeerStats {
  /** The engine and its version, for the report. */
  engine: string;
  buildSeconds: number;
  diskMB: number;
  /** Resident memory of an external server process (searchd), MB. */
  serverRssMB?: number;
}

/** A line's first `titleTokens` tokens (the title) and the rest (the content). */
export function splitTitle(line: string, titleTokens: number): [string, string] {
  if (titleTokens <= 0) return ['', line];
  let cut = -1;
  for (let n = 0; n < titleTokens; n++) {
    cut = line.indexOf(' ', cut + 1);
    if (cut < 0) return [line, ''];
  }
  return [line.slice(0, cut), line.slice(cut + 1)];
}

class MiniSearchPeer implements Peer {
  readonly name = 'minisearch';
  private readonly index: MiniSearch<{ i: number; t: string }>;

  constructor(lines: readonly string[]) {
    this.index = new MiniSearch<{ i: number; t: string }>({
      idField: 'i',
      fields: ['t'],
      storeFields: [],
      tokenize: (s) => s.split(' '),
      processTerm: (term) => term || null,
      searchOptions: { prefix: false, fuzzy: false },
    });
    for (let i = 0; i < lines.length; i++) this.index.add({ i, t: lines[i] });
  }

  search(terms: readonly string[], op: Op, k: number): PeerResult {
    if (!terms.length) return { total: 0, docs: [] };
    const results = this.index.search(terms.join(' '), { combineWith: op === 'and' ? 'AND' : 'OR' });
    const docs: number[] = [];
    for (let i = 0; i < k && i < results.length; i++) docs.push(results[i].id as number);
    return { total: results.length, docs };
  }
}

class FlexSearchPeer implements Peer {
  readonly name = 'flexsearch';
  private readonly index: FlexIndex;

  constructor(lines: readonly string[]) {
    this.index = new FlexIndex({ tokenize: 'strict', encode: (s: string) => (s ? s.split(' ') : []), cache: false });
    for (let i = 0; i < lines.length; i++) if (lines[i]) this.index.add(i, lines[i]);
  }

  search(terms: readonly string[], op: Op, k: number): PeerResult {
    if (!terms.length) return { total: 0, docs: [] };
    const docs = this.index.search(terms.join(' '), { limit: k, suggest: op === 'or' }) as number[];
    return { total: NaN, docs };
  }
}

class FloorPeer implements Peer {
  readonly name = 'floor';
  readonly floor: Floor;

  constructor(lines: readonly string[], ids: readonly string[]) {
    this.floor = Floor.build(lines, ids);
  }

  search(terms: readonly string[], op: Op, k: number): PeerResult {
    const r = this.floor.search(terms, op, k);
    return { total: r.total, docs: r.docs };
  }
}

/** Builds a peer over the documents' token lines (ids: their external ids, same order). */
export function buildPeer(name: PeerName, lines: readonly string[], ids: readonly string[]): Peer {
  switch (name) {
    case 'floor':
      return new FloorPeer(lines, ids);
    case 'minisearch':
      return new MiniSearchPeer(lines);
    case 'flexsearch':
      return new FlexSearchPeer(lines);
  }
}

/** The searchd the Sphinx rankers of this process share (one index of the same lines). */
let sphinxServer: Promise<import('./peer-sphinx.js').SphinxServer> | null = null;
let sphinxLines: readonly string[] | null = null;

/**
 * Builds an optional peer, or returns null (after a log line saying why) when it cannot run here.
 * `titleCounts[i]`: how many of line i's first tokens are the title's.
 */
export async function buildOptionalPeer(
  name: OptionalPeerName,
  lines: readonly string[],
  titleCounts: ArrayLike<number>,
  log: (msg: string) => void = (m) => console.error(m),
): Promise<{ peer: Peer; stats: () => OptionalPeerStats } | null> {
  if (name === 'sqlite') {
    const { loadSqlite, SqlitePeer } = await import('./peer-sqlite.js');
    const Database = loadSqlite();
    if (typeof Database === 'string') {
      log(`skipping peer sqlite: better-sqlite3 cannot be loaded (${Database})`);
      return null;
    }
    const started = performance.now();
    const peer = new SqlitePeer(Database, lines, titleCounts);
    const buildSeconds = (performance.now() - started) / 1000;
    return { peer, stats: () => ({ engine: `SQLite ${peer.version} FTS5`, buildSeconds, diskMB: peer.diskMB() }) };
  }
  const { sphinxUnavailable, SphinxPeer, SphinxServer } = await import('./peer-sphinx.js');
  const why = sphinxUnavailable();
  if (why) {
    log(`skipping peer ${name}: ${why}`);
    return null;
  }
  let server;
  try {
    if (sphinxServer && (sphinxLines !== lines || !(await sphinxServer.catch(() => null))?.alive)) sphinxServer = null;
    sphinxLines = lines;
    server = await (sphinxServer ??= SphinxServer.start(lines, titleCounts));
  } catch (err) {
    sphinxServer = null;
    log(`skipping peer ${name}: ${(err as Error).message}`);
    return null;
  }
  const peer = await SphinxPeer.open(server, name === 'sphinx' ? 'bm25f' : 'bm25');
  return {
    peer,
    stats: () => ({ engine: server.version.replace(/ \(.*$/, ''), buildSeconds: server.buildSeconds, diskMB: server.diskMB(), serverRssMB: server.rssMB() }),
  };
}

/** The floor behind a peer built by {@link buildPeer}('floor'), for its document frequencies. */
export function floorOf(peer: Peer): Floor {
  if (!(peer instanceof FloorPeer)) throw new Error(`${peer.name} is not the floor`);
  return peer.floor;
}

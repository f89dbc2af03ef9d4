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
  search(terms: readonly string[], op: Op, k: number): PeerResult;
}

export const PEER_NAMES = ['floor', 'minisearch', 'flexsearch'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

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

/** The floor behind a peer built by {@link buildPeer}('floor'), for its document frequencies. */
export function floorOf(peer: Peer): Floor {
  if (!(peer instanceof FloorPeer)) throw new Error(`${peer.name} is not the floor`);
  return peer.floor;
}

/**
 * The optional peers of the benchmark (bench/peer-sqlite.ts, bench/peer-sphinx.ts) answer with the
 * same match sets as the floor on the same tokens: a Chinese word is one token (never its
 * characters, never a longer word that contains it), AND / OR mean what they mean for the floor,
 * title weight counts, totals are exact. Sphinx runs only where sphinxsearch is installed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Floor } from '../../bench/floor.js';
import { loadSqlite, SqlitePeer } from '../../bench/peer-sqlite.js';
import { buildOptionalPeer, splitTitle, type Op, type Peer, type PeerResult } from '../../bench/peers.js';
import { sphinxUnavailable } from '../../bench/peer-sphinx.js';

// Token lines as bench/tokens.ts caches them: title tokens first, then content tokens.
const LINES = [
  '中国 签署 战略 合作 协议 中国',
  '签署 协议 北京 中国',
  '中国人 北京 会见',
  '3.5 亿元 中国 经济',
  '',
  '外交 会见 北京 北京 签署',
  'covid 疫苗 中国 合作',
];
const TITLES = [2, 1, 1, 0, 0, 3, 4];
const IDS = LINES.map((_, i) => `d${i}`);

const QUERIES: [string[], Op][] = [
  [['中国'], 'and'],
  [['中'], 'and'],
  [['中国人'], 'and'],
  [['中国', '签署'], 'and'],
  [['北京', '协议'], 'or'],
  [['3.5'], 'and'],
  [['covid', '合作'], 'and'],
  [['会见', '外交', '经济'], 'or'],
  [['没有', '中国'], 'and'],
  [['没有'], 'or'],
];

const answer = async (peer: Peer, terms: string[], op: Op): Promise<PeerResult> => {
  const r = peer.search(terms, op, 10);
  return r instanceof Promise ? await r : r;
};

describe('splitTitle', () => {
  it('cuts a token line after its title tokens', () => {
    expect(splitTitle('a b c d', 2)).toEqual(['a b', 'c d']);
    expect(splitTitle('a b', 0)).toEqual(['', 'a b']);
    expect(splitTitle('a b', 2)).toEqual(['a b', '']);
    expect(splitTitle('a b', 5)).toEqual(['a b', '']);
    expect(splitTitle('', 0)).toEqual(['', '']);
  });
});

const floor = Floor.build(LINES, IDS);

async function checkAgainstFloor(peer: Peer): Promise<void> {
  for (const [terms, op] of QUERIES) {
    const expected = floor.search(terms, op, 10);
    const got = await answer(peer, terms, op);
    expect(got.total, `${terms.join(' ')} ${op}`).toBe(expected.total);
    expect([...got.docs].sort(), `${terms.join(' ')} ${op}`).toEqual([...expected.docs].sort());
  }
}

describe('SQLite FTS5 peer', () => {
  const Database = loadSqlite();
  const peer = typeof Database === 'string' ? null : new SqlitePeer(Database, LINES, TITLES);
  afterAll(() => peer?.close());

  it('loads (better-sqlite3 is a dev dependency)', () => {
    expect(typeof Database).not.toBe('string');
  });

  it('matches exactly what the floor matches, a Chinese word as one token', async () => {
    await checkAgainstFloor(peer!);
    expect((await answer(peer!, ['中国'], 'and')).docs).not.toContain(2); // 中国人 is another token
  });

  it('ranks a title match first (title weight 2.5)', async () => {
    // 会见 is in the title of d5 and in the content of d2 (a shorter document).
    expect((await answer(peer!, ['会见'], 'and')).docs).toEqual([5, 2]);
    expect(peer!.diskMB()).toBeGreaterThan(0);
  });
});

describe.skipIf(sphinxUnavailable() !== null)('Sphinx peers (sphinxsearch installed)', () => {
  const peers: Peer[] = [];
  afterAll(async () => {
    for (const p of peers) await p.close?.();
  });

  it('both rankers match exactly what the floor matches, then searchd stops', async () => {
    for (const name of ['sphinx', 'sphinx-bm25'] as const) {
      const built = await buildOptionalPeer(name, LINES, TITLES);
      expect(built).not.toBeNull();
      peers.push(built!.peer);
      expect(built!.stats().engine).toMatch(/^Sphinx 2\./);
      await checkAgainstFloor(built!.peer);
      expect((await answer(built!.peer, ['会见'], 'and')).docs).toEqual([5, 2]);
    }
  });
});

/**
 * The cluster's global IDF file (Sphinx's `global_idf`): for every keyword, the number of
 * documents of the whole collection that have it, so that each shard scores with the
 * collection's statistics rather than its own, and a document's score does not depend on the
 * shard it landed in.
 *
 * zhsearch writes it from its own term counts, in the format `indextool --buildidf` writes
 * (Sphinx 2.2.11 and Manticore): the total number of documents (int64), then one entry per
 * keyword sorted by hash: the 64-bit FNV-1a hash of the keyword's UTF-8 bytes (uint64) and its
 * document count (uint32), packed, little-endian.
 *
 * Owns: this file's format. Must not: count terms (the caller does) or talk to searchd.
 */
import { basename, dirname } from 'node:path';
import { writeFileAtomically } from '../../fs/durable.js';
import { fnv1a64 } from './hash.js';

/** Sphinx's hash of `keyword` in the global IDF file (64-bit FNV-1a of its UTF-8 bytes). */
export function keywordHash(keyword: string): bigint {
  const [hi, lo] = fnv1a64(keyword);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Writes `path` (atomically and durably) for `totalDocuments` documents and
 * the document count of each keyword (counts above 2^32 - 1 are capped).
 */
export function writeGlobalIdf(path: string, totalDocuments: number, docs: ReadonlyMap<string, number>): void {
  const entries = [...docs].map(([k, n]) => {
    const [hi, lo] = fnv1a64(k);
    return { hi, lo, n: Math.min(n, 0xffffffff) };
  });
  entries.sort((a, b) => a.hi - b.hi || a.lo - b.lo);
  const buf = Buffer.alloc(8 + 12 * entries.length);
  buf.writeBigInt64LE(BigInt(totalDocuments), 0);
  let at = 8;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    // Two keywords with one hash (about 1 in 10^7 at a million keywords) count as one, with the larger count.
    if (i > 0 && e.hi === entries[i - 1].hi && e.lo === entries[i - 1].lo) {
      buf.writeUInt32LE(Math.max(buf.readUInt32LE(at - 4), e.n), at - 4);
      continue;
    }
    buf.writeUInt32LE(e.lo, at);
    buf.writeUInt32LE(e.hi, at + 4);
    buf.writeUInt32LE(e.n, at + 8);
    at += 12;
  }
  writeFileAtomically(dirname(path), basename(path), buf.subarray(0, at));
}

/**
 * FNV-1a hashes of UTF-8 strings, as Sphinx hashes keywords (64-bit, in the global IDF file) and
 * as the cluster places documents (32-bit: shard; 63-bit: document id, story key).
 *
 * Owns: the hash functions. Must not: know what is hashed.
 */
const utf8 = new TextEncoder();

/** 32-bit FNV-1a of `s`'s UTF-8 bytes. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of utf8.encode(s)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/** 64-bit FNV-1a of `s`'s UTF-8 bytes as two 32-bit halves [hi, lo] (offset basis 0xcbf29ce484222325, prime 2^40 + 0x1b3). */
export function fnv1a64(s: string): [number, number] {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const byte of utf8.encode(s)) {
    lo = (lo ^ byte) >>> 0;
    const low = lo * 0x1b3;
    hi = (hi * 0x1b3 + ((lo << 8) >>> 0) + Math.floor(low / 0x100000000)) >>> 0;
    lo = low >>> 0;
  }
  return [hi, lo];
}

/** The low 63 bits of {@link fnv1a64}, never 0, in decimal (a positive BIGINT for Sphinx). */
export function hash63(s: string): string {
  const [hi, lo] = fnv1a64(s);
  return (((BigInt(hi & 0x7fffffff) << 32n) | BigInt(lo)) || 1n).toString();
}

/**
 * Duplicate detection across a batch of documents: exact duplicates (same normalized body) and
 * near duplicates (64-bit simhash over character shingles, looked up through band indexes).
 *
 * Owns: the body fingerprint (normalized text: Traditional -> Simplified, NFKC, lower-case,
 * letters and digits only, so punctuation, spacing and script differences do not matter), the
 * simhash, the band index and the duplicate decision.
 * Must not: clean documents (the body given is the cleaned body), nor keep the documents.
 *
 * Decision: exact when the fingerprints are equal; near when both fingerprints have at least
 * {@link MIN_NEAR_CHARS} characters, their lengths differ by at most 20%, their simhashes
 * differ in at most {@link MAX_HAMMING} of 64 bits, and the Jaccard similarity of their
 * 3-character shingle sets, estimated from bottom-128 sketches, is at least {@link MIN_JACCARD}
 * (simhash alone confuses formulaic reports, e.g. two sessions of the same committee), and
 * both mention the same numbers ({@link numberSignature}: 第三届 and 第四届 are two events). Four
 * 16-bit bands guarantee that every pair within 3 bits shares a band, so a lookup compares a
 * document with a handful of candidates only.
 * A document with the same title as an earlier one (a repost) is also compared with it without
 * the simhash gate: on bodies of a few hundred characters, a handful of reworded phrases
 * (近日/日前, 获悉/了解到) moves the simhash by 4+ bits, while the shingle Jaccard still shows the
 * same text. Length ratio, Jaccard and numbers still decide. (On the 71,000 xwlb items this adds
 * only same-day reposts; the gate alone stays for different titles, where relaxing it would
 * merge formulaic notices such as the 法文版 / 日文版 editions of one book.)
 * The first document seen is the original; duplicates are not added to the detector (so every
 * copy of a story names the same original). The ingestion keeps every copy, grouped under it
 * (`duplicateOf`, pipeline.ts); nothing is dropped.
 */
import { createHash } from 'node:crypto';
import { isSearchable, stripPinyinArtifacts } from '../analysis/normalize.js';
import { toSimplified as simplified } from '../analysis/normalize.js';

/** Shingle length in characters. */
export const SHINGLE = 3;
/** Largest simhash distance (bits of 64) still reported as a near duplicate. */
export const MAX_HAMMING = 3;
/** Fingerprints shorter than this are only compared exactly (simhash is noisy on short texts). */
export const MIN_NEAR_CHARS = 80;
/** Near duplicates must have lengths within this ratio of each other. */
const MIN_LENGTH_RATIO = 0.8;
/** Estimated Jaccard similarity of the shingle sets a simhash candidate must reach. */
export const MIN_JACCARD = 0.8;
/** Titles shorter than this (in fingerprint characters) do not make same-title candidates. */
const MIN_TITLE_CHARS = 6;
/** Same-title candidates compared per lookup (the most recent ones). */
const MAX_TITLE_CANDIDATES = 256;

/**
 * The comparable form of a body: pinyin artifacts stripped, Traditional -> Simplified, NFKC and
 * lower-case, letters and digits only (the same folding as the index's normalization, without
 * its offset map).
 */
export function fingerprintText(body: string): string {
  const text = simplified(stripPinyinArtifacts(body));
  const out: number[] = [];
  const chunks: string[] = [];
  const flush = () => {
    chunks.push(String.fromCharCode(...out));
    out.length = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x4e00 && c <= 0x9fff) out.push(c);
    else if (c < 0x80) {
      if (c >= 48 && c <= 57) out.push(c);
      else if (c >= 97 && c <= 122) out.push(c);
      else if (c >= 65 && c <= 90) out.push(c + 32);
    } else {
      const wide = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length;
      const ch = wide ? text.slice(i, i + 2) : text[i];
      if (wide) i++;
      for (const x of ch.normalize('NFKC').toLowerCase()) {
        const cp = x.codePointAt(0)!;
        if (!isSearchable(cp)) continue;
        for (let k = 0; k < x.length; k++) out.push(x.charCodeAt(k));
      }
    }
    if (out.length >= 4096) flush();
  }
  flush();
  return chunks.join('');
}

/**
 * 64-bit simhash of `text` (3-character shingles, two 32-bit hashes per shingle) as two
 * unsigned 32-bit halves [high, low]. Bit counts are kept bit-sliced (one 32-bit word per
 * binary digit of the counters), so adding a shingle costs a few word operations.
 */
export function simhash(text: string): [number, number] {
  const n = text.length;
  if (n === 0) return [0, 0];
  const k = Math.min(SHINGLE, n);
  const planesHi = new Int32Array(32);
  const planesLo = new Int32Array(32);
  let shingles = 0;
  for (let i = 0; i + k <= n; i++) {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ 0x5bd1e995;
    for (let j = i; j < i + k; j++) {
      const c = text.charCodeAt(j);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 ^= h1 >>> 13;
    h1 = Math.imul(h1, 0x85ebca6b);
    h1 ^= h1 >>> 16;
    h2 = Math.imul(h2, 0xc2b2ae35);
    h2 ^= h2 >>> 16;
    // Bit-sliced increment (inlined: this loop runs once per character of the corpus).
    for (let carry = h1, p = 0; carry !== 0; p++) {
      const t = planesHi[p] & carry;
      planesHi[p] ^= carry;
      carry = t;
    }
    for (let carry = h2, p = 0; carry !== 0; p++) {
      const t = planesLo[p] & carry;
      planesLo[p] ^= carry;
      carry = t;
    }
    shingles++;
  }
  return [majority(planesHi, shingles), majority(planesLo, shingles)];
}

/** Bit b set when more than half of the `n` words added had bit b set. */
function majority(planes: Int32Array, n: number): number {
  let word = 0;
  for (let b = 0; b < 32; b++) {
    let ones = 0;
    for (let p = 0; p < 31; p++) ones |= ((planes[p] >>> b) & 1) << p;
    if (2 * ones > n) word |= 1 << b;
  }
  return word >>> 0;
}

/** Hash of the shingle at `i` (the same first hash simhash uses). */
function shingleHash(text: string, i: number, k: number): number {
  let h1 = 0x811c9dc5;
  for (let j = i; j < i + k; j++) h1 = Math.imul(h1 ^ text.charCodeAt(j), 0x01000193);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 16;
  return h1 >>> 0;
}

/** Size of the bottom-k sketch used to confirm near duplicates. */
export const SKETCH = 128;

/**
 * Bottom-k sketch of the shingle set: the {@link SKETCH} smallest distinct shingle hashes,
 * ascending. Two sketches estimate the Jaccard similarity of the shingle sets.
 */
export function sketch(text: string): Uint32Array {
  const k = Math.min(SHINGLE, text.length);
  const n = text.length - k + 1;
  if (n <= 0) return new Uint32Array(0);
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = shingleHash(text, i, k);
  all.sort();
  const out: number[] = [];
  for (let i = 0; i < all.length && out.length < SKETCH; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]);
  return Uint32Array.from(out);
}

/** Jaccard estimate from two bottom-k sketches (sorted ascending). */
export function sketchSimilarity(a: Uint32Array, b: Uint32Array): number {
  const k = Math.min(SKETCH, Math.max(a.length, b.length));
  if (k === 0) return 1;
  let i = 0;
  let j = 0;
  let taken = 0;
  let shared = 0;
  while (taken < k && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) i++;
    else if (i >= a.length || b[j] < a[i]) j++;
    else {
      shared++;
      i++;
      j++;
    }
    taken++;
  }
  return shared / taken;
}

const NUMBER_TOKEN = /\d+|[〇零一二三四五六七八九十百千万亿两]{2,}|(?<=第)[〇零一二三四五六七八九十百千两]|[〇零一二三四五六七八九十两](?=[届次年月日号期])/g;

/**
 * The numbers of a fingerprint (Arabic digit runs, Chinese numeral runs, ordinals such as
 * 第三届), as a sorted set. Recurring formulaic reports (第三届 / 第四届 进博会, 2020 / 2022 新年贺词)
 * differ only there: near duplicates must have the same numbers.
 */
export function numberSignature(fp: string): string {
  const set = new Set(fp.match(NUMBER_TOKEN) ?? []);
  return [...set].sort().join(',');
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function hammingDistance(a: [number, number], b: [number, number]): number {
  return popcount32((a[0] ^ b[0]) >>> 0) + popcount32((a[1] ^ b[1]) >>> 0);
}

export interface DuplicateCheck {
  /** Id of the earlier document this one duplicates. */
  duplicateOf?: string;
  /** 1 for an exact duplicate, else the estimated Jaccard similarity of the shingle sets. */
  similarity?: number;
  exact?: boolean;
}

/**
 * Finds duplicates in a stream of documents. `check` compares a body with every document
 * accepted so far and, when it is not a duplicate, adds it. Checking an id again with the same
 * body is not a duplicate (re-ingestion replaces a document).
 */
export class DuplicateDetector {
  private readonly exact = new Map<string, string>();
  private readonly ids: string[] = [];
  private readonly hashes: number[] = [];
  private readonly lengths: number[] = [];
  private readonly sketches: Uint32Array[] = [];
  private readonly numbers: string[] = [];
  private readonly bands: Array<Map<number, number[]>> = [new Map(), new Map(), new Map(), new Map()];
  private readonly titles = new Map<string, number[]>();
  private readonly maxHamming: number;

  constructor(opts: { maxHamming?: number } = {}) {
    this.maxHamming = Math.min(opts.maxHamming ?? MAX_HAMMING, 3);
  }

  /** Number of documents kept as originals. */
  get size(): number {
    return this.exact.size;
  }

  /** `title`, when given, also makes the earlier documents with the same title candidates. */
  check(id: string, body: string, title?: string): DuplicateCheck {
    const fp = fingerprintText(body);
    const titleFp = title ? fingerprintText(title) : '';
    const titleKey = titleFp.length >= MIN_TITLE_CHARS ? titleFp : undefined;
    const digest = createHash('sha1').update(fp).digest('base64');
    const same = this.exact.get(digest);
    if (same !== undefined) return same === id ? {} : { duplicateOf: same, similarity: 1, exact: true };

    let sh: [number, number] | undefined;
    let sketchOf: Uint32Array | undefined;
    if (fp.length >= MIN_NEAR_CHARS) {
      sh = simhash(fp);
      const keys = bandKeys(sh);
      let best = -1;
      let bestSimilarity = MIN_JACCARD;
      const seen = new Set<number>();
      let mine: Uint32Array | undefined;
      const numbers = numberSignature(fp);
      const compare = (doc: number, gate: boolean) => {
        if (seen.has(doc)) return;
        seen.add(doc);
        const len = this.lengths[doc];
        if (Math.min(len, fp.length) / Math.max(len, fp.length) < MIN_LENGTH_RATIO) return;
        if (gate && hammingDistance(sh!, [this.hashes[2 * doc], this.hashes[2 * doc + 1]]) > this.maxHamming) return;
        if (this.numbers[doc] !== numbers) return;
        mine ??= sketch(fp);
        const sim = sketchSimilarity(mine, this.sketches[doc]);
        if (sim >= bestSimilarity) {
          best = doc;
          bestSimilarity = sim;
        }
      };
      const sameTitle = titleKey ? this.titles.get(titleKey) : undefined;
      if (sameTitle) for (const doc of sameTitle) compare(doc, false);
      for (let b = 0; b < 4; b++) {
        const bucket = this.bands[b].get(keys[b]);
        if (bucket) for (const doc of bucket) compare(doc, true);
      }
      if (best !== -1 && this.ids[best] !== id) {
        return { duplicateOf: this.ids[best], similarity: bestSimilarity, exact: false };
      }
      sketchOf = mine;
    }

    this.exact.set(digest, id);
    if (sh) {
      const doc = this.ids.length;
      this.ids.push(id);
      this.hashes.push(sh[0], sh[1]);
      this.lengths.push(fp.length);
      this.sketches.push(sketchOf ?? sketch(fp));
      this.numbers.push(numberSignature(fp));
      const keys = bandKeys(sh);
      for (let b = 0; b < 4; b++) {
        const bucket = this.bands[b].get(keys[b]);
        if (bucket) bucket.push(doc);
        else this.bands[b].set(keys[b], [doc]);
      }
      if (titleKey) {
        const same = this.titles.get(titleKey);
        if (!same) this.titles.set(titleKey, [doc]);
        else {
          same.push(doc);
          if (same.length > MAX_TITLE_CANDIDATES) same.shift();
        }
      }
    }
    return {};
  }
}

function bandKeys([hi, lo]: [number, number]): [number, number, number, number] {
  return [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff];
}

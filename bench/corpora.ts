/**
 * The benchmark corpora: xwlb (75,806 real CCTV Xinwen Lianbo items, read from
 * ../shared/corpora/xwlb.jsonl.gz, third-party, never copied into the repository) and larger
 * corpora derived from it for the scaling curve.
 *
 * Owns: reading xwlb, the seeded PRNG the benchmarks share, and the recipe of the derived corpora,
 * which are written once as `bench/data/xwlb-derived-<n>.jsonl.gz` (git-ignored) when missing.
 *
 * Derived corpus recipe (deterministic: same files on every machine):
 *  - pools, in xwlb's file order: the 74,545 items with a body ("templates"); every non-empty body
 *    line ("paragraph", 399k); every sentence of those paragraphs (split after 。！？；, at least 8
 *    characters);
 *  - one PRNG stream, mulberry32 seeded with 0x5EED2024; document i (from 0) draws, in order:
 *    a template t (uniform); then paragraphs until the body reaches t's body length: the first is
 *    t's own first paragraph (so the title, the lead and the metadata agree), each next one is
 *    with probability 1/2 a real paragraph drawn uniformly from all paragraphs, else a new
 *    paragraph of 2-5 sentences drawn uniformly from all sentences;
 *  - document i keeps t's title, date, source and tags; its id is `xd<i, 7 digits>`, its url
 *    t's url + `#d<i>`;
 *  - the n-document corpus is the first n documents of that stream, so 300k is a prefix of 1M.
 * Body lengths follow xwlb's (slightly longer: the last paragraph may overshoot the target).
 *
 * Usage: npx tsx bench/corpora.ts [300000 1000000 ...]   (writes the missing ones)
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip, gunzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';

export const XWLB = resolve(process.env.ZHSEARCH_SHARED ?? '../shared', 'corpora/xwlb.jsonl.gz');
export const DATA_DIR = 'bench/data';
export const DERIVED_SEED = 0x5eed2024;

/** A corpus document (xwlb's fields that the benchmarks use). */
export interface Doc {
  id: string;
  date: string;
  title: string;
  tags: string[];
  content: string;
  source: string;
  url: string;
}

function toDoc(r: Record<string, unknown>): Doc {
  return {
    id: String(r.id),
    date: String(r.date ?? ''),
    title: String(r.title ?? ''),
    tags: Array.isArray(r.tags) ? r.tags.map(String) : [],
    content: String(r.content ?? ''),
    source: String(r.source ?? ''),
    url: String(r.url ?? ''),
  };
}

/** The first `limit` xwlb items, in file order. */
export function loadXwlb(limit = Infinity): Doc[] {
  const lines = gunzipSync(readFileSync(XWLB)).toString('utf8').split('\n');
  const out: Doc[] = [];
  for (const line of lines) {
    if (out.length >= limit) break;
    if (line) out.push(toDoc(JSON.parse(line)));
  }
  return out;
}

/** Streams the documents of a JSONL.gz corpus (for corpora too large to hold as one string). */
export async function* readCorpus(path: string, limit = Infinity): AsyncGenerator<Doc> {
  const rl = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    if (n >= limit) break;
    if (!line) continue;
    n++;
    yield toDoc(JSON.parse(line));
  }
  rl.close();
}

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Path of the derived corpus of `n` documents. */
export function derivedPath(n: number): string {
  return resolve(DATA_DIR, `xwlb-derived-${n}.jsonl.gz`);
}

/** Paragraphs of a body: its non-empty lines. */
function paragraphsOf(content: string): string[] {
  return content.split('\n').map((p) => p.trim()).filter(Boolean);
}

const SENTENCE_END = /(?<=[。！？；])/u;

/** Writes the derived corpora of the given sizes that are missing (one pass for all). Returns their paths. */
export async function ensureDerived(sizes: readonly number[], xwlb?: readonly Doc[]): Promise<string[]> {
  const missing = sizes.filter((n) => !existsSync(derivedPath(n))).sort((a, b) => a - b);
  if (!missing.length) return sizes.map(derivedPath);
  const started = performance.now();
  const source = xwlb ?? loadXwlb();
  const templates = source.filter((d) => d.content.trim());
  const paragraphs: string[] = [];
  const sentences: string[] = [];
  for (const t of templates) {
    for (const p of paragraphsOf(t.content)) {
      paragraphs.push(p);
      for (const s of p.split(SENTENCE_END)) if (s.length >= 8) sentences.push(s);
    }
  }
  mkdirSync(DATA_DIR, { recursive: true });
  const max = missing[missing.length - 1];
  const outputs = missing.map((n) => {
    const gz = createGzip({ level: 4 });
    const tmp = `${derivedPath(n)}.tmp`;
    const file = createWriteStream(tmp);
    gz.pipe(file);
    const closed = new Promise<void>((res, rej) => {
      file.on('close', () => res());
      file.on('error', rej);
      gz.on('error', rej);
    });
    return { n, gz, tmp, closed };
  });
  const rng = mulberry32(DERIVED_SEED);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng() * a.length)];
  // Lines are buffered by 1,000 documents; each corpus gets the lines below its size.
  let chunk: string[] = [];
  let chunkStart = 0;
  const flush = async () => {
    for (const o of outputs) {
      const count = Math.min(chunk.length, o.n - chunkStart);
      if (count > 0 && !o.gz.write(chunk.slice(0, count).join(''))) await new Promise((r) => o.gz.once('drain', r));
    }
    chunkStart += chunk.length;
    chunk = [];
  };
  for (let i = 0; i < max; i++) {
    const t = pick(templates);
    const target = t.content.length;
    const body = [paragraphsOf(t.content)[0]];
    let length = body[0].length;
    while (length < target) {
      let p: string;
      if (rng() < 0.5) p = pick(paragraphs);
      else {
        const k = 2 + Math.floor(rng() * 4);
        p = '';
        for (let j = 0; j < k; j++) p += pick(sentences);
      }
      body.push(p);
      length += p.length + 1;
    }
    const doc: Doc = {
      id: `xd${String(i).padStart(7, '0')}`,
      date: t.date,
      title: t.title,
      tags: t.tags,
      content: body.join('\n'),
      source: t.source,
      url: `${t.url}#d${i}`,
    };
    chunk.push(JSON.stringify(doc) + '\n');
    if (chunk.length === 1000) await flush();
  }
  await flush();
  for (const o of outputs) o.gz.end();
  await Promise.all(outputs.map((o) => o.closed));
  for (const o of outputs) renameSync(o.tmp, derivedPath(o.n));
  console.error(`derived corpora ${missing.join(', ')} written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return sizes.map(derivedPath);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const paths = await ensureDerived(sizes.length ? sizes : [300_000, 1_000_000]);
  for (const p of paths) console.log(p);
}

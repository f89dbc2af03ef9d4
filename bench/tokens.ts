/**
 * The token stream every peer engine (MiniSearch, FlexSearch, the floor) is fed, so that jieba is
 * out of their build and query times and all of them see exactly the same words.
 *
 * Owns: the benchmark's own use of nodejieba (with the project's user dictionary, HMM on):
 *  - documents: `cutForSearch(text, true)` of the title and of the content (cut separately and
 *    concatenated, so no word spans the two), after NFKC and lower-casing, keeping the tokens that
 *    contain a letter or a digit (punctuation and whitespace dropped);
 *  - queries: the precise cut (`cut(piece, true)`) of each Han run of the query, other
 *    letter/digit runs kept whole, de-duplicated: the same terms our engine derives from a query;
 *  - the on-disk token cache (`bench/data/tokens-*.txt`, git-ignored): one line per document,
 *    its tokens joined by single spaces, so child processes that time a peer's build start from
 *    tokens and never run jieba; beside it `.ids` (the documents' ids) and `.titles` (how many of
 *    each line's tokens are the title's, for peers with two fields: SQLite FTS5, Sphinx).
 * Must not: know about any engine.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DATA_DIR, type Doc } from './corpora.js';

interface Jieba {
  load(options: { userDict?: string }): void;
  cut(text: string, hmm?: boolean): string[];
  cutForSearch(text: string, hmm?: boolean): string[];
}

export const USER_DICT = 'dict/user.dict.utf8';
let jieba: Jieba | null = null;

/** nodejieba with the project's user dictionary (the same dictionaries our engine loads). */
export function getJieba(): Jieba {
  if (!jieba) {
    jieba = createRequire(import.meta.url)('nodejieba') as Jieba;
    jieba.load({ userDict: USER_DICT });
  }
  return jieba;
}

const WORDLIKE = /[\p{L}\p{N}]/u;

function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** Index-time tokens of one text (cut-for-search, HMM on), punctuation and whitespace dropped. */
export function docTokens(text: string): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const t of getJieba().cutForSearch(normalize(text), true)) {
    if (WORDLIKE.test(t) && !/\s/.test(t)) out.push(t);
  }
  return out;
}

/** The tokens of a document as the peers index it: one field, title then content. */
export function documentTokens(doc: Doc): string[] {
  return [...docTokens(doc.title), ...docTokens(doc.content)];
}

const PIECE = /\p{Script=Han}+|[\p{L}\p{N}]+/gu;
const HAN = /^\p{Script=Han}+$/u;

/** Query-time terms (precise cut of each Han run, other letter/digit runs whole), without repeats. */
export function queryTokens(query: string): string[] {
  const out: string[] = [];
  for (const m of normalize(query).matchAll(PIECE)) {
    if (HAN.test(m[0])) for (const w of getJieba().cut(m[0], true)) out.push(w);
    else out.push(m[0]);
  }
  return [...new Set(out)];
}

/** The precise cut of a text (for building queries). */
export function preciseCut(text: string): string[] {
  return getJieba().cut(normalize(text), true);
}

/**
 * The token cache of `docs` (tokenizing with jieba on first use, ~4 MB/s): returns its path.
 * The key covers the documents' text and the user dictionary.
 */
export function tokenCache(docs: readonly Doc[], name: string): string {
  const h = createHash('sha1');
  h.update(readFileSync(USER_DICT));
  h.update(String(docs.length));
  for (let i = 0; i < docs.length; i += 97) h.update(docs[i].id + docs[i].title + docs[i].content.length);
  const path = join(DATA_DIR, `tokens-${name}-${docs.length}-${h.digest('hex').slice(0, 10)}.txt`);
  if (existsSync(path)) return path;
  mkdirSync(DATA_DIR, { recursive: true });
  const started = performance.now();
  const lines: string[] = new Array(docs.length);
  for (let i = 0; i < docs.length; i++) lines[i] = documentTokens(docs[i]).join(' ');
  writeFileSync(`${path}.ids`, docs.map((d) => d.id).join('\n') + '\n');
  writeFileSync(`${path}.tmp`, lines.join('\n') + '\n');
  renameSync(`${path}.tmp`, path);
  console.error(`tokenized ${docs.length} documents with nodejieba in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${path}`);
  return path;
}

/** The cached token lines, one space-joined string per document. */
export function readTokenLines(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.pop();
  return lines;
}

/** The external ids of the cached documents, in the same order. */
export function readTokenIds(path: string): string[] {
  const ids = readFileSync(`${path}.ids`, 'utf8').split('\n');
  ids.pop();
  return ids;
}

/**
 * How many of each cached line's first tokens are its title's (the rest are its content's), for
 * the peers that index title and content as two fields. Kept beside the cache as `<cache>.titles`
 * (one count per line), written on first use from `docs` (the documents the cache was made of,
 * same order: the count is `docTokens(title).length`).
 */
export function titleCounts(path: string, docs?: readonly Pick<Doc, 'title'>[]): Uint32Array {
  const file = `${path}.titles`;
  if (existsSync(file)) {
    const counts = readFileSync(file, 'utf8').split('\n');
    counts.pop();
    return Uint32Array.from(counts, Number);
  }
  if (!docs) throw new Error(`${file} is missing: pass the documents of the token cache to write it`);
  const counts = Uint32Array.from(docs, (d) => docTokens(d.title).length);
  writeFileSync(`${file}.tmp`, counts.join('\n') + '\n');
  renameSync(`${file}.tmp`, file);
  return counts;
}

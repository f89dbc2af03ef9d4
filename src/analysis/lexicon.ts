/**
 * Common two-character words, for word-boundary checks of place names (a name that straddles
 * two words, like 保定 in 确保定期 or 海城市 in 沿海城市, is not a mention).
 *
 * Owns: reading the two-character entries of jieba's main dictionary (shipped with the
 * `nodejieba` package, read as a plain file: the native binding is not loaded) with a
 * frequency of at least {@link MIN_FREQUENCY}.
 * Must not: segment text or configure jieba (src/analysis does). When the dictionary file is
 * missing the set is empty and the boundary checks are simply skipped.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Words rarer than this in jieba's dictionary do not count as "common". */
export const MIN_FREQUENCY = 300;

let words: Set<string> | undefined;

function dictionaryPath(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('nodejieba');
    return join(dirname(main), 'submodules', 'cppjieba', 'dict', 'jieba.dict.utf8');
  } catch {
    return undefined;
  }
}

/** The set of common two-character words (loaded once, ~100 ms). */
export function commonWords(): Set<string> {
  if (words) return words;
  words = new Set();
  const path = dictionaryPath();
  if (!path) return words;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return words;
  }
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    // Lines are `word frequency tag`; only two-character words are kept.
    if (text.charCodeAt(start + 2) === 32) {
      const sp = text.indexOf(' ', start + 3);
      const freq = Number(text.slice(start + 3, sp === -1 || sp > end ? end : sp));
      if (freq >= MIN_FREQUENCY) words.add(text.slice(start, start + 2));
    }
    start = end + 1;
  }
  return words;
}

/** True when `a + b` (two characters) is a common word. */
export function isCommonWord(w: string): boolean {
  return w.length === 2 && commonWords().has(w);
}

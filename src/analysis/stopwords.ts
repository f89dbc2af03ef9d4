/**
 * The stop list: function words (的, 了, 在, 和, 是, question words such as 什么 and 哪些) that never
 * decide a match. A query word on the list is not required when the query has other words, is
 * dropped first when a query is relaxed, and is not highlighted; a quoted phrase keeps all its
 * words, and a query made only of stop words still searches them.
 *
 * The default list is `dict/stopwords.txt` (one word per line, `#` starts a comment); an index
 * can be given another list (`stopWords`: a file or the words), or none (an empty list).
 *
 * Owns: reading and normalizing the list. Must not: decide how a query uses it (search/plan.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { normalizeText } from './normalize.js';

export const DEFAULT_STOP_WORDS_FILE = fileURLToPath(new URL('../../dict/stopwords.txt', import.meta.url));

/** A stop list: a file of words, or the words themselves. */
export type StopWordsSource = string | Iterable<string>;

const cache = new Map<string, ReadonlySet<string>>();

/** The words of `source` (default: the shipped list), normalized as query terms are (Simplified, lower-case). */
export function loadStopWords(source: StopWordsSource = DEFAULT_STOP_WORDS_FILE): ReadonlySet<string> {
  if (typeof source !== 'string') return new Set([...source].map((w) => normalizeText(w.trim())).filter(Boolean));
  let words = cache.get(source);
  if (!words) {
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the stop list ${source}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    words = new Set(
      text
        .split('\n')
        .map((line) => normalizeText(line.replace(/#.*/, '').trim()))
        .filter(Boolean),
    );
    cache.set(source, words);
  }
  return words;
}

/**
 * Chinese word segmentation, behind one small interface.
 *
 * Owns: the jieba binding (nodejieba), its dictionaries and the project's user dictionary
 * (`dict/user.dict.utf8`, extendable with more files). Nothing else in the code base knows
 * which binding is used.
 * Must not: normalize text, build tokens or know about the index.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

interface JiebaBinding {
  load(options: { userDict?: string }): void;
  cut(text: string, hmm?: boolean): string[];
  cutForSearch(text: string, hmm?: boolean): string[];
}

/** Segments Chinese text into words. */
export interface Segmenter {
  /** Precise cut, for queries: each character belongs to exactly one word. */
  cut(text: string): string[];
  /** Search-granularity cut, for indexing: long words also yield their dictionary sub-words. */
  cutForSearch(text: string): string[];
}

/** The user dictionary shipped with the project. */
export const DEFAULT_USER_DICT = fileURLToPath(new URL('../../dict/user.dict.utf8', import.meta.url));

let loadedDicts: string | undefined;
let binding: JiebaBinding | undefined;

/** The native module with its dictionaries, loaded on first use (about a second). */
function jieba(): JiebaBinding {
  if (!binding) {
    const b = require('nodejieba') as JiebaBinding;
    b.load({ userDict: loadedDicts });
    binding = b;
  }
  return binding;
}

/**
 * Returns the process-wide jieba segmenter (HMM on). jieba's dictionaries are global to the
 * native module, so every caller must ask for the same user dictionaries; asking for different
 * ones after the first call is an error rather than a silent mismatch. The dictionaries are
 * checked at once and loaded at once too, unless `lazy`: then when text is first cut, so a
 * process that may never cut (one that only hands documents to indexing threads) does not pay.
 */
export function getSegmenter(userDicts: readonly string[] = [], lazy = false): Segmenter {
  const dicts = [DEFAULT_USER_DICT, ...userDicts];
  for (const d of dicts) if (!existsSync(d)) throw new Error(`user dictionary not found: ${d}`);
  const key = dicts.join('|');
  if (loadedDicts === undefined) loadedDicts = key;
  else if (loadedDicts !== key) {
    throw new Error(`jieba already loaded with user dictionaries ${loadedDicts}; cannot switch to ${key} in the same process`);
  }
  if (!lazy) jieba();
  return {
    cut: (text) => jieba().cut(text, true),
    cutForSearch: (text) => jieba().cutForSearch(text, true),
  };
}

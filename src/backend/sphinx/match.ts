/**
 * zhsearch's matching as Sphinx extended-query syntax over the cluster's keyword tokens (rows.ts):
 * a string occurs in a field exactly when the field's grams hold the phrase of its consecutive
 * bigrams (a single character: its unigram), which is the embedded index's no-miss matching.
 *
 * Owns: the MATCH() text of terms. Must not: plan queries or run them.
 */
import type { FieldName } from '../../index/schema.js';
import { keyword } from './rows.js';

/** `k` with every ASCII punctuation character backslash-escaped (Sphinx operators are all ASCII punctuation). */
export function escapeKeyword(k: string): string {
  return k.replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}

/**
 * The MATCH text of "`field` contains `chars` consecutively": its unigram keyword for one
 * character, else the phrase of its bigram keywords.
 */
export function substringMatch(field: FieldName, chars: readonly string[]): string {
  if (chars.length === 1) return escapeKeyword(keyword(field, 'u', chars[0]));
  const grams: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) grams.push(escapeKeyword(keyword(field, 'g', chars[i] + chars[i + 1])));
  return `"${grams.join(' ')}"`;
}

/** Contains `chars` in any of `fields`. */
export function anyFieldMatch(fields: readonly FieldName[], chars: readonly string[]): string {
  return `(${fields.map((f) => substringMatch(f, chars)).join(' | ')})`;
}

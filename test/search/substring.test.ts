/**
 * Substring matching (src/search/substring.ts) against brute force on repetitive text: documents
 * over a three-character alphabet, so every string has many overlapping occurrences, and phrases
 * much longer than the bigram window. Documents and occurrence counts must be exact; a long phrase
 * over a long repetitive document is matched in time linear in the document, and its bigram list
 * is decoded once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex } from '../../src/index.js';
import { IndexSnapshot } from '../../src/index/reader.js';
import { Budget, SearchMemoryError, SearchTimeoutError } from '../../src/search/budget.js';
import { PostingsCache } from '../../src/search/postings-cache.js';
import { matchSubstring } from '../../src/search/substring.js';
import { random, removeDir, tempDir } from '../helpers.js';

const ALPHABET = ['图', '书', '馆'];
let dir: string;
let snapshot: IndexSnapshot;
const texts: string[] = [];

/** Overlapping occurrences of `needle` in `text`. */
function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
  return n;
}

beforeAll(async () => {
  dir = tempDir('zhsearch-substring-');
  const rnd = random(11);
  const index = SearchIndex.open(dir, { threads: 0 });
  for (let d = 0; d < 300; d++) {
    // Runs of a repeated unit make long periodic stretches, as in hostile documents.
    let text = '';
    while (text.length < 20 + d) {
      const unit = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ALPHABET[Math.floor(rnd() * 3)]).join('');
      text += unit.repeat(1 + Math.floor(rnd() * 8));
    }
    texts.push(text);
    await index.add({ id: `d${String(d).padStart(3, '0')}`, title: '', content: text });
  }
  texts.push('图书'.repeat(100_000));
  await index.add({ id: 'huge', title: '', content: texts[texts.length - 1] });
  await index.commit();
  await index.close();
  snapshot = IndexSnapshot.open(dir);
}, 120_000);

afterAll(() => {
  snapshot?.close();
  if (dir) removeDir(dir);
});

describe('substring matching', () => {
  it('finds exactly the documents and occurrences of 400 random strings of 3 to 40 characters', () => {
    const rnd = random(5);
    const { segment } = snapshot.segments[0];
    const ids = Array.from({ length: segment.docCount }, (_, d) => segment.id(d));
    const textOf = new Map(ids.map((id, d) => [d, texts[id === 'huge' ? texts.length - 1 : Number(id.slice(1))]]));
    for (let q = 0; q < 400; q++) {
      // Half the strings are cut from a document (so they occur), half are random.
      const length = 3 + Math.floor(rnd() * 38);
      let needle: string;
      if (q % 2 === 0) {
        const source = texts[Math.floor(rnd() * 300)];
        const at = Math.floor(rnd() * Math.max(1, source.length - length));
        needle = source.slice(at, at + length);
      } else needle = Array.from({ length }, () => ALPHABET[Math.floor(rnd() * 3)]).join('');
      if (needle.length < 3) continue;
      const got = matchSubstring(segment.fields.content.grams, [...needle]);
      const expected: Array<[number, number]> = [];
      for (const [d, text] of textOf) {
        const n = occurrences(text, needle);
        if (n) expected.push([d, n]);
      }
      expected.sort((a, b) => a[0] - b[0]);
      expect([...got.docs].map((d, i) => [d, got.freqs[i]]), needle).toEqual(expected);
    }
  });

  it('matches a 4,000-character phrase in a 200,000-character repetitive document in linear time, decoding its bigram once', () => {
    const { segment } = snapshot.segments[0];
    const budget = new Budget(2000);
    const started = performance.now();
    const got = matchSubstring(segment.fields.content.grams, [...'图书'.repeat(2000)], new PostingsCache(budget));
    const ms = performance.now() - started;
    const huge = segment.docsWithId('huge')[0];
    expect([...got.docs]).toContain(huge);
    expect(got.freqs[[...got.docs].indexOf(huge)]).toBe(100_000 - 2000 + 1);
    // One list of documents and one of positions, not 1,999 copies.
    expect(budget.usedBytes).toBeLessThan(4 * 2 ** 20);
    expect(ms).toBeLessThan(1000);
  });

  it('stops at its time and memory budgets', () => {
    const grams = snapshot.segments[0].segment.fields.content.grams;
    expect(() => matchSubstring(grams, [...'图书'.repeat(2000)], new PostingsCache(new Budget(2000, 1024)))).toThrow(SearchMemoryError);
    expect(() => matchSubstring(grams, [...'图书'.repeat(2000)], new PostingsCache(new Budget(-1)))).toThrow(SearchTimeoutError);
  });
});

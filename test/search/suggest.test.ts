/**
 * Suggestions as you type, on an xwlb sample: Chinese prefixes, pinyin prefixes and initials
 * complete to index words, and every count shown is the total that searching the word returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchIndex } from '../../src/index.js';
import { HAS_SHARED, smallIndex, xwlbSample } from '../helpers.js';

describe.skipIf(!HAS_SHARED)('suggestions (xwlb sample)', () => {
  let index: SearchIndex;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ index, close } = await smallIndex(xwlbSample(2000, 7)));
  }, 120_000);
  afterAll(() => close());

  it('complete pinyin and initials to Chinese words, with counts equal to what the search returns', () => {
    for (const input of ['zhongg', 'zg', 'jingj', 'xijinp', 'xjp', '中国', '经济']) {
      const { words } = index.suggest(input);
      expect(words.length, input).toBeGreaterThan(0);
      for (const w of words) {
        expect(w.text, input).toMatch(/^[\u4e00-\u9fff]+$/);
        expect(w.count, `${input} -> ${w.text}`).toBe(index.search(w.text, { size: 1 }).total);
      }
      const counts = words.map((w) => w.count);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
    }
    expect(index.suggest('zhongg').words.map((w) => w.text)).toContain('中国');
    expect(index.suggest('xjp').words.map((w) => w.text)).toContain('习近平');
  });
});

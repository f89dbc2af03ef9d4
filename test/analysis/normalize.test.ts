import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalize, stripPinyinArtifacts, toOriginalRange, toSimplified } from '../../src/analysis/normalize.js';
import { HAS_SHARED, SHARED } from '../helpers.js';

describe('normalize', () => {
  it('folds full-width letters and digits, lower-cases Latin and converts Traditional to Simplified', () => {
    expect(normalize('ＧＢ／Ｔ　２２６０ 金陵圖書館 Library').text).toBe('gb/t 2260 金陵图书馆 library');
  });

  it('keeps an offset map back to the original characters', () => {
    const original = '南京市雨花臺區(qū)圖書館';
    const n = normalize(original);
    expect(n.text).toBe('南京市雨花台区图书馆');
    const start = n.text.indexOf('区图书馆');
    const [s, e] = toOriginalRange(n, original, start, start + 4);
    expect(original.slice(s, e)).toBe('區(qū)圖書館');
    const [s2, e2] = toOriginalRange(n, original, 0, 3);
    expect(original.slice(s2, e2)).toBe('南京市');
  });

  it('maps characters outside the BMP and expansions back correctly', () => {
    const original = 'a𠀀b㎡c';
    const n = normalize(original);
    expect(n.text).toBe('a𠀀bm2c');
    const i = n.text.indexOf('m2');
    expect(original.slice(...toOriginalRange(n, original, i, i + 2))).toBe('㎡');
    const j = n.text.indexOf('𠀀');
    expect(original.slice(...toOriginalRange(n, original, j, j + 2))).toBe('𠀀');
  });

  it('does not strip plain parentheses that are not pinyin', () => {
    expect(stripPinyinArtifacts('图书馆(library)和(2023)')).toBe('图书馆(library)和(2023)');
    expect(stripPinyinArtifacts('區(qū)域服務(wù)')).toBe('區域服務');
  });

  it('converts character by character (same length)', () => {
    const t = '這個臺灣的圖書館裡有許多書';
    expect(toSimplified(t)).toHaveLength(t.length);
    expect(toSimplified(t)).toBe('这个台湾的图书馆里有许多书');
  });

  it.skipIf(!HAS_SHARED)('strips all 152 pinyin artifacts of the Traditional seed', () => {
    const file = readdirSync(join(SHARED!, 'seeds')).find((f) => f.startsWith('002_'))!;
    const text = readFileSync(join(SHARED!, 'seeds', file), 'utf8');
    const artifacts = text.match(/[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)/g) ?? [];
    expect(artifacts).toHaveLength(152);
    const n = normalize(text).text;
    expect(n.match(/[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)/g)).toBeNull();
    expect(n).toContain('南京市雨花台区图书馆');
    expect(n).toContain('公共文化服务');
  });
});

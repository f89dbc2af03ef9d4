/**
 * String tables: lookups compare UTF-8 bytes against the key without decoding strings, and must
 * agree with JavaScript's string order (UTF-16 code units) in which tables are sorted, including
 * characters above U+FFFF and between U+E000 and U+FFFF.
 */
import { describe, expect, it } from 'vitest';
import { encodeStrings, sortStrings, StringTable } from '../../src/index/string-table.js';
import { random } from '../helpers.js';

const ALPHABET = ['a', 'z', '0', '中', '国', '图', '书', '馆', '\u00e9', '\ue000', '\uff21', '\ufffd', '😀', '𠀀', '𪚥', ' ', '-'];

describe('StringTable', () => {
  it('finds every string and the lower bound of any key, as JavaScript orders strings', () => {
    const rnd = random(5);
    const word = () => Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => ALPHABET[Math.floor(rnd() * ALPHABET.length)]).join('');
    const strings = sortStrings([...new Set(Array.from({ length: 3000 }, word))]);
    const { blob, offsets } = encodeStrings(strings);
    const table = new StringTable(blob, offsets);
    strings.forEach((s, i) => expect(table.find(s)).toBe(i));
    for (let n = 0; n < 3000; n++) {
      const key = rnd() < 0.1 ? '\ud83d' + word() : word();
      const expected = strings.findIndex((s) => s >= key);
      expect(table.lowerBound(key), JSON.stringify(key)).toBe(expected < 0 ? strings.length : expected);
      if (!strings.includes(key)) expect(table.find(key)).toBe(-1);
    }
  });
});

/**
 * Words of jieba's dictionary that place-name rules need: common two-character words, for
 * word-boundary checks (a name that straddles two words, like 保定 in 确保定期 or 海城市 in 沿海城市,
 * is not a mention), and three-character personal names (李长春, 田纪云), so that a place name
 * inside a person's name is not a mention.
 *
 * Owns: reading jieba's main dictionary (shipped with the `nodejieba` package, read as a plain
 * file: the native binding is not loaded): its two-character entries with a frequency of at
 * least {@link MIN_FREQUENCY}, and its three-character entries tagged as personal names (`nr`,
 * `nrfg`, `nrt`) that start with a common surname.
 * Must not: segment text or configure jieba (src/analysis does). When the dictionary file is
 * missing both sets are empty and the checks that use them are simply skipped.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Words rarer than this in jieba's dictionary do not count as "common". */
export const MIN_FREQUENCY = 300;

let words: Set<string> | undefined;
let names: Set<string> | undefined;

/**
 * The most common single-character surnames. The dictionary also tags words like 杭州人 or 北京籍
 * as names; a surname first keeps only real ones. 于 and 向 are left out: they are far more often
 * prepositions (会议于长春召开, 向北京进发).
 */
const SURNAMES = new Set(
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤邢宿',
);

function dictionaryPath(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('nodejieba');
    return join(dirname(main), 'submodules', 'cppjieba', 'dict', 'jieba.dict.utf8');
  } catch {
    return undefined;
  }
}

/** Reads the dictionary once (~150 ms): the common two-character words and the personal names. */
function load(): void {
  words = new Set();
  names = new Set();
  const path = dictionaryPath();
  if (!path) return;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    // Lines are `word frequency tag`.
    if (text.charCodeAt(start + 2) === 32) {
      const sp = text.indexOf(' ', start + 3);
      const freq = Number(text.slice(start + 3, sp === -1 || sp > end ? end : sp));
      if (freq >= MIN_FREQUENCY) words.add(text.slice(start, start + 2));
    } else if (text.charCodeAt(start + 3) === 32 && SURNAMES.has(text[start])) {
      const tag = text.slice(text.indexOf(' ', start + 4) + 1, end);
      if (tag === 'nr' || tag === 'nrfg' || tag === 'nrt') names.add(text.slice(start, start + 3));
    }
    start = end + 1;
  }
}

/** The set of common two-character words. */
export function commonWords(): Set<string> {
  if (!words) load();
  return words!;
}

/** True when `w` is a three-character personal name of the dictionary (surname first). */
export function isPersonName(w: string): boolean {
  if (!names) load();
  return w.length === 3 && names!.has(w);
}

/** True when `a + b` (two characters) is a common word. */
export function isCommonWord(w: string): boolean {
  return w.length === 2 && commonWords().has(w);
}

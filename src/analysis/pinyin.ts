/**
 * Pinyin: the toneless syllables of Chinese words, and typed Latin letters read as syllables or
 * initials, for pinyin queries (`tushuguan`, `tsg`) and same-sound typos (图书管 for 图书馆).
 *
 * Readings come from pinyin-pro (MIT): a word's syllables in context (银行 yin hang, 行长 hang
 * zhang), or every reading of one character (都: dou, du). ü is written v (绿 lv), as pinyin
 * keyboards type it; the set of valid syllables is every reading pinyin-pro gives a CJK character,
 * so no syllable table is written by hand.
 *
 * Owns: syllables, initials, parsing Latin input, sound keys. Must not: know about the index.
 */
import { pinyin } from 'pinyin-pro';

const TONELESS = { toneType: 'none', type: 'array', v: true } as const;

/** Toneless syllables of a run of Han characters, read in context: 图书馆 -> [tu, shu, guan]. */
export function wordPinyin(word: string): string[] {
  return pinyin(word, TONELESS);
}

const readingCache = new Map<string, readonly string[]>();

/** Every toneless reading of one Han character, the most common first (长: chang, zhang). */
export function readings(ch: string): readonly string[] {
  let r = readingCache.get(ch);
  if (!r) {
    r = [...new Set(pinyin(ch, { ...TONELESS, multiple: true }).filter(isSyllable))];
    readingCache.set(ch, r);
  }
  return r;
}

let syllables: ReadonlySet<string> | null = null;

/** The valid toneless syllables (about 410): every reading of the CJK Unified Ideographs. */
function syllableSet(): ReadonlySet<string> {
  if (!syllables) {
    const set = new Set<string>();
    for (let c = 0x4e00; c <= 0x9fa5; c++) {
      for (const s of pinyin(String.fromCharCode(c), { ...TONELESS, multiple: true })) if (/^[a-z]+$/.test(s) && /[aeiouv]/.test(s)) set.add(s);
    }
    syllables = set;
  }
  return syllables;
}

/** Whether `s` is a toneless syllable (ü as v); interjections without a vowel (m, ng, hm) are not. */
export function isSyllable(s: string): boolean {
  return syllableSet().has(s);
}

/** Longest syllable (zhuang, shuang). */
const MAX_SYLLABLE = 6;
/** Parses of one input kept at most (tie-broken towards fewer syllables). */
const MAX_PARSES = 8;

/**
 * The ways `input` (Latin letters, lower-case; `'` or spaces force a syllable boundary; ü, or u
 * after n/l where v is meant, read as v) splits into syllables, fewest syllables first: `xian` ->
 * [xian], [xi, an]; `xi'an` -> [xi, an]; `fangan` -> [fang, an], [fan, gan]. Empty when it is not
 * pinyin.
 */
export function parsePinyin(input: string): string[][] {
  const chunks = input
    .toLowerCase()
    .replace(/ü/g, 'v')
    .split(/['’\s]+/)
    .filter(Boolean);
  if (!chunks.length || chunks.some((c) => !/^[a-z]+$/.test(c))) return [];
  let parses: string[][] = [[]];
  for (const chunk of chunks) {
    const own = parseChunk(chunk);
    if (!own.length) return [];
    const next: string[][] = [];
    for (const p of parses) for (const o of own) next.push([...p, ...o]);
    parses = next.sort((a, b) => a.length - b.length).slice(0, MAX_PARSES);
  }
  return parses;
}

/** The syllable sequences spelling `chunk` exactly (at most {@link MAX_PARSES}, fewest syllables first). */
function parseChunk(chunk: string): string[][] {
  // ends[i]: the syllables that start at i and can be followed by a full parse of the rest.
  const memo = new Map<number, string[][]>();
  const from = (i: number): string[][] => {
    if (i === chunk.length) return [[]];
    const known = memo.get(i);
    if (known) return known;
    const out: string[][] = [];
    for (let len = Math.min(MAX_SYLLABLE, chunk.length - i); len >= 1; len--) {
      const s = syllable(chunk.slice(i, i + len));
      if (!s) continue;
      for (const rest of from(i + len)) {
        out.push([s, ...rest]);
        if (out.length >= MAX_PARSES * 4) break;
      }
    }
    out.sort((a, b) => a.length - b.length);
    const kept = out.slice(0, MAX_PARSES);
    memo.set(i, kept);
    return kept;
  };
  return from(0);
}

/** `s` as a syllable: itself, or with ue read as ve after n and l (lue -> lve, 略); null if none. */
function syllable(s: string): string | null {
  if (isSyllable(s)) return s;
  const v = s.replace(/^([nl])ue$/, '$1ve');
  return v !== s && isSyllable(v) ? v : null;
}

/** Letters that begin a syllable (every letter but i, u and v). */
const INITIAL_LETTERS = /^[abcdefghjklmnopqrstwxyz]+$/;

/** Whether `input` can be initials of a 2- to 8-character word (`tsg` for 图书馆; zh is typed z). */
export function isInitials(input: string): boolean {
  return input.length >= 2 && input.length <= 8 && INITIAL_LETTERS.test(input);
}

/** First letters of syllables: [tu, shu, guan] -> tsg. */
export function initialsOf(syllables: readonly string[]): string {
  let out = '';
  for (const s of syllables) out += s[0];
  return out;
}

/**
 * A syllable with the sounds that speakers (and pinyin input methods' fuzzy modes) confuse
 * merged: zh/z, ch/c, sh/s, n/l initials; an/ang, en/eng, in/ing finals. 江泽明 and 江泽民 then
 * sound alike (ming, min -> min).
 */
export function soundKey(syllable: string): string {
  let s = syllable.replace(/^([zcs])h/, '$1').replace(/^l/, 'n');
  if (s.endsWith('ng') && /[aei]ng$/.test(s)) s = s.slice(0, -1);
  return s;
}

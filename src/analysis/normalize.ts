/**
 * Text normalization before segmentation, with an offset map back to the original.
 *
 * Owns: pinyin-artifact stripping, NFKC (full-width to half-width), Latin lower-case,
 * Traditional -> Simplified (opencc-js, `tw` -> `cn`, character level, no phrase rewriting),
 * and the map from each normalized UTF-16 unit to the original text, so highlights and
 * snippets can show the original characters (a Traditional article stays Traditional).
 * Must not: segment, tokenize or know about fields and indexes.
 */
import * as OpenCC from 'opencc-js/t2cn';

/** Normalized text plus, for each of its UTF-16 units, the offset of the original unit it came from. */
export interface Normalized {
  text: string;
  /** `map[i]` is the offset in the original string of the character that produced `text[i]`. */
  map: Int32Array;
  /** Length of the original string (so `end` offsets can be mapped too). */
  originalLength: number;
}

const traditionalToSimplified: (text: string) => string = OpenCC.Converter({ from: 'tw', to: 'cn' });

/**
 * Scraped Traditional pages carry pinyin after characters, e.g. `區(qū)`, `務(wù)`.
 * A parenthesised run of Latin letters directly after a CJK character that contains at least
 * one tone-marked vowel is such an artifact. Plain ASCII in parentheses (`图书馆(library)`) is kept.
 */
const PINYIN_ARTIFACT = /(?<=[\u3400-\u9fff\uf900-\ufaff])\((?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,8}\)/g;

/** Removes pinyin artifacts such as `(qū)` after Chinese characters. */
export function stripPinyinArtifacts(text: string): string {
  return text.replace(PINYIN_ARTIFACT, '');
}

/**
 * Characters that the conversion changes on their own but that are also standard Simplified
 * (显著, 什么, 覆盖, 乾隆): they never make a text Traditional, and are kept as written.
 */
const AMBIGUOUS = '著么乾覆拚濛';

let changing: Uint8Array | undefined;

/** For each BMP code point, 1 if converting it alone changes it (built once, lazily). */
function changingTable(): Uint8Array {
  if (changing) return changing;
  const t = new Uint8Array(0x10000);
  for (const [a, b] of [[0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xf900, 0xfaff]]) {
    const chars: string[] = [];
    for (let c = a; c <= b; c++) chars.push(String.fromCharCode(c));
    const converted = traditionalToSimplified(chars.join('\n')).split('\n');
    for (let k = 0; k < chars.length; k++) if (converted[k] !== chars[k]) t[a + k] = 1;
  }
  for (const ch of AMBIGUOUS) t[ch.charCodeAt(0)] = 0;
  return (changing = t);
}

/** True when the text has a character that only Traditional script uses. */
export function hasTraditional(text: string): boolean {
  const t = changingTable();
  for (let i = 0; i < text.length; i++) if (t[text.charCodeAt(i)]) return true;
  return false;
}

/**
 * Converts Traditional text to Simplified, character for character (same length). Text without
 * Traditional-only characters is returned unchanged, so correct Simplified text is never altered
 * (opencc's phrase rules would turn 显著 into 显着); the ambiguous characters keep their form.
 */
export function toSimplified(text: string): string {
  if (!hasTraditional(text)) return text;
  let converted = traditionalToSimplified(text);
  if (converted.length !== text.length) {
    // A phrase rule changed the length: convert per character so offsets hold.
    converted = '';
    for (const ch of text) {
      const c = traditionalToSimplified(ch);
      converted += c.length === ch.length ? c : ch;
    }
  }
  if (!AMBIGUOUS_RE.test(text)) return converted;
  let out = '';
  for (let i = 0; i < text.length; i++) out += AMBIGUOUS.includes(text[i]) ? text[i] : converted[i];
  return out;
}
const AMBIGUOUS_RE = new RegExp(`[${AMBIGUOUS}]`);

/** Folded forms of the BMP characters met so far (punctuation recurs in every text). */
const FOLDED: Array<string | undefined> = [];

/** NFKC + lower-case of one code point; the common cases (ASCII, CJK) skip the Unicode tables. */
function foldCodePoint(ch: string, code: number): string {
  if (code < 0x80) return code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : ch;
  if (code >= 0x4e00 && code <= 0x9fff) return ch;
  if (code > 0xffff) return ch.normalize('NFKC').toLowerCase();
  return (FOLDED[code] ??= ch.normalize('NFKC').toLowerCase());
}

const NEEDS_FOLDING = /[^\u0000-\u0040\u005b-\u007f\u4e00-\u9fff]|[A-Z]/gu;

/**
 * The normalized text alone, without the offset map: the same result as `normalize(original).text`,
 * computed faster (indexing and queries do not need the map).
 */
export function normalizeText(original: string): string {
  const stripped = original.replace(PINYIN_ARTIFACT, '');
  return toSimplified(stripped.replace(NEEDS_FOLDING, (ch) => foldCodePoint(ch, ch.codePointAt(0)!)));
}

/**
 * Normalizes `original` for indexing and querying: strips pinyin artifacts, applies NFKC,
 * lower-cases Latin and converts Traditional to Simplified. The result keeps, for every unit,
 * the offset of the original character it came from.
 */
export function normalize(original: string): Normalized {
  const parts: string[] = [];
  const offsets: number[] = [];
  const artifacts: Array<[number, number]> = [];
  for (const m of original.matchAll(PINYIN_ARTIFACT)) artifacts.push([m.index!, m.index! + m[0].length]);
  let nextArtifact = 0;

  for (let i = 0; i < original.length; ) {
    if (nextArtifact < artifacts.length && artifacts[nextArtifact][0] === i) {
      i = artifacts[nextArtifact++][1];
      continue;
    }
    const code = original.codePointAt(i)!;
    const width = code > 0xffff ? 2 : 1;
    const ch = width === 1 ? original[i] : original.slice(i, i + 2);
    const folded = foldCodePoint(ch, code);
    parts.push(folded);
    for (let k = 0; k < folded.length; k++) offsets.push(i);
    i += width;
  }
  const folded = parts.join('');
  return { text: toSimplified(folded), map: Int32Array.from(offsets), originalLength: original.length };
}

/** Maps a half-open range of normalized offsets back to a half-open range of the original text. */
export function toOriginalRange(n: Normalized, original: string, start: number, end: number): [number, number] {
  const s = n.map[start] ?? n.originalLength;
  if (end <= start) return [s, s];
  const lastStart = n.map[end - 1];
  const lastCode = original.codePointAt(lastStart) ?? 0;
  return [s, lastStart + (lastCode > 0xffff ? 2 : 1)];
}

/** True for the characters that searching sees: letters and digits. Whitespace and punctuation are ignored. */
export function isSearchable(code: number): boolean {
  if (code < 0x80) return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  if (code >= 0x4e00 && code <= 0x9fff) return true;
  if (code > 0xffff) return SEARCHABLE.test(String.fromCodePoint(code));
  let known = SEARCHABLE_BMP[code];
  if (known === 0) SEARCHABLE_BMP[code] = known = SEARCHABLE.test(String.fromCharCode(code)) ? 1 : 2;
  return known === 1;
}
const SEARCHABLE = /^[\p{L}\p{N}]$/u;
/** Per BMP code point: 0 not yet known, 1 searchable, 2 not. */
const SEARCHABLE_BMP = new Uint8Array(0x10000);

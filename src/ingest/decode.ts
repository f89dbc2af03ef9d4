/**
 * Bytes -> text for scraped pages: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030
 * (which covers GBK and GB2312), plus detection of binary and undecodable input.
 *
 * Owns: encoding detection and decoding of one buffer.
 * Must not: clean, normalize or interpret the text (that is clean.ts / html.ts), nor read files.
 */
import { reject, type Rejection } from './types.js';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030';

export interface Decoded {
  ok: true;
  text: string;
  encoding: TextEncodingName;
  /** Replacement characters dropped from a nearly valid UTF-8 input (a truncated last character, say). */
  repaired: number;
}

/** How much of the input is inspected for binary signs. */
const SNIFF_BYTES = 64 * 1024;
/** Share of control bytes (other than tab, newline, CR, form feed, escape) above which input is binary. */
const MAX_CONTROL_RATIO = 0.05;
/**
 * "Mostly undecodable": a text is rejected as `undecodable` only when more than this share of its
 * characters are U+FFFD (replacement characters; for bytes, invalid UTF-8 sequences). With fewer,
 * the document is kept and the ingest report warns (pipeline.ts `warnings`).
 */
export const MOSTLY_UNDECODABLE = 0.3;

const SIGNATURES: Array<[string, number[]]> = [
  ['PDF', [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['ZIP/Office', [0x50, 0x4b, 0x03, 0x04]],
  ['gzip', [0x1f, 0x8b]],
  ['OLE2 (doc/xls)', [0xd0, 0xcf, 0x11, 0xe0]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf]],
  ['RAR', [0x52, 0x61, 0x72, 0x21]],
  ['ELF', [0x7f, 0x45, 0x4c, 0x46]],
];

function startsWith(bytes: Uint8Array, sig: number[]): boolean {
  if (bytes.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[i] !== sig[i]) return false;
  return true;
}

/** Returns a description of why `bytes` look binary, or undefined if they look like text. */
export function binaryReason(bytes: Uint8Array): string | undefined {
  for (const [name, sig] of SIGNATURES) if (startsWith(bytes, sig)) return `${name} signature`;
  const n = Math.min(bytes.length, SNIFF_BYTES);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 0) return `NUL byte at offset ${i}`;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
    else if (b === 0x7f) control++;
  }
  if (n > 0 && control / n > MAX_CONTROL_RATIO) {
    return `${((control / n) * 100).toFixed(1)}% control bytes`;
  }
  return undefined;
}

/** Number of U+FFFD replacement characters in `text`. */
export function countReplacements(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) n++;
  return n;
}

/**
 * Decodes one raw page. Order of decisions:
 * 1. zero bytes -> `empty`; a UTF-8 / UTF-16 BOM decides the encoding;
 * 2. known binary signatures, NUL bytes or > 5% control bytes -> `binary`;
 * 3. valid UTF-8 -> UTF-8;
 * 4. valid GB18030 -> GB18030 (GBK/GB2312 pages are valid GB18030);
 * 5. UTF-8 whose invalid sequences are at most {@link MOSTLY_UNDECODABLE} of its characters ->
 *    UTF-8 without them (`repaired` counts them; the caller warns);
 * 6. otherwise `undecodable`.
 * Whitespace-only text after decoding is `empty`.
 */
export function decodeBytes(bytes: Uint8Array): Decoded | Rejection {
  if (bytes.length === 0) return reject('empty', 'zero bytes');

  let result: Decoded | undefined;
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) {
    const text = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
    const repaired = countReplacements(text);
    result = { ok: true, text: repaired ? text.replaceAll('\ufffd', '') : text, encoding: 'utf-8', repaired };
  } else if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) {
    const encoding = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
    const text = new TextDecoder(encoding).decode(bytes);
    result = { ok: true, text, encoding, repaired: 0 };
  } else {
    const why = binaryReason(bytes);
    if (why) return reject('binary', `binary input: ${why}`);
    try {
      result = { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8', repaired: 0 };
    } catch {
      try {
        result = { ok: true, text: new TextDecoder('gb18030', { fatal: true }).decode(bytes), encoding: 'gb18030', repaired: 0 };
      } catch {
        const lossy = new TextDecoder('utf-8').decode(bytes);
        const damaged = countReplacements(lossy);
        if (damaged <= lossy.length * MOSTLY_UNDECODABLE) {
          result = { ok: true, text: lossy.replaceAll('\ufffd', ''), encoding: 'utf-8', repaired: damaged };
        } else {
          return reject('undecodable', `neither UTF-8 (${damaged} invalid sequences) nor GB18030`);
        }
      }
    }
  }
  if (result.text.trim() === '') return reject('empty', 'whitespace only');
  return result;
}

/**
 * Checks already decoded text (e.g. a JSON string field) for binary garbage:
 * NUL or many control characters -> `binary`; U+FFFD replacement characters making more than
 * {@link MOSTLY_UNDECODABLE} of the characters -> `undecodable` (fewer are kept: see
 * {@link replacementWarning}).
 */
export function checkText(text: string): Rejection | undefined {
  if (text.trim() === '') return reject('empty', 'whitespace only');
  const n = Math.min(text.length, SNIFF_BYTES);
  let control = 0;
  let replacement = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return reject('binary', `NUL character at offset ${i}`);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) || c === 0x7f) control++;
    else if (c === 0xfffd) replacement++;
  }
  if (control / n > MAX_CONTROL_RATIO) return reject('binary', `${((control / n) * 100).toFixed(1)}% control characters`);
  if (replacement / n > MOSTLY_UNDECODABLE) return reject('undecodable', `${replacement} replacement characters of ${n} (text was decoded with the wrong encoding)`);
  return undefined;
}

/** The warning for a kept text with a few U+FFFD replacement characters, or undefined when it has none. */
export function replacementWarning(text: string): string | undefined {
  const n = countReplacements(text);
  return n ? `${n} undecodable character(s) (U+FFFD) kept in the text` : undefined;
}

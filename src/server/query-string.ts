/**
 * A strict query-string parser for Express's `query parser` setting, so malformed input is a 400
 * naming the parameter instead of a 500 or a silently different request.
 *
 * `a=1&b=x+y&b=z` -> `{ a: '1', b: ['x y', 'z'] }`: a parameter given once is a string, repeated
 * it is an array of strings (schemas.ts decides which parameters may repeat). Rejected: raw
 * non-ASCII or control bytes, invalid percent-encoding (including encoded lone surrogates),
 * decoded control characters or lone surrogates, parameter names that are not plain identifiers
 * (`q[]=`, `a.b=`: there is no nested or array syntax), more than {@link MAX_PARAMETERS} parameters.
 *
 * Owns: turning the raw query string into names and values. Must not: validate values.
 */
import { invalidParameter } from './errors.js';

export type QueryValues = Record<string, string | string[]>;

export const MAX_PARAMETERS = 100;

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** C0 and C1 control characters and DEL. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** With the `u` flag only unpaired surrogates are code points of category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;
/** What a raw query string may contain (printable ASCII; everything else must be percent-encoded). */
const RAW = /^[\x21-\x7e]*$/;

export function parseQueryString(raw: string): QueryValues {
  const out: QueryValues = Object.create(null) as QueryValues;
  if (!raw) return out;
  if (!RAW.test(raw)) throw invalidParameter('(query)', 'the query string must be percent-encoded ASCII');
  const pairs = raw.split('&').filter((p) => p !== '');
  if (pairs.length > MAX_PARAMETERS) throw invalidParameter('(query)', `more than ${MAX_PARAMETERS} parameters`);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = decode(rawName, rawName);
    if (!NAME.test(name)) {
      const why = /[[\].]/.test(name) ? 'array and object syntax is not supported (repeat the parameter instead)' : 'not a valid parameter name';
      throw invalidParameter(name, why);
    }
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1), name);
    const previous = out[name];
    out[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return out;
}

function decode(raw: string, parameter: string): string {
  let text: string;
  try {
    text = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw invalidParameter(parameter, 'invalid percent-encoding (not UTF-8)');
  }
  if (LONE_SURROGATE.test(text)) throw invalidParameter(parameter, 'contains a lone surrogate');
  if (CONTROL.test(text)) throw invalidParameter(parameter, 'contains control characters');
  return text;
}

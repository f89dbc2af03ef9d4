/**
 * Publication dates: finding date mentions in Chinese text, validating them as calendar dates,
 * resolving a missing year from the page's context and choosing the publication date of a page.
 *
 * Owns: date parsing (`2023-11-07 21:46:11`, `2022-6-8`, `2023年6月13日`, `二〇二三年六月十三日`,
 * `6月13日`, `20120702`, epoch numbers in records) and the choice of the publication date.
 * Must not: decide which lines are header or body (clean.ts does), nor invent a date: when no
 * year can be known, or nothing plausible is found, the answer is undefined.
 */

export interface DateMention {
  /** Offset of the mention in the searched text. */
  index: number;
  length: number;
  year?: number;
  month: number;
  day: number;
}

/** Oldest and newest years accepted as a publication date. */
const MIN_PUBLICATION_YEAR = 1990;
const MAX_PUBLICATION_YEAR = new Date().getUTCFullYear() + 1;

export function isValidDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function formatDate(year: number, month: number, day: number): string {
  return `${year}-${pad(month)}-${pad(day)}`;
}

function plausibleYear(year: number): boolean {
  return year >= MIN_PUBLICATION_YEAR && year <= MAX_PUBLICATION_YEAR;
}

const CN_DIGITS: Record<string, number> = {
  〇: 0, 零: 0, Ｏ: 0, O: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
};

/** `十三` -> 13, `二十` -> 20, `三十一` -> 31, `六` -> 6. */
function cnNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  const ten = s.indexOf('十');
  if (ten === -1) return s.length === 1 ? (CN_DIGITS[s] ?? NaN) : NaN;
  const tens = ten === 0 ? 1 : CN_DIGITS[s.slice(0, ten)] ?? NaN;
  const ones = ten === s.length - 1 ? 0 : CN_DIGITS[s.slice(ten + 1)] ?? NaN;
  return tens * 10 + ones;
}

function cnYear(s: string): number {
  let y = 0;
  for (const ch of s) {
    const d = CN_DIGITS[ch];
    if (d === undefined) return NaN;
    y = y * 10 + d;
  }
  return y;
}

/** Full-width digits and separators -> ASCII, keeping the length (offsets stay valid). */
function foldDigits(text: string): string {
  return text.replace(/[\uff10-\uff19\uff0d\uff0f\uff0e\uff1a]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

const NUMERIC_YMD = /(?<![\d.])((?:19|20)\d{2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?![\d])/g;
const CJK_YMD = /(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]/g;
const CN_YMD = /([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日/g;
const CJK_MD = /(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]/g;
const CN_MD = /(?<![〇零一二三四五六七八九年])([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日/g;

/**
 * Every calendar date mentioned in `text`, in order of appearance. Mentions without a year
 * (`6月13日`) have `year` undefined. Invalid dates (`2月30日`) are skipped.
 */
export function findDates(text: string): DateMention[] {
  const t = foldDigits(text);
  const out: DateMention[] = [];
  const taken: Array<[number, number]> = [];
  const overlaps = (s: number, e: number) => taken.some(([a, b]) => s < b && e > a);
  const add = (index: number, length: number, year: number | undefined, month: number, day: number) => {
    if (overlaps(index, index + length)) return;
    if (!isValidDate(year ?? 2000, month, day)) return;
    taken.push([index, index + length]);
    out.push({ index, length, year, month, day });
  };
  for (const m of t.matchAll(NUMERIC_YMD)) add(m.index!, m[0].length, +m[1], +m[3], +m[4]);
  for (const m of t.matchAll(CJK_YMD)) add(m.index!, m[0].length, +m[1], +m[2], +m[3]);
  for (const m of t.matchAll(CN_YMD)) add(m.index!, m[0].length, cnYear(m[1]), cnNumber(m[2]), cnNumber(m[3]));
  for (const m of t.matchAll(CJK_MD)) add(m.index!, m[0].length, undefined, +m[1], +m[2]);
  for (const m of t.matchAll(CN_MD)) add(m.index!, m[0].length, undefined, cnNumber(m[1]), cnNumber(m[2]));
  out.sort((a, b) => a.index - b.index);
  return out;
}

/** Years written as `2023年` (not part of a full date), for year context. */
function findYears(text: string): number[] {
  const years: number[] = [];
  for (const m of foldDigits(text).matchAll(/(?<!\d)((?:19|20)\d{2})\s*年/g)) years.push(+m[1]);
  return years;
}

/**
 * Normalizes a date value from a structured record to `YYYY-MM-DD`: strings such as
 * `2012-07-02`, `2012-07-02 19:06:13`, `2012/7/2`, `2012.07.02`, `20120702`, `2012年7月2日`,
 * ISO timestamps; numbers as `20120702` or Unix epoch seconds / milliseconds (read in China
 * time, UTC+8); Date objects (UTC+8 too). Returns undefined for anything else or an invalid date.
 */
export function normalizeDate(value: unknown): string | undefined {
  if (value instanceof Date) return fromEpochMs(value.getTime());
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (Number.isInteger(value) && value >= 19000101 && value <= 21001231) return normalizeDate(String(value));
    if (value > 1e11) return fromEpochMs(value);
    if (value > 1e8) return fromEpochMs(value * 1000);
    return undefined;
  }
  if (typeof value !== 'string') return undefined;
  const s = foldDigits(value.trim());
  const plain = /^((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(s);
  if (plain) return valid(+plain[1], +plain[2], +plain[3]);
  const compact = /^((?:19|20)\d{2})(\d{2})(\d{2})(?:\d{4,6})?$/.exec(s);
  if (compact) return valid(+compact[1], +compact[2], +compact[3]);
  const iso = /^((?:19|20)\d{2})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.exec(s);
  if (iso) {
    // A timestamp with an explicit zone: the calendar date in China time.
    const ms = Date.parse(s);
    return Number.isNaN(ms) ? undefined : fromEpochMs(ms);
  }
  if (/^\d{9,13}$/.test(s)) return normalizeDate(Number(s));
  const first = findDates(s)[0];
  if (first && first.year !== undefined && first.index <= 2) return valid(first.year, first.month, first.day);
  return undefined;
}

function valid(y: number, m: number, d: number): string | undefined {
  return isValidDate(y, m, d) ? formatDate(y, m, d) : undefined;
}

function fromEpochMs(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms + 8 * 3600 * 1000);
  return valid(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

export interface DateContext {
  /** Machine-readable dates (HTML meta `article:published_time` and the like): trusted first. */
  meta?: string[];
  /** Metadata lines near the title: `2023-11-07 21:46:11`, `2022-6-8| 发布者: ...`, `发布时间:...`. */
  header?: string[];
  title?: string;
  /** The cleaned body; only its lead (first {@link LEAD_CHARS} characters) can give the date. */
  body?: string;
  /** Neighbour lines of the page (`上一篇 2023-06-21 09:54`, `下一篇 ...`): year context only. */
  neighbours?: string[];
}

/** How far into the body a date is taken as the article's own (the dateline / first sentence). */
export const LEAD_CHARS = 300;

/** A date announced as future (`将于7月4日`, `定于`, `拟于`) is not the article's date. */
const FUTURE_CUE = /(?:将|将于|将在|定于|拟于|预计|计划于|计划|截止|截至|截止到|报名时间|开放时间)\s*$/;

/**
 * The publication date of a page, `YYYY-MM-DD`, or undefined. Order of preference:
 * 1. a machine-readable meta date (HTML);
 * 2. the first full date in the header lines (the byline / timestamp next to the title);
 * 3. the first date in the body's lead (the dateline or first sentence, e.g. `6月13日，...`),
 *    skipping dates announced as future. A full date is taken as is; a date without a year takes
 *    the year of the page's context: the latest neighbour date (`上一篇/下一篇`), else a year in the
 *    header or title (`2023年...`); when the month/day falls after the latest neighbour date, the
 *    article is from the year before (an article cannot be posted before its event);
 * 4. when the previous and the next article of the page were both posted on the same day, that day.
 * Anything else gives undefined: a date is never invented.
 */
export function findPublicationDate(ctx: DateContext): string | undefined {
  for (const m of ctx.meta ?? []) {
    const d = normalizeDate(m);
    if (d && plausibleYear(+d.slice(0, 4))) return d;
  }
  for (const line of ctx.header ?? []) {
    for (const d of findDates(line)) {
      if (d.year !== undefined && plausibleYear(d.year)) return formatDate(d.year, d.month, d.day);
    }
  }

  const neighbourDates: Array<[number, number, number]> = [];
  for (const line of ctx.neighbours ?? []) {
    for (const d of findDates(line)) if (d.year !== undefined && plausibleYear(d.year)) neighbourDates.push([d.year, d.month, d.day]);
  }
  neighbourDates.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const latest = neighbourDates[neighbourDates.length - 1];

  const lead = (ctx.body ?? '').slice(0, LEAD_CHARS);
  for (const d of findDates(lead)) {
    const before = lead.slice(Math.max(0, d.index - 6), d.index);
    if (FUTURE_CUE.test(before)) continue;
    if (d.year !== undefined) {
      if (plausibleYear(d.year)) return formatDate(d.year, d.month, d.day);
      continue;
    }
    const year = contextYear(d, latest, ctx);
    if (year !== undefined && isValidDate(year, d.month, d.day)) return formatDate(year, d.month, d.day);
    break; // the lead's first date has no knowable year: do not look further into the text
  }

  if (neighbourDates.length >= 2) {
    const first = neighbourDates[0];
    if (first[0] === latest[0] && first[1] === latest[1] && first[2] === latest[2]) return formatDate(...latest);
  }
  return undefined;
}

function contextYear(d: DateMention, latest: [number, number, number] | undefined, ctx: DateContext): number | undefined {
  if (latest) {
    const [y, m, day] = latest;
    return d.month > m || (d.month === m && d.day > day) ? y - 1 : y;
  }
  for (const text of [...(ctx.header ?? []), ctx.title ?? '']) {
    const years = findYears(text).filter(plausibleYear);
    if (years.length) return years[0];
  }
  return undefined;
}

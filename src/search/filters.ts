/**
 * Search filters: region, date range, source and library, compiled into per-segment predicates
 * over the typed columns (no stored document is read, no per-document object is built).
 *
 * Semantics: the values of one filter are OR-ed, different filters are AND-ed. A filter with no
 * values is no filter. Values are trimmed of whitespace (any Unicode space, 　 too); a blank value
 * throws a {@link FilterError} rather than being ignored.
 * - `province`, `city`, `county`: each value is a name or a six-digit GB/T 2260 code of that level,
 *   matched exactly, never as a prefix (`湖` is no province). A province may be given by its
 *   one-character short name (`苏` -> 江苏省, `粤` -> 广东省; dict/province-abbreviations.txt). A name matches every division of that
 *   level whose official name it is (in the gazetteer, or in the index for a code the gazetteer
 *   lacks) or whose gazetteer short form it is: `湖北` -> 湖北省, `襄阳` -> 襄阳市, `海北州` ->
 *   海北藏族自治州, `雨花台` -> 雨花台区, `朝阳区` -> both 朝阳区 (Beijing's and Changchun's).
 *   Traditional input is converted first. A code must be of the filter's level and known to the
 *   gazetteer or the index. Anything else throws a {@link FilterError} naming filter and value; a
 *   known region without documents matches nothing. Because the region column carries the codes of
 *   every level, `province=湖北` also finds a document that only names 随县.
 * - `from`, `to`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, inclusive (`to=2023` ends on 2023-12-31).
 *   Documents without a date never pass a date filter.
 * - `undated`: `only` keeps only the documents without a date (with `from` or `to` it throws a
 *   {@link FilterError}: no undated document has a date in a range), `exclude` only those with one;
 *   unset includes both (unless `from`/`to` is set). It is part of the date filter: the year and
 *   month facets ignore it for their own counts, as they ignore `from` and `to`.
 * - `source`, `library`: exact values as stored (same script and case; `湖南` is not 湖南图书馆); a
 *   value no document has matches nothing.
 *
 * Each filter is tested over a whole match set at once, one tight loop per filter, into a bit mask
 * per document (which filters it fails): the searcher keeps the documents failing none, facets
 * reuse the masks to honour all filters but their own.
 *
 * Owns: resolving filter values and testing documents against them. Must not: execute queries,
 * count facets or know about HTTP.
 */
import { toSimplified } from '../analysis/normalize.js';
import type { KeywordColumnData } from '../index/columns.js';
import type { IndexSnapshot } from '../index/reader.js';
import { NO_DATE, type KeywordColumn } from '../index/schema.js';
import type { DocSet } from './doc-set.js';
import { provinceByAbbreviation, regionByCode, regionsNamed } from '../analysis/regions.js';
import { regionLevel, regionNames, type RegionLevel, type RegionNames } from './region-names.js';

export interface SearchFilters {
  /** Province names, short forms (湖北, 苏) or codes; any of them (one value or a list, as every list filter). */
  province?: string | readonly string[];
  /** Prefecture names, short forms (襄阳) or codes; any of them. */
  city?: string | readonly string[];
  /** County names, short forms (雨花台) or codes; any of them. */
  county?: string | readonly string[];
  /** First day, `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (inclusive). */
  from?: string;
  /** Last day, `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (inclusive). */
  to?: string;
  /** Sources (publishers), exact; any of them. */
  source?: string | readonly string[];
  /** Library names, exact; any of them. */
  library?: string | readonly string[];
  /** `only`: only documents without a date (not with `from`/`to`); `exclude`: only dated ones. Default both. */
  undated?: 'only' | 'exclude';
}

/** A filter value that is blank or names no region: the filter and the value are named. */
export class FilterError extends RangeError {
  constructor(
    readonly filter: 'province' | 'city' | 'county' | 'source' | 'library' | 'undated',
    readonly value: string,
    /** What is wrong with the value, without the filter's name. */
    readonly reason: string,
  ) {
    super(`${filter}: ${reason}`);
    this.name = 'FilterError';
  }
}

/** One independent filter; `date` covers `from`, `to` and `undated`. */
export type FilterKey = RegionLevel | 'date' | 'source' | 'library';

/**
 * Per document of a match set, a bit mask of the filters it fails (bit {@link CompiledFilters.bit}
 * of each filter that is set); 0 passes them all.
 */
export type Failures = Uint8Array;

/** The test of one filter in one segment, over typed columns only. */
type SegmentTest =
  | { kind: 'date'; dates: Int32Array; from: number; to: number; undated: 'only' | 'exclude' | null }
  | { kind: 'keyword'; mask: Uint8Array; offsets: Uint32Array; values: Uint32Array };

const DATE_BOUND = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/**
 * The day number (days since 1970-01-01) a date bound stands for: the first day of the period
 * for `from`, the last for `to`. Null when the value is not a valid `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
 */
export function dateBound(value: string, side: 'from' | 'to'): number | null {
  const m = DATE_BOUND.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const month = m[2] === undefined ? null : Number(m[2]);
  const day = m[3] === undefined ? null : Number(m[3]);
  if (month !== null && (month < 1 || month > 12)) return null;
  const first = utcDay(year, (month ?? 1) - 1, day ?? 1);
  if (day !== null && new Date(first * 86_400_000).getUTCDate() !== day) return null;
  if (side === 'from' || day !== null) return first;
  // Last day of the month or year: the day before the next period starts.
  return (month === null ? utcDay(year + 1, 0, 1) : utcDay(year, month, 1)) - 1;
}

/** Day number of a UTC calendar date (months from 0, overflowing into the next year); years 0-99 too. */
function utcDay(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  return Math.floor(d.getTime() / 86_400_000);
}

/** Filters resolved against one snapshot. */
export class CompiledFilters {
  private constructor(
    /** The filters that are set, each with its test per segment. */
    private readonly tests: ReadonlyMap<FilterKey, readonly SegmentTest[]>,
    /** Codes each region filter resolved to (absent when that filter is not set). */
    readonly regionCodes: ReadonlyMap<RegionLevel, ReadonlySet<string>>,
    /** Inclusive day-number range of the date filter, or null. */
    readonly dateRange: readonly [number, number] | null,
    /** The `undated` filter, or null when it is not set. */
    readonly undated: 'only' | 'exclude' | null = null,
  ) {}

  /** True when no filter is set. */
  get empty(): boolean {
    return this.tests.size === 0;
  }

  /** The bit of filter `key` in {@link Failures}, or 0 when that filter is not set. */
  bit(key: FilterKey): number {
    let b = 1;
    for (const k of this.tests.keys()) {
      if (k === key) return b;
      b <<= 1;
    }
    return 0;
  }

  /** For each of `docs` (local documents of segment `segment`), the filters it fails. */
  failures(segment: number, docs: Int32Array): Failures {
    const out = new Uint8Array(docs.length);
    let b = 1;
    for (const perSegment of this.tests.values()) {
      const t = perSegment[segment];
      if (t.kind === 'date') {
        if (t.undated === 'only') failDated(t.dates, docs, out, b);
        else failDate(t.dates, t.from, t.to, docs, out, b);
      } else failKeyword(t.mask, t.offsets, t.values, docs, out, b);
      b <<= 1;
    }
    return out;
  }

  /**
   * Resolves `filters` against `snapshot`. Throws {@link FilterError} (a RangeError) for a blank
   * value, an unknown region or `undated=only` with a date range, RangeError for a bad date or
   * `from` after `to`.
   */
  static compile(snapshot: IndexSnapshot, filters: SearchFilters = {}): CompiledFilters {
    const r = resolveFilters(filters, regionNames(snapshot));
    const tests = new Map<FilterKey, SegmentTest[]>();
    for (const [level, codes] of r.regions) tests.set(level, keywordTests(snapshot, 'region', codes));
    for (const column of ['source', 'library'] as const) {
      const values = r[column];
      if (values) tests.set(column, keywordTests(snapshot, column, new Set(values)));
    }
    if (r.dateRange || r.undated) {
      const [from, to] = r.dateRange ?? [-Infinity, Infinity];
      tests.set(
        'date',
        snapshot.segments.map(({ segment }) => ({ kind: 'date', dates: segment.columns.date, from, to, undated: r.undated })),
      );
    }
    return new CompiledFilters(tests, r.regions, r.dateRange, r.undated);
  }
}

/** Filters checked and resolved, independent of where the documents are (an index or a cluster). */
export interface ResolvedFilters {
  /** Per region filter that is set, the codes it names (in insertion order: province, city, county). */
  regions: Map<RegionLevel, ReadonlySet<string>>;
  /** Sources and libraries, trimmed; null when that filter is not set. */
  source: string[] | null;
  library: string[] | null;
  /** Inclusive day-number range (days since 1970-01-01), or null. */
  dateRange: [number, number] | null;
  undated: 'only' | 'exclude' | null;
}

/**
 * Checks and resolves `filters`, regions by `names` (the codes present and their names). Throws
 * {@link FilterError} for a blank value, an unknown region or `undated=only` with a date range,
 * RangeError for a bad date or `from` after `to`.
 */
export function resolveFilters(filters: SearchFilters, names: RegionNames): ResolvedFilters {
  const regions = new Map<RegionLevel, ReadonlySet<string>>();
  for (const level of ['province', 'city', 'county'] as const) {
    const values = trimmed(level, filters[level]);
    if (values) regions.set(level, resolveRegions(level, values, names));
  }
  const source = trimmed('source', filters.source);
  const library = trimmed('library', filters.library);
  const dateRange = compileDateRange(filters);
  return { regions, source, library, dateRange, undated: compileUndated(filters, dateRange !== null) };
}

/** Documents without a date fail, as do dates outside [from, to]. */
function failDate(dates: Int32Array, from: number, to: number, docs: Int32Array, out: Failures, bit: number): void {
  for (let i = 0; i < docs.length; i++) {
    const day = dates[docs[i]];
    if (day === NO_DATE || day < from || day > to) out[i] |= bit;
  }
}

/** Documents with a date fail (`undated=only`). */
function failDated(dates: Int32Array, docs: Int32Array, out: Failures, bit: number): void {
  for (let i = 0; i < docs.length; i++) if (dates[docs[i]] !== NO_DATE) out[i] |= bit;
}

/** Documents with no value in `mask` fail. */
function failKeyword(mask: Uint8Array, offsets: Uint32Array, values: Uint32Array, docs: Int32Array, out: Failures, bit: number): void {
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i];
    let pass = false;
    for (let k = offsets[doc]; k < offsets[doc + 1]; k++) {
      if (mask[values[k]]) {
        pass = true;
        break;
      }
    }
    if (!pass) out[i] |= bit;
  }
}

/** The documents of `set` that fail no filter (`failures` from {@link CompiledFilters.failures}). */
export function passing(set: DocSet, failures: Failures): DocSet {
  let n = 0;
  for (let i = 0; i < failures.length; i++) if (failures[i] === 0) n++;
  if (n === failures.length) return set;
  const docs = new Int32Array(n);
  const scores = new Float64Array(n);
  const tiers = set.tiers ? new Uint8Array(n) : null;
  for (let i = 0, k = 0; i < failures.length; i++) {
    if (failures[i] !== 0) continue;
    docs[k] = set.docs[i];
    if (tiers) tiers[k] = set.tiers![i];
    scores[k++] = set.scores[i];
  }
  return tiers ? { docs, scores, tiers } : { docs, scores };
}

/** Leading and trailing Unicode whitespace (the full-width space U+3000 too). */
const SPACE_AROUND = /^\p{White_Space}+|\p{White_Space}+$/gu;

/** The values of a list filter, trimmed; null when it has none. Throws {@link FilterError} for a blank one. */
function trimmed(filter: FilterError['filter'], value: string | readonly string[] | undefined): string[] | null {
  const values = typeof value === 'string' ? [value] : value;
  if (!values?.length) return null;
  return values.map((v) => {
    if (typeof v !== 'string') throw new FilterError(filter, String(v), 'a value is not a string');
    const t = v.replace(SPACE_AROUND, '');
    if (t === '') throw new FilterError(filter, v, 'a value is blank');
    return t;
  });
}

/** The `undated` filter, checked: one of its two values, `only` not with a date range. */
function compileUndated(filters: SearchFilters, ranged: boolean): 'only' | 'exclude' | null {
  const value: unknown = filters.undated;
  if (value === undefined || value === null) return null;
  if (value !== 'only' && value !== 'exclude') throw new FilterError('undated', String(value), `must be only or exclude, not "${String(value)}"`);
  if (value === 'only' && ranged) throw new FilterError('undated', value, 'only cannot be combined with from or to (documents without a date have none in a range)');
  return value;
}

function compileDateRange(filters: SearchFilters): [number, number] | null {
  if (!filters.from && !filters.to) return null;
  const bound = (value: string | undefined, side: 'from' | 'to'): number => {
    if (!value) return side === 'from' ? -Infinity : Infinity;
    const day = dateBound(value, side);
    if (day === null) throw new RangeError(`${side}: "${value}" is not a date (YYYY, YYYY-MM or YYYY-MM-DD)`);
    return day;
  };
  const from = bound(filters.from, 'from');
  const to = bound(filters.to, 'to');
  if (from > to) throw new RangeError(`from (${filters.from}) is after to (${filters.to})`);
  return [from, to];
}

/** How filter errors call each level, with an example of each accepted form. */
const LEVELS: Record<RegionLevel, { noun: string; examples: string }> = {
  province: { noun: 'province', examples: 'an official name (湖北省), a short form (湖北) or a GB/T 2260 code (420000)' },
  city: { noun: 'prefecture', examples: 'an official name (襄阳市), a short form (襄阳, 海北州) or a GB/T 2260 code (420600)' },
  county: { noun: 'county', examples: 'an official name (随县), a short form (雨花台) or a GB/T 2260 code (421321)' },
};

/**
 * The codes of `level` that `values` (trimmed, not blank) name, by the rules of the header.
 * Throws {@link FilterError} for a value that names no region of that level.
 */
export function resolveRegions(level: RegionLevel, values: readonly string[], names: RegionNames): Set<string> {
  const codes = new Set<string>();
  const { noun, examples } = LEVELS[level];
  for (const raw of values) {
    const value = toSimplified(raw);
    if (/^\d{6}$/.test(value)) {
      const actual = regionLevel(value);
      if (actual !== level) throw new FilterError(level, raw, `${value} is a ${LEVELS[actual].noun} code, not a ${noun} code`);
      if (!regionByCode(value) && !names.codes.includes(value)) throw new FilterError(level, raw, `unknown ${noun} code "${raw}"`);
      codes.add(value);
      continue;
    }
    const found = codesNamed(level, value, names);
    // A province's one-character short name (苏, 粤).
    const short = level === 'province' && !found.length ? provinceByAbbreviation(value) : undefined;
    if (short) found.push(short.code);
    if (!found.length) throw new FilterError(level, raw, `unknown ${noun} "${raw}": give ${examples}`);
    for (const code of found) codes.add(code);
  }
  return codes;
}

/** Codes of `level` whose official name (gazetteer or index) or gazetteer short form is `name`. */
function codesNamed(level: RegionLevel, name: string, names: RegionNames): string[] {
  const out = new Set<string>();
  for (const r of regionsNamed(name)) if (regionLevel(r.code) === level) out.add(r.code);
  for (const code of names.codes) if (regionLevel(code) === level && names.name(code) === name) out.add(code);
  return [...out];
}

/** Per segment, a test passing documents with at least one of `wanted` in `column` (ordinals found by binary search). */
function keywordTests(snapshot: IndexSnapshot, column: KeywordColumn, wanted: ReadonlySet<string>): SegmentTest[] {
  return snapshot.segments.map(({ segment }) => {
    const data: KeywordColumnData = segment.columns.keyword[column];
    const mask = new Uint8Array(data.dict.size);
    for (const value of wanted) {
      const ord = data.dict.find(value);
      if (ord >= 0) mask[ord] = 1;
    }
    return { kind: 'keyword', mask, offsets: data.offsets, values: data.values };
  });
}

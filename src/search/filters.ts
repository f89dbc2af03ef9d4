/**
 * Search filters: region, date range, source and library, compiled into per-segment predicates
 * over the typed columns (no stored document is read, no per-document object is built).
 *
 * Semantics: the values of one filter are OR-ed, different filters are AND-ed. A filter with no
 * values is no filter.
 * - `province`, `city`, `county`: each value is a six-digit GB/T 2260 code (matched as is), or a
 *   name. A name matches every code of that level present in the index whose official name equals
 *   it or starts with it (`湖北` -> 湖北省, `襄阳` -> 襄阳市, `朝阳` -> every 朝阳区/朝阳县), plus the
 *   gazetteer's reading of it (`海北州` -> 海北藏族自治州). Traditional input is converted first.
 *   Because the region column carries the codes of every level, `province=湖北` also finds a
 *   document that only names 随县. An unknown name matches nothing.
 * - `from`, `to`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, inclusive (`to=2023` ends on 2023-12-31).
 *   Documents without a date never pass a date filter.
 * - `source`, `library`: exact values.
 *
 * Owns: resolving filter values and testing documents against them. Must not: execute queries,
 * count facets or know about HTTP.
 */
import { toSimplified } from '../analysis/normalize.js';
import type { KeywordColumnData } from '../index/columns.js';
import type { IndexSnapshot } from '../index/reader.js';
import { NO_DATE, type KeywordColumn } from '../index/schema.js';
import { lookupRegion } from '../analysis/regions.js';
import { regionLevel, regionNames, type RegionLevel, type RegionNames } from './region-names.js';

export interface SearchFilters {
  /** Province names, short forms (湖北) or codes; any of them. */
  province?: string[];
  /** Prefecture names, short forms (襄阳) or codes; any of them. */
  city?: string[];
  /** County names or codes; any of them. */
  county?: string[];
  /** First day, `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (inclusive). */
  from?: string;
  /** Last day, `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (inclusive). */
  to?: string;
  /** Sources (publishers); any of them. */
  source?: string[];
  /** Library names; any of them. */
  library?: string[];
}

/** One independent filter; `date` covers `from` and `to`. */
export type FilterKey = RegionLevel | 'date' | 'source' | 'library';

/** True when local document `doc` of segment `segment` passes. */
export type DocPredicate = (segment: number, doc: number) => boolean;

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
    private readonly tests: ReadonlyMap<FilterKey, DocPredicate>,
    /** Codes each region filter resolved to (absent when that filter is not set). */
    readonly regionCodes: ReadonlyMap<RegionLevel, ReadonlySet<string>>,
    /** Inclusive day-number range of the date filter, or null. */
    readonly dateRange: readonly [number, number] | null,
  ) {}

  /** The filters that are set. */
  get active(): FilterKey[] {
    return [...this.tests.keys()];
  }

  /** A predicate of every filter except `except`, or null when that leaves no filter. */
  predicate(except?: FilterKey): DocPredicate | null {
    const tests = [...this.tests].filter(([k]) => k !== except).map(([, t]) => t);
    if (!tests.length) return null;
    if (tests.length === 1) return tests[0];
    return (s, d) => {
      for (const t of tests) if (!t(s, d)) return false;
      return true;
    };
  }

  /** Resolves `filters` against `snapshot`. Throws RangeError for a bad date or `from` after `to`. */
  static compile(snapshot: IndexSnapshot, filters: SearchFilters = {}): CompiledFilters {
    const tests = new Map<FilterKey, DocPredicate>();
    const regionCodes = new Map<RegionLevel, ReadonlySet<string>>();
    const levels: RegionLevel[] = ['province', 'city', 'county'];
    for (const level of levels) {
      const values = nonEmpty(filters[level]);
      if (!values) continue;
      const codes = resolveRegions(level, values, regionNames(snapshot));
      regionCodes.set(level, codes);
      tests.set(level, keywordTest(snapshot, 'region', (v) => codes.has(v)));
    }
    for (const column of ['source', 'library'] as const) {
      const values = nonEmpty(filters[column]);
      if (!values) continue;
      const wanted = new Set(values.map((v) => v.trim()));
      tests.set(column, keywordTest(snapshot, column, (v) => wanted.has(v)));
    }
    const dateRange = compileDateRange(filters);
    if (dateRange) {
      const [from, to] = dateRange;
      const dates = snapshot.segments.map((v) => v.segment.columns.date);
      tests.set('date', (s, d) => {
        const day = dates[s][d];
        return day !== NO_DATE && day >= from && day <= to;
      });
    }
    return new CompiledFilters(tests, regionCodes, dateRange);
  }
}

function nonEmpty(values: string[] | undefined): string[] | null {
  const kept = (values ?? []).filter((v) => v.trim() !== '');
  return kept.length ? kept : null;
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

/** The codes of `level` that `values` name (see the header for the rules). */
export function resolveRegions(level: RegionLevel, values: readonly string[], names: RegionNames): Set<string> {
  const codes = new Set<string>();
  for (const raw of values) {
    const value = toSimplified(raw.trim());
    if (/^\d{6}$/.test(value)) {
      codes.add(value);
      continue;
    }
    for (const code of names.codes) {
      if (regionLevel(code) !== level) continue;
      const name = names.name(code);
      if (name && name.startsWith(value)) codes.add(code);
    }
    const known = lookupRegion(value);
    if (known && regionLevel(known.code) === level) codes.add(known.code);
  }
  return codes;
}

/** A test that passes documents having at least one value of `column` that `accept` accepts. */
function keywordTest(snapshot: IndexSnapshot, column: KeywordColumn, accept: (value: string) => boolean): DocPredicate {
  const perSegment = snapshot.segments.map(({ segment }) => {
    const data: KeywordColumnData = segment.columns.keyword[column];
    const mask = new Uint8Array(data.dict.size);
    for (let i = 0; i < mask.length; i++) mask[i] = accept(data.dict.get(i)) ? 1 : 0;
    return { mask, offsets: data.offsets, values: data.values };
  });
  return (s, d) => {
    const { mask, offsets, values } = perSegment[s];
    for (let i = offsets[d]; i < offsets[d + 1]; i++) if (mask[values[i]]) return true;
    return false;
  };
}

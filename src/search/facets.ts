/**
 * Facet counts: how many documents of the whole match set (not only the page) fall under each
 * province, prefecture, county, year, month, source and library, counted from the typed columns.
 *
 * Multi-select semantics: a facet's counts ignore that facet's own filter and honour all the
 * others, so choosing 湖北省 still shows the other provinces' counts. The caller passes the matches
 * of the query WITHOUT filters; each facet is counted with the predicate of the other filters.
 * Hierarchies: `city` only lists prefectures of the chosen provinces, `county` only counties of
 * the chosen prefectures (or provinces); `month` only lists months of the years the date filter
 * spans. Values are ordered by count (descending), then value; at most `size` per facet.
 *
 * Cost: one tight loop per (column, ignored filter) over the match set into typed counters per
 * dictionary ordinal or month, reusing the searcher's per-document filter failure masks; strings are
 * only made for values with a count.
 *
 * Owns: counting and ordering facet values. Must not: execute queries or read stored documents.
 */
import type { IndexSnapshot } from '../index/reader.js';
import { NO_DATE, type KeywordColumn } from '../index/schema.js';
import type { StringTable } from '../index/string-table.js';
import type { MatchSets } from './executor.js';
import type { CompiledFilters, Failures, FilterKey } from './filters.js';
import { regionLevel, regionNames, type RegionLevel } from './region-names.js';
import { Budget } from './budget.js';

export const FACET_NAMES = ['province', 'city', 'county', 'year', 'month', 'source', 'library'] as const;
export type FacetName = (typeof FACET_NAMES)[number];

export interface FacetValue {
  /** Official region name, `YYYY`, `YYYY-MM`, source or library. */
  value: string;
  /** GB/T 2260 code (region facets only). */
  code?: string;
  count: number;
}

export type Facets = Partial<Record<FacetName, FacetValue[]>>;

/** The filter each facet ignores. */
const OWN_FILTER: Record<FacetName, FilterKey> = {
  province: 'province',
  city: 'city',
  county: 'county',
  year: 'date',
  month: 'date',
  source: 'source',
  library: 'library',
};

/** Counted values: parallel arrays of values and counts (counts > 0). */
interface Counts {
  values: string[];
  counts: number[];
}

/**
 * Counts the requested facets over `matches` (unfiltered). `failures[s][i]` is the mask of filters
 * document `matches[s].docs[i]` fails (null when no filter is set): a facet counts the documents
 * failing nothing or only its own filter.
 */
export function countFacets(
  snapshot: IndexSnapshot,
  matches: MatchSets,
  failures: readonly Failures[] | null,
  filters: CompiledFilters,
  requested: readonly FacetName[],
  size: number,
  budget: Budget = Budget.unlimited(),
): Facets {
  // Facets that see the same documents share one count: province/city/county one over the
  // region column, year/month one over dates, unless their own filters differ.
  const passes = new Map<string, Counts>();
  const counted = (kind: KeywordColumn | 'month', own: FilterKey): Counts => {
    const except = filters.bit(own);
    const key = `${kind}|${except}`;
    let counts = passes.get(key);
    if (!counts) {
      budget.check();
      counts = kind === 'month' ? countMonths(snapshot, matches, failures, except) : countKeyword(snapshot, matches, failures, except, kind);
      passes.set(key, counts);
    }
    return counts;
  };

  const out: Facets = {};
  for (const facet of new Set(requested)) {
    const own = OWN_FILTER[facet];
    switch (facet) {
      case 'province':
      case 'city':
      case 'county': {
        const inScope = regionScope(facet, filters);
        const names = regionNames(snapshot);
        out[facet] = top(counted('region', own), size, inScope, (code) => ({ value: names.name(code) ?? code, code }));
        break;
      }
      case 'source':
      case 'library':
        out[facet] = top(counted(facet, own), size, null, (value) => ({ value }));
        break;
      case 'year': {
        const { values, counts } = counted('month', own);
        const years = new Map<string, number>();
        for (let i = 0; i < values.length; i++) years.set(values[i].slice(0, 4), (years.get(values[i].slice(0, 4)) ?? 0) + counts[i]);
        out[facet] = top({ values: [...years.keys()], counts: [...years.values()] }, size, null, (value) => ({ value }));
        break;
      }
      case 'month': {
        const [first, last] = yearSpan(filters.dateRange);
        const inSpan = (month: string) => Number(month.slice(0, 4)) >= first && Number(month.slice(0, 4)) <= last;
        out[facet] = top(counted('month', own), size, inSpan, (value) => ({ value }));
        break;
      }
    }
  }
  return out;
}

/** Which region codes a region facet lists: its level, under the chosen higher levels. */
function regionScope(facet: RegionLevel, filters: CompiledFilters): (code: string) => boolean {
  const prefixes = (level: RegionLevel, digits: number): string[] | null => {
    const codes = filters.regionCodes.get(level);
    return codes ? [...codes].map((c) => c.slice(0, digits)) : null;
  };
  const within = facet === 'province' ? null : facet === 'city' ? prefixes('province', 2) : (prefixes('city', 4) ?? prefixes('province', 2));
  return (code) => regionLevel(code) === facet && (!within || within.some((p) => code.startsWith(p)));
}

/** Documents per value of a keyword column, among those failing nothing or only `except`. */
function countKeyword(snapshot: IndexSnapshot, matches: MatchSets, failures: readonly Failures[] | null, except: number, column: KeywordColumn): Counts {
  const perSegment = matches.map((set, s) => {
    const { dict, offsets, values } = snapshot.segments[s].segment.columns.keyword[column];
    const perOrdinal = new Uint32Array(dict.size);
    const docs = set.docs;
    const fails = failures?.[s];
    for (let i = 0; i < docs.length; i++) {
      if (fails && fails[i] !== 0 && fails[i] !== except) continue;
      const doc = docs[i];
      for (let k = offsets[doc]; k < offsets[doc + 1]; k++) perOrdinal[values[k]]++;
    }
    return { strings: dictStrings(dict), perOrdinal };
  });
  if (perSegment.length === 1) {
    const { strings, perOrdinal } = perSegment[0];
    const out: Counts = { values: [], counts: [] };
    for (let ord = 0; ord < perOrdinal.length; ord++) {
      if (!perOrdinal[ord]) continue;
      out.values.push(strings[ord]);
      out.counts.push(perOrdinal[ord]);
    }
    return out;
  }
  const totals = new Map<string, number>();
  for (const { strings, perOrdinal } of perSegment) {
    for (let ord = 0; ord < perOrdinal.length; ord++) if (perOrdinal[ord]) totals.set(strings[ord], (totals.get(strings[ord]) ?? 0) + perOrdinal[ord]);
  }
  return { values: [...totals.keys()], counts: [...totals.values()] };
}

const decoded = new WeakMap<StringTable, string[]>();

/** The values of a column dictionary, decoded once per segment. */
function dictStrings(dict: StringTable): string[] {
  let strings = decoded.get(dict);
  if (!strings) decoded.set(dict, (strings = dict.toArray()));
  return strings;
}

/** Documents per month (`YYYY-MM`) of their date, among those failing nothing or only `except`; undated documents are not counted. */
function countMonths(snapshot: IndexSnapshot, matches: MatchSets, failures: readonly Failures[] | null, except: number): Counts {
  const totals = new Map<number, number>();
  matches.forEach((set, s) => {
    const { months, first, span } = monthColumn(snapshot.segments[s].segment.columns.date);
    const perMonth = new Uint32Array(span);
    const docs = set.docs;
    const fails = failures?.[s];
    for (let i = 0; i < docs.length; i++) {
      if (fails && fails[i] !== 0 && fails[i] !== except) continue;
      const m = months[docs[i]];
      if (m !== NO_MONTH) perMonth[m]++;
    }
    for (let m = 0; m < span; m++) if (perMonth[m]) totals.set(first + m, (totals.get(first + m) ?? 0) + perMonth[m]);
  });
  const out: Counts = { values: [], counts: [] };
  for (const [key, n] of totals) {
    out.values.push(`${String(Math.floor(key / 12)).padStart(4, '0')}-${String((key % 12) + 1).padStart(2, '0')}`);
    out.counts.push(n);
  }
  return out;
}

const NO_MONTH = -1;

interface MonthColumn {
  /** Per document, its month (year * 12 + month - 1) minus `first`, or NO_MONTH. */
  months: Int32Array;
  first: number;
  /** Months from the first to the last date of the segment. */
  span: number;
}

const monthColumns = new WeakMap<Int32Array, MonthColumn>();

/** The month column of a segment's date column, computed once per segment. */
function monthColumn(dates: Int32Array): MonthColumn {
  let column = monthColumns.get(dates);
  if (!column) {
    const months = new Int32Array(dates.length);
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0; i < dates.length; i++) {
      if (dates[i] === NO_DATE) months[i] = NO_MONTH;
      else {
        const d = new Date(dates[i] * 86_400_000);
        months[i] = d.getUTCFullYear() * 12 + d.getUTCMonth();
        first = Math.min(first, months[i]);
        last = Math.max(last, months[i]);
      }
    }
    if (first === Infinity) first = last = 0;
    for (let i = 0; i < months.length; i++) if (months[i] !== NO_MONTH) months[i] -= first;
    column = { months, first, span: last - first + 1 };
    monthColumns.set(dates, column);
  }
  return column;
}

/** The years a date range touches (all years when there is none). */
function yearSpan(range: readonly [number, number] | null): [number, number] {
  if (!range) return [-Infinity, Infinity];
  const year = (day: number) => (Number.isFinite(day) ? new Date(day * 86_400_000).getUTCFullYear() : day);
  return [year(range[0]), year(range[1])];
}

/** The `size` values of `counted` (those `keep` accepts) with the highest counts, then by value. */
function top(counted: Counts, size: number, keep: ((key: string) => boolean) | null, describe: (key: string) => Omit<FacetValue, 'count'>): FacetValue[] {
  const keys: string[] = [];
  const counts: number[] = [];
  for (let i = 0; i < counted.values.length; i++) {
    if (keep && !keep(counted.values[i])) continue;
    keys.push(counted.values[i]);
    counts.push(counted.counts[i]);
  }
  // Only values that can make the cut (count at least the size-th highest) are described and
  // fully ordered: ties at the cut are decided by the described value.
  let cut = 0;
  if (keys.length > size) cut = Float64Array.from(counts).sort()[keys.length - size];
  const kept: FacetValue[] = [];
  for (let i = 0; i < keys.length; i++) if (counts[i] >= cut) kept.push({ ...describe(keys[i]), count: counts[i] });
  return kept.sort((a, b) => b.count - a.count || cmp(a.value, b.value) || cmp(a.code ?? '', b.code ?? '')).slice(0, size);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

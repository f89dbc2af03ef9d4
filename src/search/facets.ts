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
 * Owns: counting and ordering facet values. Must not: execute queries or read stored documents.
 */
import type { IndexSnapshot } from '../index/reader.js';
import { NO_DATE, type KeywordColumn } from '../index/schema.js';
import type { StringTable } from '../index/string-table.js';
import type { MatchSets } from './executor.js';
import type { CompiledFilters, DocPredicate, FilterKey } from './filters.js';
import { regionLevel, regionNames, type RegionLevel } from './region-names.js';

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

/** Counts the requested facets over `matches` (unfiltered), applying all but each facet's own filter. */
export function countFacets(
  snapshot: IndexSnapshot,
  matches: MatchSets,
  filters: CompiledFilters,
  requested: readonly FacetName[],
  size: number,
): Facets {
  // Facets whose own filter is not set see the same documents, so they share one counting pass:
  // one over the region column for province/city/county, one over dates for year/month.
  const active = new Set(filters.active);
  const passes = new Map<string, Map<string, number>>();
  const counted = (kind: KeywordColumn | 'month', own: FilterKey): Map<string, number> => {
    const except = active.has(own) ? own : undefined;
    const key = `${kind}|${except ?? ''}`;
    let counts = passes.get(key);
    if (!counts) {
      const keep = filters.predicate(except);
      counts = kind === 'month' ? countMonths(snapshot, matches, keep) : countKeyword(snapshot, matches, keep, kind);
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
        const counts = new Map([...counted('region', own)].filter(([code]) => inScope(code)));
        out[facet] = top(counts, size, (code) => ({ value: names.name(code) ?? code, code }));
        break;
      }
      case 'source':
      case 'library':
        out[facet] = top(counted(facet, own), size, (value) => ({ value }));
        break;
      case 'year': {
        const years = new Map<string, number>();
        for (const [month, n] of counted('month', own)) years.set(month.slice(0, 4), (years.get(month.slice(0, 4)) ?? 0) + n);
        out[facet] = top(years, size, (value) => ({ value }));
        break;
      }
      case 'month': {
        const [first, last] = yearSpan(filters.dateRange);
        const months = new Map([...counted('month', own)].filter(([month]) => Number(month.slice(0, 4)) >= first && Number(month.slice(0, 4)) <= last));
        out[facet] = top(months, size, (value) => ({ value }));
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

/** Documents per value of a keyword column. */
function countKeyword(snapshot: IndexSnapshot, matches: MatchSets, keep: DocPredicate | null, column: KeywordColumn): Map<string, number> {
  const totals = new Map<string, number>();
  matches.forEach((set, s) => {
    const { dict, offsets, values } = snapshot.segments[s].segment.columns.keyword[column];
    const perOrdinal = new Uint32Array(dict.size);
    const docs = set.docs;
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i];
      if (keep && !keep(s, doc)) continue;
      for (let k = offsets[doc]; k < offsets[doc + 1]; k++) perOrdinal[values[k]]++;
    }
    const strings = dictStrings(dict);
    for (let ord = 0; ord < perOrdinal.length; ord++) {
      if (!perOrdinal[ord]) continue;
      const value = strings[ord];
      totals.set(value, (totals.get(value) ?? 0) + perOrdinal[ord]);
    }
  });
  return totals;
}

const decoded = new WeakMap<StringTable, string[]>();

/** The values of a column dictionary, decoded once per segment. */
function dictStrings(dict: StringTable): string[] {
  let strings = decoded.get(dict);
  if (!strings) decoded.set(dict, (strings = dict.toArray()));
  return strings;
}

/** Documents per month (`YYYY-MM`) of their date; undated documents are not counted. */
function countMonths(snapshot: IndexSnapshot, matches: MatchSets, keep: DocPredicate | null): Map<string, number> {
  const byMonth = new Map<number, number>();
  matches.forEach((set, s) => {
    const months = monthColumn(snapshot.segments[s].segment.columns.date);
    const docs = set.docs;
    for (let i = 0; i < docs.length; i++) {
      const key = months[docs[i]];
      if (key === NO_MONTH || (keep && !keep(s, docs[i]))) continue;
      byMonth.set(key, (byMonth.get(key) ?? 0) + 1);
    }
  });
  const totals = new Map<string, number>();
  for (const [key, n] of byMonth) totals.set(`${String(Math.floor(key / 12)).padStart(4, '0')}-${String((key % 12) + 1).padStart(2, '0')}`, n);
  return totals;
}

const NO_MONTH = -1;
const monthColumns = new WeakMap<Int32Array, Int32Array>();

/** Per document, year * 12 + month - 1 of its date (or NO_MONTH); computed once per segment. */
function monthColumn(dates: Int32Array): Int32Array {
  let months = monthColumns.get(dates);
  if (!months) {
    months = new Int32Array(dates.length);
    for (let i = 0; i < dates.length; i++) {
      if (dates[i] === NO_DATE) months[i] = NO_MONTH;
      else {
        const d = new Date(dates[i] * 86_400_000);
        months[i] = d.getUTCFullYear() * 12 + d.getUTCMonth();
      }
    }
    monthColumns.set(dates, months);
  }
  return months;
}

/** The years a date range touches (all years when there is none). */
function yearSpan(range: readonly [number, number] | null): [number, number] {
  if (!range) return [-Infinity, Infinity];
  const year = (day: number) => (Number.isFinite(day) ? new Date(day * 86_400_000).getUTCFullYear() : day);
  return [year(range[0]), year(range[1])];
}

function top(counts: Map<string, number>, size: number, describe: (key: string) => Omit<FacetValue, 'count'>): FacetValue[] {
  // Only values that can make the cut (count at least the size-th count) are described and fully ordered.
  const entries = [...counts].sort((a, b) => b[1] - a[1]);
  if (entries.length > size) {
    let end = size;
    while (end < entries.length && entries[end][1] === entries[size - 1][1]) end++;
    entries.length = end;
  }
  return entries
    .map(([key, count]) => ({ ...describe(key), count }))
    .sort((a, b) => b.count - a.count || cmp(a.value, b.value) || cmp(a.code ?? '', b.code ?? ''))
    .slice(0, size);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

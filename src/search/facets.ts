/**
 * Facet counts: how many documents of the whole match set (not only the page) fall under each
 * province, prefecture, county, year, month, source and library, counted from the typed columns,
 * and the region tree (province -> prefecture -> county).
 *
 * Multi-select semantics: a facet's counts ignore that facet's own filter and honour all the
 * others, so choosing 湖北省 still shows the other provinces' counts. The caller passes the matches
 * of the query WITHOUT filters; each facet is counted with the predicate of the other filters.
 * Hierarchies: `city` only lists prefectures of the chosen provinces, `county` only counties of
 * the chosen prefectures (or provinces); `month` only lists months of the years the date filter
 * spans.
 *
 * Order and size: province, city, county, source and library by count (descending), then value,
 * at most `size`; `year` and `month` chronologically (ascending) and complete (`size` does not cut
 * them); `year` ends with an `undated` bucket (documents without a date, passing the other
 * filters) when it is not empty, so that without a date filter the year counts add up to the
 * matching articles. Like the years, the bucket ignores the date filter (`from`/`to`, `undated`): with 2023
 * chosen, 未注明日期 stays offered beside the other years.
 *
 * `region` is a tree: provinces (counted as `province`) by count, at most `size`. A province that
 * is chosen (province filter), or holds a chosen prefecture or county, has `children`: its
 * prefectures (counted as `city`) and the counties directly under it (no prefecture in GB/T 2260:
 * the districts of 北京市, 上海市, 天津市, 重庆市; 仙桃市, 济源市...; counted as `county`), by count, at most
 * `size`. A prefecture that is chosen (city filter), or holds a chosen county, has `children`: its
 * counties. A node with children has `childrenTotal`, how many it has with a count. A chosen node
 * (or one holding a chosen node) with a count is always listed, even past `size`. Every node has
 * `level`.
 *
 * Facet search (`query`): only values whose name contains the text (both Traditional -> Simplified,
 * NFKC and lower-cased; region facets also by code prefix, by a short form naming the region
 * exactly: 海北州 -> 海北藏族自治州, and by a province's one-character name: 粤) are listed, still by
 * the rules above; `region` is then a flat list of the matching provinces, prefectures and
 * counties (each counted as its level's facet), by count, at most `size`, without children.
 *
 * Totals: per facet, how many values with a count it has (matching the query, if any): for
 * `region`, provinces (without a query) or matching regions of every level (with one).
 *
 * Cost: one tight loop per (column, ignored filter) over the match set into typed counters per
 * dictionary ordinal or month, reusing the searcher's per-document filter failure masks; strings are
 * only made for values with a count; normalized names for facet search are cached per snapshot.
 *
 * Owns: counting, searching and ordering facet values. Must not: execute queries or read stored
 * documents.
 */
import { normalizeText } from '../analysis/normalize.js';
import { provinceByAbbreviation, regionsNamed } from '../analysis/regions.js';
import type { IndexSnapshot } from '../index/reader.js';
import { NO_DATE, type KeywordColumn } from '../index/schema.js';
import type { StringTable } from '../index/string-table.js';
import type { MatchSets } from './executor.js';
import type { CompiledFilters, Failures, FilterKey } from './filters.js';
import { regionLevel, regionNames, type RegionLevel, type RegionNames } from './region-names.js';
import { Budget } from './budget.js';

export const FACET_NAMES = ['province', 'city', 'county', 'year', 'month', 'source', 'library', 'region'] as const;
export type FacetName = (typeof FACET_NAMES)[number];

/** The value of the year facet's bucket of documents without a date. */
export const UNDATED = 'undated';

export interface FacetValue {
  /** Official region name, `YYYY` (or `undated`), `YYYY-MM`, source or library. */
  value: string;
  /** GB/T 2260 code (region facets only). */
  code?: string;
  /** Level of the region (`region` facet only): which filter (`province`, `city`, `county`) it stands for. */
  level?: RegionLevel;
  count: number;
  /** `region` facet: the prefectures and counties of a chosen province, the counties of a chosen prefecture. */
  children?: FacetValue[];
  /** `region` facet, with `children`: how many children with a count there are (`children` holds at most `size`). */
  childrenTotal?: number;
}

export type Facets = Partial<Record<FacetName, FacetValue[]>>;
/** Per facet returned, how many values with a count it has (that match the facet query, if any). */
export type FacetTotals = Partial<Record<FacetName, number>>;

export interface FacetCounts {
  facets: Facets;
  totals: FacetTotals;
}

/** The filter each facet ignores (`region`: each level its own). */
const OWN_FILTER: Record<Exclude<FacetName, 'region'>, FilterKey> = {
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
  /** Month counts only: documents without a date. */
  undated?: number;
}

/** Keeps a value (its key: code, `YYYY`, source...) or not. */
type Keep = (key: string) => boolean;

/**
 * Counts the requested facets over `matches` (unfiltered). `failures[s][i]` is the mask of filters
 * document `matches[s].docs[i]` fails (null when no filter is set): a facet counts the documents
 * failing nothing or only its own filter. `query` (facet search) keeps only the values containing
 * it; blank is no query.
 */
export function countFacets(
  snapshot: IndexSnapshot,
  matches: MatchSets,
  failures: readonly Failures[] | null,
  filters: CompiledFilters,
  requested: readonly FacetName[],
  size: number,
  budget: Budget = Budget.unlimited(),
  query?: string,
): FacetCounts {
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
  const text = query === undefined ? '' : normalizeText(query).trim();
  const searched = text !== '';

  const out: FacetCounts = { facets: {}, totals: {} };
  const put = (facet: FacetName, [values, total]: [FacetValue[], number]) => {
    out.facets[facet] = values;
    out.totals[facet] = total;
  };
  for (const facet of new Set(requested)) {
    switch (facet) {
      case 'province':
      case 'city':
      case 'county': {
        const names = regionNames(snapshot);
        const inScope = regionScope(facet, filters);
        const match = searched ? regionMatcher(snapshot, names, text) : null;
        const keep: Keep = match ? (code) => inScope(code) && match(code) : inScope;
        put(facet, top(counted('region', OWN_FILTER[facet]), size, keep, (code) => ({ value: names.name(code) ?? code, code })));
        break;
      }
      case 'source':
      case 'library': {
        const match = searched ? valueMatcher(snapshot, text) : null;
        put(facet, top(counted(facet, OWN_FILTER[facet]), size, match, (value) => ({ value })));
        break;
      }
      case 'year': {
        const months = counted('month', OWN_FILTER.year);
        const years = new Map<string, number>();
        for (let i = 0; i < months.values.length; i++) years.set(months.values[i].slice(0, 4), (years.get(months.values[i].slice(0, 4)) ?? 0) + months.counts[i]);
        const match = searched ? valueMatcher(snapshot, text) : null;
        const list = chronological({ values: [...years.keys()], counts: [...years.values()] }, match);
        if (months.undated && (!match || match(UNDATED))) list.push({ value: UNDATED, count: months.undated });
        put(facet, [list, list.length]);
        break;
      }
      case 'month': {
        const [first, last] = yearSpan(filters.dateRange);
        const match = searched ? valueMatcher(snapshot, text) : null;
        const inSpan = (month: string) => Number(month.slice(0, 4)) >= first && Number(month.slice(0, 4)) <= last && (!match || match(month));
        const list = chronological(counted('month', OWN_FILTER.month), inSpan);
        put(facet, [list, list.length]);
        break;
      }
      case 'region': {
        const names = regionNames(snapshot);
        const level = (l: RegionLevel) => counted('region', l);
        put(facet, searched ? regionSearch(level, names, size, regionMatcher(snapshot, names, text)) : regionTree(level, names, filters, size));
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

/** Per snapshot, normalized forms (normalizeText) of facet values and region names, for facet search. */
const normalizedValues = new WeakMap<IndexSnapshot, Map<string, string>>();

function normalizedOf(snapshot: IndexSnapshot): (value: string) => string {
  let cache = normalizedValues.get(snapshot);
  if (!cache) normalizedValues.set(snapshot, (cache = new Map()));
  const known = cache;
  return (value) => {
    let n = known.get(value);
    if (n === undefined) known.set(value, (n = normalizeText(value)));
    return n;
  };
}

/** Facet search over plain values: the normalized value contains the normalized `text`. */
function valueMatcher(snapshot: IndexSnapshot, text: string): Keep {
  const normalized = normalizedOf(snapshot);
  return (value) => normalized(value).includes(text);
}

/**
 * Facet search over region codes: the normalized official name contains `text`, the code starts
 * with it (digits), or `text` is a name or short form of that very region (海北州, 粤).
 */
function regionMatcher(snapshot: IndexSnapshot, names: RegionNames, text: string): Keep {
  const normalized = normalizedOf(snapshot);
  const named = new Set(regionsNamed(text).map((r) => r.code));
  const province = provinceByAbbreviation(text);
  if (province) named.add(province.code);
  const digits = /^\d+$/.test(text);
  return (code) => named.has(code) || (digits && code.startsWith(text)) || normalized(names.name(code) ?? code).includes(text);
}

/** Code -> count of one region pass, for the codes of `level`. */
function levelCounts(counts: Counts, level: RegionLevel): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < counts.values.length; i++) if (regionLevel(counts.values[i]) === level) m.set(counts.values[i], counts.counts[i]);
  return m;
}

/** The region tree of the header; the total is the number of provinces with a count. */
function regionTree(counted: (level: RegionLevel) => Counts, names: RegionNames, filters: CompiledFilters, size: number): [FacetValue[], number] {
  const provinces = levelCounts(counted('province'), 'province');
  const cities = levelCounts(counted('city'), 'city');
  const counties = levelCounts(counted('county'), 'county');
  // Nodes that show their children: the chosen ones and those holding a chosen one.
  const openProvinces = new Set<string>();
  const openCities = new Set<string>();
  // Listed even past `size`: the open nodes and the chosen counties.
  const pinned = new Set<string>();
  for (const [level, codes] of filters.regionCodes) {
    for (const code of codes) {
      openProvinces.add(`${code.slice(0, 2)}0000`);
      if (level !== 'province' && isPrefecture(`${code.slice(0, 4)}00`, names)) openCities.add(`${code.slice(0, 4)}00`);
      pinned.add(code);
    }
  }
  for (const code of [...openProvinces, ...openCities]) pinned.add(code);
  const isPinned = (code: string) => pinned.has(code);
  const node = (code: string, count: number): FacetValue => ({ value: names.name(code) ?? code, code, level: regionLevel(code), count });
  const withChildren = (n: FacetValue, children: Map<string, number>): FacetValue => {
    const [list, total] = ranked(children, size, isPinned, node);
    n.children = list.map((c) => (openCities.has(c.code!) ? withChildren(c, within(counties, c.code!.slice(0, 4))) : c));
    n.childrenTotal = total;
    return n;
  };
  const [list, total] = ranked(provinces, size, isPinned, node);
  const tree = list.map((p) => {
    if (!openProvinces.has(p.code!)) return p;
    const prefix = p.code!.slice(0, 2);
    const children = within(cities, prefix);
    // Counties without a prefecture (municipalities' districts, 省直辖县级行政区) hang from the province.
    for (const [code, n] of within(counties, prefix)) if (!isPrefecture(`${code.slice(0, 4)}00`, names)) children.set(code, n);
    return withChildren(p, children);
  });
  return [tree, total];
}

/** Whether `code` (`xxxx00`) is a prefecture with a name (municipalities have none: 110100). */
function isPrefecture(code: string, names: RegionNames): boolean {
  return names.name(code) !== undefined;
}

/** The entries of `counts` whose code starts with `prefix`. */
function within(counts: Map<string, number>, prefix: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const [code, n] of counts) if (code.startsWith(prefix)) m.set(code, n);
  return m;
}

/** Facet search over the region tree: matching regions of every level, flat, by count. */
function regionSearch(counted: (level: RegionLevel) => Counts, names: RegionNames, size: number, match: Keep): [FacetValue[], number] {
  const all = new Map<string, number>();
  for (const level of ['province', 'city', 'county'] as const) for (const [code, n] of levelCounts(counted(level), level)) if (match(code)) all.set(code, n);
  return ranked(all, size, () => false, (code, count) => ({ value: names.name(code) ?? code, code, level: regionLevel(code), count }));
}

/** The `size` entries of `counts` with the highest counts (then by value, code), plus any `pinned`; and how many there are. */
function ranked(counts: Map<string, number>, size: number, pinned: Keep, describe: (code: string, count: number) => FacetValue): [FacetValue[], number] {
  const all = [...counts].map(([code, n]) => describe(code, n));
  all.sort(byCount);
  return [all.filter((v, i) => i < size || pinned(v.code!)), all.length];
}

const byCount = (a: FacetValue, b: FacetValue) => b.count - a.count || cmp(a.value, b.value) || cmp(a.code ?? '', b.code ?? '');

/** The values of `counted` that `keep` accepts, in ascending order of value (years, months). */
function chronological(counted: Counts, keep: Keep | null): FacetValue[] {
  const out: FacetValue[] = [];
  for (let i = 0; i < counted.values.length; i++) if (!keep || keep(counted.values[i])) out.push({ value: counted.values[i], count: counted.counts[i] });
  return out.sort((a, b) => cmp(a.value, b.value));
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

/** Documents per month (`YYYY-MM`) of their date, among those failing nothing or only `except`; undated documents apart. */
function countMonths(snapshot: IndexSnapshot, matches: MatchSets, failures: readonly Failures[] | null, except: number): Counts {
  const totals = new Map<number, number>();
  let undated = 0;
  matches.forEach((set, s) => {
    const { months, first, span } = monthColumn(snapshot.segments[s].segment.columns.date);
    const perMonth = new Uint32Array(span);
    const docs = set.docs;
    const fails = failures?.[s];
    for (let i = 0; i < docs.length; i++) {
      if (fails && fails[i] !== 0 && fails[i] !== except) continue;
      const m = months[docs[i]];
      if (m !== NO_MONTH) perMonth[m]++;
      else undated++;
    }
    for (let m = 0; m < span; m++) if (perMonth[m]) totals.set(first + m, (totals.get(first + m) ?? 0) + perMonth[m]);
  });
  const out: Counts = { values: [], counts: [], undated };
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

/** The `size` values of `counted` (those `keep` accepts) with the highest counts, then by value; and how many `keep` accepts. */
function top(counted: Counts, size: number, keep: Keep | null, describe: (key: string) => Omit<FacetValue, 'count'>): [FacetValue[], number] {
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
  for (let i = 0; i < keys.length; i++) {
    if (counts[i] < cut) continue;
    // Object literals of one shape (not spreads): sorting thousands of them stays fast.
    const { value, code } = describe(keys[i]);
    kept.push(code === undefined ? { value, count: counts[i] } : { value, code, count: counts[i] });
  }
  return [kept.sort(byCount).slice(0, size), keys.length];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

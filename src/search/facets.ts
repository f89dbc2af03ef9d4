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
 * global value id (facet-columns.ts: slots per document, reusable counters, and for a match set
 * holding most of a segment, its complement counted instead), reusing the searcher's per-document
 * filter failure masks. Listing works on the typed counters: region values by level from ids
 * precomputed per snapshot, the top `size` by a threshold on the counts (no sort of whole lists),
 * months and years in an order precomputed per snapshot; objects and strings are only made for
 * values listed. Normalized names for facet search are cached per snapshot.
 *
 * Owns: counting, searching and ordering facet values. Must not: execute queries or read stored
 * documents.
 */
import { normalizeText } from '../analysis/normalize.js';
import { provinceByAbbreviation, regionsNamed } from '../analysis/regions.js';
import type { IndexSnapshot } from '../index/reader.js';
import type { MatchSets } from './executor.js';
import { beginCount, countColumn, globalColumn, resetScratch, type ColumnCounts, type FacetColumn, type GlobalColumn } from './facet-columns.js';
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
  const passes = new Map<string, ColumnCounts>();
  beginCount();
  const started = new Set<GlobalColumn>();
  const counted = (kind: FacetColumn, own: FilterKey): ColumnCounts => {
    const except = filters.bit(own);
    const key = `${kind}|${except}`;
    let counts = passes.get(key);
    if (!counts) {
      budget.check();
      const column = globalColumn(snapshot, kind);
      if (!started.has(column)) {
        resetScratch(column);
        started.add(column);
      }
      counts = countColumn(snapshot, column, matches, failures, except);
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
        const regions = regionIndex(snapshot);
        const within = regionScope(facet, filters);
        const match = searched ? regionMatcher(snapshot, regionNames(snapshot), text) : null;
        const codes = regions.column.strings;
        const keep = within || match ? (id: number) => (!within || within(codes[id])) && (!match || match(codes[id])) : null;
        put(facet, top(counted('region', OWN_FILTER[facet]).counts, regions.ids[facet], size, keep, (id, count) => ({ value: regions.names[id], code: codes[id], count })));
        break;
      }
      case 'source':
      case 'library': {
        const match = searched ? valueMatcher(snapshot, text) : null;
        const values = globalColumn(snapshot, facet).strings;
        put(facet, top(counted(facet, OWN_FILTER[facet]).counts, null, size, match && ((id) => match(values[id])), (id, count) => ({ value: values[id], count })));
        break;
      }
      case 'year': {
        const months = counted('month', OWN_FILTER.year);
        const index = monthIndex(snapshot);
        const perYear = new Float64Array(index.years.length);
        for (let id = 0; id < months.counts.length; id++) perYear[index.yearOf[id]] += months.counts[id];
        const match = searched ? valueMatcher(snapshot, text) : null;
        const list: FacetValue[] = [];
        index.years.forEach((year, y) => {
          if (perYear[y] > 0 && (!match || match(year))) list.push({ value: year, count: perYear[y] });
        });
        if (months.none && (!match || match(UNDATED))) list.push({ value: UNDATED, count: months.none });
        put(facet, [list, list.length]);
        break;
      }
      case 'month': {
        const [first, last] = yearSpan(filters.dateRange);
        const match = searched ? valueMatcher(snapshot, text) : null;
        const { counts } = counted('month', OWN_FILTER.month);
        const index = monthIndex(snapshot);
        const strings = globalColumn(snapshot, 'month').strings;
        const list: FacetValue[] = [];
        for (const id of index.order) {
          if (counts[id] === 0 || !(index.yearNumber[id] >= first && index.yearNumber[id] <= last) || (match && !match(strings[id]))) continue;
          list.push({ value: strings[id], count: counts[id] });
        }
        put(facet, [list, list.length]);
        break;
      }
      case 'region': {
        const names = regionNames(snapshot);
        const level = (l: RegionLevel) => levelCounts(snapshot, counted('region', l), l);
        put(facet, searched ? regionSearch(level, names, size, regionMatcher(snapshot, names, text)) : regionTree(level, names, filters, size));
        break;
      }
    }
  }
  return out;
}

/** The region column of a snapshot with, per value id, its level and name, and the ids of each level. */
interface RegionIndex {
  column: GlobalColumn;
  /** Official name of each id (its code when unknown). */
  names: string[];
  ids: Record<RegionLevel, Int32Array>;
}

const regionIndexes = new WeakMap<IndexSnapshot, RegionIndex>();

function regionIndex(snapshot: IndexSnapshot): RegionIndex {
  let index = regionIndexes.get(snapshot);
  if (!index) {
    const column = globalColumn(snapshot, 'region');
    const names = regionNames(snapshot);
    const byLevel: Record<RegionLevel, number[]> = { province: [], city: [], county: [] };
    column.strings.forEach((code, id) => byLevel[regionLevel(code)].push(id));
    index = {
      column,
      names: column.strings.map((code) => names.name(code) ?? code),
      ids: { province: Int32Array.from(byLevel.province), city: Int32Array.from(byLevel.city), county: Int32Array.from(byLevel.county) },
    };
    regionIndexes.set(snapshot, index);
  }
  return index;
}

/** Month ids in chronological order, and their years (as the facet writes them: the first 4 characters of `YYYY-MM`). */
interface MonthIndex {
  /** Month ids in ascending order of their `YYYY-MM`. */
  order: Int32Array;
  /** Distinct years, ascending. */
  years: string[];
  /** Per month id, its index in `years`. */
  yearOf: Int32Array;
  /** Per month id, its year as a number (for the date filter's span). */
  yearNumber: Float64Array;
}

const monthIndexes = new WeakMap<IndexSnapshot, MonthIndex>();

function monthIndex(snapshot: IndexSnapshot): MonthIndex {
  let index = monthIndexes.get(snapshot);
  if (!index) {
    const strings = globalColumn(snapshot, 'month').strings;
    const order = Int32Array.from(strings.keys()).sort((a, b) => cmp(strings[a], strings[b]));
    const years = [...new Set(strings.map((m) => m.slice(0, 4)))].sort(cmp);
    const yearIds = new Map(years.map((y, i) => [y, i]));
    index = {
      order,
      years,
      yearOf: Int32Array.from(strings, (m) => yearIds.get(m.slice(0, 4))!),
      yearNumber: Float64Array.from(strings, (m) => Number(m.slice(0, 4))),
    };
    monthIndexes.set(snapshot, index);
  }
  return index;
}

/** Which region codes of its level a region facet lists: those under the chosen higher levels (null: all). */
/**
 * The region codes a region facet lists under the filters' hierarchy (header): prefectures of the
 * chosen provinces, counties of the chosen prefectures (or provinces); null: all.
 */
export function regionScope(facet: RegionLevel, filters: Pick<CompiledFilters, 'regionCodes'>): Keep | null {
  const prefixes = (level: RegionLevel, digits: number): string[] | null => {
    const codes = filters.regionCodes.get(level);
    return codes ? [...codes].map((c) => c.slice(0, digits)) : null;
  };
  const within = facet === 'province' ? null : facet === 'city' ? prefixes('province', 2) : (prefixes('city', 4) ?? prefixes('province', 2));
  return within && ((code) => within.some((p) => code.startsWith(p)));
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

/** Code -> count of one region pass, for the codes of `level` with a count. */
function levelCounts(snapshot: IndexSnapshot, counted: ColumnCounts, level: RegionLevel): Map<string, number> {
  const { column, ids } = regionIndex(snapshot);
  const m = new Map<string, number>();
  for (const id of ids[level]) if (counted.counts[id] > 0) m.set(column.strings[id], counted.counts[id]);
  return m;
}

/** The region tree of the header; the total is the number of provinces with a count. */
export function regionTree(counted: (level: RegionLevel) => Map<string, number>, names: RegionNames, filters: Pick<CompiledFilters, 'regionCodes'>, size: number): [FacetValue[], number] {
  const provinces = counted('province');
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
  // Prefectures and counties are only looked at under an open province.
  const cities = openProvinces.size ? counted('city') : new Map<string, number>();
  const counties = openProvinces.size ? counted('county') : new Map<string, number>();
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
function regionSearch(counted: (level: RegionLevel) => Map<string, number>, names: RegionNames, size: number, match: Keep): [FacetValue[], number] {
  const all = new Map<string, number>();
  for (const level of ['province', 'city', 'county'] as const) for (const [code, n] of counted(level)) if (match(code)) all.set(code, n);
  return ranked(all, size, () => false, (code, count) => ({ value: names.name(code) ?? code, code, level: regionLevel(code), count }));
}

/** The `size` entries of `counts` with the highest counts (then by value, code), plus any `pinned`; and how many there are. */
function ranked(counts: Map<string, number>, size: number, pinned: Keep, describe: (code: string, count: number) => FacetValue): [FacetValue[], number] {
  const all = [...counts].map(([code, n]) => describe(code, n));
  all.sort(byCount);
  return [all.filter((v, i) => i < size || pinned(v.code!)), all.length];
}

const byCount = (a: FacetValue, b: FacetValue) => b.count - a.count || cmp(a.value, b.value) || cmp(a.code ?? '', b.code ?? '');

/** The years a date range touches (all years when there is none). */
function yearSpan(range: readonly [number, number] | null): [number, number] {
  if (!range) return [-Infinity, Infinity];
  const year = (day: number) => (Number.isFinite(day) ? new Date(day * 86_400_000).getUTCFullYear() : day);
  return [year(range[0]), year(range[1])];
}

/** Scratch of {@link top}: the counts of the kept values (a search is synchronous). */
let keptCounts = new Int32Array(1024);

/**
 * The `size` values (ids among `ids`, or all ids of `counts`) with a count that `keep` accepts,
 * with the highest counts, then by value (then code); and how many `keep` accepts.
 */
function top(counts: Int32Array, ids: Int32Array | null, size: number, keep: ((id: number) => boolean) | null, describe: (id: number, count: number) => FacetValue): [FacetValue[], number] {
  const n = ids ? ids.length : counts.length;
  if (keptCounts.length < n) keptCounts = new Int32Array(n);
  let total = 0;
  for (let j = 0; j < n; j++) {
    const id = ids ? ids[j] : j;
    if (counts[id] === 0 || (keep && !keep(id))) continue;
    keptCounts[total++] = counts[id];
  }
  // Only values that can make the cut (count at least the size-th highest) are described and
  // fully ordered: ties at the cut are decided by the described value.
  const whole = !(Number.isInteger(size) && size >= 1);
  const cut = !whole && total > size ? kthHighest(keptCounts, total, size) : 0;
  const kept: FacetValue[] = [];
  for (let j = 0; j < n; j++) {
    const id = ids ? ids[j] : j;
    const c = counts[id];
    if (c === 0 || c < cut || (keep && !keep(id))) continue;
    kept.push(describe(id, c));
  }
  return [kept.sort(byCount).slice(0, size), total];
}

/** The k-th highest of `values[0 .. n)` (1 <= k < n); reorders them. */
function kthHighest(values: Int32Array, n: number, k: number): number {
  if (k > 32) return values.subarray(0, n).sort()[n - k];
  // The k highest, descending, by insertion (k is small: a facet's size).
  const best = new Int32Array(k);
  let len = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (len === k && v <= best[k - 1]) continue;
    let j = len < k ? len++ : k - 1;
    while (j > 0 && best[j - 1] < v) {
      best[j] = best[j - 1];
      j--;
    }
    best[j] = v;
  }
  return best[k - 1];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Facets on the cluster: the GROUP BY statements each facet needs (every filter but its own, for
 * multi-select), and the facet lists built from their rows as the embedded engine lists them
 * (search/facets.ts: by count then value, months within the date filter's years, undated years
 * last, prefectures and counties under the chosen regions, the `region` tree by its own code).
 *
 * Owns: facet statements and lists. Must not: send statements or filter documents.
 */
import { regionByCode } from '../../analysis/regions.js';
import { regionScope, regionTree, UNDATED, type FacetName, type Facets, type FacetTotals, type FacetValue } from '../../search/facets.js';
import type { ResolvedFilters } from '../../search/filters.js';
import { regionLevel, type RegionLevel, type RegionNames } from '../../search/region-names.js';
import type { Row } from './meta.js';
import type { NameTable } from './names.js';

/**
 * Sphinx's max_matches bounds a GROUP BY's groups (and its total_found), and costs in proportion
 * to it (measured: 100,000 took 300 ms a statement, 1,000 took 4 ms): each facet asks for room for
 * every value its attribute can have.
 */
const GROUPS: Record<string, number> = { province: 64, city: 512, county: 4096, year: 256, month: 2048 };

/** A GROUP BY of a facet: the attribute, and the filter it leaves out. */
export interface FacetGroup {
  attr: 'province' | 'city' | 'county' | 'year' | 'month' | 'source' | 'library';
  /** The key of the condition left out (FilterConditions of searcher.ts). */
  own: 'province' | 'city' | 'county' | 'date' | 'source' | 'library';
}

const LEVELS: readonly RegionLevel[] = ['province', 'city', 'county'];

/** The GROUP BYs of each facet (`region`: one per level, each without its own level's filter). */
export const FACET_GROUPS: Record<FacetName, readonly FacetGroup[]> = {
  province: [{ attr: 'province', own: 'province' }],
  city: [{ attr: 'city', own: 'city' }],
  county: [{ attr: 'county', own: 'county' }],
  region: LEVELS.map((l) => ({ attr: l, own: l })),
  year: [{ attr: 'year', own: 'date' }],
  month: [{ attr: 'month', own: 'date' }],
  source: [{ attr: 'source', own: 'source' }],
  library: [{ attr: 'library', own: 'library' }],
};

/** The statement counting `group`'s values among the documents of `where` (`retry`: the OPTION of every statement). */
export function facetStatement(group: FacetGroup, where: string, names: NameTable, retry: string): string {
  const room = GROUPS[group.attr] ?? names.size(group.attr as 'source' | 'library') + 16;
  return `SELECT GROUPBY() AS v, COUNT(*) AS c FROM dist WHERE ${where} GROUP BY ${group.attr} ORDER BY c DESC LIMIT ${room} OPTION max_matches=${room}, ${retry}`;
}

/** Value -> count from a GROUP BY's rows (documents without a value, group 0, left out). */
function countsOf(rows: Row[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of rows) {
    const v = Number(r.v);
    if (Number.isFinite(v)) out.set(v, Number(r.c));
  }
  return out;
}

const byCount = (a: FacetValue, b: FacetValue) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/**
 * The facet lists of `facets` from their GROUP BY rows (`rows[i]`: one row set per group of
 * FACET_GROUPS[facets[i]]), at most `size` values each (years and months: all).
 */
export function facetLists(facets: readonly FacetName[], rows: Row[][][], size: number, filters: ResolvedFilters, names: NameTable, regionNames: RegionNames): { facets: Facets; totals: FacetTotals } {
  const out: Facets = {};
  const totals: FacetTotals = {};
  // Months are listed for the years the date filter spans (facets.ts), counted without it.
  const range = filters.dateRange;
  const yearOf = (day: number) => (Number.isFinite(day) ? new Date(day * 86_400_000).getUTCFullYear() : day);
  const [firstYear, lastYear] = range ? [yearOf(range[0]), yearOf(range[1])] : [-Infinity, Infinity];
  const regionCodes = { regionCodes: filters.regions };
  facets.forEach((name, i) => {
    if (name === 'region') {
      const levels = new Map(LEVELS.map((l, k) => [l, rows[i][k]]));
      const counted = (level: RegionLevel) => {
        const m = new Map<string, number>();
        for (const [v, n] of countsOf(levels.get(level) ?? [])) if (v !== 0) m.set(String(v).padStart(6, '0'), n);
        return m;
      };
      [out.region, totals.region] = regionTree(counted, regionNames, regionCodes, size);
      return;
    }
    const counts = countsOf(rows[i][0]);
    const values: FacetValue[] = [];
    if (name === 'year' || name === 'month') {
      let undated = 0;
      for (const [v, count] of counts) {
        if (v === 0) undated += count;
        else if (name === 'year') values.push({ value: String(v), count });
        else if (Math.floor(v / 100) >= firstYear && Math.floor(v / 100) <= lastYear) values.push({ value: `${String(v).slice(0, 4)}-${String(v).slice(4)}`, count });
      }
      values.sort((a, b) => (a.value < b.value ? -1 : 1));
      if (name === 'year' && undated) values.push({ value: UNDATED, count: undated });
      out[name] = values;
      totals[name] = values.length;
      return;
    }
    for (const [v, count] of counts) {
      if (v === 0) continue;
      if (name === 'source' || name === 'library') {
        const label = names.nameOf(name, v);
        if (label) values.push({ value: label, count });
        continue;
      }
      const code = String(v).padStart(6, '0');
      const level = regionLevel(code);
      // Prefectures of the chosen provinces, counties of the chosen prefectures (facets.ts).
      const scope = regionScope(level, regionCodes);
      if (scope && !scope(code)) continue;
      const r = regionByCode(code);
      const label = r ? (level === 'province' ? r.province : level === 'city' ? r.city : r.county) : code;
      values.push({ value: label ?? code, code, count });
    }
    values.sort(byCount);
    out[name] = values.slice(0, size);
    totals[name] = values.length;
  });
  return { facets: out, totals };
}

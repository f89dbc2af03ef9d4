/**
 * Brute-force reference for the server tests: matching, filtering and facet counting done the
 * slow, obvious way over every stored document, independently of the engine's columns.
 */
import { isSearchable, normalize } from '../../src/analysis/normalize.js';
import type { SearchIndex, StoredDocument } from '../../src/index.js';

export interface Filters {
  province?: string[];
  city?: string[];
  county?: string[];
  from?: string;
  to?: string;
  source?: string[];
  library?: string[];
  undated?: 'only' | 'exclude';
}

/** Every stored document. */
export function allDocuments(index: SearchIndex): StoredDocument[] {
  const { hits } = index.search('', { size: 100_000, collapse: false });
  return hits.map((h) => index.get(h.id)!);
}

/** A document's story key: the original of its duplicate group, or itself. */
export const storyKey = (d: StoredDocument): string => (d.duplicateOf && d.duplicateOf !== d.id ? d.duplicateOf : d.id);

/** Distinct stories among `docs`. */
export const storyCount = (docs: StoredDocument[]): number => new Set(docs.map(storyKey)).size;

const searchable = (text: string) => [...normalize(text).text].filter((c) => isSearchable(c.codePointAt(0)!)).join('');

/** Documents whose title, content or tags contain every one of `words` (as characters). */
export function matching(docs: StoredDocument[], words: string[]): StoredDocument[] {
  const wanted = words.map(searchable);
  return docs.filter((d) => {
    const text = [d.title ?? '', d.content, ...(d.tags ?? [])].map(searchable);
    return wanted.every((w) => text.some((t) => t.includes(w)));
  });
}

const firstDay = (v: string) => (v.length === 4 ? `${v}-01-01` : v.length === 7 ? `${v}-01` : v);
const lastDay = (v: string) => (v.length === 4 ? `${v}-12-31` : v.length === 7 ? `${v}-31` : v);

type Key = 'province' | 'city' | 'county' | 'date' | 'source' | 'library';

/** Does `d` pass every filter but `except`? Region values match official names by prefix, or codes. */
export function passes(d: StoredDocument, f: Filters, except?: Key): boolean {
  const regions = d.regions ?? [];
  const region = (values: string[] | undefined, name: (r: (typeof regions)[number]) => string | undefined, code: (r: (typeof regions)[number]) => string) =>
    !values?.length || regions.some((r) => values.some((v) => (name(r) ?? '\u0000').startsWith(v) || (name(r) !== undefined && code(r) === v)));
  if (except !== 'province' && !region(f.province, (r) => r.province, (r) => `${r.code.slice(0, 2)}0000`)) return false;
  if (except !== 'city' && !region(f.city, (r) => r.city, (r) => `${r.code.slice(0, 4)}00`)) return false;
  if (except !== 'county' && !region(f.county, (r) => r.county, (r) => r.code)) return false;
  if (except !== 'date' && f.undated === 'only' && d.date) return false;
  if (except !== 'date' && f.undated === 'exclude' && !d.date) return false;
  if (except !== 'date' && (f.from || f.to)) {
    if (!d.date) return false;
    if (f.from && d.date < firstDay(f.from)) return false;
    if (f.to && d.date > lastDay(f.to)) return false;
  }
  if (except !== 'source' && f.source?.length && !f.source.includes(d.source ?? '')) return false;
  if (except !== 'library' && f.library?.length && !(d.libraries ?? []).some((l) => f.library!.includes(l))) return false;
  return true;
}

export interface Count {
  value: string;
  code?: string;
  count: number;
}

/** Facet counts by brute force, with the multi-select and hierarchy rules of the API. */
export function expectedFacets(docs: StoredDocument[], f: Filters): Record<string, Count[]> {
  const chosenProvinces = f.province?.length ? provinceCodes(docs, f.province) : null;
  const inChosenProvince = (code: string) => !chosenProvinces || chosenProvinces.some((p) => code.startsWith(p.slice(0, 2)));
  const chosenCities = f.city?.length ? cityCodes(docs, f.city) : null;

  const tally = (key: Key, values: (d: StoredDocument) => Array<[string, string | undefined]>) => {
    const m = new Map<string, Count>();
    for (const d of docs) {
      if (!passes(d, f, key)) continue;
      for (const [value, code] of new Map(values(d).map(([v, c]) => [`${c ?? v}`, [v, c] as const])).values()) {
        const k = code ?? value;
        const c = m.get(k) ?? { value, ...(code ? { code } : {}), count: 0 };
        c.count++;
        m.set(k, c);
      }
    }
    return [...m.values()];
  };
  const years = f.from || f.to ? [Number((f.from ?? '0000').slice(0, 4)), Number((f.to ?? '9999').slice(0, 4))] : null;
  return {
    province: tally('province', (d) => (d.regions ?? []).map((r) => [r.province, `${r.code.slice(0, 2)}0000`])),
    city: tally('city', (d) =>
      (d.regions ?? []).filter((r) => r.city && inChosenProvince(r.code)).map((r) => [r.city!, `${r.code.slice(0, 4)}00`]),
    ),
    county: tally('county', (d) =>
      (d.regions ?? [])
        .filter((r) => r.county && (chosenCities ? chosenCities.some((c) => r.code.startsWith(c.slice(0, 4))) : inChosenProvince(r.code)))
        .map((r) => [r.county!, r.code]),
    ),
    // Undated documents in a last bucket, unless a date filter excludes them.
    year: tally('date', (d) => (d.date ? [[d.date.slice(0, 4), undefined]] : [['undated', undefined]])),
    month: tally('date', (d) =>
      d.date && (!years || (Number(d.date.slice(0, 4)) >= years[0] && Number(d.date.slice(0, 4)) <= years[1])) ? [[d.date.slice(0, 7), undefined]] : [],
    ),
    source: tally('source', (d) => (d.source ? [[d.source, undefined]] : [])),
    library: tally('library', (d) => (d.libraries ?? []).map((l) => [l, undefined])),
  };
}

function provinceCodes(docs: StoredDocument[], values: string[]): string[] {
  const out = new Set<string>();
  for (const d of docs) for (const r of d.regions ?? []) if (values.some((v) => r.province.startsWith(v) || `${r.code.slice(0, 2)}0000` === v)) out.add(`${r.code.slice(0, 2)}0000`);
  return [...out];
}

function cityCodes(docs: StoredDocument[], values: string[]): string[] {
  const out = new Set<string>();
  for (const d of docs) for (const r of d.regions ?? []) if (r.city && values.some((v) => r.city!.startsWith(v) || `${r.code.slice(0, 4)}00` === v)) out.add(`${r.code.slice(0, 4)}00`);
  return [...out];
}

/** As the API orders facet `facet`: year and month chronologically (undated last), the others {@link ordered}. */
export function orderedFacet(facet: string, counts: Count[]): Count[] {
  if (facet !== 'year' && facet !== 'month') return ordered(counts);
  const key = (c: Count) => (c.value === 'undated' ? '\uffff' : c.value);
  return [...counts].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Sorted by count descending, then value, as the API orders them. */
export function ordered(counts: Count[]): Count[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...counts].sort((a, b) => b.count - a.count || cmp(a.value, b.value) || cmp(a.code ?? '', b.code ?? ''));
}

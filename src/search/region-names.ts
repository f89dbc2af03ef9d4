/**
 * Region codes of an index and their official names, for region filters and facets.
 *
 * The `region` keyword column holds GB/T 2260 codes of every level a document names: province
 * `xx0000`, prefecture `xxxx00`, county anything else. Names come from the gazetteer
 * (`regionByCode` in src/ingest/regions.ts, the same table ingestion assigns regions from); a code
 * the gazetteer does not know takes its name from the stored documents' regions. Both the list of
 * codes and the names are cached per snapshot (a snapshot never changes).
 *
 * Owns: code -> level, code -> name, the codes present in a snapshot. Must not: match documents or
 * count them.
 */
import type { IndexSnapshot } from '../index/reader.js';
import { regionByCode } from '../analysis/regions.js';
import { IndexFileError } from '../index/section-file.js';

export type RegionLevel = 'province' | 'city' | 'county';

/** The level of a six-digit code: `xx0000` province, `xxxx00` prefecture, otherwise county. */
export function regionLevel(code: string): RegionLevel {
  if (code.endsWith('0000')) return 'province';
  if (code.endsWith('00')) return 'city';
  return 'county';
}

/** The region codes present in a snapshot and their official names. */
export interface RegionNames {
  /** Every distinct code of the snapshot's region columns, sorted. */
  readonly codes: readonly string[];
  /** Official name of the code at its own level (湖北省, 襄阳市, 随县), or undefined if unknown. */
  name(code: string): string | undefined;
}

const cache = new WeakMap<IndexSnapshot, RegionNames>();

export function regionNames(snapshot: IndexSnapshot): RegionNames {
  let names = cache.get(snapshot);
  if (!names) {
    names = build(snapshot);
    cache.set(snapshot, names);
  }
  return names;
}

function build(snapshot: IndexSnapshot): RegionNames {
  const codes = new Set<string>();
  for (const { segment } of snapshot.segments) {
    const dict = segment.columns.keyword.region.dict;
    for (let i = 0; i < dict.size; i++) codes.add(dict.get(i));
  }
  const byCode = new Map<string, string>();
  const unknown = new Set<string>();
  for (const code of codes) {
    const name = gazetteerName(code);
    if (name) byCode.set(code, name);
    else unknown.add(code);
  }
  if (unknown.size) namesFromDocuments(snapshot, unknown, byCode);
  return { codes: [...codes].sort(), name: (code) => byCode.get(code) ?? gazetteerName(code) };
}

/** The official name of `code` at its own level in the gazetteer, or undefined. */
export function gazetteerName(code: string): string | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const r = regionByCode(code);
  if (!r) return undefined;
  const level = regionLevel(code);
  return level === 'province' ? r.province : level === 'city' ? r.city : r.county;
}

/** Reads stored documents (only those carrying an unknown code) until every unknown code has a name. */
function namesFromDocuments(snapshot: IndexSnapshot, unknown: Set<string>, out: Map<string, string>): void {
  for (const { segment } of snapshot.segments) {
    const { dict, offsets, values } = segment.columns.keyword.region;
    const wanted = new Uint8Array(dict.size);
    let any = false;
    for (let i = 0; i < dict.size; i++) if (unknown.has(dict.get(i))) (wanted[i] = 1), (any = true);
    if (!any) continue;
    for (let doc = 0; doc < segment.docCount && unknown.size; doc++) {
      let carries = false;
      for (let k = offsets[doc]; k < offsets[doc + 1] && !carries; k++) carries = wanted[values[k]] === 1;
      if (!carries) continue;
      let regions;
      try {
        regions = segment.summary(doc).regions ?? [];
      } catch (err) {
        // A damaged stored document (see `zhsearch check`): its codes keep their gazetteer name or none.
        if (err instanceof IndexFileError) continue;
        throw err;
      }
      for (const r of regions) {
        const named: Array<[string, string | undefined]> = [
          [`${r.code.slice(0, 2)}0000`, r.province],
          [`${r.code.slice(0, 4)}00`, r.city],
          [r.code, r.county],
        ];
        for (const [code, name] of named) {
          if (name && unknown.has(code)) {
            out.set(code, name);
            unknown.delete(code);
          }
        }
      }
    }
  }
}

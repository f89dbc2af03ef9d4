/**
 * Per-document columns: the date as a day number, and multi-valued keyword columns (source,
 * region codes, libraries) as ordinals into a sorted per-segment dictionary (CSR layout).
 *
 * Owns: encoding and reading the columns of one segment. Must not: know about queries or facets.
 */
import { KEYWORD_COLUMNS, type KeywordColumn } from './schema.js';
import { encodeStrings, sortStrings, StringTable } from './string-table.js';
import { requireSection, view, type Section } from './section-file.js';

/** Columns added after the segment format was first released: absent in older segments (read as empty). */
const OPTIONAL_COLUMNS: ReadonlySet<KeywordColumn> = new Set(['story']);

/** Collects column values document by document. */
export class ColumnsWriter {
  private readonly dates: number[] = [];
  private readonly values: Record<KeywordColumn, string[][]> = { source: [], region: [], library: [], story: [] };

  add(day: number, keywords: Record<KeywordColumn, string[]>): void {
    this.dates.push(day);
    for (const c of KEYWORD_COLUMNS) this.values[c].push(keywords[c]);
  }

  sections(): Section[] {
    const out: Section[] = [{ name: 'col.date', data: Int32Array.from(this.dates) }];
    for (const c of KEYWORD_COLUMNS) {
      const perDoc = this.values[c];
      const dict = sortStrings([...new Set(perDoc.flat())]);
      const ordinal = new Map(dict.map((v, i) => [v, i]));
      const offsets = new Uint32Array(perDoc.length + 1);
      const vals: number[] = [];
      perDoc.forEach((vs, d) => {
        for (const v of vs) vals.push(ordinal.get(v)!);
        offsets[d + 1] = vals.length;
      });
      const { blob, offsets: dictOffsets } = encodeStrings(dict);
      out.push(
        { name: `col.${c}.dict`, data: blob },
        { name: `col.${c}.doff`, data: dictOffsets },
        { name: `col.${c}.off`, data: offsets },
        { name: `col.${c}.val`, data: Uint32Array.from(vals) },
      );
    }
    return out;
  }
}

/** One keyword column of a segment. */
export interface KeywordColumnData {
  /** Sorted distinct values. */
  dict: StringTable;
  /** `values[offsets[d] .. offsets[d+1])` are the ordinals of document d. */
  offsets: Uint32Array;
  values: Uint32Array;
}

export class Columns {
  readonly date: Int32Array;
  readonly keyword: Record<KeywordColumn, KeywordColumnData>;

  constructor(sections: Map<string, Uint8Array>, file: string) {
    const req = (name: string) => requireSection(sections, file, name);
    this.date = view.i32(req('col.date'));
    const keyword = {} as Record<KeywordColumn, KeywordColumnData>;
    for (const c of KEYWORD_COLUMNS) {
      if (OPTIONAL_COLUMNS.has(c) && !sections.has(`col.${c}.dict`)) {
        // A segment written before the column existed: no document has a value.
        keyword[c] = { dict: new StringTable(new Uint8Array(0), new Uint32Array(1)), offsets: new Uint32Array(this.date.length + 1), values: new Uint32Array(0) };
        continue;
      }
      keyword[c] = {
        dict: new StringTable(req(`col.${c}.dict`), view.u32(req(`col.${c}.doff`))),
        offsets: view.u32(req(`col.${c}.off`)),
        values: view.u32(req(`col.${c}.val`)),
      };
    }
    this.keyword = keyword;
  }
}

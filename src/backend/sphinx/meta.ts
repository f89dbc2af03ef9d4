/**
 * Reading SphinxQL answers: result rows, `SHOW META` (totals, per-keyword document counts, the
 * warnings of agents that did not answer).
 *
 * Owns: the shapes of searchd's answers. Must not: build statements or send them.
 */
import type { RowDataPacket } from 'mysql2/promise';

export type Row = RowDataPacket & Record<string, unknown>;
/** `SHOW META` as variable name -> value. */
export type Meta = Map<string, string>;

export function metaOf(rows: Row[] | undefined): Meta {
  const m: Meta = new Map();
  for (const r of rows ?? []) m.set(String(r.Variable_name), String(r.Value));
  return m;
}

/** The matches a statement found (`total_found`), 0 when absent. */
export function totalFound(rows: Row[] | undefined): number {
  return Number(metaOf(rows).get('total_found') ?? 0);
}

/** Keyword -> documents over the cluster, from SHOW META's keyword[i] / docs[i]. */
export function keywordCounts(meta: Meta): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of meta) {
    const i = /^keyword\[(\d+)\]$/.exec(k);
    if (i) out.set(v, Number(meta.get(`docs[${i[1]}]`) ?? 0));
  }
  return out;
}

/** The front's warnings about shards that did not answer: how many distinct agents. */
export function failedShards(meta: Meta): number {
  const warning = meta.get('warning') ?? '';
  return new Set([...warning.matchAll(/agent ([^\s:]+:\d+)/g)].map((m) => m[1])).size;
}

/**
 * A document as the cluster stores it: zhsearch's analysis of each field written as keyword
 * tokens, and the attributes filters, facets, sorting and hits need.
 *
 * Tokens: per field (title `t`, content `c`, tags `g`) and kind, a two-letter prefix and `_`:
 *  - `tw_图书馆`: a jieba word (repeats kept: their count is the term frequency);
 *  - `tg_图书`: the bigram of searchable characters at each position, in order, so a phrase of
 *    consecutive bigrams matches exactly where the characters occur consecutively (the no-miss
 *    guarantee of the embedded index, by Sphinx's phrase operator);
 *  - `tu_图`: each searchable character (single-character queries).
 * The prefix makes a keyword field-specific, so Sphinx's per-keyword statistics (documents,
 * frequency, IDF) are per field, as the embedded index's postings are. Characters Sphinx cannot
 * hold in a keyword (beyond U+2FFFF) are written as `U+` and their hex code.
 *
 * Ids: Sphinx's document id is a 63-bit hash of the external id (FNV-1a, never 0); the shard is
 * the 32-bit FNV-1a hash of the external id modulo the shard count. Source and library names are
 * 32-bit ids of the cluster's name table (names.ts).
 *
 * Owns: the document -> row mapping. Must not: write files or talk to searchd.
 */
import { Analyzer } from '../../analysis/analyzer.js';
import type { DocumentInput } from '../../document.js';
import { fieldTexts, keywordValues, type FieldName } from '../../index/schema.js';
import type { SphinxField } from './conf.js';
import { fnv1a32, hash63 } from './hash.js';

export const FIELD_PREFIX: Record<FieldName, string> = { title: 't', content: 'c', tags: 'g' };
export type TokenKind = 'w' | 'g' | 'u';

/** The Sphinx field holding `field`'s tokens of `kind`. */
export const sphinxField = (field: FieldName, kind: TokenKind): SphinxField => `${field}_${kind}` as SphinxField;

/** A character as a keyword can hold it. */
function charText(code: number): string {
  return code > 0x2ffff ? `U+${code.toString(16)}` : String.fromCodePoint(code);
}

/** The keyword of a token of `field` and `kind` (text: a word, or characters as code points). */
export function keyword(field: FieldName, kind: TokenKind, text: string): string {
  let out = `${FIELD_PREFIX[field]}${kind}_`;
  for (const ch of text) out += charText(ch.codePointAt(0)!);
  return out;
}

/** The shard of the document with external id `id`. */
export function shardOf(id: string, shards: number): number {
  return fnv1a32(id) % shards;
}

export interface SphinxRow {
  /** Sphinx document id (decimal). */
  sid: string;
  shard: number;
  fields: Record<SphinxField, string>;
  attrs: {
    deleted: number;
    day: number;
    month: number;
    year: number;
    province: number[];
    city: number[];
    county: number[];
    source: number;
    library: number[];
    story: string;
    shared: number;
    title_len: number;
    content_len: number;
    tags_len: number;
    xid: string;
    doc: string;
  };
}

/** Ids of names (sources, libraries): stable once given (names.ts keeps them). */
export interface NameIds {
  idOf(kind: 'source' | 'library', name: string): number;
}

/** A document's full-text fields as keyword tokens, and each field's length in words. */
export interface AnalyzedFields {
  fields: Record<SphinxField, string>;
  lengths: Record<FieldName, number>;
}

/** The keyword tokens of `doc`'s fields (the expensive part of a row: jieba; done on analysis threads by loads). */
export function analyzeFields(doc: DocumentInput, analyzer: Analyzer): AnalyzedFields {
  const texts = fieldTexts(doc);
  const fields = {} as Record<SphinxField, string>;
  const lengths = {} as Record<FieldName, number>;
  for (const f of ['title', 'content', 'tags'] as const) {
    const { words, chars } = analyzer.analyzeField(texts[f]);
    lengths[f] = words.length;
    const p = FIELD_PREFIX[f];
    const w = words.map((x) => keyword(f, 'w', x));
    const cs = chars.map(charText);
    const g: string[] = [];
    for (let i = 0; i + 1 < cs.length; i++) g.push(`${p}g_${cs[i]}${cs[i + 1]}`);
    const u = cs.map((c) => `${p}u_${c}`);
    fields[sphinxField(f, 'w')] = w.join(' ');
    fields[sphinxField(f, 'g')] = g.join(' ');
    fields[sphinxField(f, 'u')] = u.join(' ');
  }
  return { fields, lengths };
}

/** The row of `doc` in a cluster of `shards` shards. */
export function toRow(doc: DocumentInput, analyzer: Analyzer, shards: number, names: NameIds): SphinxRow {
  return rowOf(doc, analyzeFields(doc, analyzer), shards, names);
}

/** The row of `doc` whose fields are `analyzed`. */
export function rowOf(doc: DocumentInput, analyzed: AnalyzedFields, shards: number, names: NameIds): SphinxRow {
  const { fields, lengths } = analyzed;
  const kv = keywordValues(doc);
  const level = (suffix: (code: string) => boolean) => kv.region.filter(suffix).map(Number);
  const m = doc.date ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(doc.date) : null;
  return {
    sid: hash63(doc.id),
    shard: shardOf(doc.id, shards),
    fields,
    attrs: {
      deleted: 0,
      day: m ? Number(m[1] + m[2] + m[3]) : 0,
      month: m ? Number(m[1] + m[2]) : 0,
      year: m ? Number(m[1]) : 0,
      province: level((c) => c.endsWith('0000')),
      city: level((c) => c.endsWith('00') && !c.endsWith('0000')),
      county: level((c) => !c.endsWith('00')),
      source: doc.source ? names.idOf('source', doc.source) : 0,
      library: kv.library.map((l) => names.idOf('library', l)),
      story: hash63(kv.story[0] ?? doc.id),
      // A copy shares its original's key; an original learns it has copies when one is loaded (load.ts).
      shared: kv.story.length ? 1 : 0,
      title_len: lengths.title,
      content_len: lengths.content,
      tags_len: lengths.tags,
      xid: doc.id,
      doc: JSON.stringify(doc),
    },
  };
}

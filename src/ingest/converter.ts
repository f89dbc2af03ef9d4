/**
 * The default converter: JSON records and scraped pages -> documents.
 *
 * Owns: choosing the extraction for each kind of raw input. Must not: read files or write the index.
 */
import type { DocumentInput } from '../document.js';
import type { Converted, Converter, FieldMapping } from './pipeline.js';
import type { RawInput } from './readers.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** Normalizes the date forms records use (2023-06-21, 2023/6/21, 20230621, with a time) to YYYY-MM-DD. */
export function normalizeRecordDate(value: unknown): string | undefined {
  const s = str(value)?.trim();
  if (!s) return undefined;
  const m = /^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?(?:[ T].*)?$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return undefined;
  return t.toISOString().slice(0, 10);
}

export class DefaultConverter implements Converter {
  constructor(private readonly mapping: FieldMapping = {}) {}

  convert(input: RawInput): Converted {
    if (input.kind === 'problem') return { ok: false, rejection: { origin: input.origin, reason: input.reason, message: input.message } };
    if (input.kind === 'record') return this.record(input.record, input.origin);
    const text = input.bytes.toString('utf8');
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (!lines.length) return { ok: false, rejection: { origin: input.origin, reason: 'empty', message: 'empty page' } };
    return { ok: true, doc: { id: input.origin, title: lines[0], content: lines.slice(1).join('\n') } };
  }

  private record(record: Record<string, unknown>, origin: string): Converted {
    const m = this.mapping;
    const get = (field: keyof FieldMapping, ...fallbacks: string[]) => {
      if (m[field]) return record[m[field]!];
      for (const f of [field, ...fallbacks]) if (record[f] !== undefined) return record[f];
      return undefined;
    };
    const id = str(get('id'));
    if (!id || !id.trim()) return { ok: false, rejection: { origin, reason: 'bad_record', message: `record has no id${m.id ? ` (field ${m.id})` : ''}` } };
    const content = str(get('content', 'body', 'text')) ?? '';
    const title = str(get('title')) ?? '';
    if (!content.trim() && !title.trim()) return { ok: false, rejection: { origin, id, reason: 'empty', message: 'record has no title and no content' } };
    const tagsValue = get('tags');
    const tags = Array.isArray(tagsValue) ? tagsValue.map(str).filter((t): t is string => !!t) : str(tagsValue) ? [str(tagsValue)!] : undefined;
    const used = new Set<string>(['id', 'title', 'content', 'body', 'text', 'date', 'url', 'source', 'author', 'tags', ...Object.values(m)]);
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) if (!used.has(k)) extra[k] = v;
    const doc: DocumentInput = {
      id,
      title,
      content,
      tags,
      date: normalizeRecordDate(get('date')),
      url: str(get('url')),
      source: str(get('source')),
      author: str(get('author')),
      extra: Object.keys(extra).length ? extra : undefined,
    };
    return { ok: true, doc };
  }
}

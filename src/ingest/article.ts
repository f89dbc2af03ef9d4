/**
 * Entry points of ingestion: one raw page (text or HTML) or one structured record -> one clean
 * `DocumentInput`, or a typed rejection.
 *
 * Owns: the order of the steps (decode checks, HTML to text, cleaning, too-short check, date,
 * attribution, then enrichment: regions, libraries, date from the lead, shared with
 * `SearchIndex.add()` through enrich.ts), the field mapping of records and the `extra` fields.
 * Must not: read files, walk directories, parse JSONL lines (readers.ts does), keep state
 * across documents (duplicates are decided by a `DuplicateDetector` the caller owns; see
 * `checkDuplicate`), or touch the index.
 */
import type { DocumentInput } from '../document.js';
import { isSearchable, stripPinyinArtifacts } from '../analysis/normalize.js';
import { cleanPage, cleanRecordText } from './clean.js';
import { findPublicationDate, normalizeDate } from './date.js';
import { checkText, replacementWarning } from './decode.js';
import type { DuplicateDetector } from './dedupe.js';
import { htmlTitle, htmlToText } from './html.js';
import { enrichDocument } from './enrich.js';
import { findAttribution, type Attribution } from './source.js';
import { MAX_DOCUMENT_CHARS, MIN_BODY_CHARS, reject, type Rejection } from './types.js';

export type { RejectReason, Rejection } from './types.js';
export { placesOf } from './enrich.js';

export interface ArticleInput {
  text: string;
  id: string;
  kind: 'txt' | 'html';
}

export interface Extracted {
  ok: true;
  doc: DocumentInput;
  /** Text left out of the document (navigation, credits, related lists, footers...). */
  removed: string[];
  /** Problems the document is kept despite (a few U+FFFD characters). */
  warnings?: string[];
}

export type ExtractResult = Extracted | Rejection;

/** Number of searchable characters (CJK, letters, digits) in `text`. */
export function searchableLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80 ? (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) : c >= 0x4e00 && c <= 0x9fff ? true : isSearchable(c)) n++;
  }
  return n;
}

/**
 * Turns one scraped page into a document.
 * Rejections: `empty` (no text), `binary` / `undecodable` (control characters, NUL, mostly U+FFFD;
 * a few are kept, with a warning),
 * `too_short` (cleaned body under {@link MIN_BODY_CHARS} searchable characters), `too_large`
 * (text over {@link MAX_DOCUMENT_CHARS} characters).
 */
export function extractArticle(input: ArticleInput): ExtractResult {
  const bad = checkText(input.text ?? '');
  if (bad) return bad;
  // HTML is measured by its text (markup is not stored); the cut is checked again below.
  if (input.kind === 'txt' && input.text.length > MAX_DOCUMENT_CHARS) return tooLarge(input.text.length);

  let text = input.text;
  let titleHint: string | undefined;
  let meta: { dates: string[]; url?: string; siteName?: string; author?: string; source?: string } = { dates: [] };
  if (input.kind === 'html') {
    const h = htmlToText(text);
    text = h.text;
    titleHint = htmlTitle(h.hints);
    meta = h.hints;
    if (text.trim() === '') return reject('empty', 'HTML page without text');
    if (text.length > MAX_DOCUMENT_CHARS) return tooLarge(text.length);
  }

  const c = cleanPage(text, { titleHint });
  const bodyChars = searchableLength(c.body);
  if (bodyChars < MIN_BODY_CHARS) {
    return reject('too_short', `article body has ${bodyChars} searchable characters (minimum ${MIN_BODY_CHARS})`);
  }

  const date = findPublicationDate({ meta: meta.dates, header: c.header, title: c.title, body: c.body, neighbours: c.neighbours });
  const attribution = findAttribution({
    header: c.header,
    credits: c.credits,
    tail: c.tail,
    siteName: c.siteName,
    meta: { url: meta.url, siteName: meta.siteName, author: meta.author, source: meta.source },
  });
  let doc: DocumentInput = { id: input.id, content: c.body };
  if (c.title) doc.title = c.title;
  if (date) doc.date = date;
  if (attribution.url) doc.url = attribution.url;
  if (attribution.source) doc.source = attribution.source;
  if (attribution.author) doc.author = attribution.author;
  // The date was looked for in the whole page already; the header may complete library names.
  doc = enrichDocument(doc, { dateFromContent: false, context: c.header.join('\n') });
  const warning = replacementWarning(input.text);
  return { ok: true, doc, removed: c.removed, ...(warning ? { warnings: [warning] } : {}) };
}

function tooLarge(chars: number, what = 'text'): Rejection {
  return reject('too_large', `${what} has ${chars.toLocaleString('en')} characters; a document may have at most ${MAX_DOCUMENT_CHARS.toLocaleString('en')}`);
}

/**
 * Which record fields hold which document field. Each entry is a field name or a list of
 * names tried in order. Unmapped document fields use the defaults of {@link DEFAULT_MAPPING}.
 */
export type FieldMapping = Partial<Record<'id' | 'title' | 'content' | 'date' | 'url' | 'source' | 'tags' | 'author', string | string[]>>;

export const DEFAULT_MAPPING: Required<{ [K in keyof FieldMapping]: string[] }> = {
  id: ['id', 'docid', 'doc_id', '_id'],
  title: ['title'],
  content: ['content', 'body', 'text'],
  date: ['date', 'pubdate', 'publish_date', 'published', 'published_at'],
  url: ['url', 'link'],
  source: ['source'],
  tags: ['tags', 'keywords'],
  author: ['author'],
};

function pick(record: Record<string, unknown>, names: string[], used: Set<string>): unknown {
  for (const name of names) {
    const v = record[name];
    if (v === undefined || v === null || v === '') continue;
    used.add(name);
    return v;
  }
  return undefined;
}

function asText(v: unknown): string | undefined {
  if (typeof v === 'string') {
    const t = v.trim();
    return t ? t : undefined;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function asTags(v: unknown): string[] | undefined {
  let tags: string[] = [];
  if (Array.isArray(v)) tags = v.map(asText).filter((x): x is string => !!x);
  else if (typeof v === 'string') tags = v.split(/[,，;；|、\s]+/).map((x) => x.trim()).filter(Boolean);
  return tags.length ? [...new Set(tags)] : undefined;
}

/**
 * Turns one structured record (a parsed JSONL line) into a document. Content is cleaned lightly
 * (no title guessing or cut points: the record is already the article) but still gets regions
 * and libraries. The date is normalized to `YYYY-MM-DD` (`20120702`, `2012-07-02 19:06:13`,
 * epoch numbers...); without a usable date field the lead of the content may give a full date.
 * Fields not mapped to a document field are kept in `extra` as they are.
 * Rejections: `bad_record` (no id and no `fallbackId`, or content that is not text), `empty`
 * (neither title nor content), `binary` / `undecodable`, `too_large` (content over
 * {@link MAX_DOCUMENT_CHARS} characters). A record is not rejected as too short:
 * records are articles as they are (a title-only video item is a real, searchable item).
 */
export function fromRecord(record: Record<string, unknown>, mapping: FieldMapping = {}, opts: { fallbackId?: string } = {}): ExtractResult {
  const used = new Set<string>();
  const names = (k: keyof FieldMapping): string[] => {
    const m = mapping[k];
    return m === undefined ? DEFAULT_MAPPING[k] : Array.isArray(m) ? m : [m];
  };
  const id = asText(pick(record, names('id'), used)) ?? opts.fallbackId;
  if (!id) return reject('bad_record', `record has no id (looked for ${names('id').join(', ')})`);
  const rawContent = pick(record, names('content'), used) ?? '';
  const title = asText(pick(record, names('title'), used));
  if (typeof rawContent !== 'string') return reject('bad_record', `record ${id}: content is not text`);
  const chars = rawContent.length + (title?.length ?? 0);
  if (chars > MAX_DOCUMENT_CHARS) {
    const r = tooLarge(chars, 'title and content');
    return { ...r, message: `record ${id}: ${r.message}` };
  }
  // A clean record is an article as it is: one with a title but no body (a video page) is kept.
  if (rawContent.trim() === '' && !title?.trim()) return reject('empty', `record ${id} has no title and no content`);
  const bad = rawContent ? checkText(rawContent) : undefined;
  if (bad) return { ...bad, message: `record ${id}: ${bad.message}` };

  const cleaned = cleanRecordText(rawContent);
  const rawDate = pick(record, names('date'), used);
  const date = normalizeDate(rawDate);
  const url = asText(pick(record, names('url'), used));
  const source = asText(pick(record, names('source'), used));
  const author = asText(pick(record, names('author'), used));
  const tags = asTags(pick(record, names('tags'), used));

  const cleanTitle = title ? stripPinyinArtifacts(title).replace(/\s+/g, ' ').trim() : undefined;
  const attribution: Attribution = source && author ? {} : findAttribution({ credits: cleaned.credits });

  let doc: DocumentInput = { id, content: cleaned.body };
  if (cleanTitle) doc.title = cleanTitle;
  if (tags) doc.tags = tags;
  if (date) doc.date = date;
  if (url) doc.url = url;
  const src = source ?? attribution.source;
  if (src) doc.source = src;
  const au = author ?? attribution.author;
  if (au) doc.author = au;
  // Regions, libraries, and a date from the lead of the content when the record has none.
  doc = enrichDocument(doc);
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (!used.has(k)) extra[k] = v;
  if (Object.keys(extra).length) doc.extra = extra;
  const warning = replacementWarning(`${title ?? ''}${rawContent}`);
  return { ok: true, doc, removed: cleaned.removed, ...(warning ? { warnings: [warning] } : {}) };
}

/**
 * Runs a document through a batch's duplicate detector: a `duplicate` result naming the earlier
 * document (`duplicateOf`, `similarity`), or undefined when the document is new (it is then
 * remembered). The ingestion keeps duplicates, with `duplicateOf` set (article-converter.ts).
 */
export function checkDuplicate(detector: DuplicateDetector, doc: DocumentInput): Rejection | undefined {
  // A body this short (or none: title-only records) says nothing about being the same story.
  if (searchableLength(doc.content) < MIN_BODY_CHARS) return undefined;
  const r = detector.check(doc.id, doc.content, doc.title);
  if (!r.duplicateOf) return undefined;
  const how = r.exact ? 'same body as' : `near duplicate (similarity ${r.similarity!.toFixed(3)}) of`;
  return reject('duplicate', `${doc.id}: ${how} ${r.duplicateOf}`, { duplicateOf: r.duplicateOf, similarity: r.similarity });
}

/**
 * Teaches `detector` the originals among `docs` (documents already indexed; those naming another
 * document in `duplicateOf` are copies and skipped), so that later copies of them are grouped.
 * Returns how many documents it read.
 */
export function seedDetector(detector: DuplicateDetector, docs: Iterable<DocumentInput>): number {
  let seeded = 0;
  for (const doc of docs) {
    if (doc.duplicateOf && doc.duplicateOf !== doc.id) continue;
    checkDuplicate(detector, doc);
    seeded++;
  }
  return seeded;
}

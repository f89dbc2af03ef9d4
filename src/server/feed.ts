/**
 * The Atom 1.0 feed of a search (RFC 4287): `GET /api/feed.atom?<the parameters of /api/search>`,
 * so a librarian can follow a search (图书馆 + 湖北省) in any feed reader.
 *
 * The feed lists the search's newest matching articles first (sort is always date_desc; undated
 * articles after the dated ones), the first `size` (default {@link FEED_DEFAULT_SIZE}, at most 100;
 * `page` is ignored, as are facets and explain). Feed: title saying the search in Chinese, a stable id of the search (`urn:zhsearch:search:<hash>`
 * of its query, operator, literal and filters), updated = the newest entry's date (the index's
 * commit time when no entry is dated), links to itself and to the search page with the same search
 * (sorted newest first). Entry: id `urn:zhsearch:doc:<percent-encoded id>`, title, a link to the
 * article's URL (an http(s) one) or else to the page's article view (`/?doc=<id>&<search>`),
 * published and updated = its date at 00:00 China time (+08:00; undated: no published, updated =
 * the index's commit time), author = source and author, summary = the snippet as plain text, a
 * category per region (term = GB/T 2260 code, label = 湖北省/襄阳市, scheme urn:zhsearch:region) and
 * per library (scheme urn:zhsearch:library).
 *
 * Text is escaped for XML, and characters XML 1.0 forbids (control characters, lone surrogates,
 * U+FFFE/U+FFFF) are dropped. Bad parameters are the 400s of /api/search; the ETag is the search's
 * (index version and URL, plus the Host, which the feed's absolute links depend on).
 *
 * Owns: the feed's parameters and its Atom serialization. Must not: validate by hand (schemas.ts)
 * or search except through the lanes.
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { SearchHit } from '../index.js';
import { DEFAULT_SEARCH_TIMEOUT_MS, notModified, parse, searchOptionsOf, type CacheKey, type SearchSessions } from './api.js';
import { searchParams, type SearchParams } from './schemas.js';

/** Entries of a feed without `size`. */
export const FEED_DEFAULT_SIZE = 20;

/** The filter parameters, in the order the feed's title names them. */
const FILTER_KEYS = ['province', 'city', 'county', 'source', 'library'] as const;


/** Characters XML 1.0 allows: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF (anything else, lone surrogates included, is dropped). */
const NOT_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** `text` as XML character data. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `text` as a double-quoted XML attribute value (whitespace characters kept as references, not normalized to spaces). */
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The plain text of a snippet's HTML (escaped text with `<mark>`). */
export function plainText(html: string): string {
  return html.replace(/<\/?mark>/g, '').replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]);
}

/** A publication date (`YYYY-MM-DD`, China's calendar day) as an RFC 3339 date-time. */
export function rfc3339Date(date: string): string {
  return `${date}T00:00:00+08:00`;
}

/** The search as the feed's title says it: the query, the filters, the date range (`图书馆 · 湖北省`). */
export function searchTitle(p: SearchParams): string {
  const parts: string[] = [];
  if (p.q.trim()) parts.push(p.q.trim());
  for (const k of FILTER_KEYS) for (const v of p[k] ?? []) parts.push(v.trim());
  if (p.from && p.to) parts.push(`${p.from} 至 ${p.to}`);
  else if (p.from) parts.push(`${p.from} 起`);
  else if (p.to) parts.push(`至 ${p.to}`);
  return `zhsearch：${parts.length ? parts.join(' · ') : '全部文章'}`;
}

/** Parameters that present results (page, size, order, facets, snippets, explain) rather than choose them. */
const PRESENTATION = new Set(['page', 'size', 'sort', 'facets', 'facetSize', 'snippetLength', 'explain']);

/**
 * The feed's id: the same for every URL of the same search (parameter order, repeated values'
 * order, page, size and presentation parameters do not change it; defaults spelled out or not).
 */
export function searchId(p: SearchParams): string {
  const values: Record<string, unknown> = { ...p, q: p.q.trim(), op: p.op ?? 'auto', literal: p.literal ?? 'false' };
  const canonical: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (PRESENTATION.has(k) || v === undefined) continue;
    canonical.push([k, Array.isArray(v) ? [...(v as string[])].map((x) => x.trim()).sort() : v]);
  }
  return `urn:zhsearch:search:${createHash('sha1').update(JSON.stringify(canonical)).digest('hex').slice(0, 24)}`;
}

/** The search page's query string of a search (the page's spelling: literal=1), newest first. */
export function pageQuery(p: SearchParams): URLSearchParams {
  const qs = new URLSearchParams();
  if (p.q) qs.set('q', p.q);
  if (p.literal === 'true') qs.set('literal', '1');
  if (p.op && p.op !== 'auto') qs.set('op', p.op);
  qs.set('sort', 'date_desc');
  for (const k of FILTER_KEYS) for (const v of p[k] ?? []) qs.append(k, v);
  if (p.from) qs.set('from', p.from);
  if (p.to) qs.set('to', p.to);
  return qs;
}

/** The absolute base URL the request was made to (`http://host:port`). */
export function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

export interface FeedInput {
  params: SearchParams;
  hits: SearchHit[];
  /** The index's commit time (ISO 8601): updated of undated entries, and of the feed when no entry is dated. */
  committedAt: string;
  /** Absolute URL of the feed itself. */
  selfUrl: string;
  /** Absolute base URL of the server (`http://host:port`). */
  base: string;
}

/** The Atom 1.0 document of a search's hits (newest first). */
export function atomFeed({ params, hits, committedAt, selfUrl, base }: FeedInput): string {
  const page = pageQuery(params);
  const newest = hits.find((h) => h.date)?.date;
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
    `  <id>${xmlText(searchId(params))}</id>`,
    `  <title type="text">${xmlText(searchTitle(params))}</title>`,
    `  <updated>${newest ? rfc3339Date(newest) : committedAt}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlAttr(selfUrl)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlAttr(`${base}/?${page}`)}"/>`,
    '  <author><name>zhsearch</name></author>',
    '  <generator>zhsearch</generator>',
  ];
  for (const h of hits) out.push(atomEntry(h, page, committedAt, base));
  out.push('</feed>', '');
  return out.join('\n');
}

function atomEntry(h: SearchHit, page: URLSearchParams, committedAt: string, base: string): string {
  const view = new URLSearchParams(page);
  view.set('doc', h.id);
  const link = h.url && /^https?:\/\//i.test(h.url) ? h.url : `${base}/?${view}`;
  const by = [h.source, h.author].filter((x): x is string => !!x && x.trim() !== '').join(' · ');
  const lines = [
    '  <entry>',
    `    <id>urn:zhsearch:doc:${xmlText(encodeURIComponent(h.id))}</id>`,
    `    <title type="text">${xmlText(h.title || h.id)}</title>`,
    `    <link rel="alternate" href="${xmlAttr(link)}"/>`,
    ...(h.date ? [`    <published>${rfc3339Date(h.date)}</published>`] : []),
    `    <updated>${h.date ? rfc3339Date(h.date) : committedAt}</updated>`,
    ...(by ? [`    <author><name>${xmlText(by)}</name></author>`] : []),
    ...h.regions.map(
      (r) => `    <category scheme="urn:zhsearch:region" term="${xmlAttr(r.code)}" label="${xmlAttr([r.province, r.city, r.county].filter(Boolean).join('/'))}"/>`,
    ),
    ...h.libraries.map((l) => `    <category scheme="urn:zhsearch:library" term="${xmlAttr(l)}" label="${xmlAttr(l)}"/>`),
    `    <summary type="text">${xmlText(plainText(h.snippetHtml))}</summary>`,
    '  </entry>',
  ];
  return lines.join('\n');
}

/** `GET /api/feed.atom`: the Atom feed of a search, through the search lanes. */
export function feedRoute(sessions: SearchSessions, timeoutMs = DEFAULT_SEARCH_TIMEOUT_MS, key?: CacheKey): RequestHandler {
  return async (req, res) => {
    const parsed = parse(searchParams, req.query);
    // Always the newest entries: a feed linked from page 3 of the results is the search's feed.
    const p: SearchParams = { ...parsed, page: 1, size: req.query.size === undefined ? FEED_DEFAULT_SIZE : parsed.size, sort: 'date_desc' };
    const session = sessions(req, res);
    try {
      const filters = session.filters(p);
      const host = req.get('host') ?? '';
      if (session.version === null) res.set('Cache-Control', 'no-store');
      else if (notModified(req, res, session.version, () => `${host}\n${key?.() ?? ''}`)) return;
      const result = await session.search(p.q, { ...searchOptionsOf(p, filters, timeoutMs), facets: [], explain: false });
      const base = baseUrl(req);
      // Without a commit time (a cluster), the feed is as new as its newest entry.
      const committedAt = session.committedAt ?? result.hits.map((h) => h.date).find((d): d is string => !!d) ?? new Date(0).toISOString();
      const body = atomFeed({ params: p, hits: result.hits, committedAt, selfUrl: `${base}${req.originalUrl}`, base });
      res.set('Content-Type', 'application/atom+xml; charset=utf-8').send(body);
    } finally {
      session.release();
    }
  };
}

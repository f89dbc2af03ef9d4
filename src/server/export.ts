/**
 * Export of a search's result set: `GET /api/export?format=csv|jsonl&<the parameters of /api/search>`.
 *
 * The rows are the search's hits in its order, from the first, at most `limit` (default and most
 * {@link MAX_EXPORT_ROWS}); `page` and `size` are ignored, and facets, snippets and explain are not
 * computed. The rows come from pages of {@link EXPORT_PAGE_SIZE} hits, each a search in the lanes
 * (without highlighting; within the search time budget; in the search thread when slow), so no
 * more than a page is held at once and the first rows go out before the last are read; each page
 * is written {@link CHUNK_ROWS} rows at a time, waiting for the client to drain the response when
 * it is behind and giving the event loop a turn between chunks, so other requests are served
 * meanwhile. A client that goes away stops it. An error of the first page is answered as for
 * /api/search (400, 429, 503); one of a later page (the status is sent) cuts the response off, so
 * the client sees an incomplete download, not a short file (and the server logs it).
 *
 * Fields: id, title, date, source, author, url, regions, libraries.
 *  - csv (`text/csv; charset=utf-8`): RFC 4180 (fields with a comma, quote or line break quoted,
 *    quotes doubled), UTF-8 with a byte order mark (so Excel reads Chinese right), CRLF, a header
 *    row `id,title,date,source,author,url,regions,region_codes,libraries`; regions as
 *    `湖北省/襄阳市; 湖南省/长沙市`, region_codes `420600; 430100`, libraries joined with `; `;
 *    a missing value is an empty field. Values are written as stored (a title starting with `=` is
 *    not altered: spreadsheet users should import rather than open untrusted files).
 *  - jsonl (`application/x-ndjson`): one JSON object per line with those fields (null when
 *    missing), regions as objects `{ code, province, city?, county? }`, libraries as strings.
 * Headers: `Content-Disposition: attachment; filename="zhsearch-<YYYY-MM-DD>.<csv|jsonl>"` (today,
 * UTC), `X-Total-Count` = the search's total (the rows are min(total, limit)).
 *
 * Owns: the export's formats and streaming. Must not: validate by hand (schemas.ts) or search
 * except through the lanes.
 */
import type { RequestHandler, Response } from 'express';
import type { Region, SearchHit, SearchOptions } from '../index.js';
import { DEFAULT_SEARCH_TIMEOUT_MS, parse, searchOptionsOf, type SearchSessions } from './api.js';
import { exportParams, searchParams } from './schemas.js';

export { MAX_EXPORT_ROWS } from './schemas.js';

/** Rows serialized and written per turn of the event loop. */
export const CHUNK_ROWS = 250;
/** Hits fetched per search: the export pages through the result set, each page a search in the lanes. */
export const EXPORT_PAGE_SIZE = 1000;

export const CSV_COLUMNS = ['id', 'title', 'date', 'source', 'author', 'url', 'regions', 'region_codes', 'libraries'] as const;

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled. */
export function csvField(value: string | null | undefined): string {
  const v = value ?? '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A region as a path of names: 湖北省/襄阳市/随县. */
export function regionPath(r: Region): string {
  return [r.province, r.city, r.county].filter(Boolean).join('/');
}

/** A CSV record (with its CRLF) of a hit. */
export function csvRow(h: SearchHit): string {
  const values = [h.id, h.title, h.date, h.source, h.author, h.url, h.regions.map(regionPath).join('; '), h.regions.map((r) => r.code).join('; '), h.libraries.join('; ')];
  return values.map(csvField).join(',') + '\r\n';
}

/** A JSON Lines record (with its LF) of a hit. */
export function jsonlRow(h: SearchHit): string {
  return JSON.stringify({ id: h.id, title: h.title, date: h.date, source: h.source, author: h.author, url: h.url, regions: h.regions, libraries: h.libraries }) + '\n';
}

const FORMATS = {
  csv: { type: 'text/csv; charset=utf-8', head: '\uFEFF' + CSV_COLUMNS.join(',') + '\r\n', row: csvRow },
  jsonl: { type: 'application/x-ndjson; charset=utf-8', head: '', row: jsonlRow },
} as const;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Rows written to a response {@link CHUNK_ROWS} at a time, a turn of the event loop between
 * chunks, waiting for `drain` when the response is backed up.
 */
export class RowStream<T> {
  private ok = true;
  private wake: (() => void) | null = null;
  /** Longest time a chunk's serialization held the event loop, in ms (for measurements). */
  longestChunkMs = 0;

  constructor(
    private readonly res: Response,
    head: string,
    private readonly row: (r: T) => string,
  ) {
    // One drain listener for the whole response (compression passes 'drain' listeners on to its
    // zlib stream, from which they cannot be removed: one per wait would pile up).
    const resume = () => {
      this.ok = true;
      const w = this.wake;
      this.wake = null;
      w?.();
    };
    res.on('drain', resume);
    res.once('close', resume);
    this.ok = res.write(head);
  }

  /** Writes `rows`; false when the client went away (stop producing). */
  async write(rows: readonly T[]): Promise<boolean> {
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      if (!this.ok && !this.res.destroyed) await new Promise<void>((resolve) => (this.wake = resolve));
      await nextTurn();
      if (this.res.destroyed) return false;
      const started = performance.now();
      let chunk = '';
      for (let j = i; j < Math.min(rows.length, i + CHUNK_ROWS); j++) chunk += this.row(rows[j]);
      this.ok = this.res.write(chunk);
      this.longestChunkMs = Math.max(this.longestChunkMs, performance.now() - started);
    }
    return !this.res.destroyed;
  }

  end(): void {
    this.res.end();
  }
}

/** `GET /api/export`: the rows of a search as CSV or JSON Lines, streamed, read `pageSize` hits per search. */
export function exportRoute(sessions: SearchSessions, timeoutMs = DEFAULT_SEARCH_TIMEOUT_MS, pageSize = EXPORT_PAGE_SIZE): RequestHandler {
  return async (req, res) => {
    const { format: formatParam, limit: limitParam, ...rest } = req.query as Record<string, unknown>;
    const { format, limit } = parse(exportParams, { format: formatParam, limit: limitParam });
    // page and size are the search page's; the export always starts at the first hit.
    const { page: _page, size: _size, ...search } = rest;
    const p = parse(searchParams, search);
    const session = sessions(req, res);
    try {
      const filters = session.filters(p);
      const options: SearchOptions = { ...searchOptionsOf(p, filters, timeoutMs), facets: [], explain: false, size: pageSize, highlight: false };
      const run = (page: number) => session.search(p.q, { ...options, page });
      // Errors of the first page are answered as for a search (400, 429, 503).
      const first = await run(1);
      const rows = Math.min(limit, first.total);
      const f = FORMATS[format];
      res.status(200).set({
        'Content-Type': f.type,
        'Content-Disposition': `attachment; filename="zhsearch-${new Date().toISOString().slice(0, 10)}.${format}"`,
        'Cache-Control': 'no-store',
        'X-Total-Count': String(first.total),
      });
      const out = new RowStream<SearchHit>(res, f.head, f.row);
      let hits = first.hits;
      let written = 0;
      for (let page = 1; ; ) {
        hits = hits.slice(0, rows - written);
        if (!(await out.write(hits))) return;
        written += hits.length;
        if (written >= rows || hits.length < pageSize) break;
        try {
          hits = (await run(++page)).hits;
        } catch (err) {
          // The status is sent: cut the response off, so the client sees an incomplete download
          // rather than a short file.
          res.locals.log(`error: export stopped after ${written} rows: ${err instanceof Error ? err.message : String(err)}`);
          res.destroy();
          return;
        }
      }
      out.end();
    } finally {
      session.release();
    }
  };
}

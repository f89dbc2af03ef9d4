/**
 * The HTTP write API's routes (keys are checked before, by auth.ts):
 *
 *   PUT    /api/documents/:id   one JSON document (its id may be left out; if given, it must be :id)
 *   POST   /api/documents       Content-Type application/json: one document (id required);
 *                               application/x-ndjson: one document per line (bulk), streamed
 *   DELETE /api/documents/:id
 *
 * Each takes `?refresh=wait_for` (answer once searchable) and answers with a receipt (writes.ts):
 * 202 when the write is durable and `enqueued` (searchable within the refresh interval), 200 when
 * `visible`. A document is at most {@link MAX_DOCUMENT_BYTES} (a bad one: 400 `invalid_document`,
 * details `failed: [{ line: 1, error }]`). A bulk body is at most {@link MAX_BULK_BYTES}, read line
 * by line and written in chunks as it arrives: a bad line is listed in `failed` with its number and
 * the reason, the other lines are written (200/202 with the bulk receipt; 400 when no line could
 * be written); past the size limit the answer is 413, the lines before the limit being written.
 *
 * Owns: reading and validating write requests, shaping their answers. Must not: order or commit
 * writes (writes.ts), check keys (auth.ts).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { parse } from './api.js';
import { ApiError } from './errors.js';
import { docPath, documentBody, MAX_BULK_BYTES, MAX_DOCUMENT_BYTES, putDocumentBody, writeParams, type bulkResponse } from './schemas.js';
import type { LoggedOp } from './write-log.js';
import type { WriteReceipt } from './writes.js';

/** Where the write routes send writes: the embedded index's WriteService (writes.ts) or a cluster's writes. */
export interface WriteTarget {
  /** Accepts `ops` in order; the task id to acknowledge. */
  apply(ops: readonly LoggedOp[]): Promise<number>;
  /** Resolves once the writes accepted so far are durable (and, with `waitForRefresh`, searchable). */
  acknowledge(taskId: number, waitForRefresh: boolean): Promise<WriteReceipt>;
  /** A task id for a request that wrote nothing. */
  nextTaskId(): number;
  /** The version searched now (null where there is none). */
  generation(): number | null;
}

/** Documents written per step of a bulk request (one queue turn, one log append). */
const BULK_CHUNK = 256;
/** Failed lines listed in a bulk answer at most (all are counted). */
const MAX_FAILED_LISTED = 1000;

export interface WriteRouteLimits {
  maxDocumentBytes: number;
  maxBulkBytes: number;
}

export const WRITE_LIMITS: WriteRouteLimits = { maxDocumentBytes: MAX_DOCUMENT_BYTES, maxBulkBytes: MAX_BULK_BYTES };

interface FailedLine {
  line: number;
  id?: string;
  error: string;
}

const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/json-lines'];

export function writeRoutes(service: WriteTarget, limits: WriteRouteLimits = WRITE_LIMITS): { put: RequestHandler; post: RequestHandler; remove: RequestHandler } {
  const put: RequestHandler = async (req, res) => {
    const { refresh } = parse(writeParams, req.query);
    const { id } = parse(docPath, req.params);
    requireJson(req);
    const value = parseJson(await readBody(req, limits.maxDocumentBytes));
    const checked = checkDocument(value, 1, putDocumentBody);
    if ('error' in checked) throw invalidDocument([checked]);
    if (checked.doc.id !== undefined && checked.doc.id !== id) throw invalidDocument([{ line: 1, id: checked.doc.id, error: `"id": "${checked.doc.id}" differs from the id in the path, "${id}"` }]);
    await writeOne(service, res, { op: 'put', doc: { ...checked.doc, id } }, refresh === 'wait_for');
  };

  const remove: RequestHandler = async (req, res) => {
    const { refresh } = parse(writeParams, req.query);
    const { id } = parse(docPath, req.params);
    await writeOne(service, res, { op: 'delete', id }, refresh === 'wait_for');
  };

  const post: RequestHandler = async (req, res) => {
    const { refresh } = parse(writeParams, req.query);
    const wait = refresh === 'wait_for';
    if (req.is(NDJSON_TYPES)) return bulk(service, req, res, wait, limits);
    requireJson(req);
    const value = parseJson(await readBody(req, limits.maxDocumentBytes));
    const checked = checkDocument(value, 1, documentBody);
    if ('error' in checked) throw invalidDocument([checked]);
    await writeOne(service, res, { op: 'put', doc: checked.doc }, wait);
  };

  return { put, post, remove };
}

async function writeOne(service: WriteTarget, res: Response, op: LoggedOp, wait: boolean): Promise<void> {
  const taskId = await service.apply([op]);
  const receipt = await service.acknowledge(taskId, wait);
  answer(res, receipt, { id: op.op === 'put' ? op.doc.id : op.id, operation: op.op, ...receipt });
}

function answer(res: Response, receipt: WriteReceipt, body: unknown): void {
  res.status(receipt.status === 'visible' ? 200 : 202).set('Cache-Control', 'no-store').json(body);
}

/** The NDJSON bulk: lines parsed and checked as they arrive, written in chunks. */
async function bulk(service: WriteTarget, req: Request, res: Response, wait: boolean, limits: WriteRouteLimits): Promise<void> {
  const declared = Number(req.get('Content-Length'));
  if (declared > limits.maxBulkBytes) throw tooLarge(limits.maxBulkBytes, null);
  const failed: FailedLine[] = [];
  let failedCount = 0;
  let received = 0;
  let accepted = 0;
  let lastTask: number | null = null;
  let chunk: Array<{ line: number; op: LoggedOp }> = [];
  const fail = (f: FailedLine) => {
    failedCount++;
    if (failed.length < MAX_FAILED_LISTED) failed.push(f);
  };
  const flush = async () => {
    if (!chunk.length) return;
    const ops = chunk;
    chunk = [];
    lastTask = await service.apply(ops.map((o) => o.op));
    accepted += ops.length;
  };
  const onLine = (bytes: Buffer | null, lineNo: number, tooLong: boolean) => {
    if (tooLong) {
      received++;
      return fail({ line: lineNo, error: `line longer than ${limits.maxDocumentBytes} bytes` });
    }
    let text: string;
    try {
      text = UTF8.decode(bytes!);
    } catch {
      received++;
      return fail({ line: lineNo, error: 'not valid UTF-8' });
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (!text.trim()) return;
    received++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return fail({ line: lineNo, error: `not valid JSON: ${(err as Error).message}` });
    }
    const checked = checkDocument(value, lineNo, documentBody);
    if ('error' in checked) return fail(checked);
    chunk.push({ line: lineNo, op: { op: 'put', doc: checked.doc } });
  };

  let total = 0;
  let lineNo = 1;
  let pieces: Buffer[] = [];
  let pieceBytes = 0;
  let tooLong = false;
  let overLimit = false;
  for await (const data of req as AsyncIterable<Buffer>) {
    total += data.length;
    if (total > limits.maxBulkBytes) {
      overLimit = true;
      break;
    }
    let start = 0;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
      const part = data.subarray(start, nl);
      if (!tooLong && pieceBytes + part.length <= limits.maxDocumentBytes) onLine(pieces.length ? Buffer.concat([...pieces, part]) : part, lineNo, false);
      else onLine(null, lineNo, true);
      lineNo++;
      pieces = [];
      pieceBytes = 0;
      tooLong = false;
      start = nl + 1;
    }
    const rest = data.subarray(start);
    if (!tooLong && pieceBytes + rest.length > limits.maxDocumentBytes) {
      tooLong = true;
      pieces = [];
    } else if (!tooLong && rest.length) {
      pieces.push(Buffer.from(rest)); // a copy: the stream may reuse its buffer
      pieceBytes += rest.length;
    }
    if (chunk.length >= BULK_CHUNK) await flush();
  }
  if (!overLimit && (pieceBytes || tooLong)) onLine(tooLong ? null : Buffer.concat(pieces), lineNo, tooLong);
  await flush();
  const receipt: WriteReceipt =
    lastTask !== null ? await service.acknowledge(lastTask, wait) : { taskId: service.nextTaskId(), status: 'visible', generation: service.generation() };
  const body: z.input<typeof bulkResponse> = { ...receipt, received, accepted, failed, failedCount };
  if (overLimit) {
    res.set('Connection', 'close');
    throw tooLarge(limits.maxBulkBytes, body);
  }
  if (accepted === 0 && failedCount > 0) {
    throw new ApiError(400, 'invalid_document', `no line could be written: line ${failed[0].line}: ${failed[0].error}`, body);
  }
  answer(res, receipt, body);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `value` checked as a document, or the failure naming the line and the field. */
function checkDocument<S extends z.ZodType>(value: unknown, line: number, schema: S): { doc: z.output<S> } | FailedLine {
  const r = schema.safeParse(value);
  if (r.success) return { doc: r.data };
  const id = value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : undefined;
  const error = r.error.issues
    .map((i) => (i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')} (put other fields under "extra")` : i.path.length ? `"${i.path.join('.')}": ${i.message}` : i.message))
    .join('; ');
  return { line, ...(id === undefined ? {} : { id }), error };
}

function invalidDocument(failed: FailedLine[]): ApiError {
  const [f] = failed;
  return new ApiError(400, 'invalid_document', `invalid document${f.id !== undefined ? ` "${f.id}"` : ''} (line ${f.line}): ${f.error}`, { failed });
}

function tooLarge(maxBytes: number, partial: unknown): ApiError {
  return new ApiError(
    413,
    'payload_too_large',
    partial
      ? `the body is over ${maxBytes} bytes: the lines before the limit were written (see details), the rest was not read; send the rest in another request`
      : `the body is over ${maxBytes} bytes; split it into several requests`,
    { maxBytes, ...(partial ? { written: partial } : {}) },
  );
}

function requireJson(req: Request): void {
  if (!req.is('application/json')) {
    throw new ApiError(415, 'unsupported_media_type', `send the document as Content-Type: application/json${req.method === 'POST' ? ' (or application/x-ndjson for one document per line)' : ''}`, {
      contentType: req.get('Content-Type') ?? null,
    });
  }
}

async function readBody(req: Request, maxBytes: number): Promise<string> {
  if (Number(req.get('Content-Length')) > maxBytes) throw tooLarge(maxBytes, null);
  const pieces: Buffer[] = [];
  let total = 0;
  for await (const data of req as AsyncIterable<Buffer>) {
    total += data.length;
    if (total > maxBytes) throw tooLarge(maxBytes, null);
    pieces.push(data);
  }
  try {
    return UTF8.decode(Buffer.concat(pieces));
  } catch {
    throw new ApiError(400, 'invalid_document', 'invalid document (line 1): not valid UTF-8', { failed: [{ line: 1, error: 'not valid UTF-8' }] });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const error = `not valid JSON: ${(err as Error).message}`;
    throw new ApiError(400, 'invalid_document', `invalid document (line 1): ${error}`, { failed: [{ line: 1, error }] });
  }
}

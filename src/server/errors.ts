/**
 * API errors: one JSON shape, `{ "error": { "code", "message", "details" } }`, for every failure.
 * Invalid input is a 400 naming the parameter, unknown routes and documents a 404, wrong methods
 * a 405 with `Allow`, a URL over the length limit a 414, a search over its time or memory budget a
 * 503 (`search_timeout`, `search_memory`), too many expensive searches a 429 (`too_many_requests`,
 * one client) or 503 (`overloaded`, the server) with `Retry-After`. A document whose stored copy is
 * damaged is a 500 `document_unavailable` (its route logs the file). Anything unexpected is a 500
 * `internal` with a generic message (the stack goes to the log with the request id, never to the
 * client).
 *
 * Owns: the error type, its JSON form and the Express error handler. Must not: validate
 * parameters (schemas.ts) or know about searching.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';

export type ErrorCode =
  | 'invalid_parameter'
  | 'bad_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'uri_too_long'
  | 'search_timeout'
  | 'search_memory'
  | 'too_many_requests'
  | 'overloaded'
  | 'document_unavailable'
  | 'internal'
  // The cluster backend (cluster-routes.ts): no shard answering:
  | 'cluster_unavailable'
  // The write API and keys (write-routes.ts, auth.ts):
  | 'invalid_document'
  | 'unauthorized'
  | 'forbidden'
  | 'writes_disabled'
  | 'payload_too_large'
  | 'unsupported_media_type';

/** One problem with one parameter. */
export interface ParameterIssue {
  parameter: string;
  message: string;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/** A 400 for one parameter. */
export function invalidParameter(parameter: string, message: string): ApiError {
  return invalidParameters([{ parameter, message }]);
}

/** A 400 listing every problem; the message names the first. */
export function invalidParameters(issues: ParameterIssue[]): ApiError {
  const [first] = issues;
  return new ApiError(400, 'invalid_parameter', `invalid parameter "${first.parameter}": ${first.message}`, issues);
}

/** Zod issues of a parameter object -> a 400 naming the parameters. */
export function fromZodError(error: z.ZodError): ApiError {
  const issues: ParameterIssue[] = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { parameter: issue.keys[0], message: `unknown parameter${issue.keys.length > 1 ? ` (also ${issue.keys.slice(1).join(', ')})` : ''}` };
    }
    return { parameter: issue.path.length ? String(issue.path[0]) : '(query)', message: issue.message };
  });
  return invalidParameters(issues);
}

export function notFound(message: string, details: unknown = null): ApiError {
  return new ApiError(404, 'not_found', message, details);
}

/** Answers 405 for any method the route does not have. */
export function methodNotAllowed(allow: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    next(new ApiError(405, 'method_not_allowed', `method ${req.method} not allowed on ${req.baseUrl + req.path}; use ${allow.join(', ')}`, { allow }, { Allow: allow.join(', ') }));
  };
}

/** The final 404 for routes nothing answered. */
export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(notFound(`no such route: ${req.method} ${req.baseUrl + req.path}`, { path: req.baseUrl + req.path }));
};

/** Error handler: every error becomes the JSON error shape. */
export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const error = toApiError(err);
    if (error.code === 'internal') log(`${res.locals.requestId ?? '-'} error ${req.method} ${req.originalUrl}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    res.status(error.status).set(error.headers).set('Cache-Control', 'no-store').json(error.toJSON());
  };
}

/** Errors of Express and its middleware carry a 4xx `status` (e.g. a path that does not decode). */
function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const status = typeof err === 'object' && err !== null ? Number((err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode) : NaN;
  if (status === 404) return notFound('not found');
  if (status >= 400 && status < 500) {
    const message = err instanceof Error && (err as { expose?: boolean }).expose !== false ? err.message : 'bad request';
    return new ApiError(status, 'bad_request', message);
  }
  return new ApiError(500, 'internal', 'internal error');
}

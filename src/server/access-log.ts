/**
 * Request ids and the access log: every response carries `X-Request-Id` (the client's, when it is
 * a sane token, else a new UUID), and every finished or aborted request writes one log line:
 *
 *   2024-05-01T08:00:00.000Z 3f2a... GET /api/search?q=%E5%9B%BE 200 3.1ms
 *
 * Route handlers write other lines about a request (e.g. a damaged document it met) with
 * `res.locals.log`, which stamps them with the time and the request id the same way.
 *
 * Owns: the id and the log line. Must not: change responses otherwise.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

declare global {
  // Declaration merging is how Express types res.locals.
  namespace Express {
    interface Locals {
      /** Id of the request, also sent as `X-Request-Id` and written in the log. */
      requestId: string;
      /** Writes `message` to the server log, after the time and the request id. */
      log: (message: string) => void;
    }
  }
}

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** Longer URLs are cut in the log (the request is still answered or rejected in full). */
const MAX_LOGGED_URL = 2000;

export function accessLog(log: (line: string) => void): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const given = req.get('X-Request-Id');
    const id = given && CLIENT_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.locals.log = (message) => log(`${new Date().toISOString()} ${id} ${message}`);
    res.set('X-Request-Id', id);
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const status = res.writableFinished ? String(res.statusCode) : `${res.statusCode}-aborted`;
      const url = req.originalUrl.length > MAX_LOGGED_URL ? `${req.originalUrl.slice(0, MAX_LOGGED_URL)}...(${req.originalUrl.length} bytes)` : req.originalUrl;
      log(`${new Date().toISOString()} ${id} ${req.method} ${url} ${status} ${ms.toFixed(1)}ms`);
    });
    next();
  };
}

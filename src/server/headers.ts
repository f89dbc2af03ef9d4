/**
 * Response headers every route shares: security headers (CSP, nosniff, Referrer-Policy, no
 * framing) and CORS for the API, so a library's own site can call it from the browser.
 *
 * CORS: `origins` is `'*'` (any site, the default) or a list of exact origins
 * (`https://lib.example.org`); other origins get no `Access-Control-Allow-Origin`. Preflight
 * (`OPTIONS`) is answered 204 by the API routes through {@link preflight} (GET routes) and
 * {@link writePreflight} (the write routes: PUT, POST, DELETE); both allow the Authorization header.
 *
 * Owns: those headers. Must not: route or validate.
 */
import type { RequestHandler } from 'express';

export type CorsOrigins = '*' | readonly string[];

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The security headers of every response (also the ones server.ts writes for unparsable requests). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set(SECURITY_HEADERS);
  next();
};

/** CORS headers for the API routes. */
export function cors(origins: CorsOrigins): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('Origin');
    if (origins === '*') res.set('Access-Control-Allow-Origin', '*');
    else {
      res.vary('Origin');
      if (origin && origins.includes(origin)) res.set('Access-Control-Allow-Origin', origin);
    }
    res.set('Access-Control-Expose-Headers', 'ETag, X-Request-Id, X-Total-Count, Retry-After, WWW-Authenticate');
    next();
  };
}

/** Answers a CORS preflight (`OPTIONS`) for a GET-only route. */
export const preflight: RequestHandler = (_req, res) => {
  res.set({
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': 'If-None-Match, X-Request-Id, Content-Type, Authorization',
    'Access-Control-Max-Age': '600',
    Allow: 'GET, HEAD, OPTIONS',
  });
  res.status(204).end();
};

/** Answers a CORS preflight for a write route (`methods`, with the Authorization and Content-Type headers). */
export function writePreflight(methods: readonly string[]): RequestHandler {
  const allow = [...methods, 'OPTIONS'].join(', ');
  return (_req, res) => {
    res.set({
      'Access-Control-Allow-Methods': allow,
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Request-Id',
      'Access-Control-Max-Age': '600',
      Allow: allow,
    });
    res.status(204).end();
  };
}

/**
 * API keys and rate limits of the HTTP API.
 *
 * Keys: an admin key (writes; reads too) and optional search keys (reads only), sent as
 * `Authorization: Bearer <key>`. Only their SHA-256 digests are kept (config.ts hashes them as it
 * reads them); a presented key is hashed and compared with every digest with
 * `crypto.timingSafeEqual`, so neither the comparison nor the number of keys leaks a key's bytes
 * through timing. Rights:
 *   - the write routes (`/api/documents…`): the admin key; without an admin key configured they
 *     are refused (403 `writes_disabled`); no key 401 `unauthorized` (`WWW-Authenticate: Bearer`),
 *     a wrong key 401, a search key 403 `forbidden`;
 *   - the read routes: open, unless search keys are configured: then a search key or the admin
 *     key is needed (401 / 401 invalid key); `/api/health` and `/api/openapi.json` stay open.
 *
 * Rate limits: a token bucket per client address and one per key (each allows `perMinute`
 * requests a minute, in bursts of up to as many); a request over either is a 429
 * `too_many_requests` with `Retry-After` (whole seconds until the bucket has a token). Loopback
 * clients are not limited unless `limitLoopback`. CORS preflights are neither limited nor checked.
 *
 * Owns: key checks and request-rate accounting. Must not: route, or read configuration files.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ApiError } from './errors.js';

export interface KeyDigests {
  /** SHA-256 of the admin key, or null: writes disabled. */
  admin: Buffer | null;
  /** SHA-256 of each search key; empty: reads need no key. */
  search: readonly Buffer[];
}

export const NO_KEYS: KeyDigests = { admin: null, search: [] };

export function sha256(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

type Right = 'admin' | 'search';

/** The right the presented key digest carries, or null (comparing with every digest, in constant time). */
function rightOf(keys: KeyDigests, digest: Buffer): Right | null {
  let right: Right | null = null;
  if (keys.admin && timingSafeEqual(keys.admin, digest)) right = 'admin';
  for (const k of keys.search) if (timingSafeEqual(k, digest) && right === null) right = 'search';
  return right;
}

/** The bearer token of `req`, `''` for a malformed Authorization header, or null when there is none. */
function bearer(req: Request): string | null {
  const header = req.get('Authorization');
  if (header === undefined) return null;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m ? m[1] : '';
}

const CHALLENGE = 'Bearer realm="zhsearch"';

/** Routes that never need a key (monitoring, the API's description). */
const OPEN_PATHS = new Set(['/health', '/openapi.json']);

/** Checks the key of each API request against the right its route needs. */
export function authorize(keys: KeyDigests): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'OPTIONS' || OPEN_PATHS.has(req.path)) return next();
    const write = req.path === '/documents' || req.path.startsWith('/documents/');
    if (write && !keys.admin) {
      return next(
        new ApiError(403, 'writes_disabled', 'the write API is off: start the server with an admin key (ZHSEARCH_ADMIN_KEY or --admin-key-file) to enable it', null),
      );
    }
    if (!write && !keys.search.length) return next();
    const token = bearer(req);
    if (token === null) {
      return next(new ApiError(401, 'unauthorized', `this route needs an API key: send "Authorization: Bearer <key>" (${write ? 'the admin key' : 'a search key'})`, null, { 'WWW-Authenticate': CHALLENGE }));
    }
    const right = token ? rightOf(keys, sha256(token)) : null;
    if (right === null) {
      return next(new ApiError(401, 'unauthorized', 'the API key is not valid', null, { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` }));
    }
    if (write && right !== 'admin') return next(new ApiError(403, 'forbidden', 'this key may only search: writes need the admin key', null));
    res.locals.keyId = sha256(token).subarray(0, 8).toString('hex');
    next();
  };
}

export interface RateLimitOptions {
  /** Requests a minute per client address and per key; 0 = no limit. */
  perMinute: number;
  /** Whether loopback clients (127.0.0.0/8, ::1) are limited too. Default false. */
  limitLoopback: boolean;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept at most (the fullest, i.e. idle, ones are dropped first when over). */
const MAX_BUCKETS = 100_000;

/** Token buckets per client address and per presented key. */
export function rateLimit(options: RateLimitOptions, now: () => number = () => performance.now()): RequestHandler {
  const { perMinute } = options;
  if (perMinute <= 0) return (_req, _res, next) => next();
  const buckets = new Map<string, Bucket>();
  const perMs = perMinute / 60_000;
  /** Takes a token from bucket `key`; the milliseconds to wait when it has none. */
  const take = (key: string, t: number): number => {
    let b = buckets.get(key);
    if (!b) {
      if (buckets.size >= MAX_BUCKETS) prune(t);
      buckets.set(key, (b = { tokens: perMinute, at: t }));
    }
    b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * perMs);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / perMs;
  };
  const prune = (t: number) => {
    for (const [k, b] of buckets) if (b.tokens + (t - b.at) * perMs >= perMinute) buckets.delete(k);
    if (buckets.size >= MAX_BUCKETS) buckets.clear();
  };
  return (req, _res, next) => {
    if (req.method === 'OPTIONS') return next();
    const ip = req.ip ?? req.socket.remoteAddress ?? '';
    if (!options.limitLoopback && isLoopback(ip)) return next();
    const t = now();
    const token = bearer(req);
    // Keyed by a digest: the map never holds keys.
    const waits = [take(`ip ${ip}`, t), token ? take(`key ${sha256(token).toString('base64')}`, t) : 0];
    const waitMs = Math.max(...waits);
    if (waitMs <= 0) return next();
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    next(
      new ApiError(429, 'too_many_requests', `rate limit: at most ${perMinute} requests a minute per ${waits[0] > 0 ? 'client address' : 'key'}; retry after ${seconds} s`, { retryAfterSeconds: seconds, perMinute }, { 'Retry-After': String(seconds) }),
    );
  };
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || /^(?:::ffff:)?127\./.test(ip);
}

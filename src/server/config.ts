/**
 * Server configuration from command-line flags and environment variables, validated with zod at
 * start so a bad value stops the server with a message naming the flag and the variable.
 *
 *   --index-dir     ZHSEARCH_INDEX_DIR     default index
 *   --port          ZHSEARCH_PORT          default 3000 (0 = any free port)
 *   --host          ZHSEARCH_HOST          default 127.0.0.1
 *   --cors-origins  ZHSEARCH_CORS_ORIGINS  default * ; or comma-separated origins
 *   --timeout-ms    ZHSEARCH_TIMEOUT_MS    default 2000: time budget of one search (503 over it)
 *   --workers       ZHSEARCH_WORKERS       default 1: server processes sharing the port (0 = one per core)
 *   --search-thread ZHSEARCH_SEARCH_THREAD default on: expensive searches run on a search thread (lanes.ts)
 *   --search-threads ZHSEARCH_SEARCH_THREADS default 1: how many (0 = one per core)
 *   --trust-proxy   ZHSEARCH_TRUST_PROXY   default off: proxies whose X-Forwarded-For names the client
 *   --stop-words    ZHSEARCH_STOP_WORDS    default dict/stopwords.txt: the queries' stop list
 *   --synonyms      (repeatable)           synonym files added to dict/synonyms.txt
 *   --no-default-synonyms                  without dict/synonyms.txt
 *   --admin-key-file ZHSEARCH_ADMIN_KEY    no default: the admin key (a file holding it, or the key in the
 *                                          variable); with one, the write API is on (see auth.ts, SECURITY.md)
 *   --search-key-file ZHSEARCH_SEARCH_KEYS none: search keys (one a line; the variable: comma-separated);
 *                                          with any, reads need a key
 *   --rate-limit    ZHSEARCH_RATE_LIMIT    default 600: requests a minute per client address and per key (0 = off)
 *   --rate-limit-loopback ZHSEARCH_RATE_LIMIT_LOOPBACK default off: whether loopback clients are limited
 *   --refresh-ms    ZHSEARCH_REFRESH_MS    default 1000: how often written documents are committed (searchable)
 *
 * Keys are kept only as SHA-256 digests; a key must have at least 16 characters (no default key).
 *
 * A flag wins over the variable, the variable over the default.
 *
 * Owns: reading and checking those settings. Must not: start anything.
 */
import * as z from 'zod';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { sha256, type KeyDigests } from './auth.js';
import { DEFAULT_STOP_WORDS_FILE, DEFAULT_SYNONYMS_FILE } from '../index.js';
import type { CorsOrigins } from './headers.js';

export interface ServeConfig {
  indexDir: string;
  port: number;
  host: string;
  corsOrigins: CorsOrigins;
  /** Time budget of one search in milliseconds. */
  searchTimeoutMs: number;
  /** Server processes sharing the port (see cluster.ts); 0 = one per core. */
  workers: number;
  /** Whether expensive searches run on a search thread (see lanes.ts). */
  searchThread: boolean;
  /** How many search threads (see lanes.ts); 0 = one per core. */
  searchThreads: number;
  /** Express's `trust proxy`: false, true, a number of hops, or addresses / subnets / loopback, linklocal, uniquelocal. */
  trustProxy: boolean | number | string;
  /** The queries' stop-list file. */
  stopWords: string;
  /** The queries' synonym files, in order: dict/synonyms.txt (unless --no-default-synonyms), then --synonyms. */
  synonyms: string[];
  /** Digests of the API keys (the keys themselves are not kept). */
  keys: KeyDigests;
  /** Requests a minute per client address and per key; 0 = no limit. */
  rateLimit: number;
  /** Whether loopback clients are rate-limited too. */
  rateLimitLoopback: boolean;
  /** How often written documents are committed (made searchable), in ms. */
  refreshIntervalMs: number;
  /** A Sphinx cluster's directory to serve instead of the index (`--backend`, ZHSEARCH_BACKEND). */
  backend?: string;
}

/** Flag values as parsed from the command line (undefined when absent). */
export interface ServeFlags {
  'index-dir'?: string;
  backend?: string;
  port?: string;
  host?: string;
  'cors-origins'?: string;
  'timeout-ms'?: string;
  workers?: string;
  'search-thread'?: string;
  'search-threads'?: string;
  'trust-proxy'?: string;
  'stop-words'?: string;
  synonyms?: string[];
  'no-default-synonyms'?: boolean;
  'admin-key-file'?: string;
  'search-key-file'?: string;
  'rate-limit'?: string;
  'rate-limit-loopback'?: string;
  'refresh-ms'?: string;
}

export class ConfigError extends Error {}

const SETTINGS = {
  indexDir: { flag: 'index-dir', env: 'ZHSEARCH_INDEX_DIR', fallback: 'index' },
  port: { flag: 'port', env: 'ZHSEARCH_PORT', fallback: '3000' },
  host: { flag: 'host', env: 'ZHSEARCH_HOST', fallback: '127.0.0.1' },
  corsOrigins: { flag: 'cors-origins', env: 'ZHSEARCH_CORS_ORIGINS', fallback: '*' },
  searchTimeoutMs: { flag: 'timeout-ms', env: 'ZHSEARCH_TIMEOUT_MS', fallback: '2000' },
  workers: { flag: 'workers', env: 'ZHSEARCH_WORKERS', fallback: '1' },
  searchThread: { flag: 'search-thread', env: 'ZHSEARCH_SEARCH_THREAD', fallback: 'on' },
  searchThreads: { flag: 'search-threads', env: 'ZHSEARCH_SEARCH_THREADS', fallback: '1' },
  trustProxy: { flag: 'trust-proxy', env: 'ZHSEARCH_TRUST_PROXY', fallback: 'off' },
  stopWords: { flag: 'stop-words', env: 'ZHSEARCH_STOP_WORDS', fallback: DEFAULT_STOP_WORDS_FILE },
  rateLimit: { flag: 'rate-limit', env: 'ZHSEARCH_RATE_LIMIT', fallback: '600' },
  rateLimitLoopback: { flag: 'rate-limit-loopback', env: 'ZHSEARCH_RATE_LIMIT_LOOPBACK', fallback: 'off' },
  refreshIntervalMs: { flag: 'refresh-ms', env: 'ZHSEARCH_REFRESH_MS', fallback: '1000' },
} as const;

/** Shortest API key accepted: a guessable key is no protection. */
export const MIN_KEY_LENGTH = 16;

export const MAX_WORKERS = 64;

export const MAX_SEARCH_TIMEOUT_MS = 600_000;

const origin = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === v;
  } catch {
    return false;
  }
}, { error: (issue) => `"${String(issue.input)}" is not an origin like https://library.example.org` });

const schema = z.object({
  indexDir: z.string().trim().min(1, { error: 'must not be empty' }),
  port: z
    .string()
    .regex(/^\d{1,5}$/, { error: 'must be a port number from 0 to 65535' })
    .transform(Number)
    .pipe(z.number().max(65535, { error: 'must be a port number from 0 to 65535' })),
  host: z.string().trim().regex(/^[A-Za-z0-9.:[\]-]+$/, { error: 'must be a host name or IP address, e.g. 127.0.0.1 or 0.0.0.0' }),
  corsOrigins: z.string().transform((v, ctx): CorsOrigins => {
    if (v.trim() === '*') return '*';
    const list = v.split(',').map((s) => s.trim()).filter(Boolean);
    if (!list.length) ctx.addIssue({ code: 'custom', message: 'must be * or a comma-separated list of origins' });
    for (const o of list) {
      const r = origin.safeParse(o);
      if (!r.success) ctx.addIssue({ code: 'custom', message: r.error.issues[0].message });
    }
    return list;
  }),
  searchTimeoutMs: z
    .string()
    .regex(/^\d{1,6}$/, { error: `must be a whole number of milliseconds from 1 to ${MAX_SEARCH_TIMEOUT_MS}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, { error: `must be a whole number of milliseconds from 1 to ${MAX_SEARCH_TIMEOUT_MS}` })
        .max(MAX_SEARCH_TIMEOUT_MS, { error: `must be a whole number of milliseconds from 1 to ${MAX_SEARCH_TIMEOUT_MS}` }),
    ),
  workers: z
    .string()
    .regex(/^\d{1,2}$/, { error: `must be a whole number from 0 (one per core) to ${MAX_WORKERS}` })
    .transform(Number)
    .pipe(z.number().max(MAX_WORKERS, { error: `must be a whole number from 0 (one per core) to ${MAX_WORKERS}` })),
  searchThread: z.enum(['on', 'off'], { error: 'must be on or off' }).transform((v) => v === 'on'),
  searchThreads: z
    .string()
    .regex(/^\d{1,2}$/, { error: 'must be a whole number from 0 (one per core) to 16' })
    .transform(Number)
    .pipe(z.number().max(16, { error: 'must be a whole number from 0 (one per core) to 16' })),
  trustProxy: z
    .string()
    .trim()
    .regex(/^(on|off|\d{1,2}|[A-Za-z0-9.:/,\s]+)$/, { error: 'must be off, on, a number of proxies, or comma-separated addresses, subnets or loopback / linklocal / uniquelocal' })
    .transform((v): boolean | number | string => (v === 'off' ? false : v === 'on' ? true : /^\d+$/.test(v) ? Number(v) : v)),
  stopWords: z.string().refine((f) => existsSync(f), { error: 'no such file' }),
  rateLimit: z
    .string()
    .regex(/^\d{1,7}$/, { error: 'must be a whole number of requests a minute (0 = no limit)' })
    .transform(Number),
  rateLimitLoopback: z.enum(['on', 'off'], { error: 'must be on or off' }).transform((v) => v === 'on'),
  refreshIntervalMs: z
    .string()
    .regex(/^\d{1,6}$/, { error: 'must be a whole number of milliseconds from 10 to 600000' })
    .transform(Number)
    .pipe(z.number().min(10, { error: 'must be a whole number of milliseconds from 10 to 600000' }).max(600_000, { error: 'must be a whole number of milliseconds from 10 to 600000' })),
});

/** The configuration from `flags` and `env`; throws {@link ConfigError} listing every bad setting. */
export function loadServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): ServeConfig {
  type Setting = keyof typeof SETTINGS;
  const raw = {} as Record<Setting, string>;
  for (const key of Object.keys(SETTINGS) as Setting[]) {
    const s = SETTINGS[key];
    raw[key] = flags[s.flag] ?? env[s.env] ?? s.fallback;
  }
  const result = schema.safeParse(raw);
  const lines = result.success
    ? []
    : result.error.issues.map((issue) => {
        const s = SETTINGS[issue.path[0] as Setting];
        return `  --${s.flag} / ${s.env}: ${issue.message} (got "${raw[issue.path[0] as Setting]}")`;
      });
  const synonyms = synonymFiles(flags);
  for (const f of synonyms.filter((f) => !existsSync(f))) lines.push(`  --synonyms: no such file (got "${f}")`);
  const keys = readKeys(flags, env, lines);
  if (keys.admin && result.success && workerCount(result.data.workers) > 1) {
    lines.push('  --workers / ZHSEARCH_WORKERS: the write API (on with an admin key) needs one server process, the index\'s one writer: use --workers 1');
  }
  const backend = flags.backend ?? env.ZHSEARCH_BACKEND;
  if (backend !== undefined && !backend.trim()) lines.push('  --backend / ZHSEARCH_BACKEND: must not be empty');
  if (!result.success || lines.length) throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  return { ...result.data, synonyms, keys, ...(backend ? { backend } : {}) };
}

/** Server processes for `workers` (0 = one per core), as cluster.ts counts them. */
function workerCount(workers: number): number {
  return workers === 0 ? availableParallelism() : workers;
}

/**
 * The digests of the admin key (`--admin-key-file`, else ZHSEARCH_ADMIN_KEY) and of the search
 * keys (`--search-key-file`, one a line, # comments; else ZHSEARCH_SEARCH_KEYS, comma-separated).
 * Problems are added to `lines`; the keys are dropped as soon as they are hashed.
 */
function readKeys(flags: ServeFlags, env: NodeJS.ProcessEnv, lines: string[]): KeyDigests {
  const read = (flag: string, file: string | undefined, variable: string, split: (text: string) => string[]): string[] => {
    if (file === undefined) return split(env[variable] ?? '');
    try {
      return readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    } catch (err) {
      lines.push(`  --${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return [];
    }
  };
  const check = (what: string, keys: string[]) => {
    for (const k of keys) {
      if (k.length < MIN_KEY_LENGTH) lines.push(`  ${what}: a key must have at least ${MIN_KEY_LENGTH} characters (e.g. \`openssl rand -hex 24\`)`);
      else if (!/^[\x21-\x7e]+$/.test(k)) lines.push(`  ${what}: a key must be printable ASCII without spaces`);
    }
  };
  const admin = read('admin-key-file', flags['admin-key-file'], 'ZHSEARCH_ADMIN_KEY', (t) => (t.trim() ? [t.trim()] : []));
  if (admin.length > 1) lines.push('  --admin-key-file: give one admin key (one line)');
  check('--admin-key-file / ZHSEARCH_ADMIN_KEY', admin);
  const search = read('search-key-file', flags['search-key-file'], 'ZHSEARCH_SEARCH_KEYS', (t) => t.split(',').map((k) => k.trim()).filter(Boolean));
  check('--search-key-file / ZHSEARCH_SEARCH_KEYS', search);
  return { admin: admin.length ? sha256(admin[0]) : null, search: search.map(sha256) };
}

/**
 * The synonym files of `--synonyms` (repeatable) after the default list, which
 * `--no-default-synonyms` leaves out. A user's file extends the default list rather than replacing it.
 */
export function synonymFiles(flags: Pick<ServeFlags, 'synonyms' | 'no-default-synonyms'>): string[] {
  return [...(flags['no-default-synonyms'] ? [] : [DEFAULT_SYNONYMS_FILE]), ...(flags.synonyms ?? [])];
}

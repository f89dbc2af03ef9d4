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
 *   --trust-proxy   ZHSEARCH_TRUST_PROXY   default off: proxies whose X-Forwarded-For names the client
 *   --stop-words    ZHSEARCH_STOP_WORDS    default dict/stopwords.txt: the queries' stop list
 *   --synonyms      (repeatable)           synonym files added to dict/synonyms.txt
 *   --no-default-synonyms                  without dict/synonyms.txt
 *
 * A flag wins over the variable, the variable over the default.
 *
 * Owns: reading and checking those settings. Must not: start anything.
 */
import * as z from 'zod';
import { existsSync } from 'node:fs';
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
  /** Express's `trust proxy`: false, true, a number of hops, or addresses / subnets / loopback, linklocal, uniquelocal. */
  trustProxy: boolean | number | string;
  /** The queries' stop-list file. */
  stopWords: string;
  /** The queries' synonym files, in order: dict/synonyms.txt (unless --no-default-synonyms), then --synonyms. */
  synonyms: string[];
}

/** Flag values as parsed from the command line (undefined when absent). */
export interface ServeFlags {
  'index-dir'?: string;
  port?: string;
  host?: string;
  'cors-origins'?: string;
  'timeout-ms'?: string;
  workers?: string;
  'search-thread'?: string;
  'trust-proxy'?: string;
  'stop-words'?: string;
  synonyms?: string[];
  'no-default-synonyms'?: boolean;
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
  trustProxy: { flag: 'trust-proxy', env: 'ZHSEARCH_TRUST_PROXY', fallback: 'off' },
  stopWords: { flag: 'stop-words', env: 'ZHSEARCH_STOP_WORDS', fallback: DEFAULT_STOP_WORDS_FILE },
} as const;

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
  trustProxy: z
    .string()
    .trim()
    .regex(/^(on|off|\d{1,2}|[A-Za-z0-9.:/,\s]+)$/, { error: 'must be off, on, a number of proxies, or comma-separated addresses, subnets or loopback / linklocal / uniquelocal' })
    .transform((v): boolean | number | string => (v === 'off' ? false : v === 'on' ? true : /^\d+$/.test(v) ? Number(v) : v)),
  stopWords: z.string().refine((f) => existsSync(f), { error: 'no such file' }),
});

/** The configuration from `flags` and `env`; throws {@link ConfigError} listing every bad setting. */
export function loadServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): ServeConfig {
  type Setting = keyof typeof SETTINGS;
  const raw: Record<Setting, string> = { indexDir: '', port: '', host: '', corsOrigins: '', searchTimeoutMs: '', workers: '', searchThread: '', trustProxy: '', stopWords: '' };
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
  if (!result.success || lines.length) throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  return { ...result.data, synonyms };
}

/**
 * The synonym files of `--synonyms` (repeatable) after the default list, which
 * `--no-default-synonyms` leaves out. A user's file extends the default list rather than replacing it.
 */
export function synonymFiles(flags: Pick<ServeFlags, 'synonyms' | 'no-default-synonyms'>): string[] {
  return [...(flags['no-default-synonyms'] ? [] : [DEFAULT_SYNONYMS_FILE]), ...(flags.synonyms ?? [])];
}

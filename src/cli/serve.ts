/**
 * `zhsearch serve` (serve an index over HTTP) and `zhsearch start` (build the index from
 * `corpus/` first if there is none, then serve; what `npm start` runs on a fresh clone).
 *
 * Both run until SIGTERM or SIGINT, then stop accepting, finish in-flight requests and return 0.
 * `--workers N` serves from N processes sharing the port (src/server/cluster.ts; 0 = one per core).
 *
 * Owns: these two commands' arguments and messages. Must not: define routes or server behaviour
 * (src/server).
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { indexExists, SynonymsError } from '../index.js';
import { ConfigError, loadServeConfig, type ServeConfig } from '../server/config.js';
import { runWorker, startCluster, workerCount, WorkerStartError } from '../server/cluster.js';
import { startServer } from '../server/server.js';
import { main } from './main.js';

const HELP = `Usage: zhsearch serve [options]
       zhsearch start [options] [--corpus <dir>]

serve   serve the index over HTTP: the search page at /, the JSON API under /api
start   like serve, but first builds the index from the corpus when the index directory has none

Options (flag, environment variable, default):
  --index-dir <dir>       ZHSEARCH_INDEX_DIR     index
  --backend <dir>         ZHSEARCH_BACKEND       none: serve the Sphinx cluster of <dir> instead of the index
                                                 (zhsearch cluster --help; README "Cluster")
  --port <n>              ZHSEARCH_PORT          3000 (0 = any free port)
  --host <addr>           ZHSEARCH_HOST          127.0.0.1 (0.0.0.0 to listen on all interfaces)
  --cors-origins <list>   ZHSEARCH_CORS_ORIGINS  * (or comma-separated origins allowed to call the API)
  --timeout-ms <n>        ZHSEARCH_TIMEOUT_MS    2000 (time budget of one search; over it: 503 search_timeout)
  --workers <n>           ZHSEARCH_WORKERS       1 (server processes sharing the port; 0 = one per core)
  --search-thread on|off  ZHSEARCH_SEARCH_THREAD on (searches over 50 ms finish on a search thread, so
                                                 they never hold up cheap requests; off: one thread)
  --search-threads <n>    ZHSEARCH_SEARCH_THREADS 1 (search threads; an idle one also takes cheap
                                                 searches off the event loop; 0 = one per core)
  --trust-proxy <value>   ZHSEARCH_TRUST_PROXY   off (on, a number of hops, or proxy addresses: then
                                                 X-Forwarded-For names the client, for per-client limits)
  --stop-words <file>     ZHSEARCH_STOP_WORDS    dict/stopwords.txt (words that never decide a match)
  --synonyms <file>       (repeatable)           a synonym list added to dict/synonyms.txt (lines
                                                 \`a, b, c\` or \`a => b, c\`, # comments); reread when
                                                 it changes, no restart or re-index
  --no-default-synonyms                          leave out dict/synonyms.txt
  --admin-key-file <file> ZHSEARCH_ADMIN_KEY     none: the admin key (the file's one line, or the key in
                                                 the variable; at least 16 characters). With it the write
                                                 API is on (PUT/POST/DELETE /api/documents) and the server
                                                 is the index's one writer (\`zhsearch index\` is refused)
  --search-key-file <f>   ZHSEARCH_SEARCH_KEYS   none: search keys (one a line; the variable: comma-
                                                 separated). With any, reads need a key too
  --rate-limit <n>        ZHSEARCH_RATE_LIMIT    600 requests a minute per client address and per key
                                                 (0 = no limit); 429 with Retry-After over it
  --rate-limit-loopback on|off ZHSEARCH_RATE_LIMIT_LOOPBACK off (loopback clients are not limited)
  --refresh-ms <n>        ZHSEARCH_REFRESH_MS    1000: written documents are searchable within this many
                                                 ms (or at once with ?refresh=wait_for)
  --corpus <dir>          (start only)           corpus
  -h, --help

The server follows rebuilds of the index (\`zhsearch index ... --index-dir <dir>\` in another
process) without restarting, unless the write API is on. SIGTERM / SIGINT stop it gracefully.
Keys, limits and timeouts: SECURITY.md.
`;

const OPTIONS = {
  'index-dir': { type: 'string' },
  backend: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'cors-origins': { type: 'string' },
  'timeout-ms': { type: 'string' },
  workers: { type: 'string' },
  'search-thread': { type: 'string' },
  'search-threads': { type: 'string' },
  'trust-proxy': { type: 'string' },
  'stop-words': { type: 'string' },
  synonyms: { type: 'string', multiple: true },
  'no-default-synonyms': { type: 'boolean' },
  'admin-key-file': { type: 'string' },
  'search-key-file': { type: 'string' },
  'rate-limit': { type: 'string' },
  'rate-limit-loopback': { type: 'string' },
  'refresh-ms': { type: 'string' },
  corpus: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Parsed = { config: ServeConfig; corpus: string } | { exit: number };

function parse(command: string, args: string[]): Parsed {
  let values;
  try {
    values = parseArgs({ args, options: OPTIONS, allowPositionals: false, strict: true }).values;
  } catch (err) {
    process.stderr.write(`zhsearch ${command}: ${(err as Error).message}\nRun \`zhsearch ${command} --help\` for usage.\n`);
    return { exit: 2 };
  }
  if (values.help) {
    process.stdout.write(HELP);
    return { exit: 0 };
  }
  if (command === 'serve' && values.corpus !== undefined) {
    process.stderr.write('zhsearch serve: --corpus is an option of `zhsearch start`\n');
    return { exit: 2 };
  }
  try {
    return { config: loadServeConfig(values), corpus: values.corpus ?? 'corpus' };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`zhsearch ${command}: ${err.message}\n`);
    return { exit: 2 };
  }
}

export async function serveCommand(args: string[]): Promise<number> {
  const parsed = parse('serve', args);
  return 'exit' in parsed ? parsed.exit : serve(parsed.config);
}

export async function startCommand(args: string[]): Promise<number> {
  const parsed = parse('start', args);
  if ('exit' in parsed) return parsed.exit;
  const { config, corpus } = parsed;
  if (!indexExists(config.indexDir)) {
    if (!existsSync(corpus)) {
      process.stderr.write(`zhsearch start: no index in ${config.indexDir} and no corpus directory ${corpus} to build one from\n`);
      return 1;
    }
    process.stderr.write(`zhsearch start: no index in ${config.indexDir}; building it from ${corpus}\n`);
    const code = await main(['index', corpus, '--index-dir', config.indexDir]);
    if (code !== 0) return code;
  }
  return serve(config);
}

async function serve(config: ServeConfig): Promise<number> {
  // A worker of the cluster (see src/server/cluster.ts): the primary reports and handles signals.
  if (cluster.isWorker) return runWorker(config);
  if (!config.backend && !indexExists(config.indexDir)) {
    process.stderr.write(
      `zhsearch serve: warning: no index in ${config.indexDir} yet; serving an empty index until one is built there ` +
        `(\`zhsearch index <paths> --index-dir ${config.indexDir}\`)\n`,
    );
  }
  const workers = workerCount(config.workers);
  let running: { url: string; documents: number; generation: number; close(): Promise<void> };
  try {
    if (workers > 1) running = await startCluster(workers, (line) => void process.stderr.write(line + '\n'));
    else {
      const server = await startServer(config);
      running = { url: server.url, ...server.started, close: () => server.close() };
    }
  } catch (err) {
    // A synonym list with a bad line (named file:line) is a configuration error, as a bad flag.
    if (err instanceof SynonymsError || (err instanceof WorkerStartError && err.name === 'SynonymsError')) {
      process.stderr.write(`zhsearch serve: invalid synonym list: ${err.message}\n`);
      return 2;
    }
    const code = err instanceof WorkerStartError ? err.code : (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') process.stderr.write(`zhsearch serve: port ${config.port} on ${config.host} is in use; choose another with --port or ZHSEARCH_PORT\n`);
    else if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') process.stderr.write(`zhsearch serve: cannot listen on ${config.host}: ${code}\n`);
    else throw err;
    return 1;
  }
  const processes = workers > 1 ? `, ${workers} worker processes` : '';
  const writeApi = config.keys.admin ? ', write API on' : '';
  process.stderr.write(`zhsearch: serving ${config.backend ? `the cluster of ${config.backend}` : config.indexDir} (${running.documents} documents${config.backend ? '' : `, version ${running.generation}`}${processes}${writeApi}) at ${running.url}\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (sig: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(sig);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  process.stderr.write(`zhsearch: ${signal}: finishing requests and shutting down\n`);
  await running.close();
  return 0;
}

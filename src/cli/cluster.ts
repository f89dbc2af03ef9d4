/**
 * `zhsearch cluster start|stop|status`: the Sphinx cluster a `--backend <dir>` index and server
 * use (src/backend/sphinx/cluster.ts).
 *
 * Owns: these commands' arguments and output. Must not: reach past the public API.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clusterStatus, DEFAULT_BASE_PORT, loadDocuments, readCluster, startCluster, stopCluster } from '../index.js';
import { ArticleConverter } from '../ingest/article-converter.js';
import { DuplicateDetector } from '../ingest/dedupe.js';
import { Ingestion, parseFieldMapping } from '../ingest/pipeline.js';
import { listInputs, readInputs, totalBytes } from '../ingest/readers.js';
import { positiveInt, UsageError } from './main.js';
import { Progress } from './progress.js';

const HELP = `Usage: zhsearch cluster start  --dir <dir> --shards <n> [--mirrors <m>] [--base-port <p>] [--host <addr>]
                                [--query-timeout-ms <n>]
       zhsearch cluster stop   --dir <dir>
       zhsearch cluster status --dir <dir> [--json]

start   starts n Sphinx searchd shard processes (m per shard with mirrors) and one front,
        from Debian's sphinxsearch, and waits until all answer; <dir>/cluster.json describes
        them. On a directory whose cluster is stopped, starts it again with its documents.
stop    stops every process of the cluster (its documents stay in <dir>)
status  each process: running, answering, documents; exit code 0 when all answer

Options:
  --dir <dir>             the cluster's directory (created)
  --shards <n>            shards (documents are spread by a hash of their id)
  --mirrors <m>           nodes per shard holding the same documents (default 1: no mirror); the
                          front uses another when one is down
  --base-port <p>         ${DEFAULT_BASE_PORT}: the front's SphinxQL port; the shards use the ports after it
  --host <addr>           127.0.0.1 (every process listens there only; see SECURITY.md)
  --query-timeout-ms <n>  1500: a shard slower than this is left out of an answer, which says so

Then: zhsearch index <paths...> --backend <dir>, zhsearch serve --backend <dir>.
`;

export async function clusterCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        dir: { type: 'string' },
        shards: { type: 'string' },
        mirrors: { type: 'string' },
        'base-port': { type: 'string' },
        host: { type: 'string' },
        'query-timeout-ms': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`cluster ${action ?? ''}: ${(err as Error).message}`);
  }
  const { values } = parsed;
  if (!action || action === 'help' || action === '--help' || action === '-h' || values.help) return void process.stdout.write(HELP), 0;
  if (!['start', 'stop', 'status'].includes(action)) throw new UsageError(`cluster: unknown action "${action}" (start, stop or status)`);
  if (!values.dir) throw new UsageError(`cluster ${action}: --dir <dir> is required`);
  const dir = values.dir;
  if (action === 'start') {
    if (values.shards === undefined) throw new UsageError('cluster start: --shards <n> is required');
    const c = await startCluster(dir, {
      shards: positiveInt('shards', values.shards, 1, 64),
      mirrors: positiveInt('mirrors', values.mirrors, 1, 8),
      basePort: positiveInt('base-port', values['base-port'], DEFAULT_BASE_PORT, 65_000),
      host: values.host,
      queryTimeoutMs: values['query-timeout-ms'] === undefined ? undefined : positiveInt('query-timeout-ms', values['query-timeout-ms'], 1, 600_000),
    });
    process.stdout.write(`cluster started in ${dir}: ${c.shardCount} shard(s)${c.mirrors > 1 ? ` x ${c.mirrors} nodes` : ''}, front at ${c.front.host}:${c.front.port} (SphinxQL), ${c.engine}\n`);
    return 0;
  }
  if (action === 'stop') {
    const results = await stopCluster(dir);
    for (const r of results) process.stdout.write(`${r.node}: ${r.result}\n`);
    return 0;
  }
  const status = await clusterStatus(dir);
  if (values.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  else {
    process.stdout.write(`${status.dir} (${status.engine})\n`);
    for (const n of status.nodes) {
      const state = n.answering ? 'up' : n.running ? 'not answering' : 'down';
      process.stdout.write(`  ${n.node.padEnd(18)} ${`${n.host}:${n.port}`.padEnd(22)} ${state.padEnd(14)} ${n.pid ? `pid ${n.pid}` : ''}${n.documents !== null ? `  ${n.documents} documents` : ''}${n.error ? `  (${n.error})` : ''}\n`);
    }
  }
  return status.nodes.every((n) => n.answering) ? 0 : 1;
}

/**
 * `zhsearch index <paths...> --backend <dir>`: the same ingestion (cleaning, regions, libraries,
 * dates, duplicates of this run's and earlier loads' documents) and report as the embedded index,
 * loaded into the cluster.
 */
export async function indexIntoCluster(dir: string, paths: string[], o: { mapping?: string; userDicts?: string[]; quiet: boolean; dedupe: boolean; threads?: number }): Promise<number> {
  const started = performance.now();
  const c = readCluster(dir);
  let mapping;
  try {
    mapping = parseFieldMapping(o.mapping ?? '');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const detector = new DuplicateDetector();
  const progress = new Progress(totalBytes(listInputs(paths).files), !o.quiet && process.stderr.isTTY === true);
  const ingestion = new Ingestion(new ArticleConverter(mapping, { dedupe: o.dedupe, detector }));
  const result = await loadDocuments(dir, ingestion.documents(readInputs(paths, (b) => progress.bytes(b))), {
    userDicts: o.userDicts,
    threads: o.threads,
    onDocument: (n) => progress.doc(n),
    // Reposts of documents loaded by earlier runs are grouped too: the detector first learns the cluster's originals.
    ...(o.dedupe ? { detector } : {}),
    onSeeded: (n, seconds) => {
      if (n && !o.quiet) process.stderr.write(`duplicate detection: read ${n} loaded documents in ${seconds.toFixed(1)} s\n`);
    },
  });
  progress.finish();
  const report = ingestion.report;
  const reportPath = join(dir, 'ingest-report.json');
  writeFileSync(reportPath, JSON.stringify(report, null, 2));
  const seconds = (performance.now() - started) / 1000;
  const reasons = Object.entries(report.byReason).map(([r, n]) => `${r} ${n}`).join(', ');
  process.stdout.write(
    `indexed ${result.documents} documents in ${seconds.toFixed(1)} s (${(result.documents / seconds).toFixed(0)} docs/s); rejected ${report.rejected.length}${reasons ? ` (${reasons})` : ''}\n` +
      `cluster ${dir}: ${result.totalDocuments} documents on ${c.shardCount} shard(s) (${result.perShard.join(' + ')} loaded now); report ${reportPath}\n`,
  );
  for (const r of report.rejected.slice(0, 10)) process.stderr.write(`  rejected ${r.origin}: ${r.message}\n`);
  if (report.rejected.length > 10) process.stderr.write(`  ... and ${report.rejected.length - 10} more in ${reportPath}\n`);
  return 0;
}

/**
 * A Sphinx cluster on this machine: n shard nodes (each with m - 1 mirrors holding the same
 * documents) and one front, each a `searchd` of its own, described by `<dir>/cluster.json`.
 *
 *   <dir>/cluster.json          the description (below); written atomically
 *   <dir>/global.idf            document frequencies over the whole collection (global-idf.ts)
 *   <dir>/names.json            ids of source and library names (names.ts)
 *   <dir>/load/                 a load's documents per shard, while it runs (load.ts)
 *   <dir>/front/                the front's config, log, pid file
 *   <dir>/shard-<i>/            shard i's first node: config, `main` and `delta` index files, binlog
 *   <dir>/shard-<i>-mirror-<j>/ its mirrors (j from 1)
 *
 * Ports from `basePort` (default 9306, Sphinx's SphinxQL port): the front's SphinxQL at basePort;
 * node k (shard-major, mirrors after their shard's first node) at basePort + 1 + 2k (SphinxQL,
 * for writes and status) and basePort + 2 + 2k (the API the front speaks to its agents). Every
 * process listens on `host`, loopback by default (SECURITY.md).
 *
 * `start` on a directory that already has a stopped cluster starts the same layout again, with
 * its documents (main indexes and binlogs are kept); `stop` stops every process and keeps the data.
 *
 * Owns: the layout, cluster.json, and starting, stopping and reporting the processes. Must not:
 * analyse documents or run searches (the backend does).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from 'zod';
import { writeFileAtomically } from '../../fs/durable.js';
import { frontConfig, shardConfig, xmlpipeHeader, XMLPIPE_FOOTER, type NodePaths } from './conf.js';
import { writeGlobalIdf } from './global-idf.js';
import { connect, isSearchd, logTail, requireSphinx, runIndexer, sphinxVersion, startSearchd, stopSearchd, waitForSearchd } from './searchd.js';

export const CLUSTER_FILE = 'cluster.json';
export const DEFAULT_BASE_PORT = 9306;
export const DEFAULT_HOST = '127.0.0.1';
/** Agents' connect timeout and query timeout (ms): a shard slower than this is left out, the answer says so. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 500;
export const DEFAULT_QUERY_TIMEOUT_MS = 1500;

const nodeSchema = z.object({
  host: z.string(),
  /** SphinxQL. */
  port: z.number().int(),
  pid: z.number().int().nullable(),
  config: z.string(),
  dir: z.string(),
  log: z.string(),
});

const shardNodeSchema = nodeSchema.extend({
  /** The shard this node holds (0-based). */
  shard: z.number().int().min(0),
  /** 0 for the shard's first node, 1.. for its mirrors. */
  mirror: z.number().int().min(0),
  /** The Sphinx API port the front connects to. */
  apiPort: z.number().int(),
});

export const clusterSchema = z.object({
  version: z.literal(1),
  engine: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  shardCount: z.number().int().min(1),
  mirrors: z.number().int().min(1),
  basePort: z.number().int(),
  host: z.string(),
  connectTimeoutMs: z.number().int().positive(),
  queryTimeoutMs: z.number().int().positive(),
  globalIdf: z.string(),
  /** Where a load writes each shard's documents (`shard-<i>.xml`), removed once merged. */
  loadDir: z.string(),
  front: nodeSchema,
  shards: z.array(shardNodeSchema),
});

export type ClusterDescription = z.infer<typeof clusterSchema>;
export type ShardNode = z.infer<typeof shardNodeSchema>;

export class ClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterError';
  }
}

/** Reads `<dir>/cluster.json`; a clear ClusterError when it is missing or not a cluster description. */
export function readCluster(dir: string): ClusterDescription {
  const file = join(dir, CLUSTER_FILE);
  if (!existsSync(file)) throw new ClusterError(`${file} not found: no cluster in ${dir} (start one with \`zhsearch cluster start --dir ${dir} --shards <n>\`)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ClusterError(`${file}: not JSON (${(err as Error).message})`);
  }
  const parsed = clusterSchema.safeParse(json);
  if (!parsed.success) throw new ClusterError(`${file}: not a zhsearch cluster description: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function writeCluster(dir: string, c: ClusterDescription): void {
  writeFileAtomically(dir, CLUSTER_FILE, `${JSON.stringify(c, null, 2)}\n`);
}

export interface StartOptions {
  shards: number;
  /** Nodes per shard (1 = no mirror). Default 1. */
  mirrors?: number;
  basePort?: number;
  host?: string;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** How long each searchd may take to answer after its start. Default 30 s. */
  startTimeoutMs?: number;
}

/** The description of a new cluster in `dir` (no process started). */
function layout(dir: string, o: StartOptions): ClusterDescription {
  const mirrors = o.mirrors ?? 1;
  const basePort = o.basePort ?? DEFAULT_BASE_PORT;
  const host = o.host ?? DEFAULT_HOST;
  const shards: ShardNode[] = [];
  for (let shard = 0; shard < o.shards; shard++) {
    for (let mirror = 0; mirror < mirrors; mirror++) {
      const k = shard * mirrors + mirror;
      const nodeDir = join(dir, mirror === 0 ? `shard-${shard}` : `shard-${shard}-mirror-${mirror}`);
      shards.push({ shard, mirror, host, port: basePort + 1 + 2 * k, apiPort: basePort + 2 + 2 * k, pid: null, dir: nodeDir, config: join(nodeDir, 'searchd.conf'), log: join(nodeDir, 'searchd.out') });
    }
  }
  const frontDir = join(dir, 'front');
  return {
    version: 1,
    engine: sphinxVersion(),
    createdAt: new Date().toISOString(),
    startedAt: null,
    shardCount: o.shards,
    mirrors,
    basePort,
    host,
    connectTimeoutMs: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: o.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    globalIdf: join(dir, 'global.idf'),
    loadDir: join(dir, 'load'),
    front: { host, port: basePort, pid: null, dir: frontDir, config: join(frontDir, 'searchd.conf'), log: join(frontDir, 'searchd.out') },
    shards,
  };
}

/** The paths a shard node's config names. */
export function nodePaths(c: ClusterDescription, node: ShardNode): NodePaths {
  return { dir: node.dir, mainXml: join(node.dir, 'main.xml'), batchXml: batchXml(c, node.shard), globalIdf: c.globalIdf };
}

/** Where a load writes shard `shard`'s documents (every node of the shard builds from it). */
export function batchXml(c: ClusterDescription, shard: number): string {
  return join(c.loadDir, `shard-${shard}.xml`);
}

/** Writes every node's config (from the description, so they always agree with it). */
function writeConfigs(c: ClusterDescription): void {
  for (const node of c.shards) {
    mkdirSync(node.dir, { recursive: true });
    writeFileSync(node.config, shardConfig(nodePaths(c, node), { host: node.host, port: node.port, apiPort: node.apiPort }));
  }
  mkdirSync(c.front.dir, { recursive: true });
  const byShard = Array.from({ length: c.shardCount }, (_, i) => c.shards.filter((n) => n.shard === i).sort((a, b) => a.mirror - b.mirror));
  writeFileSync(c.front.config, frontConfig(c.front.dir, { host: c.front.host, port: c.front.port }, { shards: byShard, connectTimeoutMs: c.connectTimeoutMs, queryTimeoutMs: c.queryTimeoutMs }));
}

/**
 * Starts the cluster of `dir`: a new one laid out by `options`, or the stopped one already there
 * (its layout kept; `options.shards` must agree). Resolves when every searchd answers; on failure
 * stops what it started and throws with the failing node's log.
 */
export async function startCluster(dirPath: string, options: StartOptions): Promise<ClusterDescription> {
  requireSphinx();
  const dir = resolve(dirPath);
  mkdirSync(dir, { recursive: true });
  let c: ClusterDescription;
  if (existsSync(join(dir, CLUSTER_FILE))) {
    c = readCluster(dir);
    if (c.shardCount !== options.shards || c.mirrors !== (options.mirrors ?? c.mirrors)) throw new ClusterError(`${dir} holds a cluster of ${c.shardCount} shard(s) x ${c.mirrors} node(s); asked for ${options.shards} x ${options.mirrors ?? c.mirrors}: stop it and use another --dir, or start it with --shards ${c.shardCount}`);
    const running = [c.front, ...c.shards].filter((n) => isSearchd(n.pid, n.config));
    if (running.length) throw new ClusterError(`the cluster in ${dir} is already running (${running.length} of ${c.shards.length + 1} processes; \`zhsearch cluster status --dir ${dirPath}\`)`);
  } else {
    if (!Number.isInteger(options.shards) || options.shards < 1) throw new ClusterError(`--shards must be a positive integer, got ${options.shards}`);
    c = layout(dir, options);
  }
  writeConfigs(c);
  if (!existsSync(c.globalIdf)) writeGlobalIdf(c.globalIdf, 0, new Map());
  for (const node of c.shards) {
    // A new node gets an empty `main` (searchd does not serve an index that was never built).
    if (!existsSync(join(node.dir, 'main.sph'))) {
      writeFileSync(join(node.dir, 'main.xml'), xmlpipeHeader() + XMLPIPE_FOOTER);
      await runIndexer(node.config, ['main'], false);
    }
  }
  const started: Array<{ pid: number; config: string }> = [];
  try {
    for (const node of [...c.shards, c.front]) {
      node.pid = startSearchd(node.config, node.log);
      started.push({ pid: node.pid, config: node.config });
    }
    for (const node of [...c.shards, c.front]) await waitForSearchd(node.pid!, node.config, node.host, node.port, node.log, options.startTimeoutMs);
  } catch (err) {
    await Promise.all(started.map((p) => stopSearchd(p.pid, p.config)));
    for (const node of [...c.shards, c.front]) node.pid = null;
    writeCluster(dir, c);
    throw err instanceof ClusterError ? err : new ClusterError((err as Error).message);
  }
  c.startedAt = new Date().toISOString();
  writeCluster(dir, c);
  return c;
}

/** Stops every process of the cluster in `dir` (data kept). Returns, per node, what happened. */
export async function stopCluster(dirPath: string): Promise<Array<{ node: string; result: string }>> {
  const dir = resolve(dirPath);
  const c = readCluster(dir);
  // The front first: it stops sending queries to the shards.
  const results: Array<{ node: string; result: string }> = [];
  for (const node of [c.front, ...c.shards]) {
    results.push({ node: nodeName(node), result: await stopSearchd(node.pid, node.config) });
    node.pid = null;
  }
  c.startedAt = null;
  writeCluster(dir, c);
  return results;
}

export function nodeName(node: ClusterDescription['front'] | ShardNode): string {
  return 'shard' in node ? `shard ${node.shard}${node.mirror ? ` mirror ${node.mirror}` : ''}` : 'front';
}

export interface NodeStatus {
  node: string;
  host: string;
  port: number;
  pid: number | null;
  running: boolean;
  /** Answered SphinxQL just now. */
  answering: boolean;
  /** Documents in this node's `main` + `delta` (shards only; null when not answering). */
  documents: number | null;
  error?: string;
}

/** Each process of the cluster in `dir`: running, answering, documents. */
export async function clusterStatus(dirPath: string): Promise<{ dir: string; engine: string; nodes: NodeStatus[] }> {
  const dir = resolve(dirPath);
  const c = readCluster(dir);
  const nodes = await Promise.all(
    [c.front, ...c.shards].map(async (node): Promise<NodeStatus> => {
      const running = isSearchd(node.pid, node.config);
      const s: NodeStatus = { node: nodeName(node), host: node.host, port: node.port, pid: running ? node.pid : null, running, answering: false, documents: null };
      if (!running) return s;
      try {
        const conn = await connect(node.host, node.port, 1000);
        try {
          if ('shard' in node) {
            const [rows] = (await conn.query('SELECT COUNT(*) AS n FROM shard WHERE deleted = 0')) as unknown as [Array<{ n: number | string }>];
            s.documents = Number(rows[0]?.n ?? 0);
          } else await conn.query('SHOW STATUS');
          s.answering = true;
        } finally {
          await conn.end().catch(() => undefined);
        }
      } catch (err) {
        s.error = `${(err as Error).message}; log: ${logTail(node.log, 3)}`;
      }
      return s;
    }),
  );
  return { dir, engine: c.engine, nodes };
}

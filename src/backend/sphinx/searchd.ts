/**
 * Sphinx's programs, as the cluster runs them: `indexer` (builds a plain index from its config),
 * `searchd` (one process per node, started in the foreground mode `--nodetach` but detached from
 * the zhsearch process, so it outlives `zhsearch cluster start`, and stopped by its PID) and the
 * SphinxQL connection (mysql2, text protocol: `query()`, never `execute()`).
 *
 * Owns: spawning, waiting for, identifying and stopping these processes. Must not: decide the
 * cluster's layout or write its description (cluster.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { Connection } from 'mysql2/promise';

/** What a user without Sphinx is told. */
export const INSTALL_HINT = "the cluster runs Debian's Sphinx search server: install it with `sudo apt-get install sphinxsearch` (Sphinx 2.2.11; Manticore Search's searchd and indexer work too, see README \"Cluster\")";

export class SphinxMissingError extends Error {
  constructor(program: string) {
    super(`${program} not found: ${INSTALL_HINT}`);
    this.name = 'SphinxMissingError';
  }
}

/** Throws {@link SphinxMissingError} unless `searchd` and `indexer` can be run. */
export function requireSphinx(): void {
  for (const program of ['searchd', 'indexer']) {
    const r = spawnSync(program, ['--help'], { encoding: 'utf8' });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new SphinxMissingError(program);
  }
}

/** The version line of the installed Sphinx, e.g. "Sphinx 2.2.11-id64-release (95ae9a6)". */
export function sphinxVersion(): string {
  const r = spawnSync('indexer', ['--help'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n')[0]?.trim() || 'Sphinx (unknown version)';
}

/**
 * Runs `indexer --config <config> <args...>` (e.g. `main`, or `--merge main batch`); `rotate`: a
 * searchd running that config switches to the new files without a restart. Throws with indexer's
 * output when it fails.
 */
export function runIndexer(config: string, args: readonly string[], rotate: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('indexer', ['--config', config, ...args, '--quiet', ...(rotate ? ['--rotate'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (b: Buffer) => (output = (output + b.toString('utf8')).slice(-64_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? new SphinxMissingError('indexer') : err));
    child.on('close', (code) => {
      if (code !== 0 || /^(ERROR|FATAL):/m.test(output)) reject(new Error(`indexer ${args.join(' ')} (${config}) failed (exit ${code}): ${output.trim().slice(-2000)}`));
      else resolve();
    });
  });
}

/** Starts `searchd --config <config> --nodetach` in its own session, output to `logFile`; returns its PID. */
export function startSearchd(config: string, logFile: string): number {
  const out = openSync(logFile, 'a');
  try {
    const child = spawn('searchd', ['--config', config, '--nodetach'], { detached: true, stdio: ['ignore', out, out] });
    if (child.pid === undefined) throw new SphinxMissingError('searchd');
    child.unref();
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** Whether `pid` is a searchd running `config` (a PID reused by another program is not). */
export function isSearchd(pid: number | null, config: string): boolean {
  if (!pid) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return /(^|\/)searchd$/.test(argv[0] ?? '') && argv.includes(config);
  } catch {
    // No /proc (not Linux): whether the process exists at all.
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/**
 * A SphinxQL connection (mysql2 loaded on first use: the embedded engine never needs it).
 * `bigIds`: 64-bit integers (Sphinx ids) come as decimal strings, not rounded to a double.
 */
export async function connect(host: string, port: number, timeoutMs = 2000, bigIds = false): Promise<Connection> {
  const mysql = await import('mysql2/promise');
  return mysql.createConnection({ host, port, multipleStatements: true, connectTimeout: timeoutMs, ...(bigIds ? { supportBigNumbers: true, bigNumberStrings: true } : {}) });
}

/**
 * Waits until the searchd `pid` answers SphinxQL on host:port (it loads its indexes first).
 * Throws when it exits or does not answer within `timeoutMs`, with the end of its log.
 */
export async function waitForSearchd(pid: number, config: string, host: string, port: number, logFile: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    if (!isSearchd(pid, config)) throw new Error(`searchd (${config}) exited at start: ${logTail(logFile)}`);
    try {
      const c = await connect(host, port, 1000);
      try {
        await c.query('SHOW STATUS');
        return;
      } finally {
        await c.end().catch(() => undefined);
      }
    } catch (err) {
      last = (err as Error).message;
      await sleep(100);
    }
  }
  throw new Error(`searchd (${config}) did not answer on ${host}:${port} within ${timeoutMs} ms (${last}): ${logTail(logFile)}`);
}

/** The last lines of a log, for error messages. */
export function logTail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r/g, '\n').split('\n').filter((l) => l.trim()).slice(-lines).join(' | ');
  } catch {
    return `(no log at ${file})`;
  }
}

/** The text of a log from byte `offset` on ('' when there is no log): what searchd wrote since then. */
export function logFrom(file: string, offset: number): string {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const length = Math.max(0, fstatSync(fd).size - offset);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, offset);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Stops the searchd `pid` running `config`: SIGTERM, then SIGKILL after `timeoutMs`. Returns
 * what happened ('not running' when no such searchd was found).
 */
export async function stopSearchd(pid: number | null, config: string, timeoutMs = 10_000): Promise<'stopped' | 'killed' | 'not running'> {
  if (!pid || !isSearchd(pid, config)) return 'not running';
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!isSearchd(pid, config)) return 'stopped';
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  while (isSearchd(pid, config)) await sleep(20);
  return 'killed';
}

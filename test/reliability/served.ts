/**
 * `zhsearch serve` in a child process (the compiled CLI, as users run it), for the reliability
 * tests that measure a real server from outside: its latency, its memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

export interface Served {
  url: string;
  child: ChildProcess;
}

/** `zhsearch serve` over `dir` on a free port, once it listens. */
export function serve(dir: string, ...flags: string[]): Promise<Served> {
  const child = spawn(process.execPath, [join(process.cwd(), 'bin/zhsearch.js'), 'serve', '--index-dir', dir, '--port', '0', ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /at (http:\/\/\S+)/.exec(err);
      if (m) resolve({ url: m[1], child });
    });
    child.on('exit', (code) => reject(new Error(`zhsearch serve exited with ${code}: ${err}`)));
  });
}

/** Stops a server started by {@link serve} (SIGTERM) and waits for it to exit. */
export async function stop(s: Served | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.on('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

/** A field of /proc/<pid>/status in MiB (VmRSS: resident now, VmHWM: peak resident). */
export function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export interface Reply {
  status: number;
  ms: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * GET `path` from `base` over a connection from `localAddress` (any 127.x.y.z is loopback on Linux,
 * so tests can be several clients to the server's per-client accounting).
 */
export function getFrom(base: string, path: string, localAddress: string, agent: Agent): Promise<Reply> {
  const url = new URL(base);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, agent, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

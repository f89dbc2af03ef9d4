/**
 * The README's code runs as written: every ```ts and ```js block of README.md (except one right
 * after a `<!-- not run -->` line) is written to its own temporary directory, its
 * `from 'zhsearch'` pointed at the built package (dist/, as an embedder imports it), and run
 * there (ts with tsx, js with node) on a fresh index; it must exit 0. A block that talks to the
 * server (`http://127.0.0.1:3000`, as the README's examples say) runs against a real server on a
 * loopback port of its own, with an admin key in `ZHSEARCH_ADMIN_KEY`. Shell blocks are not run.
 *
 * `npm test` builds first; run alone, this test builds dist/ when src/ is newer than it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../src/server/auth.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { removeDir, tempDir } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist/index.js');

export interface CodeBlock {
  lang: 'ts' | 'js';
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The ```ts / ```js blocks of `markdown` meant to run: not those right after `<!-- not run -->`. */
export function runnableBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const lang = open[1];
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const skipped = before >= 0 && /^<!--\s*not run\s*-->$/.test(lines[before].trim());
    if ((lang === 'ts' || lang === 'js') && !skipped) blocks.push({ lang, code: lines.slice(i + 1, end).join('\n'), line: i + 1 });
    i = end;
  }
  return blocks;
}

/** Runs `cmd` without blocking this process (a block may talk to the server it runs). */
function runAsync(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeout: number }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const blocks = runnableBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
/** Where the README's examples expect the server. */
const README_SERVER = 'http://127.0.0.1:3000';
const ADMIN_KEY = 'readme-admin-key-0123456789abcdef';

describe('runnableBlocks', () => {
  it('takes ts and js blocks, leaves shell, plain and not-run ones', () => {
    const md = ['```ts', 'a()', '```', '```sh', 'ls', '```', '<!-- not run -->', '```ts', 'b()', '```', '```', 'text', '```', '```js', 'c()', '', 'd()', '```'].join('\n');
    expect(runnableBlocks(md)).toEqual([
      { lang: 'ts', code: 'a()', line: 1 },
      { lang: 'js', code: 'c()\n\nd()', line: 14 },
    ]);
  });
});

describe('README code blocks', () => {
  let server: RunningServer | undefined;
  let serverDir: string | undefined;

  /** The server a block talks to, started the first time one needs it. */
  async function serverUrl(): Promise<string> {
    if (!server) {
      serverDir = tempDir('zhsearch-readme-server-');
      server = await startServer({ indexDir: serverDir, port: 0, host: '127.0.0.1', log: () => {}, keys: { admin: sha256(ADMIN_KEY), search: [] } });
    }
    return server.url;
  }

  afterAll(async () => {
    await server?.close();
    if (serverDir) removeDir(serverDir);
  });

  beforeAll(() => {
    if (!existsSync(DIST) || newestMtime(join(ROOT, 'src')) > statSync(DIST).mtimeMs) {
      const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    }
  }, 300_000);

  it('has the library example among them', () => {
    expect(blocks.some((b) => b.code.includes("from 'zhsearch'"))).toBe(true);
  });

  for (const block of blocks) {
    it(`block at README.md:${block.line} (${block.lang}) exits 0`, async () => {
      const dir = tempDir('zhsearch-readme-');
      try {
        let code = block.code.replace(/from\s+(['"])zhsearch\1/g, `from '${pathToFileURL(DIST).href}'`);
        if (code.includes(README_SERVER)) code = code.replaceAll(README_SERVER, await serverUrl());
        const file = join(dir, `block.${block.lang === 'ts' ? 'mts' : 'mjs'}`);
        writeFileSync(file, code);
        const [cmd, args] = block.lang === 'ts' ? [join(ROOT, 'node_modules/.bin/tsx'), [file]] : [process.execPath, [file]];
        const run = await runAsync(cmd, args, { cwd: dir, timeout: 120_000, env: { ...process.env, ZHSEARCH_ADMIN_KEY: ADMIN_KEY } });
        expect(run.stderr, `stdout:\n${run.stdout}`).not.toMatch(/Error|warning/);
        expect(run.status, `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).toBe(0);
      } finally {
        removeDir(dir);
      }
    }, 180_000);
  }
});

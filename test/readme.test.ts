/**
 * The README's code runs as written: every ```ts and ```js block of README.md (except one right
 * after a `<!-- not run -->` line) is written to its own temporary directory, its
 * `from 'zhsearch'` pointed at the built package (dist/, as an embedder imports it), and run
 * there (ts with tsx, js with node) on a fresh index; it must exit 0. Shell blocks are not run.
 *
 * `npm test` builds first; run alone, this test builds dist/ when src/ is newer than it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
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

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const blocks = runnableBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));

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
    it(`block at README.md:${block.line} (${block.lang}) exits 0`, () => {
      const dir = tempDir('zhsearch-readme-');
      try {
        const code = block.code.replace(/from\s+(['"])zhsearch\1/g, `from '${pathToFileURL(DIST).href}'`);
        const file = join(dir, `block.${block.lang === 'ts' ? 'mts' : 'mjs'}`);
        writeFileSync(file, code);
        const [cmd, args] = block.lang === 'ts' ? [join(ROOT, 'node_modules/.bin/tsx'), [file]] : [process.execPath, [file]];
        const run = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 120_000 });
        expect(run.stderr, `stdout:\n${run.stdout}`).not.toMatch(/Error|warning/);
        expect(run.status, `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).toBe(0);
      } finally {
        removeDir(dir);
      }
    }, 180_000);
  }
});

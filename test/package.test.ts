/**
 * What `npm pack` publishes (package.json `files`): what a user needs to run the library, the CLI,
 * the server and its page, and nothing else (no tests, benchmarks, sample corpus, TypeScript
 * sources or source maps). Then the packed files themselves, unpacked alone in a temporary
 * directory (dependencies linked from this checkout), build an index, search it and serve the page.
 *
 * Builds dist/ when src/ is newer than it (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist/index.js');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

let packed: string[];

beforeAll(() => {
  if (!existsSync(DIST) || Math.max(...files(join(ROOT, 'src')).map((f) => statSync(f).mtimeMs)) > statSync(DIST).mtimeMs) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  }
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const [info] = JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>;
  packed = info.files.map((f) => f.path);
}, 300_000);

describe('npm pack --dry-run', () => {
  it('leaves out tests, benchmarks, the corpus, the index, TypeScript sources and source maps', () => {
    const unwanted = packed.filter(
      (p) => /^(test|bench|corpus|index|node_modules|test-results)\//.test(p) || (p.startsWith('src/') && !p.startsWith('src/server/public/')) || p.endsWith('.map') || /^(tsconfig|vitest\.config|package-lock)/.test(p),
    );
    expect(unwanted).toEqual([]);
    // The sample corpus alone is hundreds of files: what is left is the built code and its data.
    expect(packed.length).toBeLessThan(300);
  });

  it('has the entry points: package.json, README, the CLI launcher, the library and its types', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; types: string; bin: Record<string, string>; exports: Record<string, Record<string, string>> };
    const needed = ['package.json', 'README.md', pkg.main, pkg.types, ...Object.values(pkg.bin), ...Object.values(pkg.exports['.'])].map((p) => posix.normalize(p));
    for (const p of needed) expect(packed, p).toContain(p);
  });

  it('has every compiled module (workers included) and its declarations', () => {
    const built = files(join(ROOT, 'dist')).map((f) => relative(ROOT, f).split('\\').join('/')).filter((p) => p.endsWith('.js') || p.endsWith('.d.ts'));
    // Compiled from a source that still exists (dist/ may hold leftovers of removed modules).
    const live = built.filter((p) => existsSync(join(ROOT, p.replace(/^dist\//, 'src/').replace(/\.d\.ts$|\.js$/, '.ts'))));
    expect(live.length).toBeGreaterThan(100);
    for (const p of live) expect(packed, p).toContain(p);
  });

  it('has every file the code reads beside itself: dictionaries and the search page', () => {
    // Every `new URL('../../x', import.meta.url)` of a source, resolved as from its compiled file.
    const targets = new Set<string>();
    for (const file of files(join(ROOT, 'src')).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/new URL\('(\.\.?\/[^']+)', import\.meta\.url\)/g)) {
        const compiled = join(ROOT, 'dist', relative(join(ROOT, 'src'), dirname(file)));
        targets.add(relative(ROOT, resolve(compiled, m[1].replace(/\.ts$/, '.js'))).split('\\').join('/'));
      }
    }
    expect([...targets]).toEqual(expect.arrayContaining(['dict/synonyms.txt', 'package.json', 'src/server/public']));
    for (const t of targets) {
      if (existsSync(join(ROOT, t)) && statSync(join(ROOT, t)).isDirectory()) {
        for (const f of files(join(ROOT, t))) expect(packed, f).toContain(relative(ROOT, f).split('\\').join('/'));
      } else expect(packed, t).toContain(t);
    }
    for (const f of files(join(ROOT, 'dict'))) expect(packed).toContain(relative(ROOT, f).split('\\').join('/'));
  });
});

describe('the packed package, unpacked alone', () => {
  it('builds an index with the CLI, searches it through the library and serves the page', async () => {
    const work = tempDir('zhsearch-pack-');
    try {
      const pack = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
      expect(pack.status, pack.stderr).toBe(0);
      const [{ filename }] = JSON.parse(pack.stdout) as Array<{ filename: string }>;
      expect(spawnSync('tar', ['-xzf', join(work, filename), '-C', work]).status).toBe(0);
      const pkg = join(work, 'package');
      symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
      expect(packed.length).toBe(files(pkg).filter((f) => !f.includes(`${join(pkg, 'node_modules')}`)).length);

      const input = join(work, 'news.jsonl');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(input, JSON.stringify({ id: 'n1', title: '金陵图书馆举办读书节', content: '南京市金陵图书馆今天举办第十届读书节，市民踊跃参加阅读推广活动。', date: '2023-04-23' }) + '\n');
      const indexDir = join(work, 'idx');
      const cli = spawnSync(process.execPath, [join(pkg, 'bin/zhsearch.js'), 'index', input, '--index-dir', indexDir, '--quiet'], { cwd: work, encoding: 'utf8' });
      expect(cli.status, cli.stderr).toBe(0);

      const script = `
        import { SearchIndex } from ${JSON.stringify(join(pkg, 'dist/index.js'))};
        import { startServer } from ${JSON.stringify(join(pkg, 'dist/server/server.js'))};
        const index = SearchIndex.open(${JSON.stringify(indexDir)});
        const r = index.search('读书节', { filters: { province: '江苏' } });
        await index.close();
        const server = await startServer({ indexDir: ${JSON.stringify(indexDir)}, port: 0, host: '127.0.0.1', log: () => {} });
        const page = await fetch(server.url + '/');
        const app = await fetch(server.url + '/app.js');
        const api = await (await fetch(server.url + '/api/search?q=' + encodeURIComponent('图书馆'))).json();
        await server.close();
        console.log(JSON.stringify({ hits: r.hits.map((h) => h.id), page: page.status, html: (await page.text()).includes('<html'), app: app.status, api: api.total }));
      `;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: work, encoding: 'utf8', timeout: 120_000 });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ hits: ['n1'], page: 200, html: true, app: 200, api: 1 });
    } finally {
      removeDir(work);
    }
  }, 300_000);
});

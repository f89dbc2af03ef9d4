/**
 * What the server's resident memory is made of (the "server RSS" figure of issue 15): VmRSS of
 * `zhsearch serve` on an index once it answers, and after the same warm-up as bench/before-after.ts
 * (300 searches with the API's defaults: all facets, snippets), in two configurations, each in a
 * fresh process, alternating over the rounds:
 *   - default (one search thread beside the event loop: two jieba instances, one per thread);
 *   - `--search-thread off` (one thread, one jieba);
 * and, for scale, a bare Node process that loads nodejieba and cuts one sentence.
 *
 * Usage: npx tsx bench/server-memory.ts --index <dir of an xwlb index> [--rounds 2]
 *          [--out bench/results/server-memory.json]
 * Prints a table and writes the JSON.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadXwlb } from './corpora.js';
import { ensureCompiled, flags, freePort, markdownTable, median, rssKb, waitForHttp } from './measure.js';
import { buildQueries, CLASSES } from './queries.js';

const f = flags(process.argv.slice(2));
const indexDir = f.get('index');
if (!indexDir) throw new Error('--index <dir> is required (an index of xwlb, e.g. bench/.work/xwlb-index)');
const rounds = Number(f.get('rounds') ?? 2);
const outPath = f.get('out') ?? 'bench/results/server-memory.json';
const log = (m: string) => console.error(`[server-memory] ${m}`);
ensureCompiled();

const docs = loadXwlb();
const queries = buildQueries(docs, { perClass: 30, df: () => 1, docCount: docs.length });
const warmUp = CLASSES.flatMap((c) => queries[c].slice(0, 30)).slice(0, 300).map((q) => `/api/search?${new URLSearchParams({ q: q.q, op: q.op })}`);

const CONFIGS: Record<string, { args: string[]; env: Record<string, string> }> = {
  default: { args: [], env: {} },
  'one thread': { args: ['--search-thread', 'off'], env: {} },
};

async function measure(config: { args: string[]; env: Record<string, string> }): Promise<{ readyMB: number; warmMB: number }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['bin/zhsearch.js', 'serve', '--index-dir', indexDir!, '--port', String(port), '--rate-limit', '0', ...config.args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...config.env } });
  try {
    await waitForHttp(`${base}/api/health`, child);
    const readyMB = rssKb(child.pid!) / 1024;
    for (const p of warmUp) {
      const res = await fetch(base + p);
      if (!res.ok) throw new Error(`${p} answered ${res.status}`);
      await res.arrayBuffer();
    }
    return { readyMB, warmMB: rssKb(child.pid!) / 1024 };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}

const runs: Record<string, Array<{ readyMB: number; warmMB: number }>> = Object.fromEntries(Object.keys(CONFIGS).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  const names = Object.keys(CONFIGS);
  for (const name of r % 2 ? names.reverse() : names) {
    log(`round ${r + 1}: ${name}...`);
    runs[name].push(await measure(CONFIGS[name]));
  }
}
const bare = spawnSync(process.execPath, ['-e', "const j = require('nodejieba'); j.cutForSearch('公共图书馆的数字阅读推广活动', true); console.log(process.memoryUsage().rss)"], { encoding: 'utf8' });
const bareMB = Number(bare.stdout.trim()) / 1024 / 1024;
const empty = spawnSync(process.execPath, ['-e', 'console.log(process.memoryUsage().rss)'], { encoding: 'utf8' });
const emptyMB = Number(empty.stdout.trim()) / 1024 / 1024;
const rows = Object.entries(runs).map(([name, list]) => [name, median(list.map((x) => x.readyMB)).toFixed(0), median(list.map((x) => x.warmMB)).toFixed(0)]);
rows.push(['node alone', emptyMB.toFixed(0), '-'], ['node + nodejieba (dictionaries loaded)', bareMB.toFixed(0), '-']);
console.log(`\nServer RSS, MB (medians of ${rounds} fresh processes; warm-up: 300 searches with the API's defaults), index ${indexDir}\n`);
console.log(markdownTable(['configuration', 'RSS when ready', 'RSS after warm-up'], rows));
writeFileSync(outPath, JSON.stringify({ date: new Date().toISOString(), index: indexDir, rounds, runs, nodeAloneMB: emptyMB, nodeWithJiebaMB: bareMB }, null, 1));
log(`wrote ${outPath}`);

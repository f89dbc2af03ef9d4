/**
 * Where a whole command's CPU time goes: sums the self time of every `.cpuprofile` in a directory
 * (Node's `--cpu-prof --cpu-prof-dir DIR` writes one per thread, worker threads included) by
 * source file and by function, and prints the shares, per thread and over all of them. Used for
 * the indexing cause in bench/before-after-causes.md:
 *
 *   node --cpu-prof --cpu-prof-dir /tmp/prof bin/zhsearch.js index ../shared/corpora/xwlb.jsonl.gz \
 *     --index-dir /tmp/ix --no-dedupe --quiet
 *   npx tsx bench/cpuprofile-summary.ts /tmp/prof [--top 15] [--out bench/results/indexing-profile.json]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flags, markdownTable } from './measure.js';

const f = flags(process.argv.slice(2));
const dir = f.positionals[0];
if (!dir) throw new Error('usage: bench/cpuprofile-summary.ts <directory of .cpuprofile files> [--top 15] [--out file.json]');
const top = Number(f.get('top') ?? 15);
const root = `${resolve('.')}/`;

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self time (µs) by key over a profile's samples, idle excluded. */
function selfTimes(p: Profile, key: (cf: Profile['nodes'][number]['callFrame']) => string): Map<string, number> {
  const nodes = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const out = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const cf = nodes.get(id)!;
    if (cf.functionName === '(idle)') return;
    const k = key(cf);
    out.set(k, (out.get(k) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  return out;
}

const fileOf = (cf: { url: string; functionName: string }) => (cf.url.startsWith('file://') ? cf.url.slice(7).replace(root, '') : cf.url || cf.functionName);
const fnOf = (cf: { url: string; functionName: string; lineNumber: number }) => `${cf.functionName || '(anonymous)'} ${fileOf(cf)}:${cf.lineNumber + 1}`;
const add = (into: Map<string, number>, from: Map<string, number>) => {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
};
const shares = (m: Map<string, number>) => {
  const total = [...m.values()].reduce((s, v) => s + v, 0);
  return { totalSeconds: total / 1e6, top: [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, share: us / total, seconds: us / 1e6 })) };
};

const files = readdirSync(dir).filter((n) => n.endsWith('.cpuprofile')).sort();
const allFiles = new Map<string, number>();
const allFns = new Map<string, number>();
const threads = files.map((name) => {
  const p = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Profile;
  const byFile = selfTimes(p, fileOf);
  const byFn = selfTimes(p, fnOf);
  add(allFiles, byFile);
  add(allFns, byFn);
  return { profile: name, files: shares(byFile), functions: shares(byFn) };
});
const all = { files: shares(allFiles), functions: shares(allFns) };
for (const t of [...threads, { profile: 'all threads', ...all }]) {
  console.log(`\n### ${t.profile}: ${t.files.totalSeconds.toFixed(1)} s of CPU (idle excluded)\n`);
  console.log(markdownTable(['self time', 's', 'file'], t.files.top.map((x) => [`${(100 * x.share).toFixed(1)}%`, x.seconds.toFixed(1), x.name])));
  console.log();
  console.log(markdownTable(['self time', 's', 'function'], t.functions.top.map((x) => [`${(100 * x.share).toFixed(1)}%`, x.seconds.toFixed(1), x.name])));
}
const out = f.get('out');
if (out) writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), threads, all }, null, 1));

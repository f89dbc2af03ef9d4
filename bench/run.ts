/**
 * `npm run bench`: every benchmark in one run, each in its own process, then the report.
 *
 *   full (default, about an hour here): derived corpora (written once), query latency + builds +
 *     memory + overlap + nodejieba's own speed (bench/query-latency.ts, xwlb, medians of 3 builds),
 *     HTTP (bench/http.ts, 20 s per route), scaling (bench/scaling.ts: 75k, 300k, 1M).
 *     bench/indexing.ts (ingestion vs engine core vs jieba) is separate: npx tsx bench/indexing.ts.
 *     Writes bench/results/*.json, bench/REPORT.md and bench/scaling.svg (committed).
 *   --quick (under 3 minutes): the first 6,000 xwlb items, 30 queries per class (3 s budget per
 *     block), one build per engine, 4 s per HTTP route, scaling over 2k and 6k, no 1M. Writes
 *     bench/results/quick/*.json, bench/results/quick/REPORT.md and its SVG (all git-ignored),
 *     never the committed report.
 *
 *   Then the before/after of issue 15 (bench/before-after.ts: the commit of bench/baseline.json, or
 *   --before <git revision>, checked out into a temporary directory and measured with this one in
 *   the same run; --scale 1000000 adds the 1M-document rows, about 40 min more), rendered as the
 *   report's "Before/after (issue 15)" section, followed by bench/before-after-causes.md (the
 *   measured cause of each missed target and what remains, written by hand from profiles).
 *
 * Usage: npm run bench [-- --quick] [-- --sizes 75806,300000 (scaling sizes)] [-- --report-only]
 *          [-- --before <rev>] [-- --scale 1000000]
 *   --report-only renders the report again from the JSON results of earlier runs (e.g. after
 *   adding a size with `bench/scaling.ts --sizes 1000000 --merge bench/results/scaling.json`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative, dirname } from 'node:path';
import { ensureDerived } from './corpora.js';
import { ensureCompiled, flags } from './measure.js';
import { renderBeforeAfter, renderReport, renderUnderstanding, type BeforeAfterResult, type RunResults } from './report.js';

const f = flags(process.argv.slice(2), ['quick', 'full', 'report-only']);
const quick = f.has('quick');
const started = performance.now();
const results = quick ? 'bench/results/quick' : 'bench/results';
/** The before/after's missed targets: measured causes and what remains (bench/before-after-causes.md). */
const CAUSES = 'bench/before-after-causes.md';
const reportPath = quick ? `${results}/REPORT.md` : 'bench/REPORT.md';
const svgPath = quick ? `${results}/scaling.svg` : 'bench/scaling.svg';
mkdirSync(results, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'zhsearch-bench-run-'));
// The 1-minute load average through the run: above the core count, other processes competed.
const loads: number[] = [loadavg()[0]];
const loadSampler = setInterval(() => loads.push(loadavg()[0]), 10_000);

/** Runs one benchmark script in its own Node process (tsx, GC exposed, a large heap). */
function stage(script: string, args: string[]): Promise<void> {
  console.error(`\n=== ${script} ${args.join(' ')}`);
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=16000', '--import', 'tsx', script, ...args], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? res() : rej(new Error(`${script} failed (exit ${code})`))));
  });
}

const read = <T>(path: string): T | null => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null);
const mode = quick ? ['--quick'] : [];
const failures: string[] = [];
const attempt = async (script: string, args: string[]) => {
  try {
    await stage(script, args);
  } catch (err) {
    failures.push((err as Error).message);
    console.error(`!!! ${(err as Error).message}`);
  }
};

const reportOnly = f.has('report-only');
const sizes = f.get('sizes');
try {
  if (!reportOnly) await runAll();
} finally {
  clearInterval(loadSampler);
  rmSync(work, { recursive: true, force: true });
}

/** Every benchmark, each in its own process. */
async function runAll(): Promise<void> {
  ensureCompiled();
  if (!quick) {
    await ensureDerived([300_000, 1_000_000]);
  }
  for (const name of ['query-latency', 'http', 'scaling', 'before-after']) rmSync(`${results}/${name}.json`, { force: true });
  await stage('bench/query-latency.ts', [...mode, '--work', work, '--out', `${results}/query-latency.json`]);
  const ql = read<{ meta: { corpusItems: number } }>(`${results}/query-latency.json`)!;
  await attempt('bench/http.ts', [...mode, '--index', join(work, 'index-xwlb'), '--docs', String(ql.meta.corpusItems), '--out', `${results}/http.json`]);
  await attempt('bench/scaling.ts', [...mode, ...(sizes ? ['--sizes', sizes] : []), '--reuse', `${results}/query-latency.json`, '--out', `${results}/scaling.json`, '--svg', svgPath]);
  const before = f.get('before');
  const scale = f.get('scale');
  await attempt('bench/before-after.ts', [...mode, ...(before ? ['--before', before] : []), ...(scale ? ['--scale', scale] : []), '--out', `${results}/before-after.json`]);
}

const earlier = reportOnly ? read<RunResults>(`${results}/run.json`) : null;
const run: RunResults = {
  mode: quick ? 'quick' : 'full',
  seconds: earlier?.seconds ?? (performance.now() - started) / 1000,
  queryLatency: read(`${results}/query-latency.json`)!,
  http: read(`${results}/http.json`),
  scaling: read(`${results}/scaling.json`),
  load: earlier?.load ?? { mean: loads.reduce((a, b) => a + b, 0) / loads.length, max: Math.max(...loads) },
  svg: existsSync(svgPath) ? relative(dirname(reportPath), svgPath) : null,
};
let report = renderReport(run);
// Query understanding (issue 12) from its own scripts' latest results, when they exist.
if (!quick) report += '\n' + renderUnderstanding({ understanding: read('bench/results/understanding.json'), ab: read('bench/results/ab-latency.json') });
const beforeAfter = read<BeforeAfterResult>(`${results}/before-after.json`);
if (beforeAfter) report += '\n' + renderBeforeAfter(beforeAfter);
// The measured causes of the targets it misses and what remains (written by hand after a run: profiles, not this run's timings).
if (beforeAfter && !quick && existsSync(CAUSES)) report += '\n' + readFileSync(CAUSES, 'utf8');
if (failures.length) report += `\n## Failures in this run\n\n${failures.map((x) => `- ${x}`).join('\n')}\n`;
writeFileSync(reportPath, report);
writeFileSync(`${results}/run.json`, JSON.stringify({ ...run, failures }, null, 2));
console.error(`\nreport: ${reportPath}; results: ${results}/; ${(run.seconds / 60).toFixed(1)} min`);

/**
 * Our engine against corpus size: xwlb (75,806) and the derived corpora of 300k and 1M documents
 * (bench/corpora.ts; in --quick mode the first 2k and 6k xwlb items instead). At each size:
 * build with the CLI end to end (time, peak RSS), index size on disk, then in a fresh process
 * (bench/build-child.ts) load time, index memory (heap + array buffers) and the latency of 1-3
 * word queries (classes word1, and2, and3 drawn from the smallest corpus, so they match at every
 * size; without and with all facets; one warm-up pass, one timed pass). Writes the curve as
 * bench/scaling.svg (latency and memory against size, log-scaled x).
 *
 * Usage: npx tsx bench/scaling.ts [--quick] [--sizes 75806,300000,1000000] [--queries N]
 *          [--reuse bench/results/query-latency.json (reuse its kept index at its size)]
 *          [--merge FILE (add the points of an earlier scaling.json at other sizes)] [--out FILE] [--svg FILE]
 * Writes bench/results/scaling.json and bench/scaling.svg.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDerived, loadXwlb } from './corpora.js';
import { ensureCompiled, fixed, flags, ms, runJsonChild, type Latency } from './measure.js';
import { buildWithCli, writeInput, type OursBuild } from './ours.js';
import { buildQueries } from './queries.js';
import { chart } from './svg.js';

const f = flags(process.argv.slice(2));
const quick = f.has('quick');
const XWLB_SIZE = 75_806;
const sizes = (f.get('sizes') ?? (quick ? '2000,6000' : `${XWLB_SIZE},300000,1000000`)).split(',').map(Number);
const perClass = Number(f.get('queries') ?? (quick ? 30 : 200));
const outPath = f.get('out') ?? 'bench/results/scaling.json';
const svgPath = f.get('svg') ?? (quick ? 'bench/results/scaling-quick.svg' : 'bench/scaling.svg');
const reuse = f.get('reuse');
const log = (msg: string) => console.error(`[scaling] ${msg}`);

ensureCompiled();
const work = mkdtempSync(join(tmpdir(), 'zhsearch-scaling-'));
const xwlb = loadXwlb();
const smallest = Math.min(...sizes);
const queryDocs = xwlb.slice(0, Math.min(smallest, xwlb.length));
const queries = buildQueries(queryDocs, { perClass, df: () => 1, docCount: queryDocs.length, classes: ['word1', 'and2', 'and3'] });
const queryFile = join(work, 'queries.json');
writeFileSync(queryFile, JSON.stringify([...queries.word1, ...queries.and2, ...queries.and3]));

interface Reused {
  meta: { documents: number; corpusItems: number };
  ours: { build: { seconds: number; peakRssMB: number; diskMB: number; documents: number } };
  indexDir: string | null;
}
const reused: Reused | null = reuse && existsSync(reuse) ? JSON.parse(readFileSync(reuse, 'utf8')) : null;

interface Point {
  size: number;
  corpus: string;
  documents: number;
  build: Pick<OursBuild, 'seconds' | 'peakRssMB' | 'diskMB'> & { reused: boolean; docsPerSecond: number };
  loadSeconds: number;
  memoryMB: number;
  heapMB: number;
  arrayBuffersMB: number;
  latency: Record<string, { plain: Latency; facets: Latency }>;
  error?: string;
}
const points: Point[] = [];

for (const size of sizes) {
  const derived = size > xwlb.length;
  const corpus = derived ? `xwlb-derived-${size}` : size >= xwlb.length ? 'xwlb' : `xwlb[0:${size}]`;
  let dir = join(work, `index-${size}`);
  let build: Point['build'];
  try {
    if (reused?.indexDir && size <= xwlb.length && reused.meta.corpusItems === size && existsSync(reused.indexDir)) {
      dir = reused.indexDir;
      const b = reused.ours.build;
      build = { seconds: b.seconds, peakRssMB: b.peakRssMB, diskMB: b.diskMB, reused: true, docsPerSecond: b.documents / b.seconds };
      log(`${corpus}: reusing the index of query-latency (${dir})`);
    } else {
      let input: string;
      if (derived) input = (await ensureDerived([size]))[0];
      else {
        input = join(work, `input-${size}.jsonl.gz`);
        writeInput(xwlb.slice(0, size), input);
      }
      log(`${corpus}: building with the CLI...`);
      const b = await buildWithCli(input, dir);
      build = { seconds: b.seconds, peakRssMB: b.peakRssMB, diskMB: b.diskMB, reused: false, docsPerSecond: b.documents / b.seconds };
      log(`  ${b.documents} documents in ${b.seconds.toFixed(1)} s, peak RSS ${b.peakRssMB.toFixed(0)} MB, ${b.diskMB.toFixed(0)} MB on disk`);
    }
    const m = await runJsonChild<{ loadSeconds: number; documents: number; heapMB: number; arrayBuffersMB: number; latency: Point['latency'] }>([
      'bench/build-child.ts',
      'ours',
      dir,
      queryFile,
    ]);
    points.push({
      size,
      corpus,
      documents: m.documents,
      build,
      loadSeconds: m.loadSeconds,
      memoryMB: m.heapMB + m.arrayBuffersMB,
      heapMB: m.heapMB,
      arrayBuffersMB: m.arrayBuffersMB,
      latency: m.latency,
    });
    log(`  load ${m.loadSeconds.toFixed(2)} s, memory ${(m.heapMB + m.arrayBuffersMB).toFixed(0)} MB, 1-3 words p50 ${ms(m.latency.all.plain.p50)} / p99 ${ms(m.latency.all.plain.p99)} ms`);
  } catch (err) {
    log(`${corpus}: failed: ${(err as Error).message}`);
    points.push({ size, corpus, documents: NaN, build: build! ?? { seconds: NaN, peakRssMB: NaN, diskMB: NaN, reused: false, docsPerSecond: NaN }, loadSeconds: NaN, memoryMB: NaN, heapMB: NaN, arrayBuffersMB: NaN, latency: {}, error: (err as Error).message });
  } finally {
    if (dir !== reused?.indexDir) rmSync(dir, { recursive: true, force: true });
  }
}
rmSync(work, { recursive: true, force: true });
// Points of an earlier run (--merge FILE) at sizes not measured now, e.g. to add one size.
const merge = f.get('merge');
if (merge && existsSync(merge)) {
  const earlier = (JSON.parse(readFileSync(merge, 'utf8')) as { points: Point[] }).points;
  for (const p of earlier) if (!sizes.includes(p.size) && !p.error) points.push(p);
  points.sort((a, b) => a.size - b.size);
}

const kilo = (x: number) => (x >= 1e6 ? `${+(x / 1e6).toFixed(2)}M` : `${+(x / 1e3).toFixed(1)}k`);
const lat = (p: Point, v: 'plain' | 'facets', q: 'p50' | 'p99') => p.latency.all?.[v]?.[q] ?? NaN;
const svg = chart(
  [
    {
      title: '1-3 word queries (top 10)',
      xLabel: 'documents (log scale)',
      yLabel: 'latency, ms',
      logX: true,
      xTick: kilo,
      series: [
        { name: 'p50', color: '#1f77b4', points: points.map((p) => [p.size, lat(p, 'plain', 'p50')]) },
        { name: 'p99', color: '#d62728', points: points.map((p) => [p.size, lat(p, 'plain', 'p99')]) },
        { name: 'p50, all facets', color: '#1f77b4', dashed: true, points: points.map((p) => [p.size, lat(p, 'facets', 'p50')]) },
        { name: 'p99, all facets', color: '#d62728', dashed: true, points: points.map((p) => [p.size, lat(p, 'facets', 'p99')]) },
      ],
    },
    {
      title: 'Memory and size',
      xLabel: 'documents (log scale)',
      yLabel: 'MB',
      logX: true,
      xTick: kilo,
      yFormat: (y) => y.toFixed(0),
      series: [
        { name: 'peak RSS while indexing', color: '#9467bd', points: points.map((p) => [p.size, p.build.peakRssMB]) },
        { name: 'index in memory (heap+ab)', color: '#2ca02c', points: points.map((p) => [p.size, p.memoryMB]) },
        { name: 'index on disk', color: '#7f7f7f', dashed: true, points: points.map((p) => [p.size, p.build.diskMB]) },
      ],
    },
  ],
  `zhsearch scaling, ${new Date().toISOString().slice(0, 10)}, ${points.map((p) => p.corpus).join(', ')}`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(svgPath, svg);
writeFileSync(outPath, JSON.stringify({ meta: { date: new Date().toISOString(), mode: quick ? 'quick' : 'full', sizes, perClass, svg: svgPath }, points }, null, 2));
console.log('\nScaling (ours)');
console.table(
  Object.fromEntries(
    points.map((p) => [
      p.corpus,
      {
        documents: p.documents,
        'build s': fixed(p.build.seconds),
        'docs/s': fixed(p.build.docsPerSecond, 0),
        'peak RSS MB': fixed(p.build.peakRssMB, 0),
        'disk MB': fixed(p.build.diskMB, 0),
        'load s': fixed(p.loadSeconds, 2),
        'memory MB': fixed(p.memoryMB, 0),
        '1-3 words p50/p99 ms': `${ms(lat(p, 'plain', 'p50'))} / ${ms(lat(p, 'plain', 'p99'))}`,
        'facets p50/p99 ms': `${ms(lat(p, 'facets', 'p50'))} / ${ms(lat(p, 'facets', 'p99'))}`,
      },
    ]),
  ),
);

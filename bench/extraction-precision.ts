/**
 * Region and library extraction precision on xwlb, measured by reading (issue 13, acceptance 4).
 *
 * Owns: the fixed sample of items to read, the reading sheet written for a human, the timing of
 * the extraction over all of xwlb, and the precision table computed from the committed
 * judgements. Must not: judge anything itself (the judgements are a human's, in
 * bench/results/extraction-judgements.json) nor change what ingestion does.
 *
 * The extraction is ingestion's own: `fromRecord` (src/ingest/article.ts), which the
 * ArticleConverter calls for every JSONL record, gives each item's `regions` and `libraries`.
 *
 * Sample (made once, on the first run, then reused so that before and after read the same items;
 * bench/results/extraction-sample.json):
 *  - 100 items drawn uniformly (mulberry32, seed 0x13E6) from the xwlb items that get at least one
 *    region;
 *  - every item that gets at least one library (if there were more than 400, a seeded sample of 400).
 * Later runs read the same items, plus any item that gets a library only with the current code.
 *
 * Usage: npx tsx bench/extraction-precision.ts <label>     (label: before | after)
 * Writes bench/results/extraction-precision-<label>.json (items, chips and their contexts) and
 * .md (the reading sheet), and bench/results/extraction-precision.json (the table: chips right /
 * judged per run, unjudged chips listed, timings).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { XWLB, mulberry32 } from './corpora.js';
import { fromRecord, placesOf } from '../src/ingest/article.js';
import { analyzeRegions, mentionCode, regionAncestors, type PlaceMention } from '../src/analysis/regions.js';
import { findLibraryMentions } from '../src/ingest/libraries.js';
import { toSimplified } from '../src/analysis/normalize.js';
import type { DocumentInput, Region } from '../src/document.js';

const RESULTS = 'bench/results';
const SAMPLE_FILE = `${RESULTS}/extraction-sample.json`;
const JUDGEMENTS_FILE = `${RESULTS}/extraction-judgements.json`;
const TABLE_FILE = `${RESULTS}/extraction-precision.json`;
const SEED = 0x13e6;
const REGION_ITEMS = 100;
const MAX_LIBRARY_ITEMS = 400;
const CONTEXT = 14;

interface Chip {
  /** Judgement key: `<id>|r|<code>` or `<id>|l|<name>`. */
  key: string;
  chip: string;
  contexts: string[];
}
interface Item {
  id: string;
  title: string;
  regions: Chip[];
  libraries: Chip[];
}
interface Judgement {
  key: string;
  right: boolean;
  reason?: string;
}

const label = process.argv[2];
if (!label || !/^[a-z0-9-]+$/.test(label)) {
  console.error('usage: npx tsx bench/extraction-precision.ts <label>   (before | after)');
  process.exit(2);
}

const regionName = (r: Region) => [r.province, r.city, r.county].filter(Boolean).join(' ');

function shuffled<T>(xs: T[], rng: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function around(text: string, start: number, end: number): string {
  const s = Math.max(0, start - CONTEXT);
  const e = Math.min(text.length, end + CONTEXT);
  return `${text.slice(s, start)}【${text.slice(start, end)}】${text.slice(end, e)}`.replace(/\n/g, '⏎');
}

// --- Read xwlb and run ingestion's extraction over all of it (timed). ---
const records = gunzipSync(readFileSync(XWLB))
  .toString('utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Record<string, unknown>);
const t0 = performance.now();
const c0 = process.cpuUsage();
const docs: DocumentInput[] = [];
for (const r of records) {
  const x = fromRecord(r);
  if (x.ok) docs.push(x.doc);
}
const recordMs = performance.now() - t0;
const recordCpu = process.cpuUsage(c0).user / 1000;
const t1 = performance.now();
const c1 = process.cpuUsage();
for (const d of docs) placesOf(d.title, d.content);
const placesMs = performance.now() - t1;
const placesCpu = process.cpuUsage(c1).user / 1000;
// Wall time depends on the machine's load; the process's CPU time less so: both are reported.
console.log(`${records.length} records, ${docs.length} documents; fromRecord ${(recordMs / 1000).toFixed(1)} s (CPU ${(recordCpu / 1000).toFixed(1)} s), regions+libraries alone ${(placesMs / 1000).toFixed(1)} s (CPU ${(placesCpu / 1000).toFixed(1)} s)`);

// --- The sample. ---
let sample: { seed: number; regionItems: string[]; libraryItems: string[]; libraryItemsTotal: number };
if (existsSync(SAMPLE_FILE)) {
  sample = JSON.parse(readFileSync(SAMPLE_FILE, 'utf8'));
} else {
  const withRegions = docs.filter((d) => d.regions?.length).map((d) => d.id);
  const withLibraries = docs.filter((d) => d.libraries?.length).map((d) => d.id);
  const rng = mulberry32(SEED);
  const regionItems = shuffled(withRegions, rng).slice(0, REGION_ITEMS);
  const libraryItems = withLibraries.length > MAX_LIBRARY_ITEMS ? shuffled(withLibraries, rng).slice(0, MAX_LIBRARY_ITEMS) : withLibraries;
  sample = { seed: SEED, regionItems, libraryItems, libraryItemsTotal: withLibraries.length };
  writeFileSync(SAMPLE_FILE, `${JSON.stringify(sample, null, 1)}\n`);
  console.log(`sample made: ${regionItems.length} of ${withRegions.length} items with regions, ${libraryItems.length} of ${withLibraries.length} items with libraries`);
}
const byId = new Map(docs.map((d) => [d.id, d]));
const libraryIds = new Set(sample.libraryItems);
const newLibraryItems = docs.filter((d) => d.libraries?.length && !libraryIds.has(d.id)).map((d) => d.id);
if (sample.libraryItems.length >= sample.libraryItemsTotal) for (const id of newLibraryItems) libraryIds.add(id);

// --- The reading sheet. ---
function itemOf(d: DocumentInput, what: { regions: boolean; libraries: boolean }): Item {
  const title = d.title ? toSimplified(d.title) : undefined;
  const { mentions, text } = analyzeRegions(toSimplified(d.content), { title, simplified: true });
  const item: Item = { id: d.id, title: d.title ?? '', regions: [], libraries: [] };
  if (what.regions) {
    for (const r of d.regions ?? []) {
      // Mentions of the region itself first, then of its descendants (a county chip implies them).
      const own = mentions.filter((m) => m.entity !== -1 && regionAncestors(codeOf(m))[0] === r.code);
      const below = mentions.filter((m) => m.entity !== -1 && regionAncestors(codeOf(m)).slice(1).includes(r.code));
      const contexts = [...own, ...below].slice(0, 3).map((m) => around(text, m.start, m.end));
      item.regions.push({ key: `${d.id}|r|${r.code}`, chip: regionName(r), contexts });
    }
  }
  if (what.libraries) {
    const found = findLibraryMentions(text, mentions);
    for (const name of d.libraries ?? []) {
      let contexts: string[] = [];
      for (let i = text.indexOf(name); i !== -1 && contexts.length < 2; i = text.indexOf(name, i + 1)) contexts.push(around(text, i, i + name.length));
      if (!contexts.length) {
        // A canonical name the text does not spell out (沈阳图书馆 -> 沈阳市图书馆): the forms it was found as.
        contexts = found.filter((f) => f.name === name).slice(0, 2).map((f) => around(text, f.index, f.index + f.surface.length));
      }
      item.libraries.push({ key: `${d.id}|l|${name}`, chip: name, contexts });
    }
  }
  return item;
}
const codeOf = (m: PlaceMention): string => mentionCode(m) ?? '';

const regionItems = sample.regionItems.map((id) => itemOf(byId.get(id)!, { regions: true, libraries: false }));
const libraryItems = [...libraryIds].map((id) => itemOf(byId.get(id)!, { regions: false, libraries: true }));

writeFileSync(`${RESULTS}/extraction-precision-${label}.json`, `${JSON.stringify({ label, regionItems, libraryItems }, null, 1)}\n`);
const md: string[] = [`# Extraction reading sheet: ${label}`, ''];
md.push('## Regions (100 random items with regions)', '');
for (const it of regionItems) {
  md.push(`### ${it.id} ${it.title}`);
  if (!it.regions.length) md.push('- (no regions now)');
  for (const c of it.regions) md.push(`- ${c.key.split('|')[2]} ${c.chip}: ${c.contexts.join(' ／ ')}`);
}
md.push('', '## Libraries (items with libraries)', '');
for (const it of libraryItems) {
  md.push(`### ${it.id} ${it.title}`);
  if (!it.libraries.length) md.push('- (no libraries now)');
  for (const c of it.libraries) md.push(`- ${c.chip}: ${c.contexts.join(' ／ ')}`);
}
writeFileSync(`${RESULTS}/extraction-precision-${label}.md`, `${md.join('\n')}\n`);

// --- Precision from the judgements. ---
const judgements = new Map<string, Judgement>();
if (existsSync(JUDGEMENTS_FILE)) for (const j of JSON.parse(readFileSync(JUDGEMENTS_FILE, 'utf8')).judgements as Judgement[]) judgements.set(j.key, j);
function precision(chips: Chip[]) {
  let right = 0;
  let judged = 0;
  const unjudged: string[] = [];
  for (const c of chips) {
    const j = judgements.get(c.key);
    if (!j) {
      unjudged.push(c.key);
      continue;
    }
    judged++;
    if (j.right) right++;
  }
  return { chips: chips.length, judged, right, precision: judged ? Number(((100 * right) / judged).toFixed(1)) : null, unjudged };
}
const regionsP = precision(regionItems.flatMap((i) => i.regions));
const librariesP = precision(libraryItems.flatMap((i) => i.libraries));
const table = existsSync(TABLE_FILE) ? JSON.parse(readFileSync(TABLE_FILE, 'utf8')) : { runs: {} };
table.note = 'Precision by reading: chips judged right / chips judged (judgements in extraction-judgements.json; sample in extraction-sample.json).';
table.sample = { regionItems: sample.regionItems.length, libraryItems: libraryItems.length, libraryItemsTotal: sample.libraryItemsTotal, seed: SEED };
table.runs[label] = {
  regions: regionsP,
  libraries: librariesP,
  itemsWithRegions: docs.filter((d) => d.regions?.length).length,
  itemsWithLibraries: docs.filter((d) => d.libraries?.length).length,
  regionChipsAll: docs.reduce((n, d) => n + (d.regions?.length ?? 0), 0),
  libraryChipsAll: docs.reduce((n, d) => n + (d.libraries?.length ?? 0), 0),
  distinctLibraryNames: new Set(docs.flatMap((d) => d.libraries ?? [])).size,
  fromRecordSeconds: Number((recordMs / 1000).toFixed(1)),
  fromRecordCpuSeconds: Number((recordCpu / 1000).toFixed(1)),
  regionsAndLibrariesSeconds: Number((placesMs / 1000).toFixed(1)),
  regionsAndLibrariesCpuSeconds: Number((placesCpu / 1000).toFixed(1)),
  loadAverage: Number(loadavg()[0].toFixed(1)),
};
// The table, and the right chips of the before sheet that a later run no longer has (recall lost
// on the sample; a dropped ancestor whose descendant stays is not lost: its code is still indexed).
const pct = (p: { right: number; judged: number; precision: number | null }) => `${p.right}/${p.judged} (${p.precision}%)`;
if (table.runs.before && table.runs[label] && label !== 'before') {
  table.table = (['regions', 'libraries'] as const).map((what) => ({ what, before: pct(table.runs.before[what]), [label]: pct(table.runs[label][what]) }));
  const beforeFile = `${RESULTS}/extraction-precision-before.json`;
  if (existsSync(beforeFile)) {
    const old = JSON.parse(readFileSync(beforeFile, 'utf8')) as { regionItems: Item[]; libraryItems: Item[] };
    const now = new Set([...regionItems, ...libraryItems].flatMap((i) => [...i.regions, ...i.libraries].map((c) => c.key)));
    const nowCodes = new Map(regionItems.map((i) => [i.id, i.regions.map((c) => c.key.split('|')[2])]));
    const lost: string[] = [];
    for (const it of old.regionItems) {
      for (const c of it.regions) {
        if (now.has(c.key) || !judgements.get(c.key)?.right) continue;
        const code = c.key.split('|')[2];
        if ((nowCodes.get(it.id) ?? []).some((d) => regionAncestors(d).includes(code))) continue;
        lost.push(`${c.key} ${c.chip}`);
      }
    }
    // A library renamed (国家图书馆 -> 中国国家图书馆) is not lost: an item loses libraries when it
    // has fewer right names than before.
    const nowLibraries = new Map(libraryItems.map((i) => [i.id, i.libraries.filter((c) => judgements.get(c.key)?.right).length]));
    for (const it of old.libraryItems) {
      const right = it.libraries.filter((c) => judgements.get(c.key)?.right);
      const missing = right.length - (nowLibraries.get(it.id) ?? 0);
      if (missing > 0) lost.push(`${it.id}: ${missing} of ${right.map((c) => c.chip).join(', ')}`);
    }
    table.runs[label].rightChipsLost = lost;
  }
}
writeFileSync(TABLE_FILE, `${JSON.stringify(table, null, 1)}\n`);
for (const [what, p] of [['regions', regionsP], ['libraries', librariesP]] as const) {
  console.log(`${what}: ${p.right}/${p.judged} right (${p.precision ?? '-'}%), ${p.unjudged.length} of ${p.chips} chips unjudged`);
}

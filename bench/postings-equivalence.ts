/**
 * Postings equivalence (issue 15, acceptance 2): two indexes of the same input built with the
 * same flags, one by an old checkout and one by a new one (e.g. before and after a change of the
 * postings format), must hold, for every field (title, content, tags), every kind (words `w`,
 * character grams `g`) and every term, the same documents, with the same frequencies and, where
 * positions are stored (today: character bigrams; words and unigrams keep none), the same
 * positions; a term with positions on one side only is a mismatch too.
 *
 * Each index is read through its own checkout's compiled internals (`<checkout>/dist/index/...`:
 * a development check, so it reaches past the public API), each behind one small adapter
 * ({@link openOld}, {@link openNew}) that presents the index as segments of term tables; when the
 * format's API changes, only the adapter of that side changes.
 * Documents are compared by external id, not by number: each live document gets a canonical
 * number (the rank of its id in the old index; duplicate ids are told apart by occurrence), so
 * different segmentation or document order do not count as differences; deleted documents are
 * left out. The terms of all segments of a side are merged in sorted order and the two sides
 * walked together.
 *
 * Usage: npx tsx bench/postings-equivalence.ts --old <checkout> --old-index <dir>
 *          [--new <checkout> (default .)] --new-index <dir> [--examples N] [--out FILE.json]
 * Prints a summary (terms and postings compared, mismatches with examples) and exits 1 on any
 * mismatch.
 *
 * Owns: the comparison. Must not: write to either index.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { flags } from './measure.js';

const FIELDS = ['title', 'content', 'tags'] as const;
const KINDS = ['w', 'g'] as const;
type Kind = (typeof KINDS)[number];

/** Decoded postings of one term in one segment; positions of docs[i] are positions[starts[i]..starts[i+1]). */
interface Decoded {
  docs: Int32Array;
  freqs: Int32Array;
  starts?: Int32Array;
  positions?: Int32Array;
}

/** One term table as the comparison sees it. */
interface TableView {
  /** Number of terms (sorted in JavaScript string order). */
  size: number;
  term(i: number): string;
  /** Stored document frequency (deleted documents included). */
  df(i: number): number;
  /** Documents and frequencies, and positions when the term has them stored. */
  decode(i: number): Decoded;
}

interface SegmentView {
  name: string;
  docCount: number;
  id(doc: number): string;
  /** One byte per document, 1 = deleted; null when none is. */
  deleted: Uint8Array | null;
  table(field: string, kind: Kind): TableView;
}

interface IndexView {
  segments: SegmentView[];
  close(): void;
}

/** What both adapters use of a checkout's compiled `dist/index/reader.js` (format of 31a5801). */
interface TermTableV1 {
  terms: { size: number; get(i: number): string };
  df: Uint32Array;
  /** Private: byte range of each term's positions (grams only; empty for unigrams, which keep none). */
  posOff: Uint32Array | null;
  postings(ord: number): { docs: Int32Array; freqs: Int32Array };
  positions(ord: number): { docs: Int32Array; freqs: Int32Array; starts: Int32Array; positions: Int32Array };
}
interface SnapshotV1 {
  segments: {
    segment: { name: string; docCount: number; id(doc: number): string; fields: Record<string, { words: TermTableV1; grams: TermTableV1 }> };
    deleted: Uint8Array | null;
  }[];
  close(): void;
}

async function importDist<T>(checkout: string, path: string): Promise<T> {
  return (await import(pathToFileURL(resolve(checkout, 'dist', path)).href)) as T;
}

/** The format of 31a5801 and before: TermTable with postings(ord) and positions(ord) (grams). */
async function openV1(checkout: string, dir: string): Promise<IndexView> {
  const { IndexSnapshot } = await importDist<{ IndexSnapshot: { open(dir: string): SnapshotV1 } }>(checkout, 'index/reader.js');
  const snapshot = IndexSnapshot.open(dir);
  // Positions are stored for bigrams only (unigrams and words keep none: their byte range in
  // `pos` is empty), and TermTable.positions() does not check that, so the range decides.
  const view = (t: TermTableV1): TableView => ({
    size: t.terms.size,
    term: (i) => t.terms.get(i),
    df: (i) => t.df[i],
    decode: (i) => (t.posOff && t.posOff[i + 1] > t.posOff[i] ? t.positions(i) : t.postings(i)),
  });
  return {
    segments: snapshot.segments.map(({ segment, deleted }) => ({
      name: segment.name,
      docCount: segment.docCount,
      id: (doc) => segment.id(doc),
      deleted,
      table: (field, kind) => view(kind === 'w' ? segment.fields[field].words : segment.fields[field].grams),
    })),
    close: () => snapshot.close(),
  };
}

/** Adapter of the old side. */
function openOld(checkout: string, dir: string): Promise<IndexView> {
  return openV1(checkout, dir);
}

/** Adapter of the new side: adapt here when the new format's reading API differs. */
function openNew(checkout: string, dir: string): Promise<IndexView> {
  return openV1(checkout, dir);
}

/** Canonical numbers of every segment's documents (-1 = deleted), by external id. */
function canonicalNumbers(index: IndexView, ranks: Map<string, number>, assignNew: boolean): { canon: Int32Array[]; live: number; unknown: string[] } {
  const seen = new Map<string, number>();
  const unknown: string[] = [];
  let live = 0;
  const canon = index.segments.map((s) => {
    const out = new Int32Array(s.docCount).fill(-1);
    for (let d = 0; d < s.docCount; d++) {
      if (s.deleted?.[d]) continue;
      const id = s.id(d);
      const k = (seen.get(id) ?? 0) + 1;
      seen.set(id, k);
      const key = k === 1 ? id : `${id}\u0000${k}`;
      let r = ranks.get(key);
      if (r === undefined) {
        if (!assignNew) unknown.push(key);
        r = ranks.size;
        ranks.set(key, r);
      }
      out[d] = r;
      live++;
    }
    return out;
  });
  return { canon, live, unknown };
}

/** Ranks of the old index's live documents' ids (sorted), the canonical document numbers. */
function oldRanks(index: IndexView): Map<string, number> {
  const keys: string[] = [];
  const seen = new Map<string, number>();
  for (const s of index.segments) {
    for (let d = 0; d < s.docCount; d++) {
      if (s.deleted?.[d]) continue;
      const id = s.id(d);
      const k = (seen.get(id) ?? 0) + 1;
      seen.set(id, k);
      keys.push(k === 1 ? id : `${id}\u0000${k}`);
    }
  }
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(keys.map((k, i) => [k, i]));
}

/** One term's postings over all segments of a side, live documents only, in canonical order. */
interface Merged {
  docs: Int32Array;
  freqs: Int32Array;
  starts: Int32Array | null;
  positions: Int32Array | null;
  /** Sum of the stored df over the segments holding the term. */
  storedDf: number;
}

function mergeTerm(parts: { d: Decoded; canon: Int32Array; df: number }[]): Merged {
  const withPositions = parts.every((p) => p.d.positions !== undefined);
  let n = 0;
  let storedDf = 0;
  for (const p of parts) {
    n += p.d.docs.length;
    storedDf += p.df;
  }
  let docs = new Int32Array(n);
  let freqs = new Int32Array(n);
  const lists: Int32Array[] = [];
  let count = 0;
  let sorted = true;
  for (const p of parts) {
    for (let i = 0; i < p.d.docs.length; i++) {
      const c = p.canon[p.d.docs[i]];
      if (c < 0) continue;
      if (count > 0 && c <= docs[count - 1]) sorted = false;
      docs[count] = c;
      freqs[count] = p.d.freqs[i];
      if (withPositions) lists.push(p.d.positions!.subarray(p.d.starts![i], p.d.starts![i + 1]));
      count++;
    }
  }
  docs = docs.subarray(0, count);
  freqs = freqs.subarray(0, count);
  let order: number[] | null = null;
  if (!sorted) {
    order = Array.from({ length: count }, (_, i) => i).sort((a, b) => docs[a] - docs[b]);
    docs = Int32Array.from(order, (i) => docs[i]);
    freqs = Int32Array.from(order, (i) => freqs[i]);
  }
  if (!withPositions) return { docs, freqs, starts: null, positions: null, storedDf };
  const starts = new Int32Array(count + 1);
  let total = 0;
  for (const l of lists) total += l.length;
  const positions = new Int32Array(total);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const l = lists[order ? order[i] : i];
    positions.set(l, at);
    at += l.length;
    starts[i + 1] = at;
  }
  return { docs, freqs, starts, positions, storedDf };
}

/** Iterates the union of the terms of one field and kind over a side's segments, in sorted order. */
function* unionTerms(tables: TableView[]): Generator<{ term: string; at: [number, number][] }> {
  const next = tables.map(() => 0);
  const current = tables.map((t) => (t.size > 0 ? t.term(0) : null));
  for (;;) {
    let min: string | null = null;
    for (const c of current) if (c !== null && (min === null || c < min)) min = c;
    if (min === null) return;
    const at: [number, number][] = [];
    for (let s = 0; s < tables.length; s++) {
      if (current[s] === min) {
        at.push([s, next[s]]);
        next[s]++;
        current[s] = next[s] < tables[s].size ? tables[s].term(next[s]) : null;
      }
    }
    yield { term: min, at };
  }
}

interface Mismatch {
  field: string;
  kind: Kind;
  term: string;
  what: string;
}

const f = flags(process.argv.slice(2), []);
const oldCheckout = f.get('old');
const oldIndex = f.get('old-index');
const newCheckout = f.get('new') ?? '.';
const newIndex = f.get('new-index');
if (!oldCheckout || !oldIndex || !newIndex) {
  console.error('usage: postings-equivalence.ts --old <checkout> --old-index <dir> [--new <checkout>] --new-index <dir> [--examples N] [--out FILE]');
  process.exit(2);
}
const maxExamples = Number(f.get('examples') ?? 10);
const started = performance.now();
const a = await openOld(oldCheckout, oldIndex);
const b = await openNew(newCheckout, newIndex);
const ranks = oldRanks(a);
const ca = canonicalNumbers(a, ranks, true);
const cb = canonicalNumbers(b, ranks, false);
const docsOnlyNew = cb.unknown;
const missingInNew = ca.live - (cb.live - docsOnlyNew.length);

const counts = { terms: 0, termsOnlyOld: 0, termsOnlyNew: 0, postings: 0, positions: 0, mismatchedTerms: 0 };
const byTable: Record<string, { terms: number; postings: number; positions: number; mismatched: number }> = {};
const mismatches: Mismatch[] = [];
const report = (m: Mismatch) => {
  counts.mismatchedTerms++;
  byTable[`${m.field}.${m.kind}`].mismatched++;
  if (mismatches.length < maxExamples) mismatches.push(m);
};
const show = (x: ArrayLike<number>) => `[${Array.from(x).slice(0, 8).join(',')}${x.length > 8 ? ',…' : ''}]`;

function firstDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i;
  return x.length === y.length ? -1 : n;
}

for (const field of FIELDS) {
  for (const kind of KINDS) {
    const key = `${field}.${kind}`;
    byTable[key] = { terms: 0, postings: 0, positions: 0, mismatched: 0 };
    const ta = a.segments.map((s) => s.table(field, kind));
    const tb = b.segments.map((s) => s.table(field, kind));
    const ia = unionTerms(ta);
    const ib = unionTerms(tb);
    let x = ia.next();
    let y = ib.next();
    while (!x.done || !y.done) {
      if (y.done || (!x.done && x.value.term < y.value.term)) {
        counts.termsOnlyOld++;
        report({ field, kind, term: x.value!.term, what: 'term only in the old index' });
        x = ia.next();
        continue;
      }
      if (x.done || y.value.term < x.value.term) {
        counts.termsOnlyNew++;
        report({ field, kind, term: y.value.term, what: 'term only in the new index' });
        y = ib.next();
        continue;
      }
      const term = x.value.term;
      const ma = mergeTerm(x.value.at.map(([s, i]) => ({ d: ta[s].decode(i), canon: ca.canon[s], df: ta[s].df(i) })));
      const mb = mergeTerm(y.value.at.map(([s, i]) => ({ d: tb[s].decode(i), canon: cb.canon[s], df: tb[s].df(i) })));
      counts.terms++;
      byTable[key].terms++;
      counts.postings += ma.docs.length;
      byTable[key].postings += ma.docs.length;
      let what: string | null = null;
      let i: number;
      if ((i = firstDifference(ma.docs, mb.docs)) >= 0) what = `documents differ (df ${ma.docs.length} vs ${mb.docs.length}) from #${i}: old ${show(ma.docs.subarray(i))} new ${show(mb.docs.subarray(i))}`;
      else if ((i = firstDifference(ma.freqs, mb.freqs)) >= 0) what = `frequencies differ at document ${ma.docs[i]}: old ${ma.freqs[i]} new ${mb.freqs[i]}`;
      else if ((ma.positions === null) !== (mb.positions === null)) what = `positions stored in the ${ma.positions ? 'old' : 'new'} index only`;
      else if (ma.positions && mb.positions && (i = firstDifference(ma.positions!, mb.positions!)) >= 0) {
        let d = 0;
        while (ma.starts![d + 1] <= i) d++;
        what = `positions differ in document ${ma.docs[d]}: old ${show(ma.positions!.subarray(ma.starts![d], ma.starts![d + 1]))} new ${show(mb.positions!.subarray(mb.starts![d], mb.starts![d + 1]))}`;
      } else if (ma.storedDf !== mb.storedDf && !a.segments.some((s) => s.deleted) && !b.segments.some((s) => s.deleted)) what = `stored df differs: old ${ma.storedDf} new ${mb.storedDf}`;
      if (ma.positions && mb.positions) {
        counts.positions += ma.positions!.length;
        byTable[key].positions += ma.positions!.length;
      }
      if (what) report({ field, kind, term, what });
      x = ia.next();
      y = ib.next();
    }
  }
}
a.close();
b.close();

const seconds = (performance.now() - started) / 1000;
const ok = counts.mismatchedTerms === 0 && missingInNew === 0 && docsOnlyNew.length === 0;
console.log(`postings equivalence: old ${resolve(oldIndex)} (${resolve(oldCheckout)}), new ${resolve(newIndex)} (${resolve(newCheckout)})`);
console.log(`documents: old ${ca.live} live in ${a.segments.length} segment(s), new ${cb.live} live in ${b.segments.length} segment(s); only in old ${missingInNew}, only in new ${docsOnlyNew.length}${docsOnlyNew.length ? ` (e.g. ${docsOnlyNew.slice(0, 3).join(', ')})` : ''}`);
console.table(Object.fromEntries(Object.entries(byTable).map(([k, v]) => [k, { 'terms compared': v.terms, 'postings compared': v.postings, 'positions compared': v.positions, 'mismatched terms': v.mismatched }])));
console.log(`terms compared ${counts.terms}, postings (document, frequency) compared ${counts.postings}, positions compared ${counts.positions}; terms only in old ${counts.termsOnlyOld}, only in new ${counts.termsOnlyNew}; mismatched terms ${counts.mismatchedTerms}; ${seconds.toFixed(1)} s`);
for (const m of mismatches) console.log(`  ${m.field}.${m.kind} ${JSON.stringify(m.term)}: ${m.what}`);
console.log(ok ? 'EQUIVALENT: every posting list decodes to the same documents, frequencies and positions' : 'MISMATCH');
const out = f.get('out');
if (out) writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), old: { checkout: resolve(oldCheckout), index: resolve(oldIndex), documents: ca.live }, new: { checkout: resolve(newCheckout), index: resolve(newIndex), documents: cb.live }, ok, ...counts, docsOnlyOld: missingInNew, docsOnlyNew: docsOnlyNew.length, byTable, examples: mismatches, seconds }, null, 2) + '\n');
process.exit(ok ? 0 : 1);

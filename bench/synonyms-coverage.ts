/**
 * Checks the default synonym list (`dict/synonyms.txt`) and measures how often each of its forms
 * occurs in the xwlb corpus (75,806 CCTV Xinwen Lianbo items, read from
 * ../shared/corpora/xwlb.jsonl.gz, never copied into the repository).
 *
 * Owns: a strict reading of the list (stricter than the engine's parser, which accepts anything it
 * can use: this one also rejects what a default list should not contain), the corpus counts, the
 * table on stdout and `bench/results/synonyms-coverage.json`.
 * Must not: be used by the engine (src/ parses the list itself).
 *
 * Format checked (Solr / Elasticsearch synonyms):
 *  - `#` starts a comment, at the start of a line or after an entry; blank lines are ignored;
 *  - `a, b, c`: equivalent forms (two or more); `a, b => c, d`: one-way (a and b also find c, d);
 *  - forms are separated by the ASCII comma only.
 * Errors (exit 1, each with its line number): more than one `=>`; an empty side or form; an
 *  equivalence with one form; a full-width comma or 、 in a line (not a separator: it would end
 *  up inside a form); whitespace inside a form; a one-character form; a form twice in one line; a
 *  form in two equivalence lines (merge them); a one-way rule whose left side is also in an
 *  equivalence line or on the left of another one-way rule (merge them); a one-way rule whose
 *  right side repeats its left side.
 * Warnings (reported, exit 0): upper-case Latin (the engine lower-cases forms anyway); a
 *  character that Traditional -> Simplified conversion changes (the list is written in Simplified).
 *
 * Counts: the number of items whose title + "\n" + content contains the form as a substring, after
 * NFKC and lower-casing of both (so full-width Latin in the corpus counts). For forms that begin or
 * end with a Latin letter or digit, `word` also counts only occurrences not glued to other
 * letters/digits on those ends (`who` in `whole` is not a word occurrence); a form "occurs" in the
 * totals when its word count (Latin) or its count (others) is not zero.
 *
 * Review aid: `bare` counts the items with an occurrence that is not inside an occurrence of a
 * longer form of the list (人民银行 inside 中国人民银行 is not bare), and `in words` is the share of
 * those bare occurrences that start or end inside a word of jieba's cut of the item (jieba as the
 * engine runs it: dict/user.dict.utf8, HMM on; the boundaries of the precise cut plus those of the
 * sub-words its search cut adds, so 特区 in 香港特区政府 is at word boundaries): 国图 in 全国|图书,
 * 民革 in 老挝人民革命党. The engine also matches substrings, so a query expanded to such a form
 * also finds those other words. An entry is marked `?` when a form queries can be expanded to (any
 * form of an equivalence, the right side of a one-way rule) has 10 or more bare items and more than
 * a quarter of its bare occurrences inside words; the usual fix is a one-way rule from the short
 * form (`国图 => 国家图书馆`), or dropping the entry. jieba's odd cuts give some false alarms
 * (防长 in 以色列|防|长). Cells show `bare` only where it differs from the count and `in words` from
 * 1%; short forms (up to 3 characters) that jieba cuts into pieces show them: `南博{南/博}`.
 *
 * Usage:
 *   npx tsx bench/synonyms-coverage.ts                    table + JSON
 *   npx tsx bench/synonyms-coverage.ts --check            only check the format (no corpus)
 *   npx tsx bench/synonyms-coverage.ts --context 南图 [n]  n (default 20) sample contexts of a
 *                                                         string in the corpus, for review
 *   --file <path>   another list (default dict/synonyms.txt)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import * as OpenCC from 'opencc-js/t2cn';

const XWLB = resolve(process.env.ZHSEARCH_SHARED ?? '../shared', 'corpora/xwlb.jsonl.gz');
const OUT = 'bench/results/synonyms-coverage.json';

// ---------------------------------------------------------------------------------------------
// Parsing and checking

interface Entry {
  line: number;
  text: string;
  kind: 'equivalent' | 'one-way';
  /** Equivalent forms, or the left side of a one-way rule. */
  left: string[];
  /** The right side of a one-way rule (empty for an equivalence). */
  right: string[];
}

interface Problem {
  line: number;
  message: string;
}

interface Parsed {
  entries: Entry[];
  errors: Problem[];
  warnings: Problem[];
}

const toSimplified: (s: string) => string = OpenCC.Converter({ from: 'tw', to: 'cn' });
/** Characters the conversion changes but that are also standard Simplified (as in src/analysis/normalize.ts). */
const AMBIGUOUS = new Set('著么乾覆拚濛');

export function parseList(text: string): Parsed {
  const entries: Entry[] = [];
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const body = raw.replace(/#.*/, '').trim();
    if (!body) return;
    const err = (message: string) => errors.push({ line, message: `${message}: "${body}"` });
    if (/[，、]/.test(body)) err('full-width comma or 、 (only the ASCII comma separates forms)');
    const sides = body.split('=>');
    if (sides.length > 2) {
      err('more than one "=>"');
      return;
    }
    const split = (side: string): string[] | null => {
      if (!side.trim()) {
        err('an empty side of "=>"');
        return null;
      }
      const forms = side.split(',').map((f) => f.trim());
      if (forms.some((f) => !f)) {
        err('an empty form');
        return null;
      }
      return forms;
    };
    const left = split(sides[0]);
    const right = sides.length === 2 ? split(sides[1]) : [];
    if (!left || !right) return;
    const kind = sides.length === 2 ? 'one-way' : 'equivalent';
    if (kind === 'equivalent' && left.length < 2) err('an equivalence with one form only');
    const all = [...left, ...right];
    for (const f of all) {
      if (/\s/.test(f)) err(`whitespace inside the form "${f}"`);
      if ([...f].length < 2) err(`one-character form "${f}"`);
      if (/[A-Z]/.test(f)) warnings.push({ line, message: `upper-case Latin in "${f}" (forms are lower-cased anyway)` });
      const simplified = toSimplified(f);
      if ([...f].some((ch, k) => !AMBIGUOUS.has(ch) && [...simplified][k] !== ch)) {
        warnings.push({ line, message: `"${f}" has Traditional characters (Simplified: "${simplified}")` });
      }
    }
    const lower = (xs: string[]) => xs.map((f) => f.toLowerCase());
    const seen = new Set<string>();
    for (const f of lower(left)) {
      if (seen.has(f)) err(`the form "${f}" twice`);
      seen.add(f);
    }
    const seenRight = new Set<string>();
    for (const f of lower(right)) {
      if (seenRight.has(f)) err(`the form "${f}" twice`);
      if (seen.has(f)) err(`"${f}" on both sides of "=>"`);
      seenRight.add(f);
    }
    entries.push({ line, text: body, kind, left, right });
  });

  // Cross-line checks: a form belongs to one equivalence line; a one-way left side to one rule.
  const eqLine = new Map<string, number>();
  const leftLine = new Map<string, number>();
  for (const e of entries) {
    for (const f of new Set(e.left.map((x) => x.toLowerCase()))) {
      if (e.kind === 'equivalent') {
        const other = eqLine.get(f);
        if (other !== undefined) errors.push({ line: e.line, message: `"${f}" is already in the equivalence on line ${other} (merge the lines)` });
        else eqLine.set(f, e.line);
      } else {
        const other = leftLine.get(f);
        if (other !== undefined) errors.push({ line: e.line, message: `"${f}" is already on the left of the one-way rule on line ${other} (merge the rules)` });
        else leftLine.set(f, e.line);
      }
    }
  }
  for (const [f, line] of leftLine) {
    const other = eqLine.get(f);
    if (other !== undefined) errors.push({ line, message: `the one-way left side "${f}" is also in the equivalence on line ${other}` });
  }
  errors.sort((a, b) => a.line - b.line);
  warnings.sort((a, b) => a.line - b.line);
  return { entries, errors, warnings };
}

// ---------------------------------------------------------------------------------------------
// Corpus

interface Jieba {
  load(options: { userDict?: string }): void;
  cut(text: string, hmm?: boolean): string[];
  cutForSearch(text: string, hmm?: boolean): string[];
}

let jieba: Jieba | undefined;
function getJieba(): Jieba {
  if (!jieba) {
    jieba = createRequire(import.meta.url)('nodejieba') as Jieba;
    jieba.load({ userDict: 'dict/user.dict.utf8' });
  }
  return jieba;
}

/** Title + "\n" + content of each item, NFKC and lower-cased. */
function loadCorpusTexts(): string[] {
  const lines = gunzipSync(readFileSync(XWLB)).toString('utf8').split('\n');
  const texts: string[] = [];
  for (const line of lines) {
    if (!line) continue;
    const r = JSON.parse(line) as { title?: unknown; content?: unknown };
    texts.push(`${String(r.title ?? '')}\n${String(r.content ?? '')}`.normalize('NFKC').toLowerCase());
  }
  return texts;
}

/** Aho-Corasick automaton over UTF-16 units. */
class Automaton {
  private next: Array<Map<number, number>> = [new Map()];
  private fail: number[] = [0];
  /** Pattern ids ending at each state (own and via failure links). */
  private out: number[][] = [[]];

  constructor(readonly patterns: string[]) {
    patterns.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        let t = this.next[s].get(c);
        if (t === undefined) {
          t = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.out.push([]);
          this.next[s].set(c, t);
        }
        s = t;
      }
      this.out[s].push(id);
    });
    const queue: number[] = [];
    for (const t of this.next[0].values()) queue.push(t);
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q];
      for (const [c, t] of this.next[s]) {
        let f = this.fail[s];
        while (f && !this.next[f].has(c)) f = this.fail[f];
        const g = this.next[f].get(c);
        this.fail[t] = g !== undefined && g !== t ? g : 0;
        this.out[t] = [...this.out[t], ...this.out[this.fail[t]]];
        queue.push(t);
      }
    }
  }

  /** Calls `hit(id, end)` for every occurrence (`end` exclusive). */
  scan(text: string, hit: (id: number, end: number) => void): void {
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      while (s && !this.next[s].has(c)) s = this.fail[s];
      s = this.next[s].get(c) ?? 0;
      const o = this.out[s];
      for (let k = 0; k < o.length; k++) hit(o[k], i + 1);
    }
  }
}

const ALNUM = /[a-z0-9]/;

interface FormCount {
  form: string;
  side: 'equivalent' | 'left' | 'right';
  items: number;
  /** Items with an occurrence not inside an occurrence of a longer form of the list. */
  bareItems: number;
  /** Of the bare occurrences, the share that starts or ends inside a word of jieba's cut. */
  inWord: number;
  /** Items with a word occurrence (forms with a Latin or digit end only). */
  wordItems?: number;
  /** jieba's cut of a short form it does not keep whole. */
  pieces?: string[];
}

interface Counted {
  items: number;
  bareItems: number;
  inWord: number;
  wordItems?: number;
  pieces?: string[];
  docs: Set<number>;
}

const subWordCache = new Map<string, number[]>();

/** Offsets inside `word` where a sub-word of jieba's search cut of it starts or ends. */
function subWordBoundaries(j: Jieba, word: string): number[] {
  if (word.length <= 2) return [];
  let out = subWordCache.get(word);
  if (!out) {
    const set = new Set<number>();
    for (const sub of j.cutForSearch(word, true)) {
      if (sub === word) continue;
      for (let i = word.indexOf(sub); i >= 0; i = word.indexOf(sub, i + 1)) set.add(i).add(i + sub.length);
    }
    set.delete(0);
    set.delete(word.length);
    subWordCache.set(word, (out = [...set]));
  }
  return out;
}

function count(entries: Entry[], texts: string[]): Map<string, Counted> {
  const forms = [...new Set(entries.flatMap((e) => [...e.left, ...e.right]).map((f) => f.normalize('NFKC').toLowerCase()))];
  const ac = new Automaton(forms);
  const j = getJieba();
  const latinStart = forms.map((f) => ALNUM.test(f[0]));
  const latinEnd = forms.map((f) => ALNUM.test(f[f.length - 1]));
  const items = new Int32Array(forms.length);
  const wordItems = new Int32Array(forms.length);
  const bareOcc = new Int32Array(forms.length);
  const inWordOcc = new Int32Array(forms.length);
  const docs = forms.map(() => new Set<number>());
  const bareDocs = forms.map(() => new Set<number>());
  const lastSeen = new Int32Array(forms.length).fill(-1);
  const lastWord = new Int32Array(forms.length).fill(-1);
  const hits: Array<[id: number, start: number, end: number]> = [];
  texts.forEach((text, d) => {
    hits.length = 0;
    ac.scan(text, (id, end) => {
      hits.push([id, end - forms[id].length, end]);
      if (lastSeen[id] !== d) {
        lastSeen[id] = d;
        items[id]++;
        docs[id].add(d);
      }
      if ((latinStart[id] || latinEnd[id]) && lastWord[id] !== d) {
        const start = end - forms[id].length;
        const before = start > 0 ? text[start - 1] : ' ';
        const after = end < text.length ? text[end] : ' ';
        if ((!latinStart[id] || !ALNUM.test(before)) && (!latinEnd[id] || !ALNUM.test(after))) {
          lastWord[id] = d;
          wordItems[id]++;
        }
      }
    });
    // Bare occurrences: not inside an occurrence of a longer form (人民银行 in 中国人民银行 is not bare).
    const bare = hits.filter(([id, start, end]) => !hits.some(([o, s, e]) => o !== id && s <= start && e >= end && e - s > end - start));
    if (!bare.length) return;
    // Word boundaries of jieba's precise cut (the tokens concatenate back to the text), plus those of
    // the sub-words its search cut adds inside long words (香港|特区|政府 inside 香港特区政府).
    const boundaries = new Set<number>([0]);
    let at = 0;
    for (const w of j.cut(text, true)) {
      for (const b of subWordBoundaries(j, w)) boundaries.add(at + b);
      boundaries.add((at += w.length));
    }
    const aligned = at === text.length;
    for (const [id, start, end] of bare) {
      bareDocs[id].add(d);
      bareOcc[id]++;
      if (aligned && !(boundaries.has(start) && boundaries.has(end))) inWordOcc[id]++;
    }
  });
  return new Map(
    forms.map((f, id) => {
      const cut = j.cut(f, true);
      return [
        f,
        {
          items: items[id],
          bareItems: bareDocs[id].size,
          inWord: bareOcc[id] ? inWordOcc[id] / bareOcc[id] : 0,
          docs: docs[id],
          ...(latinStart[id] || latinEnd[id] ? { wordItems: wordItems[id] } : {}),
          ...(cut.length > 1 && [...f].length <= 3 ? { pieces: cut } : {}),
        },
      ];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Main

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const file = arg('--file') ?? 'dict/synonyms.txt';
  const { entries, errors, warnings } = parseList(readFileSync(file, 'utf8'));
  for (const w of warnings) console.log(`${file}:${w.line}: warning: ${w.message}`);
  for (const e of errors) console.log(`${file}:${e.line}: error: ${e.message}`);
  if (errors.length) {
    console.log(`${errors.length} malformed line(s) in ${file}`);
    process.exit(1);
  }
  if (process.argv.includes('--check')) {
    console.log(`${file}: ${entries.length} entries, no errors`);
    return;
  }

  const t0 = performance.now();
  const texts = loadCorpusTexts();

  const context = arg('--context');
  if (context !== undefined) {
    const want = Number(process.argv[process.argv.indexOf('--context') + 2]) || 20;
    const needle = context.normalize('NFKC').toLowerCase();
    let n = 0;
    let total = 0;
    for (const t of texts) {
      const at = t.indexOf(needle);
      if (at < 0) continue;
      total++;
      if (n < want) {
        n++;
        console.log(`${t.slice(Math.max(0, at - 20), at).replace(/\n/g, ' ')}[${t.slice(at, at + needle.length)}]${t.slice(at + needle.length, at + needle.length + 20).replace(/\n/g, ' ')}`);
      }
    }
    console.log(`"${context}": ${total} items`);
    return;
  }

  const counts = count(entries, texts);
  const rows = entries.map((e) => {
    const forms: FormCount[] = [
      ...e.left.map((f) => ({ f, side: e.kind === 'equivalent' ? ('equivalent' as const) : ('left' as const) })),
      ...e.right.map((f) => ({ f, side: 'right' as const })),
    ].map(({ f, side }) => {
      const c = counts.get(f.normalize('NFKC').toLowerCase())!;
      return {
        form: f,
        side,
        items: c.items,
        bareItems: c.bareItems,
        inWord: Math.round(c.inWord * 100) / 100,
        ...(c.wordItems !== undefined ? { wordItems: c.wordItems } : {}),
        ...(c.pieces ? { pieces: c.pieces } : {}),
      };
    });
    const any = new Set<number>();
    for (const f of [...e.left, ...e.right]) for (const d of counts.get(f.normalize('NFKC').toLowerCase())!.docs) any.add(d);
    const occurring = forms.filter((f) => (f.wordItems ?? f.items) > 0).length;
    // Only forms a query can be expanded to matter: the left side of a one-way rule never is.
    const review = forms.some((f) => f.side !== 'left' && f.bareItems >= 10 && f.inWord > 0.25);
    return { line: e.line, kind: e.kind, text: e.text, forms, itemsAny: any.size, formsOccurring: occurring, review };
  });

  for (const r of rows) {
    const cells = r.forms.map(
      (f) =>
        `${f.form}${f.pieces ? `{${f.pieces.join('/')}}` : ''}=${f.items}` +
        (f.wordItems !== undefined && f.wordItems !== f.items ? `(word ${f.wordItems})` : '') +
        (f.bareItems !== f.items ? `(bare ${f.bareItems})` : '') +
        (f.inWord >= 0.01 ? `(in words ${Math.round(f.inWord * 100)}%)` : ''),
    );
    const sep = r.kind === 'one-way' ? ` => ` : '  ';
    const left = cells.slice(0, r.forms.filter((f) => f.side !== 'right').length);
    const right = cells.slice(left.length);
    console.log(`${String(r.line).padStart(4)} ${r.review ? '?' : ' '} ${left.join('  ')}${right.length ? sep + right.join('  ') : ''}   [any ${r.itemsAny}]`);
  }
  const totals = {
    entries: rows.length,
    equivalences: rows.filter((r) => r.kind === 'equivalent').length,
    oneWay: rows.filter((r) => r.kind === 'one-way').length,
    forms: rows.reduce((n, r) => n + r.forms.length, 0),
    distinctForms: counts.size,
    formsOccurring: rows.reduce((n, r) => n + r.formsOccurring, 0),
    entriesWithTwoFormsOccurring: rows.filter((r) => r.formsOccurring >= 2).length,
    entriesWithNoFormOccurring: rows.filter((r) => r.formsOccurring === 0).length,
    entriesToReview: rows.filter((r) => r.review).length,
  };
  console.log('');
  console.log(`entries ${totals.entries} (${totals.equivalences} equivalences, ${totals.oneWay} one-way rules)`);
  console.log(`forms ${totals.forms} (${totals.distinctForms} distinct), ${totals.formsOccurring} occurring in xwlb`);
  console.log(`entries with at least two forms occurring in xwlb: ${totals.entriesWithTwoFormsOccurring}`);
  console.log(`entries with no form occurring: ${totals.entriesWithNoFormOccurring}`);
  console.log(`entries marked ? (a form queries expand to is often inside other words): ${totals.entriesToReview}`);
  console.log(`(${texts.length} items, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(
    OUT,
    JSON.stringify({ file, corpus: 'xwlb', items: texts.length, match: 'substring of title + "\\n" + content, NFKC, lower-case', totals, warnings, entries: rows }, null, 1) + '\n',
  );
  console.log(`wrote ${OUT}`);
}

main();

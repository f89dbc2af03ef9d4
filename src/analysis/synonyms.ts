/**
 * Synonyms and abbreviations, applied to queries: 国图 also finds 国家图书馆, and the reverse.
 *
 * The list is plain text in the format of Solr and Elasticsearch synonym files; the default is
 * `dict/synonyms.txt`, and a user's files extend it:
 *
 *   # a comment (also after an entry)
 *   国图, 国家图书馆               equivalent forms: a query for any of them finds all of them
 *   高校 => 高等学校, 大学          one-way: the left side also finds the right side, not the reverse
 *
 * Forms are normalized as query text is (Traditional -> Simplified, full-width -> half-width,
 * lower-case). A form may be in several lines; its expansions are the union. Files are read again
 * when they change on disk (checked at most once a second), so an edit needs no restart and no
 * re-index.
 *
 * Owns: reading, validating and reloading the lists. Must not: decide how a query uses them
 * (search/interpret.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isSearchable, normalizeText } from './normalize.js';

export const DEFAULT_SYNONYMS_FILE = fileURLToPath(new URL('../../dict/synonyms.txt', import.meta.url));

/** A synonym list: files, or the lines of one (for tests and embedders). */
export type SynonymsSource = string | { lines: readonly string[] };

/** A line of a synonym file that cannot be read, with its file and line number. */
export class SynonymsError extends Error {
  /** `line` 0: the file as a whole (it cannot be read). */
  constructor(readonly file: string, readonly line: number, reason: string) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
    this.name = 'SynonymsError';
  }
}

/** The parsed lists: for each form, the other forms a query for it also finds. */
export class Synonyms {
  private constructor(private readonly expansions: ReadonlyMap<string, readonly string[]>) {}

  static readonly EMPTY = new Synonyms(new Map());

  /** Parses the text of one list (`file` names it in errors). Throws {@link SynonymsError}. */
  static parse(sources: ReadonlyArray<{ file: string; text: string }>): Synonyms {
    const map = new Map<string, Set<string>>();
    const add = (from: string, to: string) => {
      if (from === to) return;
      let set = map.get(from);
      if (!set) map.set(from, (set = new Set()));
      set.add(to);
    };
    for (const { file, text } of sources) {
      text.split('\n').forEach((raw, i) => {
        const line = raw.replace(/#.*/, '').trim();
        if (!line) return;
        const sides = line.split('=>');
        if (sides.length > 2) throw new SynonymsError(file, i + 1, 'more than one "=>"');
        const forms = (s: string) => {
          const list = s.split(/[,，]/).map((f) => normalizeText(f.trim()).replace(/\s+/g, ' '));
          if (list.some((f) => !f)) throw new SynonymsError(file, i + 1, `an empty form in "${raw.trim()}"`);
          return list;
        };
        if (sides.length === 2) {
          const left = forms(sides[0]);
          const right = forms(sides[1]);
          for (const l of left) for (const r of right) add(l, r);
        } else {
          const all = forms(line);
          if (all.length < 2) throw new SynonymsError(file, i + 1, `one form only ("${raw.trim()}"): write two or more, separated by commas`);
          for (const a of all) for (const b of all) add(a, b);
        }
      });
    }
    // Looked up by searchable characters: 中国—东盟博览会 is typed 中国东盟博览会 as often.
    const expansions = new Map<string, string[]>();
    for (const [k, v] of map) {
      const key = searchable(k);
      const list = expansions.get(key) ?? [];
      for (const f of v) if (!list.includes(f) && searchable(f) !== key) list.push(f);
      expansions.set(key, list);
    }
    return new Synonyms(expansions);
  }

  /** The other forms `form` also finds (compared by its searchable characters), or undefined when it has none. */
  of(form: string): readonly string[] | undefined {
    return this.ofNormalized(normalizeText(form));
  }

  /** {@link of} for text already normalized (query words are). */
  ofNormalized(form: string): readonly string[] | undefined {
    if (!this.expansions.size) return undefined;
    const found = this.expansions.get(searchable(form));
    return found?.length ? found : undefined;
  }

  get size(): number {
    return this.expansions.size;
  }
}

/** The searchable characters (letters and digits) of normalized text. */
function searchable(normalized: string): string {
  let out = '';
  for (const ch of normalized) if (isSearchable(ch.codePointAt(0)!)) out += ch;
  return out;
}

/** How often the files are checked for changes, at most. */
const CHECK_INTERVAL_MS = 1000;

/**
 * Synonym files kept current: {@link current} rereads them when one changed on disk. A file that
 * becomes unreadable or invalid keeps the last good list and reports the error once.
 */
export class SynonymFiles {
  private list: Synonyms = Synonyms.EMPTY;
  private stamp = '';
  private checkedAt = -Infinity;
  private lastError: string | null = null;

  constructor(
    private readonly sources: readonly SynonymsSource[],
    private readonly onError: (message: string) => void = (m) => void process.stderr.write(`zhsearch: warning: ${m}\n`),
  ) {
    this.load(true);
  }

  /** The list, reread first if a file changed (checked at most once a second). */
  current(): Synonyms {
    const now = Date.now();
    if (now - this.checkedAt >= CHECK_INTERVAL_MS) {
      this.checkedAt = now;
      this.load(false);
    }
    return this.list;
  }

  private load(first: boolean): void {
    const files = this.sources.filter((s): s is string => typeof s === 'string');
    const stamp = files.map((f) => {
      try {
        const st = statSync(f);
        return `${f}:${st.mtimeMs}:${st.size}`;
      } catch {
        return `${f}:missing`;
      }
    }).join('|');
    if (!first && stamp === this.stamp) return;
    this.stamp = stamp;
    try {
      this.list = Synonyms.parse(
        this.sources.map((s) => (typeof s === 'string' ? { file: s, text: readList(s) } : { file: '(synonyms)', text: s.lines.join('\n') })),
      );
      this.lastError = null;
    } catch (err) {
      if (first) throw err;
      const message = `synonyms not reloaded, the previous list stays in use: ${(err as Error).message}`;
      if (message !== this.lastError) this.onError(message);
      this.lastError = message;
    }
  }
}

function readList(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new SynonymsError(file, 0, `cannot read the synonym list: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/**
 * Input readers: files and directories -> a stream of raw inputs (one JSON record per JSONL line,
 * one page per .txt/.html file), each with its origin (`file` or `file:line`) for reports.
 * Directories are read recursively, in sorted order. Unreadable inputs and bad JSON lines are
 * yielded as problems, never thrown, so a run goes on.
 *
 * Owns: finding files, decompressing, splitting lines, parsing JSON. Must not: clean text or
 * extract metadata (see article.ts) or touch the index.
 */
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

export type RawInput =
  | { kind: 'record'; origin: string; record: Record<string, unknown> }
  /** `id`: the file's path relative to the directory it was found in (its name if given directly). */
  | { kind: 'page'; origin: string; id: string; bytes: Buffer; format: 'txt' | 'html' }
  | { kind: 'problem'; origin: string; reason: 'bad_json' | 'unreadable' | 'unsupported'; message: string };

const PAGE_EXT: Record<string, 'txt' | 'html'> = { '.txt': 'txt', '.html': 'html', '.htm': 'html' };

function kindOf(path: string): 'jsonl' | 'txt' | 'html' | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.jsonl.gz') || lower.endsWith('.ndjson') || lower.endsWith('.ndjson.gz')) return 'jsonl';
  return PAGE_EXT[extname(lower)] ?? null;
}

/** Lists the input files under `paths` (recursively, sorted); files named explicitly are always included. */
export function listInputs(paths: readonly string[]): { files: string[]; ids: Map<string, string>; problems: RawInput[] } {
  const files: string[] = [];
  const ids = new Map<string, string>();
  const problems: RawInput[] = [];
  const walk = (p: string, root: string | null) => {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      problems.push({ kind: 'problem', origin: p, reason: 'unreadable', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? err}` });
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!name.startsWith('.')) walk(join(p, name), root ?? p);
    } else if (kindOf(p)) {
      files.push(p);
      ids.set(p, root ? relative(root, p).split(sep).join('/') : basename(p));
    } else if (!root) problems.push({ kind: 'problem', origin: p, reason: 'unsupported', message: 'unsupported file type (expected .jsonl, .jsonl.gz, .txt, .html or .htm)' });
  };
  for (const p of paths) walk(p, null);
  return { files, ids, problems };
}

/** Total size in bytes of the files (for progress and ETA). */
export function totalBytes(files: readonly string[]): number {
  let n = 0;
  for (const f of files) {
    try {
      n += statSync(f).size;
    } catch {
      // reported when read
    }
  }
  return n;
}

/**
 * Reads every input under `paths`. `onBytes` is called with the number of (compressed) bytes
 * consumed so far, for progress reporting.
 */
export async function* readInputs(paths: readonly string[], onBytes?: (bytes: number) => void): AsyncGenerator<RawInput> {
  const { files, ids, problems } = listInputs(paths);
  yield* problems;
  let done = 0;
  for (const file of files) {
    const kind = kindOf(file)!;
    if (kind !== 'jsonl') {
      try {
        const bytes = readFileSync(file);
        done += bytes.length;
        yield { kind: 'page', origin: file, id: ids.get(file)!, bytes, format: kind };
      } catch (err) {
        yield { kind: 'problem', origin: file, reason: 'unreadable', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? err}` };
      }
      onBytes?.(done);
      continue;
    }
    const raw = createReadStream(file);
    let fileBytes = 0;
    raw.on('data', (chunk) => {
      fileBytes += chunk.length;
      onBytes?.(done + fileBytes);
    });
    const stream = file.toLowerCase().endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    let lineNo = 0;
    try {
      for await (const line of lines) {
        lineNo++;
        if (!line.trim()) continue;
        const origin = `${file}:${lineNo}`;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch (err) {
          yield { kind: 'problem', origin, reason: 'bad_json', message: `bad JSON: ${(err as Error).message}` };
          continue;
        }
        if (!record || typeof record !== 'object' || Array.isArray(record)) {
          yield { kind: 'problem', origin, reason: 'bad_json', message: 'bad JSON: a line must be a JSON object' };
          continue;
        }
        yield { kind: 'record', origin, record: record as Record<string, unknown> };
      }
    } catch (err) {
      yield { kind: 'problem', origin: `${file}:${lineNo + 1}`, reason: 'unreadable', message: `cannot read: ${(err as Error).message}` };
    } finally {
      raw.destroy();
    }
    done += statSafe(file);
    onBytes?.(done);
  }
}

function statSafe(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

/**
 * Input readers: files and directories -> a stream of raw inputs (one JSON record per JSONL line,
 * one page per .txt/.html file), each with its origin (`file` or `file:line`) for reports.
 * Directories are read recursively, in sorted order. Unreadable inputs and bad JSON lines are
 * yielded as problems, never thrown, so a run goes on.
 *
 * Limits, so one bad input cannot exhaust memory or crash the run: a page file over
 * {@link MAX_PAGE_BYTES} and a JSONL line over {@link MAX_LINE_BYTES} are rejected (`too_large`)
 * without being held in memory; a line that is not UTF-8 is repaired when at most 0.1% of it is
 * damaged (the damaged bytes dropped), else rejected (`undecodable`); a record nested deeper than
 * {@link MAX_JSON_DEPTH} is rejected (`too_deep`); lone surrogates (`"\ud800"`) in a record's
 * strings become U+FFFD, as UTF-8 storage would make them anyway.
 *
 * Owns: finding files, decompressing, splitting lines, parsing JSON. Must not: clean text or
 * extract metadata (see article.ts) or touch the index.
 */
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Page files (.txt, .html) larger than this are rejected without being read. */
export const MAX_PAGE_BYTES = 32 * 1024 * 1024;
/** JSONL lines longer than this are rejected without being held in memory. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Records nested deeper than this (objects and arrays) are rejected. */
export const MAX_JSON_DEPTH = 32;
/** A line with at most this share of invalid UTF-8 is repaired (as decode.ts does for pages). */
const MAX_UTF8_DAMAGE = 0.001;

export type RawInput =
  | { kind: 'record'; origin: string; record: Record<string, unknown> }
  /** `id`: the file's path relative to the directory it was found in (its name if given directly). */
  | { kind: 'page'; origin: string; id: string; bytes: Buffer; format: 'txt' | 'html' }
  | { kind: 'problem'; origin: string; reason: ProblemReason; message: string };

export type ProblemReason = 'bad_json' | 'unreadable' | 'unsupported' | 'too_large' | 'too_deep' | 'undecodable';

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
        const size = statSync(file).size;
        if (size > MAX_PAGE_BYTES) {
          yield { kind: 'problem', origin: file, reason: 'too_large', message: `file of ${formatSize(size)}; pages may have at most ${formatSize(MAX_PAGE_BYTES)}` };
          done += size;
          onBytes?.(done);
          continue;
        }
        const bytes = readFileSync(file);
        done += bytes.length;
        yield { kind: 'page', origin: file, id: ids.get(file)!, bytes, format: kind };
      } catch (err) {
        yield { kind: 'problem', origin: file, reason: 'unreadable', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? err}` };
      }
      onBytes?.(done);
      continue;
    }
    // Large chunks: half the CPU time of gunzip's default 16 KiB ones.
    const raw = createReadStream(file, { highWaterMark: 1 << 20 });
    let fileBytes = 0;
    raw.on('data', (chunk) => {
      fileBytes += chunk.length;
      onBytes?.(done + fileBytes);
    });
    const stream = file.toLowerCase().endsWith('.gz') ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
    let lineNo = 0;
    try {
      for await (const line of splitLines(stream, MAX_LINE_BYTES)) {
        lineNo++;
        const origin = `${file}:${lineNo}`;
        if (typeof line === 'number') {
          yield { kind: 'problem', origin, reason: 'too_large', message: `line of ${formatSize(line)}; a JSONL line may have at most ${formatSize(MAX_LINE_BYTES)}` };
          continue;
        }
        const text = decodeLine(line, lineNo === 1);
        if (text === null) {
          yield { kind: 'problem', origin, reason: 'undecodable', message: 'line is not valid UTF-8' };
          continue;
        }
        if (!text.trim()) continue;
        let record: unknown;
        try {
          record = JSON.parse(text);
        } catch (err) {
          yield { kind: 'problem', origin, reason: 'bad_json', message: `bad JSON: ${(err as Error).message}` };
          continue;
        }
        if (!record || typeof record !== 'object' || Array.isArray(record)) {
          yield { kind: 'problem', origin, reason: 'bad_json', message: 'bad JSON: a line must be a JSON object' };
          continue;
        }
        if (!sanitize(record)) {
          yield { kind: 'problem', origin, reason: 'too_deep', message: `record nested deeper than ${MAX_JSON_DEPTH} levels` };
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

/**
 * The lines of a byte stream (without their \n or \r\n), as bytes; a line over `maxBytes` is
 * skipped and yielded as its length instead, without holding more than `maxBytes` of it.
 */
export async function* splitLines(stream: Readable | AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer | number> {
  let parts: Buffer[] = [];
  let length = 0;
  /** Bytes of the current line when it is over the limit (then `parts` is dropped). */
  let skipped = -1;
  const end = (tail: Buffer): Buffer | number => {
    if (skipped >= 0) {
      const n = skipped + tail.length;
      skipped = -1;
      return n;
    }
    let line = parts.length ? Buffer.concat([...parts, tail]) : tail;
    parts = [];
    length = 0;
    if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    return line;
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (skipped < 0 && length + piece.length > maxBytes) {
        skipped = length;
        parts = [];
        length = 0;
      }
      yield end(piece);
    }
    const rest = chunk.subarray(start);
    if (!rest.length) continue;
    if (skipped >= 0) skipped += rest.length;
    else if (length + rest.length > maxBytes) {
      skipped = length + rest.length;
      parts = [];
      length = 0;
    } else {
      parts.push(rest);
      length += rest.length;
    }
  }
  if (skipped >= 0 || length > 0) yield end(Buffer.alloc(0));
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossyUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** A line as text (a BOM on the first line dropped), repaired if barely damaged; null if not UTF-8. */
function decodeLine(line: Buffer, first: boolean): string | null {
  if (first && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3);
  try {
    return utf8.decode(line);
  } catch {
    const text = lossyUtf8.decode(line);
    let damaged = 0;
    for (let i = text.indexOf('\ufffd'); i >= 0; i = text.indexOf('\ufffd', i + 1)) damaged++;
    return damaged <= Math.max(1, text.length * MAX_UTF8_DAMAGE) ? text.replaceAll('\ufffd', '') : null;
  }
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Checks the nesting of a parsed record (false when deeper than {@link MAX_JSON_DEPTH}) and
 * replaces lone surrogates in its strings by U+FFFD, in place. Iterative: no stack to overflow.
 */
function sanitize(record: object): boolean {
  const stack: Array<[Record<string, unknown> | unknown[], number]> = [[record as Record<string, unknown>, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_JSON_DEPTH) return false;
    for (const key of Object.keys(node)) {
      const v = (node as Record<string, unknown>)[key];
      if (typeof v === 'string') {
        if (LONE_SURROGATE.test(v)) setOwn(node, key, v.replace(/\p{Cs}/gu, '\ufffd'));
      } else if (v && typeof v === 'object') stack.push([v as Record<string, unknown>, depth + 1]);
      if (!Array.isArray(node) && LONE_SURROGATE.test(key)) {
        const value = (node as Record<string, unknown>)[key];
        delete (node as Record<string, unknown>)[key];
        setOwn(node, key.replace(/\p{Cs}/gu, '\ufffd'), value);
      }
    }
  }
  return true;
}

/** Sets an own data property (also for a key such as `__proto__`, which JSON.parse makes an own property). */
function setOwn(node: object, key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true });
}

function formatSize(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

function statSafe(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

/**
 * The engine core alone: adds JSONL(.gz) records through the public API as they are (id, title,
 * content, tags, date, source, url), without the ingestion stage. Used by bench/indexing.ts.
 * Usage: npx tsx bench/index-core.ts <input.jsonl.gz> <index-dir>
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { SearchIndex } from '../src/index.js';

const [input, dir] = process.argv.slice(2);
const index = SearchIndex.open(dir);
const lines = gunzipSync(readFileSync(input)).toString('utf8').split('\n');
for (const line of lines) {
  if (!line) continue;
  const r = JSON.parse(line);
  await index.add({ id: String(r.id), title: r.title ?? '', content: r.content ?? '', tags: r.tags ?? [], date: r.date, source: r.source, url: r.url }, { enrich: false });
}
await index.commit();
await index.close();

/**
 * Acceptance: no segmentation miss. Any string of 1-8 Chinese characters that occurs in a
 * document's normalized text finds it, as a quoted phrase (exactly the documents that contain
 * it) and as a plain query (at least those), checked against brute force.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalize } from '../../src/analysis/normalize.js';
import { searchableChars } from '../../src/analysis/analyzer.js';
import { SearchIndex, type DocumentInput } from '../../src/index.js';
import { HAS_SHARED, random, removeDir, tempDir, xwlbSample } from '../helpers.js';

const DOCS = 3000;
const QUERIES = 1000;
const compact = (s: string) => searchableChars(normalize(s).text).join('');

describe.skipIf(!HAS_SHARED)('no segmentation miss (xwlb sample vs brute force)', () => {
  let dir: string;
  let index: SearchIndex;
  let docs: DocumentInput[];
  let fields: Array<[string, string, string]>;

  beforeAll(async () => {
    dir = tempDir();
    docs = xwlbSample(DOCS, 7);
    // Stored as given: every document counts (enrichment would group the sample's exact copies).
    index = SearchIndex.open(dir, { threads: 2, enrich: false });
    await index.add(docs);
    await index.commit();
    fields = docs.map((d) => [compact(d.title ?? ''), compact(d.content), compact((d.tags ?? []).join('\n'))]);
  });
  afterAll(async () => {
    await index.close();
    removeDir(dir);
  });

  it('finds exactly the documents containing 1,000 random substrings, as phrase and as plain query', () => {
    const rnd = random(42);
    const han = /^[\u4e00-\u9fff]+$/;
    let checked = 0;
    let attempts = 0;
    const failures: string[] = [];
    while (checked < QUERIES && attempts++ < QUERIES * 50) {
      const d = Math.floor(rnd() * docs.length);
      const source = rnd() < 0.2 ? fields[d][0] : fields[d][1];
      const len = 1 + Math.floor(rnd() * 8);
      if (source.length < len) continue;
      const start = Math.floor(rnd() * (source.length - len + 1));
      const s = source.slice(start, start + len);
      if (!han.test(s)) continue;
      checked++;
      const expected = new Set<string>();
      fields.forEach((f, i) => {
        if (f[0].includes(s) || f[1].includes(s) || f[2].includes(s)) expected.add(docs[i].id);
      });
      // Exactly the documents containing it, searched as typed; read as the user means it (synonyms), a superset.
      const phrase = index.search(`"${s}"`, { size: 10_000, relax: false, highlight: false, literal: true });
      const understood = new Set(index.search(`"${s}"`, { size: 10_000, relax: false, highlight: false }).hits.map((h) => h.id));
      if ([...expected].some((id) => !understood.has(id))) failures.push(`phrase "${s}" (understood): misses documents`);
      const got = new Set(phrase.hits.map((h) => h.id));
      if (phrase.total !== expected.size || got.size !== expected.size || [...expected].some((id) => !got.has(id))) {
        failures.push(`phrase "${s}": expected ${expected.size}, got ${phrase.total}`);
      }
      const plain = index.search(s, { size: 10_000, relax: false, highlight: false });
      const plainIds = new Set(plain.hits.map((h) => h.id));
      const missing = [...expected].filter((id) => !plainIds.has(id));
      if (missing.length) failures.push(`plain ${s}: misses ${missing.length} of ${expected.size}`);
    }
    expect(checked).toBe(QUERIES);
    expect(failures).toEqual([]);
  });

  it('matches words that jieba cut differently in the document', () => {
    // 和服 occurs inside 和服务 (cut 和/服务); 处理 inside 待处理: both must still match.
    for (const s of ['和服', '务']) {
      const expected = fields.filter((f) => f[0].includes(s) || f[1].includes(s) || f[2].includes(s)).length;
      expect(expected).toBeGreaterThan(0);
      expect(index.search(s, { size: 1, relax: false }).total).toBe(expected);
    }
  });
});

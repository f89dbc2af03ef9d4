/**
 * Synonyms at query time (src/analysis/synonyms.ts, src/search/interpret.ts), against brute force
 * over an xwlb sample: every rule of the shipped list whose forms occur finds exactly the documents
 * of all the forms it reaches, in its direction(s); `-form` excludes them all; the list is reread
 * when its file changes; a bad line is reported with its file and line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSearchable, normalize } from '../../src/analysis/normalize.js';
import { Synonyms, SynonymsError } from '../../src/analysis/synonyms.js';
import { DEFAULT_SYNONYMS_FILE, SearchIndex, type StoredDocument } from '../../src/index.js';
import { HAS_SHARED, removeDir, smallIndex, tempDir, xwlbSample } from '../helpers.js';
import { allDocuments } from '../server/brute-force.js';

const searchable = (text: string) => [...normalize(text).text].filter((c) => isSearchable(c.codePointAt(0)!)).join('');

describe('synonym lists', () => {
  it('parse equivalent and one-way rules, and name the file and line of a bad one', () => {
    const list = Synonyms.parse([{ file: 'a.txt', text: '# comment\n国图, 國家圖書館 # trailing\n高校 => 高等学校, 大学\n' }]);
    expect(list.of('国图')).toEqual(['国家图书馆']);
    expect(list.of('国家图书馆')).toEqual(['国图']);
    expect(list.of('高校')).toEqual(['高等学校', '大学']);
    expect(list.of('大学')).toBeUndefined();
    for (const [text, line] of [['a, b\n\nc =>\n', 3], ['x => y => z', 1], ['onlyone', 1], ['a,,b', 1]] as const) {
      expect(() => Synonyms.parse([{ file: 'bad.txt', text }])).toThrow(SynonymsError);
      expect(() => Synonyms.parse([{ file: 'bad.txt', text }])).toThrow(`bad.txt:${line}:`);
    }
  });
});

describe.skipIf(!HAS_SHARED)('synonyms on an xwlb sample, against brute force', () => {
  let index: SearchIndex;
  let close: () => Promise<void>;
  let docs: StoredDocument[];
  let texts: Map<string, string>;

  beforeAll(async () => {
    ({ index, close } = await smallIndex(xwlbSample(4000, 41)));
    docs = allDocuments(index);
    texts = new Map(docs.map((d) => [d.id, [d.title ?? '', d.content, (d.tags ?? []).join(' ')].map(searchable).join('\u0000')]));
  }, 180_000);
  afterAll(() => close());

  const having = (forms: string[]) => {
    const keys = forms.map(searchable);
    return new Set(docs.filter((d) => keys.some((k) => texts.get(d.id)!.includes(k))).map((d) => d.id));
  };

  it('find the documents of every form a rule reaches, both ways for equivalences (all rules whose forms occur)', () => {
    const list = Synonyms.parse([{ file: DEFAULT_SYNONYMS_FILE, text: readFileSync(DEFAULT_SYNONYMS_FILE, 'utf8') }]);
    const forms = new Set<string>();
    for (const raw of readFileSync(DEFAULT_SYNONYMS_FILE, 'utf8').split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      if (line) for (const f of line.split(/=>|,/)) forms.add(normalize(f.trim()).text);
    }
    let checked = 0;
    const failures: string[] = [];
    for (const form of forms) {
      const others = list.of(form);
      if (!others || having([form]).size === 0 || having([...others]).size === 0) continue;
      checked++;
      const expected = having([form, ...others]);
      const r = index.search(form, { size: 10_000, highlight: false });
      const got = new Set(r.hits.map((h) => h.id));
      if (r.total !== expected.size || [...expected].some((id) => !got.has(id))) failures.push(`${form} (+${others.join('/')}): expected ${expected.size}, got ${r.total}`);
      // Excluded: no document of any form is left.
      const without = index.search(`中国 -${form}`, { size: 10_000, highlight: false });
      if (without.hits.some((h) => expected.has(h.id))) failures.push(`中国 -${form}: keeps documents of its forms`);
    }
    console.log(`synonyms: ${checked} forms with their expansions occurring in the sample, ${failures.length} failures`);
    expect(checked).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });

  it('rank the full form of an abbreviation above its characters inside other words (国图)', () => {
    const r = index.search('国图', { size: 20 });
    const full = having(['国家图书馆']);
    expect(full.size).toBeGreaterThan(0);
    expect(r.query.interpretations).toContainEqual({ from: '国图', to: ['国家图书馆'], kind: 'synonym' });
    const ranks = r.hits.map((h) => full.has(h.id));
    expect(ranks.filter(Boolean).length).toBe(Math.min(full.size, 20));
    // Every document with 国家图书馆 comes before every one with only the characters 国图.
    expect(ranks.lastIndexOf(true)).toBeLessThan(ranks.includes(false) ? ranks.indexOf(false) : Infinity);
    expect(index.search('国图', { size: 10, literal: true }).query.interpretations).toEqual([]);
  });
});

describe('a synonym file changed on disk', () => {
  it('is read again without reopening the index; a bad edit keeps the previous list and warns', async () => {
    const dir = tempDir('zhsearch-synonyms-');
    const file = join(dir, 'synonyms.txt');
    writeFileSync(file, '馆藏, 藏书\n');
    const warnings: string[] = [];
    const index = SearchIndex.open(join(dir, 'index'), { threads: 0, synonyms: [file], onWarning: (m) => warnings.push(m) });
    await index.add([
      { id: 'a', title: '馆藏古籍', content: '图书馆的馆藏古籍对外开放' },
      { id: 'b', title: '藏书楼', content: '天一阁藏书楼' },
      { id: 'c', title: '读书节', content: '市民读书节开幕' },
    ]);
    await index.commit();
    try {
      expect(index.search('馆藏').total).toBe(2);
      expect(index.search('读书节').total).toBe(1);
      writeFileSync(file, '馆藏, 藏书\n读书节, 天一阁\n');
      await new Promise((r) => setTimeout(r, 1100));
      expect(index.search('读书节').total).toBe(2);
      writeFileSync(file, '馆藏, 藏书\n读书节 => \n');
      await new Promise((r) => setTimeout(r, 1100));
      expect(index.search('读书节').total).toBe(2);
      expect(warnings.join('\n')).toContain(`${file}:2:`);
    } finally {
      await index.close();
      removeDir(dir);
    }
  });
});

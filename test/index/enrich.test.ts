/**
 * Enrichment on add(): documents given through the library API get the regions, libraries and
 * normalized date ingestion gives (one code path, ingest/enrich.ts), and copies are grouped;
 * `enrich: false` (per index or per call) stores a document exactly as given.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SearchIndex, type DocumentInput } from '../../src/index.js';
import { extractArticle } from '../../src/ingest/article.js';
import { HAS_SHARED, removeDir, SHARED, tempDir } from '../helpers.js';

const SEEDS = path.join(SHARED ?? '', 'seeds');
const SEED_FILES = ['000_a0156050e8745204.txt', '001_fb2071074dc65907.txt', '002_553695b3ad10573e.txt', '003_62f2a207f5dc740e.txt', '004_bc08ce36c491280e.txt'];

/** A seed page as the CLI's ingestion extracts it. */
function ingested(name: string): DocumentInput {
  const r = extractArticle({ text: readFileSync(path.join(SEEDS, name), 'utf8'), id: name.slice(0, 3), kind: 'txt' });
  if (!r.ok) throw new Error(`${name} rejected: ${r.message}`);
  return r.doc;
}

/** The page's text only, as an embedder would give it (no regions, libraries or date). */
function textOnly(doc: DocumentInput, id = doc.id): DocumentInput {
  return { id, title: doc.title, content: doc.content };
}

let dir: string;
let index: SearchIndex;
beforeEach(() => {
  dir = tempDir('zhsearch-enrich-');
  index = SearchIndex.open(dir, { threads: 0 });
});
afterEach(async () => {
  await index.close();
  removeDir(dir);
});

describe.skipIf(!HAS_SHARED)('add() enriches a seed page given as text', () => {
  it('finds 随县 (湖北省 随州市) and the four libraries of seed 004, and filters and facets see them', async () => {
    const page = ingested('004_bc08ce36c491280e.txt');
    await index.add(textOnly(page, 'suizhou'));
    await index.commit();
    const stored = index.get('suizhou')!;
    expect(stored.regions).toEqual([{ code: '421321', province: '湖北省', city: '随州市', county: '随县' }]);
    expect([...stored.libraries!].sort()).toEqual(['中国国家图书馆', '随县图书馆', '随州市图书馆', '湖北省图书馆'].sort());
    expect(stored.content).toBe(page.content);
    expect(stored.title).toBe(page.title);
    // The date of the lead (6月13日 without a year in this text) is not invented.
    expect(stored.date).toBeUndefined();

    const found = index.search('', { filters: { province: '湖北', library: '随县图书馆' }, facets: ['county'] });
    expect(found.hits.map((h) => h.id)).toEqual(['suizhou']);
    expect(found.facets.county).toEqual([{ value: '随县', code: '421321', count: 1 }]);
  });

  it('gives every seed the regions and libraries the CLI ingestion gives it', async () => {
    const pages = SEED_FILES.map(ingested);
    await index.add(pages.map((p) => textOnly(p)));
    await index.commit();
    for (const page of pages) {
      const stored = index.get(page.id)!;
      expect(stored.regions, page.id).toEqual(page.regions);
      // Ingestion may complete a library name from the page's header lines, which add() has not.
      expect(stored.libraries!.length, page.id).toBeGreaterThan(0);
      for (const lib of stored.libraries!) expect(page.libraries!.some((l) => l === lib || l.endsWith(lib) || lib.endsWith(l)), `${page.id} ${lib}`).toBe(true);
    }
  });
});

describe('add() enrichment rules', () => {
  const doc: DocumentInput = {
    id: 'jl',
    title: '金陵图书馆举办读书节',
    content: '南京市金陵图书馆今天举办第十届读书节，江苏省内多家图书馆参加，读者可以免费借阅新书。',
    date: '2023年6月21日',
  };

  it('normalizes the date and fills regions and libraries', async () => {
    await index.add(doc);
    await index.commit();
    const stored = index.get('jl')!;
    expect(stored.date).toBe('2023-06-21');
    expect(stored.regions?.[0]).toMatchObject({ province: '江苏省', city: '南京市' });
    expect(stored.libraries).toContain('金陵图书馆');
  });

  it('keeps fields given: an explicit regions: [] means none; a date it cannot read stays as given', async () => {
    await index.add({ ...doc, regions: [], libraries: ['自定义馆'], date: 'summer 2023' });
    await index.commit();
    const stored = index.get('jl')!;
    expect(stored.regions).toEqual([]);
    expect(stored.libraries).toEqual(['自定义馆']);
    expect(stored.date).toBe('summer 2023');
  });

  it('looks for a missing date in the lead of the content, as for a record', async () => {
    await index.add({ id: 'd', content: '2022年3月5日，南京图书馆发布年度阅读报告，全年接待读者超过三百万人次，借阅图书增长明显。' });
    await index.commit();
    expect(index.get('d')!.date).toBe('2022-03-05');
  });

  it('enrich: false per call stores the document exactly as given', async () => {
    await index.add(doc, { enrich: false });
    await index.commit();
    expect(index.get('jl')).toEqual(doc);
    expect(index.search('', { filters: { province: '江苏' } }).total).toBe(0);
  });

  it('enrich: false per index stores documents as given; a call may turn it back on', async () => {
    await index.close();
    index = SearchIndex.open(dir, { threads: 0, enrich: false });
    await index.add(doc);
    await index.add({ ...doc, id: 'jl2' }, { enrich: true });
    await index.commit();
    expect(index.get('jl')).toEqual(doc);
    expect(index.get('jl2')!.date).toBe('2023-06-21');
  });
});

describe('add() groups copies of a story', () => {
  const original: DocumentInput = {
    id: 'orig',
    title: '国家图书馆到随州调研文献共享借阅工作',
    content:
      '6月12日，国家图书馆调研组到随州市调研国图文献共享借阅工作。调研组一行先后来到随县图书馆、随州市图书馆，' +
      '详细了解文献共享借阅项目的开展情况，听取了工作汇报，并与基层图书馆工作人员进行了座谈交流，对项目取得的成效给予肯定。',
  };
  const copy = (id: string): DocumentInput => ({ ...original, id, content: `${original.content}（转载自某网站）` });

  it('gives a copy duplicateOf naming the original, also across a commit and a reopen', async () => {
    await index.add([original, copy('c1')]);
    await index.commit();
    expect(index.get('c1')!.duplicateOf).toBe('orig');
    expect(index.get('orig')!.duplicateOf).toBeUndefined();
    await index.close();
    index = SearchIndex.open(dir, { threads: 0 });
    await index.add(copy('c2'));
    await index.commit();
    expect(index.get('c2')!.duplicateOf).toBe('orig');
    const r = index.search('随州 文献共享');
    expect(r.total).toBe(1);
    expect(r.articles).toBe(3);
  });

  it('does not group with dedupe: false, with enrich: false, or over a duplicateOf the caller gave', async () => {
    await index.add(original);
    await index.add(copy('c1'), { dedupe: false });
    await index.add(copy('c2'), { enrich: false });
    await index.add({ ...copy('c3'), duplicateOf: 'c3' });
    await index.commit();
    expect(index.get('c1')!.duplicateOf).toBeUndefined();
    expect(index.get('c2')!.duplicateOf).toBeUndefined();
    expect(index.get('c3')!.duplicateOf).toBe('c3');
  });
});

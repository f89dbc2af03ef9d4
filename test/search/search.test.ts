/** Query semantics over a small index: AND/OR, relaxation, phrases, exclusion, fields, Traditional. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex, type DocumentInput } from '../../src/index.js';
import { HAS_SHARED, SHARED, removeDir, smallIndex, tempDir } from '../helpers.js';

const docs: DocumentInput[] = [
  { id: 'a', title: '金陵图书馆举办读书节', content: '南京市金陵图书馆举办读书节。', date: '2023-04-23' },
  { id: 'b', title: '襄阳市图书馆', content: '襄阳市图书馆推进总分馆制建设，服务基层。', date: '2022-06-08' },
  { id: 'c', title: '城市書房', content: '城市書房延長開放時間，方便市民夜間閱讀。', date: '2021-01-05' },
  { id: 'd', title: '和服展览', content: '博物馆举办和服展览，介绍日本服饰文化。' },
  { id: 'e', title: '社区服务', content: '社区提供文化和服务，居民满意。', date: '2020-12-31' },
];

describe('search', () => {
  let index: SearchIndex;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ index, close } = await smallIndex(docs));
  });
  afterAll(() => close());
  const ids = (q: string, o = {}) => index.search(q, { size: 50, ...o }).hits.map((h) => h.id).sort();

  it('ranks documents with every word first by default, requires every word with op=and, any with op=or', () => {
    expect(ids('图书馆 读书节', { op: 'and' })).toEqual(['a']);
    expect(ids('图书馆 读书节', { op: 'or' })).toEqual(['a', 'b']);
    const auto = index.search('图书馆 读书节');
    expect(auto.query).toMatchObject({ op: 'auto', relaxed: false, dropped: [] });
    expect(auto.hits.map((h) => h.id)).toEqual(['a', 'b']);
    expect(auto.total).toBe(2);
  });

  it('relaxes an AND query that matches nothing by dropping its least informative words, and says so', () => {
    const r = index.search('读书节 总分馆制', { op: 'and' });
    expect(r.query).toMatchObject({ op: 'and', relaxed: true, dropped: ['总分馆制'] });
    expect(r.hits.map((h) => h.id)).toEqual(['a']);
    expect(index.search('读书节 总分馆制', { op: 'and', relax: false }).total).toBe(0);
    // By default, both documents match, each lacking one word.
    const auto = index.search('读书节 总分馆制');
    expect(auto.total).toBe(2);
    expect(auto.query.relaxed).toBe(true);
  });

  it('never lets a stop word decide a match, except when it is the only word or inside a phrase', () => {
    const r = index.search('图书馆的读书节', { op: 'and' });
    expect(r.query.stopWords).toEqual(['的']);
    expect(r.query.terms).toEqual(['图书馆', '读书节']);
    expect(r.hits.map((h) => h.id)).toEqual(['a']);
    expect(index.search('的', { size: 50 }).total).toBe(docs.filter((d) => d.content.includes('的')).length);
    expect(index.search('"文化和服务"').query.terms).toEqual(['"文化和服务"']);
  });

  it('matches a character sequence even where jieba cut it differently', () => {
    expect(ids('和服')).toEqual(['d', 'e']);
    expect(index.search('和服').hits[0].id).toBe('d'); // the word match ranks first
    expect(ids('"文化和服务"')).toEqual(['e']);
  });

  it('supports exclusion, OR, fields and groups', () => {
    expect(ids('图书馆 -读书节')).toEqual(['b']);
    expect(ids('图书馆 -"总分馆制"')).toEqual(['a']);
    expect(ids('读书节 OR 和服')).toEqual(['a', 'd', 'e']); // e: 文化和服务
    expect(ids('title:服务')).toEqual(['e']);
    expect(ids('(金陵 OR 襄阳) 图书馆')).toEqual(['a', 'b']);
    expect(ids('-图书馆')).toEqual(['c', 'd', 'e']);
  });

  it('reports how the query was analyzed', () => {
    const r = index.search('金陵圖書館 "读书节" -襄阳 title:城市');
    expect(r.query.terms).toEqual(['金陵图书馆', '"读书节"', 'title:城市']);
    expect(r.query.excluded).toEqual(['襄阳']);
  });

  it('lets Traditional and Simplified meet both ways', () => {
    expect(ids('城市书房 阅读')).toEqual(['c']);
    expect(ids('圖書館')).toEqual(['a', 'b']);
  });

  it('answers empty and punctuation-only queries without throwing', () => {
    expect(index.search('').total).toBe(5); // browse: every document, newest first
    expect(index.search('').hits.map((h) => h.id)).toEqual(['a', 'b', 'c', 'e', 'd']);
    expect(index.search('，。！').total).toBe(0);
    expect(index.search('"').total).toBe(0);
  });

  it('sorts by date and paginates without overlap', () => {
    expect(index.search('', { sort: 'date_asc', size: 50 }).hits.map((h) => h.id)).toEqual(['e', 'c', 'b', 'a', 'd']);
    const p1 = index.search('', { size: 2, page: 1 }).hits.map((h) => h.id);
    const p2 = index.search('', { size: 2, page: 2 }).hits.map((h) => h.id);
    expect(p1).toEqual(['a', 'b']);
    expect(p2).toEqual(['c', 'e']);
  });
});

describe.skipIf(!HAS_SHARED)('Traditional seed', () => {
  let dir: string;
  let index: SearchIndex;
  beforeAll(async () => {
    dir = tempDir();
    index = SearchIndex.open(dir, { threads: 0 });
    for (const f of readdirSync(join(SHARED!, 'seeds')).sort()) {
      const text = readFileSync(join(SHARED!, 'seeds', f), 'utf8');
      await index.add({ id: f.slice(0, 3), title: '', content: text });
    }
    await index.commit();
  });
  afterAll(async () => {
    await index.close();
    removeDir(dir);
  });

  it('finds seed 002 (金陵圖書館) with the Simplified query 金陵图书馆, and Simplified seeds with 圖書館', () => {
    expect(index.search('金陵图书馆').hits.map((h) => h.id)).toEqual(['002']);
    expect(index.search('"金陵图书馆"').hits.map((h) => h.id)).toEqual(['002']);
    const trad = index.search('圖書館', { size: 10 }).hits.map((h) => h.id).sort();
    expect(trad).toEqual(['000', '001', '002', '003', '004']);
  });

  it('does not index pinyin artifacts as tokens', () => {
    expect(index.search('qū').total).toBe(0);
    expect(index.search('"区(qū)"').hits.map((h) => h.id)).toContain('002');
  });
});

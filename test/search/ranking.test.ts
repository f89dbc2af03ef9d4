/**
 * Ranking beyond BM25 (issue 11) on a hand-made index: proximity, `explain` (its parts add up to
 * the score), stop words, and the choice of the terms a long query keeps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUERY_TERMS, SearchIndex, type DocumentInput } from '../../src/index.js';
import { smallIndex } from '../helpers.js';

const FILLER = '会议强调要认真落实各项工作部署。';
const docs: DocumentInput[] = [
  // The same words, as often, in texts of the same length: together in one, far apart in the other.
  { id: 'near', title: '新闻', content: `${FILLER}图书馆阅读推广活动启动。${FILLER}${FILLER}` },
  { id: 'far', title: '新闻', content: `图书馆${FILLER}${FILLER}${FILLER}阅读推广活动启动。` },
  { id: 'other', title: '体育', content: `${FILLER}足球比赛今天举行。${FILLER}` },
  // Seventy numbers that every one of these has: common terms.
  ...Array.from({ length: 40 }, (_, i) => ({ id: `filler-${i}`, title: `简讯${i}`, content: `${FILLER}第${i}期简讯。${Array.from({ length: 70 }, (_, n) => n).join('、')}` })),
];

let dir: string;
let index: SearchIndex;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ dir, index, close } = await smallIndex(docs, 'zhsearch-ranking-'));
});
afterAll(() => close());

describe('proximity', () => {
  it('ranks the document with the query words together above the one with them apart', () => {
    const r = index.search('图书馆 阅读推广', { explain: true });
    expect(r.hits.map((h) => h.id).slice(0, 2)).toEqual(['near', 'far']);
    const [near, far] = r.hits;
    expect(near.explain!.bm25).toBeCloseTo(far.explain!.bm25, 9);
    expect(near.explain!.proximity).toBe(1);
    expect(far.explain!.proximity).toBeLessThan(0.2);
    // Without proximity the two tie, and the id decides.
    const flat = index.search('图书馆 阅读推广', { ranking: { proximity: 0 } });
    expect(flat.hits[0].score).toBe(flat.hits[1].score);
  });
});

describe('explain', () => {
  it('gives per-term, per-field contributions that add up to the score', () => {
    for (const q of ['图书馆 阅读推广', '简讯 会议', '"阅读推广" 活动', '馆阅', '足球 OR 图书馆', '第3期']) {
      for (const op of ['auto', 'and', 'or'] as const) {
        const r = index.search(q, { op, explain: true, size: 50 });
        for (const h of r.hits) {
          const e = h.explain!;
          const sum = e.terms.reduce((s, t) => s + t.score, 0);
          expect(Math.abs(sum - e.bm25), `${q} ${op} ${h.id}`).toBeLessThan(1e-9);
          expect(Math.abs(e.bm25 * (1 + e.proximityWeight * e.proximity) - h.score)).toBeLessThan(1e-9);
          for (const t of e.terms) {
            const weight = t.boost * t.idf * 2.2 * (t.match === 'substring' ? 0.5 : 1);
            expect(Math.abs((weight * t.tf) / (t.tf + t.norm) - t.score)).toBeLessThan(1e-9);
          }
        }
      }
    }
    const r = index.search('馆阅', { explain: true });
    expect(r.hits[0].explain!.terms[0]).toMatchObject({ term: '馆阅', match: 'substring', field: 'content' });
  });
});

describe('stop words', () => {
  it('leaves them out of matching and highlighting, but not out of a phrase or a query of stop words', () => {
    const r = index.search('足球的比赛', { op: 'and' });
    expect(r.query.stopWords).toEqual(['的']);
    expect(r.hits.map((h) => h.id)).toEqual(['other']);
    expect(r.hits[0].snippetHtml).not.toContain('<mark>的</mark>');
    expect(index.search('"足球比赛"').total).toBe(1);
    expect(index.search('的').query.terms).toEqual(['的']);
  });

  it('takes another list when given one', async () => {
    const custom = SearchIndex.open(dir, { stopWords: ['足球'] });
    const r = custom.search('足球 比赛', { op: 'and' });
    expect(r.query.stopWords).toEqual(['足球']);
    expect(r.query.terms).toEqual(['比赛']);
    await custom.close();
  });
});

describe('long queries', () => {
  it('keep their most informative terms, not their first ones', () => {
    // 70 distinct common numbers first, then the two words that matter.
    const q = `${Array.from({ length: 70 }, (_, i) => i).join(' ')} 足球 图书馆`;
    const r = index.search(q, { op: 'or' });
    expect(r.query.terms.length).toBe(MAX_QUERY_TERMS);
    expect(r.query.terms).toContain('足球');
    expect(r.query.terms).toContain('图书馆');
    expect(r.query.ignored.length).toBeGreaterThan(0);
    expect(r.query.ignored).not.toContain('足球');
  });
});

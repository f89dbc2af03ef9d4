/**
 * Acceptance: BM25 scores equal an independent computation of Lucene's formula on a small
 * hand-made corpus, field boosts included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/analysis/analyzer.js';
import { SearchIndex, DEFAULT_RANKING, type DocumentInput } from '../../src/index.js';
import { removeDir, tempDir } from '../helpers.js';

const corpus: DocumentInput[] = [
  { id: 'd1', title: '金陵图书馆举办读书节', content: '金陵图书馆今天举办读书节，市民踊跃参加读书节活动。', tags: ['读书节', '南京'] },
  { id: 'd2', title: '襄阳市图书馆新馆开放', content: '襄阳市图书馆新馆今日开放，图书馆面积两万平方米。', tags: ['襄阳'] },
  { id: 'd3', title: '农家书屋建设', content: '全县农家书屋实现全覆盖，书屋配备图书三千册。读书活动丰富。', tags: [] },
  { id: 'd4', title: '国家图书馆调研', content: '国家图书馆调研组到随县图书馆调研总分馆制建设。', tags: ['国家图书馆', '调研'] },
  { id: 'd5', title: '城市书房', content: '城市书房延长开放时间，方便市民夜间读书。', tags: ['城市书房'] },
];

/** Lucene BM25, written out independently of the engine. */
function expectedScore(analyzer: Analyzer, term: string, docId: string, boosts: Record<string, number>, k1: number, b: number): number {
  let score = 0;
  for (const field of ['title', 'content', 'tags'] as const) {
    const tokens = corpus.map((d) => analyzer.analyzeField(field === 'tags' ? (d.tags ?? []).join('\n') : (d[field] ?? '')).words);
    const withField = tokens.filter((t) => t.length > 0);
    const N = withField.length;
    const avgdl = withField.reduce((s, t) => s + t.length, 0) / N;
    const df = tokens.filter((t) => t.includes(term)).length;
    const i = corpus.findIndex((d) => d.id === docId);
    const tf = tokens[i].filter((w) => w === term).length;
    if (tf === 0) continue;
    const idf = Math.log(1 + (N - df + 0.5) / (df + 0.5));
    score += boosts[field] * idf * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * tokens[i].length) / avgdl)));
  }
  return score;
}

describe('BM25', () => {
  let dir: string;
  let index: SearchIndex;
  const analyzer = new Analyzer();
  beforeAll(async () => {
    dir = tempDir();
    index = SearchIndex.open(dir, { threads: 0 });
    await index.add(corpus);
    await index.commit();
  });
  afterAll(async () => {
    await index.close();
    removeDir(dir);
  });

  for (const term of ['图书馆', '读书节', '书屋', '调研', '开放']) {
    it(`scores "${term}" as Lucene's formula does, with default boosts`, () => {
      const r = index.search(term, { size: 10 });
      expect(r.total).toBeGreaterThan(0);
      for (const h of r.hits) {
        const want = expectedScore(analyzer, term, h.id, DEFAULT_RANKING.boosts, 1.2, 0.75);
        expect(want).toBeGreaterThan(0);
        expect(Math.abs(h.score - want) / want).toBeLessThan(1e-6);
      }
    });
  }

  it('applies custom boosts, k1 and b', () => {
    const boosts = { title: 5, content: 0.5, tags: 2 };
    const r = index.search('图书馆', { size: 10, ranking: { boosts, k1: 1.5, b: 0.3 } });
    for (const h of r.hits) {
      const want = expectedScore(analyzer, '图书馆', h.id, boosts, 1.5, 0.3);
      expect(Math.abs(h.score - want) / want).toBeLessThan(1e-6);
    }
  });

  it('sums the scores of the query words and ranks by them', () => {
    // BM25 alone: no proximity factor.
    const r = index.search('图书馆 调研', { size: 10, op: 'and', ranking: { proximity: 0 } });
    expect(r.hits.map((h) => h.id)).toEqual(['d4']);
    const want = expectedScore(analyzer, '图书馆', 'd4', DEFAULT_RANKING.boosts, 1.2, 0.75) + expectedScore(analyzer, '调研', 'd4', DEFAULT_RANKING.boosts, 1.2, 0.75);
    expect(Math.abs(r.hits[0].score - want) / want).toBeLessThan(1e-6);
    const scores = index.search('图书馆', { size: 10 }).hits.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });
});

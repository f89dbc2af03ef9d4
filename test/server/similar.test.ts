/**
 * Similar documents (IndexReader.similar and /api/docs/:id/similar) on a real index (real jieba):
 * articles about the same thing rank above unrelated ones; the document and every copy of its
 * story (duplicateOf) are left out, though the same search ranks them first; the route's
 * parameters, 404 and response schema; the OpenAPI document lists the new routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndex, type DocumentInput } from '../../src/index.js';
import { similarResponse } from '../../src/server/schemas.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { removeDir, tempDir } from '../helpers.js';
import { fixtureDocuments, getJson } from './fixtures.js';

const STORY = '江城图书馆第十届读书节闭幕，万名读者参与阅读推广、古籍修复体验和亲子共读活动，馆长总结本届读书节成果。';
const EXTRA: DocumentInput[] = [
  { id: 'story-a', title: '江城图书馆读书节闭幕 万名读者参与', content: STORY, date: '2024-05-01', source: '江城日报' },
  { id: 'story-b', title: '江城图书馆读书节闭幕 万名读者参与', content: STORY + '（转载）', date: '2024-05-02', source: '网站甲', duplicateOf: 'story-a' },
  { id: 'story-c', title: '江城图书馆读书节闭幕', content: '据报道，' + STORY, date: '2024-05-02', source: '网站乙', duplicateOf: 'story-a' },
  { id: 'other-1', title: '一季度经济数据发布 工业生产稳中有升', content: '国家统计局发布一季度经济数据，工业生产稳中有升，消费市场持续恢复。', date: '2024-04-16' },
  { id: 'other-2', title: '明天全省大部地区有雨', content: '气象台预报，明天全省大部地区有中到大雨，局部暴雨，请注意防范。', date: '2024-04-17' },
  { id: 'other-3', title: '市图书馆新馆下月开放', content: '市图书馆新馆建筑面积三万平方米，下月起对读者开放，提供自助借还服务。', date: '2024-04-18' },
  { id: 'other-4', title: '足球联赛第五轮战罢', content: '足球联赛第五轮比赛昨晚结束，主队两比一战胜客队，积分升至第三。', date: '2024-04-19' },
  { id: 'empty-1', title: '啊', content: '的了 是 在。' },
];

let dir: string;
let index: SearchIndex;
let server: RunningServer;

beforeAll(async () => {
  dir = tempDir('zhsearch-similar-');
  const writer = SearchIndex.open(dir);
  await writer.add([...fixtureDocuments(), ...EXTRA]);
  await writer.commit();
  await writer.close();
  index = SearchIndex.open(dir);
  server = await startServer({ indexDir: dir, port: 0, host: '127.0.0.1', log: () => {}, reloadIntervalMs: 0 });
});
afterAll(async () => {
  await server?.close();
  await index?.close();
  if (dir) removeDir(dir);
});

describe('similar documents', () => {
  it('ranks the articles about the same thing above unrelated ones', () => {
    const r = index.similar('fx-005', { size: 200 })!;
    expect(r.id).toBe('fx-005');
    expect(r.terms).toContain('读书节');
    const ids = r.hits.map((h) => h.id);
    expect(ids).not.toContain('fx-005');
    const festival = ids.filter((id) => id.startsWith('fx-'));
    expect(festival).toHaveLength(119);
    const lastFestival = Math.max(...festival.map((id) => ids.indexOf(id)));
    for (const id of ['other-1', 'other-2', 'other-3', 'other-4']) {
      const at = ids.indexOf(id);
      if (at >= 0) expect(at).toBeGreaterThan(lastFestival);
    }
    const scores = r.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // The top hits are about the festival.
    for (const h of index.similar('fx-005')!.hits) expect(h.title).toContain('读书节');
  });

  it('leaves out the document and every copy of its story, which the same search ranks first', () => {
    for (const id of ['story-a', 'story-b', 'story-c']) {
      const r = index.similar(id, { size: 10 })!;
      expect(r.hits).toHaveLength(10);
      const ids = r.hits.map((h) => h.id);
      for (const copy of ['story-a', 'story-b', 'story-c']) expect(ids).not.toContain(copy);
      for (const h of r.hits) expect(h.title).toContain('读书节');
      // Without the exclusion the copies would lead: the search of the same words ranks them first.
      const plain = index.search(r.terms.join(' '), { op: 'or', literal: true, size: 3, collapse: false }).hits.map((h) => h.id);
      expect(plain.sort()).toEqual(['story-a', 'story-b', 'story-c']);
    }
  });

  it('finds nothing for a document without an informative word, and null for an unknown id', () => {
    expect(index.similar('empty-1')).toEqual({ id: 'empty-1', terms: [], hits: [] });
    expect(index.similar('no-such-id')).toBeNull();
  });
});

describe('/api/docs/:id/similar', () => {
  it('answers the library result, 5 by default and up to 20', async () => {
    const { status, body } = await getJson<unknown>(server.url, '/api/docs/story-b/similar');
    expect(status).toBe(200);
    const r = similarResponse.parse(body);
    expect(Object.keys(body as object).sort()).toEqual(['hits', 'id', 'terms']);
    expect(r.hits).toHaveLength(5);
    for (const h of r.hits) expect(Object.keys(h).sort()).toEqual(['date', 'id', 'score', 'source', 'title', 'url']);
    expect(r).toEqual(index.similar('story-b'));
    const twenty = similarResponse.parse((await getJson<unknown>(server.url, '/api/docs/fx-010/similar', { size: '20' })).body);
    expect(twenty.hits.map((h) => h.id)).toEqual(index.similar('fx-010', { size: 20 })!.hits.map((h) => h.id));
    expect(twenty.hits).toHaveLength(20);
  });

  it('is a 404 for an unknown id and a 400 for a bad size', async () => {
    const missing = await getJson<{ error: { code: string } }>(server.url, '/api/docs/no-such-id/similar');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    for (const size of ['0', '21', 'x']) {
      const bad = await getJson<{ error: { code: string; message: string } }>(server.url, '/api/docs/fx-001/similar', { size });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('size');
    }
  });

  it('is documented in the OpenAPI document with the feed and the export', async () => {
    const { body } = await getJson<{ paths: Record<string, { get: { parameters: Array<{ name: string }> } }>; components: { schemas: Record<string, unknown> } }>(server.url, '/api/openapi.json');
    expect(body.paths['/api/docs/{id}/similar'].get.parameters.map((p) => p.name)).toEqual(['id', 'size']);
    expect(body.components.schemas.Similar).toBeDefined();
    const feed = body.paths['/api/feed.atom'].get.parameters.map((p) => p.name);
    expect(feed).toEqual(expect.arrayContaining(['q', 'province', 'size', 'page', 'sort']));
    const exported = body.paths['/api/export'].get.parameters.map((p) => p.name);
    expect(exported).toEqual(expect.arrayContaining(['format', 'limit', 'q', 'province', 'from']));
    expect(exported).not.toContain('page');
  });
});

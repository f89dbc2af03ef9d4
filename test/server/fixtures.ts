/**
 * Server test fixtures: an index built in a temp dir from the seeds and `corpus/` (through the
 * same ingestion the `zhsearch index` command runs) plus hand-made documents with known regions,
 * dates, sources and libraries (facets and filters need them whatever ingestion extracts), a
 * Traditional-script article and an article trying to inject markup; and a running server on a
 * loopback port.
 */
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { SearchIndex, type DocumentInput, type Region } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { searchResponse } from '../../src/server/schemas.js';
import { expect } from 'vitest';
import type { z } from 'zod';
import { removeDir, SHARED, tempDir } from '../helpers.js';

export const HUBEI: Region = { code: '420000', province: '湖北省' };
export const XIANGYANG: Region = { code: '420600', province: '湖北省', city: '襄阳市' };
export const SUIXIAN: Region = { code: '421321', province: '湖北省', city: '随州市', county: '随县' };
export const CHANGSHA: Region = { code: '430100', province: '湖南省', city: '长沙市' };
export const YUHUATAI: Region = { code: '320114', province: '江苏省', city: '南京市', county: '雨花台区' };
export const CHAOYANG_BJ: Region = { code: '110105', province: '北京市', county: '朝阳区' };

const REGION_CYCLE: Region[][] = [[XIANGYANG], [SUIXIAN], [HUBEI], [CHANGSHA], [YUHUATAI], [CHAOYANG_BJ], [], [XIANGYANG, CHANGSHA]];
/** Dates on the edges of years and months, and a leap day. */
const DATE_CYCLE = ['2019-12-31', '2020-01-01', '2020-02-29', '2021-06-15', '2023-06-30', '2023-07-01', '2023-12-31', '2024-01-01', undefined];
const SOURCES = ['读书周刊', '文化日报', '图林快讯'];
const LIBRARIES = [['襄阳市图书馆'], ['湖南图书馆', '长沙图书馆'], []];

/** 120 documents about 读书节 with known metadata (region and date cycles of coprime lengths mix evenly). */
export function fixtureDocuments(): DocumentInput[] {
  const docs: DocumentInput[] = [];
  for (let i = 0; i < 120; i++) {
    const regions = REGION_CYCLE[i % REGION_CYCLE.length];
    const place = regions.map((r) => r.county ?? r.city ?? r.province).join('和') || '本地';
    docs.push({
      id: `fx-${String(i).padStart(3, '0')}`,
      title: `${place}图书馆举办第${i + 1}届读书节`,
      content:
        `${place}图书馆第${i + 1}届读书节开幕。活动包括阅读推广讲座、亲子共读和古籍修复展示。` +
        `馆长介绍，今年读书节共设十二个分会场，吸引读者逾万人次。${i % 3 === 0 ? '志愿者讲解了数字资源的使用方法。' : ''}`,
      date: DATE_CYCLE[i % DATE_CYCLE.length],
      source: SOURCES[i % SOURCES.length],
      regions,
      libraries: LIBRARIES[i % LIBRARIES.length],
      tags: ['读书节'],
    });
  }
  docs.push({
    id: 'trad-01',
    title: '臺北市立圖書館舉辦讀書節 推廣數位閱讀',
    content: '臺北市立圖書館今日宣布，讀書節將於下月開幕。圖書館館長表示，數位閱讀服務已覆蓋全市。',
    date: '2022-04-23',
    source: '書香新聞',
  });
  docs.push({
    id: 'xss-01',
    title: '<script>alert("t")</script>图书馆公告 & 通知',
    content: '图书馆公告：<img src=x onerror=alert(1)> 请读者注意 "开放时间" 调整。<b>加粗</b> & <a href="javascript:alert(2)">链接</a>',
    date: '2022-05-01',
    source: '<i>来源</i>',
  });
  return docs;
}

/** Builds the test index in `dir`: seeds + corpus via the CLI's ingestion, then the fixtures. */
export async function buildIndex(dir: string, extra: DocumentInput[] = fixtureDocuments()): Promise<void> {
  const inputs = ['corpus', ...(SHARED ? [join(SHARED, 'seeds')] : [])].filter((p) => existsSync(p));
  const code = await main(['index', ...inputs, '--index-dir', dir, '--quiet']);
  if (code !== 0) throw new Error(`zhsearch index exited with ${code}`);
  const index = SearchIndex.open(dir);
  try {
    await index.add(extra);
    await index.commit();
  } finally {
    await index.close();
  }
}

export interface TestServer {
  server: RunningServer;
  dir: string;
  url: string;
  /** Lines the server logged. */
  log: string[];
  stop(): Promise<void>;
}

/** A server on 127.0.0.1 (port 0) over a freshly built index. */
export async function startTestServer(options: { reloadIntervalMs?: number; corsOrigins?: string[] } = {}): Promise<TestServer> {
  const dir = tempDir('zhsearch-server-');
  await buildIndex(dir);
  const log: string[] = [];
  const server = await startServer({ indexDir: dir, port: 0, host: '127.0.0.1', log: (l) => log.push(l), reloadIntervalMs: options.reloadIntervalMs ?? 0, corsOrigins: options.corsOrigins });
  return {
    server,
    dir,
    url: server.url,
    log,
    stop: async () => {
      await server.close();
      removeDir(dir);
    },
  };
}

/** `params` as a query string (a list repeats its parameter). */
export function queryString(params: Record<string, string | string[]> = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  return qs.toString();
}

/** GET `path` (with `params`) and parse the JSON body. */
export async function getJson<T = unknown>(base: string, path: string, params?: Record<string, string | string[]>): Promise<{ status: number; body: T; headers: Headers }> {
  const qs = queryString(params);
  const res = await fetch(`${base}${path}${qs ? `?${qs}` : ''}`);
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

/** `GET /api/search` with `params`: must answer 200; its body as the response schema parses it. */
export async function searchJson(base: string, params: Record<string, string | string[]>): Promise<z.output<typeof searchResponse>> {
  const { status, body } = await getJson<unknown>(base, '/api/search', params);
  expect(status, JSON.stringify(body).slice(0, 500)).toBe(200);
  return searchResponse.parse(body);
}

/** Status of a plain GET with exactly these headers (fetch would add its own). */
export function statusOf(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

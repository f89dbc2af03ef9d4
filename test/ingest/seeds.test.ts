/**
 * The five real scraped pages in shared/seeds. Every expected value below was read off the
 * pages themselves (title line, byline, timestamps, 来源/來自 labels, place names in the text).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAS_SHARED, SHARED } from '../helpers.js';
import type { DocumentInput } from '../../src/document.js';
import { extractArticle } from '../../src/ingest/article.js';

const SEEDS = path.join(SHARED ?? '', 'seeds');

function load(name: string): { doc: DocumentInput; removed: string[] } {
  const text = readFileSync(path.join(SEEDS, name), 'utf8');
  const r = extractArticle({ text, id: name.slice(0, 3), kind: 'txt' });
  if (!r.ok) throw new Error(`${name} rejected: ${r.reason} ${r.message}`);
  return r;
}

/** Occurrences of `needle` in `hay`, whitespace ignored on both sides. */
function count(hay: string, needle: string): number {
  const h = hay.replace(/\s+/g, '');
  const n = needle.replace(/\s+/g, '');
  let c = 0;
  for (let i = h.indexOf(n); i !== -1; i = h.indexOf(n, i + n.length)) c++;
  return c;
}

const codes = (doc: DocumentInput) => (doc.regions ?? []).map((r) => r.code);

describe.skipIf(!HAS_SHARED)('seed 000 (推书网 repost, title repeated, 相关推荐 list)', () => {
  const { doc, removed } = load('000_a0156050e8745204.txt');
  const title = '传承文脉促发展 引领创新助未来:2023年新时代公共图书馆服务与建设创新研讨会成功召开';

  it('finds the title and keeps it at most once in the body', () => {
    expect(doc.title).toBe(title);
    expect(count(doc.content, title)).toBeLessThanOrEqual(1);
  });

  it('dates the article by its lead (6月17日) with the year of the page neighbourhood (上一篇 2023-06-21)', () => {
    expect(doc.date).toBe('2023-06-17');
  });

  it('takes source and url from the reprint notice', () => {
    expect(doc.source).toBe('推书网');
    expect(doc.url).toBe('https://tuibook.com/tushuguan/8684.html');
    expect(doc.author).toBeUndefined();
  });

  it('is about 襄阳 first', () => {
    expect(doc.regions?.[0]).toEqual({ code: '420600', province: '湖北省', city: '襄阳市' });
    // Other places of the body: 济南市图书馆, 佛山市图书馆 speakers.
    expect(codes(doc)).toContain('370100');
    expect(codes(doc)).toContain('440600');
  });

  it('lists the libraries of the body, not the 学会 (societies)', () => {
    expect(doc.libraries?.[0]).toBe('襄阳市图书馆');
    expect(doc.libraries).toEqual(expect.arrayContaining(['济南市图书馆', '佛山市图书馆', '河北省图书馆', '浙江图书馆', '宁波图书馆', '深圳图书馆']));
    expect(doc.libraries).not.toContain('湖北省图书馆');
    expect(doc.libraries).not.toContain('十堰市图书馆');
  });

  it('keeps the whole body and drops the boilerplate', () => {
    for (const w of ['为学习贯彻党的二十大精神', '会议开幕式由湖北省文化和旅游厅', '刘小琴在对本次研讨会进行总结时表示', '传播文明担当时代使命']) {
      expect(doc.content).toContain(w);
    }
    for (const w of ['十堰市图书馆', '咸宁', '相关推荐', '推书网', '上一篇', '下一篇', '发表回复', '登录后才能评论', '转载请注明出处', 'tuibook']) {
      expect(doc.content).not.toContain(w);
    }
    expect(codes(doc)).not.toContain('420300'); // 十堰, only in the related list
    expect(removed).toContain('相关推荐');
  });
});

describe.skipIf(!HAS_SHARED)('seed 001 (西藏日报 byline, THE END + link list)', () => {
  const { doc } = load('001_fb2071074dc65907.txt');

  it('reads title, source and reporter', () => {
    expect(doc.title).toBe('昌都市图书馆:以人民为中心推动公共文化服务高质量发展');
    expect(doc.source).toBe('西藏日报');
    expect(doc.author).toBe('周婷婷');
  });

  it('has no date: the page states only a year', () => {
    expect(doc.date).toBeUndefined();
  });

  it('is about 昌都市 and its library, not the 国家二级 grade', () => {
    expect(codes(doc)).toEqual(['540300']);
    expect(doc.libraries).toEqual(['昌都市图书馆']);
  });

  it('cuts at THE END and strips the byline prefix', () => {
    expect(doc.content.startsWith('图为少儿周末阅读会')).toBe(true);
    expect(doc.content).toContain('城市之魂,在于其独有的文化韵律');
    expect(doc.content).toContain('引领这座城市向着更加辉煌灿烂的未来迈进');
    for (const w of ['淄博', '朝阳区', 'THE END', '本报讯', '西藏日报记者', 'https://', '程焕文']) expect(doc.content).not.toContain(w);
    expect(count(doc.content, doc.title!)).toBe(0);
  });
});

describe.skipIf(!HAS_SHARED)('seed 002 (Traditional, pinyin artifacts, 書香江蘇在線 navigation and footer)', () => {
  const { doc } = load('002_553695b3ad10573e.txt');

  it('keeps the Traditional title without pinyin artifacts', () => {
    expect(doc.title).toBe('金圖+雨圖,市區聯動共建共享書香城市');
  });

  it('reads date, origin and author from the metadata line', () => {
    expect(doc.date).toBe('2022-06-08');
    expect(doc.source).toBe('南京市雨花臺區圖書館');
    expect(doc.author).toBe('朱宇晨');
  });

  it('is about 南京市雨花台区 (normalized to Simplified official names)', () => {
    expect(doc.regions?.[0]).toEqual({ code: '320114', province: '江苏省', city: '南京市', county: '雨花台区' });
  });

  it('names the two libraries in their fullest Simplified forms', () => {
    expect(doc.libraries?.[0]).toBe('南京市雨花台区图书馆');
    expect(doc.libraries?.some((l) => l.endsWith('金陵图书馆'))).toBe(true);
    expect(doc.libraries).toHaveLength(2);
  });

  it('keeps the body in Traditional script and drops widgets, footer and junk', () => {
    expect(doc.content).toContain('金陵圖書館館長焦翔帶隊');
    expect(doc.content).toContain('打通公共文化服務惠民“最后一公里”');
    for (const w of ['鮮花', '握手', '雞蛋', 'ICP', '洪武北路', '版權所有', '書香江蘇在線', '熱搜', '(qū)', '(wù)', '/div>', '?!?']) {
      expect(doc.content).not.toContain(w);
    }
  });
});

describe.skipIf(!HAS_SHARED)('seed 003 (闪电新闻, 来源 label, [详细] list of other stories)', () => {
  const { doc } = load('003_62f2a207f5dc740e.txt');

  it('skips the 全部 navigation word for the title', () => {
    expect(doc.title).toBe('结对共建聚合力 互促共赢谋发展——济南市图书馆与海北州图书馆举行合作共建签约仪式');
  });

  it('reads the timestamp and the 来源; the empty 作者 gives no author', () => {
    expect(doc.date).toBe('2023-11-07');
    expect(doc.source).toBe('闪电新闻');
    expect(doc.author).toBeUndefined();
  });

  it('is about 济南 and 海北州', () => {
    expect(codes(doc)[0]).toBe('370100');
    expect(doc.regions).toContainEqual({ code: '632200', province: '青海省', city: '海北藏族自治州' });
    expect(codes(doc)).not.toContain('371300'); // 临沂, only in the list of other stories
    expect(codes(doc)).not.toContain('810000'); // 香港, idem
    expect(doc.libraries).toEqual(expect.arrayContaining(['济南市图书馆', '海北州图书馆', '山东省图书馆']));
  });

  it('drops sign-off, editors, hotline advert, other stories and footer', () => {
    expect(doc.content).toContain('济南市图书馆与海北州图书馆举行合作共建签约仪式');
    expect(doc.content).toContain('使全民阅读成果在鲁青热土上“遍地开花”');
    for (const w of ['邮轮', '红叶柿岩', '齐鲁网', '责任编辑', '想爆料', '[详细]', '闪电新闻记者', '来源:', 'ICP']) {
      expect(doc.content).not.toContain(w);
    }
  });
});

describe.skipIf(!HAS_SHARED)('seed 004 (推书网 repost about 随州 / 随县)', () => {
  const { doc } = load('004_bc08ce36c491280e.txt');

  it('reads title, date (6月13日 in 2023) and reprint attribution', () => {
    expect(doc.title).toBe('国家图书馆到随州调研国图文献共享借阅工作');
    expect(doc.date).toBe('2023-06-13');
    expect(doc.source).toBe('推书网');
    expect(doc.url).toBe('https://tuibook.com/tushuguan/7486.html');
  });

  it('is about 随县 of 随州市 (neither 湖北省 nor 随州市 listed beside it)', () => {
    expect(codes(doc)).toEqual(['421321']);
    expect(doc.regions?.[0]).toEqual({ code: '421321', province: '湖北省', city: '随州市', county: '随县' });
  });

  it('names the libraries of the body', () => {
    expect(doc.libraries).toEqual(expect.arrayContaining(['中国国家图书馆', '随县图书馆', '随州市图书馆', '湖北省图书馆']));
    expect(doc.libraries).toHaveLength(4);
  });

  it('drops the related list', () => {
    expect(doc.content).toContain('成为国家图书馆文献共享借阅项目中的“随县模式”');
    for (const w of ['黄州区', '失物招领', '咸宁', '咸安区', '相关推荐']) expect(doc.content).not.toContain(w);
    expect(count(doc.content, doc.title!)).toBe(0);
  });
});

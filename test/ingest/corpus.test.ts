/**
 * The project's own sample corpus (`corpus/`): 26 scraped-style pages and 18 records, with the
 * ground truth in the table of `corpus/README.md` (title, date, primary and other regions,
 * libraries, duplicates). The table is parsed here; sources, authors, the start and end of each
 * page's body and the words found only in each page's noise (navigation, bylines, related
 * lists, footers) were read off the pages themselves and are listed below.
 *
 * Conventions of the README, and how they are compared with the documents:
 * - regions: each article is listed with the most specific divisions it names; parents are part
 *   of the chain, not separate regions. The document's first region must be the primary one,
 *   with the same official names; its set of most specific regions (regions that are not an
 *   ancestor of another region of the document) must be the listed set.
 * - libraries: listed without a leading region prefix (`海盐县图书馆`), while documents keep the
 *   fullest form found in the text (`浙江省嘉兴市海盐县图书馆`): leading official names of the
 *   article's regions are stripped before comparing, as long as another such name follows.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DocumentInput } from '../../src/document.js';
import { checkDuplicate, extractArticle, fromRecord } from '../../src/ingest/article.js';
import { DuplicateDetector } from '../../src/ingest/dedupe.js';
import { regionAncestors } from '../../src/analysis/regions.js';

const CORPUS = fileURLToPath(new URL('../../corpus', import.meta.url));

interface Truth {
  id: string;
  title: string;
  date?: string;
  /** Region chains (`湖北省/随州市/随县`) with their codes, primary first. */
  regions: Array<{ chain: string[]; code: string }>;
  libraries: string[];
  duplicateOf?: string;
}

/** The ground-truth table of corpus/README.md. */
function readTruth(): Map<string, Truth> {
  const readme = readFileSync(path.join(CORPUS, 'README.md'), 'utf8');
  const out = new Map<string, Truth>();
  const chains = (cell: string) =>
    cell === '—'
      ? []
      : cell.split('、').map((c) => {
          const m = /^(.+?) \((\d{6})\)$/.exec(c.trim());
          if (!m) throw new Error(`bad region cell: ${c}`);
          return { chain: m[1].split('/'), code: m[2] };
        });
  for (const line of readme.split('\n')) {
    if (!/^\| `(?:pages\/|rec-)/.test(line)) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 8) continue; // the duplicates table has 3 columns
    const [file, title, date, primary, other, libraries, , duplicate] = cells;
    const id = file.replace(/`/g, '');
    const dup = /`([^`]+)`/.exec(duplicate)?.[1];
    out.set(id, {
      id,
      title,
      date: date === 'none' ? undefined : date,
      regions: [...chains(primary), ...chains(other)],
      libraries: libraries === '—' ? [] : libraries.split('、'),
      duplicateOf: dup,
    });
  }
  return out;
}

/** Read off each page: attribution, body bounds, and words that occur only in the page's noise. */
interface PageFacts {
  source: string;
  author?: string;
  url?: string;
  /** The body starts with this (after any `本报讯(...)` prefix). */
  first: string;
  /** The article's last sentence, in the body. */
  last: string;
  noise: string[];
}

const PAGES: Record<string, PageFacts> = {
  '001': {
    source: '书香金陵在线', author: '王振宇',
    first: '4月20日,南京市三家新建的城市书房', last: '享受便捷的公共文化服务。',
    noise: ['书香金陵在线', '热搜', 'shuxiang01', '摘要', '鲜花', '雷人', '鸡蛋', '相关阅读', '无锡', '锡剧', '扬州', '常州', '龙城讲坛', '云帆网络', '梁溪区', 'ICP'],
  },
  '002': {
    source: '首图古籍部', author: '宋佳',
    first: '10月22日,“妙手补书', last: '读者可通过首都图书馆官方网站预约参观。',
    noise: ['图书馆界资讯网', '当前位置', '发布时间', '浏览次数', '打印本页', '分享到', 'QQ空间', '上一篇', '保定', '直隶', '大同', '桂林', '湛江', '柳州', '石家庄', '裕华区', 'ICP', '技术支持'],
  },
  '003': {
    source: '都市文化报', first: '5月16日是第三十一次全国助残日。', last: '平等、便捷地享受公共图书馆服务。',
    noise: ['都市文化报', '往期回顾', '第06版', '特别报道', 'THE END', '绍兴', '鲁迅', '宁波', '小书虫', '洛阳', '牡丹', 'epaper', 'ICP'],
  },
  '004': {
    source: '潮新文旅', author: '赵一鸣',
    first: '8月8日,由浙江图书馆牵头建设', last: '推动全省公共文化服务均等化。',
    noise: ['潮新文旅', '赵一鸣', '责任编辑', '周晓燕', '想爆料', '新闻热线', '0571', '宁波', '小书虫', '十堰', '老街巷', '开封', '汴京', '[详细]'],
  },
  '005': {
    source: '穗图少儿部', author: '梁爽',
    first: '7月11日,广州图书馆“童心阅夏”', last: '将获得纪念书签和阅读证书。',
    noise: ['羊城资讯汇', '穗图少儿部', '梁爽', '图1', '分享到', '朋友圈', '责任编辑', '黄丽娟', '相关推荐', '珠海', '海岛书屋', '汕头', '侨批', '柳州', 'ICP'],
  },
  '006': {
    source: '深圳图书馆', author: '罗丹', url: 'https://pcshuxun.com/tsg/2716.html',
    first: '近日,深圳图书馆在地铁站、产业园区', last: '同时试点增加报刊和少儿绘本专柜。',
    noise: ['鹏城书讯网', '罗丹', '转载请注明出处', '文责自负', 'pcshuxun', '上一篇', '下一篇', '相关推荐', '汕头', '侨批', '丽江', '东巴', '拉萨', '雪顿节', '发表回复', '登录后才能评论'],
  },
  '007': {
    source: '楚韵文旅网', author: '朱琳',
    first: '11月21日,湖北省图书馆学会2024年学术年会', last: '推动湖北省图书馆事业持续向前发展。',
    noise: ['楚韵文旅网', '朱琳', '彭程', '责任编辑', '高远', '新闻热线', '027-', '投稿邮箱', '天水', '伏羲', '保定', '直隶', '烟台', '葡萄酒', '[详细]'],
  },
  '008': {
    source: '襄阳市图书馆', author: '何雪',
    first: '近日,记者从襄阳市图书馆获悉', last: '与城里居民同样便利的图书馆服务。',
    noise: ['荆楚图书馆在线', '当前位置', '市州动态', '何雪', '浏览次数', '打印本页', '分享到', '上一篇', '咸宁', '桂花节', '十堰', '宜昌', '三峡', '武昌区', '文汇路', 'ICP'],
  },
  '009': {
    source: '荆风文化报', author: '曹雨',
    first: '“图书车来了!”9月13日上午', last: '让偏远山区的群众也能读上新书、好书。',
    noise: ['荆风文化报', '本报讯', '曹雨', '第07版', 'THE END', '宜昌', '三峡', '咸宁', '桂花', '鄂尔多斯', '马头琴', 'epaper', 'ICP'],
  },
  '010': {
    source: '天府书讯网', url: 'https://tfshuxun.cn/tsg/5533.html',
    first: '3月28日,四川省图书馆在成都市召开', last: '方便研究者和普通读者免费阅览。',
    noise: ['天府书讯网', '唐文', '编辑', '转载请注明出处', 'tfshuxun', '上一篇', '相关推荐', '绵阳', '科技馆', '宝鸡', '青铜', '赣州', '客家', '发表回复'],
  },
  '011': {
    source: '秦川都市网', author: '韩冰',
    first: '2月20日,记者从陕西省图书馆了解到', last: '欢迎广大市民提供线索。',
    noise: ['西北文化资讯', '秦川都市网', '韩冰', '图1', '本文转载自', '联系删除', '分享到', '责任编辑', '马骏', '天水', '伏羲', '酒泉', '戈壁', '包头', '工业遗产', 'ICP'],
  },
  '012': {
    source: '津门文旅资讯', author: '许诺',
    first: '5月23日,天津图书馆与甘肃省图书馆在天津市签署', last: '提升全省公共图书馆的服务水平。',
    noise: ['津门文旅资讯', '许诺', '邓洁', '责任编辑', '吴静怡', '想爆料', '022-', '大同', '石窟', '漳州', '木偶', '唐山', '抗震', '[详细]'],
  },
  '013': {
    source: '云南省图书馆辅导部', author: '郑凯',
    first: '3月17日,云南省图书馆在昆明市举办', last: '帮助农家书屋从“有书”向“有人读”转变。',
    noise: ['彩云书香网', '当前位置', '辅导部', '郑凯', '浏览次数', '分享到', '上一篇', '遵义', '红色文献', '芜湖', '读书节', '丽江', '桂林', '五华区', '书林街', 'ICP'],
  },
  '014': {
    source: '高原文化周刊', author: '彭程',
    first: '8月初,正是青海省海北藏族自治州草原最美的时节。', last: '让草原上的群众随时随地都能读书看报。',
    noise: ['高原文化周刊', '本报讯', '彭程', '第03版', 'THE END', '拉萨', '雪顿节', '包头', '丽江', '东巴', 'gywhzk', 'ICP'],
  },
  '015': {
    source: '康巴融媒讯', author: '央金',
    first: '7月底,西藏自治区昌都市图书馆“格桑花”', last: '让更多农牧区孩子参与进来。',
    noise: ['雪域新闻汇', '康巴融媒讯', '央金', '图1', '分享到', '责任编辑', '周晓燕', '相关推荐', '拉萨', '鄂尔多斯', '丽江', 'ICP'],
  },
  '016': {
    source: '齐风文旅网', author: '刘婧',
    first: '12月7日,记者从山东省图书馆获悉', last: '让读者足不出户也能享受优质的图书馆服务。',
    noise: ['齐风文旅网', '刘婧', '责任编辑', '王振宇', '想爆料', '0531', '青岛', '海洋文学', '烟台', '葡萄酒', '开封', '[详细]'],
  },
  '017': {
    source: '福建省图书馆', url: 'https://haixiyuedu.net/tsg/4102.html',
    first: '11月9日,福建省图书馆与宁夏图书馆在福州市举行', last: '推动两地公共文化服务共同发展。',
    noise: ['海西阅读网', '发布者', '转载请注明出处', 'haixiyuedu', '上一篇', '相关推荐', '厦门', '鼓浪屿', '漳州', '木偶', '汕头', '侨批', '发表回复'],
  },
  '018': {
    source: '吉林省图书馆学会', author: '曹雨',
    first: '10月25日,吉林省公共图书馆阅读推广工作研讨会', last: '共同推动全民阅读向纵深发展。',
    noise: ['北国书香在线', '热搜', 'bgsx_admin', '曹雨', '摘要', '鲜花', '雷人', '相关阅读', '大连', '海风书屋', '包头', '唐山', '船营区', '江湾路', '北国出版传媒', 'ICP'],
  },
  '019': {
    source: '内蒙古图书馆',
    first: '9月中旬,内蒙古图书馆“草原书香”流动服务车', last: '使优质阅读资源更多惠及偏远地区的群众。',
    noise: ['草原文化网', '当前位置', '发布日期', '浏览次数', '分享到', '上一篇', '拉萨', '雪顿节', '天水', '伏羲', '包头', '鄂尔多斯', '昆都仑区', 'ICP'],
  },
  '020': {
    source: '禾城晚讯', author: '许诺',
    first: '1月14日,随着最后一家乡镇分馆完成改造重新开放', last: '让城乡读者享受同等品质的阅读服务。',
    noise: ['禾城晚讯', '本报讯', '许诺', '梁爽', '第05版', 'THE END', '绍兴', '鲁迅', '宁波', '常州', '龙城讲坛', 'hcwx', 'ICP'],
  },
  '021': {
    source: '吳江區圖書館', author: '吳靜怡',
    first: '4月23日是第二十五個世界讀書日。', last: '逐步恢復各分館和城市書房的到館服務。',
    noise: ['書香江南在線', '熱搜', 'wjlib', '吳靜怡', '摘要', '鮮花', '雷人', '相關閱讀', '紹興', '魯迅', '常州', '運河詩會', '邗江區', '文昌西路', 'ICP', '(qū)', '(dòng)', '(wù)', '(tǐ)'],
  },
  '022': {
    source: '順德區圖書館', author: '梁爽',
    first: '近日,廣東省佛山市順德區圖書館', last: '打造覆蓋全區的產業閱讀服務網絡。',
    noise: ['嶺南書城網', '當前位置', '梁爽', '瀏覽次數', '分享到', '上一篇', '柳州', '美食', '汕頭', '僑批', '珠海', '越秀區', '文德路', 'ICP', '(qū)', '(wù)', '(shè)', '(jù)'],
  },
  '023': {
    source: '瀟湘文化報', author: '唐文',
    first: '6月9日,“紙上春秋——湖南近代報刊文獻展”', last: '展覽將持續至八月底,免費向公眾開放。',
    noise: ['瀟湘文化報', '本報訊', '唐文', '第04版', 'THE END', '岳陽', '洞庭湖', '常德', '蕪湖', 'xxwhb', 'ICP'],
  },
  '024': {
    source: '重圖讀者服務部', author: '陳思遠',
    first: '5月中旬,重慶圖書館“銀齡學堂”', last: '共享數字時代的閱讀便利。',
    noise: ['山城資訊網', '重圖讀者服務部', '陳思遠', '圖1', '分享到', '責任編輯', '劉婧', '相關推薦', '麗江', '汕頭', '青島', 'ICP'],
  },
  '025': {
    source: '黔程文化网', author: '林晨',
    first: '近日,贵州省图书馆“书香黔行”阅读推广小分队', last: '实现“搬得出、稳得住、能致富”。',
    noise: ['黔程文化网', '林晨', '责任编辑', '何雪', '新闻线索', '0851', '遵义', '红色文献', '常德', '唐山', '抗震', '[详细]'],
  },
  '026': {
    source: '中原书香网', author: '曹雨',
    first: '河南省图书馆近日在馆区一侧建成24小时自助图书馆', last: '推动形成覆盖城乡的全天候阅读服务网络。',
    noise: ['中原书香网', '当前位置', '曹雨', '浏览次数', '分享到', '相关新闻', '开封', '洛阳', '牡丹', '大同', '石窟', '洛龙区', '书香路', 'ICP'],
  },
};

const truth = readTruth();
const pageFiles = readdirSync(path.join(CORPUS, 'pages')).filter((f) => f.endsWith('.txt')).sort();
const records = readFileSync(path.join(CORPUS, 'records.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Record<string, string>);

function extractPage(file: string): { doc: DocumentInput; removed: string[] } {
  const r = extractArticle({ text: readFileSync(path.join(CORPUS, 'pages', file), 'utf8'), id: `pages/${file}`, kind: 'txt' });
  if (!r.ok) throw new Error(`${file} rejected: ${r.reason} ${r.message}`);
  return r;
}

function extractRecord(record: Record<string, string>): DocumentInput {
  const r = fromRecord(record);
  if (!r.ok) throw new Error(`${record.id} rejected: ${r.reason} ${r.message}`);
  return r.doc;
}

/** The document's regions that are not an ancestor of another of its regions. */
function mostSpecific(doc: DocumentInput): string[] {
  const codes = (doc.regions ?? []).map((r) => r.code);
  const ancestors = new Set(codes.flatMap((c) => regionAncestors(c).slice(1)));
  return codes.filter((c) => !ancestors.has(c)).sort();
}

/** `浙江省嘉兴市海盐县图书馆` -> `海盐县图书馆`: drops leading names of the article's regions. */
function withoutRegionPrefix(library: string, t: Truth): string {
  const names = [...new Set(t.regions.flatMap((r) => r.chain))];
  let s = library;
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of names) {
      const rest = s.slice(n.length);
      if (s.startsWith(n) && names.some((m) => rest.startsWith(m))) {
        s = rest;
        changed = true;
      }
    }
  }
  return s;
}

function checkAgainstTruth(doc: DocumentInput, t: Truth): void {
  expect(doc.title, 'title').toBe(t.title);
  expect(doc.date, 'date').toBe(t.date);
  const [primary] = t.regions;
  const [province, city, county] = primary.chain;
  const first = doc.regions?.[0];
  expect(first, 'primary region').toEqual({ code: primary.code, province, ...(city ? { city } : {}), ...(county ? { county } : {}) });
  expect(mostSpecific(doc), 'regions').toEqual(t.regions.map((r) => r.code).sort());
  for (const r of t.regions) {
    const found = doc.regions?.find((x) => x.code === r.code);
    expect([found?.province, found?.city, found?.county].filter(Boolean), `chain of ${r.code}`).toEqual(r.chain);
  }
  expect((doc.libraries ?? []).map((l) => withoutRegionPrefix(l, t)).sort(), 'libraries').toEqual([...t.libraries].sort());
}

describe('corpus/README.md ground truth', () => {
  it('lists every page and record of the corpus', () => {
    expect(truth.size).toBe(44);
    for (const f of pageFiles) expect(truth.has(`pages/${f}`), f).toBe(true);
    for (const r of records) expect(truth.has(r.id), r.id).toBe(true);
    expect(Object.keys(PAGES).sort()).toEqual(pageFiles.map((f) => f.slice(0, 3)));
  });
});

describe('corpus pages', () => {
  for (const file of pageFiles) {
    const id = `pages/${file}`;
    const facts = PAGES[file.slice(0, 3)];
    describe(file, () => {
      const { doc } = extractPage(file);
      const t = truth.get(id)!;

      it('has the title, date, regions and libraries of the README', () => checkAgainstTruth(doc, t));

      it('has the source, author and url of its byline', () => {
        expect(doc.source).toBe(facts.source);
        expect(doc.author).toBe(facts.author);
        expect(doc.url).toBe(facts.url);
      });

      it('keeps the whole article and nothing of the page noise', () => {
        expect(doc.content.startsWith(facts.first), doc.content.slice(0, 40)).toBe(true);
        expect(doc.content).toContain(facts.last);
        for (const w of facts.noise) expect(doc.content, w).not.toContain(w);
        // The title is not echoed in the body (as a repeat, a caption copy or a doubled line).
        expect(doc.content.replace(/\s+/g, '')).not.toContain(t.title.replace(/\s+/g, ''));
      });
    });
  }
});

describe('corpus records', () => {
  for (const record of records) {
    it(`${record.id} has the title, date, regions and libraries of the README`, () => {
      const doc = extractRecord(record);
      checkAgainstTruth(doc, truth.get(record.id)!);
      expect(doc.source).toBe(record.source);
      expect(doc.author).toBe(record.author || undefined);
    });
  }
});

describe('corpus duplicates', () => {
  it('finds exactly the duplicates of the README (pages first, then records, as `index corpus` reads them)', () => {
    const detector = new DuplicateDetector();
    const found: Record<string, string> = {};
    const docs = [...pageFiles.map((f) => extractPage(f).doc), ...records.map(extractRecord)];
    for (const doc of docs) {
      const dup = checkDuplicate(detector, doc);
      if (dup) found[doc.id] = dup.duplicateOf!;
    }
    const expected: Record<string, string> = {};
    for (const t of truth.values()) if (t.duplicateOf) expected[t.id] = t.duplicateOf;
    expect(expected).toEqual({
      'rec-003': 'pages/008-xiangyang-zongfenguan.txt',
      'rec-009': 'pages/016-shandong-yunshang-tushuguan.txt',
      'rec-017': 'rec-012',
    });
    expect(found).toEqual(expected);
  });
});

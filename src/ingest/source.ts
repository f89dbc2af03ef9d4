/**
 * Attribution of an article: source (publisher or site), author (writer or reporter) and the
 * article's own url, read from the zones clean.ts sets aside (header, credits, tail, nav).
 *
 * Owns: parsing of `来源:` / `來自:` / `原作者:` / `作者:` labels, newspaper bylines
 * (`本报讯(西藏日报记者周婷婷)`, `新华社北京6月1日电(记者 王某)`), sign-offs (`闪电新闻记者 报道`),
 * reprint notices (`推书网发布的文章《...》`, `本文转载链接:https://...`) and site names.
 * Must not: look at the article body for names (a body mentions many organisations), nor
 * convert scripts: values are returned as written (Traditional stays Traditional).
 *
 * Preference when several are present:
 * - source: (1) an explicit origin label (`来源`, `來自`, `稿源`, `转自`, `出处`) in the header or
 *   the credits; (2) the medium named in a byline or sign-off (`西藏日报`, `新华社`, `闪电新闻`);
 *   (3) the reprinting site named in its own notice (`推书网`); (4) the site name from the
 *   navigation or the HTML `og:site_name` (an e-paper's masthead `都市文化报数字报` names the
 *   newspaper, `都市文化报`). An origin label names who produced the article; a
 *   site that only republished it is the fallback.
 * - author: (1) `原作者`, `作者`, `撰文`, `文` labels; (2) reporters named in a byline
 *   (`记者周婷婷`, `荆风文化报全媒记者 曹雨`) or in a `记者:` label. Photographers (`摄`),
 *   editors and correspondents (`通讯员 邓洁` after the reporters) are not authors.
 * - url: a labelled link (`本文转载链接`, `原文链接`, `原文地址`, `本文链接`) in header, credits or
 *   tail; then the HTML canonical / `og:url`. Unlabelled links (related lists) are never used.
 */
import { toSimplified } from '../analysis/normalize.js';

export interface AttributionInput {
  header?: string[];
  credits?: string[];
  tail?: string[];
  siteName?: string;
  /** Values from HTML meta tags (trusted after the text's own labels). */
  meta?: { url?: string; siteName?: string; author?: string; source?: string };
}

export interface Attribution {
  source?: string;
  author?: string;
  url?: string;
}

/**
 * What ends a value: a field separator, a known label (`来源:X 作者:Y`), or any short label after
 * whitespace (`作者:宋佳  浏览次数:338`, `來源:X  瀏覽次數:2584`).
 */
const NEXT_LABEL = /\s*(?:[|｜]|(?:\s|^)(?:来源|来自|作者|原作者|发布者|发布人|发布时间|时间|日期|编辑|责任编辑|责编|浏览|查看|评论|点击|阅读|字号|审核|通讯员|摄影|记者|撰稿)\s*[:：]|\s[\u4e00-\u9fff]{1,6}\s*[:：])/;

/** Reads the value after a label in `s` (Simplified) and returns it from `raw` (original). */
function labelValue(raw: string, s: string, label: RegExp): string | undefined {
  const m = label.exec(s);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  const rest = s.slice(start);
  const stop = NEXT_LABEL.exec(rest);
  const end = start + (stop ? stop.index : rest.length);
  const value = raw
    .slice(start, end)
    .replace(/[\]］】)）]+\s*$/, '')
    .replace(/^[\s\u3000:：]+|[\s\u3000,，。;；]+$/g, '');
  return value && value.length <= 60 ? value : undefined;
}

const ORIGIN_LABEL = /(?:^|[\s|｜\[［【(（])(?:来源|来自|稿源|文章来源|信息来源|稿件来源|转自|转载自|出处|出自)\s*[:：]\s*/;
const AUTHOR_LABEL = /(?:^|[\s|｜\[［【(（])(?:原作者|作者|撰文|撰稿|文)\s*[:：/／]\s*/;
const REPORTER_LABEL = /(?:^|[\s|｜\[［【(（])(?:记者|本报记者)\s*[:：]\s*/;

/** Media words that end a publisher's name in a byline. */
const MEDIA = '(?:日报|晚报|早报|晨报|商报|时报|报社|报|新闻网|新闻|网|电视台|广播电视台|广播电台|融媒体中心|融媒|通讯社|社|客户端|频道)';
/** Chinese personal names in bylines: 2-4 characters, several separated by spaces or 、. */
const NAMES = '[\\u4e00-\\u9fff·]{2,4}(?:[\\s\\u3000、,，]+[\\u4e00-\\u9fff·]{2,4})*';

/** `本报讯(西藏日报记者周婷婷)`, `新华社北京6月1日电（记者 王某 李某）`, `(记者 张三 通讯员 李四)`. */
function parseByline(raw: string): { medium?: string; reporters?: string } {
  const s = toSimplified(raw);
  const out: { medium?: string; reporters?: string } = {};
  const agency = new RegExp(`^(?:【[^】]*】)?\\s*([\\u4e00-\\u9fff]{2,10}?${MEDIA})[\\u4e00-\\u9fff\\d]{0,12}?[\\d日](?:电|讯)`).exec(s);
  if (agency && !/^本/.test(agency[1])) out.medium = raw.slice(agency.index + agency[0].indexOf(agency[1]), agency.index + agency[0].indexOf(agency[1]) + agency[1].length);
  const paren = /[（(]([^（）()]{2,60})[）)]/.exec(s);
  if (paren) {
    const inner = paren[1];
    const innerRaw = raw.slice(paren.index + 1, paren.index + 1 + inner.length);
    const m = new RegExp(`^\\s*(?:([\\u4e00-\\u9fff]{2,12}?${MEDIA})\\s*)?(?:全媒体|全媒|融媒体|融媒|特派|首席|实习)?记者\\s*(${NAMES})`).exec(inner);
    if (m) {
      if (m[1] && !out.medium) out.medium = innerRaw.slice(inner.indexOf(m[1]), inner.indexOf(m[1]) + m[1].length);
      const namesStart = m.index + m[0].length - m[2].length;
      out.reporters = cleanNames(innerRaw.slice(namesStart, namesStart + m[2].length));
    }
  }
  return out;
}

/** `闪电新闻记者   报道` -> medium 闪电新闻; `记者 张三 李四 报道` -> reporters. */
function parseSignOff(raw: string): { medium?: string; reporters?: string } {
  const s = toSimplified(raw).trim();
  const m = new RegExp(`^([\\u4e00-\\u9fff]{2,12}?)?(?:全媒体)?记者\\s*(${NAMES})?\\s*(?:报道|采写)[。.]?$`).exec(s);
  if (!m) return {};
  const out: { medium?: string; reporters?: string } = {};
  if (m[1] && new RegExp(`${MEDIA}$`).test(m[1])) out.medium = raw.trim().slice(0, m[1].length);
  if (m[2]) out.reporters = cleanNames(raw.trim().slice(m[0].indexOf(m[2]), m[0].indexOf(m[2]) + m[2].length));
  return out;
}

/** Other roles inside a byline: the names after them are not reporters (`记者 许诺 通讯员 梁爽`). */
const OTHER_ROLE = /^(?:通讯员|实习生|摄影|摄像|编辑|责编|责任编辑|供图)$/;
/** Words of a byline that are not names (`记者 张三 报道`). */
const NOT_A_NAME = /^(?:记者|报道|采写)$/;

function cleanNames(names: string): string | undefined {
  const parts: string[] = [];
  for (const p of names.split(/[\s\u3000、,，]+/)) {
    const s = toSimplified(p);
    if (OTHER_ROLE.test(s)) break;
    if (!NOT_A_NAME.test(s) && p.length >= 2 && p.length <= 4) parts.push(p);
  }
  return parts.length ? parts.join('、') : undefined;
}

/**
 * The publisher named by a site name: an e-paper's masthead (`都市文化报数字报`, `瀟湘文化報數字報`)
 * is the newspaper's edition, so the newspaper (`都市文化报`) published the article.
 */
function publisherOfSite(site: string | undefined): string | undefined {
  if (!site) return undefined;
  const m = /^(\S{2,14}?)(?:数字报|电子报|电子版|数字版|数字报刊)$/.exec(toSimplified(site).trim());
  return m ? site.trim().slice(0, m[1].length) : site;
}

/** A plausible author value: names, not a site, not a placeholder. */
function plausibleAuthor(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const t = v.trim();
  if (!t || t.length > 40) return undefined;
  if (/^(?:佚名|未知|匿名|admin|管理员|本站|本网|网友|编辑部?)$/i.test(t)) return undefined;
  if (/https?:|www\./i.test(t)) return undefined;
  return t;
}

const REPRINT_SITE = /([\u4e00-\u9fffA-Za-z0-9]{2,12}?)(?:发布的文章|发布的内容|原创文章)《/;
const URL_LABEL = /(?:本文转载链接|转载链接|原文链接|原文地址|原文网址|本文链接|本文地址|文章链接|文章地址|来源链接|来源网址)\s*[:：]\s*(https?:\/\/[^\s，。,;；"'<>）)\]]+)/;

export function findAttribution(input: AttributionInput): Attribution {
  const header = input.header ?? [];
  const credits = input.credits ?? [];
  const tail = input.tail ?? [];
  const near = [...header, ...credits];

  let origin: string | undefined;
  let labelledAuthor: string | undefined;
  let reporterLabel: string | undefined;
  for (const raw of near) {
    const s = toSimplified(raw);
    origin ??= labelValue(raw, s, ORIGIN_LABEL);
    labelledAuthor ??= plausibleAuthor(labelValue(raw, s, AUTHOR_LABEL));
    reporterLabel ??= plausibleAuthor(cleanNames(labelValue(raw, s, REPORTER_LABEL) ?? ''));
  }

  let medium: string | undefined;
  let reporters: string | undefined;
  for (const raw of credits) {
    const b = parseByline(raw);
    const o = parseSignOff(raw);
    medium ??= b.medium ?? o.medium;
    reporters ??= b.reporters ?? o.reporters;
  }

  let reprintSite: string | undefined;
  let url: string | undefined;
  for (const raw of [...near, ...tail]) {
    const s = toSimplified(raw);
    if (!reprintSite) {
      const m = REPRINT_SITE.exec(s);
      if (m) reprintSite = raw.slice(m.index, m.index + m[1].length).replace(/^\d+[、.．]\s*/, '');
    }
    if (!url) {
      const m = URL_LABEL.exec(s);
      if (m) url = m[1];
    }
  }
  if (reprintSite) reprintSite = reprintSite.replace(/^\d+[、.．]?/, '') || undefined;

  const source = origin ?? medium ?? input.meta?.source ?? reprintSite ?? publisherOfSite(input.siteName ?? input.meta?.siteName);
  const author = labelledAuthor ?? reporters ?? reporterLabel ?? plausibleAuthor(input.meta?.author);
  url ??= input.meta?.url;
  const out: Attribution = {};
  if (source) out.source = source.trim();
  if (author) out.author = author;
  if (url) out.url = url;
  return out;
}

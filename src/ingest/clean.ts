/**
 * Page text -> the article's own title and whole body, with the boilerplate set aside.
 *
 * Owns: line classification (navigation, metadata, credits, share widgets, title repeats,
 * captions, paragraphs), the choice of the title line, the start of the body and the cut point
 * where the article ends (block markers such as `相关推荐`, `THE END`, `上一篇`, copyright/ICP
 * lines, reprint notices, hotline adverts, lists of other stories), and the removal of dateline
 * prefixes (`本报讯(西藏日报记者周婷婷)`).
 * Must not: parse dates, sources or places (date.ts, source.ts, regions.ts read the zones this
 * module returns), nor change the script of the text: title and body stay in the original
 * script, only pinyin artifacts (`區(qū)`) and tag remnants (`?/div>`) are removed.
 *
 * Every rule works on lines of the Simplified form of the text (same length as the original),
 * so Traditional pages follow the same rules; kept text is taken from the original lines.
 */
import { stripPinyinArtifacts, toSimplified } from '../analysis/normalize.js';
import { toSimplified as simplified } from '../analysis/normalize.js';

export interface CleanOptions {
  /** A title known from elsewhere (HTML `<h1>` / `og:title`): used instead of guessing. */
  titleHint?: string;
}

export interface CleanResult {
  /** The article's title, original script; undefined when no line qualifies. */
  title?: string;
  /** The article body, original script, one paragraph per line. */
  body: string;
  /** Everything left out of title and body, in page order (lines or line prefixes). */
  removed: string[];
  /** Metadata lines next to the title (`来源:...`, `2023-11-07 21:46:11`, `2022-6-8| 发布者...`). */
  header: string[];
  /** Credits taken out of the body (`本报讯(西藏日报记者周婷婷)`, `闪电新闻记者 报道`, `[责任编辑:...]`). */
  credits: string[];
  /** Lines from the cut point on (reprint notices, neighbours, related lists, footers). */
  tail: string[];
  /** `上一篇 ... / 下一篇 ...` lines: the page's neighbourhood (date context). */
  neighbours: string[];
  /** Lines before the title (site navigation). */
  nav: string[];
  /** The site's name when the navigation shows it (`書香江蘇在線`). */
  siteName?: string;
}

interface Line {
  /** Trimmed original text (pinyin artifacts already stripped). */
  raw: string;
  /** Simplified form of `raw`, same length. */
  s: string;
  /** `s` without whitespace: for comparing titles and repeats. */
  key: string;
}

// ---------------------------------------------------------------------------------------------
// Preprocessing

/** Tag remnants of a bad scrape: `</div>`, `<br/>`, and `?/div>` where `<` was lost with the preceding characters. */
const TAG_REMNANT = /(?:<\/?|[?？][!！?？]*\/)(?:div|p|span|a|td|tr|th|li|ul|ol|br|font|strong|b|i|em|section|article|table|tbody|thead|h[1-6]|img|center|small|big|u)\b[^<>\n]{0,200}?\/?>/gi;

/** Normalizes newlines and spaces, strips pinyin artifacts and tag remnants. */
export function preprocess(text: string): string {
  return stripPinyinArtifacts(
    text
      .replace(/^\ufeff/, '')
      .replace(/\r\n?/g, '\n')
      .replace(/[\u2028\u2029]/g, '\n')
      .replace(/[\u00a0\u2002\u2003\u2009\u200b\u200c\u200d\ufeff]/g, (c) => (c === '\u200b' || c === '\u200c' || c === '\u200d' || c === '\ufeff' ? '' : ' ')),
  ).replace(TAG_REMNANT, '');
}

function toLines(text: string): Line[] {
  return text.split('\n').map((l) => {
    const raw = l.replace(/^[\s\u3000]+|[\s\u3000]+$/g, '');
    const s = simplified(raw);
    return { raw, s, key: s.replace(/[\s\u3000]+/g, '') };
  });
}

// ---------------------------------------------------------------------------------------------
// Line classes (all on the Simplified text `s`)

const CJK = /[\u3400-\u9fff]/g;
function cjkCount(s: string): number {
  return s.match(CJK)?.length ?? 0;
}

const NAV_WORDS = new Set([
  '搜索', '全部', '首页', '网站首页', '返回首页', '登录', '注册', '登录注册', '微信', '微博', 'qq', 'weixin', 'weibo', '返回',
  '更多', '菜单', '导航', 'app', '客户端', 'english', '手机版', '无障碍', '设为首页', '加入收藏', '网站地图', '退出',
  '站内搜索', '高级搜索', '繁体', '简体', '繁體', '简体中文', '繁体中文', '关注我们', '订阅', '投稿', '帮助',
]);

const NAV_LABEL = /^(?:热搜|热门搜索|热门标签|当前位置|您的位置|你的位置|您现在的位置|所在位置|位置)\s*[:：]/;

/** Site navigation: menu words, breadcrumbs (`首页 > ...`), search boxes, menu bars of short tokens. */
function isNav(s: string): boolean {
  const t = s.trim();
  if (!t) return false;
  if (NAV_WORDS.has(t.toLowerCase())) return true;
  if (NAV_LABEL.test(t)) return true;
  if (/(?:^|\s)(?:首页|主页)(?:\s|>|»|›|\/|$)/.test(t) && !/[。；]/.test(t)) return true;
  if ((t.match(/\s*(?:>|»|›|→|＞|>>)\s*/g)?.length ?? 0) >= 2 && !/[。；]/.test(t) && t.length <= 120) return true;
  const tokens = t.split(/\s+/);
  if (tokens.length >= 4 && tokens.every((x) => x.length <= 6) && !/[，。；,;]/.test(t)) return true;
  return false;
}

const LABEL = '(?:来源|来自|作者|原作者|发布者|发布人|发布时间|发布日期|发表时间|更新时间|时间|日期|编辑|责任编辑|责编|浏览|浏览次数|浏览量|阅读|阅读量|阅读数|点击|点击数|点击量|查看|评论|字号|字体|摘要|文章来源|信息来源|稿件来源|稿源|供稿|撰稿|撰文|通讯员|记者|审核|出处|转自|栏目|分类|标签|关键词)';
const LABEL_LINE = new RegExp(`^[\\[［【(（]?\\s*${LABEL}\\s*[:：]`);
const LABEL_FIELD = new RegExp(`${LABEL}\\s*[:：]`, 'g');
const FULL_DATE = /(?:19|20)\d{2}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]?)/;

/** Metadata next to a title: a timestamp line, labelled fields, `2022-6-8| 发布者: ...`. */
function isMetadata(s: string): boolean {
  const t = s.trim();
  if (!t) return false;
  if (/^摘要\s*[:：]/.test(t)) return t.length <= 400;
  if (LABEL_LINE.test(t) && t.length <= 120) return true;
  if (FULL_DATE.test(t)) {
    if (t.length <= 40 && !/[。；]/.test(t)) return true;
    if ((t.match(LABEL_FIELD)?.length ?? 0) >= 2 || (t.match(/[|｜]/g)?.length ?? 0) >= 2) return t.length <= 200;
  }
  return false;
}

/**
 * Masthead lines of a newspaper's e-paper: the page (`第06版:文化·公益    2021年5月17日 星期一`) or
 * the issue date with its weekday. They are metadata (they date the issue) but come before the
 * title, so they do not end the search for it.
 */
const MASTHEAD = /^(?:第\s*[0-9一二三四五六七八九十]{1,3}\s*版|(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:星期|周)[一二三四五六日天])/;
function isMasthead(s: string): boolean {
  const t = s.trim();
  return t.length <= 60 && MASTHEAD.test(t) && isMetadata(t);
}

/** A column or rubric label above a title (`全国助残日特别报道`, `本期专题`): not a title. */
const RUBRIC = /^[\u4e00-\u9fff·]{0,10}(?:特别报道|专题报道|系列报道|深度报道|特别策划|专题|专栏|特稿|快讯)$/;

/** Footer lines naming the site's owner: a title-like line found in one is the site's name. */
const SITE_OWNER_LINE = /(?:版权所有|all\s+rights\s+reserved|copyright|©|ICP[备证]|公网安备|主办单位|承办单位|协办单位|指导单位|主管单位)/i;

/** Separators between a page title and the site name in an HTML `<title>` (`标题 - 站名`, `标题_站名`). */
const TITLE_SEPARATORS = new Set(['-', '_', '|', '｜', '–', '—']);

/** An e-paper's masthead name (`都市文化报数字报`): the newspaper's name and the edition word. */
const EPAPER_NAME = /^(\S{2,14}?)(?:数字报|电子报|电子版|数字版|数字报刊)$/;

const CREDIT_LABEL = '(?:责任编辑|编辑|责编|审核|审校|校对|初审|复审|终审|来源|稿源|文章来源|信息来源|作者|原作者|撰文|撰稿|文字|图片|摄影|摄像|记者|通讯员|供稿|视频编辑|文字编辑|监制|制作|出品|策划|主编|编审|编发|值班编辑|文|图|文\\/图|图\\/文|文图)';
const CREDIT_LINE = new RegExp(`^[\\[［【(（]?\\s*${CREDIT_LABEL}\\s*[:：/／|]`);
const SIGN_OFF = /^[\u4e00-\u9fff]{0,12}(?:全媒体)?(?:记者|通讯员)[\s\u3000\u4e00-\u9fff、·,，]{0,24}(?:报道|采写|摄)[。.]?$/;
const END_MARK = /^[(（]\s*(?:完|全文完|本文完)\s*[)）]$/;

/** Credits inside the body: editor/source lines, reporter sign-offs, `(完)`. */
function isCredit(s: string): boolean {
  const t = s.trim();
  if (t.length > 100) return false;
  return CREDIT_LINE.test(t) || SIGN_OFF.test(t) || END_MARK.test(t);
}

const WIDGET_WORDS = new Set([
  '鲜花', '握手', '雷人', '路过', '鸡蛋', '分享', '分享到', '分享到:', '分享到：', '收藏', '点赞', '打印', '关闭', '关闭窗口',
  '打印本页', '返回顶部', '顶部', '扫一扫', '微信扫一扫', '在手机上阅读', '字号', '大', '中', '小', '赞', '打赏', '举报',
  '复制链接', '朋友圈', 'qq空间', '新浪微博', '腾讯微博', '取消', '确定', '上一张', '下一张', '点击查看大图', '【打印】',
  '【关闭】', '[打印]', '[关闭]', '【收藏】', '[收藏]', '【字体:大中小】', '【字体：大中小】', '相关附件', '附件下载',
  '微信', '微博', 'qq', 'weixin', 'weibo', 'qzone', '豆瓣', '微信好友',
]);

/** A share bar: `分享到: 微信 微博 QQ空间 复制链接`. */
const SHARE_BAR = /^(?:分享到|分享至|分享)\s*[:：]/;

/** Share buttons, print/close links, font-size switches. */
function isWidget(s: string): boolean {
  const t = s.trim().toLowerCase();
  if (!t) return false;
  if (WIDGET_WORDS.has(t) || WIDGET_WORDS.has(t.replace(/\s+/g, ''))) return true;
  if (SHARE_BAR.test(t) && t.length <= 60) return true;
  const tokens = t.split(/[\s【】\[\]|｜]+/).filter(Boolean);
  return tokens.length >= 2 && tokens.every((x) => WIDGET_WORDS.has(x));
}

const CAPTION = /^(?:图为|上图|下图|左图|右图|图片[:：]|图[:：])|(?:摄|供图|图片来源[^，。]{0,20})$/;

/** A paragraph of running text (not a title): sentence punctuation, several commas, or long. */
function isParagraph(s: string): boolean {
  const t = s.trim();
  const cjk = cjkCount(t);
  if (/[。；;]/.test(t) && cjk >= 8) return true;
  if ((t.match(/[，,、]/g)?.length ?? 0) >= 2 && t.length >= 20) return true;
  return t.length >= 100;
}

/** Block markers after which the page is no longer the article. */
const CUT_PATTERNS: RegExp[] = [
  /^[-—=_~*·\s]*(?:THE\s*END|END|全文完|本文完)[-—=_~*·\s]*$/i,
  /^(?:相关推荐|相关阅读|相关新闻|相关文章|相关链接|相关报道|推荐阅读|延伸阅读|热门推荐|热点推荐|热门文章|猜你喜欢|精彩推荐|更多推荐|更多阅读|往期回顾|往期推荐|热门阅读|阅读排行|点击排行|最新文章|最新资讯|热点新闻|今日推荐|为您推荐|大家都在看|编辑推荐|网友评论|精彩评论|最新评论)\s*(?:[:：]|>>|》|更多)?\s*$/,
  /^(?:上一篇|下一篇|上一条|下一条|上一页|下一页|上篇|下篇)\s*[:：]?/,
  /^(?:发表回复|发表评论|我要评论|评论列表|登录后才能评论|登录后发表评论|已有\d+人(?:评论|参与)|共\d+条评论|请登录后|您需要登录)/,
  /(?:版权所有|版权声明|copyright|©|all\s+rights\s+reserved|ICP[备证]|公网安备|网上传播视听节目许可证|互联网新闻信息服务许可证|增值电信业务经营许可证)/i,
  /(?:转载请注明出处|与本网站立场无关|本网站立场无关|文责自负|本文转载链接|本文仅代表作者|不代表本站观点|不代表本网观点|如有侵权|侵权请联系|联系删除|未经授权.{0,6}不得转载|转载请注明来源)/,
  /^想爆料|^(?:新闻|爆料|广告)热线.{0,30}(?:广告|爆料|线索|合作)/,
  /^(?=.{0,160}$)(?=.*(?:(?:新闻|爆料|报料|广告|投稿)热线|新闻线索|爆料)).*\d{3,4}[-)）]?\s?\d{7,8}/,
  /^返回顶部$/,
];

/** Labels of a site footer (`主办单位:...`): a footer starts there when a copyright/ICP line follows. */
const FOOTER_LABEL = /^(?:主办单位|承办单位|协办单位|主管单位|指导单位|技术支持|联系我们|联系电话|地址)\s*[:：]/;

function isCutMarker(s: string): boolean {
  const t = s.trim();
  return CUT_PATTERNS.some((re) => re.test(t));
}

/** A line that belongs to a list of other stories: `...[详细]`, `闪电新闻 2023-11-07`, counters, `1.title https://...`. */
function isListMarker(s: string): boolean {
  const t = s.trim();
  if (/[\[［【](?:详细|详情|全文|更多|查看全文)[\]］】]\s*$/.test(t)) return true;
  if (/^\d{1,2}\s*[.、．]\s*\S.{4,}https?:\/\/\S+$/.test(t)) return true;
  if (/^[\u4e00-\u9fffA-Za-z ]{0,16}\s*(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s+[\u4e00-\u9fff]{2,8})?$/.test(t)) return true;
  if (/^\d{3,6}$/.test(t)) return true;
  if (/^[•·▪●◆■►]\s*\S/.test(t)) return true;
  return false;
}

/** A possible title line. */
function isTitleLike(line: Line): boolean {
  const t = line.s;
  if (t.length < 5 || t.length > 120) return false;
  if (cjkCount(t) < 4) return false;
  if (isNav(t) || isMetadata(t) || isCredit(t) || isWidget(t) || isCutMarker(t) || isListMarker(t)) return false;
  if (/[。；;]/.test(t.slice(0, -1)) || /[。]$/.test(t)) return false;
  if ((t.match(/[，,、]/g)?.length ?? 0) > 3) return false;
  if (CAPTION.test(t)) return false;
  if (RUBRIC.test(t.replace(/\s+/g, ''))) return false;
  return true;
}

/** The shortest unit `key` is a repetition of (2+ times), or undefined (`AA` -> `A`). */
function repeatedUnit(key: string): string | undefined {
  for (let len = 5; len <= key.length / 2; len++) {
    if (key.length % len === 0 && isRepeatOf(key, key.slice(0, len))) return key.slice(0, len);
  }
  return undefined;
}

/** The prefix of `raw` whose whitespace-free form is `key` (`raw` starts with it). */
function rawPrefix(raw: string, key: string): string {
  let n = 0;
  let i = 0;
  while (i < raw.length && n < key.length) {
    if (!/[\s\u3000]/.test(raw[i])) n++;
    i++;
  }
  return raw.slice(0, i).trim();
}

/** `标题 图1`, `标题(组图)`: an image-caption copy of the title. */
const TITLE_CAPTION_TAIL = /^[(（]?(?:图|组图|附图|图片)?\d{0,2}[)）]?$/;
function isTitleCaption(key: string, titleKey: string): boolean {
  if (!titleKey || key.length <= titleKey.length || !key.startsWith(titleKey)) return false;
  const rest = key.slice(titleKey.length);
  return rest.length <= 6 && /[图\d]/.test(rest) && TITLE_CAPTION_TAIL.test(rest);
}

/** True when `key` is `titleKey` repeated one or more times (a title echoed in the body). */
function isRepeatOf(key: string, titleKey: string): boolean {
  if (!titleKey || key.length < titleKey.length || key.length % titleKey.length !== 0) return false;
  for (let i = 0; i < key.length; i += titleKey.length) if (!key.startsWith(titleKey, i)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Dateline prefixes

/**
 * Datelines and reporter bylines opening a paragraph:
 * `本报讯(西藏日报记者周婷婷)`, `新华社北京6月1日电(记者 王某)`, `央视网消息(新闻联播)：`, `(记者 张三 通讯员 李四)`.
 */
/** Traditional variants of the characters the dateline pattern names, so it runs on the original text. */
const BOTH_SCRIPTS: Record<string, string> = { 讯: '[讯訊]', 电: '[电電]', 记: '[记記]', 报: '[报報]', 网: '[网網]', 台: '[台臺]', 闻: '[闻聞]', 员: '[员員]', 这: '[这這]' };
function bothScripts(pattern: string): string {
  return pattern.replace(/[讯电记报网台闻员这]/g, (c) => BOTH_SCRIPTS[c]);
}

const DATELINE = new RegExp(
  bothScripts(
    [
      '^(?:【[^】]{1,20}】\\s*)?',
      '(?:',
      // 本报讯 / 本台消息 with an optional reporter group
      '(?:本报讯|本报[\\u4e00-\\u9fff]{1,8}讯|本台讯|本网讯|本台消息|本报消息|本网消息)\\s*(?:[（(][^（）()]{0,40}[）)])?\\s*[:：，,]?',
      '|',
      // XX社/网/报 + place/date + 电/讯 + optional reporter group
      '[\\u4e00-\\u9fff]{2,10}?(?:社|网|报|台|新闻)[\\u4e00-\\u9fff\\d]{0,12}?[\\d日](?:电|讯)\\s*(?:[（(][^（）()]{0,40}[）)])?\\s*[:：，,]?',
      '|',
      // XX消息(新闻联播)：
      '[\\u4e00-\\u9fff]{2,12}?消息\\s*[（(][^（）()]{1,20}[）)]\\s*[:：]',
      '|',
      // (记者 张三 通讯员 李四)
      '[（(]\\s*[\\u4e00-\\u9fff]{0,12}?(?:记者|通讯员)[^（）()]{1,40}[）)]\\s*[:：，,]?',
      ')',
    ].join(''),
  ),
);

/** Every dateline has one of these words (both scripts): a cheap test before the regex. */
const DATELINE_CUE = /[讯訊电電]|消息|记者|記者/;

/** Splits a dateline/byline prefix off a paragraph: [prefix, rest], or undefined. */
export function splitDateline(raw: string): [string, string] | undefined {
  const head = raw.slice(0, 80);
  if (!DATELINE_CUE.test(head)) return undefined;
  const m = DATELINE.exec(head);
  if (!m || m[0].trim().length < 3) return undefined;
  const rest = raw.slice(m[0].length).replace(/^[\s\u3000]+/, '');
  if (rest !== '' && cjkCount(rest.slice(0, 20)) < 2) return undefined;
  return [raw.slice(0, m[0].length).trim(), rest];
}

// ---------------------------------------------------------------------------------------------
// The page

function scoreTitleCandidates(lines: Line[], all: number[]): number | undefined {
  let best: number | undefined;
  let bestScore = 0;
  // A line that is another candidate repeated (`标题  标题`) or followed by a site name (the HTML
  // `<title>`: `标题 - 站名`) is an echo of that candidate, not a candidate itself.
  const keys = new Set(all.map((i) => lines[i].key));
  const candidates = all.filter((i) => {
    const key = lines[i].key;
    const unit = repeatedUnit(key);
    if (unit && keys.has(unit)) return false;
    for (const other of keys) {
      if (other.length < key.length && key.startsWith(other) && TITLE_SEPARATORS.has(key[other.length])) return false;
    }
    return true;
  });
  const last = candidates[candidates.length - 1];
  for (const i of candidates) {
    const key = repeatedUnit(lines[i].key) ?? lines[i].key;
    let repeats = 0;
    let siteNameLike = false;
    for (let j = 0; j < lines.length; j++) {
      if (j === i) continue;
      const k = lines[j].key;
      if (!k) continue;
      if (k === key || isRepeatOf(k, key)) repeats++;
      else if (k.length > key.length) {
        if (k.includes(`《${key}》`)) repeats++;
        else if (TITLE_SEPARATORS.has(k[k.length - key.length - 1]) && k.endsWith(key)) siteNameLike = true; // `标题 - 站名`
        else if (k.includes(key) && SITE_OWNER_LINE.test(lines[j].s)) siteNameLike = true; // `版权所有 站名`, `主办单位:站名`
        else if (k.endsWith(key)) repeats++;
        else if (TITLE_SEPARATORS.has(k[key.length]) && k.startsWith(key)) repeats++; // `标题 - 站名`
        else if (isTitleCaption(k, key)) repeats++;
        else if (k.startsWith(key) && key.length <= 12) siteNameLike = true;
      }
    }
    let score = 2 * Math.min(repeats, 3) + (i === last ? 3 : 0) + (key.length >= 8 ? 1 : 0) + 1;
    if (siteNameLike) score -= 6;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return best;
}

function findSiteName(lines: Line[], end: number): string | undefined {
  for (let i = 0; i < end; i++) {
    const { raw, key, s } = lines[i];
    if (!key) continue;
    // A breadcrumb starting with the site name: `書香江蘇在線 首頁 ...`
    const crumb = /^(\S{2,16}?)\s+(?:首页|主页)(?=$|[\s|/>»›])/.exec(s);
    if (crumb) return raw.slice(0, crumb[1].length);
    if (key.length >= 2 && key.length <= 16 && cjkCount(key) >= 2 && !NAV_WORDS.has(key)) {
      // An e-paper's masthead (`都市文化报数字报`).
      if (EPAPER_NAME.test(s)) return raw;
      for (let j = 0; j < lines.length; j++) {
        if (j === i) continue;
        const k = lines[j].key;
        if (k.length <= key.length) continue;
        // The first short name line, repeated at the start of a later line (`站名 首页 ...`), ending
        // the page's `<title>` line (`标题 - 站名`) or named in the footer (`版权所有 站名`).
        if (j > i && k.startsWith(key)) return raw;
        if (k.endsWith(key) && TITLE_SEPARATORS.has(k[k.length - key.length - 1])) return raw;
        if (k.includes(key) && SITE_OWNER_LINE.test(lines[j].s)) return raw;
      }
    }
  }
  return undefined;
}

/** How far back from the first list marker the item's title lines may reach. */
const LIST_TITLE_LINES = 2;
/** Window (non-blank lines) in which two list markers make a list of other stories. */
const LIST_WINDOW = 8;

/**
 * Cleans one scraped page (plain text, or the text of an HTML page).
 *
 * Title: with a hint, the hint. Otherwise among the lines before the first metadata line (or, if
 * there is none, before the first paragraph; an e-paper's masthead line `第06版:... 2021年5月17日
 * 星期一` does not count as that metadata line), the title-like line with the best score: +2 per
 * repetition elsewhere in the page (as a whole line, doubled on one line, echoed, a breadcrumb's
 * end, an image-caption copy `标题 图1`, the HTML `<title>` line `标题 - 站名`, or `《title》` in
 * a reprint notice; up to 3), +3 for the last candidate before the body, +1 for 8+ characters,
 * -6 when it looks like the site's name (other lines start with it, it ends a `标题 - 站名` line,
 * or a copyright / ICP / `主办单位` line names it). Navigation words (`全部`), rubrics
 * (`全国助残日特别报道`), a line that only doubles another candidate and the `标题 - 站名` line
 * itself never qualify.
 *
 * Body: from the first line after the title and its metadata block to the first cut marker
 * (only once some article text has been kept; a footer label such as `主办单位:` followed by a
 * copyright line also cuts). Title repeats and caption copies, credits, metadata, share bars
 * and widget lines inside are removed; datelines are split off paragraph starts.
 */
export function cleanPage(text: string, opts: CleanOptions = {}): CleanResult {
  const lines = toLines(preprocess(text));
  const n = lines.length;
  const nonBlank = (i: number) => lines[i].key !== '';

  let firstPara = -1;
  for (let i = 0; i < n; i++) {
    const s = lines[i].s;
    if (!nonBlank(i) || isNav(s) || isMetadata(s) || isCredit(s) || isCutMarker(s) || isWidget(s)) continue;
    if (isParagraph(s)) {
      firstPara = i;
      break;
    }
  }
  const headEnd = firstPara === -1 ? n : firstPara;
  let metaIdx = -1;
  for (let i = 0; i < headEnd; i++) {
    if (nonBlank(i) && isMetadata(lines[i].s) && !isNav(lines[i].s) && !isMasthead(lines[i].s)) {
      metaIdx = i;
      break;
    }
  }

  let titleIdx = -1;
  let title: string | undefined;
  const hint = opts.titleHint ? stripPinyinArtifacts(opts.titleHint).replace(/\s+/g, ' ').trim() : '';
  if (hint) {
    const hintKey = toSimplified(hint).replace(/\s+/g, '');
    title = hint;
    for (let i = 0; i < headEnd; i++) {
      if (lines[i].key === hintKey) {
        titleIdx = i;
        break;
      }
    }
  } else {
    const candEnd = metaIdx !== -1 ? metaIdx : headEnd;
    const candidates: number[] = [];
    for (let i = 0; i < candEnd; i++) if (nonBlank(i) && isTitleLike(lines[i])) candidates.push(i);
    const best = scoreTitleCandidates(lines, candidates);
    if (best !== undefined) {
      titleIdx = best;
      const unit = repeatedUnit(lines[best].key);
      title = (unit ? rawPrefix(lines[best].raw, unit) : lines[best].raw).replace(/\s+/g, ' ');
    } else if (firstPara === -1) {
      // No paragraph and no head candidate: nothing more to guess.
    }
  }
  const titleKey = title ? toSimplified(title).replace(/\s+/g, '') : '';

  const removed: string[] = [];
  const header: string[] = [];
  const credits: string[] = [];
  const nav: string[] = [];

  // Head: everything before the body start.
  let bodyStart: number;
  if (titleIdx !== -1) {
    for (let i = 0; i < titleIdx; i++) if (nonBlank(i)) {
      nav.push(lines[i].raw);
      removed.push(lines[i].raw);
      if (isMetadata(lines[i].s) && (LABEL_LINE.test(lines[i].s) || isMasthead(lines[i].s))) header.push(lines[i].raw);
    }
    removed.push(lines[titleIdx].raw);
    bodyStart = titleIdx + 1;
    while (bodyStart < n) {
      const s = lines[bodyStart].s;
      if (!nonBlank(bodyStart)) {
        bodyStart++;
        continue;
      }
      if (isMetadata(s)) header.push(lines[bodyStart].raw);
      else if (isNav(s) || isWidget(s) || RUBRIC.test(lines[bodyStart].key) || (titleKey && (isRepeatOf(lines[bodyStart].key, titleKey) || isTitleCaption(lines[bodyStart].key, titleKey)))) { /* dropped */ }
      else break;
      removed.push(lines[bodyStart].raw);
      bodyStart++;
    }
  } else {
    bodyStart = firstPara === -1 ? 0 : firstPara;
    for (let i = 0; i < bodyStart; i++) if (nonBlank(i)) {
      nav.push(lines[i].raw);
      removed.push(lines[i].raw);
      if (isMetadata(lines[i].s)) header.push(lines[i].raw);
    }
  }

  // Body.
  const kept: Array<{ index: number; text: string }> = [];
  /** Body lines already set aside (so a later list cut does not list them twice). */
  const removedInBody = new Set<number>();
  let cut = n;
  let hasContent = false;
  const nonBlankAfter = (i: number, count: number): number[] => {
    const out: number[] = [];
    for (let j = i; j < n && out.length < count; j++) if (nonBlank(j)) out.push(j);
    return out;
  };
  for (let i = bodyStart; i < n; i++) {
    if (!nonBlank(i)) continue;
    const line = lines[i];
    const s = line.s;
    if (hasContent && isCutMarker(s)) {
      cut = i;
      break;
    }
    if (hasContent && FOOTER_LABEL.test(s) && nonBlankAfter(i + 1, 3).some((j) => isCutMarker(lines[j].s))) {
      cut = i;
      break;
    }
    if (hasContent && isListMarker(s)) {
      const window = nonBlankAfter(i, LIST_WINDOW);
      if (window.filter((j) => isListMarker(lines[j].s)).length >= 2) {
        // The list starts with the first item's title line(s) before its first marker.
        let start = i;
        for (let back = 0, j = i - 1; j >= bodyStart && back < LIST_TITLE_LINES; j--) {
          if (!nonBlank(j)) continue;
          if (!isTitleLike(lines[j]) || (kept.length && kept[0].index === j)) break;
          start = j;
          back++;
        }
        while (kept.length && kept[kept.length - 1].index >= start) kept.pop();
        cut = start;
        break;
      }
    }
    if (isWidget(s)) {
      const window = nonBlankAfter(i, 6);
      if (hasContent && window.filter((j) => isWidget(lines[j].s)).length >= 3) {
        cut = i;
        break;
      }
      removed.push(line.raw);
      removedInBody.add(i);
      continue;
    }
    if (titleKey && (isRepeatOf(line.key, titleKey) || isTitleCaption(line.key, titleKey))) {
      removed.push(line.raw);
      removedInBody.add(i);
      continue;
    }
    if (isCredit(s)) {
      credits.push(line.raw);
      removed.push(line.raw);
      removedInBody.add(i);
      continue;
    }
    if (isMetadata(s) && !isParagraph(s)) {
      (hasContent ? credits : header).push(line.raw);
      removed.push(line.raw);
      removedInBody.add(i);
      continue;
    }
    if (!hasContent && (isCutMarker(s) || isNav(s))) {
      removed.push(line.raw);
      removedInBody.add(i);
      continue;
    }
    let textOut = line.raw;
    const dl = splitDateline(textOut);
    if (dl) {
      credits.push(dl[0]);
      removed.push(dl[0]);
      textOut = dl[1];
      if (!textOut) continue;
    }
    kept.push({ index: i, text: textOut });
    if (cjkCount(s) >= 10 || isParagraph(s)) hasContent = true;
  }
  // Everything from the cut on is the tail (including lines a list cut took back from the body).
  const tail: string[] = [];
  const neighbours: string[] = [];
  for (let i = cut; i < n; i++) {
    if (!nonBlank(i)) continue;
    tail.push(lines[i].raw);
    if (!removedInBody.has(i)) removed.push(lines[i].raw);
    if (/^(?:上一篇|下一篇|上一条|下一条|上篇|下篇)/.test(lines[i].s)) neighbours.push(lines[i].raw);
  }

  const body = kept.map((k) => k.text).join('\n');
  return {
    title,
    body,
    removed,
    header,
    credits,
    tail,
    neighbours,
    nav,
    siteName: findSiteName(lines, titleIdx === -1 ? bodyStart : titleIdx),
  };
}

/**
 * Light cleaning for structured records, whose content is already the article: newline and
 * space normalization, pinyin artifacts, tag remnants, credit lines (`(视频编辑：... 文字编辑：...)`)
 * and the dateline of the first paragraph (`央视网消息（新闻联播）：`). No title guessing, no cuts.
 */
export function cleanRecordText(text: string): { body: string; removed: string[]; credits: string[] } {
  const removed: string[] = [];
  const credits: string[] = [];
  const kept: string[] = [];
  for (const l of preprocess(text).split('\n')) {
    const raw = l.replace(/^[\s\u3000]+|[\s\u3000]+$/g, '');
    if (!raw) continue;
    // Only short lines can be credits: simplify just those (records are long, this is the hot path).
    if (raw.length <= 100 && isCredit(simplified(raw))) {
      credits.push(raw);
      removed.push(raw);
      continue;
    }
    let t = raw;
    if (kept.length === 0) {
      const dl = splitDateline(t);
      if (dl) {
        credits.push(dl[0]);
        removed.push(dl[0]);
        t = dl[1];
      }
      if (!t) continue;
    }
    kept.push(t);
  }
  return { body: kept.join('\n'), removed, credits };
}

// The search page: plain JavaScript, no build step, no third-party code.
//
// The URL holds the whole state (q, literal, op, sort, page, filters, dates, undated, collapse,
// the open article), so links can be shared and the back button works: every user action pushes
// a new URL and renders from it. Only titleHtml / snippetHtml / contentHtml (escaped by the
// server, <mark> added) are inserted as HTML; everything else goes through textContent or is
// built as elements (the timeline's SVG too). No inline styles (the CSP forbids them).
//
// The page is served by the server whose API it calls, so it relies on that API's contract: one
// /api/search per render brings the hits and every facet (the region tree, years and months
// complete and chronological with the undated bucket last, facetTotals); facetQuery searches a
// facet's values; facetSize up to 10000 brings a whole list (更多).

const FILTERS = ['province', 'city', 'county', 'source', 'library'];
const FACET_LABELS = {
  region: '地区',
  province: '省份',
  city: '城市',
  county: '区县',
  year: '年份',
  month: '月份',
  source: '来源',
  library: '图书馆',
};
/** Chinese names of the API parameters, for error messages. */
const PARAM_LABELS = {
  q: '检索词',
  op: '匹配方式',
  sort: '排序方式',
  page: '页码',
  size: '每页条数',
  from: '起始日期',
  to: '结束日期',
  province: '省份',
  city: '城市',
  county: '区县',
  source: '来源',
  library: '图书馆',
  facets: '分面',
  facetSize: '分面条数',
  facetQuery: '分面筛选词',
  snippetLength: '摘要长度',
  literal: '按原样检索',
  undated: '未注明日期',
  collapse: '相似报道合并',
  format: '导出格式',
};
const MAX_WINDOW = 10000;
const PAGE_SIZE = 10;
/** Values a facet list shows before 更多. */
const FACET_SHOWN = 10;
/** facetSize for a whole facet list (the API's largest). */
const FACET_ALL = 10000;
/** facetSize for a facet search (the filter box). */
const FACET_MATCHES = 50;
const nf = new Intl.NumberFormat('zh-CN');
const fmt = (n) => nf.format(n);

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
};
const SVG_NS = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}, ...children) => {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
};

// ---- State <-> URL ----

/** The state in the URL: { q, literal, op, sort, page, from, to, undated, all, doc, province: [], ... }. */
function readState() {
  const p = new URLSearchParams(location.search);
  const undated = p.get('undated');
  const state = {
    q: p.get('q') ?? '',
    // literal=1: the query exactly as typed (no pinyin, synonyms or corrections).
    literal: p.get('literal') === '1' || p.get('literal') === 'true',
    op: p.get('op') === 'or' || p.get('op') === 'and' ? p.get('op') : 'auto',
    sort: p.get('sort') ?? '',
    page: Math.max(1, Number.parseInt(p.get('page') ?? '1', 10) || 1),
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    // undated=only: only articles without a date; exclude: only dated ones.
    undated: undated === 'only' || undated === 'exclude' ? undated : '',
    // collapse=false: every copy of a story, not one hit per story.
    all: p.get('collapse') === 'false',
    doc: p.get('doc') ?? '',
  };
  for (const f of FILTERS) state[f] = p.getAll(f);
  return state;
}

/**
 * Query parameters of a state: the page's URL, or (`forApi`) the API's, without the page's own
 * `doc` and with the API's spelling of literal.
 */
function toParams(state, { forApi = false } = {}) {
  const p = new URLSearchParams();
  if (state.q) p.set('q', state.q);
  if (state.literal) p.set('literal', forApi ? 'true' : '1');
  if (state.op !== 'auto') p.set('op', state.op);
  if (state.sort) p.set('sort', state.sort);
  if (state.page > 1) p.set('page', String(state.page));
  for (const f of FILTERS) for (const v of state[f]) p.append(f, v);
  if (state.from) p.set('from', state.from);
  if (state.to) p.set('to', state.to);
  if (state.undated) p.set('undated', state.undated);
  if (state.all) p.set('collapse', 'false');
  if (!forApi && state.doc) p.set('doc', state.doc);
  return p;
}

/** The API parameters of the whole result set of a state (no page): feeds, exports, facet lists. */
function resultSetParams(state) {
  const p = toParams(state, { forApi: true });
  p.delete('page');
  return p;
}

/** The page's URL of a state. */
function hrefOf(state) {
  const qs = toParams(state).toString();
  return qs ? `/?${qs}` : '/';
}

/** Pushes `state` as a new history entry and renders it; `entry` is kept as history.state. */
function navigate(state, entry = null) {
  history.pushState(entry, '', hrefOf(state));
  render();
}

/** A link to `state` that navigates in place (a plain click) or opens normally (new tab, copy). */
function stateLink(state, text, props = {}, entry = null) {
  return el('a', {
    href: hrefOf(state),
    text,
    onclick: (e) => {
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(state, entry);
    },
    ...props,
  });
}

/** A copy of the current state with `changes`; any change but paging goes back to page 1. */
function withChanges(changes) {
  const state = { ...readState(), doc: '', ...changes };
  if (!('page' in changes)) state.page = 1;
  return state;
}

// ---- API ----

/** A failed API call: `message` is the Chinese text for the reader; status and code for the page. */
class ApiFailure extends Error {
  constructor(status, error) {
    super(describeError(status, error));
    this.status = status;
    this.code = error?.code ?? '';
  }
}

let pending = null;

async function api(path, params, { signal } = {}) {
  const qs = params ? params.toString() : '';
  let res;
  try {
    res = await fetch(qs ? `${path}?${qs}` : path, { headers: { Accept: 'application/json' }, signal });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiFailure(0, { code: 'network' });
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiFailure(res.status, body?.error);
  return body;
}

/**
 * A Chinese message for an API error, from its code and the parameter it names; the API's English
 * message is never shown.
 */
function describeError(status, error) {
  const code = error?.code;
  const issue = Array.isArray(error?.details) ? error.details[0] : null;
  const retry = Number(error?.details?.retryAfterSeconds);
  const later = Number.isFinite(retry) && retry > 0 ? `，请约 ${retry} 秒后再试。` : '，请稍后再试。';
  switch (code) {
    case 'invalid_parameter':
      return describeParameter(issue);
    case 'too_many_requests':
      return `请求过于频繁${later}`;
    case 'overloaded':
      return `服务器繁忙${later}`;
    case 'search_timeout':
      return '检索超时：请减少检索词、缩短短语或增加筛选条件后重试。';
    case 'search_memory':
      return '检索过于复杂，超出了服务器的处理能力：请减少检索词或增加筛选条件后重试。';
    case 'uri_too_long':
      return '检索条件过长，请缩短检索词或减少筛选条件。';
    case 'not_found':
      return '找不到请求的内容。';
    case 'document_unavailable':
      return '该文章暂时无法显示：服务器上的索引文件已损坏。';
    case 'method_not_allowed':
    case 'bad_request':
      return '请求无效，请检查链接是否完整。';
    case 'internal':
      return '服务器内部错误，请稍后再试。';
    case 'network':
      return '无法连接服务器，请检查网络后重试。';
    default:
      if (status === 404) return '找不到请求的内容。';
      if (status === 429) return `请求过于频繁${later}`;
      if (status >= 500) return '服务器暂时无法完成检索，请稍后再试。';
      return '检索未能完成，请检查检索条件后重试。';
  }
}

/** The Chinese message for a 400 naming a parameter (details: [{ parameter, message }]). */
function describeParameter(issue) {
  const name = issue?.parameter ?? '';
  const message = String(issue?.message ?? '');
  const label = PARAM_LABELS[name];
  if (/unknown parameter/.test(message)) return '链接中含有本服务不支持的参数，请检查链接是否完整。';
  if (/give this parameter only once/.test(message)) return `检索条件有误：${label ?? '某一条件'}只能指定一次。`;
  if (name === 'from' || name === 'to') {
    if (/is after/.test(message)) return '起始日期晚于结束日期，请调整日期范围。';
    if (/not a real date/.test(message)) return `${label}不是有效日期。`;
    return `${label}格式有误：请输入年、年-月或年-月-日，如 2023、2023-06、2023-06-30。`;
  }
  if (name === 'page') {
    if (/page \* size/.test(message)) return `结果页数过深：最多可查看前 ${fmt(MAX_WINDOW)} 条结果。`;
    return '页码无效。';
  }
  if (name === 'q') return /at most/.test(message) ? '检索词过长，请缩短后重试。' : '检索词无效。';
  if (name === 'province' || name === 'city' || name === 'county') {
    if (/blank|empty/.test(message)) return `${label}筛选条件不能为空。`;
    if (/code/.test(message) && /not a/.test(message)) return `${label}代码的级别不对，请检查筛选条件。`;
    return `找不到该${label}：请使用正式名称、简称或行政区划代码。`;
  }
  if (name === 'source' || name === 'library') {
    if (/blank|empty/.test(message)) return `${label}筛选条件不能为空。`;
    return `${label}筛选条件无效。`;
  }
  if (name === 'undated') {
    if (/cannot be combined/.test(message)) return '“未注明日期”不能与日期范围同时使用，请先清除日期。';
    return '“未注明日期”筛选条件无效。';
  }
  if (name === 'facetQuery' || name === 'facets' || name === 'facetSize') return '分面筛选条件有误，请刷新页面后重试。';
  if (name === 'collapse') return '“显示全部相似报道”条件无效。';
  if (/at most \d+ values/.test(message)) return `${label ?? '筛选'}条件过多，请减少后重试。`;
  return label ? `检索条件有误：${label}无效。` : '检索条件有误，请检查后重试。';
}

// ---- Date checks (the same rules as the API, so a mistyped date is caught on the page) ----

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** The first or last day of a date bound as 'YYYY-MM-DD', or null when it is not a real date. */
function dateBound(value, side) {
  const m = DATE_RE.exec(value);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = m[2] === undefined ? (side === 'from' ? 1 : 12) : Number(m[2]);
  if (mo < 1 || mo > 12) return null;
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const d = m[3] === undefined ? (side === 'from' ? 1 : last) : Number(m[3]);
  if (d < 1 || d > last) return null;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The Chinese message for a wrong date range, or '' when it is fine. */
function checkDates(from, to) {
  for (const [value, side] of [[from, 'from'], [to, 'to']]) {
    if (!value) continue;
    const label = PARAM_LABELS[side];
    if (!DATE_RE.test(value)) return `${label}格式有误：请输入年、年-月或年-月-日，如 2023、2023-06、2023-06-30。`;
    if (!dateBound(value, side)) return `${label}不是有效日期。`;
  }
  if (from && to && dateBound(from, 'from') > dateBound(to, 'to')) return '起始日期晚于结束日期，请调整日期范围。';
  return '';
}

// ---- Rendering ----

async function render() {
  const state = readState();
  $('q').value = state.q;
  $('sort').value = state.sort;
  $('op').value = state.op;
  $('from').value = state.from;
  $('to').value = state.to;
  closeSuggestions();
  if (state.doc) return renderArticle(state);
  $('article-view').hidden = true;
  $('results-view').hidden = false;
  await renderResults(state);
}

/** The one search of a render: a page of hits and the facets (years and months also draw the timeline). */
function mainParams(state) {
  const params = toParams(state, { forApi: true });
  params.set('size', String(PAGE_SIZE));
  params.set('facets', 'region,year,month,source,library');
  return params;
}

async function renderResults(state) {
  const token = (pending = {});
  document.body.classList.add('loading');
  const dateProblem = checkDates(state.from, state.to);
  let data;
  try {
    if (dateProblem) throw Object.assign(new Error(dateProblem), { code: 'invalid_parameter' });
    data = await api('/api/search', mainParams(state));
  } catch (err) {
    if (token !== pending) return;
    showError(err);
    $('results').replaceChildren();
    $('facets').replaceChildren();
    $('facets-box').hidden = true;
    $('pager').replaceChildren();
    $('summary').textContent = '';
    $('result-links').replaceChildren();
    renderTimeline(state, null);
    renderUnderstanding(state, null);
    $('empty').hidden = true;
    renderChips(state);
    return;
  } finally {
    if (token === pending) document.body.classList.remove('loading');
  }
  if (token !== pending) return;
  showError(null);
  document.title = state.q ? `${state.q} - zhsearch` : 'zhsearch 中文全文检索';
  facetUi.reset(state);
  renderSummary(state, data);
  renderResultLinks(state, data);
  renderUnderstanding(state, data);
  renderChips(state);
  renderFacets(state, data);
  renderTimeline(state, data);
  $('results').replaceChildren(...data.hits.map((h) => renderHit(state, data.query, h)));
  renderEmpty(state, data);
  renderPager(state, data);
}

function showError(err) {
  const box = $('error');
  box.hidden = !err;
  box.textContent = err ? (err instanceof ApiFailure || err.code ? err.message : '检索未能完成，请稍后再试。') : '';
}

function renderSummary(state, data) {
  const parts = [];
  const articles = data.articles !== data.total ? data.articles : null;
  const count = articles === null ? `共 ${data.total} 条结果` : `共 ${data.total} 条报道（${articles} 篇文章）`;
  if (state.q) parts.push(`“${readingOf(data.query)}”${count}`);
  else parts.push(articles === null ? `共 ${data.total} 篇文章` : count);
  parts.push(`（${data.tookMs} 毫秒）`);
  // A cluster answer without some shard: said, with how many did not answer.
  if (data.partial) parts.push(`部分数据分片未响应（${data.shards.failed}/${data.shards.total}），结果可能不完整。`);
  if (data.query.relaxed) {
    const ignored = [...data.query.stopWords, ...data.query.dropped];
    parts.push(`未找到同时包含全部词语的结果，已忽略：${ignored.join('、')}`);
  }
  $('summary').textContent = parts.join('');
  // 显示全部相似报道 (collapse=false): every copy of a story as a hit.
  $('collapse-box').hidden = false;
  $('show-all').checked = state.all;
}

/** 订阅此检索 (Atom feed) and 导出 (CSV, JSON Lines) of the current result set. */
function renderResultLinks(state, data) {
  const params = resultSetParams(state);
  const qs = params.toString();
  const exportHref = (format) => `/api/export?${new URLSearchParams({ format })}${qs ? `&${qs}` : ''}`;
  const links = [
    el('a', { class: 'feed', href: `/api/feed.atom${qs ? `?${qs}` : ''}`, type: 'application/atom+xml', text: '订阅此检索', title: '用阅读器订阅这一检索的新文章（Atom）' }),
    el('span', { class: 'export' }, '导出：',
      el('a', { class: 'export-csv', href: exportHref('csv'), download: '', text: 'CSV', title: `导出前 ${fmt(MAX_WINDOW)} 条结果为 CSV 表格` }),
      ' ',
      el('a', { class: 'export-jsonl', href: exportHref('jsonl'), download: '', text: 'JSON Lines', title: `导出前 ${fmt(MAX_WINDOW)} 条结果为 JSON Lines` })),
  ];
  $('result-links').replaceChildren(...(data.total > 0 ? links : []));
}

// ---- Query understanding ----

const READ_KINDS = ['pinyin', 'initials'];
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The query as it was searched, for people: `query.q` (the corrected query when there was a
 * correction) with its pinyin and initials replaced by the words they were read as
 * (tushuguan 阅读 -> 图书馆 阅读; several readings as 交流/建立/记录).
 */
function readingOf(query) {
  const read = (query.interpretations ?? []).filter((i) => READ_KINDS.includes(i.kind));
  let text = query.q;
  for (const i of read) {
    // The engine may name pinyin typed with spaces by its syllables joined with ' (tu'shu'guan).
    const pattern = new RegExp(`(?<![a-z])${i.from.split(/['\s]+/).map(escapeRegExp).join("[\\s']*")}(?![a-z])`, 'i');
    const m = pattern.exec(text);
    // Not found as typed: say what was searched instead of a half-read query.
    if (!m) return read.map((x) => x.to.join('/')).join(' ');
    text = text.slice(0, m.index) + i.to.join('/') + text.slice(m.index + m[0].length);
  }
  return text;
}

/**
 * The lines above the results saying how the query was read, each with a way out: pinyin or
 * initials read as words, or a corrected query (仍然搜索: the query as typed, literally); a
 * correction offered (您是不是要找); synonyms also searched (同时搜索了).
 */
function renderUnderstanding(state, data) {
  const box = $('understanding');
  const query = data?.query;
  const lines = [];
  if (query && state.q) {
    const interpretations = query.interpretations ?? [];
    const typed = query.correctedFrom ?? state.q;
    const asTyped = stateLink(withChanges({ q: typed, literal: true }), typed, { class: 'as-typed' });
    if (query.correctedFrom !== undefined) {
      lines.push(el('p', { class: 'reading' }, `已显示“${readingOf(query)}”的结果。仍然搜索：`, asTyped));
    } else if (interpretations.some((i) => READ_KINDS.includes(i.kind))) {
      lines.push(el('p', { class: 'reading' }, `以下为“${readingOf(query)}”的结果。仍然搜索：`, asTyped));
    }
    if (query.didYouMean !== undefined) {
      lines.push(el('p', { class: 'did-you-mean' }, '您是不是要找：', stateLink(withChanges({ q: query.didYouMean, literal: false }), query.didYouMean, { class: 'suggested' })));
    }
    const synonyms = interpretations.filter((i) => i.kind === 'synonym' && !i.excluded);
    const excluded = interpretations.filter((i) => i.kind === 'synonym' && i.excluded);
    if (excluded.length) {
      lines.push(el('p', { class: 'synonyms', text: `同时排除了：${excluded.map((i) => `${i.to.join('、')}（${i.from}）`).join('；')}` }));
    }
    if (synonyms.length) {
      lines.push(el('p', { class: 'synonyms', text: `同时搜索了：${synonyms.map((i) => `${i.to.join('、')}（${i.from}）`).join('；')}` }));
    }
  }
  box.replaceChildren(...lines);
  box.hidden = lines.length === 0;
}

// ---- Hits ----

function regionName(r) {
  return [r.province, r.city, r.county].filter(Boolean).join(' ');
}

/** Whether a filter value (a name, a short form or a code) names `name` / `code`. */
function namesRegion(filter, name, code, level) {
  if (!name && !code) return false;
  if (filter === name || filter === code) return true;
  if (/^\d{6}$/.test(filter) && code) {
    if (level === 'province') return code.slice(0, 2) === filter.slice(0, 2) && filter.endsWith('0000');
    if (level === 'city') return code.slice(0, 4) === filter.slice(0, 4) && filter.endsWith('00');
    return false;
  }
  // Short forms: 湖北 -> 湖北省, 西安 -> 西安市, 海北州 -> 海北藏族自治州.
  if (!name || filter.length < 2) return false;
  if (name.startsWith(filter)) return true;
  return filter.endsWith('州') && name.endsWith('州') && name.startsWith(filter.slice(0, 2));
}

/** How many levels of the active region filters a region of a hit matches (0: none). */
function regionMatch(state, r) {
  let score = 0;
  if (state.county.some((f) => namesRegion(f, r.county, r.code, 'county'))) score += 4;
  if (state.city.some((f) => namesRegion(f, r.city, r.code, 'city'))) score += 2;
  if (state.province.some((f) => namesRegion(f, r.province, r.code, 'province'))) score += 1;
  return score;
}

/** The regions of a hit to show: those matching the active filters first (all of them), then the rest up to 4. */
function shownRegions(state, regions) {
  const scored = regions.map((r, i) => ({ r, i, score: regionMatch(state, r) }));
  scored.sort((a, b) => b.score - a.score || a.i - b.i);
  const matching = scored.filter((x) => x.score > 0).length;
  return scored.slice(0, Math.max(4, matching)).map((x) => ({ region: x.r, matches: x.score > 0 }));
}

let hitSeq = 0;

function renderHit(state, query, h) {
  // A hit whose stored document the server could not read (a damaged index file): id and place only.
  if (h.unavailable) return el('li', { class: 'hit hit-unavailable' }, el('p', { class: 'meta', text: '该文章暂时无法显示。' }));
  // The article highlights the query that was searched (the corrected one, if it was corrected).
  const article = { ...state, q: query.q, doc: h.id };
  const title = el('a', { class: 'hit-title', href: hrefOf(article) });
  title.innerHTML = h.titleHtml || '（无标题）';
  title.addEventListener('click', (e) => {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    navigate(article, { fromResults: true });
  });
  const snippet = el('p', { class: 'snippet' });
  snippet.innerHTML = h.snippetHtml;
  const meta = el('p', { class: 'meta' });
  const bits = [h.date, h.source, h.author].filter(Boolean);
  meta.append(bits.join(' · '));
  for (const { region, matches } of shownRegions(state, h.regions)) {
    meta.append(' ', el('span', { class: matches ? 'region region-match' : 'region', text: regionName(region) }));
  }
  return el('li', { class: 'hit' }, el('h2', {}, title), meta, snippet, renderDuplicates(state, query, h));
}

/** 另有 N 篇相似报道: the other copies of the story (a button that expands their list). */
function renderDuplicates(state, query, h) {
  const copies = Array.isArray(h.duplicates) ? h.duplicates : [];
  if (!copies.length) return null;
  const id = `dups-${++hitSeq}`;
  const list = el('ul', { id, class: 'duplicates', hidden: true },
    ...copies.map((d) => {
      const link = stateLink({ ...state, q: query.q, doc: d.id }, d.title || '（无标题）', { class: 'duplicate-title' }, { fromResults: true });
      const meta = [d.source, d.date].filter(Boolean).join(' · ');
      const original = d.url && /^https?:\/\//i.test(d.url) ? el('a', { class: 'duplicate-url', href: d.url, rel: 'noopener noreferrer', target: '_blank', text: '原文' }) : null;
      return el('li', { class: 'duplicate' }, link, meta ? el('span', { class: 'meta', text: ` ${meta}` }) : null, original ? ' ' : null, original);
    }));
  const button = el('button', {
    type: 'button',
    class: 'link dup-toggle',
    'aria-expanded': 'false',
    'aria-controls': id,
    text: `另有 ${copies.length} 篇相似报道`,
    onclick: () => {
      const open = button.getAttribute('aria-expanded') !== 'true';
      button.setAttribute('aria-expanded', String(open));
      list.hidden = !open;
    },
  });
  return el('div', { class: 'dup-group' }, button, list);
}

function renderEmpty(state, data) {
  const box = $('empty');
  box.hidden = data.total > 0;
  if (data.total > 0) return;
  const hasFilters = FILTERS.some((f) => state[f].length) || state.from || state.to || state.undated;
  box.replaceChildren(
    el('p', { class: 'empty-title', text: state.q ? `没有找到与“${state.q}”相关的文章。` : '没有符合条件的文章。' }),
    el('ul', {},
      el('li', { text: '检查错别字，或换一个更常用的词。' }),
      el('li', { text: '减少检索词，或在“匹配”中选择“包含任一词”。' }),
      hasFilters ? el('li', {}, '去掉部分筛选条件，或 ', el('button', { type: 'button', class: 'link', text: '清除全部筛选', onclick: clearFilters })) : null,
    ),
  );
}

function clearFilters() {
  const changes = { from: '', to: '', undated: '' };
  for (const f of FILTERS) changes[f] = [];
  navigate(withChanges(changes));
}

function renderPager(state, data) {
  const pager = $('pager');
  const last = Math.min(Math.ceil(data.total / PAGE_SIZE), Math.floor(MAX_WINDOW / PAGE_SIZE));
  if (last <= 1) return pager.replaceChildren();
  const button = (page, label, extra = {}) =>
    el('button', { type: 'button', class: 'page', onclick: () => navigate(withChanges({ page })), ...extra }, label ?? String(page));
  const items = [];
  items.push(button(state.page - 1, '上一页', { disabled: state.page <= 1, rel: 'prev' }));
  const from = Math.max(1, state.page - 2);
  const to = Math.min(last, from + 4);
  for (let p = from; p <= to; p++) items.push(button(p, String(p), p === state.page ? { 'aria-current': 'page', class: 'page current' } : {}));
  items.push(button(state.page + 1, '下一页', { disabled: state.page >= last, rel: 'next' }));
  items.push(el('span', { class: 'page-info', text: `第 ${state.page} / ${last} 页` }));
  pager.replaceChildren(...items);
}

// ---- Facets ----

/**
 * What the facet lists remember while the result set stays the same (paging): which lists are
 * expanded (更多) and the whole lists fetched for them.
 */
const facetUi = {
  key: '',
  expanded: new Set(),
  full: new Map(),
  reset(state) {
    const key = resultSetParams(state).toString();
    if (key === this.key) return;
    this.key = key;
    this.expanded.clear();
    this.full.clear();
  },
};

/** The API parameters asking only for facet `name` of the current result set. */
function facetParams(state, name, size) {
  const params = resultSetParams(state);
  params.set('size', '1');
  params.set('facets', name);
  params.set('facetSize', String(size));
  return params;
}

/** The whole list of facet `name` (region: the whole tree), cached for this result set. */
async function fullFacet(state, name) {
  if (!facetUi.full.has(name)) {
    facetUi.full.set(name, api('/api/search', facetParams(state, name, FACET_ALL)).then((d) => d.facets[name] ?? []));
  }
  try {
    return await facetUi.full.get(name);
  } catch (err) {
    facetUi.full.delete(name);
    throw err;
  }
}

/** Values of facet `name` containing `text` (the API's facetQuery; region: every level, flat). */
async function searchFacet(state, name, text) {
  const params = facetParams(state, name, FACET_MATCHES);
  params.set('facetQuery', text);
  return (await api('/api/search', params)).facets[name] ?? [];
}

/** Sidebar groups: 地区 (a tree), 年份 (with 未注明日期; months under a chosen year), 来源, 图书馆. */
function renderFacets(state, data) {
  const { facets, facetTotals: totals } = data;
  const groups = [];
  const region = regionGroup(state, facets.region ?? [], totals.region);
  if (region) groups.push(region);
  groups.push(...dateGroups(state, facets));
  for (const name of ['source', 'library']) {
    const group = flatGroup(state, name, facets[name] ?? [], totals[name]);
    if (group) groups.push(group);
  }
  $('facets').replaceChildren(...groups);
  $('facets-box').hidden = groups.length === 0;
}

/** One facet value's button. */
function valueButton(state, name, v, label) {
  const active = isActive(state, name, v);
  return el('button', {
    type: 'button',
    class: active ? 'facet-value active' : 'facet-value',
    'aria-pressed': active ? 'true' : 'false',
    'data-facet': name,
    'data-value': v.value,
    onclick: () => navigate(toggle(state, name, v)),
  }, el('span', { class: 'facet-name', text: label ?? v.value }), el('span', { class: 'count', text: fmt(v.count) }));
}

/**
 * A facet group: its list (the first 10 values and any active ones), 更多 / 收起, and a filter box
 * when the facet is long. `draw(values)` makes the list items; `loadAll()` the whole list.
 */
function facetGroup(state, { name, label, values, total, draw, loadAll, search, activeMissing = false }) {
  const section = el('section', { class: `facet facet-${name}`, 'data-facet-group': name });
  const heading = el('h3', { id: `facet-h-${name}`, text: label });
  const list = el('ul', { id: `facet-list-${name}`, class: 'facet-values', 'aria-labelledby': `facet-h-${name}` });
  const more = el('button', { type: 'button', class: 'link facet-more', 'aria-expanded': 'false', 'aria-controls': `facet-list-${name}` });
  const status = el('p', { class: 'facet-status', 'aria-live': 'polite' });
  // facetTotals: how many values there are (more than the first ones: 更多 and a filter box).
  const long = total > FACET_SHOWN;
  const filter = long
    ? el('input', { type: 'search', class: 'facet-filter', placeholder: '输入以筛选', 'aria-label': `筛选${label}`, autocomplete: 'off' })
    : null;
  const results = el('ul', { class: 'facet-values facet-matches', hidden: true, 'aria-label': `${label}筛选结果` });

  const firstValues = () => {
    const first = values.slice(0, FACET_SHOWN);
    for (const v of values.slice(FACET_SHOWN)) if (isActive(state, v.level ?? name, v)) first.push(v);
    return first;
  };
  const showFirst = () => {
    list.replaceChildren(...draw(firstValues()));
    more.hidden = !long;
    more.textContent = '更多';
    more.setAttribute('aria-expanded', 'false');
    facetUi.expanded.delete(name);
  };
  const showAll = async () => {
    more.disabled = true;
    status.textContent = '正在加载…';
    try {
      const all = await loadAll();
      list.replaceChildren(...draw(all));
      more.textContent = '收起';
      more.setAttribute('aria-expanded', 'true');
      facetUi.expanded.add(name);
      status.textContent = `共 ${fmt(all.length)} 项`;
    } catch (err) {
      status.textContent = err instanceof ApiFailure ? err.message : '加载失败，请稍后再试。';
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => (more.getAttribute('aria-expanded') === 'true' ? (showFirst(), (status.textContent = '')) : showAll()));

  if (filter) {
    let timer = 0;
    let seq = 0;
    filter.addEventListener('input', () => {
      clearTimeout(timer);
      const text = filter.value.trim();
      const mine = ++seq;
      if (!text) {
        results.hidden = true;
        results.replaceChildren();
        list.hidden = false;
        more.hidden = !long && !facetUi.expanded.has(name);
        status.textContent = '';
        return;
      }
      timer = setTimeout(async () => {
        try {
          const found = await search(text);
          if (mine !== seq) return;
          results.replaceChildren(...draw(found, { flat: true }));
          results.hidden = false;
          list.hidden = true;
          more.hidden = true;
          status.textContent = found.length ? `找到 ${fmt(found.length)} 项` : `没有包含“${text}”的${label}`;
        } catch (err) {
          if (mine === seq) status.textContent = err instanceof ApiFailure ? err.message : '筛选失败，请稍后再试。';
        }
      }, 250);
    });
    filter.addEventListener('keydown', (e) => {
      // Down arrow from the box to the first match; Escape clears the box.
      if (e.key === 'ArrowDown') {
        const first = (results.hidden ? list : results).querySelector('button');
        if (first) {
          e.preventDefault();
          first.focus();
        }
      } else if (e.key === 'Escape' && filter.value) {
        e.preventDefault();
        filter.value = '';
        filter.dispatchEvent(new Event('input'));
      }
    });
  }
  showFirst();
  // Expanded again after a redraw, or at once when a chosen value is not among the first values.
  if (facetUi.expanded.has(name) || activeMissing) void showAll();
  section.append(heading, ...(filter ? [filter] : []), results, list, more, status);
  return section;
}

/** A flat facet (source, library). */
function flatGroup(state, name, values, total) {
  if (!values.length) return null;
  return facetGroup(state, {
    name,
    label: FACET_LABELS[name],
    values,
    total,
    activeMissing: state[name].some((x) => !values.some((v) => v.value === x || v.code === x)),
    draw: (vs) => vs.map((v) => el('li', {}, valueButton(state, name, v))),
    loadAll: () => fullFacet(state, name),
    search: (text) => searchFacet(state, name, text),
  });
}

/**
 * 地区 as a tree (the API's region facet): provinces, the cities of a chosen province beneath it,
 * the counties of a chosen city beneath that; every node has its level (the filter it sets).
 */
function regionGroup(state, provinces, total) {
  if (!provinces.length) return null;
  return facetGroup(state, {
    name: 'region',
    label: FACET_LABELS.region,
    values: provinces,
    // 更多 also when a chosen province or city lists only some of its children.
    total: truncatedChildren(provinces) ? Infinity : total,
    // A province chosen by a short form or code not matching a listed value: the whole list.
    activeMissing: state.province.some((x) => !provinces.some((v) => v.value === x || v.code === x)),
    draw: (nodes, { flat = false } = {}) => nodes.map((node) => regionItem(state, node, flat)),
    loadAll: () => fullFacet(state, 'region'),
    // Matching provinces, cities and counties, flat.
    search: (text) => searchFacet(state, 'region', text),
  });
}

/** Whether a node of the tree lists fewer children than it has (the API's childrenTotal). */
function truncatedChildren(nodes) {
  return nodes.some((n) => (typeof n.childrenTotal === 'number' && n.childrenTotal > (n.children?.length ?? 0)) || truncatedChildren(n.children ?? []));
}

const LEVEL_NAMES = { province: '省', city: '市', county: '县' };

function regionItem(state, node, flat) {
  const { level } = node;
  const button = valueButton(state, level, node);
  button.dataset.level = level;
  if (flat) button.append(el('span', { class: 'level', text: LEVEL_NAMES[level], title: FACET_LABELS[level] }));
  const li = el('li', { class: `region-node region-${level}` }, button);
  const children = flat ? [] : node.children ?? [];
  if (children.length) {
    li.append(el('ul', { class: 'facet-children', 'aria-label': `${node.value}下属地区` }, ...children.map((c) => regionItem(state, c, false))));
  }
  return li;
}

/** 年份 (chronological, 未注明日期 last, as the API lists them), and 月份 under a chosen year. */
function dateGroups(state, facets) {
  const groups = [];
  const years = facets.year ?? [];
  if (years.length) {
    const list = el('ul', { class: 'facet-values', 'aria-labelledby': 'facet-h-year' },
      ...years.map((v) => el('li', {}, valueButton(state, v.value === 'undated' ? 'undated' : 'year', v, v.value === 'undated' ? '未注明日期' : `${v.value} 年`))));
    groups.push(el('section', { class: 'facet facet-year' }, el('h3', { id: 'facet-h-year', text: FACET_LABELS.year }), list));
  }
  const yearChosen = /^\d{4}/.test(state.from) && state.from.slice(0, 4) === state.to.slice(0, 4);
  if (yearChosen) {
    const year = state.from.slice(0, 4);
    // The API lists the months of the years from/to span: here, of that year.
    const months = facets.month ?? [];
    if (months.length) {
      const list = el('ul', { class: 'facet-values', 'aria-labelledby': 'facet-h-month' },
        ...months.map((v) => el('li', {}, valueButton(state, 'month', v, `${Number(v.value.slice(5))} 月`))));
      groups.push(el('section', { class: 'facet facet-month' }, el('h3', { id: 'facet-h-month', text: `${FACET_LABELS.month}（${year} 年）` }), list));
    }
  }
  return groups;
}

/** The filter value a facet value stands for: region names (codes when names repeat), dates as ranges. */
function isActive(state, name, v) {
  if (name === 'undated') return state.undated === 'only';
  if (name === 'year' || name === 'month') return state.from === v.value && state.to === v.value;
  return state[name].includes(v.value) || (v.code !== undefined && state[name].includes(v.code));
}

function toggle(state, name, v) {
  if (name === 'undated') return withChanges(state.undated === 'only' ? { undated: '' } : { undated: 'only', from: '', to: '' });
  if (name === 'year' || name === 'month') {
    const on = isActive(state, name, v);
    // Leaving a month goes back to its year.
    if (on && name === 'month') return withChanges({ from: v.value.slice(0, 4), to: v.value.slice(0, 4) });
    return withChanges(on ? { from: '', to: '' } : { from: v.value, to: v.value, undated: '' });
  }
  const values = state[name].filter((x) => x !== v.value && x !== v.code);
  const changes = { [name]: isActive(state, name, v) ? values : [...values, v.value] };
  // Removing a province also removes its cities and counties; a city its counties.
  if (name === 'province' && !changes.province.length) Object.assign(changes, { city: [], county: [] });
  if (name === 'city' && !changes.city.length) changes.county = [];
  return withChanges(changes);
}

function renderChips(state) {
  const chips = [];
  const chip = (label, changes) =>
    el('li', {}, el('button', { type: 'button', class: 'chip', title: '移除此条件', onclick: () => navigate(withChanges(changes)) }, label, el('span', { 'aria-hidden': 'true', text: ' ×' })));
  for (const f of FILTERS) {
    for (const v of state[f]) chips.push(chip(`${FACET_LABELS[f]}：${v}`, { [f]: state[f].filter((x) => x !== v) }));
  }
  if (state.from || state.to) chips.push(chip(`日期：${state.from || '最早'} 至 ${state.to || '最新'}`, { from: '', to: '' }));
  if (state.undated) chips.push(chip(state.undated === 'only' ? '日期：未注明日期' : '日期：仅注明日期的', { undated: '' }));
  if (chips.length > 1) chips.push(el('li', {}, el('button', { type: 'button', class: 'link', text: '清除全部', onclick: clearFilters })));
  $('chips').replaceChildren(...chips);
}

// ---- Timeline ----

/** Months since year 0 of 'YYYY-MM' (or of a date bound). */
const monthIndex = (value) => Number(value.slice(0, 4)) * 12 + (value.length >= 7 ? Number(value.slice(5, 7)) - 1 : 0);
const monthKey = (i) => `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;

/**
 * The bars of the timeline: per year, or per month when the date range (both ends given) or the
 * years with articles span at most 36 months; every year/month between the first and the last.
 */
function timelineBins(state, facets) {
  const years = (facets.year ?? []).filter((v) => /^\d{4}$/.test(v.value) && v.count > 0);
  if (!years.length) return null;
  const months = (facets.month ?? []).filter((v) => /^\d{4}-\d{2}$/.test(v.value) && v.count > 0);
  const firstYear = Math.min(...years.map((v) => Number(v.value)));
  const lastYear = Math.max(...years.map((v) => Number(v.value)));
  let lo = firstYear * 12;
  let hi = lastYear * 12 + 11;
  const from = dateBound(state.from, 'from');
  const to = dateBound(state.to, 'to');
  if (from && to && monthIndex(to) - monthIndex(from) < 36) {
    lo = monthIndex(from);
    hi = monthIndex(to);
  }
  const yearCount = new Map(years.map((v) => [v.value, v.count]));
  const monthly = hi - lo < 36 && months.length > 0;
  if (!monthly) {
    const bins = [];
    for (let y = firstYear; y <= lastYear; y++) {
      const key = String(y);
      bins.push({ key, label: `${y}年`, count: yearCount.get(key) ?? 0 });
    }
    return { unit: 'year', bins };
  }
  const monthCount = new Map(months.map((v) => [v.value, v.count]));
  const bins = [];
  for (let i = lo; i <= hi; i++) {
    const key = monthKey(i);
    const m = (i % 12) + 1;
    bins.push({ key, label: `${key.slice(0, 4)}年${m}月`, count: monthCount.get(key) ?? 0 });
  }
  return { unit: 'month', bins };
}

const timeline = { state: null, bins: null, focus: 0, anchor: null, drag: null, width: 0 };

/** The timeline above the results, from the year/month counts of the current search. */
function renderTimeline(state, data) {
  const box = $('timeline');
  // Not for undated articles only: they have no place on it.
  const model = data && data.total > 0 && state.undated !== 'only' ? timelineBins(state, data.facets) : null;
  if (!model) {
    box.hidden = true;
    box.replaceChildren();
    timeline.bins = null;
    return;
  }
  const hadFocus = box.contains(document.activeElement);
  const focusedKey = timeline.bins?.[timeline.focus]?.key;
  Object.assign(timeline, { state, bins: model.bins, unit: model.unit, anchor: null, drag: null });
  const index = model.bins.findIndex((b) => b.key === focusedKey);
  timeline.focus = index >= 0 ? index : Math.max(0, model.bins.findIndex((b) => b.count > 0));
  box.hidden = false;
  const undated = (data.facets.year ?? []).find((v) => v.value === 'undated')?.count ?? 0;
  const title = el('h2', { id: 'timeline-title', class: 'timeline-title', text: model.unit === 'year' ? '按年份分布' : '按月份分布' });
  const clear = state.from || state.to
    ? el('button', { type: 'button', class: 'link timeline-clear', text: '清除时间范围', onclick: () => navigate(withChanges({ from: '', to: '' })) })
    : null;
  const hint = el('span', { class: 'timeline-hint', text: '拖动或用方向键选择时间范围' });
  const chart = el('div', { class: 'timeline-chart' });
  const readout = el('p', { id: 'timeline-readout', class: 'timeline-readout', 'aria-live': 'polite' });
  box.replaceChildren(el('div', { class: 'timeline-head' }, title, hint, clear), chart, readout);
  if (undated > 0 && !state.undated) readout.dataset.undated = `另有 ${fmt(undated)} 篇未注明日期`;
  drawTimeline();
  setReadout();
  if (hadFocus) focusBar(timeline.focus);
}

/** Draws the bars at the chart's current width (again when it is resized). */
function drawTimeline() {
  const chart = document.querySelector('#timeline .timeline-chart');
  if (!chart || !timeline.bins) return;
  const bins = timeline.bins;
  const width = Math.max(240, Math.floor(chart.clientWidth || 600));
  timeline.width = width;
  const height = 132;
  const axis = 22;
  const top = 6;
  const n = bins.length;
  const step = width / n;
  const gap = step > 8 ? Math.min(6, step * 0.2) : step > 3 ? 1 : 0;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const root = svg('svg', {
    class: 'timeline-svg',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'group',
    'aria-labelledby': 'timeline-title',
    'aria-describedby': 'timeline-readout',
  });
  root.append(svg('line', { class: 'tl-axis', x1: 0, x2: width, y1: height - axis + 0.5, y2: height - axis + 0.5 }));
  bins.forEach((b, i) => {
    const h = b.count ? Math.max(2, Math.round(((height - axis - top) * b.count) / max)) : 0;
    const x = i * step;
    const g = svg('g', {
      class: 'tl-bar',
      'data-key': b.key,
      'data-count': b.count,
      'data-i': i,
      role: 'button',
      tabindex: i === timeline.focus ? 0 : -1,
      'aria-label': `${b.label}：${fmt(b.count)} 篇`,
    },
    svg('rect', { class: 'tl-hit', x, y: 0, width: step, height: height - axis }),
    svg('rect', { class: 'tl-fill', x: x + gap / 2, y: height - axis - h, width: Math.max(1, step - gap), height: h }),
    svg('title', {}, `${b.label}：${fmt(b.count)} 篇`));
    root.append(g);
  });
  for (const { c, text, major } of timelineLabels(bins, step)) {
    root.append(svg('text', { class: major ? 'tl-label tl-label-major' : 'tl-label', x: c, y: height - 6, 'text-anchor': 'middle', 'aria-hidden': 'true' }, text));
  }
  root.addEventListener('pointerdown', onTimelinePointerDown);
  root.addEventListener('pointermove', onTimelinePointerMove);
  root.addEventListener('pointerup', onTimelinePointerUp);
  root.addEventListener('pointercancel', () => {
    timeline.drag = null;
    markSelection();
  });
  root.addEventListener('pointerleave', () => {
    if (!timeline.drag) setReadout();
  });
  root.addEventListener('keydown', onTimelineKey);
  root.addEventListener('focusin', (e) => {
    const i = Number(e.target.closest?.('.tl-bar')?.dataset.i);
    if (Number.isInteger(i)) {
      timeline.focus = i;
      setReadout(i);
    }
  });
  chart.replaceChildren(root);
  markSelection();
}

/**
 * The axis labels that fit without overlapping: years (at each January in a monthly chart) first,
 * then months where there is room.
 */
function timelineLabels(bins, step) {
  const widthOf = (text) => [...text].reduce((w, c) => w + (/\d/.test(c) ? 7 : 12), 8);
  const placed = [];
  const total = step * bins.length;
  // A label's centre: under its bar, kept inside the chart.
  const centre = (i, half) => Math.min(total - half, Math.max(half, i * step + step / 2));
  const place = (i, text, major) => {
    const half = widthOf(text) / 2;
    const c = centre(i, half);
    if (placed.every((p) => Math.abs(p.c - c) >= half + p.half)) placed.push({ i, text, major, c, half });
  };
  bins.forEach((b, i) => {
    if (timeline.unit === 'year' || b.key.endsWith('-01') || i === 0) place(i, timeline.unit === 'year' ? b.key : `${b.key.slice(0, 4)}年`, true);
  });
  // Months at a regular step: every month, every 2nd, quarter or half year, as room allows.
  const every = [1, 2, 3, 6].find((k) => step * k >= 32) ?? 12;
  if (timeline.unit === 'month') {
    bins.forEach((b, i) => {
      const m = Number(b.key.slice(5));
      if (m !== 1 && (m - 1) % every === 0) place(i, `${m}月`, false);
    });
  }
  return placed.sort((a, b) => a.i - b.i);
}

function binAt(clientX) {
  const root = document.querySelector('#timeline svg');
  const rect = root.getBoundingClientRect();
  const i = Math.floor(((clientX - rect.left) / rect.width) * timeline.bins.length);
  return Math.min(timeline.bins.length - 1, Math.max(0, i));
}

function onTimelinePointerDown(e) {
  if (e.button !== 0) return;
  e.preventDefault();
  const i = binAt(e.clientX);
  timeline.drag = { start: i, end: i };
  e.currentTarget.setPointerCapture?.(e.pointerId);
  markSelection();
  setReadout();
}

function onTimelinePointerMove(e) {
  if (!timeline.drag) {
    setReadout(binAt(e.clientX));
    return;
  }
  const i = binAt(e.clientX);
  if (i === timeline.drag.end) return;
  timeline.drag.end = i;
  markSelection();
  setReadout();
}

function onTimelinePointerUp(e) {
  if (!timeline.drag) return;
  timeline.drag.end = binAt(e.clientX);
  const { start, end } = timeline.drag;
  timeline.drag = null;
  applyRange(start, end);
}

/** The range being chosen: a drag, or Shift+arrows from the anchor. */
function pendingRange() {
  if (timeline.drag) return [Math.min(timeline.drag.start, timeline.drag.end), Math.max(timeline.drag.start, timeline.drag.end)];
  if (timeline.anchor !== null) return [Math.min(timeline.anchor, timeline.focus), Math.max(timeline.anchor, timeline.focus)];
  return null;
}

/** Whether bar `b` lies in the active date range (the counts of other years come without it). */
function inActiveRange(b) {
  const from = dateBound(timeline.state?.from ?? '', 'from');
  const to = dateBound(timeline.state?.to ?? '', 'to');
  if (!from && !to) return true;
  return (!to || dateBound(b.key, 'from') <= to) && (!from || dateBound(b.key, 'to') >= from);
}

function markSelection() {
  const range = pendingRange();
  const ranged = Boolean(timeline.state?.from || timeline.state?.to);
  for (const g of document.querySelectorAll('#timeline .tl-bar')) {
    const i = Number(g.dataset.i);
    const on = range !== null && i >= range[0] && i <= range[1];
    g.classList.toggle('selecting', on);
    g.classList.toggle('out-of-range', ranged && !inActiveRange(timeline.bins[i]));
    g.setAttribute('aria-pressed', String(on));
  }
}

function rangeCount(a, b) {
  let n = 0;
  for (let i = a; i <= b; i++) n += timeline.bins[i].count;
  return n;
}

/** The line under the chart: the range being chosen, the bar pointed at, or the whole. */
function setReadout(pointed) {
  const readout = $('timeline-readout');
  if (!readout || !timeline.bins) return;
  const range = pendingRange();
  const bins = timeline.bins;
  let text;
  if (range) {
    text = range[0] === range[1]
      ? `选择：${bins[range[0]].label}（${fmt(bins[range[0]].count)} 篇），松开或按回车确认`
      : `选择：${bins[range[0]].label} 至 ${bins[range[1]].label}（${fmt(rangeCount(range[0], range[1]))} 篇），松开或按回车确认`;
  } else if (pointed !== undefined) {
    text = `${bins[pointed].label}：${fmt(bins[pointed].count)} 篇`;
  } else {
    const ranged = Boolean(timeline.state?.from || timeline.state?.to);
    const inRange = bins.filter(inActiveRange).reduce((n, b) => n + b.count, 0);
    const dimmed = bins.some((b) => !inActiveRange(b));
    text = ranged
      ? `所选时间范围内 ${fmt(inRange)} 篇${dimmed ? '（浅色为范围外）' : ''}`
      : `${bins[0].label} 至 ${bins[bins.length - 1].label}，共 ${fmt(inRange)} 篇`;
    if (readout.dataset.undated) text += `；${readout.dataset.undated}`;
  }
  readout.textContent = text;
}

function focusBar(i) {
  const bars = document.querySelectorAll('#timeline .tl-bar');
  if (!bars.length) return;
  timeline.focus = Math.min(bars.length - 1, Math.max(0, i));
  bars.forEach((g, j) => g.setAttribute('tabindex', j === timeline.focus ? '0' : '-1'));
  bars[timeline.focus].focus();
}

function onTimelineKey(e) {
  const n = timeline.bins?.length ?? 0;
  if (!n) return;
  const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  let target = null;
  if (e.key in moves) target = timeline.focus + moves[e.key];
  else if (e.key === 'Home') target = 0;
  else if (e.key === 'End') target = n - 1;
  if (target !== null) {
    e.preventDefault();
    if (e.shiftKey) {
      if (timeline.anchor === null) timeline.anchor = timeline.focus;
    } else {
      timeline.anchor = null;
    }
    focusBar(target);
    markSelection();
    setReadout(timeline.focus);
    return;
  }
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    const range = pendingRange() ?? [timeline.focus, timeline.focus];
    timeline.anchor = null;
    applyRange(range[0], range[1]);
  } else if (e.key === 'Escape' && timeline.anchor !== null) {
    e.preventDefault();
    timeline.anchor = null;
    markSelection();
    setReadout(timeline.focus);
  }
}

/** Sets from/to to the bars a..b (a year or a month each end). */
function applyRange(a, b) {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const from = timeline.bins[lo].key;
  const to = timeline.bins[hi].key;
  markSelection();
  navigate(withChanges({ from, to, undated: '' }));
}

// ---- Article view ----

async function renderArticle(state) {
  $('results-view').hidden = true;
  const view = $('article-view');
  view.hidden = false;
  delete view.dataset.doc; // set again once this article is shown (tests wait for it)
  $('article-similar').hidden = true;
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  if (state.q && state.literal) params.set('literal', 'true');
  let doc;
  try {
    doc = await api(`/api/docs/${encodeURIComponent(state.doc)}`, params);
  } catch (err) {
    $('article-title').textContent = '无法打开文章';
    $('article-meta').textContent = err.code === 'not_found' || err.status === 404 ? '找不到这篇文章，它可能已被删除。' : err.message;
    $('article-content').replaceChildren();
    $('article-tags').replaceChildren();
    $('article-link').replaceChildren();
    return;
  }
  if (readState().doc !== state.doc) return;
  document.title = `${doc.title || doc.id} - zhsearch`;
  $('article-title').innerHTML = doc.titleHtml || '（无标题）';
  const meta = [doc.date, doc.source, doc.author].filter(Boolean).join(' · ');
  $('article-meta').replaceChildren(meta, ...doc.regions.map((r) => el('span', { class: 'region', text: regionName(r) })));
  $('article-content').innerHTML = doc.contentHtml;
  const tags = [...doc.tags.map((t) => `#${t}`), ...doc.libraries];
  $('article-tags').textContent = tags.join('  ');
  const link = $('article-link');
  link.replaceChildren();
  if (doc.url && /^https?:\/\//i.test(doc.url)) link.append(el('a', { href: doc.url, rel: 'noopener noreferrer', target: '_blank', text: '查看原文' }));
  view.dataset.doc = doc.id;
  window.scrollTo(0, 0);
  $('back').focus();
  void renderSimilar(state, doc.id);
}

/** 相似文章: the documents most like this one (hidden when there are none or the request fails). */
async function renderSimilar(state, id) {
  const box = $('article-similar');
  let data;
  try {
    data = await api(`/api/docs/${encodeURIComponent(id)}/similar`, new URLSearchParams({ size: '5' }));
  } catch {
    return;
  }
  if (readState().doc !== id || !data.hits.length) return;
  $('similar-list').replaceChildren(
    ...data.hits.map((h) =>
      el('li', {},
        stateLink({ ...state, doc: h.id }, h.title || '（无标题）', { class: 'similar-title' }, history.state),
        el('span', { class: 'meta', text: ` ${[h.date, h.source].filter(Boolean).join(' · ')}` }))),
  );
  box.hidden = false;
}

// ---- Suggestions ----

let suggestTimer = 0;
/** The request in flight (aborted when the input changes, is submitted or loses focus). */
let suggestAbort = null;
/** The input value a search was submitted for: no suggestions for it until the input changes. */
let submittedValue = null;
let active = -1;

/** The part of the input being completed: its last space-separated piece. */
function lastToken(value) {
  const m = /(\S+)$/.exec(value);
  return m ? m[1] : '';
}

function onInput() {
  clearTimeout(suggestTimer);
  suggestAbort?.abort();
  suggestAbort = null;
  const input = $('q');
  if (input.value !== submittedValue) submittedValue = null;
  const token = lastToken(input.value);
  if (!token || /["()\-:]/.test(token) || submittedValue !== null) return closeSuggestions();
  const value = input.value;
  suggestTimer = setTimeout(() => loadSuggestions(value, token), 120);
}

async function loadSuggestions(value, token) {
  const controller = new AbortController();
  suggestAbort = controller;
  let data;
  try {
    data = await api('/api/suggest', new URLSearchParams({ q: token }), { signal: controller.signal });
  } catch {
    if (suggestAbort === controller) closeSuggestions();
    return;
  }
  // Shown only for the input as it still is, while it has focus, and not once it was searched.
  const input = $('q');
  if (suggestAbort !== controller || controller.signal.aborted) return;
  suggestAbort = null;
  if (input.value !== value || submittedValue !== null || document.activeElement !== input || !$('results-view').isConnected) return;
  const items = [
    ...data.words.map((w) => ({ kind: 'word', text: w.text, note: `${fmt(w.count)} 篇`, count: w.count })),
    ...data.titles.map((t) => ({ kind: 'title', text: t.title, id: t.id, note: '文章' })),
  ];
  const list = $('suggestions');
  if (!items.length) return closeSuggestions();
  list.replaceChildren(
    ...items.map((item, i) =>
      el('li', {
        id: `suggestion-${i}`,
        role: 'option',
        class: `suggestion ${item.kind}`,
        'aria-selected': 'false',
        'data-count': item.count,
        onmousedown: (e) => {
          e.preventDefault();
          pick(item);
        },
      }, el('span', { class: 'text', text: item.text }), el('span', { class: 'note', text: item.note })),
    ),
  );
  list.items = items;
  list.hidden = false;
  input.setAttribute('aria-expanded', 'true');
  input.removeAttribute('aria-activedescendant');
  active = -1;
}

function closeSuggestions() {
  // Suggestions asked for before (a search submitted within the typing delay) are not shown.
  clearTimeout(suggestTimer);
  suggestAbort?.abort();
  suggestAbort = null;
  const list = $('suggestions');
  list.hidden = true;
  list.replaceChildren();
  list.items = [];
  active = -1;
  $('q').setAttribute('aria-expanded', 'false');
  $('q').removeAttribute('aria-activedescendant');
}

/** A search is submitted for the input's value: close the list and keep it closed for that value. */
function submitted(value) {
  submittedValue = value;
  closeSuggestions();
}

function pick(item) {
  closeSuggestions();
  if (item.kind === 'title') return navigate({ ...readState(), doc: item.id }, { fromResults: !readState().doc });
  const input = $('q');
  const value = input.value.replace(/(\S+)$/, item.text);
  input.value = value;
  submitted(value);
  navigate(withChanges({ q: value.trim(), literal: false }));
}

function onKeyDown(e) {
  const list = $('suggestions');
  if (e.key === 'Escape') {
    if (!list.hidden) e.preventDefault();
    submittedValue = $('q').value; // closed until the input changes
    return closeSuggestions();
  }
  if (list.hidden) return;
  const items = list.items ?? [];
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    active = (active + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', i === active ? 'true' : 'false'));
    $('q').setAttribute('aria-activedescendant', `suggestion-${active}`);
  } else if (e.key === 'Enter' && active >= 0) {
    e.preventDefault();
    pick(items[active]);
  }
}

// ---- Wiring ----

function init() {
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    submitted($('q').value);
    // A query typed anew is understood again (literal is kept only by the links that set it).
    navigate(withChanges({ q: $('q').value.trim(), literal: false }));
  });
  $('q').addEventListener('input', onInput);
  $('q').addEventListener('keydown', onKeyDown);
  $('q').addEventListener('blur', closeSuggestions);
  $('sort').addEventListener('change', () => navigate(withChanges({ sort: $('sort').value })));
  $('op').addEventListener('change', () => navigate(withChanges({ op: $('op').value })));
  $('show-all').addEventListener('change', () => navigate(withChanges({ all: $('show-all').checked })));
  $('date-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const from = $('from').value.trim();
    const to = $('to').value.trim();
    const problem = checkDates(from, to);
    if (problem) {
      showError(Object.assign(new Error(problem), { code: 'invalid_parameter' }));
      ($('from').value.trim() && checkDates(from, '') ? $('from') : $('to')).focus();
      return;
    }
    navigate(withChanges({ from, to, undated: from || to ? '' : readState().undated }));
  });
  $('back').addEventListener('click', () => {
    // Back to the results the article was opened from (or to them, on a shared link).
    if (history.state?.fromResults) history.back();
    else navigate({ ...readState(), doc: '' });
  });
  $('home').addEventListener('click', (e) => {
    e.preventDefault();
    navigate(withChanges({ q: '', literal: false, from: '', to: '', undated: '', all: false, province: [], city: [], county: [], source: [], library: [] }));
  });
  if (matchMedia('(max-width: 720px)').matches) $('facets-box').open = false;
  if ('ResizeObserver' in window) {
    new ResizeObserver(() => {
      const chart = document.querySelector('#timeline .timeline-chart');
      if (chart && timeline.bins && Math.abs(Math.floor(chart.clientWidth) - timeline.width) > 2) {
        const hadFocus = $('timeline').contains(document.activeElement);
        drawTimeline();
        if (hadFocus) focusBar(timeline.focus);
      }
    }).observe($('timeline'));
  }
  window.addEventListener('popstate', render);
  render();
}

init();

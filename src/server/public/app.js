// The search page: plain JavaScript, no build step, no third-party code.
//
// The URL holds the whole state (q, literal, op, sort, page, filters, the open article), so links
// can be shared and the back button works: every user action pushes a new URL and renders from it.
// Only titleHtml / snippetHtml / contentHtml (escaped by the server, <mark> added) are inserted
// as HTML; everything else goes through textContent.

const FILTERS = ['province', 'city', 'county', 'source', 'library'];
const FACET_LABELS = {
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
  sort: '排序',
  page: '页码',
  size: '每页条数',
  from: '起始日期',
  to: '结束日期',
  province: '省份',
  city: '城市',
  county: '区县',
  source: '来源',
  library: '图书馆',
};
const MAX_WINDOW = 10000;
const PAGE_SIZE = 10;

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

// ---- State <-> URL ----

/** The state in the URL: { q, literal, op, sort, page, from, to, doc, province: [], ... }. */
function readState() {
  const p = new URLSearchParams(location.search);
  const state = {
    q: p.get('q') ?? '',
    // literal=1: the query exactly as typed (no pinyin, synonyms or corrections).
    literal: p.get('literal') === '1' || p.get('literal') === 'true',
    op: p.get('op') === 'or' || p.get('op') === 'and' ? p.get('op') : 'auto',
    sort: p.get('sort') ?? '',
    page: Math.max(1, Number.parseInt(p.get('page') ?? '1', 10) || 1),
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
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
  if (!forApi && state.doc) p.set('doc', state.doc);
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
function stateLink(state, text, props = {}) {
  return el('a', {
    href: hrefOf(state),
    text,
    onclick: (e) => {
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(state);
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

let pending = null;

async function api(path, params) {
  const qs = params.toString();
  const res = await fetch(qs ? `${path}?${qs}` : path, { headers: { Accept: 'application/json' } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(describeError(res.status, body?.error));
  return body;
}

/** A Chinese message for an API error, keeping the server's detail. */
function describeError(status, error) {
  const issue = Array.isArray(error?.details) ? error.details[0] : null;
  if (error?.code === 'invalid_parameter' && issue) {
    const label = PARAM_LABELS[issue.parameter];
    return `检索条件有误：${label ? `${label}（${issue.parameter}）` : issue.parameter} ${issue.message}`;
  }
  if (status === 404) return '找不到请求的内容。';
  if (error?.code === 'document_unavailable') return '该文章暂时无法显示：服务器上的索引文件已损坏。';
  return error?.message ? `服务器返回 ${status}：${error.message}` : `服务器返回 ${status}`;
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

async function renderResults(state) {
  const token = (pending = {});
  const params = toParams(state, { forApi: true });
  params.set('size', String(PAGE_SIZE));
  document.body.classList.add('loading');
  let data;
  try {
    data = await api('/api/search', params);
  } catch (err) {
    if (token !== pending) return;
    showError(err);
    $('results').replaceChildren();
    $('facets').replaceChildren();
    $('facets-box').hidden = true;
    $('pager').replaceChildren();
    $('summary').textContent = '';
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
  renderSummary(state, data);
  renderUnderstanding(state, data);
  renderChips(state);
  renderFacets(state, data.facets);
  $('results').replaceChildren(...data.hits.map((h) => renderHit(state, data.query, h)));
  renderEmpty(state, data);
  renderPager(state, data);
}

function showError(err) {
  const box = $('error');
  box.hidden = !err;
  box.textContent = err ? err.message : '';
}

function renderSummary(state, data) {
  const parts = [];
  if (state.q) parts.push(`“${readingOf(data.query)}”共 ${data.total} 条结果`);
  else parts.push(`共 ${data.total} 篇文章`);
  parts.push(`（${data.tookMs} 毫秒）`);
  if (data.query.relaxed) {
    const ignored = [...data.query.stopWords, ...data.query.dropped];
    parts.push(`未找到同时包含全部词语的结果，已忽略：${ignored.join('、')}`);
  }
  $('summary').textContent = parts.join('');
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

function regionName(r) {
  return [r.province, r.city, r.county].filter(Boolean).join(' ');
}

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
  for (const r of h.regions.slice(0, 4)) meta.append(' ', el('span', { class: 'region', text: regionName(r) }));
  return el('li', { class: 'hit' }, el('h2', {}, title), meta, snippet);
}

function renderEmpty(state, data) {
  const box = $('empty');
  box.hidden = data.total > 0;
  if (data.total > 0) return;
  const hasFilters = FILTERS.some((f) => state[f].length) || state.from || state.to;
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
  const changes = { from: '', to: '' };
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

// ---- Facets and chips ----

/** Facet groups in the sidebar; city/county and month appear under a chosen province/city/year. */
function renderFacets(state, facets) {
  const groups = [];
  const yearChosen = /^\d{4}/.test(state.from) && state.from.slice(0, 4) === state.to.slice(0, 4);
  const order = ['province', state.province.length ? 'city' : null, state.city.length ? 'county' : null, 'year', yearChosen ? 'month' : null, 'source', 'library'];
  for (const name of order) {
    if (!name) continue;
    const values = facets?.[name] ?? [];
    if (!values.length) continue;
    const list = el('ul', { class: 'facet-values' });
    for (const v of values) {
      const active = isActive(state, name, v);
      list.append(
        el('li', {},
          el('button', {
            type: 'button',
            class: active ? 'facet-value active' : 'facet-value',
            'aria-pressed': active ? 'true' : 'false',
            'data-facet': name,
            'data-value': v.value,
            onclick: () => navigate(toggle(state, name, v)),
          }, el('span', { class: 'facet-name', text: name === 'month' ? `${Number(v.value.slice(5))} 月` : v.value }), el('span', { class: 'count', text: String(v.count) })),
        ),
      );
    }
    groups.push(el('section', { class: `facet facet-${name}` }, el('h3', { text: FACET_LABELS[name] }), list));
  }
  $('facets').replaceChildren(...groups);
  $('facets-box').hidden = groups.length === 0;
}

/** The filter value a facet value stands for: region names (codes when names repeat), dates as ranges. */
function isActive(state, name, v) {
  if (name === 'year' || name === 'month') return state.from === v.value && state.to === v.value;
  return state[name].includes(v.value) || (v.code !== undefined && state[name].includes(v.code));
}

function toggle(state, name, v) {
  if (name === 'year' || name === 'month') {
    const on = isActive(state, name, v);
    // Leaving a month goes back to its year.
    if (on && name === 'month') return withChanges({ from: v.value.slice(0, 4), to: v.value.slice(0, 4) });
    return withChanges(on ? { from: '', to: '' } : { from: v.value, to: v.value });
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
  if (chips.length > 1) chips.push(el('li', {}, el('button', { type: 'button', class: 'link', text: '清除全部', onclick: clearFilters })));
  $('chips').replaceChildren(...chips);
}

// ---- Article view ----

async function renderArticle(state) {
  $('results-view').hidden = true;
  const view = $('article-view');
  view.hidden = false;
  delete view.dataset.doc; // set again once this article is shown (tests wait for it)
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  if (state.q && state.literal) params.set('literal', 'true');
  let doc;
  try {
    doc = await api(`/api/docs/${encodeURIComponent(state.doc)}`, params);
  } catch (err) {
    $('article-title').textContent = '无法打开文章';
    $('article-meta').textContent = err.message;
    $('article-content').replaceChildren();
    $('article-tags').replaceChildren();
    $('article-link').replaceChildren();
    return;
  }
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
}

// ---- Suggestions ----

let suggestTimer = 0;
let suggestToken = null;
let active = -1;

/** The part of the input being completed: its last space-separated piece. */
function lastToken(value) {
  const m = /(\S+)$/.exec(value);
  return m ? m[1] : '';
}

function onInput() {
  clearTimeout(suggestTimer);
  const token = lastToken($('q').value);
  if (!token || /["()\-:]/.test(token)) return closeSuggestions();
  suggestTimer = setTimeout(() => loadSuggestions(token), 120);
}

async function loadSuggestions(token) {
  const mine = (suggestToken = {});
  let data;
  try {
    data = await api('/api/suggest', new URLSearchParams({ q: token }));
  } catch {
    return closeSuggestions();
  }
  if (mine !== suggestToken || lastToken($('q').value) !== token) return;
  const items = [
    ...data.words.map((w) => ({ kind: 'word', text: w.text, note: `${w.count} 篇` })),
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
        onmousedown: (e) => {
          e.preventDefault();
          pick(item);
        },
      }, el('span', { class: 'text', text: item.text }), el('span', { class: 'note', text: item.note })),
    ),
  );
  list.items = items;
  list.hidden = false;
  $('q').setAttribute('aria-expanded', 'true');
  active = -1;
}

function closeSuggestions() {
  // Suggestions asked for before (a search submitted within the typing delay) are not shown.
  clearTimeout(suggestTimer);
  suggestToken = null;
  const list = $('suggestions');
  list.hidden = true;
  list.replaceChildren();
  list.items = [];
  active = -1;
  $('q').setAttribute('aria-expanded', 'false');
  $('q').removeAttribute('aria-activedescendant');
}

function pick(item) {
  closeSuggestions();
  if (item.kind === 'title') return navigate({ ...readState(), doc: item.id }, { fromResults: !readState().doc });
  const input = $('q');
  const value = input.value.replace(/(\S+)$/, item.text);
  input.value = value;
  navigate(withChanges({ q: value.trim(), literal: false }));
}

function onKeyDown(e) {
  const list = $('suggestions');
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
  } else if (e.key === 'Escape') {
    closeSuggestions();
  }
}

// ---- Wiring ----

function init() {
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    // A query typed anew is understood again (literal is kept only by the links that set it).
    navigate(withChanges({ q: $('q').value.trim(), literal: false }));
  });
  $('q').addEventListener('input', onInput);
  $('q').addEventListener('keydown', onKeyDown);
  $('q').addEventListener('blur', () => setTimeout(closeSuggestions, 100));
  $('sort').addEventListener('change', () => navigate(withChanges({ sort: $('sort').value })));
  $('op').addEventListener('change', () => navigate(withChanges({ op: $('op').value })));
  $('date-form').addEventListener('submit', (e) => {
    e.preventDefault();
    navigate(withChanges({ from: $('from').value.trim(), to: $('to').value.trim() }));
  });
  $('back').addEventListener('click', () => {
    // Back to the results the article was opened from (or to them, on a shared link).
    if (history.state?.fromResults) history.back();
    else navigate({ ...readState(), doc: '' });
  });
  $('home').addEventListener('click', (e) => {
    e.preventDefault();
    navigate(withChanges({ q: '', literal: false, from: '', to: '', province: [], city: [], county: [], source: [], library: [] }));
  });
  if (matchMedia('(max-width: 720px)').matches) $('facets-box').open = false;
  window.addEventListener('popstate', render);
  render();
}

init();

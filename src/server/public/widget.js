/*
 * zhsearch embeddable search widget: `<script src="https://SERVER/widget.js"></script>` then
 * `<zh-search endpoint="https://SERVER" placeholder="搜索本馆新闻"></zh-search>` on any page.
 *
 * A custom element in shadow DOM, no dependencies: a search box with suggestions (ARIA combobox:
 * /api/suggest), highlighted results (/api/search: titleHtml and snippetHtml, of which only <mark>
 * is kept, the rest is inserted as text), facet chips that filter, paging, and the other copies of
 * a story (duplicates). Attributes: endpoint (required), placeholder, size (hits per page),
 * facets (comma-separated facet names or none; default province,year,source), lang (of the
 * content, default zh-CN). Themed through CSS custom properties --zh-search-* (README) and ::part().
 *
 * Owns: the widget's markup, style and calls to the public API. Must not: use anything but the
 * public JSON API (it runs on other sites, cross-origin, through the API's CORS).
 */
(() => {
  if (!window.customElements || customElements.get('zh-search')) return;

  const CSS = `
:host { display: block; font-family: var(--zh-search-font, system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif);
  font-size: var(--zh-search-font-size, 1rem); color: var(--zh-search-text, #1f2328); line-height: 1.6; }
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.box { background: var(--zh-search-background, #fff); border: 1px solid var(--zh-search-border, #d8dee4); border-radius: var(--zh-search-radius, 8px); padding: .75rem; }
form { display: flex; gap: .5rem; }
.combo { position: relative; flex: 1; min-width: 0; }
input { width: 100%; font: inherit; padding: .5rem .7rem; border: 1px solid var(--zh-search-border, #9aa5b1); border-radius: var(--zh-search-radius, 8px); background: #fff; color: inherit; }
input:focus, button:focus-visible, a:focus-visible, summary:focus-visible, ol:focus-visible { outline: 2px solid var(--zh-search-accent, #0b5cad); outline-offset: 1px; }
button { font: inherit; cursor: pointer; border-radius: var(--zh-search-radius, 8px); }
.go { padding: .5rem 1rem; border: 0; background: var(--zh-search-accent, #0b5cad); color: var(--zh-search-accent-text, #fff); }
[role=listbox] { position: absolute; z-index: 10; left: 0; right: 0; top: calc(100% + 2px); margin: 0; padding: .25rem 0; list-style: none; background: #fff;
  border: 1px solid var(--zh-search-border, #d8dee4); border-radius: var(--zh-search-radius, 8px); box-shadow: 0 6px 18px rgba(0,0,0,.12); }
[role=option] { display: flex; justify-content: space-between; gap: 1rem; padding: .3rem .7rem; cursor: pointer; }
[role=option][aria-selected=true], [role=option]:hover { background: var(--zh-search-accent-soft, #e6f0fb); }
[role=option] span:first-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.note, .meta, .status { color: var(--zh-search-muted, #5f6b7a); font-size: .875em; }
.note { white-space: nowrap; }
.status { margin: .6rem 0 0; }
.error { color: var(--zh-search-danger, #b42318); background: #fdecea; border: 1px solid #f5c2bd; border-radius: var(--zh-search-radius, 8px); padding: .5rem .75rem; margin: .6rem 0 0; }
.facets { margin: .5rem 0 0; }
.facet { display: flex; flex-wrap: wrap; align-items: center; gap: .3rem; margin: .3rem 0; }
.facet > span { font-size: .875em; color: var(--zh-search-muted, #5f6b7a); margin-right: .2rem; }
.chip { border: 1px solid var(--zh-search-border, #d8dee4); background: #fff; color: inherit; border-radius: 999px; padding: .05rem .65rem; font-size: .875em; }
.chip small { color: var(--zh-search-muted, #5f6b7a); margin-left: .25rem; }
.chip[aria-pressed=true] { background: var(--zh-search-accent, #0b5cad); border-color: var(--zh-search-accent, #0b5cad); color: var(--zh-search-accent-text, #fff); }
.chip[aria-pressed=true] small { color: inherit; }
.clear { border: 0; background: none; color: var(--zh-search-accent, #0b5cad); text-decoration: underline; font-size: .875em; padding: 0 .3rem; }
ol { list-style: none; margin: .5rem 0 0; padding: 0; }
ol > li { padding: .6rem 0; border-top: 1px solid var(--zh-search-border, #d8dee4); }
.title { font-size: 1.05em; font-weight: 600; color: var(--zh-search-accent, #0b5cad); text-decoration: none; overflow-wrap: anywhere; }
.title:hover { text-decoration: underline; }
.snippet { margin: .2rem 0 0; overflow-wrap: anywhere; }
.meta { margin: .1rem 0 0; }
mark { background: var(--zh-search-mark, #ffe58a); color: var(--zh-search-mark-text, inherit); padding: 0 1px; border-radius: 2px; }
details { font-size: .875em; margin-top: .2rem; }
summary { cursor: pointer; color: var(--zh-search-muted, #5f6b7a); }
details ul { margin: .2rem 0 0; padding-left: 1.2rem; }
nav { display: flex; align-items: center; justify-content: center; gap: .75rem; margin-top: .6rem; }
nav button { border: 1px solid var(--zh-search-accent, #0b5cad); background: #fff; color: var(--zh-search-accent, #0b5cad); padding: .2rem .8rem; }
nav button:disabled { opacity: .4; cursor: default; }
@media (max-width: 480px) { .box { padding: .5rem; } .go { padding: .5rem .7rem; } }
`;

  const FACET_LABELS = { province: '省份', city: '城市', county: '区县', year: '年份', month: '月份', source: '来源', library: '图书馆' };
  const DEFAULT_FACETS = ['province', 'year', 'source'];
  const MAX_WINDOW = 10000;
  const SHOWN_VALUES = 8;
  let instances = 0;

  /** An element with attributes (on* = listeners, text = textContent) and children. */
  function h(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  }

  const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  const decode = (s) =>
    s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e) =>
      e[0] === '#' ? String.fromCodePoint(parseInt(e[1] === 'x' || e[1] === 'X' ? e.slice(2) : e.slice(1), e[1] === 'x' || e[1] === 'X' ? 16 : 10)) : ENTITIES[e.toLowerCase()] ?? m);

  /** The server's highlighted HTML (escaped text and <mark>) as nodes: <mark> kept, everything else text. */
  function marked(html) {
    const frag = document.createDocumentFragment();
    let mark = null;
    for (const part of String(html || '').split(/(<\/?mark>)/i)) {
      if (/^<mark>$/i.test(part)) frag.append((mark = document.createElement('mark')));
      else if (/^<\/mark>$/i.test(part)) mark = null;
      else if (part) (mark || frag).append(decode(part));
    }
    return frag;
  }

  const fmt = (n) => Number(n).toLocaleString('zh-CN');

  class ZhSearch extends HTMLElement {
    static get observedAttributes() {
      return ['endpoint', 'placeholder', 'size', 'facets', 'lang'];
    }

    constructor() {
      super();
      const n = ++instances;
      this._id = (s) => `zhs${n}-${s}`;
      this._state = { q: '', page: 1, filters: {} };
      this._seq = 0;
      this._suggestSeq = 0;
      this._options = [];
      this._active = -1;
      const root = this.attachShadow({ mode: 'open' });
      // A constructed stylesheet is not inline style: it works under a host page's strict CSP.
      if ('adoptedStyleSheets' in root && window.CSSStyleSheet && 'replaceSync' in CSSStyleSheet.prototype) {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } else root.append(h('style', { text: CSS }));

      this._input = h('input', {
        type: 'search', id: this._id('q'), part: 'input', role: 'combobox', autocomplete: 'off', spellcheck: 'false', maxlength: '1000',
        'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': this._id('list'), 'aria-label': '检索词',
        oninput: () => this._typed(), onkeydown: (e) => this._key(e), onblur: () => setTimeout(() => this._close(), 150),
      });
      this._list = h('ul', { id: this._id('list'), role: 'listbox', 'aria-label': '搜索建议', hidden: true });
      this._status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', part: 'status' });
      this._error = h('p', { class: 'error', role: 'alert', hidden: true, part: 'error' });
      this._facets = h('div', { class: 'facets', role: 'group', 'aria-label': '筛选', hidden: true, part: 'facets' });
      this._results = h('ol', { class: 'results', tabindex: '-1', 'aria-label': '检索结果', hidden: true, part: 'results' });
      this._prev = h('button', { type: 'button', text: '上一页', onclick: () => this._go(this._state.page - 1) });
      this._next = h('button', { type: 'button', text: '下一页', onclick: () => this._go(this._state.page + 1) });
      this._pageInfo = h('span', { class: 'meta' });
      this._nav = h('nav', { 'aria-label': '分页', hidden: true, part: 'pager' }, this._prev, this._pageInfo, this._next);
      this._box = h('div', { class: 'box', part: 'box', lang: 'zh-CN' },
        h('form', { role: 'search', onsubmit: (e) => { e.preventDefault(); this._choose(this._active); } },
          h('div', { class: 'combo' }, this._input, this._list),
          h('button', { class: 'go', type: 'submit', part: 'button', text: '搜索' })),
        this._error, this._status, this._facets, this._results, this._nav);
      root.append(this._box);
    }

    connectedCallback() {
      this._connected = true;
      this._configure();
      this._check();
    }

    disconnectedCallback() {
      this._connected = false;
    }

    attributeChangedCallback(name) {
      if (!this._connected) return;
      this._configure();
      if (name === 'endpoint') this._check();
    }

    /** Reads the attributes. */
    _configure() {
      this._input.placeholder = this.getAttribute('placeholder') || '搜索';
      const size = Number(this.getAttribute('size'));
      this._size = Number.isInteger(size) && size >= 1 && size <= 100 ? size : 10;
      const facets = this.getAttribute('facets');
      this._facetNames = facets == null ? DEFAULT_FACETS : facets.split(/[\s,]+/).filter((f) => f in FACET_LABELS);
      this._box.lang = this.getAttribute('lang') || 'zh-CN';
      const endpoint = (this.getAttribute('endpoint') || '').trim();
      this._base = null;
      if (endpoint) {
        try {
          const u = new URL(endpoint, document.baseURI);
          if (/^https?:$/.test(u.protocol)) this._base = new URL(u.pathname.endsWith('/') ? u.href : u.href + '/');
        } catch {
          // an invalid URL: reported by _check
        }
      }
    }

    /** The endpoint is set and answers: or a message in the element saying what is wrong. */
    async _check() {
      if (!this._base) {
        const e = this.getAttribute('endpoint');
        this._fail(e ? `检索服务地址无效：“${e}”。endpoint 应为完整网址，如 https://search.example.org` : '未设置检索服务地址：请在 <zh-search> 上写明 endpoint 属性，如 endpoint="https://search.example.org"');
        return;
      }
      try {
        await this._get('api/health', new URLSearchParams());
        if (this._error.dataset.kind === 'connect') this._fail('');
      } catch (err) {
        this._fail(err.message, 'connect');
      }
    }

    _fail(message, kind = '') {
      this._error.textContent = message;
      this._error.hidden = !message;
      this._error.dataset.kind = kind;
    }

    async _get(path, params, signal) {
      const url = new URL(path, this._base);
      url.search = params.toString();
      let res;
      try {
        res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
      } catch (err) {
        if (err.name === 'AbortError') throw err;
        throw new Error(`无法连接检索服务 ${this._base.origin}：请检查 endpoint 地址、服务是否运行，以及服务器是否允许本网站（${location.origin}）跨域访问。`);
      }
      let body = null;
      try {
        body = await res.json();
      } catch {
        // not JSON: reported below
      }
      if (!res.ok || !body) throw new Error(`检索服务出错（HTTP ${res.status}）${body && body.error ? `：${body.error.message}` : ''}`);
      return body;
    }

    // ---- Suggestions (ARIA combobox) ----

    _typed() {
      clearTimeout(this._timer);
      const q = this._input.value.trim();
      if (!q || !this._base) return this._close();
      this._timer = setTimeout(async () => {
        const seq = ++this._suggestSeq;
        try {
          const body = await this._get('api/suggest', new URLSearchParams({ q, limit: '6' }));
          if (seq === this._suggestSeq && this._input.value.trim() === q) this._showOptions(body);
        } catch {
          // suggestions are optional: a failed one shows nothing
        }
      }, 120);
    }

    _showOptions(body) {
      const words = (body.words || []).map((w) => ({ kind: 'word', text: w.text, note: `${fmt(w.count)} 篇` }));
      const titles = (body.titles || []).map((t) => ({ kind: 'title', text: t.title || '（无标题）', id: t.id, note: '文章' }));
      this._options = [...words, ...titles];
      this._active = -1;
      this._input.removeAttribute('aria-activedescendant');
      this._list.replaceChildren(
        ...this._options.map((o, i) =>
          h('li', { id: this._id(`o${i}`), role: 'option', 'aria-selected': 'false', 'data-kind': o.kind, onmousedown: (e) => e.preventDefault(), onclick: () => this._choose(i) },
            h('span', { text: o.text }), h('span', { class: 'note', text: o.note }))),
      );
      const open = this._options.length > 0 && this.shadowRoot.activeElement === this._input;
      this._list.hidden = !open;
      this._input.setAttribute('aria-expanded', String(open));
    }

    _close() {
      this._list.hidden = true;
      this._input.setAttribute('aria-expanded', 'false');
      this._input.removeAttribute('aria-activedescendant');
      this._active = -1;
    }

    _move(to) {
      const n = this._options.length;
      this._active = to < -1 ? n - 1 : to >= n ? -1 : to;
      [...this._list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === this._active)));
      if (this._active < 0) this._input.removeAttribute('aria-activedescendant');
      else {
        this._input.setAttribute('aria-activedescendant', this._id(`o${this._active}`));
        this._list.children[this._active].scrollIntoView({ block: 'nearest' });
      }
    }

    _key(e) {
      const open = !this._list.hidden;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        if (!open) {
          if (!this._options.length) return;
          this._list.hidden = false;
          this._input.setAttribute('aria-expanded', 'true');
        }
        this._move(this._active + (e.key === 'ArrowDown' ? 1 : -1));
      } else if (e.key === 'Escape' && open) {
        e.preventDefault();
        this._close();
      }
    }

    /** Enter or a click: the active suggestion (a word is searched, a title opened) or the typed text. */
    _choose(i) {
      const o = this._options[i];
      clearTimeout(this._timer);
      this._suggestSeq++;
      this._close();
      if (o && o.kind === 'title') {
        location.href = this._articleHref({ id: o.id }, this._input.value.trim());
        return;
      }
      if (o) this._input.value = o.text;
      this._state = { q: this._input.value.trim(), page: 1, filters: this._state.filters };
      this._search();
    }

    // ---- Search ----

    _go(page) {
      this._state.page = page;
      this._search({ focusResults: true });
    }

    _params() {
      const { q, page, filters } = this._state;
      const p = new URLSearchParams({ q, page: String(page), size: String(this._size) });
      p.set('facets', this._facetNames.length ? this._facetNames.join(',') : 'none');
      p.set('facetSize', String(SHOWN_VALUES));
      for (const [name, value] of Object.entries(filters)) {
        if (name === 'year' || name === 'month') {
          if (value === 'undated') p.set('undated', 'only');
          else p.set('from', value), p.set('to', value);
        } else p.set(name, value);
      }
      return p;
    }

    async _search({ focusResults = false, focusChip = null } = {}) {
      if (!this._base) return this._check();
      const seq = ++this._seq;
      this._controller?.abort();
      this._controller = new AbortController();
      this.setAttribute('aria-busy', 'true');
      try {
        const body = await this._get('api/search', this._params(), this._controller.signal);
        if (seq !== this._seq) return;
        this._fail('');
        this._render(body);
        if (focusResults) {
          this._results.focus({ preventScroll: true });
          this.scrollIntoView({ block: 'start' });
        }
        if (focusChip) this._facets.querySelector(`[data-facet="${focusChip[0]}"][data-value="${CSS_ESCAPE(focusChip[1])}"]`)?.focus();
      } catch (err) {
        if (err.name === 'AbortError' || seq !== this._seq) return;
        this._fail(err.message, 'search');
      } finally {
        if (seq === this._seq) this.removeAttribute('aria-busy');
      }
    }

    _articleHref(hit, q) {
      if (hit.url && /^https?:\/\//i.test(hit.url)) return hit.url;
      const p = new URLSearchParams();
      if (q) p.set('q', q);
      p.set('doc', hit.id);
      return new URL(`?${p}`, this._base).href;
    }

    _render(body) {
      const { q } = body.query;
      const filtered = Object.keys(this._state.filters).length > 0;
      let status = body.total ? `找到 ${fmt(body.total)} 条结果` : q || filtered ? '没有找到相关结果' : '';
      if (body.query.correctedFrom) status += `（已按“${q}”检索，原词“${body.query.correctedFrom}”无结果）`;
      else if (body.query.interpretations?.length) status += `（已将 ${body.query.interpretations.map((i) => `${i.from} 理解为 ${i.to[0]}`).join('，')}）`;
      this._status.textContent = status;

      this._results.replaceChildren(
        ...body.hits.map((hit) => {
          const title = h('a', { class: 'title', href: this._articleHref(hit, q), part: 'title' });
          title.append(marked(hit.titleHtml || '（无标题）'));
          const snippet = h('p', { class: 'snippet' });
          snippet.append(marked(hit.snippetHtml));
          const meta = [hit.date, hit.source, ...(hit.regions || []).map((r) => r.county || r.city || r.province)].filter(Boolean).join(' · ');
          const dups = hit.duplicates || [];
          return h('li', { 'data-id': hit.id, part: 'hit' }, title, meta ? h('p', { class: 'meta', text: meta }) : null, snippet,
            dups.length ? h('details', {}, h('summary', { text: `另有 ${dups.length} 篇相似报道` }),
              h('ul', {}, ...dups.map((d) => h('li', {}, h('a', { href: this._articleHref(d, q), text: d.title || '（无标题）' }), h('span', { class: 'meta', text: ` ${[d.source, d.date].filter(Boolean).join(' · ')}` }))))) : null);
        }),
      );
      this._results.hidden = !body.hits.length;
      this._renderFacets(body.facets || {});

      const pages = Math.max(1, Math.ceil(Math.min(body.total, MAX_WINDOW) / this._size));
      this._pageInfo.textContent = `第 ${body.page} / ${fmt(pages)} 页`;
      this._prev.disabled = body.page <= 1;
      this._next.disabled = body.page >= pages;
      this._nav.hidden = pages <= 1;
    }

    _renderFacets(facets) {
      const { filters } = this._state;
      const groups = this._facetNames.map((name) => {
        let values = (facets[name] || []).filter((v) => v.count > 0);
        if (name === 'year' || name === 'month') values = values.slice().sort((a, b) => (a.value === 'undated' ? 1 : b.value === 'undated' ? -1 : a.value < b.value ? 1 : -1)).slice(0, SHOWN_VALUES);
        if (filters[name] && !values.some((v) => v.value === filters[name])) values.unshift({ value: filters[name], count: 0 });
        if (!values.length) return null;
        return h('div', { class: 'facet', role: 'group', 'aria-label': FACET_LABELS[name] }, h('span', { text: `${FACET_LABELS[name]}` }),
          ...values.map((v) => {
            const on = filters[name] === v.value;
            const label = v.value === 'undated' ? '未注明日期' : name === 'year' ? `${v.value} 年` : v.value;
            return h('button', { type: 'button', class: 'chip', part: 'chip', 'aria-pressed': String(on), 'data-facet': name, 'data-value': v.value,
              onclick: () => this._toggle(name, v.value) }, label, v.count ? h('small', { text: fmt(v.count) }) : null);
          }));
      }).filter(Boolean);
      if (Object.keys(filters).length) groups.push(h('div', { class: 'facet' }, h('button', { type: 'button', class: 'clear', text: '清除筛选', onclick: () => { this._state.filters = {}; this._state.page = 1; this._search({ focusResults: true }); } })));
      this._facets.replaceChildren(...groups);
      this._facets.hidden = !groups.length;
    }

    _toggle(name, value) {
      const filters = { ...this._state.filters };
      if (filters[name] === value) delete filters[name];
      else {
        filters[name] = value;
        // year and month are both a date filter: one at a time
        if (name === 'year') delete filters.month;
        if (name === 'month') delete filters.year;
      }
      this._state = { ...this._state, filters, page: 1 };
      this._search({ focusChip: [name, value] });
    }

    /** Searches `q` from a script (the same as typing it and pressing Enter). */
    search(q) {
      this._input.value = q;
      this._choose(-1);
    }
  }

  const CSS_ESCAPE = (s) => (window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, '\\$&'));

  customElements.define('zh-search', ZhSearch);
})();

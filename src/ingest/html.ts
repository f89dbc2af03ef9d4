/**
 * HTML page -> plain text with paragraph breaks, plus the hints an HTML page carries
 * (title candidates, meta publish date, canonical url, site name, author).
 *
 * Owns: tag handling (block elements become line breaks; script, style, nav, header, footer,
 * aside, form, noscript, iframe, svg, template, select, button and elements whose class or id
 * names navigation, sharing, comments, related lists or copyright are dropped), entity decoding
 * and the reading of `<title>`, `<h1>` and `<meta>`.
 * Must not: clean the text (clean.ts does that for HTML and plain text alike), nor parse dates.
 */
import { Parser } from 'htmlparser2';

export interface HtmlHints {
  /** `<h1>` texts in page order (even inside a dropped `<header>`). */
  h1: string[];
  /** `<title>` text. */
  title?: string;
  /** `og:title`. */
  ogTitle?: string;
  /** Raw values of publish-date metas (`article:published_time`, `pubdate`, ...), most specific first. */
  dates: string[];
  /** `og:url` or `<link rel="canonical">`. */
  url?: string;
  /** `og:site_name` or `application-name`, or the site part of `<title>` (`Title - Site`). */
  siteName?: string;
  /** `<meta name="author">`. */
  author?: string;
  /** `<meta name="source">` / `og:article:source`. */
  source?: string;
}

export interface HtmlText {
  text: string;
  hints: HtmlHints;
}

const DROP_TAGS = new Set([
  'script', 'style', 'nav', 'header', 'footer', 'aside', 'form', 'noscript', 'iframe', 'svg', 'template',
  'select', 'button', 'object', 'embed', 'canvas', 'map', 'audio', 'video', 'head',
]);

const BLOCK_TAGS = new Set([
  'p', 'div', 'br', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'tr', 'table', 'tbody',
  'thead', 'tfoot', 'section', 'article', 'main', 'blockquote', 'pre', 'hr', 'figure', 'figcaption', 'address',
  'center', 'td', 'th', 'caption', 'body', 'html', 'title',
]);

const VOID_TAGS = new Set(['br', 'hr', 'img', 'meta', 'link', 'input', 'area', 'base', 'col', 'embed', 'param', 'source', 'track', 'wbr']);

/** class/id words of page furniture. */
const BOILERPLATE_CLASS = /(?:^|[\s_-])(?:nav|navbar|menu|footer|sidebar|side-bar|share|sharing|bdsharebuttonbox|social|related|recommend|comments?|breadcrumbs?|crumbs?|copyright|advert|ads|banner|toolbar|pagination|pager|login|search)(?:$|[\s_-])/i;

const DATE_META = [
  'article:published_time', 'og:article:published_time', 'og:published_time', 'pubdate', 'publishdate',
  'publish_date', 'publish-date', 'publication_date', 'dc.date', 'dc.date.issued', 'dcterms.created',
  'dcterms.date', 'date', 'og:release_date', 'sailthru.date', 'weibo:article:create_at', 'firstpublishedtime',
  'pubtime', 'publishtime', 'releasedate', 'contentpublishtime',
];

/** Converts an HTML page to text lines; the boilerplate containers are dropped. */
export function htmlToText(html: string): HtmlText {
  const out: string[] = [];
  const hints: HtmlHints = { h1: [], dates: [] };
  const dateByKey = new Map<string, string>();
  /** Stack of open elements: [tag name, whether it started a dropped region]. */
  const stack: Array<[string, boolean]> = [];
  let dropDepth = 0;
  let inTitle = false;
  let titleBuf = '';
  let h1Depth = 0;
  let h1Buf = '';

  const newline = () => {
    if (out.length && out[out.length - 1] !== '\n') out.push('\n');
  };

  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const tag = name.toLowerCase();
        if (tag === 'meta') {
          const key = (attrs.property ?? attrs.name ?? attrs.itemprop ?? attrs['http-equiv'] ?? '').toLowerCase();
          const content = (attrs.content ?? '').trim();
          if (!content) return;
          if (DATE_META.includes(key) || key === 'datepublished') dateByKey.set(key, content);
          else if (key === 'og:url') hints.url ??= content;
          else if (key === 'og:site_name' || key === 'application-name' || key === 'sitename' || key === 'site_name') hints.siteName ??= content;
          else if (key === 'og:title') hints.ogTitle ??= content;
          else if (key === 'author' || key === 'article:author') hints.author ??= content;
          else if (key === 'source' || key === 'og:article:source' || key === 'article:source') hints.source ??= content;
          return;
        }
        if (tag === 'link') {
          if ((attrs.rel ?? '').toLowerCase() === 'canonical' && attrs.href) hints.url = hints.url ?? attrs.href;
          return;
        }
        if (tag === 'time' && attrs.datetime && attrs.pubdate !== undefined) dateByKey.set('time[pubdate]', attrs.datetime);
        if (tag === 'title') {
          inTitle = true;
          titleBuf = '';
        }
        if (tag === 'h1') {
          h1Depth++;
          if (h1Depth === 1) h1Buf = '';
        }
        if (VOID_TAGS.has(tag)) {
          if (BLOCK_TAGS.has(tag) && dropDepth === 0) newline();
          return;
        }
        const cls = `${attrs.class ?? ''} ${attrs.id ?? ''}`;
        const drop = DROP_TAGS.has(tag) || (cls.trim() !== '' && BOILERPLATE_CLASS.test(cls)) || attrs.hidden !== undefined || /display\s*:\s*none/i.test(attrs.style ?? '');
        stack.push([tag, drop]);
        if (drop) dropDepth++;
        if (BLOCK_TAGS.has(tag) && dropDepth === 0) newline();
      },
      ontext(text) {
        if (inTitle) titleBuf += text;
        if (h1Depth > 0) h1Buf += text;
        if (dropDepth === 0 && !inTitle) out.push(text.replace(/[ \t\r\n\f]+/g, ' '));
      },
      onclosetag(name) {
        const tag = name.toLowerCase();
        if (tag === 'title') {
          inTitle = false;
          hints.title ??= titleBuf.replace(/\s+/g, ' ').trim() || undefined;
        }
        if (tag === 'h1' && h1Depth > 0) {
          h1Depth--;
          if (h1Depth === 0) {
            const t = h1Buf.replace(/\s+/g, ' ').trim();
            if (t) hints.h1.push(t);
          }
        }
        if (VOID_TAGS.has(tag)) return;
        // Close up to the matching open element (tolerates unclosed children).
        for (let k = stack.length - 1; k >= 0; k--) {
          if (stack[k][0] !== tag) continue;
          while (stack.length > k) {
            const [, dropped] = stack.pop()!;
            if (dropped) dropDepth--;
          }
          break;
        }
        if (BLOCK_TAGS.has(tag) && dropDepth === 0) newline();
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();

  for (const key of DATE_META) {
    const v = dateByKey.get(key);
    if (v) hints.dates.push(v);
  }
  for (const key of ['datepublished', 'time[pubdate]']) {
    const v = dateByKey.get(key);
    if (v) hints.dates.push(v);
  }
  if (!hints.siteName && hints.title) {
    const parts = hints.title.split(/\s*(?:[-–—_|｜]|::)\s*/).filter(Boolean);
    if (parts.length >= 2) hints.siteName = parts[parts.length - 1];
  }

  const text = out
    .join('')
    .split('\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { text, hints };
}

/**
 * The article title an HTML page announces: its `<h1>` (the first one that also appears in the
 * `<title>` or `og:title`, else the first one), else `og:title`, else `<title>` without the
 * site suffix (`标题 - 站点`).
 */
export function htmlTitle(hints: HtmlHints): string | undefined {
  const norm = (s: string) => s.replace(/\s+/g, '');
  const refs = [hints.title, hints.ogTitle].filter((x): x is string => !!x).map(norm);
  const h1 = hints.h1.find((h) => refs.some((r) => r.includes(norm(h)))) ?? hints.h1[0];
  if (h1 && h1.length >= 4) return h1;
  if (hints.ogTitle) return hints.ogTitle;
  if (hints.title) {
    const parts = hints.title.split(/\s*(?:\s[-–—|｜]\s|_|｜|::)\s*/).filter(Boolean);
    return parts[0] ?? hints.title;
  }
  return undefined;
}

/** Quick test for markup: a document that starts with a tag or has block tags. */
export function looksLikeHtml(text: string): boolean {
  const head = text.slice(0, 2048).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || /<(?:body|div|p|head|meta|title)[\s>]/.test(head);
}

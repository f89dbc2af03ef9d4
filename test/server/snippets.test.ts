/** Snippets and highlighting on plain strings (src/search/snippets.ts). */
import { describe, expect, it } from 'vitest';
import { queryChars } from '../../src/analysis/analyzer.js';
import { asParagraphs, escapeHtml, highlightText, snippet } from '../../src/search/snippets.js';

const terms = (...words: string[]) => words.map(queryChars);
const plain = (html: string) => html.replace(/<\/?mark>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('highlightText', () => {
  it('marks matches ignoring punctuation and spaces inside them, in the original script', () => {
    const h = highlightText('臺北 圖書・館開放', terms('图书馆'));
    expect(h.html).toBe('臺北 <mark>圖書・館</mark>開放');
    expect(h.highlights).toEqual([[3, 7]]);
  });

  it('merges overlapping matches of different terms and handles astral characters', () => {
    expect(highlightText('图书馆学会', terms('图书馆', '馆学')).html).toBe('<mark>图书馆学</mark>会');
    expect(highlightText('𠀀图书馆𠀀', terms('图书馆')).highlights).toEqual([[2, 5]]);
    expect(highlightText('ＡＢＣ图书', terms('abc')).html).toBe('<mark>ＡＢＣ</mark>图书');
  });

  it('keeps the paragraphs of a text as <p> blocks, a match running over a line break closed and reopened', () => {
    const h = highlightText('第一段讲图书\n馆的历史。\n\n第三段：图书馆开放', terms('图书馆'));
    expect(h.html).toBe('第一段讲<mark>图书\n馆</mark>的历史。\n第三段：<mark>图书馆</mark>开放');
    expect(asParagraphs(h.html)).toBe('<p>第一段讲<mark>图书</mark></p><p><mark>馆</mark>的历史。</p><p>第三段：<mark>图书馆</mark>开放</p>');
    expect(asParagraphs(escapeHtml('a<b\n\n  \nc'))).toBe('<p>a&lt;b</p><p>c</p>');
  });

  it('escapes everything else', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(highlightText('<b>图书馆</b>', terms('图书馆')).html).toBe('&lt;b&gt;<mark>图书馆</mark>&lt;/b&gt;');
  });
});

describe('snippet', () => {
  const text =
    '第一句没有关键词，只是开头。第二句也没有。第三句讲图书馆的读书节活动，非常热闹。第四句说天气很好。' +
    '第五句无关。第六句无关。第七句提到古籍修复展示，吸引读者。第八句结束。';

  it('picks the sentence with the most distinct terms, with ellipses only where a sentence is cut', () => {
    const s = snippet(text, terms('读书节', '图书馆'), 40);
    expect(s.html).toBe('第三句讲<mark>图书馆</mark>的<mark>读书节</mark>活动，非常热闹。第四句说天气很好。第五句无关。第六句无关。');
    expect(s.highlights.map(([a, b]) => text.slice(a, b))).toEqual(['图书馆', '读书节']);
  });

  it('shows two passages when one cannot hold every term', () => {
    const s = snippet(text, terms('读书节', '古籍修复'), 40);
    expect(s.html).toContain('<mark>读书节</mark>');
    expect(s.html).toContain('<mark>古籍修复</mark>');
    expect(plain(s.html).length).toBeLessThanOrEqual(44);
  });

  it('cuts an over-long sentence around the match without splitting it', () => {
    const long = '很长的句子'.repeat(30) + '图书馆' + '还在继续'.repeat(30) + '。';
    const s = snippet(long, terms('图书馆'), 30);
    expect(s.html).toContain('<mark>图书馆</mark>');
    expect(s.html.startsWith('…')).toBe(true);
    expect(s.html.endsWith('…')).toBe(true);
    expect(plain(s.html).length).toBeLessThanOrEqual(32);
  });

  it('starts the content when nothing matches, and is empty for empty content', () => {
    expect(snippet(text, terms('不存在'), 20).html).toBe('第一句没有关键词，只是开头。');
    expect(snippet('', terms('图书馆')).html).toBe('');
  });

  it('collapses whitespace and never splits a surrogate pair', () => {
    expect(snippet('图书馆\n\n  开放。', terms('图书馆')).html).toBe('<mark>图书馆</mark> 开放。');
    const astral = '𠀀'.repeat(100);
    const s = snippet(astral, terms('不存在'), 21);
    expect(plain(s.html).replace('…', '')).toMatch(/^(𠀀)+$/u);
  });
});

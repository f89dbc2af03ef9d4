import { describe, expect, it } from 'vitest';
import { extractArticle } from '../../src/ingest/article.js';
import { htmlToText } from '../../src/ingest/html.js';

const PAGE = `<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>随县图书馆开展“书香进乡村”活动 - 随州文旅网</title>
<meta property="og:site_name" content="随州文旅网">
<meta property="og:url" content="https://example.org/news/2024/0312.html">
<meta property="article:published_time" content="2024-03-12T09:30:00+08:00">
<style>.nav { color: red } 湖南省</style>
<script>var hot = "广东省图书馆"; document.write('<p>广州</p>');</script>
</head>
<body>
<header><div class="logo">随州文旅网</div><nav><a href="/">首页</a> <a href="/hn">河南</a> <a href="/gd">广东</a></nav>
<h1>随县图书馆开展“书香进乡村”活动</h1></header>
<div class="breadcrumb">首页 &gt; 新闻 &gt; 正文</div>
<article>
<p>3月10日，随县图书馆工作人员来到殷店镇，开展&ldquo;书香进乡村&rdquo;图书流动服务活动，为村民送去农业技术、少儿读物等图书300余册。</p>
<p>活动现场，工作人员向村民介绍了随县图书馆的数字资源和借阅方式&nbsp;，并为留守儿童讲述绘本故事。</p>
<p>下一步，随县图书馆将继续推进总分馆建设，让更多群众就近享受公共文化服务。</p>
</article>
<aside><h3>热门文章</h3><ul><li>长沙市图书馆举办讲座</li></ul></aside>
<div class="share">分享到：微信 微博</div>
<form><input name="q"> 搜索</form>
<footer>版权所有 © 随州文旅网 鄂ICP备12345678号 地址：湖北省武汉市</footer>
<noscript>请开启JavaScript 北京市</noscript>
</body></html>`;

describe('HTML pages', () => {
  it('turns markup into paragraphs and drops script, style, nav, header, aside, form, footer, noscript', () => {
    const { text, hints } = htmlToText(PAGE);
    expect(text).toContain('3月10日，随县图书馆工作人员来到殷店镇，开展“书香进乡村”图书流动服务活动');
    expect(text.split('\n').filter((l) => l.includes('随县图书馆')).length).toBeGreaterThanOrEqual(3);
    for (const w of ['var hot', 'color: red', '湖南省', '广东', '热门文章', '长沙市', '搜索', 'ICP', '武汉', 'JavaScript', '北京', '首页']) {
      expect(text).not.toContain(w);
    }
    expect(hints.h1).toEqual(['随县图书馆开展“书香进乡村”活动']);
    expect(hints.siteName).toBe('随州文旅网');
    expect(hints.url).toBe('https://example.org/news/2024/0312.html');
    expect(hints.dates).toEqual(['2024-03-12T09:30:00+08:00']);
  });

  it('extracts the article with the meta date, url and site name', () => {
    const r = extractArticle({ text: PAGE, id: 'h1', kind: 'html' });
    if (!r.ok) throw new Error(r.message);
    expect(r.doc.title).toBe('随县图书馆开展“书香进乡村”活动');
    expect(r.doc.date).toBe('2024-03-12');
    expect(r.doc.url).toBe('https://example.org/news/2024/0312.html');
    expect(r.doc.source).toBe('随州文旅网');
    expect(r.doc.regions?.map((x) => x.code)).toEqual(['421321']);
    expect(r.doc.libraries).toEqual(['随县图书馆']);
    expect(r.doc.content.split('\n')).toHaveLength(3);
    expect(r.doc.content).not.toContain('分享到');
  });

  it('falls back to the <title> without its site suffix when there is no <h1>', () => {
    const html = '<html><head><title>宁夏图书馆举办古籍修复展 - 宁夏新闻网</title></head><body><div><p>记者从宁夏图书馆获悉，古籍修复成果展于4月2日开幕，展出修复古籍一百余册，市民可免费参观。</p></div></body></html>';
    const r = extractArticle({ text: html, id: 'h2', kind: 'html' });
    if (!r.ok) throw new Error(r.message);
    expect(r.doc.title).toBe('宁夏图书馆举办古籍修复展');
    expect(r.doc.source).toBe('宁夏新闻网');
    expect(r.doc.regions?.[0].code).toBe('640000');
    expect(r.doc.date).toBeUndefined(); // 4月2日 without any year on the page
  });
});

import { describe, expect, it } from 'vitest';
import { cleanPage, cleanRecordText, splitDateline } from '../../src/ingest/clean.js';
import { findPublicationDate } from '../../src/ingest/date.js';
import { findAttribution } from '../../src/ingest/source.js';

describe('cleanPage', () => {
  it('finds a title between navigation and a byline, and cuts at the first block marker', () => {
    const page = [
      '某某文旅网',
      '首页 > 新闻中心 > 正文',
      '咸宁市图书馆开展“快乐阅读”系列主题活动',
      '发布时间：2023-10-01  来源：咸宁日报  作者：李明',
      '9月29日至10月1日，咸宁市图书馆开展“快乐阅读”系列主题活动，凡进馆读者均可参与线上知识竞赛。',
      '活动进行两天，成功分发出150份冰皮月饼。',
      '(记者 王强 通讯员 张华)',
      '分享到：',
      '上一篇：十堰市图书馆举办主题活动',
      '相关阅读',
      '黄冈市黄州区图书馆开展农家书屋图书入藏工作',
      'Copyright © 2023 某某文旅网 鄂ICP备123号',
    ].join('\n');
    const c = cleanPage(page);
    expect(c.title).toBe('咸宁市图书馆开展“快乐阅读”系列主题活动');
    expect(c.header).toEqual(['发布时间：2023-10-01  来源：咸宁日报  作者：李明']);
    expect(c.body.split('\n')).toEqual([
      '9月29日至10月1日，咸宁市图书馆开展“快乐阅读”系列主题活动，凡进馆读者均可参与线上知识竞赛。',
      '活动进行两天，成功分发出150份冰皮月饼。',
    ]);
    expect(c.credits).toEqual(['(记者 王强 通讯员 张华)']);
    expect(c.neighbours).toEqual(['上一篇：十堰市图书馆举办主题活动']);
    expect(c.removed).toEqual(expect.arrayContaining(['某某文旅网', '相关阅读', 'Copyright © 2023 某某文旅网 鄂ICP备123号']));
    expect(findAttribution(c)).toEqual({ source: '咸宁日报', author: '李明' });
  });

  it('removes a [详细] list of other stories with the titles of its first item', () => {
    const page = [
      '青岛邮轮旅游专题推介会在济南举行',
      '2023-11-03 10:00:00',
      '11月3日，青岛邮轮旅游专题推介会在济南举行，推介会上发布了邮轮旅游线路。',
      '推介会吸引了省内外百余家旅行社参加。',
      '山东首届自驾出行服务节启动',
      '山东首届自驾出行服务节启动',
      '10月30日，服务节在济青中线昆仑服务区举行。[详细]',
      '闪电新闻 2023-10-31',
      '好戏山东丨第三届山东戏曲青年名家展演即将在临沂举办',
      '第三届山东戏曲青年名家展演将在临沂举办。[详细]',
      '山东省文旅厅 2023-10-21',
    ].join('\n');
    const c = cleanPage(page);
    expect(c.body).toBe('11月3日，青岛邮轮旅游专题推介会在济南举行，推介会上发布了邮轮旅游线路。\n推介会吸引了省内外百余家旅行社参加。');
    expect(c.tail[0]).toBe('山东首届自驾出行服务节启动');
  });

  it('splits datelines and bylines off the first paragraph', () => {
    expect(splitDateline('本报讯(西藏日报记者周婷婷)城市之魂，在于其独有的文化韵律。')).toEqual(['本报讯(西藏日报记者周婷婷)', '城市之魂，在于其独有的文化韵律。']);
    expect(splitDateline('新华社北京6月1日电（记者王某 李某）国务院近日印发通知。')).toEqual(['新华社北京6月1日电（记者王某 李某）', '国务院近日印发通知。']);
    expect(splitDateline('央視網消息(新聞聯播)：本台消息。')?.[0]).toBe('央視網消息(新聞聯播)：');
    expect(splitDateline('城市之魂，在于其独有的文化韵律。')).toBeUndefined();
  });

  it('reads bylines and sign-offs for attribution', () => {
    expect(findAttribution({ credits: ['新华社北京6月1日电（记者王某 李某）'] })).toEqual({ source: '新华社', author: '王某、李某' });
    expect(findAttribution({ credits: ['闪电新闻记者   报道'] })).toEqual({ source: '闪电新闻' });
    expect(findAttribution({ tail: ['4、原文链接：https://example.org/a.html'], siteName: '某站' })).toEqual({ source: '某站', url: 'https://example.org/a.html' });
  });

  it('takes the title line, not the site name of an HTML <title> line, breadcrumb and footer', () => {
    const page = [
      '首都图书馆古籍修复成果展开幕 百余件实物首次亮相 - 图书馆界资讯网',
      '图书馆界资讯网',
      '首页 | 新闻动态 | 资源服务 | 搜索',
      '当前位置:首页 > 新闻动态 > 馆界动态',
      '首都图书馆古籍修复成果展开幕 百余件实物首次亮相',
      '发布时间:2020-10-23  来源:首图古籍部  作者:宋佳  浏览次数:338  字号:[大 中 小]',
      '　　10月22日，“妙手补书——首都图书馆古籍修复成果展”在北京市开幕，展出修复古籍一百二十余件。',
      '分享到: 微信 微博 QQ空间 复制链接',
      '主办单位:图书馆界资讯网',
      '版权所有 图书馆界资讯网  未经授权不得转载',
    ].join('\n');
    const c = cleanPage(page);
    expect(c.title).toBe('首都图书馆古籍修复成果展开幕 百余件实物首次亮相');
    expect(c.siteName).toBe('图书馆界资讯网');
    expect(c.body).toBe('10月22日，“妙手补书——首都图书馆古籍修复成果展”在北京市开幕，展出修复古籍一百二十余件。');
    expect(findPublicationDate({ header: c.header })).toBe('2020-10-23');
    expect(findAttribution(c)).toEqual({ source: '首图古籍部', author: '宋佳' });
  });

  it('takes one copy of a title doubled on one line, and drops its caption copies', () => {
    const title = '广州图书馆暑期少儿阅读季启动 四十余场活动陪孩子过“书香假期”';
    const page = [
      '羊城资讯汇  首页 / 新闻 / 文化 / 搜索',
      title,
      `${title}  ${title}`,
      '2023年7月12日 10:26  来源:穗图少儿部  作者:梁爽',
      '7月11日，广州图书馆“童心阅夏”暑期少儿阅读季启动，将推出四十余场活动。',
      `${title} 图1`,
      '启动仪式上，十几名小读者表演了绘本剧，台下家长们纷纷举起手机记录。',
    ].join('\n');
    const c = cleanPage(page);
    expect(c.title).toBe(title);
    expect(c.body.split('\n')).toEqual(['7月11日，广州图书馆“童心阅夏”暑期少儿阅读季启动，将推出四十余场活动。', '启动仪式上，十几名小读者表演了绘本剧，台下家长们纷纷举起手机记录。']);
  });

  it('reads an e-paper page: masthead date before the title, rubric, 本报讯 byline, the paper as source', () => {
    const page = [
      '都市文化报数字报',
      '首页 | 新闻 | 往期回顾 | 版面导航 | 搜索',
      '第06版:文化·公益    2021年5月17日 星期一',
      '上海图书馆开展全国助残日主题活动',
      '全国助残日特别报道',
      '本报讯(都市文化报全媒记者 林晨 通讯员 邓洁)5月16日，上海图书馆在视障阅览室举办主题活动。',
      '上海图书馆开展全国助残日主题活动',
      'THE END',
    ].join('\n');
    const c = cleanPage(page);
    expect(c.title).toBe('上海图书馆开展全国助残日主题活动');
    expect(c.body).toBe('5月16日，上海图书馆在视障阅览室举办主题活动。');
    expect(findPublicationDate({ header: c.header, body: c.body })).toBe('2021-05-17');
    expect(findAttribution(c)).toEqual({ source: '都市文化报', author: '林晨' });
    expect(findAttribution({ credits: ['本报讯(记者 许诺 通讯员 梁爽)'], siteName: '禾城晚讯数字报' })).toEqual({ source: '禾城晚讯', author: '许诺' });
  });

  it('cuts at a news-hotline advert', () => {
    const c = cleanPage(['某馆举办读书会活动', '来源:某网', '读书会当天，三十余位读者参加了活动，现场气氛热烈。', '新闻线索请拨打热线(0851)86001234，或通过某网客户端提交。', '另一条新闻标题'].join('\n'));
    expect(c.body).toBe('读书会当天，三十余位读者参加了活动，现场气氛热烈。');
  });

  it('cleans records lightly', () => {
    const r = cleanRecordText('央视网消息（新闻联播）：\n本台播发央视快评《以更大魄力推进改革开放》。\n（视频编辑：张三）');
    expect(r.body).toBe('本台播发央视快评《以更大魄力推进改革开放》。');
    expect(r.removed).toEqual(['央视网消息（新闻联播）：', '（视频编辑：张三）']);
  });
});

import { describe, expect, it } from 'vitest';
import { cleanPage, cleanRecordText, splitDateline } from '../../src/ingest/clean.js';
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

  it('cleans records lightly', () => {
    const r = cleanRecordText('央视网消息（新闻联播）：\n本台播发央视快评《以更大魄力推进改革开放》。\n（视频编辑：张三）');
    expect(r.body).toBe('本台播发央视快评《以更大魄力推进改革开放》。');
    expect(r.removed).toEqual(['央视网消息（新闻联播）：', '（视频编辑：张三）']);
  });
});

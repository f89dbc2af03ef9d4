import { describe, expect, it } from 'vitest';
import { extractArticle } from '../../src/ingest/article.js';
import { DuplicateDetector, fingerprintText, hammingDistance, simhash } from '../../src/ingest/dedupe.js';

const STORY = [
  '济南市图书馆与海北州图书馆举行合作共建签约仪式',
  '来源:闪电新闻',
  '11月7日上午，济南市图书馆与海北州图书馆举行合作共建签约仪式，济南市文化和旅游局党组成员、副局长闫险峰，海北州文体旅游广电局党组成员、副局长武晓明，济南市图书馆与海北州图书馆全体干部职工以及此次考察交流活动全体学员参加签约仪式。',
  '仪式开始前，全体学员参观了济南市图书馆，并就两馆资源建设、读者服务和阅读推广等方面的工作进行了交流。随后双方签订交换了共建协议书。期间，济南市图书馆与海北州图书馆互赠了珍贵馆藏地方文献和友谊纪念品。',
  '此次两地图书馆合作共建协议的签署，标志着鲁青两地图书馆合作进入一个新的阶段，有效深化两地交流协作，助推资源共享和优势互补。',
].join('\n');

function body(text: string): string {
  const r = extractArticle({ text, id: 'x', kind: 'txt' });
  if (!r.ok) throw new Error(r.message);
  return r.doc.content;
}

describe('DuplicateDetector', () => {
  it('finds the same story with another footer and a few changed characters', () => {
    const copy = STORY
      .replace('来源:闪电新闻', '来源:齐鲁网')
      .replace('随后双方签订交换了共建协议书', '随后双方签署并交换了共建协议书')
      .replace('有效深化两地交流协作', '有效深化了两地的交流协作')
      .concat('\n版权所有: 齐鲁网 All Rights Reserved\n鲁ICP备09062847号-1');
    const det = new DuplicateDetector();
    expect(det.check('a', body(STORY))).toEqual({});
    const r = det.check('b', body(copy));
    expect(r.duplicateOf).toBe('a');
    expect(r.exact).toBe(false);
    expect(r.similarity).toBeGreaterThan(0.8);
    expect(r.similarity).toBeLessThan(1);
  });

  it('treats punctuation, spacing and script differences as the same body', () => {
    const det = new DuplicateDetector();
    det.check('s', '金陵图书馆与雨花台区图书馆加强交流合作，共建共享书香城市。');
    expect(det.check('t', '金陵圖書館與雨花臺區圖書館 加強交流合作,共建共享書香城市!')).toMatchObject({ duplicateOf: 's', exact: true });
  });

  it('keeps recurring formulaic reports with other numbers apart', () => {
    const det = new DuplicateDetector();
    const third = body(STORY.replace('11月7日上午', '11月7日上午第三届'));
    const fourth = body(STORY.replace('11月7日上午', '11月7日上午第四届'));
    det.check('y3', third);
    expect(det.check('y4', fourth)).toEqual({});
  });

  it('does not flag different stories, nor an id checked again', () => {
    const det = new DuplicateDetector();
    det.check('a', body(STORY));
    expect(det.check('a', body(STORY))).toEqual({});
    const other = '6月13日，国家图书馆典藏阅览部一行到随州调研国图文献共享借阅项目服务效能工作。此次国家图书馆主要调研对象是随县图书馆，随县图书馆是国家图书馆文献共享借阅项目的重要合作馆。';
    expect(det.check('c', other)).toEqual({});
    expect(det.size).toBe(2);
  });

  it('finds a repost under the same title whose rewording moves the simhash past the gate', () => {
    const original = '近日，记者从襄阳市图书馆获悉，该市总分馆体系建设取得新进展：截至6月中旬，全市已建成乡镇分馆八十余个、村服务点六百余个，各分馆与总馆的图书实现统一编目、统一配送、通借通还。实行总分馆制以前，不少乡镇文化站的图书室藏书陈旧、管理不规范。实行总分馆制后，总馆统一采购新书，按照各分馆读者的借阅偏好分批配送，并定期轮换。分馆管理员说，现在书多了、新了，来借书的人明显增加，周末还常有家长带孩子来参加故事会。该馆负责人介绍，下一步将推动数字资源同步下沉，让农村群众享受到与城里居民同样便利的图书馆服务。';
    const repost = original.replace('近日', '日前').replace('获悉', '了解到').replace('明显增加', '明显增多').replace('该馆负责人介绍', '该馆相关负责人表示');
    expect(hammingDistance(simhash(fingerprintText(original)), simhash(fingerprintText(repost)))).toBeGreaterThan(3);
    const title = '襄阳市图书馆总分馆建设提速 乡镇分馆实现“通借通还”';
    const other = new DuplicateDetector();
    other.check('page', original, title);
    expect(other.check('other-title', repost, '襄阳乡镇分馆通借通还')).toEqual({}); // different title: the simhash gate applies
    const det = new DuplicateDetector();
    expect(det.check('page', original, title)).toEqual({});
    expect(det.check('repost', repost, title)).toMatchObject({ duplicateOf: 'page', exact: false });
    // Same title, other numbers: another report, not a repost.
    expect(det.check('next-year', repost.replace('八十余个', '九十余个'), title)).toEqual({});
  });

  it('simhash: close texts are close, different texts are far', () => {
    const a = simhash(fingerprintText(body(STORY)));
    const b = simhash(fingerprintText(body(STORY.replace('互赠了珍贵馆藏', '互相赠送了珍贵馆藏'))));
    const c = simhash(fingerprintText('国家主席习近平将于31日晚7时通过中央广播电视总台和互联网发表新年贺词。中央广播电视总台所属各频道将进行直播。'));
    expect(hammingDistance(a, b)).toBeLessThanOrEqual(3);
    expect(hammingDistance(a, c)).toBeGreaterThan(10);
  });
});

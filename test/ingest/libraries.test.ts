import { describe, expect, it } from 'vitest';
import { findLibraries } from '../../src/ingest/libraries.js';

const libs = (text: string, extra?: string) => findLibraries(text, { simplified: false, extra });

describe('findLibraries', () => {
  it('anchors names on places, known names and schools', () => {
    expect(libs('浙江图书馆、宁波图书馆和济南市图书馆的馆长，以及咸宁市少儿图书馆的馆员。')).toEqual(['浙江图书馆', '宁波图书馆', '济南市图书馆', '咸宁市少年儿童图书馆']);
    expect(libs('此次国家图书馆主要调研对象是随县图书馆。')).toEqual(['中国国家图书馆', '随县图书馆']);
    expect(libs('首都图书馆与武汉大学图书馆签约。')).toEqual(['首都图书馆', '武汉大学图书馆']);
  });

  it('rejects generic and junk names', () => {
    expect(libs('昌都市图书馆荣获国家二级图书馆称号。')).toEqual(['昌都市图书馆']);
    expect(libs('国家图书馆到随州调研国图书馆员工作。')).toEqual(['中国国家图书馆']);
    expect(libs('随州市各公共图书馆将优化流程，湖北省图书馆学会与中国图书馆学会、图书馆界同仁。')).toEqual([]);
  });

  it('does not take a count, a kind of school or the words before a name for a library name (xwlb)', () => {
    expect(libs('支持1万个乡村学校图书馆优化供给，完善设施；推动数字阅读。')).toEqual([]);
    expect(libs('这两年我们国家图书馆、电影院和博物馆的数量变化。')).toEqual([]);
    expect(libs('向彭丽媛和卡里莫娃献花。\n在孔子学院图书馆，乌方院长介绍馆内藏书情况。')).toEqual([]);
    expect(libs('习近平出席恩古瓦比大学图书馆启用和中国馆揭牌仪式 勉励青年人做中刚中非友好事业接班人')).toEqual(['恩古瓦比大学图书馆']);
  });

  it('names a foreign national library by its country, never as China\'s 国家图书馆 (xwlb)', () => {
    expect(libs('《习近平谈治国理政》秘鲁版首发式在秘鲁国家图书馆举行。')).toEqual(['秘鲁国家图书馆']);
    expect(libs('出席“感知中国”暨向尼日利亚国家图书馆捐赠“中国馆”仪式。')).toEqual(['尼日利亚国家图书馆']);
    expect(libs('张德江参观了拉脱维亚国家图书馆并出席了中方向图书馆赠书仪式。')).toEqual(['拉脱维亚国家图书馆']);
    expect(libs('美国国家图书馆的馆藏，俄国家图书馆的专家。')).toEqual(['美国国家图书馆', '俄罗斯国家图书馆']);
    expect(libs('国家图书馆与秘鲁国家图书馆签署合作协议，我国国家图书馆馆长出席。')).toEqual(['中国国家图书馆', '秘鲁国家图书馆']);
  });

  it('merges the forms of one library into the fullest form in the text', () => {
    expect(libs('南京市雨花台区图书馆开馆。雨花台区图书馆位于雨花台区。雨花台区图书馆好评如潮。')).toEqual(['南京市雨花台区图书馆']);
    expect(libs('襄阳图书馆与襄阳市图书馆是同一家。')).toEqual(['襄阳市图书馆']);
    expect(libs('国家图书馆（中国国家图书馆）')).toEqual(['中国国家图书馆']);
  });

  it('gives one library one name in every article: the official name of its place, or the name listed in dict/library-names.txt (xwlb)', () => {
    expect(libs('近段时间，每逢周六，沈阳图书馆的多功能厅里上演评书。')).toEqual(['沈阳市图书馆']);
    expect(libs('每周六，沈阳市图书馆免费举办的“周六剧场”。')).toEqual(['沈阳市图书馆']);
    expect(libs('五月端午，山东图书馆大明湖分馆的“射五毒 祈平安”活动。')).toEqual(['山东省图书馆']);
    expect(libs('山东济南图书馆开发“荐书小程序”。')).toEqual(['济南市图书馆']);
    expect(libs('山东济南市图书馆联动全市近60家泉城书房。')).toEqual(['济南市图书馆']);
    expect(libs('湖南长沙岳麓图书馆这几天读者接待量持续攀升。')).toEqual(['长沙市岳麓区图书馆']);
    expect(libs('这是在湖北黄石黄石港区图书馆举办的一场党史宣讲活动。')).toEqual(['黄石市黄石港区图书馆']);
    expect(libs('在天津，滨海新区图书馆每天十点开馆。')).toEqual(['天津市滨海新区图书馆']);
    expect(libs('天津市滨海新区图书馆开辟了专门的新春读物专区。')).toEqual(['天津市滨海新区图书馆']);
    expect(libs('北京首都图书馆与首都图书馆是同一家。')).toEqual(['首都图书馆']);
    // Official names that are not the division's name plus 图书馆.
    expect(libs('浙江省图书馆、上海市图书馆、宁波图书馆。')).toEqual(['浙江图书馆', '上海图书馆', '宁波图书馆']);
    // A county short form standing alone keeps its form (和顺图书馆 is the library of 和顺 town, Yunnan).
    expect(libs('和顺图书馆是一个乡村图书馆，建馆已有90多年。')).toEqual(['和顺图书馆']);
  });

  it('uses header lines only to complete names found in the text', () => {
    expect(libs('雨花臺區圖書館與金陵圖書館加強交流。', '來自: 南京市雨花臺區圖書館 | 杭州图书馆')).toEqual(['南京市雨花台区图书馆', '金陵图书馆']);
  });
});

import { describe, expect, it } from 'vitest';
import { findLibraries } from '../../src/ingest/libraries.js';

const libs = (text: string, extra?: string) => findLibraries(text, { simplified: false, extra });

describe('findLibraries', () => {
  it('anchors names on places, known names and schools', () => {
    expect(libs('浙江图书馆、宁波图书馆和济南市图书馆的馆长，以及咸宁市少儿图书馆的馆员。')).toEqual(['浙江图书馆', '宁波图书馆', '济南市图书馆', '咸宁市少儿图书馆']);
    expect(libs('此次国家图书馆主要调研对象是随县图书馆。')).toEqual(['国家图书馆', '随县图书馆']);
    expect(libs('首都图书馆与武汉大学图书馆签约。')).toEqual(['首都图书馆', '武汉大学图书馆']);
  });

  it('rejects generic and junk names', () => {
    expect(libs('昌都市图书馆荣获国家二级图书馆称号。')).toEqual(['昌都市图书馆']);
    expect(libs('国家图书馆到随州调研国图书馆员工作。')).toEqual(['国家图书馆']);
    expect(libs('随州市各公共图书馆将优化流程，湖北省图书馆学会与中国图书馆学会、图书馆界同仁。')).toEqual([]);
    expect(libs('美国国家图书馆的馆藏。')).toEqual([]);
  });

  it('merges the forms of one library into the fullest form in the text', () => {
    expect(libs('南京市雨花台区图书馆开馆。雨花台区图书馆位于雨花台区。雨花台区图书馆好评如潮。')).toEqual(['南京市雨花台区图书馆']);
    expect(libs('襄阳图书馆与襄阳市图书馆是同一家。')).toEqual(['襄阳市图书馆']);
    expect(libs('国家图书馆（中国国家图书馆）')).toEqual(['中国国家图书馆']);
  });

  it('uses header lines only to complete names found in the text', () => {
    expect(libs('雨花臺區圖書館與金陵圖書館加強交流。', '來自: 南京市雨花臺區圖書館 | 杭州图书馆')).toEqual(['南京市雨花台区图书馆', '金陵图书馆']);
  });
});

import { describe, expect, it } from 'vitest';
import { Analyzer, queryChars } from '../../src/analysis/analyzer.js';

const analyzer = new Analyzer();

describe('Analyzer', () => {
  it('indexes at search granularity: long words also yield their sub-words', () => {
    const { words } = analyzer.analyzeField('中国图书馆学会召开年会');
    expect(words).toEqual(expect.arrayContaining(['中国图书馆学会', '图书馆', '学会', '中国']));
  });

  it('queries at precise granularity and loads the project user dictionary', () => {
    expect(analyzer.queryTerms('金陵图书馆与雨花台区图书馆共建共享')).toEqual(['金陵图书馆', '与', '雨花台区图书馆', '共建共享']);
    expect(analyzer.queryTerms('推行总分馆制')).toContain('总分馆制');
  });

  it('turns Latin words, numbers, dates and codes into sensible tokens and drops punctuation', () => {
    const { words } = analyzer.analyzeField('2023-06-21发布GB/T 2260标准，5G网络覆盖！COVID-19');
    expect(words).toEqual(expect.arrayContaining(['2023-06-21', '2023', '06', '21', 'gb/t', 'gb', 't', '2260', '5g', 'covid-19', 'covid', '19', '发布', '标准', '网络']));
    expect(words.some((w) => /[，！,.!\s]/.test(w) && !/[-/]/.test(w))).toBe(false);
    expect(analyzer.queryTerms('GB/T 2260，5G！')).toEqual(['gb/t', '2260', '5g']);
  });

  it('analyzes Traditional text as Simplified', () => {
    expect(analyzer.queryTerms('金陵圖書館')).toEqual(['金陵图书馆']);
  });

  it('keeps only letters and digits in the character stream', () => {
    expect(analyzer.analyzeField('图书，馆 A-1。').chars).toEqual([...'图书馆a1'].map((c) => c.codePointAt(0)));
    expect(queryChars('「圖書館」 ')).toEqual(['图', '书', '馆']);
    expect(analyzer.queryTerms('，。！？')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../src/search/query-parser.js';

describe('parseQuery', () => {
  it('reads words, phrases, exclusions, OR, fields and groups', () => {
    expect(parseQuery('图书馆 "共建 共享" -广告 title:南京')).toEqual({
      type: 'group',
      children: [
        { type: 'text', text: '图书馆', field: null },
        { type: 'phrase', text: '共建 共享', field: null },
        { type: 'not', child: { type: 'text', text: '广告', field: null } },
        { type: 'text', text: '南京', field: 'title' },
      ],
    });
    expect(parseQuery('金陵 OR 南京 图书馆')).toEqual({
      type: 'or',
      children: [
        { type: 'text', text: '金陵', field: null },
        { type: 'group', children: [{ type: 'text', text: '南京', field: null }, { type: 'text', text: '图书馆', field: null }] },
      ],
    });
    expect(parseQuery('title:(金陵 OR "雨花台")')).toEqual({
      type: 'or',
      children: [
        { type: 'text', text: '金陵', field: 'title' },
        { type: 'phrase', text: '雨花台', field: 'title' },
      ],
    });
    expect(parseQuery('-"相关推荐"')).toEqual({ type: 'not', child: { type: 'phrase', text: '相关推荐', field: null } });
    expect(parseQuery('“全民阅读”')).toEqual({ type: 'phrase', text: '全民阅读', field: null });
  });

  it('reads the full-width forms of the operators as operators (ＯＲ, ｜, ＂…＂, －, （）, ：)', () => {
    const either = { type: 'or', children: [{ type: 'text', text: '金陵', field: null }, { type: 'text', text: '南京', field: null }] };
    for (const q of ['金陵 ＯＲ 南京', '金陵　ＯＲ　南京', '金陵 ＯR 南京', '金陵 ｜ 南京', '金陵 ｜｜ 南京']) expect(parseQuery(q), q).toEqual(either);
    expect(parseQuery('＂共建 共享＂')).toEqual({ type: 'phrase', text: '共建 共享', field: null });
    expect(parseQuery('title：（金陵 ＯＲ 南京） －＂相关推荐＂')).toEqual({
      type: 'group',
      children: [
        { type: 'or', children: [{ type: 'text', text: '金陵', field: 'title' }, { type: 'text', text: '南京', field: 'title' }] },
        { type: 'not', child: { type: 'phrase', text: '相关推荐', field: null } },
      ],
    });
    // Only the upper-case OR is an operator, in either width.
    expect(parseQuery('金陵 ｏｒ 南京')).toEqual({
      type: 'group',
      children: [{ type: 'text', text: '金陵', field: null }, { type: 'text', text: 'ｏｒ', field: null }, { type: 'text', text: '南京', field: null }],
    });
    expect(parseQuery('ＯＲ')).toBeNull();
  });

  it('answers malformed queries sensibly and never throws', () => {
    expect(parseQuery('')).toBeNull();
    expect(parseQuery('   ')).toBeNull();
    expect(parseQuery('-')).toBeNull();
    expect(parseQuery('OR')).toBeNull();
    expect(parseQuery('"未闭合的引号')).toEqual({ type: 'phrase', text: '未闭合的引号', field: null });
    expect(parseQuery('((图书馆')).toEqual({ type: 'text', text: '图书馆', field: null });
    expect(parseQuery('图书馆))')).toEqual({ type: 'text', text: '图书馆', field: null });
    expect(parseQuery('http://example.com')).toEqual({ type: 'text', text: 'http://example.com', field: null });
    expect(parseQuery('图书馆 - 阅读')).toEqual({
      type: 'group',
      children: [{ type: 'text', text: '图书馆', field: null }, { type: 'text', text: '阅读', field: null }],
    });
    const deep = '('.repeat(1000) + '书' + ')'.repeat(1000);
    expect(() => parseQuery(deep)).not.toThrow();
    for (const s of ['"', '""', '-"', 'title:', 'title:""', ')(', '-(-(-', 'OR OR OR', '\u0000\ud800']) {
      expect(() => parseQuery(s)).not.toThrow();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { findDates, findPublicationDate, isValidDate, normalizeDate } from '../../src/ingest/date.js';

describe('dates', () => {
  it('parses the formats found on scraped pages', () => {
    const ds = findDates('2023-11-07 21:46:11 | 2022-6-8| 发布于2023年6月13日，活动定于6月17日至19日，二〇二三年六月十三日');
    expect(ds.map((d) => [d.year, d.month, d.day])).toEqual([
      [2023, 11, 7],
      [2022, 6, 8],
      [2023, 6, 13],
      [undefined, 6, 17],
      [2023, 6, 13],
    ]);
  });

  it('validates real calendar dates', () => {
    expect(isValidDate(2024, 2, 29)).toBe(true);
    expect(isValidDate(2023, 2, 29)).toBe(false);
    expect(findDates('2023-02-30 和 4月31日')).toEqual([]);
    expect(normalizeDate('2023-13-01')).toBeUndefined();
  });

  it('prefers the header timestamp over event dates in the text', () => {
    expect(findPublicationDate({ header: ['来源:闪电新闻', '2023-11-07 21:46:11'], body: '11月5日上午，两馆举行签约仪式。' })).toBe('2023-11-07');
  });

  it('takes the year of a month-day date from the page context, never inventing one', () => {
    const body = '6月13日，国家图书馆一行到随州调研。';
    expect(findPublicationDate({ body, neighbours: ['上一篇 2023-06-15 22:49', '下一篇 2023-06-15 23:02'] })).toBe('2023-06-13');
    expect(findPublicationDate({ body, title: '2023年国图文献共享借阅调研' })).toBe('2023-06-13');
    expect(findPublicationDate({ body })).toBeUndefined();
    // An event in late December on a page posted in January belongs to the year before.
    expect(findPublicationDate({ body: '12月29日，十堰市图书馆组织开展主题活动。', neighbours: ['上一篇 2025-01-02 10:00'] })).toBe('2024-12-29');
  });

  it('skips dates announced as future and dates far into the text', () => {
    expect(findPublicationDate({ body: '劳尔将于7月4日至7日对中国进行国事访问。', neighbours: ['上一篇 2012-07-02'] })).toBeUndefined();
    const late = `${'图书馆开展阅读推广活动，读者踊跃参加。'.repeat(30)}2021年5月1日`;
    expect(findPublicationDate({ body: late })).toBeUndefined();
  });

  it('falls back to the day the neighbours were posted when both are on one day', () => {
    expect(findPublicationDate({ body: '会议期间，与会代表参观了图书馆。', neighbours: ['上一篇 2023-06-21 09:54', '下一篇 2023-06-21 10:22'] })).toBe('2023-06-21');
    expect(findPublicationDate({ body: '会议期间，与会代表参观了图书馆。', neighbours: ['上一篇 2023-06-20 09:54', '下一篇 2023-06-21 10:22'] })).toBeUndefined();
  });

  it('reads HTML meta dates first, in China time', () => {
    expect(findPublicationDate({ meta: ['2024-03-11T20:30:00Z'], header: ['2024-01-01'] })).toBe('2024-03-12');
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HAS_SHARED, SHARED } from '../helpers.js';
import { fromRecord } from '../../src/ingest/article.js';

/** The first lines of the real 新闻联播 corpus. */
function xwlb(n: number): Array<Record<string, unknown>> {
  const text = gunzipSync(readFileSync(path.join(SHARED!, 'corpora/xwlb.jsonl.gz'))).toString('utf8');
  const out: Array<Record<string, unknown>> = [];
  for (let start = 0; out.length < n; ) {
    const end = text.indexOf('\n', start);
    out.push(JSON.parse(text.slice(start, end)));
    start = end + 1;
  }
  return out;
}

describe.skipIf(!HAS_SHARED)('fromRecord', () => {
  const [first, second] = HAS_SHARED ? xwlb(2) : [{}, {}];

  it('maps the fields of a 新闻联播 record and keeps the others in extra', () => {
    const r = fromRecord(first);
    if (!r.ok) throw new Error(r.message);
    const { doc } = r;
    expect(doc.id).toBe('VIDE1355098166246193');
    expect(doc.title).toBe('胡锦涛《在庆祝香港回归祖国15周年大会暨香港特别行政区第四届政府就职典礼上的讲话》单行本出版');
    expect(doc.date).toBe('2012-07-02');
    expect(doc.source).toBe('CNTV');
    expect(doc.url).toBe('https://tv.cctv.com/2012/07/02/VIDE1355098166246193.shtml');
    expect(doc.tags).toEqual(['胡锦涛', '庆祝香港回归', '15周年', '香港特别行政区', '政府就职典礼', '讲话', '单行本']);
    expect(doc.extra).toEqual({ pubtime: '2012-07-02 19:06:13', seq: 1, brief: '', program: '新闻联播' });
  });

  it('cleans the content lightly: dateline and credit line out, text kept', () => {
    const r = fromRecord(first);
    if (!r.ok) throw new Error(r.message);
    expect(r.doc.content.startsWith('中共中央总书记、国家主席、中央军委主席胡锦涛')).toBe(true);
    expect(r.doc.content.endsWith('即日起在全国新华书店发行。')).toBe(true);
    expect(r.doc.content).not.toContain('视频编辑');
    expect(r.doc.content).not.toContain('中国网络电视台消息');
    expect(r.removed).toEqual(['中国网络电视台消息(新闻联播)：', '(视频编辑：张贝龙 文字编辑：温凤浩)']);
  });

  it('still finds regions in records', () => {
    const r = fromRecord(first);
    expect(r.ok && r.doc.regions).toEqual([{ code: '810000', province: '香港特别行政区' }]);
    const r2 = fromRecord(second);
    // 古巴 (Cuba) and 中国 are not divisions.
    expect(r2.ok && r2.doc.regions).toEqual([]);
  });

  it('applies a field mapping and normalizes compact dates', () => {
    const record = {
      docid: 'case-42',
      headline: '襄阳市图书馆新馆开放',
      facts: '2012年7月2日，襄阳市图书馆新馆正式对外开放，首日接待读者五千余人次，少儿阅览区和数字阅读体验区最受欢迎。',
      date: 20120702,
      court: '襄阳市中级人民法院',
    };
    const r = fromRecord(record, { id: 'docid', content: 'facts', title: 'headline' });
    if (!r.ok) throw new Error(r.message);
    expect(r.doc).toMatchObject({ id: 'case-42', title: '襄阳市图书馆新馆开放', date: '2012-07-02' });
    expect(r.doc.regions?.[0].code).toBe('420600');
    expect(r.doc.libraries).toEqual(['襄阳市图书馆']);
    expect(r.doc.extra).toEqual({ court: '襄阳市中级人民法院' });
    const undated = { ...record, facts: record.facts.replace('2012年7月2日，', '') };
    for (const [date, want] of [['20120702', '2012-07-02'], ['2012/7/2', '2012-07-02'], ['2012-07-02 19:06:13', '2012-07-02'], ['2012年7月2日', '2012-07-02'], [1341226800000, '2012-07-02'], ['2012-02-30', undefined], ['not a date', undefined]] as const) {
      const x = fromRecord({ ...undated, date }, { id: 'docid', content: 'facts', title: 'headline' });
      expect(x.ok && x.doc.date).toBe(want);
    }
    // Without a usable date field, a full date in the lead of the content is the date.
    const lead = fromRecord({ ...record, date: 'unknown' }, { id: 'docid', content: 'facts', title: 'headline' });
    expect(lead.ok && lead.doc.date).toBe('2012-07-02');
  });

  it('takes body and text as content when there is no content field; tags may be a string', () => {
    const r = fromRecord({ id: 7, body: '新疆图书馆举办古籍保护成果展，展出各类古籍文献二百余件，吸引众多市民参观。', tags: '古籍, 展览' });
    expect(r.ok && r.doc).toMatchObject({ id: '7', tags: ['古籍', '展览'] });
    expect(r.ok && r.doc.regions?.[0].code).toBe('650000');
  });
});

import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBytes } from '../../src/ingest/decode.js';
import { extractArticle } from '../../src/ingest/article.js';

const ARTICLE = [
  '襄阳市图书馆举办少儿阅读活动',
  '2023年5月20日 来源:襄阳日报',
  '5月20日,襄阳市图书馆在少儿阅览室举办绘本阅读活动,吸引了四十多组家庭参加。活动中,馆员为孩子们讲述了传统节日故事。',
].join('\n');

describe('decodeBytes', () => {
  it('decodes UTF-8, with and without BOM', () => {
    const plain = decodeBytes(Buffer.from(ARTICLE, 'utf8'));
    expect(plain).toMatchObject({ ok: true, encoding: 'utf-8', text: ARTICLE });
    const bom = decodeBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ARTICLE, 'utf8')]));
    expect(bom).toMatchObject({ ok: true, encoding: 'utf-8', text: ARTICLE });
  });

  it('detects GB18030 (invalid UTF-8 that decodes cleanly as GB18030)', () => {
    const bytes = iconv.encode(ARTICLE, 'gb18030');
    const r = decodeBytes(bytes);
    expect(r).toMatchObject({ ok: true, encoding: 'gb18030', text: ARTICLE });
    // And the decoded page goes through extraction like any other.
    if (!r.ok) throw new Error('not decoded');
    const a = extractArticle({ text: r.text, id: 'gb', kind: 'txt' });
    expect(a.ok && a.doc.title).toBe('襄阳市图书馆举办少儿阅读活动');
    expect(a.ok && a.doc.date).toBe('2023-05-20');
    expect(a.ok && a.doc.regions?.[0].code).toBe('420600');
  });

  it('decodes GBK-encoded Traditional text too', () => {
    const text = '金陵圖書館與雨花臺區圖書館加強交流合作';
    expect(decodeBytes(iconv.encode(text, 'gbk'))).toMatchObject({ ok: true, encoding: 'gb18030', text });
  });

  it('decodes UTF-16 with a BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ARTICLE, 'utf16le')]);
    expect(decodeBytes(bytes)).toMatchObject({ ok: true, encoding: 'utf-16le', text: ARTICLE });
  });

  it('repairs a UTF-8 page whose last character was cut', () => {
    const bytes = Buffer.from(ARTICLE, 'utf8');
    const r = decodeBytes(bytes.subarray(0, bytes.length - 1));
    expect(r).toMatchObject({ ok: true, encoding: 'utf-8', repaired: 1 });
  });

  it('rejects empty, binary and undecodable input', () => {
    expect(decodeBytes(Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'empty' });
    expect(decodeBytes(Buffer.from('  \n\t  '))).toMatchObject({ ok: false, reason: 'empty' });
    expect(decodeBytes(Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x34]))).toMatchObject({ ok: false, reason: 'binary' });
    expect(decodeBytes(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toMatchObject({ ok: false, reason: 'binary' });
    const withNul = Buffer.from('图书馆\u0000\u0000\u0000数据', 'utf8');
    expect(decodeBytes(withNul)).toMatchObject({ ok: false, reason: 'binary' });
    const controls = Buffer.from(Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 0x01 : 0x41)));
    expect(decodeBytes(controls)).toMatchObject({ ok: false, reason: 'binary' });
    // 0x80 and 0xFF are invalid lead bytes in both UTF-8 and GB18030.
    const garbage = Buffer.from(Array.from({ length: 120 }, (_, i) => (i % 2 ? 0xff : 0x80)));
    expect(decodeBytes(garbage)).toMatchObject({ ok: false, reason: 'undecodable' });
  });
});

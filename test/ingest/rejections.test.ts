import { describe, expect, it } from 'vitest';
import { checkDuplicate, extractArticle, fromRecord } from '../../src/ingest/article.js';
import { DuplicateDetector } from '../../src/ingest/dedupe.js';
import { decodeBytes } from '../../src/ingest/decode.js';
import { MIN_BODY_CHARS, reject } from '../../src/ingest/types.js';

const BODY = '6月1日，佛山市图书馆举办“童心向党”少儿阅读节开幕式，三百多名少年儿童和家长参加，现场还开展了绘本共读、手工制作等活动。';

describe('rejection reasons', () => {
  it('empty: no text at all', () => {
    expect(extractArticle({ text: '', id: 'e1', kind: 'txt' })).toMatchObject({ ok: false, reason: 'empty' });
    expect(extractArticle({ text: ' \n\u3000\n ', id: 'e2', kind: 'txt' })).toMatchObject({ ok: false, reason: 'empty' });
    expect(extractArticle({ text: '<html><body><script>x()</script></body></html>', id: 'e3', kind: 'html' })).toMatchObject({ ok: false, reason: 'empty' });
    expect(fromRecord({ id: 'r1', title: '', content: '  ' })).toMatchObject({ ok: false, reason: 'empty' });
    // A clean record with a title but no body (a video item) is kept, searchable by its title.
    expect(fromRecord({ id: 'r1b', title: '新闻联播完整版视频 20120702', content: '' })).toMatchObject({ ok: true, doc: { id: 'r1b', content: '' } });
  });

  it('binary and undecodable: bytes and text', () => {
    expect(decodeBytes(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]))).toMatchObject({ ok: false, reason: 'binary' });
    expect(extractArticle({ text: `abc\u0000def${BODY}`, id: 'b1', kind: 'txt' })).toMatchObject({ ok: false, reason: 'binary' });
    expect(extractArticle({ text: '\ufffd\ufffd\ufffd图书馆\ufffd\ufffd\ufffd\ufffd', id: 'u1', kind: 'txt' })).toMatchObject({ ok: false, reason: 'undecodable' });
    expect(decodeBytes(Buffer.from(Array.from({ length: 64 }, () => 0xff)))).toMatchObject({ ok: false, reason: 'undecodable' });
  });

  it('a few U+FFFD characters: kept with a warning; undecodable only when more than 30% of the text', () => {
    const few = extractArticle({ text: `佛山图书馆阅读节开幕\n${BODY.replace('绘本', '绘\ufffd').replace('三百', '\ufffd\ufffd')}`, id: 'f1', kind: 'txt' });
    expect(few).toMatchObject({ ok: true, warnings: ['3 undecodable character(s) (U+FFFD) kept in the text'] });
    expect(fromRecord({ id: 'f2', content: `${BODY}\ufffd` })).toMatchObject({ ok: true, warnings: ['1 undecodable character(s) (U+FFFD) kept in the text'] });
    expect(extractArticle({ text: BODY, id: 'f3', kind: 'txt' })).not.toHaveProperty('warnings');
    // 30 of 100 characters is not yet "mostly"; 31 is.
    const text = (bad: number) => `${'图'.repeat(100 - bad)}${'\ufffd'.repeat(bad)}`;
    expect(fromRecord({ id: 'f4', content: text(30) }).ok).toBe(true);
    expect(fromRecord({ id: 'f5', content: text(31) })).toMatchObject({ ok: false, reason: 'undecodable' });
    // Bytes: 5% invalid UTF-8 sequences (over the old 0.1%) are dropped and counted, the page kept.
    const bytes = Buffer.concat(Array.from({ length: 20 }, (_, i) => Buffer.concat([Buffer.from(BODY.slice(0, 19)), ...(i % 2 ? [] : [Buffer.from([0xff])])])));
    expect(decodeBytes(bytes)).toMatchObject({ ok: true, encoding: 'utf-8', repaired: 10 });
  });

  it(`too_short: a cleaned body under ${MIN_BODY_CHARS} searchable characters`, () => {
    // A page that is only navigation and footer.
    const nav = ['首页', '搜索', '佛山市图书馆', '版权所有 佛山市图书馆 粤ICP备000号'].join('\n');
    expect(extractArticle({ text: nav, id: 's1', kind: 'txt' })).toMatchObject({ ok: false, reason: 'too_short' });
    // Records are articles as they are: a short record is indexed, not rejected.
    expect(fromRecord({ id: 'r2', content: '图书馆开放通知。' })).toMatchObject({ ok: true });
    // Just long enough passes.
    expect(extractArticle({ text: BODY, id: 's2', kind: 'txt' }).ok).toBe(true);
  });

  it('duplicate: names the earlier document', () => {
    const det = new DuplicateDetector();
    const a = extractArticle({ text: `佛山图书馆阅读节开幕\n${BODY}`, id: 'd1', kind: 'txt' });
    const b = extractArticle({ text: `佛山图书馆阅读节开幕\n${BODY}\n相关推荐\n其他新闻`, id: 'd2', kind: 'txt' });
    if (!a.ok || !b.ok) throw new Error('not extracted');
    expect(checkDuplicate(det, a.doc)).toBeUndefined();
    expect(checkDuplicate(det, b.doc)).toMatchObject({ ok: false, reason: 'duplicate', duplicateOf: 'd1', similarity: 1 });
  });

  it('bad_record / bad_json: a record without an id; an unparsable line (reported by the reader)', () => {
    expect(fromRecord({ title: 'x', content: BODY })).toMatchObject({ ok: false, reason: 'bad_record' });
    expect(fromRecord({ content: BODY }, {}, { fallbackId: 'line-7' })).toMatchObject({ ok: true, doc: { id: 'line-7' } });
    expect(reject('bad_json', 'Unexpected token', { line: 7 })).toEqual({ ok: false, reason: 'bad_json', message: 'Unexpected token', line: 7 });
  });
});

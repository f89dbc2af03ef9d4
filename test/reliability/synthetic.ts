/**
 * Synthetic Chinese documents for the reliability tests: deterministic, independent of the shared
 * corpora, with enough common characters and words that queries match many documents.
 */
import type { DocumentInput } from '../../src/index.js';
import { random } from '../helpers.js';

const WORDS = [
  '图书馆', '阅读', '推广', '读者', '活动', '文化', '服务', '城市', '书香', '数字', '资源', '古籍', '修复', '讲座', '儿童',
  '志愿者', '开放', '时间', '馆长', '介绍', '社区', '分馆', '建设', '共享', '公共', '发展', '经济', '国家', '中国', '人民',
  '教育', '科技', '农村', '国际', '合作', '会议', '举办', '展览', '历史', '博物馆', '学校', '学生', '老师', '家庭', '春节',
];
const PUNCT = ['，', '，', '。', '、', '；', '！'];

/** A sentence of `n` words from the vocabulary, ending with 。 */
export function sentence(rnd: () => number, n = 8): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    s += WORDS[Math.floor(rnd() * WORDS.length)];
    if (i < n - 1 && rnd() < 0.25) s += PUNCT[Math.floor(rnd() * 2)];
  }
  return s + '。';
}

/** `count` documents `${prefix}-0000`...; `version` changes every text (same ids, other content). */
export function syntheticDocs(count: number, seed = 1, prefix = 'syn', version = 'a'): DocumentInput[] {
  const rnd = random(seed);
  const docs: DocumentInput[] = [];
  for (let i = 0; i < count; i++) {
    const paragraphs = 2 + Math.floor(rnd() * 4);
    let content = '';
    for (let p = 0; p < paragraphs; p++) content += Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => sentence(rnd)).join('') + '\n';
    const year = 2015 + Math.floor(rnd() * 9);
    docs.push({
      id: `${prefix}-${String(i).padStart(4, '0')}`,
      title: `${sentence(rnd, 4).slice(0, -1)}（${version}版）`,
      content: `${content}版本${version}。`,
      date: `${year}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`,
      source: ['读书周刊', '文化日报', '图林快讯'][i % 3],
      tags: [WORDS[i % WORDS.length]],
    });
  }
  return docs;
}

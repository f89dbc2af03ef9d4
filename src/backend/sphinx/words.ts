/**
 * The cluster's words (`<dir>/vocabulary.tsv`, written by each load from the shards'
 * dictionaries): each jieba word of two or more Han characters and the most documents it has in
 * one field. Read by the searcher for query understanding (pinyin, typo correction: the
 * {@link Vocabulary}) and for suggestions (words starting with what the user typed).
 *
 * Owns: reading and looking up the word list. Must not: write it (load.ts does) or search.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Vocabulary } from '../../search/vocabulary.js';

/** The file of the cluster's words and their document counts. */
export const VOCABULARY_FILE = 'vocabulary.tsv';

export class ClusterWords {
  private constructor(
    /** The words, sorted (code unit order). */
    private readonly words: string[],
    private readonly df: Map<string, number>,
    readonly vocabulary: Vocabulary,
  ) {}

  /** The word list of the cluster in `dir` (empty before the first load). */
  static read(dir: string): ClusterWords {
    const df = new Map<string, number>();
    const file = join(dir, VOCABULARY_FILE);
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const tab = line.indexOf('\t');
        if (tab > 0) df.set(line.slice(0, tab), Number(line.slice(tab + 1)));
      }
    }
    return new ClusterWords([...df.keys()].sort(), df, Vocabulary.fromCounts(df));
  }

  /** Words starting with `prefix` (not `prefix` itself), most documents first, then shorter, then by code units; at most `limit`. */
  startingWith(prefix: string, limit: number, scan = 5000): Array<{ text: string; count: number }> {
    let lo = 0;
    let hi = this.words.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.words[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    const found: Array<{ text: string; count: number }> = [];
    for (let i = lo; i < this.words.length && i < lo + scan && this.words[i].startsWith(prefix); i++) {
      if (this.words[i] !== prefix) found.push({ text: this.words[i], count: this.df.get(this.words[i]) ?? 0 });
    }
    return found.sort((a, b) => b.count - a.count || a.text.length - b.text.length || (a.text < b.text ? -1 : 1)).slice(0, limit);
  }
}

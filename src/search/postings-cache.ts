/**
 * The postings one search decodes, each distinct list once: a term that several leaves, phrases
 * or relaxation rounds of the same request use (the 1,999 bigrams 图书 of a long phrase) is decoded
 * a single time, and every decoded byte is charged to the request's {@link Budget}.
 *
 * Owns: decoding on behalf of one request and what it costs. Must not: outlive the request (it
 * holds the decoded lists) or choose which terms to read.
 */
import { BlockPostings, type TermCursor, type TermTable } from '../index/postings.js';
import type { Budget } from './budget.js';

/** Bytes a decoded list costs: a document number and a frequency per document. */
const BYTES_PER_POSTING = 8;

export class PostingsCache {
  private readonly lists = new Map<TermTable, Map<number, BlockPostings>>();
  private readonly charge = (df: number) => {
    this.budget.check();
    this.budget.charge(df * BYTES_PER_POSTING);
  };

  constructor(readonly budget: Budget) {}

  /**
   * The documents and frequencies of term `ord` of `table`, decoded when first read (whole, or
   * block by block through a cursor: see BlockPostings).
   */
  postings(table: TermTable, ord: number): BlockPostings {
    let byOrd = this.lists.get(table);
    if (!byOrd) this.lists.set(table, (byOrd = new Map()));
    let list = byOrd.get(ord);
    if (!list) {
      this.budget.check();
      list = new BlockPostings(table, ord, table.df[ord], this.charge);
      byOrd.set(ord, list);
    }
    return list;
  }

  /** A fresh cursor over the documents and positions of term `ord` (a table with positions), decoding block by block. */
  positionCursor(table: TermTable, ord: number): TermCursor {
    this.budget.check();
    return table.cursor(ord, true);
  }
}

/**
 * zhsearch's BM25 on the cluster: a candidate's score and tier from its per-keyword frequencies
 * (Sphinx's PACKEDFACTORS), its field lengths (attributes) and the collection's statistics, with
 * the embedded engine's formula (search/bm25.ts), field boosts, word and substring weights; and
 * the field weights of Sphinx's own BM25F, which only orders the candidates.
 *
 * Owns: scoring candidates. Must not: send statements or read stored documents.
 */
import { DEFAULT_RANKING, FIELDS, type FieldName, type RankingOptions } from '../../index/schema.js';
import { bm25Norm, idf, termWeight } from '../../search/bm25.js';
import { positiveLeaves, type Leaf, type Plan, type PlanNode } from '../../search/plan.js';
import { keyword } from './rows.js';

/** Per field, documents with the field and its average length in words (live documents). */
export interface CollectionStats {
  documents: number;
  fields: Record<FieldName, { docsWithField: number; avgLength: number }>;
  at: number;
}

/** Factors of a candidate: term frequency per keyword index (qpos - 1). */
export function parseFactors(text: string): Map<number, number> {
  const tf = new Map<number, number>();
  for (const m of text.matchAll(/word(\d+)=\(tf=(\d+)/g)) tf.set(Number(m[1]), Number(m[2]));
  return tf;
}

/** Sphinx's field weights of its BM25F (candidate order only): words as their field's boost x 10, grams and characters 1 (Sphinx's least). */
export function rankerWeights(): string {
  const w: string[] = [];
  for (const f of FIELDS) {
    const boost = Math.round(DEFAULT_RANKING.boosts[f] * 10);
    w.push(`${f}_w=${boost}`, `${f}_g=1`, `${f}_u=1`);
  }
  return w.join(', ');
}

/** The IDF of a word with `df` documents among `n` (0 when absent). */
export function wordIdf(df: number, n: number): number {
  return df === 0 ? 0 : idf(n, df);
}

/** zhsearch's BM25 (and tier) of a candidate from its keyword frequencies and field lengths. */
export class CandidateScorer {
  private readonly leaves: Leaf[];
  private readonly clauses: PlanNode[];
  /** Clauses that count for tiers (op=auto: not common, unless all are). */
  private readonly counted: Set<PlanNode>;
  /** The leaves of each counted clause (a candidate's tier: the clauses one of whose leaves it has). */
  private readonly countedLeaves: Leaf[][];

  constructor(
    plan: Plan,
    private readonly ranking: RankingOptions,
    private readonly stats: CollectionStats,
    private readonly docs: Map<string, number>,
    private readonly substringDocs: Map<string, number>,
    private readonly index: Map<string, number>,
    op: 'and' | 'or' | 'auto',
  ) {
    this.leaves = [...new Set(positiveLeaves(plan.root))];
    this.clauses = op === 'auto' && plan.root?.type === 'group' && plan.root.positive.length > 1 ? plan.root.positive : [];
    const common = Math.max(50, ranking.commonCutoff * Math.max(...FIELDS.map((f) => stats.fields[f].docsWithField)));
    const rare = this.clauses.filter((c) => positiveLeaves(c).every((l) => this.leafDocs(l) <= common));
    this.counted = new Set(rare.length ? rare : this.clauses);
    this.countedLeaves = [...this.counted].map((c) => positiveLeaves(c));
  }

  /** The most documents a leaf's substring has in one field (how common it is). */
  private leafDocs(l: Leaf): number {
    let most = 0;
    for (const f of l.fields) most = Math.max(most, this.substringDf(l, f));
    return most;
  }

  /** Per leaf and field, the keywords of its substring (its unigram, or its bigrams), built once per search. */
  private readonly keywordsOf = new Map<string, string[]>();

  private substringKeywords(l: Leaf, f: FieldName): string[] {
    const key = `${l.id}\u0000${f}`;
    let out = this.keywordsOf.get(key);
    if (!out) {
      if (l.chars.length === 1) out = [keyword(f, 'u', l.chars[0])];
      else {
        out = [];
        for (let i = 0; i + 1 < l.chars.length; i++) out.push(keyword(f, 'g', l.chars[i] + l.chars[i + 1]));
      }
      this.keywordsOf.set(key, out);
    }
    return out;
  }

  private substringDf(l: Leaf, f: FieldName): number {
    if (l.chars.length >= 3) return this.substringDocs.get(`${l.id}\u0000${f}`) ?? 0;
    return this.docs.get(this.substringKeywords(l, f)[0]) ?? 0;
  }

  private tfOf(tf: Map<number, number>, k: string): number {
    const i = this.index.get(k);
    return i === undefined ? 0 : (tf.get(i) ?? 0);
  }

  score(tf: Map<number, number>, lengths: Record<FieldName, number>): { score: number; tier: number } {
    const { k1, b, boosts } = this.ranking;
    let score = 0;
    const matched = new Set<Leaf>();
    for (const l of this.leaves) {
      for (const f of l.fields) {
        const subTf = Math.min(...this.substringKeywords(l, f).map((k) => this.tfOf(tf, k)));
        if (!(subTf > 0)) continue;
        matched.add(l);
        const st = this.stats.fields[f];
        const norm = bm25Norm(lengths[f], st.avgLength, k1, b);
        const weight = (idfValue: number) => (l.boost ?? 1) * termWeight(boosts[f], idfValue, k1);
        if (l.kind === 'word') {
          const wk = keyword(f, 'w', l.words[0]);
          const wordTf = this.tfOf(tf, wk);
          if (wordTf > 0) score += (weight(idf(st.docsWithField, this.docs.get(wk) ?? 0)) * wordTf) / (wordTf + norm);
          else score += ((l.substringWeight ?? this.ranking.substringWeight) * weight(idf(st.docsWithField, this.substringDf(l, f))) * subTf) / (subTf + norm);
        } else {
          let phraseIdf = 0;
          for (const w of l.words) {
            const df = this.docs.get(keyword(f, 'w', w)) ?? 0;
            phraseIdf += idf(st.docsWithField, df > 0 ? df : this.substringDf(l, f));
          }
          if (!l.words.length) phraseIdf = idf(st.docsWithField, this.substringDf(l, f));
          score += ((l.substringWeight ?? 1) * weight(phraseIdf) * subTf) / (subTf + norm);
        }
      }
    }
    let tier = 0;
    for (const leaves of this.countedLeaves) if (leaves.some((l) => matched.has(l))) tier++;
    return { score, tier };
  }
}

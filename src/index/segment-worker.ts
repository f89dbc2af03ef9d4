/**
 * The indexing work done per thread: analyze documents and add them to a segment builder,
 * writing a segment whenever the in-memory budget is reached. Runs in a worker thread (see
 * worker-pool) or, for small jobs, in the calling thread.
 *
 * Owns: the analyze -> build loop. Must not: touch the manifest or other segments.
 */
import { Analyzer, CharBuffer } from '../analysis/analyzer.js';
import type { DocumentInput } from '../document.js';
import { fieldTexts, FIELDS } from './schema.js';
import type { SegmentMeta } from './segment.js';
import { SegmentBuilder, type AnalyzedFields } from './segment-builder.js';

export interface WorkerConfig {
  dir: string;
  /** Unique prefix of the segment names this worker writes. */
  namePrefix: string;
  userDicts: readonly string[];
  /** Bytes of occurrence logs held in memory before a segment is written. */
  memoryBudget: number;
}

/** A written segment and, for each of its documents, the sequence number the writer gave it. */
export interface BuiltSegment {
  meta: SegmentMeta;
  seqs: number[];
}

export class SegmentWorkerCore {
  private readonly analyzer: Analyzer;
  private builder: SegmentBuilder | null = null;
  private seqs: number[] = [];
  private count = 0;
  private readonly built: BuiltSegment[] = [];
  /** One character buffer per field, reused from document to document. */
  private readonly buffers = FIELDS.map(() => new CharBuffer());

  constructor(private readonly config: WorkerConfig) {
    this.analyzer = new Analyzer({ userDicts: config.userDicts });
  }

  add(docs: DocumentInput[], seqs: number[]): void {
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i];
      const texts = fieldTexts(doc);
      const tokens = {} as AnalyzedFields;
      FIELDS.forEach((f, k) => (tokens[f] = this.analyzer.analyzeFieldInto(texts[f], this.buffers[k])));
      this.builder ??= new SegmentBuilder(this.config.dir, `${this.config.namePrefix}-${this.count++}`);
      this.builder.add(doc, tokens);
      this.seqs.push(seqs[i]);
      if (this.builder.bytes >= this.config.memoryBudget) this.flush();
    }
  }

  private flush(): void {
    if (!this.builder) return;
    this.built.push({ meta: this.builder.finish(), seqs: this.seqs });
    this.builder = null;
    this.seqs = [];
  }

  /** Writes the last segment and returns every segment written. */
  finish(): BuiltSegment[] {
    this.flush();
    return this.built;
  }
}

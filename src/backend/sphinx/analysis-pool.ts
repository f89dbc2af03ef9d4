/**
 * The analysis of a cluster load on worker threads (jieba is the expensive part of a row): batches
 * of documents are sent to the threads in turn and their analyses come back in the order the
 * batches were sent, so rows are written in input order (an id given twice: the later wins).
 * With 0 threads, the calling thread analyses.
 *
 * Owns: the analysis threads and the order of their answers. Must not: build rows or write them.
 */
import type { Worker } from 'node:worker_threads';
import { Analyzer } from '../../analysis/analyzer.js';
import type { DocumentInput } from '../../document.js';
import { moduleWorker } from '../../index/worker-pool.js';
import { analyzeFields, type AnalyzedFields } from './rows.js';

type Answer = { ok: true; analyzed: AnalyzedFields[] } | { ok: false; message: string };

class AnalysisThread {
  private readonly worker: Worker;
  private readonly waiting: Array<{ resolve: (a: AnalyzedFields[]) => void; reject: (e: Error) => void }> = [];
  private failure: Error | null = null;

  constructor(userDicts: readonly string[]) {
    this.worker = moduleWorker(new URL('./analysis-thread.js', import.meta.url), { userDicts });
    this.worker.on('message', (a: Answer) => {
      const w = this.waiting.shift();
      if (a.ok) w?.resolve(a.analyzed);
      else this.fail(new Error(`analysis thread failed: ${a.message}`), w);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (this.waiting.length) this.fail(new Error(`analysis thread exited with code ${code}`));
    });
  }

  private fail(err: Error, first?: { reject: (e: Error) => void }): void {
    this.failure ??= err;
    first?.reject(err);
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  analyze(docs: DocumentInput[]): Promise<AnalyzedFields[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(docs);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export class AnalysisPool {
  private readonly threads: AnalysisThread[];
  private readonly local: Analyzer | null;
  private next = 0;

  constructor(threads: number, userDicts: readonly string[] = []) {
    this.threads = Array.from({ length: Math.max(0, threads) }, () => new AnalysisThread(userDicts));
    this.local = this.threads.length ? null : new Analyzer({ userDicts });
  }

  /** Batches the pool can work on at once (more keep the threads busy while the caller writes). */
  get capacity(): number {
    return Math.max(1, 2 * this.threads.length);
  }

  /** The analyses of `docs`, in their order. */
  analyze(docs: DocumentInput[]): Promise<AnalyzedFields[]> {
    if (this.local) {
      const local = this.local;
      return new Promise((resolve, reject) => {
        try {
          resolve(docs.map((d) => analyzeFields(d, local)));
        } catch (err) {
          reject(err as Error);
        }
      });
    }
    return this.threads[this.next++ % this.threads.length].analyze(docs);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}

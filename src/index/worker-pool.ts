/**
 * Spreads indexing over worker threads (segmentation is the expensive part), or runs it in the
 * calling thread when `threads` is 0.
 *
 * Owns: the worker threads, batching and back-pressure. Must not: touch the manifest.
 */
import { Worker } from 'node:worker_threads';
import type { DocumentInput } from '../document.js';
import { SegmentWorkerCore, type BuiltSegment, type WorkerConfig } from './segment-worker.js';

interface Lane {
  add(docs: DocumentInput[], seqs: number[]): Promise<void>;
  finish(): Promise<BuiltSegment[]>;
  terminate(): Promise<void>;
}

const MAX_IN_FLIGHT = 2;

/**
 * A worker thread running the module `url` (its compiled `.js`), with `workerData`. Under a
 * TypeScript runner (tests, where this file is `.ts`), the worker registers tsx and loads the
 * module's `.ts` source instead.
 */
export function moduleWorker(url: URL, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(url, { workerData });
  const source = url.href.replace(/\.js$/, '.ts');
  return new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(source)}); })`, { eval: true, workerData });
}

class ThreadLane implements Lane {
  private readonly worker: Worker;
  private readonly waiting: Array<{ resolve: (v: any) => void; reject: (e: Error) => void }> = [];
  private failure: Error | null = null;

  constructor(config: WorkerConfig) {
    this.worker = moduleWorker(new URL('./segment-thread.js', import.meta.url), config);
    this.worker.on('message', (msg: { type: string; message?: string; segments?: BuiltSegment[] }) => {
      if (msg.type === 'error') return this.fail(new Error(`indexing worker failed: ${msg.message}`));
      this.waiting.shift()?.resolve(msg.type === 'done' ? msg.segments : undefined);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (this.waiting.length) this.fail(new Error(`indexing worker exited with code ${code}`));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  private request<T>(msg: unknown): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(msg);
    });
  }

  inFlight(): number {
    return this.waiting.length;
  }

  add(docs: DocumentInput[], seqs: number[]): Promise<void> {
    return this.request({ type: 'add', docs, seqs });
  }

  finish(): Promise<BuiltSegment[]> {
    return this.request({ type: 'finish' });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

class InlineLane implements Lane {
  private readonly core: SegmentWorkerCore;
  constructor(config: WorkerConfig) {
    this.core = new SegmentWorkerCore(config);
  }
  async add(docs: DocumentInput[], seqs: number[]): Promise<void> {
    this.core.add(docs, seqs);
  }
  async finish(): Promise<BuiltSegment[]> {
    return this.core.finish();
  }
  async terminate(): Promise<void> {}
}

/** Analyzes and builds segments from batches of documents on `threads` workers. */
export class WorkerPool {
  private readonly lanes: Lane[];
  private readonly pending = new Set<Promise<void>>();
  private next = 0;

  constructor(threads: number, config: Omit<WorkerConfig, 'namePrefix'> & { namePrefix: string }) {
    const n = Math.max(1, threads);
    this.lanes = Array.from({ length: n }, (_, i) => {
      const c = { ...config, namePrefix: `${config.namePrefix}-${i}` };
      return threads > 0 ? new ThreadLane(c) : new InlineLane(c);
    });
  }

  /** Queues a batch; resolves once there is room for more (back-pressure). */
  async add(docs: DocumentInput[], seqs: number[]): Promise<void> {
    const lane = this.lanes[this.next++ % this.lanes.length];
    const p = lane.add(docs, seqs);
    this.pending.add(p);
    p.finally(() => this.pending.delete(p)).catch(() => {});
    while (this.pending.size >= this.lanes.length * MAX_IN_FLIGHT) await Promise.race(this.pending);
  }

  /** Waits for all batches and returns every segment written, lane by lane. */
  async finish(): Promise<BuiltSegment[]> {
    try {
      await Promise.all(this.pending);
      const all = await Promise.all(this.lanes.map((l) => l.finish()));
      return all.flat();
    } finally {
      await Promise.all(this.lanes.map((l) => l.terminate()));
    }
  }

  async abort(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.terminate()));
  }
}

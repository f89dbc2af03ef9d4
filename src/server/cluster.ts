/**
 * Serving on several cores: `zhsearch serve --workers N` runs one primary process and N worker processes
 * (node:cluster), each worker a whole server (its own index readers, hot reload and event loop)
 * on the same listening socket; the primary hands out connections round-robin. Searches run
 * synchronously on a worker's event loop, so more workers means more searches at once and a
 * shorter queue behind a slow one.
 *
 * Lifecycle: the primary forks the workers and reports the URL once all of them listen (a worker
 * that cannot listen makes the start fail). SIGTERM / SIGINT: the primary sends SIGTERM to every
 * worker, which shuts down gracefully (stop accepting, finish in-flight requests, close the index: server.ts) and
 * returns when all have exited. A worker that dies otherwise is replaced. A worker whose primary
 * is gone exits (node:cluster closes the IPC channel). The workers only read the index; writing
 * (`zhsearch index`, with its lock) stays another process.
 *
 * Owns: forking, supervising and stopping the workers. Must not: define routes or parse arguments.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { startServer, type RunningServer, type ServerOptions } from './server.js';

/** What a worker tells the primary. */
type WorkerMessage =
  | { type: 'listening'; url: string; documents: number; generation: number }
  | { type: 'failed'; code: string | undefined; name: string; message: string };

/** Pause before replacing a dead worker (a worker that keeps dying does not spin the primary). */
const RESTART_DELAY_MS = 500;

/** The number of workers `requested` (0 = one per core) stands for. */
export function workerCount(requested: number): number {
  return requested > 0 ? requested : availableParallelism();
}

export interface ServingCluster {
  url: string;
  documents: number;
  generation: number;
  /** Asks every worker to shut down gracefully; resolves when all have exited. */
  close(): Promise<void>;
}

/** An error of a worker's start, with the code it failed with (e.g. EADDRINUSE) and the name of its class (e.g. SynonymsError). */
export class WorkerStartError extends Error {
  constructor(readonly code: string | undefined, message: string, name = 'Error') {
    super(message);
    this.name = name;
  }
}

/**
 * In the primary: forks `workers` processes running this same command (they call
 * {@link runWorker}), and resolves once all listen.
 */
export function startCluster(workers: number, log: (line: string) => void): Promise<ServingCluster> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    let started = false;
    let ready: WorkerMessage & { type: 'listening' } = { type: 'listening', url: '', documents: 0, generation: 0 };
    const listening = new Set<Worker>();
    const live = new Set<Worker>();
    let allExited: () => void = () => {};

    const fork = () => {
      const worker = cluster.fork();
      live.add(worker);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'failed') {
          if (started) return log(`${new Date().toISOString()} worker ${worker.process.pid} failed to start: ${m.message}`);
          void stopAll().then(() => reject(new WorkerStartError(m.code, m.message, m.name)));
          return;
        }
        listening.add(worker);
        ready = m;
        if (!started && listening.size === workers) {
          started = true;
          resolve({ url: ready.url, documents: ready.documents, generation: ready.generation, close: stopAll });
        }
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        listening.delete(worker);
        if (stopping) {
          if (!live.size) allExited();
          return;
        }
        log(`${new Date().toISOString()} worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`);
        setTimeout(() => stopping || fork(), RESTART_DELAY_MS).unref();
      });
    };

    const stopAll = (): Promise<void> => {
      stopping = true;
      if (!live.size) return Promise.resolve();
      const done = new Promise<void>((r) => (allExited = r));
      // A listening worker shuts down gracefully on SIGTERM; one still starting just ends.
      for (const w of live) w.process.kill('SIGTERM');
      return done;
    };

    for (let i = 0; i < workers; i++) fork();
  });
}

/**
 * In a worker: runs one server, reports to the primary, and shuts down gracefully when the
 * primary sends SIGTERM (or on SIGINT, e.g. Ctrl-C in a terminal).
 */
export async function runWorker(options: ServerOptions): Promise<number> {
  let running: RunningServer;
  try {
    running = await startServer(options);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.send!({ type: 'failed', code: e.code, name: e.name, message: e.message } satisfies WorkerMessage, () => process.disconnect?.());
    return 1;
  }
  process.send!({ type: 'listening', url: running.url, ...running.started } satisfies WorkerMessage);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await running.close();
  // The IPC channel would keep the process alive.
  process.disconnect?.();
  return 0;
}

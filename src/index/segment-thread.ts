/**
 * Worker-thread entry point: runs a {@link SegmentWorkerCore} on messages from the worker pool.
 *
 * Owns: the message protocol on the worker side. Must not: do anything but relay to the core.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SegmentWorkerCore, type WorkerConfig } from './segment-worker.js';
import type { DocumentInput } from '../document.js';

type Message = { type: 'add'; docs: DocumentInput[]; seqs: number[] } | { type: 'finish' };

const port = parentPort!;
let core: SegmentWorkerCore;
try {
  core = new SegmentWorkerCore(workerData as WorkerConfig);
} catch (err) {
  port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}

port.on('message', (msg: Message) => {
  try {
    if (msg.type === 'add') {
      core.add(msg.docs, msg.seqs);
      port.postMessage({ type: 'added', count: msg.docs.length });
    } else {
      port.postMessage({ type: 'done', segments: core.finish() });
    }
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});

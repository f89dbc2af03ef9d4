/**
 * Worker-thread entry point of a cluster load's analysis (analysis-pool.ts): turns batches of
 * documents into their fields' keyword tokens (rows.ts analyzeFields), with its own analyzer.
 *
 * Owns: the message protocol on the worker side. Must not: do anything but relay to analyzeFields.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Analyzer } from '../../analysis/analyzer.js';
import type { DocumentInput } from '../../document.js';
import { analyzeFields } from './rows.js';

const port = parentPort!;
let analyzer: Analyzer | null = null;
let failure: string | null = null;
try {
  analyzer = new Analyzer({ userDicts: (workerData as { userDicts: readonly string[] }).userDicts });
} catch (err) {
  failure = err instanceof Error ? err.message : String(err);
}

port.on('message', (docs: DocumentInput[]) => {
  try {
    if (!analyzer) throw new Error(failure ?? 'no analyzer');
    port.postMessage({ ok: true, analyzed: docs.map((d) => analyzeFields(d, analyzer!)) });
  } catch (err) {
    port.postMessage({ ok: false, message: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});

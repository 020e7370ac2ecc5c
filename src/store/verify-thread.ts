/**
 * `verifyInThread` (verify.ts) runs here: the whole verification off the calling thread, on its own
 * read-only connection, with a young generation of its own size (the daemon's node flags keep the
 * main thread's small). Posts the VerifyResult, or `{ error }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { verifyJournal, type VerifyOptions } from './verify.js';

const { path, vkey, opts } = workerData as { path: string; vkey: string; opts: VerifyOptions };
try {
  parentPort!.postMessage({ result: verifyJournal(path, vkey, opts) });
} catch (err) {
  parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
}

/**
 * The verify worker (see verify.ts, `workers`): checks the content of the row chunks the main
 * thread reads, while the main thread rebuilds the tree and checks the checkpoints. Each result is
 * posted on the port it was given, then the shared counter is bumped and notified, so the main
 * thread can wait for it synchronously (Atomics.wait + receiveMessageOnPort).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { checkChunk } from './verify-rows.js';

export interface VerifyJob {
  id: number;
  first: number;
  lens: Int32Array;
  bytes: Uint8Array;
  leaves: Uint8Array;
  utf8: boolean;
  from: number;
  gw: string | undefined;
}

export interface VerifyJobResult {
  id: number;
  bad?: { index: number; reason: string };
  error?: string;
}

const { done, port } = workerData as { done: SharedArrayBuffer; port: MessagePort };
const counter = new Int32Array(done);

parentPort!.on('message', (job: VerifyJob) => {
  let out: VerifyJobResult;
  try {
    const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
    const leaves = Buffer.from(job.leaves.buffer, job.leaves.byteOffset, job.leaves.byteLength);
    const bad = checkChunk({ first: job.first, lens: job.lens, bytes, leaves, utf8: job.utf8 }, job.from, job.gw);
    out = bad ? { id: job.id, bad } : { id: job.id };
  } catch (e) {
    out = { id: job.id, error: (e as Error).message };
  }
  port.postMessage(out);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
});

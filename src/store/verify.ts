/**
 * `sealift verify`: recompute every record's canonical form and leaf, the tree and every
 * checkpoint signature from the SQLite file alone, and name the first record that does not match.
 * Trusts nothing in the database but the rows themselves (merkle_state is ignored).
 */
import { isUtf8 } from 'node:buffer';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { gwOfOrigin, openCheckpoint } from './checkpoint.js';
import { openDb, type Db } from './db.js';
import { parseVerifierKey, type NoteVerifier } from './keys.js';
import { EMPTY_ROOT, Frontier } from './merkle.js';
import { checkRow } from './verify-rows.js';
import type { VerifyJob, VerifyJobResult } from './verify-worker.js';

export interface VerifyOptions {
  /** First seq whose content is checked (earlier rows still feed the tree through their stored leaves). */
  from?: number | undefined;
  /** Last seq checked (inclusive). */
  to?: number | undefined;
  /** Expected gateway id; defaults to the one in the key name `sealift/{gw}`. */
  gw?: string | undefined;
  /**
   * Check the rows' content (canonical form, leaf hashes) in a worker thread while this thread reads
   * the rows and rebuilds the tree: 1 = one worker, 0 (default) = all here. Used for journals of at
   * least 20,000 rows, when the compiled worker is there (the CLI passes 1 on multi-core machines).
   */
  workers?: number | undefined;
}

export interface BadRecord {
  seq: number;
  reason: string;
  /** Set when a checkpoint failed: its size (it covers seq 0..size-1). */
  checkpoint?: number;
}

export interface VerifyResult {
  ok: boolean;
  /** Records whose content was checked. */
  checked: number;
  /** Rows read (the tree size reached). */
  size: number;
  /** Checkpoints verified (root and signature). */
  checkpoints: number;
  keyId: string;
  firstBad?: BadRecord;
  ms: number;
}

interface CheckpointRow {
  size: number;
  root: string;
  note: string;
}

export function verifyJournal(src: Db | string, vkey: string | NoteVerifier, opts: VerifyOptions = {}): VerifyResult {
  const db = typeof src === 'string' ? openDb(src, { readonly: true }) : src;
  try {
    return run(db, typeof vkey === 'string' ? parseVerifierKey(vkey) : vkey, opts);
  } finally {
    if (typeof src === 'string') db.close();
  }
}

/** Young generation of the verify threads: verify allocates a small Buffer per hash. */
const THREAD_YOUNG_MB = 32;

/**
 * The compiled file of a worker module beside this one; with `orBuild`, when running from the
 * TypeScript sources (as the tests do), the one in the build.
 */
function compiledWorker(name: string, orBuild: boolean): URL | undefined {
  for (const rel of orBuild ? [`./${name}.js`, `../../dist/src/store/${name}.js`] : [`./${name}.js`]) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

/**
 * verifyJournal on a thread of its own (its own read-only connection to the file): the caller's
 * event loop keeps running — in the gateway, device acks, polls and alarms do not wait for a
 * verification of a million records — and the thread's heap is not bound by the daemon's small
 * young generation. Without a compiled build it runs here.
 */
export function verifyInThread(path: string, vkey: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const url = compiledWorker('verify-thread', true);
  if (!url) return Promise.resolve(verifyJournal(path, vkey, opts));
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData: { path, vkey, opts }, resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_MB } });
    let settled = false;
    worker.once('message', (m: { result?: VerifyResult; error?: string }) => {
      settled = true;
      if (m.result) resolve(m.result);
      else reject(new Error(`verify: ${m.error ?? 'no result'}`));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`verify thread exited with code ${code} before it answered`));
    });
  });
}

function run(db: Db, v: NoteVerifier, opts: VerifyOptions): VerifyResult {
  const t0 = performance.now();
  const from = opts.from ?? 0;
  const to = opts.to ?? Number.MAX_SAFE_INTEGER;
  const gw = opts.gw ?? gwOfOrigin(v.name);
  const cps = db.prepare<[number], CheckpointRow>('SELECT size, root, note FROM checkpoints WHERE size <= ? ORDER BY size').all(to + 1);
  const frontier = new Frontier();
  let checked = 0;
  let ci = 0;
  let verifiedCps = 0;
  let prevCp = 0;
  const result = (firstBad?: BadRecord): VerifyResult => ({
    ok: !firstBad,
    checked,
    size: frontier.size,
    checkpoints: verifiedCps,
    keyId: v.keyId.toString('hex'),
    ...(firstBad ? { firstBad } : {}),
    ms: performance.now() - t0,
  });

  /** Check every checkpoint whose size the tree has just reached. */
  const checkCheckpoints = (): BadRecord | undefined => {
    for (; ci < cps.length && cps[ci]!.size <= frontier.size; ci++) {
      const row = cps[ci]!;
      const range = row.size === 0 ? 'the empty log' : `records ${prevCp}..${row.size - 1}`;
      const bad = (why: string): BadRecord => ({ seq: prevCp, checkpoint: row.size, reason: `checkpoint ${row.size} (${range}): ${why}` });
      const opened = openCheckpoint(row.note, v);
      if (!opened.ok) return bad(`signature does not verify: ${opened.reason}`);
      if (opened.size !== row.size || opened.root !== row.root) return bad('the stored size/root differ from the signed note');
      const root = row.size === 0 ? EMPTY_ROOT : frontier.root();
      if (!root.equals(opened.rootHash)) return bad(`the records no longer produce the signed root: something in ${range} was rewritten (bytes and leaf together)`);
      verifiedCps++;
      prevCp = row.size;
    }
    return undefined;
  };

  let bad = checkCheckpoints();
  if (bad) return result(bad);
  const negative = db.prepare<[], { seq: number | null }>('SELECT MIN(seq) AS seq FROM journal').get()?.seq;
  if (negative != null && negative < 0) return result({ seq: negative, reason: `unexpected row with negative seq ${negative}` });

  /** One row: continuity, content, then into the tree. */
  const row = (seq: number, blob: Buffer, start: number, end: number, utf8: boolean, leaves: Buffer, loff: number, leafLen: number): BadRecord | undefined => {
    const expect = frontier.size;
    if (seq !== expect) return { seq: expect, reason: `record ${expect} is missing (deleted): the next stored row is ${seq}` };
    if (leafLen !== 32) return { seq, reason: `stored leaf of record ${seq} is not a 32-byte hash` };
    if (seq >= from) {
      checked++;
      const why = checkRow(seq, blob, start, end, utf8, leaves, loff, gw);
      if (why) return { seq, reason: why };
    }
    frontier.push(leaves, loff);
    return checkCheckpoints();
  };

  // Rows are read a chunk at a time, concatenated by SQLite (exact bytes: text<->blob casts do not
  // transcode): per-row crossings into better-sqlite3 cost more than hashing the row. A chunk that
  // is not perfectly regular (gap, odd leaf, NULL) is re-read row by row to name the first problem.
  const chunkSt = db.prepare<[number, number], Chunk>(CHUNK_SQL);
  const perRow = db.prepare<[number, number]>('SELECT seq, bytes, leaf FROM journal WHERE seq >= ? AND seq < ? ORDER BY seq').raw(true);
  const next = db.prepare<[number], { seq: number | null }>('SELECT MIN(seq) AS seq FROM journal WHERE seq >= ?');
  const last = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM journal').get()?.seq ?? -1;
  const helper = (opts.workers ?? 0) > 0 && Math.min(last, to) - from >= PARALLEL_MIN_ROWS ? ChunkWorker.start() : undefined;
  let id = 0;
  const read = (lo: number): ReadChunk | undefined => {
    if (lo > to) return undefined;
    const c = chunkSt.get(lo, Math.min(to + 1, lo + CHUNK))!;
    const lens = c.lens?.split(',').map(Number) ?? [];
    const regular = c.n > 0 && c.last! - c.first + 1 === c.n && c.oddLeaves === 0 && lens.length === c.n && !!c.bytes && !!c.leaves;
    const r: ReadChunk = { lo, c, lens, regular, utf8: regular ? isUtf8(c.bytes!) : false, id: id++ };
    if (helper && regular) helper.post({ id: r.id, first: c.first, lens: Int32Array.from(lens), bytes: c.bytes!, leaves: c.leaves!, utf8: r.utf8, from, gw });
    return r;
  };
  try {
    // one chunk read ahead: the worker checks it while this thread handles the current one
    for (let cur = read(0), ahead: ReadChunk | undefined; cur; cur = ahead) {
      const { lo, c, lens } = cur;
      if (c.n === 0) {
        const after = next.get(lo)?.seq;
        if (after != null && after <= to) return result({ seq: frontier.size, reason: `record ${frontier.size} is missing (deleted): the next stored row is ${after}` });
        break;
      }
      ahead = read(lo + CHUNK);
      if (!cur.regular || c.first !== frontier.size) {
        for (const [seq, b, l] of perRow.all(lo, Math.min(to + 1, lo + CHUNK)) as [number, unknown, unknown][]) {
          if (b == null || l == null) return result({ seq, reason: `record ${seq} has no bytes or no leaf` });
          // Whatever SQLite type a forger stored, judge its bytes.
          const bytes = Buffer.isBuffer(b) ? b : Buffer.from(String(b));
          const leaf = Buffer.isBuffer(l) ? l : Buffer.from(String(l));
          bad = row(seq, bytes, 0, bytes.length, false, leaf, 0, leaf.length);
          if (bad) return result(bad);
        }
        if (cur.regular && helper) helper.take(cur.id); // its worker result is not needed
        continue;
      }
      if (!helper) {
        for (let k = 0, off = 0; k < c.n; k++) {
          const len = lens[k]!;
          bad = row(c.first + k, c.bytes!, off, off + len, cur.utf8, c.leaves!, k * 32, 32);
          if (bad) return result(bad);
          off += len;
        }
        continue;
      }
      // The tree and checkpoints here, the content in the worker; the first problem in row order
      // wins, as if the rows had been checked one after the other.
      let mainBad: { index: number; bad: BadRecord } | undefined;
      const before = checked;
      for (let k = 0; k < c.n; k++) {
        if (c.first + k >= from) checked++;
        frontier.push(c.leaves!, k * 32);
        const b = checkCheckpoints();
        if (b) {
          mainBad = { index: k, bad: b };
          break;
        }
      }
      const w = helper.take(cur.id);
      if (w.bad && (!mainBad || w.bad.index <= mainBad.index)) {
        checked = before + Math.max(0, Math.min(w.bad.index + 1, c.first + w.bad.index + 1 - from));
        return result({ seq: c.first + w.bad.index, reason: w.bad.reason });
      }
      if (mainBad) return result(mainBad.bad);
    }
  } finally {
    helper?.stop();
  }
  // A checkpoint beyond the last row: rows were cut off the end.
  const beyond = cps[ci];
  if (beyond) {
    return result({
      seq: frontier.size,
      checkpoint: beyond.size,
      reason: `checkpoint ${beyond.size} covers records 0..${beyond.size - 1} but the journal ends at ${frontier.size - 1}: records ${frontier.size}..${beyond.size - 1} are missing`,
    });
  }
  return result();
}

const CHUNK = 2048;
/** Below this many rows a worker costs more to start than it saves. */
const PARALLEL_MIN_ROWS = 20_000;
/** How long the worker may take over one chunk before verify gives up on it. */
const WORKER_STALL_MS = 60_000;

interface ReadChunk {
  id: number;
  lo: number;
  c: Chunk;
  lens: number[];
  regular: boolean;
  utf8: boolean;
}

/** The verify worker, driven synchronously: jobs posted in order, results awaited in order. */
class ChunkWorker {
  private readonly counter: Int32Array;
  private taken = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    done: SharedArrayBuffer,
  ) {
    this.counter = new Int32Array(done);
  }

  /** undefined when the compiled worker is not there (running from the TypeScript sources). */
  static start(): ChunkWorker | undefined {
    // not from the build when running from the sources: tests compare the two paths on purpose
    const url = compiledWorker('verify-worker', false);
    if (!url) return undefined;
    const done = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(url, { workerData: { done, port: port2 }, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_MB } });
    worker.unref();
    return new ChunkWorker(worker, port1, done);
  }

  post(job: VerifyJob): void {
    this.worker.postMessage(job);
  }

  /** The result of job `id` (jobs are answered in order; every posted job must be taken in order). */
  take(id: number): VerifyJobResult {
    for (;;) {
      while (Atomics.load(this.counter, 0) <= this.taken) {
        if (Atomics.wait(this.counter, 0, this.taken, WORKER_STALL_MS) === 'timed-out' && Atomics.load(this.counter, 0) <= this.taken) {
          throw new Error(`verify worker gave no answer for ${WORKER_STALL_MS / 1000} s`);
        }
      }
      const msg = receiveMessageOnPort(this.port)?.message as VerifyJobResult | undefined;
      if (!msg) continue;
      this.taken++;
      if (msg.error) throw new Error(`verify worker failed: ${msg.error}`);
      if (msg.id === id) return msg;
    }
  }

  stop(): void {
    this.port.close();
    void this.worker.terminate();
  }
}

interface Chunk {
  n: number;
  first: number;
  last: number | null;
  oddLeaves: number | null;
  lens: string | null;
  bytes: Buffer | null;
  leaves: Buffer | null;
}
const CHUNK_SQL = `SELECT count(*) AS n, min(seq) AS first, max(seq) AS last,
  sum(leaf IS NULL OR octet_length(leaf) <> 32) AS oddLeaves,
  group_concat(octet_length(bytes), ',' ORDER BY seq) AS lens,
  CAST(group_concat(bytes, '' ORDER BY seq) AS BLOB) AS bytes,
  CAST(group_concat(leaf, '' ORDER BY seq) AS BLOB) AS leaves
FROM journal WHERE seq >= ? AND seq < ?`;

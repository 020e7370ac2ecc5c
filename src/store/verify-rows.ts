/**
 * The content checks of `verify` that need nothing but the row itself (UTF-8, canonical JCS form,
 * fields, seq, gateway, leaf hash): pure functions, run on the main thread or in the verify worker.
 */
import { isUtf8 } from 'node:buffer';
import { leafHashAt } from './merkle.js';
import { scanCanonicalRecord, type TopFields } from './jcs-scan.js';
import { fieldsProblem, isCanonical, recordProblem } from './record.js';

/** A run of consecutive rows as SQLite concatenated them: row k is bytes[sum(lens[0..k-1]) …] with leaf leaves[32k …]. */
export interface RowChunk {
  first: number;
  lens: ArrayLike<number>;
  bytes: Buffer;
  leaves: Buffer;
  /** The whole of `bytes` is valid UTF-8 (so no row needs its own check). */
  utf8: boolean;
}

/** The first row of the chunk (with seq ≥ from) whose content is bad: its index in the chunk and why. */
export function checkChunk(c: RowChunk, from: number, gw: string | undefined): { index: number; reason: string } | undefined {
  for (let k = 0, off = 0; k < c.lens.length; k++) {
    const len = c.lens[k]!;
    const seq = c.first + k;
    if (seq >= from) {
      const why = checkRow(seq, c.bytes, off, off + len, c.utf8, c.leaves, k * 32, gw);
      if (why) return { index: k, reason: why };
    }
    off += len;
  }
  return undefined;
}

/** Everything about one row that can be checked on its own; returns why it is bad. */
export function checkRow(seq: number, blob: Buffer, start: number, end: number, utf8: boolean, leaves: Buffer, loff: number, gw: string | undefined): string | undefined {
  if (!utf8 && !isUtf8(blob.subarray(start, end))) return `record ${seq}: bytes are not valid UTF-8 (altered)`;
  // Fast path: canonical bytes recognised in one pass. Otherwise parse and re-canonicalize, which
  // also explains what is wrong.
  let rec: { [K in keyof TopFields]?: unknown } | undefined = scanCanonicalRecord(blob, start, end);
  if (!rec) {
    const text = blob.toString('utf8', start, end);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return `record ${seq}: bytes are not valid JSON (altered)`;
    }
    const problem = recordProblem(parsed);
    if (problem) return `record ${seq}: ${problem}`;
    if (!isCanonical(text, parsed)) {
      return parsed.seq === seq ? `record ${seq}: bytes are not the canonical (JCS) form of their content (altered)` : `row ${seq} holds the record of seq ${String(parsed.seq)} (rows swapped or moved)`;
    }
    rec = parsed;
  } else {
    const problem = fieldsProblem(rec);
    if (problem) return `record ${seq}: ${problem}`;
  }
  if (rec.seq !== seq) return `row ${seq} holds the record of seq ${String(rec.seq)} (rows swapped or moved)`;
  if (gw !== undefined && rec.gw !== gw) return `record ${seq} belongs to gateway ${JSON.stringify(rec.gw)}, not ${gw}`;
  if (leafHashAt(blob, start, end).compare(leaves, loff, loff + 32) !== 0) return `record ${seq}: stored leaf hash does not match its bytes (bytes or leaf altered)`;
  return undefined;
}

/**
 * `sealift verify`: recompute every record's canonical form and leaf, the tree and every
 * checkpoint signature from the SQLite file alone, and name the first record that does not match.
 * Trusts nothing in the database but the rows themselves (merkle_state is ignored).
 */
import { isUtf8 } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { gwOfOrigin, openCheckpoint } from './checkpoint.js';
import { openDb, type Db } from './db.js';
import { parseVerifierKey, type NoteVerifier } from './keys.js';
import { EMPTY_ROOT, Frontier, leafHashAt } from './merkle.js';
import { scanCanonicalRecord, type TopFields } from './jcs-scan.js';
import { fieldsProblem, isCanonical, recordProblem } from './record.js';

export interface VerifyOptions {
  /** First seq whose content is checked (earlier rows still feed the tree through their stored leaves). */
  from?: number | undefined;
  /** Last seq checked (inclusive). */
  to?: number | undefined;
  /** Expected gateway id; defaults to the one in the key name `sealift/{gw}`. */
  gw?: string | undefined;
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
  const chunk = db.prepare<[number, number], Chunk>(CHUNK_SQL);
  const perRow = db.prepare<[number, number]>('SELECT seq, bytes, leaf FROM journal WHERE seq >= ? AND seq < ? ORDER BY seq').raw(true);
  const next = db.prepare<[number], { seq: number | null }>('SELECT MIN(seq) AS seq FROM journal WHERE seq >= ?');
  for (let lo = 0; lo <= to; lo += CHUNK) {
    const hi = Math.min(to + 1, lo + CHUNK);
    const c = chunk.get(lo, hi)!;
    if (c.n === 0) {
      const after = next.get(lo)?.seq;
      if (after != null && after <= to) return result({ seq: frontier.size, reason: `record ${frontier.size} is missing (deleted): the next stored row is ${after}` });
      break;
    }
    const lens = c.lens?.split(',') ?? [];
    if (c.first !== frontier.size || c.last! - c.first + 1 !== c.n || c.oddLeaves !== 0 || lens.length !== c.n || !c.bytes || !c.leaves) {
      for (const [seq, b, l] of perRow.all(lo, hi) as [number, unknown, unknown][]) {
        if (b == null || l == null) return result({ seq, reason: `record ${seq} has no bytes or no leaf` });
        // Whatever SQLite type a forger stored, judge its bytes.
        const bytes = Buffer.isBuffer(b) ? b : Buffer.from(String(b));
        const leaf = Buffer.isBuffer(l) ? l : Buffer.from(String(l));
        bad = row(seq, bytes, 0, bytes.length, false, leaf, 0, leaf.length);
        if (bad) return result(bad);
      }
      continue;
    }
    const utf8 = isUtf8(c.bytes);
    for (let k = 0, off = 0; k < c.n; k++) {
      const len = Number(lens[k]);
      bad = row(c.first + k, c.bytes, off, off + len, utf8, c.leaves, k * 32, 32);
      if (bad) return result(bad);
      off += len;
    }
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

/** Everything about one row that can be checked on its own; returns why it is bad. */
function checkRow(seq: number, blob: Buffer, start: number, end: number, utf8: boolean, leaves: Buffer, loff: number, gw: string | undefined): string | undefined {
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

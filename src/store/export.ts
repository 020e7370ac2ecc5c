/**
 * Evidence bundles (DESIGN §5.6): the exact hashed bytes of the selected records, an RFC 6962
 * inclusion proof for each against the newest signed checkpoint, the checkpoints and hub receipts
 * covering them, photos by SHA-256, a manifest, and a CSV for people. verifyBundle checks it all
 * offline with nothing but the directory and (optionally) the gateway's verifier key.
 */
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gwOfOrigin, openCheckpoint } from './checkpoint.js';
import type { Db } from './db.js';
import { Journal } from './journal.js';
import { parseVerifierKey, type NoteVerifier } from './keys.js';
import { leafHash, MerkleTree, verifyConsistency, verifyInclusion } from './merkle.js';
import { isCanonical, recordProblem } from './record.js';
import type { Checkpoint, JournalRecord } from './types.js';
import { zonedParts } from '../core/time.js';

export const BUNDLE_FORMAT = 'sealift-bundle/1';

export interface ExportFilters {
  /** Gateway time, UTC epoch ms, inclusive. */
  from?: number | undefined;
  /** Gateway time, UTC epoch ms, inclusive. */
  to?: number | undefined;
  subject?: string | undefined;
  /** A kind, or a prefix ending in `.*` (e.g. `seal.*`). */
  kind?: string | undefined;
}

export interface ExportOptions extends ExportFilters {
  /** Output directory; created, and must be empty if it exists. */
  out: string;
  /** Where photos are stored by SHA-256 hex name. */
  photosDir?: string | undefined;
  /** Verifier key for the manifest when exporting from a bare database (a Journal knows its own). */
  vkey?: string | undefined;
  now?: () => number;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  gw: string;
  vkey: string;
  keyId: string;
  created: string;
  filters: ExportFilters;
  count: number;
  checkpoint: { size: number; root: string };
  /** Records referencing a photo that could not be included (absent or not matching its hash). */
  photosMissing: string[];
  files: { path: string; sha256: string; bytes: number }[];
}

export interface ExportResult {
  out: string;
  count: number;
  checkpoint: { size: number; root: string };
  photos: number;
  photosMissing: string[];
}

const NL = Buffer.from('\n');
const SHA256_HEX = /^[0-9a-f]{64}$/;
const CHUNK = 2048;
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A file written in pieces while its SHA-256 is computed, for the manifest. */
class HashedFile {
  private fd: number;
  private hash = createHash('sha256');
  private bytes = 0;
  constructor(
    private readonly dir: string,
    readonly path: string,
  ) {
    this.fd = openSync(join(dir, path), 'wx', 0o644);
  }
  write(data: string | Buffer): void {
    const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.hash.update(b);
    this.bytes += b.length;
    for (let off = 0; off < b.length; ) off += writeSync(this.fd, b, off);
  }
  close(): { path: string; sha256: string; bytes: number } {
    closeSync(this.fd);
    return { path: this.path, sha256: this.hash.digest('hex'), bytes: this.bytes };
  }
}

/**
 * Write an evidence bundle. With a Journal, a fresh checkpoint is signed first if the log grew, so
 * every selected record is covered; with a bare database (e.g. a CLI next to the running daemon)
 * the newest stored checkpoint is used and records after it are left out (and said so).
 */
export async function exportBundle(src: Journal | Db, opts: ExportOptions): Promise<ExportResult & { excludedAfter?: number }> {
  const db = src instanceof Journal ? src.db : src;
  const cp: Checkpoint | null = src instanceof Journal ? src.checkpoint('export') : latest(db);
  if (!cp) throw new Error('nothing to export: the journal has no records (or no checkpoint yet)');
  const { gw, vkey, keyId } = identity(db, cp, src instanceof Journal ? src.key.vkey : opts.vkey);

  if (existsSync(opts.out) && readdirSync(opts.out).length > 0) throw new Error(`${opts.out} is not empty; export into a new directory`);
  mkdirSync(join(opts.out, 'checkpoints'), { recursive: true });
  mkdirSync(join(opts.out, 'photos'), { recursive: true });

  // Levels of the tree at the checkpoint: each proof is then O(log n).
  const leafBuf = Buffer.allocUnsafe(cp.size * 32);
  let nLeaves = 0;
  for (const [leaf] of db.prepare<[number]>('SELECT leaf FROM journal WHERE seq < ? ORDER BY seq').raw(true).iterate(cp.size) as IterableIterator<[Buffer]>) {
    leaf.copy(leafBuf, nLeaves++ * 32);
  }
  if (nLeaves !== cp.size) throw new Error(`journal has ${nLeaves} rows below checkpoint ${cp.size}: run verify`);
  const tree = new MerkleTree(leafBuf);
  if (tree.root().toString('base64') !== cp.root) throw new Error(`the journal does not match checkpoint ${cp.size}: run verify`);

  const filters: ExportFilters = pick(opts);
  const where = ['seq > ?', 'seq < ?'];
  const params: (string | number)[] = [];
  const cond = (sql: string, ...values: (string | number)[]): void => {
    where.push(sql);
    params.push(...values);
  };
  if (opts.from !== undefined) cond('ts >= ?', opts.from);
  if (opts.to !== undefined) cond('ts <= ?', opts.to);
  if (opts.subject !== undefined) cond('subject = ?', opts.subject);
  if (opts.kind?.endsWith('.*')) cond('substr(kind, 1, ?) = ?', opts.kind.length - 1, opts.kind.slice(0, -1));
  else if (opts.kind !== undefined) cond('kind = ?', opts.kind);
  const select = db.prepare<unknown[], { seq: number; bytes: Buffer }>(`SELECT seq, bytes FROM journal WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${CHUNK}`);

  const records = new HashedFile(opts.out, 'records.jsonl');
  const proofs = new HashedFile(opts.out, 'proofs.jsonl');
  const csv = new HashedFile(opts.out, 'records.csv');
  csv.write('\uFEFF' + CSV_HEADER.map(csvField).join(',') + '\r\n');
  const files: BundleManifest['files'] = [];
  const photosMissing: string[] = [];
  const photos = new Set<string>();
  let count = 0;
  let minSeq = -1;
  let maxSeq = -1;
  for (let after = -1; ; ) {
    const rows = select.all(after, cp.size, ...params);
    if (rows.length === 0) break;
    const rec: Buffer[] = [];
    let prf = '';
    let lines = '';
    for (const { seq, bytes } of rows) {
      const r = JSON.parse(bytes.toString('utf8')) as JournalRecord;
      rec.push(bytes, NL);
      prf += JSON.stringify({ seq, treeSize: cp.size, path: tree.inclusionProof(seq).map((h) => h.toString('base64')) }) + '\n';
      lines += csvRow(r) + '\r\n';
      const photo = r.data.photo;
      if (typeof photo === 'string' && SHA256_HEX.test(photo) && !photos.has(photo)) {
        if (opts.photosDir && copyPhoto(join(opts.photosDir, photo), join(opts.out, 'photos', photo), photo)) photos.add(photo);
        else if (!photosMissing.includes(photo)) photosMissing.push(photo);
      }
      if (minSeq < 0) minSeq = seq;
      maxSeq = seq;
      count++;
    }
    records.write(Buffer.concat(rec));
    proofs.write(prf);
    csv.write(lines);
    after = rows[rows.length - 1]!.seq;
    await yieldToLoop(); // an export must not stall acknowledgements for long
  }
  files.push(records.close(), proofs.close(), csv.close());

  // Checkpoints covering the selection (the first one at or after its end included), and the
  // newest, with consistency proofs from each older one to the newest.
  const all = db.prepare<[], Checkpoint>('SELECT size, root, note, ts FROM checkpoints WHERE size > 0 ORDER BY size').all();
  const firstAfter = all.find((c) => c.size > maxSeq)?.size ?? cp.size;
  const chosen = all.filter((c) => c.size === cp.size || (count > 0 && c.size > minSeq && c.size <= firstAfter && c.size <= cp.size));
  const cons = new HashedFile(opts.out, 'consistency.jsonl');
  for (const c of chosen) {
    const f = new HashedFile(opts.out, `checkpoints/${c.size}.note`);
    f.write(c.note);
    files.push(f.close());
    if (c.size < cp.size) cons.write(JSON.stringify({ from: c.size, to: cp.size, path: tree.consistencyProof(c.size).map((h) => h.toString('base64')) }) + '\n');
  }
  files.push(cons.close());

  const receipts = new HashedFile(opts.out, 'receipts.json');
  receipts.write(JSON.stringify(readReceipts(db, Math.max(minSeq, 0)), null, 2) + '\n');
  files.push(receipts.close());

  for (const p of [...photos].sort()) files.push({ path: `photos/${p}`, sha256: p, bytes: readFileSync(join(opts.out, 'photos', p)).length });

  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    gw,
    vkey,
    keyId,
    created: new Date((opts.now ?? Date.now)()).toISOString(),
    filters,
    count,
    checkpoint: { size: cp.size, root: cp.root },
    photosMissing,
    files,
  };
  const m = new HashedFile(opts.out, 'manifest.json');
  m.write(JSON.stringify(manifest, null, 2) + '\n');
  m.close();
  const excluded = src instanceof Journal ? undefined : cp.size;
  return { out: opts.out, count, checkpoint: manifest.checkpoint, photos: photos.size, photosMissing, ...(excluded !== undefined ? { excludedAfter: excluded } : {}) };
}

function latest(db: Db): Checkpoint | null {
  return db.prepare<[], Checkpoint>('SELECT size, root, note, ts FROM checkpoints ORDER BY size DESC LIMIT 1').get() ?? null;
}

/** gw and verifier key: from the journal, else from the record and the checkpoint's signer line. */
function identity(db: Db, cp: Checkpoint, vkey: string | undefined): { gw: string; vkey: string; keyId: string } {
  const first = db.prepare<[], { bytes: Buffer }>('SELECT bytes FROM journal ORDER BY seq LIMIT 1').get();
  const gw = first ? (JSON.parse(first.bytes.toString('utf8')) as JournalRecord).gw : gwOfOrigin(cp.note.split('\n')[0]!) ?? '';
  if (vkey) return { gw, vkey, keyId: parseVerifierKey(vkey).keyId.toString('hex') };
  const sig = /^\u2014 (\S+) (\S+)$/mu.exec(cp.note);
  return { gw, vkey: '', keyId: sig ? Buffer.from(sig[2]!, 'base64').subarray(0, 4).toString('hex') : '' };
}

function pick(o: ExportFilters): ExportFilters {
  const f: ExportFilters = {};
  for (const k of ['from', 'to', 'subject', 'kind'] as const) if (o[k] !== undefined) (f as Record<string, unknown>)[k] = o[k];
  return f;
}

function readReceipts(db: Db, minSeq: number): unknown[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'receipts'").get();
  if (!exists) return [];
  return db.prepare('SELECT size, root, cosignature, time, note FROM receipts WHERE size > ? ORDER BY size').all(minSeq);
}

/** Copy a photo only if its content matches its name; false otherwise (absent or corrupt). */
function copyPhoto(src: string, dst: string, sha: string): boolean {
  if (!existsSync(src)) return false;
  if (createHash('sha256').update(readFileSync(src)).digest('hex') !== sha) return false;
  copyFileSync(src, dst);
  return true;
}

// ------------------------------------------------------------------------------------------------
// CSV for people (Excel): UTF-8 with BOM, CRLF, Chinese headers, Beijing time.

const CSV_HEADER = ['序号', '时间 (北京时间)', '类型', '对象', '操作人', '设备', '内容'];
/** `YYYY-MM-DD HH:mm:ss` in Asia/Shanghai. */
export function beijingTime(ms: number): string {
  const p = zonedParts(ms, 'Asia/Shanghai');
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

function csvField(v: string): string {
  // A cell starting with = + - @ (or tab/CR) is a formula to Excel: neutralize it (device and user
  // text ends up here).
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvRow(r: JournalRecord): string {
  const dev = r.dev ? `${r.dev.id} (boot ${r.dev.boot} #${r.dev.seq})` : '';
  return [String(r.seq), beijingTime(r.ts), r.kind, r.subject, r.actor ?? '', dev, JSON.stringify(r.data)].map(csvField).join(',');
}

// ------------------------------------------------------------------------------------------------
// Offline verification

export interface BundleProblem {
  file: string;
  line?: number;
  seq?: number;
  reason: string;
}

export interface BundleVerifyResult {
  ok: boolean;
  count: number;
  checkpoint?: { size: number; root: string };
  /** The key the checkpoint was verified with: compare its id with the gateway's (`sealift keys show`). */
  keyName?: string;
  keyId?: string;
  /** true when the key came from the bundle itself rather than from the caller. */
  keyFromBundle: boolean;
  photos: number;
  firstBad?: BundleProblem;
}

export function verifyBundle(dir: string, opts: { vkey?: string } = {}): BundleVerifyResult {
  let count = 0;
  let photos = 0;
  const res: BundleVerifyResult = { ok: false, count, keyFromBundle: !opts.vkey, photos };
  const fail = (p: BundleProblem): BundleVerifyResult => ({ ...res, count, photos, ok: false, firstBad: p });
  const read = (f: string): Buffer | undefined => (existsSync(join(dir, f)) ? readFileSync(join(dir, f)) : undefined);

  const mbytes = read('manifest.json');
  if (!mbytes) return fail({ file: 'manifest.json', reason: 'missing' });
  let m: BundleManifest;
  try {
    m = JSON.parse(mbytes.toString('utf8')) as BundleManifest;
  } catch {
    return fail({ file: 'manifest.json', reason: 'not valid JSON' });
  }
  if (m.format !== BUNDLE_FORMAT) return fail({ file: 'manifest.json', reason: `unknown format ${JSON.stringify(m.format)}` });
  if (!Array.isArray(m.files)) return fail({ file: 'manifest.json', reason: 'no file list' });

  // 1. Every listed file is present and unchanged.
  for (const f of m.files) {
    if (typeof f.path !== 'string' || f.path.split('/').includes('..')) return fail({ file: 'manifest.json', reason: `bad path ${JSON.stringify(f.path)}` });
    const b = read(f.path);
    if (!b) return fail({ file: f.path, reason: 'listed in the manifest but missing' });
    if (createHash('sha256').update(b).digest('hex') !== f.sha256) return fail({ file: f.path, reason: 'content differs from the manifest (SHA-256 mismatch)' });
  }

  // 2. The newest checkpoint verifies with the key.
  let verifier: NoteVerifier;
  try {
    verifier = parseVerifierKey(opts.vkey ?? m.vkey);
  } catch (e) {
    return fail({ file: 'manifest.json', reason: `verifier key: ${(e as Error).message}` });
  }
  res.keyName = verifier.name;
  res.keyId = verifier.keyId.toString('hex');
  const size = m.checkpoint?.size;
  const cpFile = `checkpoints/${size}.note`;
  const note = read(cpFile);
  if (!note) return fail({ file: cpFile, reason: 'the newest checkpoint is missing' });
  const cp = openCheckpoint(note.toString('utf8'), verifier);
  if (!cp.ok) return fail({ file: cpFile, reason: `checkpoint signature: ${cp.reason}` });
  if (cp.size !== size || cp.root !== m.checkpoint.root) return fail({ file: cpFile, reason: 'checkpoint differs from the manifest' });
  res.checkpoint = { size: cp.size, root: cp.root };
  const gw = gwOfOrigin(cp.origin);

  // 3. Each record: canonical bytes, its leaf, and its inclusion proof against the signed root.
  const recs = read('records.jsonl');
  const prfs = read('proofs.jsonl');
  if (!recs || !prfs) return fail({ file: recs ? 'proofs.jsonl' : 'records.jsonl', reason: 'missing' });
  const recLines = splitLines(recs);
  const prfLines = splitLines(prfs);
  if (recLines.length !== prfLines.length) return fail({ file: 'proofs.jsonl', reason: `${prfLines.length} proofs for ${recLines.length} records` });
  for (let i = 0; i < recLines.length; i++) {
    const bytes = recLines[i]!;
    const at = { file: 'records.jsonl', line: i + 1 };
    let rec: JournalRecord;
    let proof: { seq: number; treeSize: number; path: string[] };
    try {
      rec = JSON.parse(bytes.toString('utf8')) as JournalRecord;
      proof = JSON.parse(prfLines[i]!.toString('utf8')) as typeof proof;
    } catch {
      return fail({ ...at, reason: 'line is not valid JSON' });
    }
    const problem = recordProblem(rec);
    if (problem) return fail({ ...at, reason: problem });
    if (rec.seq !== proof.seq) return fail({ ...at, seq: rec.seq, reason: `record seq ${rec.seq} but its proof is for seq ${proof.seq}` });
    if (gw !== undefined && rec.gw !== gw) return fail({ ...at, seq: rec.seq, reason: `record of gateway ${rec.gw}, checkpoint of ${gw}` });
    if (!isCanonical(bytes.toString('utf8'), rec)) return fail({ ...at, seq: rec.seq, reason: 'bytes are not canonical (JCS): altered' });
    if (proof.treeSize !== cp.size || !Array.isArray(proof.path)) return fail({ ...at, seq: rec.seq, reason: 'proof is not against the newest checkpoint' });
    const path = proof.path.map((p) => Buffer.from(String(p), 'base64'));
    if (!verifyInclusion(leafHash(bytes), rec.seq, cp.size, path, cp.rootHash)) {
      return fail({ ...at, seq: rec.seq, reason: `record ${rec.seq} is not in the signed log (altered, or its proof is)` });
    }
    count++;
  }
  if (typeof m.count === 'number' && m.count !== count) return fail({ file: 'manifest.json', reason: `manifest says ${m.count} records, records.jsonl has ${count}` });

  // 4. Older checkpoints: signed by the same key and consistent with the newest.
  const cons = new Map<number, Buffer[]>();
  const consLines = splitLines(read('consistency.jsonl') ?? Buffer.alloc(0));
  for (let i = 0; i < consLines.length; i++) {
    try {
      const c = JSON.parse(consLines[i]!.toString('utf8')) as { from: number; to: number; path: string[] };
      if (c.to === cp.size) cons.set(c.from, c.path.map((p) => Buffer.from(p, 'base64')));
    } catch {
      return fail({ file: 'consistency.jsonl', line: i + 1, reason: 'line is not valid JSON' });
    }
  }
  for (const name of readdirSync(join(dir, 'checkpoints'))) {
    const file = `checkpoints/${name}`;
    const other = openCheckpoint(readFileSync(join(dir, file), 'utf8'), verifier);
    if (!other.ok) return fail({ file, reason: `checkpoint signature: ${other.reason}` });
    if (`${other.size}.note` !== name) return fail({ file, reason: `file name does not match its size ${other.size}` });
    if (other.size === cp.size) continue;
    const proof = cons.get(other.size);
    if (!proof || !verifyConsistency(other.size, cp.size, other.rootHash, cp.rootHash, proof)) {
      return fail({ file, reason: `checkpoint ${other.size} is not consistent with checkpoint ${cp.size}: history was rewritten` });
    }
  }

  // 5. Photos are what their names say.
  if (existsSync(join(dir, 'photos'))) {
    for (const name of readdirSync(join(dir, 'photos'))) {
      const sha = createHash('sha256').update(readFileSync(join(dir, 'photos', name))).digest('hex');
      if (sha !== name) return fail({ file: `photos/${name}`, reason: `content SHA-256 is ${sha}, not its name` });
      photos++;
    }
  }
  return { ...res, ok: true, count, photos };
}

/** Lines of a JSONL file as exact byte slices (records never contain a raw newline). */
function splitLines(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, start)) {
    out.push(b.subarray(start, i));
    start = i + 1;
  }
  if (start < b.length) out.push(b.subarray(start));
  return out;
}

/**
 * The upstream wire contract (DESIGN §5.7, docs/upstream.md), shared by the gateway (sync/) and
 * the hub (hub/): topics, journal batches, receipts, cosignatures and command signatures.
 *
 * Cosignatures follow C2SP tlog-cosignature (c2sp.org/tlog-cosignature): the hub signs
 *   "cosignature/v1\ntime <seconds>\n" ‖ <checkpoint body>
 * with Ed25519; the signature blob is keyID(4) ‖ timestamp(8, big-endian) ‖ signature(64), with
 * keyID = SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4], and the hub's verifier key is
 * `name+hex(keyID)+base64(0x04 ‖ public key)`.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../store/record.js';

export const TOPIC_ROOT = 'sealift/v1';
export const topics = {
  journal: (gw: string) => `${TOPIC_ROOT}/${gw}/journal`,
  checkpoint: (gw: string) => `${TOPIC_ROOT}/${gw}/checkpoint`,
  evidence: (gw: string, sha: string) => `${TOPIC_ROOT}/${gw}/evidence/${sha}`,
  status: (gw: string) => `${TOPIC_ROOT}/${gw}/status`,
  receipt: (gw: string) => `${TOPIC_ROOT}/${gw}/receipt`,
  cmd: (gw: string, name: string) => `${TOPIC_ROOT}/${gw}/cmd/${name}`,
  cmdResult: (gw: string) => `${TOPIC_ROOT}/${gw}/cmd-result`,
  /** Hub alarms. `_hub` can never be a gateway id (ids start with a letter or digit). */
  hubAlarm: `${TOPIC_ROOT}/_hub/alarm`,
};

export const GW_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;
export const COMMAND_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

// -------------------------------------------------------------------------------------------------
// Journal batches

export interface JournalBatch {
  gw: string;
  from: number;
  to: number;
  /** Canonical record strings, exactly as hashed. */
  records: string[];
}

/**
 * A batch payload from records already encoded as JSON strings (JSON.stringify of the canonical
 * text): `{"gw":…,"from":…,"to":…,"records":[…]}`.
 */
export function encodeBatch(gw: string, from: number, encoded: readonly string[]): string {
  return `{"gw":${JSON.stringify(gw)},"from":${from},"to":${from + encoded.length - 1},"records":[${encoded.join(',')}]}`;
}

/** Bytes a batch adds around its records: braces, keys, numbers and commas. */
export const batchOverhead = (gw: string): number => Buffer.byteLength(JSON.stringify(gw)) + 64;

export function parseBatch(payload: Buffer | string): JournalBatch {
  let o: unknown;
  try {
    o = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    throw new Error('batch is not valid JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('batch is not a JSON object');
  const b = o as Record<string, unknown>;
  if (typeof b.gw !== 'string') throw new Error('batch has no gw');
  if (!Number.isSafeInteger(b.from) || (b.from as number) < 0) throw new Error('batch from is not a seq');
  if (!Number.isSafeInteger(b.to) || (b.to as number) < (b.from as number)) throw new Error('batch to is not a seq ≥ from');
  if (!Array.isArray(b.records) || !b.records.every((r) => typeof r === 'string')) throw new Error('batch records is not an array of strings');
  if (b.records.length !== (b.to as number) - (b.from as number) + 1) {
    throw new Error(`batch ${String(b.from)}..${String(b.to)} carries ${b.records.length} records`);
  }
  return { gw: b.gw, from: b.from as number, to: b.to as number, records: b.records as string[] };
}

// -------------------------------------------------------------------------------------------------
// Receipts

export interface Receipt {
  size: number;
  /** base64 root hash at `size` */
  root: string;
  /** base64(keyID ‖ timestamp ‖ signature), C2SP tlog-cosignature */
  cosignature: string;
  /** UTC epoch ms of the cosignature (a whole second: the cosigned timestamp × 1000). */
  time: number;
  /** The checkpoint note with the hub's cosignature line appended (optional extension). */
  note?: string | undefined;
}

export function parseReceipt(payload: Buffer | string): Receipt {
  let o: unknown;
  try {
    o = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    throw new Error('receipt is not valid JSON');
  }
  if (typeof o !== 'object' || o === null) throw new Error('receipt is not a JSON object');
  const r = o as Record<string, unknown>;
  if (!Number.isSafeInteger(r.size) || (r.size as number) < 1) throw new Error('receipt size is not a positive integer');
  if (typeof r.root !== 'string' || Buffer.from(r.root, 'base64').length !== 32) throw new Error('receipt root is not base64 of 32 bytes');
  if (typeof r.cosignature !== 'string' || r.cosignature.length === 0 || r.cosignature.length > 512) throw new Error('receipt has no cosignature');
  if (!Number.isSafeInteger(r.time) || (r.time as number) < 0) throw new Error('receipt time is not epoch ms');
  if (r.note !== undefined && typeof r.note !== 'string') throw new Error('receipt note is not text');
  return { size: r.size as number, root: r.root, cosignature: r.cosignature, time: r.time as number, note: r.note as string | undefined };
}

// -------------------------------------------------------------------------------------------------
// Cosigner keys and cosignatures

const COSIGNATURE_V1 = 0x04;
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface CosignerKey {
  name: string;
  privateKey: KeyObject;
  pub: Buffer;
  keyId: Buffer;
  vkey: string;
}

export interface CosignerVerifier {
  name: string;
  keyId: Buffer;
  publicKey: KeyObject;
  vkey: string;
}

export function cosignerKeyId(name: string, pub: Uint8Array): Buffer {
  return createHash('sha256').update(name).update(Buffer.from([0x0a, COSIGNATURE_V1])).update(pub).digest().subarray(0, 4);
}

export function cosignerVkey(name: string, pub: Uint8Array): string {
  return `${name}+${cosignerKeyId(name, pub).toString('hex')}+${Buffer.concat([Buffer.from([COSIGNATURE_V1]), pub]).toString('base64')}`;
}

export function cosignerFromPrivateKey(name: string, privateKey: KeyObject): CosignerKey {
  if (name === '' || /[\s+]/u.test(name)) throw new Error(`key name ${JSON.stringify(name)} must be non-empty without spaces or '+'`);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x!, 'base64url');
  return { name, privateKey, pub, keyId: cosignerKeyId(name, pub), vkey: cosignerVkey(name, pub) };
}

export function parseCosignerKey(vkey: string): CosignerVerifier {
  const i = vkey.indexOf('+');
  const j = vkey.indexOf('+', i + 1);
  if (i <= 0 || j < 0) throw new Error('hub key: expected name+keyid+key');
  const name = vkey.slice(0, i);
  const hex = vkey.slice(i + 1, j);
  const raw = Buffer.from(vkey.slice(j + 1), 'base64');
  if (raw.toString('base64') !== vkey.slice(j + 1) || raw.length !== 33) throw new Error('hub key: key data is not base64 of 33 bytes');
  if (raw[0] !== COSIGNATURE_V1) throw new Error(`hub key: type 0x${raw[0]!.toString(16)} is not a cosignature/v1 key (0x04)`);
  const pub = raw.subarray(1);
  const id = cosignerKeyId(name, pub);
  if (id.toString('hex') !== hex) throw new Error(`hub key: key id ${hex} does not match the key (${id.toString('hex')})`);
  return { name, keyId: id, publicKey: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' }), vkey };
}

const cosignedMessage = (body: string, timeSec: number): Buffer => Buffer.from(`cosignature/v1\ntime ${timeSec}\n${body}`, 'utf8');

/** Cosign a checkpoint body (the note text above its signatures). Returns the base64 blob. */
export function cosign(key: CosignerKey, body: string, timeSec: number): string {
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(timeSec));
  const sig = sign(null, cosignedMessage(body, timeSec), key.privateKey);
  return Buffer.concat([key.keyId, ts, sig]).toString('base64');
}

/** Check a cosignature blob over a checkpoint body; returns its timestamp (seconds) or why not. */
export function verifyCosignature(v: CosignerVerifier, body: string, blobB64: string): { ok: true; timeSec: number } | { ok: false; reason: string } {
  const blob = Buffer.from(blobB64, 'base64');
  if (blob.length !== 4 + 8 + 64) return { ok: false, reason: 'cosignature is not keyID ‖ timestamp ‖ signature' };
  if (!blob.subarray(0, 4).equals(v.keyId)) return { ok: false, reason: `cosignature is by key id ${blob.subarray(0, 4).toString('hex')}, not ${v.keyId.toString('hex')}` };
  const timeSec = Number(blob.readBigUInt64BE(4));
  if (!verify(null, cosignedMessage(body, timeSec), v.publicKey, blob.subarray(12))) return { ok: false, reason: 'cosignature does not verify' };
  return { ok: true, timeSec };
}

/** The note text above the signature lines of a signed note (what was signed). */
export function noteBody(note: string): string {
  const split = note.lastIndexOf('\n\n');
  return split < 0 ? note : note.slice(0, split + 1);
}

/** The receipt's note: the gateway's checkpoint note with the hub's signature line appended. */
export const cosignedNote = (note: string, name: string, blobB64: string): string => `${note}\u2014 ${name} ${blobB64}\n`;

// -------------------------------------------------------------------------------------------------
// Commands

export interface CommandResult {
  id: string | null;
  status: 'ok' | 'error';
  data?: unknown;
  error?: { code: string; message: string };
}

const commandMessage = (gw: string, name: string, payload: Record<string, unknown>): Buffer => {
  const rest: Record<string, unknown> = { ...payload };
  delete rest.sig;
  return Buffer.from(`sealift-command/v1\n${gw}\n${name}\n${canonicalJson(rest, 'command')}\n`, 'utf8');
};

/** The `sig` of a command: base64(keyID ‖ Ed25519 signature) over "sealift-command/v1\n{gw}\n{name}\n{JCS of the command without sig}\n". */
export function signCommand(key: CosignerKey, gw: string, name: string, payload: Record<string, unknown>): string {
  return Buffer.concat([key.keyId, sign(null, commandMessage(gw, name, payload), key.privateKey)]).toString('base64');
}

export function verifyCommand(v: CosignerVerifier, gw: string, name: string, payload: Record<string, unknown>): string | undefined {
  if (typeof payload.sig !== 'string') return 'command is not signed (no sig) and upstream.hubKey is set';
  const blob = Buffer.from(payload.sig, 'base64');
  if (blob.length !== 68 || !blob.subarray(0, 4).equals(v.keyId)) return 'command signature is not by the hub key';
  let msg: Buffer;
  try {
    msg = commandMessage(gw, name, payload);
  } catch (e) {
    return `command is not canonical JSON: ${(e as Error).message}`;
  }
  return verify(null, msg, v.publicKey, blob.subarray(4)) ? undefined : 'command signature does not verify';
}

/**
 * The gateway's Ed25519 key and C2SP signed notes (c2sp.org/signed-note), the envelope of
 * checkpoints. Compatible with golang.org/x/mod/sumdb/note: the same seed signs byte-identical notes.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A signing key with its C2SP identity. `name` is the checkpoint origin, e.g. `sealift/{gw}`. */
export interface NoteSigner {
  name: string;
  privateKey: KeyObject;
  /** 32-byte raw Ed25519 public key. */
  pub: Buffer;
  keyId: Buffer;
  /** Verifier key string `name+hex8(keyid)+base64(0x01‖pub)`. */
  vkey: string;
}

/** A parsed verifier key. */
export interface NoteVerifier {
  name: string;
  keyId: Buffer;
  pub: Buffer;
  publicKey: KeyObject;
  vkey: string;
}

const ED25519 = 0x01;
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
export const KEY_FILE = join('keys', 'gateway.key');

function checkName(name: string): void {
  if (name === '' || /[\s+]/u.test(name)) throw new Error(`key name ${JSON.stringify(name)} must be non-empty without spaces or '+'`);
}

/** SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pub)[:4]. */
export function keyId(name: string, pub: Uint8Array): Buffer {
  return createHash('sha256').update(name).update(Buffer.from([0x0a, ED25519])).update(pub).digest().subarray(0, 4);
}

export function verifierKey(name: string, pub: Uint8Array): string {
  checkName(name);
  return `${name}+${keyId(name, pub).toString('hex')}+${Buffer.concat([Buffer.from([ED25519]), pub]).toString('base64')}`;
}

export function signerFromPrivateKey(name: string, privateKey: KeyObject): NoteSigner {
  checkName(name);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`key for ${name} is ${privateKey.asymmetricKeyType}, not ed25519`);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x!, 'base64url');
  return { name, privateKey, pub, keyId: keyId(name, pub), vkey: verifierKey(name, pub) };
}

/** From a 32-byte RFC 8032 seed (the Go note package's `PRIVATE+KEY+…` holds 0x01‖seed). */
export function signerFromSeed(name: string, seed: Uint8Array): NoteSigner {
  if (seed.length !== 32) throw new Error('ed25519 seed must be 32 bytes');
  return signerFromPrivateKey(name, createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
}

export function parseVerifierKey(vkey: string): NoteVerifier {
  // name+hash+keydata; the base64 key data may itself contain '+', the name may not.
  const i = vkey.indexOf('+');
  const j = vkey.indexOf('+', i + 1);
  if (i <= 0 || j < 0) throw new Error('verifier key: expected name+keyid+key');
  const name = vkey.slice(0, i);
  const hex = vkey.slice(i + 1, j);
  const b64 = vkey.slice(j + 1);
  checkName(name);
  if (!/^[0-9a-f]{8}$/.test(hex)) throw new Error('verifier key: key id must be 8 lowercase hex digits');
  const raw = Buffer.from(b64, 'base64');
  if (raw.toString('base64') !== b64 || raw.length !== 33) throw new Error('verifier key: key data is not base64 of 33 bytes');
  if (raw[0] !== ED25519) throw new Error(`verifier key: unsupported signature type 0x${raw[0]!.toString(16)}`);
  const pub = raw.subarray(1);
  const id = keyId(name, pub);
  if (id.toString('hex') !== hex) throw new Error(`verifier key: key id ${hex} does not match the key (${id.toString('hex')})`);
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' });
  return { name, keyId: id, pub, publicKey, vkey };
}

/**
 * Load `<dataDir>/keys/gateway.key` (PKCS8 PEM) or create it on first run: directory 0700, file
 * 0600, written to a temp file, fsynced and hard-linked into place so a crash or a second process
 * never leaves a half-written key, and the first writer wins.
 */
export function loadOrCreateKey(dataDir: string, name: string): NoteSigner {
  return signerFromPrivateKey(name, loadOrCreatePrivateKey(dataDir, KEY_FILE));
}

/**
 * The Ed25519 private key in `dir/relFile` (PKCS8 PEM), created on first use with mode 0600 in a
 * 0700 folder; written to a temp file, fsynced and hard-linked into place, so a crash never
 * leaves a half-written key and the first writer wins. Also serves the hub's key.
 */
export function loadOrCreatePrivateKey(dir: string, relFile: string): KeyObject {
  const file = join(dir, relFile);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    return readKey(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, pem);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(tmp);
  }
  return readKey(file);
}

function readKey(file: string): KeyObject {
  const pem = readFileSync(file, 'utf8');
  // A key readable by others is not secret any more; at least stop it staying that way.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  try {
    return createPrivateKey(pem);
  } catch (e) {
    throw new Error(`${file}: not a PKCS8 private key (${(e as Error).message})`);
  }
}

/** Sign `text` (must end in a newline): text ‖ "\n" ‖ "— name base64(keyid‖sig)\n". */
export function signNote(text: string, key: NoteSigner): string {
  if (!text.endsWith('\n')) throw new Error('note text must end with a newline');
  checkNoteChars(text);
  const sig = sign(null, Buffer.from(text, 'utf8'), key.privateKey);
  return `${text}\n\u2014 ${key.name} ${Buffer.concat([key.keyId, sig]).toString('base64')}\n`;
}

export type OpenedNote = { ok: true; text: string; keyId: string } | { ok: false; reason: string };

const MAX_SIGNATURES = 100;

/**
 * Open a signed note with one trusted key: returns the text if a signature by that key (same name
 * and key id) verifies; otherwise why not. Signatures by other keys are ignored (C2SP rules).
 */
export function verifyNote(note: string, vkey: string | NoteVerifier): OpenedNote {
  let v: NoteVerifier;
  try {
    v = typeof vkey === 'string' ? parseVerifierKey(vkey) : vkey;
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  try {
    checkNoteChars(note);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return { ok: false, reason: 'malformed note: no blank line before the signatures' };
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) return { ok: false, reason: `note has more than ${MAX_SIGNATURES} signatures` };
  let matched = false;
  for (const line of lines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    if (!m) return { ok: false, reason: `malformed signature line ${JSON.stringify(line)}` };
    const blob = Buffer.from(m[2]!, 'base64');
    if (blob.length < 5 || blob.toString('base64') !== m[2]) return { ok: false, reason: 'malformed signature: bad base64' };
    if (m[1] !== v.name || !blob.subarray(0, 4).equals(v.keyId)) continue;
    matched = true;
    if (!verify(null, Buffer.from(text, 'utf8'), v.publicKey, blob.subarray(4))) {
      return { ok: false, reason: `signature by ${v.name} (key id ${v.keyId.toString('hex')}) does not verify: the note was altered or signed by another key` };
    }
  }
  if (!matched) return { ok: false, reason: `no signature by ${v.name} with key id ${v.keyId.toString('hex')}` };
  return { ok: true, text, keyId: v.keyId.toString('hex') };
}

function checkNoteChars(s: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(s)) throw new Error('note contains control characters');
}

/** The gateway's own key is a note signer named after its checkpoint origin. */
export type GatewayKey = NoteSigner;

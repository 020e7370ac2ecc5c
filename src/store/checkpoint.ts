/**
 * C2SP tlog-checkpoint bodies (c2sp.org/tlog-checkpoint): `origin\nsize\nbase64(root)\n`, then
 * optional extension lines. The origin of a sealift gateway log is `sealift/{gw}`, which is also
 * the name of its signing key.
 */
import { signNote, verifyNote, type NoteSigner, type NoteVerifier } from './keys.js';

export const checkpointOrigin = (gw: string): string => `sealift/${gw}`;

/** The gateway id inside an origin `sealift/{gw}`, or undefined. */
export const gwOfOrigin = (origin: string): string | undefined => (origin.startsWith('sealift/') ? origin.slice(8) : undefined);

export function checkpointBody(origin: string, size: number, rootB64: string): string {
  if (origin === '' || origin.includes('\n')) throw new Error('checkpoint origin must be one non-empty line');
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`checkpoint size ${size} is not a non-negative integer`);
  return `${origin}\n${size}\n${rootB64}\n`;
}

export interface ParsedCheckpoint {
  origin: string;
  size: number;
  /** base64, as written */
  root: string;
  rootHash: Buffer;
  extensions: string[];
}

/** Parse a checkpoint body (the note text). Throws with the reason when malformed. */
export function parseCheckpointBody(text: string): ParsedCheckpoint {
  if (!text.endsWith('\n')) throw new Error('checkpoint: text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new Error('checkpoint: needs origin, size and root lines');
  const [origin, sizeLine, root] = lines as [string, string, string];
  if (origin === '') throw new Error('checkpoint: empty origin');
  // Decimal, no sign, no leading zeros (tlog-checkpoint).
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) throw new Error(`checkpoint: bad size ${JSON.stringify(sizeLine)}`);
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) throw new Error('checkpoint: root is not base64 of 32 bytes');
  const extensions = lines.slice(3);
  if (extensions.some((l) => l === '')) throw new Error('checkpoint: empty extension line');
  return { origin, size: Number(sizeLine), root, rootHash, extensions };
}

/** Sign a checkpoint for (size, root) with the key; the origin is the key's name. */
export function signCheckpoint(key: NoteSigner, size: number, root: Uint8Array): string {
  return signNote(checkpointBody(key.name, size, Buffer.from(root).toString('base64')), key);
}

export type OpenedCheckpoint = ({ ok: true; keyId: string } & ParsedCheckpoint) | { ok: false; reason: string };

/** Verify the note's signature with `vkey` and parse its body; the origin must equal the key name. */
export function openCheckpoint(note: string, vkey: string | NoteVerifier): OpenedCheckpoint {
  const opened = verifyNote(note, vkey);
  if (!opened.ok) return opened;
  try {
    const cp = parseCheckpointBody(opened.text);
    const name = typeof vkey === 'string' ? vkey.slice(0, vkey.indexOf('+')) : vkey.name;
    if (cp.origin !== name) return { ok: false, reason: `checkpoint origin ${cp.origin} is not the key's ${name}` };
    return { ok: true, keyId: opened.keyId, ...cp };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

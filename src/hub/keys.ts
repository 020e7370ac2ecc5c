/**
 * The hub's Ed25519 key (`{hub dir}/keys/hub.key`, PKCS8 PEM, mode 0600): it cosigns the
 * checkpoints it verified (receipts, C2SP tlog-cosignature) and signs commands to gateways.
 * Its verifier key (`sealift hub key`) is what gateways set as `upstream.hubKey`.
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync, chmodSync, statSync } from 'node:fs';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { cosignerFromPrivateKey, type CosignerKey } from '../sync/protocol.js';

export const HUB_KEY_FILE = join('keys', 'hub.key');

export function loadOrCreateHubKey(dir: string, name: string): CosignerKey {
  const file = join(dir, HUB_KEY_FILE);
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  try {
    return readHubKey(file, name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, pem);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file); // the first writer wins
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(tmp);
  }
  return readHubKey(file, name);
}

function readHubKey(file: string, name: string): CosignerKey {
  const pem = readFileSync(file, 'utf8');
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return cosignerFromPrivateKey(name, createPrivateKey(pem));
}

/**
 * The hub's Ed25519 key (`{hub dir}/keys/hub.key`, PKCS8 PEM, mode 0600): it cosigns the
 * checkpoints it verified (receipts, C2SP tlog-cosignature) and signs commands to gateways.
 * Its verifier key (`sealift hub key`) is what gateways set as `upstream.hubKey`.
 */
import { join } from 'node:path';
import { loadOrCreatePrivateKey } from '../store/keys.js';
import { cosignerFromPrivateKey, type CosignerKey } from '../sync/protocol.js';

export const HUB_KEY_FILE = join('keys', 'hub.key');

export function loadOrCreateHubKey(dir: string, name: string): CosignerKey {
  return cosignerFromPrivateKey(name, loadOrCreatePrivateKey(dir, HUB_KEY_FILE));
}

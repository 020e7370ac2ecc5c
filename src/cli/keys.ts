import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { configFrom, type CommonOpts } from './main.js';
import { loadOrCreateKey, KEY_FILE } from '../store/keys.js';
import { checkpointOrigin } from '../store/checkpoint.js';
import { journalGw } from '../gateway/store.js';

export async function keysShow(opts: CommonOpts & { json?: boolean }): Promise<number> {
  const cfg = configFrom(opts);
  const existed = existsSync(join(cfg.data, KEY_FILE));
  const key = loadOrCreateKey(cfg.data, checkpointOrigin(journalGw(cfg)));
  const info = {
    name: key.name,
    keyId: key.keyId.toString('hex'),
    publicKey: Buffer.from(key.pub).toString('base64'),
    vkey: key.vkey,
    file: join(cfg.data, KEY_FILE),
  };
  if (opts.json) {
    process.stdout.write(JSON.stringify(info, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(
    [
      `key name     ${info.name}`,
      `key id       ${info.keyId}`,
      `public key   ${info.publicKey}  (Ed25519)`,
      `verifier key ${info.vkey}`,
      `private key  ${info.file}${existed ? '' : '  (created now)'}`,
      '',
      'Give the verifier key to the hub and to inspectors: `sealift verify --bundle DIR --key <verifier key>`.',
      '',
    ].join('\n'),
  );
  return 0;
}

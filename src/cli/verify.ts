import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { configFrom, type CommonOpts } from './main.js';
import { verifyInThread } from '../store/verify.js';
import { verifyBundle } from '../store/export.js';
import { loadOrCreateKey, KEY_FILE } from '../store/keys.js';
import { checkpointOrigin } from '../store/checkpoint.js';
import { dbPath, journalGw } from '../gateway/store.js';
import { Rejection } from '../core/errors.js';

interface VerifyOpts extends CommonOpts {
  bundle?: string;
  key?: string;
  from?: string;
  to?: string;
}

const seqArg = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new Rejection('usage', `${name} must be a record number (seq), got "${v}"`);
  return Number(v);
};

const OK_ZH = '完整，未被篡改';
const BAD_ZH = '发现篡改或损坏';

export async function runVerify(opts: VerifyOpts): Promise<number> {
  if (opts.bundle) {
    if (!existsSync(opts.bundle)) throw new Rejection('usage', `no bundle at ${opts.bundle}`);
    const r = verifyBundle(opts.bundle, { vkey: opts.key });
    if (r.ok) {
      process.stdout.write(
        `${OK_ZH} — bundle ok: ${r.count} records and ${r.photos} photos proven against checkpoint ` +
          `${r.checkpoint?.size} signed by ${r.keyName} (key id ${r.keyId})` +
          (r.keyFromBundle ? '\n  the key came from the bundle itself: compare its id with the gateway\'s (`sealift keys show`) or pass --key\n' : '\n'),
      );
      return 0;
    }
    const b = r.firstBad!;
    process.stdout.write(
      `${BAD_ZH} — bundle FAILED at ${b.file}${b.line !== undefined ? ` line ${b.line}` : ''}` +
        `${b.seq !== undefined ? ` (record seq ${b.seq})` : ''}: ${b.reason}\n`,
    );
    return 1;
  }

  const cfg = configFrom(opts);
  if (!existsSync(dbPath(cfg))) throw new Rejection('usage', `no journal in ${cfg.data} (is --data right?)`);
  let vkey = opts.key;
  if (!vkey) {
    if (!existsSync(join(cfg.data, KEY_FILE))) throw new Rejection('usage', `no gateway key in ${cfg.data}; pass --key`);
    vkey = loadOrCreateKey(cfg.data, checkpointOrigin(journalGw(cfg))).vkey;
  }
  const workers = availableParallelism() > 1 ? 1 : 0; // content checks beside the tree rebuild
  const r = await verifyInThread(dbPath(cfg), vkey, { from: seqArg(opts.from, '--from'), to: seqArg(opts.to, '--to'), workers });
  if (r.ok) {
    process.stdout.write(
      `${OK_ZH} — journal ok: ${r.checked} records checked (tree size ${r.size}), ` +
        `${r.checkpoints} checkpoints verified, key id ${r.keyId}, ${Math.round(r.ms)} ms\n`,
    );
    return 0;
  }
  const b = r.firstBad!;
  process.stdout.write(
    `${BAD_ZH} — journal FAILED at record seq ${b.seq}: ${b.reason}` +
      (b.checkpoint !== undefined ? ` (checkpoint of size ${b.checkpoint} covers seq 0..${b.checkpoint - 1})` : '') +
      '\n',
  );
  return 1;
}

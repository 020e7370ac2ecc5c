/**
 * `sealift verify` speed (DESIGN §8): records/s ÷ raw SHA-256 hashing of the same bytes (one
 * createHash per record, bytes already in memory). Target ≥ 0.5.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Journal } from '../src/store/journal.js';
import { loadOrCreateKey } from '../src/store/keys.js';
import { verifyJournal } from '../src/store/verify.js';
import { openDb } from '../src/store/db.js';
import { now, tmp, type Result } from './lib.js';

export async function benchVerify(quick: boolean): Promise<Result> {
  const n = quick ? 50_000 : 1_000_000;
  const t = tmp();
  const key = loadOrCreateKey(t.dir, 'sealift/bench');
  const journal = Journal.open({ path: join(t.dir, 'sealift.db'), gw: 'bench', key, groupCommitMs: 0, maxBatch: 5000, maxPending: 1e7 });
  const BATCH = 5000;
  for (let i = 0; i < n; i += BATCH) {
    const ps = [];
    for (let k = i; k < Math.min(n, i + BATCH); k++) {
      ps.push(
        journal.append({
          kind: k % 3 === 0 ? 'seal.stamp' : 'lift.fault.raise',
          subject: `dev-${k % 97}`,
          actor: 'bench',
          dev: { id: `dev-${k % 97}`, boot: 1, seq: k, time: 1_763_000_000_000 + k },
          data: { grant: `g-${k % 1000}`, n: k % 7, counter: k, photo: 'ab'.repeat(32), impression: true },
          ts: 1_763_000_000_000 + k,
        }),
      );
    }
    await Promise.all(ps);
    if (i % 100_000 === 0) journal.checkpoint('bench');
  }
  journal.checkpoint('bench');
  await journal.close();

  // Baseline: the same bytes, read into memory first, hashed once each.
  const db = openDb(join(t.dir, 'sealift.db'), { readonly: true });
  const rows = db.prepare('SELECT bytes FROM journal ORDER BY seq').raw(true).all() as [Buffer][];
  db.close();
  const t0 = now();
  for (const [b] of rows) createHash('sha256').update(b).digest();
  const baseSecs = (now() - t0) / 1000;
  const baseline = n / baseSecs;

  const t1 = now();
  const r = verifyJournal(join(t.dir, 'sealift.db'), key.vkey);
  const secs = (now() - t1) / 1000;
  if (!r.ok) throw new Error(`verify failed in the benchmark: ${JSON.stringify(r.firstBad)}`);
  t.cleanup();
  const value = n / secs;
  const ratio = value / baseline;
  return {
    name: 'verify',
    value,
    unit: 'records/s',
    ratio,
    baseline: `raw SHA-256 ${Math.round(baseline).toLocaleString('en')}/s`,
    target: '≥ 0.5',
    pass: ratio >= 0.5,
    notes: `${n.toLocaleString('en')} records, ${r.checkpoints} checkpoints`,
  };
}

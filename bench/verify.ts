/**
 * `sealift verify` speed (DESIGN §8): records/s ÷ raw SHA-256 hashing of the same bytes (one
 * createHash per record, bytes already in memory). Target ≥ 0.5. Over the benchmark journal
 * (bench/fixture.ts: 1,000,000 records, quick: 100,000) as the CLI runs it: on a thread of its own
 * (verifyInThread) with one more worker thread checking the rows' content beside the tree rebuild
 * on a multi-core machine. "On one thread": verifyJournal here, no worker at all.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { openDb } from '../src/store/db.js';
import { verifyInThread, verifyJournal, type VerifyResult } from '../src/store/verify.js';
import { fixture } from './fixture.js';
import { median, now, type Result } from './lib.js';

export async function benchVerify(quick: boolean): Promise<Result> {
  const fx = await fixture(quick ? 100_000 : 1_000_000);
  const n = fx.size;

  // Baseline: the same bytes, read into memory first, hashed once each.
  const db = openDb(fx.dbPath, { readonly: true });
  const rows = db.prepare('SELECT bytes FROM journal ORDER BY seq').raw(true).all() as [Buffer][];
  db.close();
  // Each side three times, alternating, the median of each (one pass over 100,000 records is a
  // fraction of a second: a single one is at the mercy of the CPU's clock and the neighbours).
  const workers = availableParallelism() > 1 ? 1 : 0;
  const base: number[] = [];
  const par: number[] = [];
  const single: number[] = [];
  let r: VerifyResult | undefined;
  for (let k = 0; k < 3; k++) {
    const t0 = now();
    for (const [b] of rows) createHash('sha256').update(b).digest();
    base.push(n / ((now() - t0) / 1000));
    const t1 = now();
    r = await verifyInThread(fx.dbPath, fx.key.vkey, { workers });
    par.push(n / ((now() - t1) / 1000));
    if (!r.ok) throw new Error(`verify failed in the benchmark: ${JSON.stringify(r.firstBad)}`);
    const t2 = now();
    verifyJournal(fx.dbPath, fx.key.vkey, { workers: 0 });
    single.push(n / ((now() - t2) / 1000));
  }
  const baseline = median(base);
  const value = median(par);
  const ratio = value / baseline;
  return {
    name: 'verify',
    value,
    unit: 'records/s',
    ratio,
    baseline: `raw SHA-256 ${Math.round(baseline).toLocaleString('en')}/s`,
    target: '≥ 0.5',
    pass: ratio >= 0.5,
    notes: `${n.toLocaleString('en')} records, ${r!.checkpoints} checkpoints, its own thread + ${workers} worker thread(s), medians of 3; on one thread ${Math.round(median(single)).toLocaleString('en')}/s (${(median(single) / baseline).toFixed(2)} ×)`,
  };
}

/**
 * GET /api/verify (the inspectors' "verify now") checks the whole journal on a thread of its own: a
 * journal of 150,000 records takes a while, and meanwhile the gateway keeps answering; requests
 * that arrive during one verification share its answer; a record changed on the disk is named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Client } from '../helpers/inproc.js';
import { sealRig, type SealRig } from './helpers.js';

const N = 150_000;
let r: SealRig;
let inspector: Client;

beforeAll(async () => {
  r = await sealRig({});
  const j = r.gw.store.journal;
  for (let i = 0; i < N; i += 5000) {
    await Promise.all(Array.from({ length: 5000 }, (_, k) => j.append({ kind: 'device.status', subject: `kit-${(i + k) % 7}`, data: { n: i + k, battery: 90 } })));
  }
  j.checkpoint('requested');
  inspector = await r.client('inspector');
}, 120_000);
afterAll(async () => {
  await r?.stop();
});

describe('verify now, from the pages', () => {
  it('the gateway keeps answering while it verifies, and two requests share one verification', async () => {
    const order: string[] = [];
    const a = inspector.get('/api/verify').then((x) => (order.push('verify'), x));
    const b = inspector.get('/api/verify').then((x) => (order.push('verify'), x));
    const health = fetch(`${r.base}/healthz`).then(async (x) => (order.push('healthz'), x.status));
    const [va, vb, hs] = await Promise.all([a, b, health]);
    expect(hs).toBe(200);
    expect(order[0]).toBe('healthz'); // answered while the verification ran
    expect(va.body).toMatchObject({ ok: true, records: r.gw.store.journal.size });
    expect(va.body.checked).toBeGreaterThanOrEqual(N);
    expect(vb.body.ms).toBe(va.body.ms); // the same verification
  }, 60_000);

  it('names the record that was changed on the disk', async () => {
    const db = new Database(r.gw.store.journal.db.name);
    const seq = 123_456;
    try {
      db.exec('DROP TRIGGER IF EXISTS journal_no_update');
      const row = db.prepare('SELECT bytes FROM journal WHERE seq = ?').get(seq) as { bytes: Buffer };
      const i = row.bytes.indexOf('"battery":90') + 11;
      row.bytes[i] = '1'.charCodeAt(0); // 90 → 91
      db.prepare('UPDATE journal SET bytes = ? WHERE seq = ?').run(row.bytes, seq);
    } finally {
      db.close();
    }
    const v = await inspector.get('/api/verify');
    expect(v.status).toBe(200);
    expect(v.body.ok).toBe(false);
    expect(v.body.firstBad.seq).toBe(seq);
  }, 60_000);
});

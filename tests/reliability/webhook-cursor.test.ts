/**
 * The lift webhook outbox's cursor (src/lift/webhooks.ts). It used to be written in a transaction
 * of its own after every journal commit — a second fsync per commit, halving durable ingest
 * (bench/ingest.ts). Now records that raise no alert cost no write: the stored cursor moves with
 * queued alerts, every 10,000 records, and on stop. What must still hold: after a crash nothing is
 * lost and nothing is queued twice, and a clean stop leaves the cursor at the end.
 */
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { Journal } from '../../src/store/journal.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import { WebhookOutbox, type WebhookAlert } from '../../src/lift/webhooks.js';
import type { JournalRecord } from '../../src/store/types.js';
import { tmp } from '../helpers/cli.js';

const GW = 'testgw';
const cfg = loadConfig({ env: {} }).lift;
// a receiver that never answers in time (the alerts stay queued), retried rarely
const liftCfg = { ...cfg, webhooks: [{ url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret-0123456789' }], webhook: { ...cfg.webhook, backoffMinMs: 60_000, backoffMaxMs: 60_000, timeoutMs: 200 } };
const alertOf = (rec: JournalRecord): WebhookAlert | null => (rec.kind === 'lift.fault.raise' ? { id: `${GW}/${rec.seq}`, event: 'fault.raise', severity: 'critical' } : null);

function open(dir: string): { journal: Journal; outbox: WebhookOutbox } {
  const journal = Journal.open({ path: join(dir, 'sealift.db'), gw: GW, key: loadOrCreateKey(dir, `sealift/${GW}`), groupCommitMs: 0 });
  const outbox = new WebhookOutbox({ db: journal.db, journal, cfg: liftCfg, log: createLogger('silent'), registry: new Registry(), alertOf });
  outbox.start();
  return { journal, outbox };
}
const cursor = (j: Journal): number => (j.db.prepare('SELECT next_seq FROM lift_webhook_cursor WHERE id = 0').get() as { next_seq: number }).next_seq;
const queued = (j: Journal): string[] => (j.db.prepare('SELECT alert_id FROM lift_webhook_outbox ORDER BY id').all() as { alert_id: string }[]).map((r) => r.alert_id);
const status = (i: number) => ({ kind: 'device.status' as const, subject: 'lift-1', data: { i } });
const fault = (i: number) => ({ kind: 'lift.fault.raise' as const, subject: 'lift-1', data: { faultId: `F${i}`, code: 'LIFT_TRAPPED' } });

describe('webhook outbox cursor', () => {
  it('writes nothing for records without alerts, moves with queued alerts, and is stored on stop', async () => {
    const dir = tmp('sealift-webhook-cursor-');
    const { journal, outbox } = open(dir);
    const start = cursor(journal);
    for (let i = 0; i < 50; i++) await journal.append(status(i));
    expect(cursor(journal)).toBe(start); // no write for 50 commits without an alert
    const f = await journal.append(fault(1));
    expect(queued(journal)).toEqual([`${GW}/${f.seq}`]);
    expect(cursor(journal)).toBe(f.seq + 1); // stored with the queued alert, in one transaction
    for (let i = 0; i < 20; i++) await journal.append(status(i));
    expect(cursor(journal)).toBe(f.seq + 1);
    await outbox.stop();
    expect(cursor(journal)).toBe(journal.size);
    await journal.close();
  });

  it('after a crash, re-reads the alert-free records and queues nothing twice and nothing less', async () => {
    const dir = tmp('sealift-webhook-crash-');
    let journal = open(dir).journal;
    const a = await journal.append(fault(1));
    for (let i = 0; i < 30; i++) await journal.append(status(i));
    const stored = cursor(journal);
    expect(stored).toBe(a.seq + 1);
    // crash: no outbox.stop(), the cursor lags behind by 30 alert-free records
    await journal.close();
    // a record with an alert committed while no outbox listened (the moment between a commit and
    // its listener never survives a crash, but the catch-up must cover it)
    {
      const j = Journal.open({ path: join(dir, 'sealift.db'), gw: GW, key: loadOrCreateKey(dir, `sealift/${GW}`), groupCommitMs: 0 });
      await j.append(status(99));
      await j.append(fault(2));
      await j.close();
    }
    const reopened = open(dir);
    journal = reopened.journal;
    const outbox = reopened.outbox;
    const faults = (journal.db.prepare("SELECT seq FROM journal WHERE kind = 'lift.fault.raise' ORDER BY seq").all() as { seq: number }[]).map((r) => `${GW}/${r.seq}`);
    expect(queued(journal)).toEqual(faults); // both, once each
    expect(cursor(journal)).toBe(journal.size);
    await outbox.stop();
    await journal.close();
  });

  it('stores the cursor at least every 10,000 alert-free records', async () => {
    const dir = tmp('sealift-webhook-lag-');
    const { journal, outbox } = open(dir);
    const start = cursor(journal);
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 10_500; i++) all.push(journal.append(status(i)));
    await Promise.all(all);
    expect(cursor(journal)).toBeGreaterThan(start);
    expect(journal.size - cursor(journal)).toBeLessThan(10_000);
    await outbox.stop();
    await journal.close();
  });
});

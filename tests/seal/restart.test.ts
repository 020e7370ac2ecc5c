/**
 * A gateway restart in the middle of the workflow (the sleeve and its cable stay): the serial link
 * resumes the sleeve's boot and seq from the journal (dedupe and wrap survive), events sent while
 * the gateway was down arrive once, an undelivered grant is delivered, and the derived tables are
 * the same as a rebuild from the journal.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nextLocalTime } from '../../sim/seal/clock.js';
import type { SerialSimSeal } from '../../sim/seal/devices.js';
import { naturalKeys, sealRig, waitFor, type SealRig } from './helpers.js';

let r: SealRig;
beforeAll(async () => {
  r = await sealRig({ serial: ['s1'], photoUplink: false, clockStart: nextLocalTime(Date.now(), 10, 0, { weekday: true }), serialOptions: { initialSeq: 65530 } });
});
afterAll(() => r?.stop());

it('resumes after a restart: nothing lost, nothing twice, no false anomaly, the pending grant delivered', async () => {
  const s = r.sleeves[0] as SerialSimSeal;
  const keeper = await r.client('keeper');
  const approver = await r.client('approver');
  const window = { notBefore: r.clock.now(), notAfter: r.clock.now() + 3600_000 };
  const a = await keeper.post('/api/seal/requests', { seal: 's1', matter: '证明', title: '重启前', count: 3, ...window });
  const ok = await approver.post(`/api/seal/requests/${a.body.id}/approve`, {});
  await waitFor(() => s.grant?.grant === ok.body.grant, 5000, 'grant');
  expect(s.stamp({ photo: false }).ok).toBe(true);
  await s.whenIdle(5000);

  // a second request approved while the sleeve ignores commands: its grant is never acknowledged…
  s.dropAcks = true;
  const b = await keeper.post('/api/seal/requests', { seal: 's1', matter: '合同', title: '重启时未送达', count: 1, ...window });
  const okB = await approver.post(`/api/seal/requests/${b.body.id}/approve`, {});
  await new Promise((res) => setTimeout(res, 100));

  await r.restart(async () => {
    // …and while the gateway is down the sleeve stamps (seq wraps past 65535 meanwhile)
    s.dropAcks = false;
    for (let i = 0; i < 8; i++) s.status();
    expect(s.stamp({ photo: false }).ok).toBe(true);
    await new Promise((res) => setTimeout(res, 300));
  });
  await s.whenIdle(10_000);
  // the undelivered grant is sent again at start and now acknowledged
  await waitFor(async () => (await (await r.client('keeper')).get(`/api/seal/requests/${b.body.id}`)).body.request.state === 'granted', 8000, 'grant B delivered after the restart');
  expect(s.grant?.grant).toBe(okB.body.grant);
  const keys = naturalKeys(r, 's1');
  expect(new Set(keys).size).toBe(keys.length);
  expect(Math.max(...r.records().filter((x) => x.dev).map((x) => x.dev!.seq))).toBeGreaterThan(65535); // extended over the wrap
  expect(r.records('seal.stamp')).toHaveLength(2);
  expect(r.anomalies('s1').filter((c) => c !== 'STAMP_NO_PHOTO')).toEqual([]);
  const db = r.gw.store.db;
  const dump = () => ['seal_requests', 'seal_grants', 'seal_stamps', 'seal_devices'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all());
  const before = dump();
  r.gw.store.journal.rebuild();
  expect(dump()).toEqual(before);
});

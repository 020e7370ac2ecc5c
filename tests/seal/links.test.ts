/**
 * The sleeves' links under stress, through the whole gateway (real ptys, real broker, real SQLite):
 *  - a noisy serial line (1 % of bytes corrupted both ways, garbage between frames) loses no
 *    event, and retransmissions are stored once;
 *  - an unplugged cable (socat killed) and an MQTT sleeve offline for an hour (accelerated clock):
 *    the gateway reconnects and the buffered events arrive, in order, once, judged at their
 *    (trusted) device time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { runSealScenario } from '../../sim/seal/scenarios.js';
import type { SerialSimSeal } from '../../sim/seal/devices.js';
import type { MqttSleeve } from '../../sim/seal/mqtt-sleeve.js';
import { naturalKeys, sealRig, USERS, type SealRig } from './helpers.js';

describe('seal links', () => {
  let r: SealRig;
  beforeAll(async () => {
    // many tries per command: on a 1 % noisy line a grant frame and its ACK both survive ~30 % of the time
    r = await sealRig({ serial: ['s1'], mqtt: ['m1'], config: { commandTries: 20 } });
  });
  afterAll(() => r?.stop());

  it('a noisy line with 1 % of bytes corrupted loses no event; retransmissions are stored once', async () => {
    const s = r.sleeves.find((x) => x.transport === 'serial') as SerialSimSeal;
    const from = r.gw.store.journal.size;
    const before = s.sleeve.delivered.length;
    const res = await runSealScenario('noisy-line', { api: r.base, users: USERS, sleeve: s, clock: r.clock, timeoutMs: 20_000 });
    expect(res.expected).toEqual([]);
    expect(s.sleeve.stats.retransmits).toBeGreaterThan(0);
    const link = r.svc.serial('s1')!.link;
    expect(Object.keys(link.counters.rejected).length).toBeGreaterThan(0); // the gateway did see corruption
    // every frame the sleeve got an ACK for is in the journal exactly once
    const delivered = s.sleeve.delivered.slice(before).filter((f) => !f.nacked);
    const keys = naturalKeys(r, 's1');
    expect(new Set(keys).size).toBe(keys.length);
    for (const f of delivered) expect(keys, `${f.event.type} ${f.boot}:${f.seq}`).toContain(`${f.boot}:${f.seq}`);
    const stamps = r.records('seal.stamp').filter((x) => x.seq >= from && x.subject === 's1');
    expect(stamps).toHaveLength(5);
    expect(r.records('seal.complete').filter((x) => x.seq >= from)).toHaveLength(1);
    // no event lost → no false anomaly either (no seq gap, no counter jump)
    expect(r.anomalies('s1').filter((c) => c !== 'STAMP_NO_PHOTO')).toEqual([]);
  });

  it('unplugging the cable (killing socat) and plugging it back: the gateway reconnects and the buffered events arrive', async () => {
    const s = r.sleeves.find((x) => x.transport === 'serial') as SerialSimSeal;
    const port = r.svc.serial('s1')!.port;
    const opens = port.counters.opens;
    const from = r.gw.store.journal.size;
    const anomaliesBefore = r.anomalies('s1').length;
    await runSealScenario('offline-hour', { api: r.base, users: USERS, sleeve: s, clock: r.clock });
    expect(port.counters.opens).toBe(opens + 1);
    expect(port.counters.drops).toBeGreaterThanOrEqual(1);
    const recs = r.records().filter((x) => x.seq >= from && x.subject === 's1');
    const statuses = recs.filter((x) => x.kind === 'device.status');
    const stamps = recs.filter((x) => x.kind === 'seal.stamp');
    expect(statuses).toHaveLength(6);
    expect(stamps).toHaveLength(3);
    // buffered stamps were made 40 and 20 minutes before they arrived: judged at the device's time
    const late = stamps.filter((x) => x.data.timeBasis === 'device');
    expect(late).toHaveLength(2);
    for (const x of late) expect(x.ts - (x.data.decisionTime as number)).toBeGreaterThan(15 * 60_000);
    // in order, once
    const seqs = recs.filter((x) => x.dev).map((x) => x.dev!.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(naturalKeys(r, 's1')).size).toBe(naturalKeys(r, 's1').length);
    expect(r.anomalies('s1').length).toBe(anomaliesBefore);
  });

  it('an MQTT sleeve offline for an hour delivers its buffered events on reconnect', async () => {
    const m = r.sleeves.find((x) => x.transport === 'mqtt') as MqttSleeve;
    const from = r.gw.store.journal.size;
    await runSealScenario('offline-hour', { api: r.base, users: USERS, sleeve: m, clock: r.clock });
    const recs = r.records().filter((x) => x.seq >= from && x.subject === 'm1');
    expect(recs.filter((x) => x.kind === 'device.status')).toHaveLength(6);
    const stamps = recs.filter((x) => x.kind === 'seal.stamp');
    expect(stamps).toHaveLength(3);
    expect(stamps.filter((x) => x.data.timeBasis === 'device')).toHaveLength(2);
    // photos of the buffered stamps came with them
    const photos = r.records('seal.photo').filter((x) => x.seq >= from).map((x) => x.data.sha256);
    for (const st of stamps) expect(photos).toContain(st.data.photo);
    expect(r.anomalies('m1')).toEqual([]);
  });

  it('a flood of MQTT status reports shares commits; retransmissions stored once; a removal in the middle raised once', async () => {
    const { secret } = await r.gw.store.registry.addDevice({ id: 'm9', profile: 'seal-mqtt' });
    const c = await mqtt.connectAsync(r.brokerUrl, { clientId: 'm9', username: 'm9', password: secret });
    const from = r.gw.store.journal.size;
    const commits = r.gw.store.journal.stats().commits;
    const status = (seq: number, present = true) =>
      JSON.stringify({ seq, boot: 7, battery: 80, locked: false, sleeveClosed: true, sealPresent: present, time: r.clock.now() });
    const sends: Promise<unknown>[] = [];
    for (let seq = 0; seq < 300; seq++) {
      sends.push(c.publishAsync('dev/m9/up/status', status(seq, !(seq >= 150 && seq < 160)), { qos: 1 }));
      if (seq % 10 === 0) sends.push(c.publishAsync('dev/m9/up/status', status(seq), { qos: 1 })); // a retransmission
      if (sends.length >= 32) await Promise.all(sends.splice(0));
    }
    await Promise.all(sends);
    await c.endAsync();
    const recs = r.records().filter((x) => x.seq >= from && x.subject === 'm9');
    expect(recs.filter((x) => x.kind === 'device.status')).toHaveLength(300);
    expect(new Set(naturalKeys(r, 'm9')).size).toBe(300);
    expect(r.anomalies('m9')).toEqual(['SEAL_REMOVED']);
    expect(r.gw.store.journal.stats().commits - commits).toBeLessThan(150);
  });
});

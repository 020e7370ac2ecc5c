/**
 * The sensor-kit ingest path on the real broker: bad payloads are refused, acknowledged and counted
 * and change nothing; camera events are journaled once; the retained last will marks the kit offline;
 * an open fault survives a gateway restart without being raised twice.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEvent, encodeStatus } from '../../devices/lift-kit-mqtt.js';
import type { LiftReading } from '../../devices/types.js';
import { LiftModel } from '../../sim/lift/model.js';
import { FAST_RULES, liftRig, sleep, waitFor, type LiftRig } from './helpers.js';

let rig: LiftRig | null = null;
afterEach(async () => {
  await rig?.stop();
  rig = null;
});

const DEVICES = [{ id: 'k1', profile: 'lift-kit-mqtt' as const, ratedSpeed: 1000, floors: { lo: 1, hi: 6 } }];
const base: LiftReading = new LiftModel({ auto: false }).reading();

async function kitClient(r: LiftRig, will = false): Promise<MqttClient> {
  return mqtt.connectAsync(r.brokerUrl, {
    clientId: 'k1',
    username: 'k1',
    password: r.secrets.k1!,
    reconnectPeriod: 0,
    ...(will ? { will: { topic: 'dev/k1/up/online', payload: Buffer.from('0'), qos: 1 as const, retain: true } } : {}),
  });
}

const rejected = async (r: LiftRig): Promise<Record<string, number>> => {
  const m = await r.gw.metrics.rejected.get();
  return Object.fromEntries(m.values.map((v) => [String(v.labels.reason), v.value]));
};

describe('kit ingest', () => {
  it('refuses bad payloads with a reason (acknowledged, counted, nothing journaled)', async () => {
    rig = await liftRig({ devices: DEVICES });
    const kit = await kitClient(rig);
    const before = rig.gw.store.journal.size;
    await kit.publishAsync('dev/k1/up/status', '{"seq": 1, "ts": ', { qos: 1 });
    await kit.publishAsync('dev/k1/up/status', JSON.stringify({ seq: 1, ts: Date.now(), running: 7 }), { qos: 1 });
    await kit.publishAsync('dev/k1/up/weather', '{}', { qos: 1 });
    await kit.publishAsync('dev/k1/up/online', 'maybe', { qos: 1 });
    const r = await rejected(rig);
    expect(r.device_kit_bad_json).toBe(1);
    expect(r.device_kit_schema).toBe(1);
    expect(r.device_kit_unknown_subtopic).toBe(1);
    expect(r.device_kit_bad_value).toBe(1);
    expect(rig.gw.store.journal.size).toBe(before);
    await kit.endAsync();
  });

  it('journals camera events once (natural key), and a status only when it matters', async () => {
    rig = await liftRig({ devices: DEVICES });
    const kit = await kitClient(rig);
    const from = rig.gw.store.journal.size;
    for (let i = 0; i < 5; i++) await kit.publishAsync('dev/k1/up/status', encodeStatus({ ...base, floorLabel: String(1 + (i % 3)), floor: 1 + (i % 3) }, 10 + i, Date.now()), { qos: 1 });
    const ev = encodeEvent('ebike', 42, Date.now());
    await kit.publishAsync('dev/k1/up/event', ev, { qos: 1 });
    await kit.publishAsync('dev/k1/up/event', ev, { qos: 1 }); // retransmission
    const recs = rig.records(undefined, from);
    // five moves between floors are state, not history: mode and online once, the event once
    expect(recs.map((x) => x.kind)).toEqual(['lift.mode', 'device.online', 'lift.event']);
    expect(recs[2]).toMatchObject({ subject: 'k1', dev: { id: 'k1', seq: 42 }, data: { kind: 'ebike' } });
    expect(rig.service.state('k1')!.reading!.floorLabel).toBe('2');
    await kit.endAsync();
  });

  it('the retained last will marks the kit offline at once; its next status brings it back', async () => {
    rig = await liftRig({ devices: DEVICES });
    const kit = await kitClient(rig, true);
    await kit.publishAsync('dev/k1/up/status', encodeStatus(base, 1, Date.now()), { qos: 1 });
    const from = rig.gw.store.journal.size;
    kit.stream.destroy(); // no DISCONNECT: the broker publishes the will
    await waitFor(() => rig!.faults('k1', from).find((f) => f.code === 'LIFT_OFFLINE'), 3000, 'offline fault');
    expect(rig.records(['device.offline'], from)).toEqual([expect.objectContaining({ subject: 'k1', data: { profile: 'lift-kit-mqtt', reason: 'last_will' } })]);
    expect(rig.service.state('k1')!.online).toBe(false);
    const again = await kitClient(rig);
    await again.publishAsync('dev/k1/up/status', encodeStatus(base, 2, Date.now()), { qos: 1 });
    await waitFor(() => rig!.faults('k1', from).find((f) => f.kind === 'clear' && f.code === 'LIFT_OFFLINE'), 3000, 'back online');
    expect(rig.records(['device.online'], from)).toHaveLength(1);
    await again.endAsync();
  });

  it('an open fault survives a restart: not raised twice, cleared when its condition goes', async () => {
    const lift = { rules: { ...FAST_RULES, kitOfflineMs: 600_000 } };
    rig = await liftRig({ devices: DEVICES, lift });
    let kit = await kitClient(rig);
    await kit.publishAsync('dev/k1/up/status', encodeStatus({ ...base, mainsOk: false }, 1, Date.now()), { qos: 1 });
    await waitFor(() => rig!.faults('k1').find((f) => f.code === 'LIFT_POWER_LOSS'), 3000, 'power loss');
    await kit.endAsync();
    const data = rig.data;
    await rig.stop();

    rig = await liftRig({ devices: DEVICES, lift, data });
    expect(rig.service.state('k1')!.faults.map((f) => f.code)).toEqual(['LIFT_POWER_LOSS']);
    kit = await kitClient(rig);
    await kit.publishAsync('dev/k1/up/status', encodeStatus({ ...base, mainsOk: false }, 1, Date.now()), { qos: 1 });
    await sleep(500);
    expect(rig.faults('k1').map((f) => f.kind)).toEqual(['raise']);
    await kit.publishAsync('dev/k1/up/status', encodeStatus(base, 2, Date.now()), { qos: 1 });
    await waitFor(() => rig!.faults('k1').length === 2, 3000, 'cleared after the restart');
    const [raise, clear] = rig.faults('k1');
    expect(clear!.faultId).toBe(raise!.faultId);
    await kit.endAsync();
  });
});

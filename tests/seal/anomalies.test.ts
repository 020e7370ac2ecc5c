/**
 * Every anomaly code of DESIGN §6.1, produced end to end by its simulator scenario on a serial
 * sleeve (real socat pty) and on an MQTT sleeve (real broker), checked in the journal: exactly the
 * codes the scenario expects, each journaled as `seal.anomaly` with `data.code`, published on
 * `sealift/{gw}/seal/{id}/event`, followed by a checkpoint covering it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { ANOMALY_CODES } from '../../src/seal/model.js';
import { runSealScenario, SEAL_SCENARIOS } from '../../sim/seal/scenarios.js';
import type { SimSeal } from '../../sim/seal/devices.js';
import { sealRig, USERS, waitFor, type SealRig } from './helpers.js';

const SCENARIOS = [
  'normal-day',
  'stamp-without-grant',
  'over-count',
  'outside-window',
  'no-impression',
  'no-photo',
  'tamper',
  'seal-removed',
  'counter-jump',
  'seq-gap',
  'grant-not-acked',
  'self-approval',
  'break-glass',
  'power-loss',
  'out-of-hours',
];

describe('seal anomalies, one scenario each, on serial and MQTT sleeves', () => {
  let r: SealRig;
  const events: { topic: string; body: { kind: string; data: { code?: string } } }[] = [];
  let watcher: mqtt.MqttClient;
  const seen = new Set<string>();

  beforeAll(async () => {
    r = await sealRig({ serial: ['s1'], mqtt: ['m1'] });
    watcher = await mqtt.connectAsync(r.brokerUrl, { clientId: 'jiwei:watch', username: USERS.inspector.name, password: USERS.inspector.password });
    watcher.on('message', (topic, payload) => events.push({ topic, body: JSON.parse(payload.toString()) as never }));
    await watcher.subscribeAsync('sealift/testgw/seal/+/event', { qos: 1 });
  });
  afterAll(async () => {
    await watcher?.endAsync();
    await r?.stop();
  });

  const codesSince = (seal: string, fromSeq: number) =>
    r
      .records('seal.anomaly')
      .filter((x) => x.subject === seal && x.seq >= fromSeq)
      .map((x) => x.data.code as string);

  for (const transport of ['serial', 'mqtt'] as const) {
    for (const name of SCENARIOS) {
      it(`${transport}: ${name} → ${SEAL_SCENARIOS[name]!.expected.join(', ') || 'no anomaly'}`, async () => {
        const sleeve: SimSeal = r.sleeves.find((s) => s.transport === transport)!;
        const from = r.gw.store.journal.size;
        const res = await runSealScenario(name, { api: r.base, users: USERS, sleeve, clock: r.clock, timeoutMs: 10_000 });
        const expected = [...new Set(res.expected)].sort();
        // deadline-based ones (the photo that never arrives) come a little later
        const minCount = name === 'no-photo' ? 2 : expected.length;
        const got = await waitFor(
          () => {
            const all = codesSince(sleeve.id, from);
            const c = [...new Set(all)].sort();
            return expected.every((e) => c.includes(e)) && all.length >= minCount ? c : undefined;
          },
          8000,
          `${expected.join(',')} on ${sleeve.id}`,
        ).catch(() => [...new Set(codesSince(sleeve.id, from))].sort());
        await new Promise((res) => setTimeout(res, 150)); // nothing else trickles in
        expect([...new Set(codesSince(sleeve.id, from))].sort(), `anomalies of ${name} on ${transport}`).toEqual(expected);
        for (const c of got) seen.add(c);
        if (name === 'no-photo') expect(codesSince(sleeve.id, from).filter((c) => c === 'STAMP_NO_PHOTO')).toHaveLength(2);
      });
    }
  }

  it('covered all 16 codes; each anomaly was published and followed by a checkpoint covering it', async () => {
    expect([...seen].sort()).toEqual([...ANOMALY_CODES].sort());
    const anomalies = r.records('seal.anomaly');
    await waitFor(() => events.filter((e) => e.body.kind === 'seal.anomaly').length >= anomalies.length, 3000, 'anomaly events');
    const published = events.filter((e) => e.body.kind === 'seal.anomaly');
    expect(published.map((e) => e.body.data.code).sort()).toEqual(anomalies.map((a) => a.data.code).sort());
    for (const e of published) expect(e.topic).toMatch(/^sealift\/testgw\/seal\/(s1|m1)\/event$/);
    const cps = r.gw.store.journal.checkpoints();
    for (const a of anomalies) expect(cps.some((cp) => cp.size > a.seq), `checkpoint after anomaly ${a.seq}`).toBe(true);
  });

  it('the projection rebuilds from the journal to the same state', () => {
    const db = r.gw.store.db;
    const dump = () =>
      ['seal_requests', 'seal_grants', 'seal_stamps', 'seal_anomalies', 'seal_photos'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all());
    const before = dump();
    r.gw.store.journal.rebuild();
    expect(dump()).toEqual(before);
  });
});

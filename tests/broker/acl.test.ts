/** Topic ACL over real connections: refused publishes close the client, refused subscribes get 0x80. */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import { startHarness, expectServes, closed, type Harness, GW, waitFor } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(async () => h.cleanup());
afterAll(async () => h.stop());

/** granted QoS per filter; MQTT.js turns a 0x80 grant into an error carrying the SUBACK */
const granted = async (c: MqttClient, topic: string): Promise<number[]> => {
  try {
    return (await c.subscribeAsync(topic, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    const packet = (err as { packet?: { cmd?: string; granted?: number[] } }).packet;
    if (packet?.cmd === 'suback' && packet.granted) return packet.granted;
    throw err;
  }
};

describe('broker ACL', () => {
  it("closes a device that publishes to another device's topic, and persists nothing", async () => {
    const c = await h.device('lift-1');
    const gone = closed(c);
    let acked = false;
    c.publish('dev/seal-1/up/stamp', '{"seq":1,"grant":"g"}', { qos: 1 }, (err) => {
      if (!err) acked = true;
    });
    await gone;
    await sleep(50);
    expect(acked).toBe(false);
    expect(h.commits).toHaveLength(0);
    expect(h.rejected('broker_publish_denied')).toBe(1);
    await expectServes(h);
  });

  it('closes a device that publishes to its own down topic or a gateway topic (also QoS 0)', async () => {
    for (const topic of ['dev/lift-1/down/grant', `sealift/${GW}/status`, 'dev/lift-1/up']) {
      const c = await h.device('lift-1');
      const gone = closed(c);
      c.publish(topic, 'x', { qos: 0 });
      await gone;
      expect(h.rejected('broker_publish_denied'), topic).toBe(1);
      await h.cleanup();
    }
    await expectServes(h);
  });

  it('answers SUBACK 0x80 to # and other wildcards above the own prefix, and keeps the connection', async () => {
    const c = await h.device('lift-1');
    for (const f of ['#', '+/#', '$SYS/#', 'dev/#', 'dev/+/down/#', 'dev/seal-1/down/#', 'dev/lift-1/up/#', `sealift/${GW}/#`]) {
      expect(await granted(c, f), f).toEqual([128]);
    }
    expect(c.connected).toBe(true);
    expect(await granted(c, 'dev/lift-1/down/#')).toEqual([1]);
    expect(h.rejected('broker_subscribe_denied')).toBe(8);

    const u = await h.user('alice');
    for (const f of ['#', 'sealift/#', 'sealift/+/status', 'dev/#', 'dev/lift-1/down/#']) expect(await granted(u, f), f).toEqual([128]);
    expect(await granted(u, `sealift/${GW}/#`)).toEqual([1]);
    await expectServes(h);
  });

  it('delivers gateway commands to the device subscribed to its own down topic only', async () => {
    const lift = await h.device('lift-1');
    const seal = await h.device('seal-1');
    await lift.subscribeAsync('dev/lift-1/down/#', { qos: 1 });
    await seal.subscribeAsync('dev/seal-1/down/#', { qos: 1 });
    const got: string[] = [];
    lift.on('message', (t, p) => got.push(`lift ${t} ${p.toString()}`));
    seal.on('message', (t, p) => got.push(`seal ${t} ${p.toString()}`));
    await h.broker.publish('dev/lift-1/down/lock', '{"id":"c1"}', { qos: 1 });
    await sleep(50);
    expect(got).toEqual(['lift dev/lift-1/down/lock {"id":"c1"}']);
  });

  it('refuses a topic 200 levels deep (publish closes, nothing persisted) and deep filters', async () => {
    const c = await h.device('lift-1');
    const gone = closed(c);
    c.publish('dev/lift-1/up/' + Array.from({ length: 200 }, (_, i) => `l${i}`).join('/'), '{}', { qos: 1 });
    await gone;
    expect(h.commits).toHaveLength(0);
    await waitFor(() => h.rejected('broker_topic_too_deep') === 1, 1_000, 'aedes refusal counted');
    // 20 levels: within what aedes accepts, beyond our maxTopicLevels (16)
    const d = await h.device('seal-1');
    const gone2 = closed(d);
    d.publish('dev/seal-1/up/' + Array.from({ length: 17 }, () => 'x').join('/'), '{}', { qos: 1 });
    await gone2;
    expect(h.commits).toHaveLength(0);
    expect(h.rejected('broker_topic_too_deep')).toBe(2);
    await h.cleanup();
    const s = await h.device('lift-1');
    expect(await granted(s, 'dev/lift-1/down/' + Array.from({ length: 17 }, () => '+').join('/'))).toEqual([128]);
    expect(h.rejected('broker_topic_too_deep')).toBe(1);
    await expectServes(h);
  });

  it("lets users read gateway topics but not each other's requests", async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await bob.subscribeAsync(`sealift/${GW}/#`, { qos: 1 });
    const bobSaw: string[] = [];
    bob.on('message', (t) => bobSaw.push(t));
    h.broker.onRequest('ping', async () => 'pong');
    await h.broker.publish(`sealift/${GW}/lift/L1/state`, '{"floor":"3"}', { retain: true });
    await alice.publishAsync(`sealift/${GW}/request/ping`, '{"transaction":"a1","secret":"x"}', { qos: 1 });
    await sleep(80);
    expect(bobSaw).toContain(`sealift/${GW}/lift/L1/state`);
    expect(bobSaw).toContain(`sealift/${GW}/response/ping`);
    expect(bobSaw).not.toContain(`sealift/${GW}/request/ping`);
  });

  it('closes a user that publishes outside sealift/{gw}/request/{name}', async () => {
    for (const topic of [`sealift/${GW}/status`, `sealift/${GW}/response/x`, 'dev/lift-1/up/stamp', `sealift/${GW}/request/a/b`]) {
      const u = await h.user('alice');
      const gone = closed(u);
      u.publish(topic, '{"transaction":"t"}', { qos: 1 });
      await gone;
      expect(h.commits).toHaveLength(0);
      expect(h.rejected('broker_publish_denied'), topic).toBe(1);
      await h.cleanup();
    }
    await expectServes(h);
  });


  it('applies the optional userCanRead filter to deliveries (role-based views)', async () => {
    const g = await startHarness({
      userCanRead: (p, topic) => p.role !== 'maintainer' || !topic.startsWith(`sealift/${GW}/seal/`),
    });
    try {
      const bob = await g.user('bob'); // maintainer
      const alice = await g.user('alice'); // inspector
      const seen: string[] = [];
      bob.on('message', (t) => seen.push(`bob ${t}`));
      alice.on('message', (t) => seen.push(`alice ${t}`));
      await bob.subscribeAsync(`sealift/${GW}/+/+/event`, { qos: 1 });
      await alice.subscribeAsync(`sealift/${GW}/+/+/event`, { qos: 1 });
      await g.broker.publish(`sealift/${GW}/seal/S1/event`, '{}', { qos: 1 });
      await g.broker.publish(`sealift/${GW}/lift/L1/event`, '{}', { qos: 1 });
      await waitFor(() => seen.length >= 3);
      await sleep(30);
      expect(seen.sort()).toEqual([`alice sealift/${GW}/lift/L1/event`, `alice sealift/${GW}/seal/S1/event`, `bob sealift/${GW}/lift/L1/event`]);
    } finally {
      await g.stop();
    }
  });
});

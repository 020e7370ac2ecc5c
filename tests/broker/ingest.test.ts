/** Ack after commit (DESIGN §4 law 1) through a real aedes and MQTT.js. */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, expectServes, closed, waitFor, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ maxInflightPerClient: 5 });
});
afterEach(async () => h.cleanup());
afterAll(async () => h.stop());

describe('device publish ingest', () => {
  it('sends PUBACK only after onDevicePublish resolved', async () => {
    h.mode.delayMs = 80;
    const c = await h.device('lift-1');
    const t0 = Date.now();
    const seenAtAck = await new Promise<{ committed: boolean; n: number }>((resolve, reject) => {
      c.publish('dev/lift-1/up/stamp', '{"seq":1,"grant":"g1","n":1}', { qos: 1 }, (err) => {
        if (err) return reject(err);
        resolve({ committed: h.commits[0]?.committed ?? false, n: h.commits.length });
      });
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    expect(seenAtAck).toEqual({ committed: true, n: 1 });
    expect(h.commits[0]).toMatchObject({ deviceId: 'lift-1', subtopic: 'stamp', qos: 1 });
    expect(h.broker.stats().devicePublishes).toBeGreaterThanOrEqual(1);
  });

  it('keeps PUBACKs in arrival order when commits finish out of order', async () => {
    const c = await h.device('lift-1');
    const acks: number[] = [];
    const delays = [60, 5, 30, 1];
    await Promise.all(
      delays.map(
        (delay, i) =>
          new Promise<void>((resolve, reject) =>
            c.publish('dev/lift-1/up/status', JSON.stringify({ seq: i, delay }), { qos: 1 }, (err) => {
              if (err) return reject(err);
              // every earlier publish must be committed when this one is acknowledged
              expect(h.commits.filter((x) => JSON.parse(x.payload).seq <= i).every((x) => x.committed)).toBe(true);
              acks.push(i);
              resolve();
            }),
          ),
      ),
    );
    expect(acks).toEqual([0, 1, 2, 3]);
  });

  it('does not ack when the commit fails, closes the client, and serves it again afterwards', async () => {
    h.mode.result = 'fail';
    const c = await h.device('lift-1');
    const gone = closed(c);
    let acked = false;
    c.publish('dev/lift-1/up/alarm', '{"seq":5,"kind":"tamper"}', { qos: 1 }, (err) => {
      if (!err) acked = true;
    });
    await gone;
    await sleep(30);
    expect(acked).toBe(false);
    expect(h.commits).toHaveLength(1);
    expect(h.commits[0]!.committed).toBe(false);
    expect(h.rejected('broker_commit_failed')).toBe(1);
    // storage is back: the device reconnects and its retransmission is acknowledged
    h.mode.result = 'ok';
    await waitFor(() => h.broker.stats().clients === 0);
    await expectServes(h, 'lift-1');
  });

  it('commits QoS 0 and QoS 2 publishes too', async () => {
    const c = await h.device('seal-1');
    c.publish('dev/seal-1/up/status', '{"seq":1}', { qos: 0 });
    await c.publishAsync('dev/seal-1/up/stamp', '{"seq":2}', { qos: 2 });
    await waitFor(() => h.commits.length === 2 && h.commits.every((x) => x.committed));
    expect(h.commits.map((x) => [x.subtopic, x.qos])).toEqual([
      ['status', 0],
      ['stamp', 2],
    ]);
  });

  it('closes a client with more uncommitted publishes than maxInflightPerClient', async () => {
    h.mode.delayMs = 300;
    const c = await h.device('lift-1');
    const gone = closed(c);
    const acked: number[] = [];
    for (let i = 0; i < 8; i++) {
      c.publish('dev/lift-1/up/status', JSON.stringify({ seq: i }), { qos: 1 }, (err) => {
        if (!err) acked.push(i);
      });
    }
    await gone;
    expect(h.rejected('broker_inflight_limit')).toBe(1);
    expect(h.commits.length).toBe(5); // the limit; the 6th was refused before its commit started
    expect(acked).toEqual([]);
    h.mode.delayMs = 20;
    await waitFor(() => h.broker.stats().clients === 0);
    await expectServes(h);
  });
});

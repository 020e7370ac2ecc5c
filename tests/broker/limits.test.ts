/** Transport limits: packet size (before aedes parses), connection cap, connect timeout. */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  startHarness,
  expectServes,
  connectPacket,
  varint,
  readBytes,
  socketClosed,
  waitFor,
  refusedCode,
  DEVICES,
  type Harness,
} from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ maxConnections: 4, connectTimeoutMs: 300, maxPacketBytes: 64 * 1024 });
});
afterEach(async () => h.cleanup());
afterAll(async () => h.stop());

const CONNACK_OK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

async function connectedRaw(id = 'lift-1') {
  const s = await h.raw();
  const ack = readBytes(s, 4);
  s.write(connectPacket(id, id, DEVICES[id]!));
  expect(await ack).toEqual(CONNACK_OK);
  return s;
}

describe('broker limits', () => {
  it('closes the socket when a PUBLISH header announces 10 MB, before the body is sent', async () => {
    const s = await connectedRaw();
    const topic = Buffer.from('dev/lift-1/up/photo');
    // fixed header only (+ the start of the variable header): the body is never sent
    s.write(Buffer.concat([Buffer.from([0x32]), varint(10 * 1024 * 1024), Buffer.from([0, topic.length]), topic]));
    await socketClosed(s, 1_000);
    expect(s.bytesWritten).toBeLessThan(200);
    expect(h.rejected('broker_packet_too_large')).toBe(1);
    expect(h.commits).toHaveLength(0);
    await expectServes(h);
  });

  it('tracks the header across chunk boundaries (type byte and length bytes sent separately)', async () => {
    const s = await connectedRaw();
    const len = varint(300_000);
    s.write(Buffer.from([0x30]));
    await sleep(20);
    s.write(len.subarray(0, 1));
    await sleep(20);
    expect(s.destroyed).toBe(false); // 1 byte of length: cannot know yet
    s.write(len.subarray(1));
    await socketClosed(s, 1_000);
    expect(h.rejected('broker_packet_too_large')).toBe(1);
    await expectServes(h);
  });

  it('refuses an oversized packet even before CONNECT, and a 5-byte remaining length', async () => {
    const a = await h.raw();
    a.write(Buffer.concat([Buffer.from([0x10]), varint(5 * 1024 * 1024)]));
    await socketClosed(a, 1_000);
    expect(h.rejected('broker_packet_too_large')).toBe(1);

    const b = await connectedRaw();
    b.write(Buffer.from([0x30, 0x81, 0x80, 0x80, 0x80]));
    await socketClosed(b, 1_000);
    expect(h.rejected('broker_malformed_packet')).toBe(1);
    await expectServes(h);
  });

  it('accepts a packet just under the limit', async () => {
    const c = await h.device('lift-1');
    await c.publishAsync('dev/lift-1/up/photo', Buffer.alloc(64 * 1024 - 100, 0xff), { qos: 1 });
    expect(h.commits[0]).toMatchObject({ subtopic: 'photo', committed: true });
  });

  it('destroys sockets beyond maxConnections at once, and serves again when one leaves', async () => {
    const busy = [await h.device('lift-1'), await h.user('alice'), await h.user('bob'), await h.user('alice', 'alice:2')];
    await waitFor(() => h.broker.stats().connections === 4);
    const extra = await h.raw();
    await socketClosed(extra, 1_000);
    expect(h.rejected('broker_max_connections')).toBe(1);
    await expect(refusedCode(h, { clientId: 'seal-1', username: 'seal-1', password: DEVICES['seal-1'] })).rejects.toThrow();
    expect(h.rejected('broker_max_connections')).toBe(2);
    await busy[0]!.endAsync();
    await waitFor(() => h.broker.stats().connections === 3);
    await expectServes(h);
  });

  it('closes a socket that sends no CONNECT within connectTimeoutMs', async () => {
    const t0 = Date.now();
    const s = await h.raw();
    await socketClosed(s, 2_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(h.rejected('broker_connect_timeout')).toBe(1);
    // a connected client is not affected by the timer
    const c = await h.device('lift-1');
    await sleep(400);
    expect(c.connected).toBe(true);
    expect(h.rejected('broker_connect_timeout')).toBe(1);
  });

  it('counts packets received', async () => {
    const before = h.broker.stats().packetsIn;
    const c = await h.device('lift-1');
    await c.publishAsync('dev/lift-1/up/status', '{}', { qos: 1 });
    // CONNECT + PUBLISH at least
    expect(h.broker.stats().packetsIn - before).toBeGreaterThanOrEqual(2);
  });
});

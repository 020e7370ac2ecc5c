/** Pure units of the broker: frame scanner, ACL, identity rules, request parsing, ack ordering. */
import { describe, it, expect } from 'vitest';
import { FrameScanner } from '../../src/transport/broker/frame-guard.js';
import { ClientAcl } from '../../src/transport/broker/acl.js';
import { clientIdAllowed, isValidId } from '../../src/transport/broker/identity.js';
import { parseRequest } from '../../src/transport/broker/requests.js';
import { DeviceIngest } from '../../src/transport/broker/ingest.js';
import { connectPacket, varint } from './helpers.js';

const publish = (topic: string, payload: Buffer) => {
  const t = Buffer.from(topic);
  const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, Buffer.from([0, 1]), payload]);
  return Buffer.concat([Buffer.from([0x32]), varint(body.length), body]);
};

describe('FrameScanner', () => {
  it('counts packets in one chunk and across every possible split point', () => {
    const stream = Buffer.concat([
      connectPacket('lift-1', 'lift-1', 'pw'),
      publish('dev/lift-1/up/status', Buffer.alloc(300, 1)),
      Buffer.from([0xc0, 0x00]), // PINGREQ
      publish('dev/lift-1/up/status', Buffer.alloc(20_000, 2)),
    ]);
    const whole = new FrameScanner(64 * 1024);
    expect(whole.feed(stream)).toBeNull();
    expect(whole.packets).toBe(4);
    for (let cut = 1; cut < 400; cut++) {
      const s = new FrameScanner(64 * 1024);
      expect(s.feed(stream.subarray(0, cut))).toBeNull();
      expect(s.feed(stream.subarray(cut))).toBeNull();
      expect(s.packets).toBe(4);
    }
    const byteWise = new FrameScanner(64 * 1024);
    for (let i = 0; i < stream.length; i++) expect(byteWise.feed(stream.subarray(i, i + 1))).toBeNull();
    expect(byteWise.packets).toBe(4);
  });

  it('refuses a header announcing more than the limit as soon as the length shows it', () => {
    const s = new FrameScanner(1000);
    expect(s.feed(Buffer.from([0x30]))).toBeNull();
    // 10 MB announced: the first length byte alone (0x80 | 0) is not enough, the second is
    const len = varint(10 * 1024 * 1024);
    let v = null;
    for (const b of len) {
      v = s.feed(Buffer.from([b]));
      if (v) break;
    }
    expect(v?.reason).toBe('packet_too_large');
    expect(new FrameScanner(1000).feed(Buffer.concat([Buffer.from([0x30]), varint(1000)]))).toBeNull();
    expect(new FrameScanner(1000).feed(Buffer.concat([Buffer.from([0x30]), varint(1001)]))?.reason).toBe('packet_too_large');
  });

  it('refuses a 5-byte remaining length and packet type 0', () => {
    const big = new FrameScanner(268_435_455);
    expect(big.feed(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))?.reason).toBe('malformed_packet');
    expect(new FrameScanner(100).feed(Buffer.from([0x00, 0x00]))?.reason).toBe('malformed_packet');
  });
});

describe('ClientAcl', () => {
  const device = new ClientAcl({ kind: 'device', id: 'lift-1' }, 'gw1', 16);
  const user = new ClientAcl({ kind: 'user', id: 'alice', role: 'inspector' }, 'gw1', 16);

  it('lets a device publish only under dev/{id}/up/ and subscribe only under dev/{id}/down', () => {
    expect(device.canPublish('dev/lift-1/up/status')).toEqual({ ok: true, kind: 'device', subtopic: 'status' });
    expect(device.canPublish('dev/lift-1/up/a/b')).toEqual({ ok: true, kind: 'device', subtopic: 'a/b' });
    for (const t of ['dev/lift-2/up/status', 'dev/lift-1/down/grant', 'dev/lift-1/up', 'dev/lift-1/up/', 'dev/lift-1/up//x', 'dev/lift-1', 'sealift/gw1/request/x', '$SYS/x', 'dev/lift-10/up/x']) {
      expect(device.canPublish(t).ok, t).toBe(false);
    }
    for (const f of ['dev/lift-1/down/#', 'dev/lift-1/down/+', 'dev/lift-1/down/grant', 'dev/lift-1/down']) {
      expect(device.canSubscribe(f).ok, f).toBe(true);
    }
    for (const f of ['#', '+/#', 'dev/#', 'dev/+/down/#', 'dev/lift-1/#', 'dev/lift-1/+/grant', 'dev/lift-1/up/#', 'dev/lift-10/down/#', '$SYS/#', '$share/g/dev/lift-1/down/#', 'sealift/gw1/#']) {
      expect(device.canSubscribe(f).ok, f).toBe(false);
    }
  });

  it('lets a user read sealift/{gw}/... and publish only requests', () => {
    for (const f of ['sealift/gw1/#', 'sealift/gw1/lift/+/state', 'sealift/gw1/status']) expect(user.canSubscribe(f).ok, f).toBe(true);
    for (const f of ['#', '+/#', 'sealift/#', 'sealift/+/status', 'sealift/gw1', 'sealift/gw2/#', 'sealift/gw10/#', 'dev/#', '$SYS/#']) {
      expect(user.canSubscribe(f).ok, f).toBe(false);
    }
    expect(user.canPublish('sealift/gw1/request/health')).toEqual({ ok: true, kind: 'request', name: 'health' });
    for (const t of ['sealift/gw1/status', 'sealift/gw1/response/health', 'sealift/gw1/request/a/b', 'sealift/gw1/request/', 'dev/alice/up/x']) {
      expect(user.canPublish(t).ok, t).toBe(false);
    }
  });

  it('refuses topics deeper than maxTopicLevels', () => {
    const deep = 'dev/lift-1/up/' + Array.from({ length: 20 }, () => 'x').join('/');
    expect(device.canPublish(deep)).toMatchObject({ ok: false, reason: 'topic_too_deep' });
    expect(device.canSubscribe('dev/lift-1/down/' + Array.from({ length: 20 }, () => '+').join('/'))).toMatchObject({
      ok: false,
      reason: 'topic_too_deep',
    });
  });
});

describe('identity', () => {
  it('accepts plain ids and refuses wildcards, slashes, NUL, empty and over-long ids', () => {
    expect(isValidId('lift-1')).toBe(true);
    expect(isValidId('x'.repeat(64))).toBe(true);
    for (const bad of ['', 'a+b', 'a#', 'a/b', 'a\0b', 'x'.repeat(65)]) expect(isValidId(bad), JSON.stringify(bad)).toBe(false);
    expect(isValidId(undefined)).toBe(false);
  });

  it('binds clientIds to usernames', () => {
    const dev = { kind: 'device', id: 'lift-1' } as const;
    const alice = { kind: 'user', id: 'alice', role: 'inspector' } as const;
    expect(clientIdAllowed(dev, 'lift-1', 'lift-1')).toBe(true);
    expect(clientIdAllowed(dev, 'lift-1', 'lift-1:x')).toBe(false);
    expect(clientIdAllowed({ kind: 'device', id: 'seal-1' }, 'lift-1', 'lift-1')).toBe(false);
    expect(clientIdAllowed(alice, 'alice', 'alice')).toBe(true);
    expect(clientIdAllowed(alice, 'alice', 'alice:dashboard')).toBe(true);
    expect(clientIdAllowed(alice, 'alice', 'alice:')).toBe(false);
    expect(clientIdAllowed(alice, 'alice', 'alicex')).toBe(false);
    expect(clientIdAllowed({ kind: 'device', id: 'a/b' }, 'a/b', 'a/b')).toBe(false);
  });
});

describe('parseRequest', () => {
  it('needs a JSON object with a transaction', () => {
    expect(parseRequest(Buffer.from('{"transaction":"t1","x":1}'))).toEqual({ ok: true, transaction: 't1', body: { transaction: 't1', x: 1 } });
    expect(parseRequest(Buffer.from('{"transaction":7}'))).toMatchObject({ ok: true, transaction: 7 });
    for (const bad of ['nope', '[1]', 'null', '{}', '{"transaction":""}', '{"transaction":{}}', `{"transaction":"${'x'.repeat(129)}"}`]) {
      expect(parseRequest(Buffer.from(bad)).ok, bad).toBe(false);
    }
  });
});

describe('DeviceIngest', () => {
  it('releases acks in arrival order even when commits finish out of order', async () => {
    const resolvers: (() => void)[] = [];
    const ingest = new DeviceIngest(() => new Promise<void>((r) => resolvers.push(r)), 10);
    const order: number[] = [];
    const all = [0, 1, 2].map((i) => ingest.submit('status', Buffer.from(String(i)), 1).then(() => order.push(i)));
    expect(ingest.pending).toBe(3);
    resolvers[2]!();
    resolvers[1]!();
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]); // the first is still uncommitted
    resolvers[0]!();
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2]);
    expect(ingest.pending).toBe(0);
  });

  it('reports a commit failure (also a synchronous throw) and keeps going', async () => {
    let n = 0;
    const ingest = new DeviceIngest(() => {
      n++;
      if (n === 1) throw new Error('sync');
      if (n === 2) return Promise.reject(new Error('async'));
      return Promise.resolve();
    }, 2);
    await expect(ingest.submit('a', Buffer.alloc(0), 1)).rejects.toThrow('sync');
    await expect(ingest.submit('a', Buffer.alloc(0), 1)).rejects.toThrow('async');
    await expect(ingest.submit('a', Buffer.alloc(0), 1)).resolves.toBeUndefined();
    expect(ingest.full).toBe(false);
  });
});

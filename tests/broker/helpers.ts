/** Test harness: a real EmbeddedBroker on 127.0.0.1:0 with an in-test auth map and a recording commit. */
import { connect as netConnect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { expect } from 'vitest';
import { EmbeddedBroker, type BrokerOptions, type Principal } from '../../src/transport/broker/index.js';

export const GW = 'test';
export const DEVICES: Record<string, string> = {
  'lift-1': 's3cret-lift-1-xxxx',
  'seal-1': 's3cret-seal-1-xxxx',
};
export const USERS: Record<string, { password: string; role: string }> = {
  alice: { password: 'alice-password-1', role: 'inspector' },
  bob: { password: 'bob-password-1', role: 'maintainer' },
};

export interface Commit {
  deviceId: string;
  subtopic: string;
  payload: string;
  qos: number;
  /** set once the (simulated) journal commit finished */
  committed: boolean;
}

export interface Harness {
  broker: EmbeddedBroker;
  /** follows the broker's port (a restart on port 0 gets a new one) */
  readonly url: string;
  commits: Commit[];
  /** 'ok' commits after `delayMs`; 'fail' rejects after `delayMs` */
  mode: { result: 'ok' | 'fail'; delayMs: number };
  clients: Set<MqttClient>;
  sockets: Set<Socket>;
  /** connect and track a client; rejects on CONNACK refusal */
  connect(opts: IClientOptions): Promise<MqttClient>;
  device(id?: string, extra?: IClientOptions): Promise<MqttClient>;
  user(name?: string, clientId?: string): Promise<MqttClient>;
  raw(): Promise<Socket>;
  /** end every tracked client / socket and wait until the broker holds no client */
  cleanup(): Promise<void>;
  /** refusals with this reason (`broker_…`) since the last cleanup */
  rejected(reason: string): number;
  stop(): Promise<void>;
}

export async function startHarness(over: Partial<BrokerOptions> = {}): Promise<Harness> {
  const commits: Commit[] = [];
  const mode: Harness['mode'] = { result: 'ok', delayMs: 20 };
  const broker = new EmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    gw: GW,
    maxPacketBytes: 64 * 1024,
    maxConnections: 50,
    maxInflightPerClient: 100,
    maxTopicLevels: 16,
    connectTimeoutMs: 2_000,
    log: pino({ level: (process.env.SEALIFT_TEST_BROKER_LOG as 'debug' | undefined) ?? 'silent' }),
    auth: async (username, password): Promise<Principal | null> => {
      await sleep(1);
      const pw = password.toString();
      if (DEVICES[username] !== undefined) return DEVICES[username] === pw ? { kind: 'device', id: username } : null;
      const u = USERS[username];
      if (u) return u.password === pw ? { kind: 'user', id: username, role: u.role } : null;
      return null;
    },
    onDevicePublish: async (deviceId, subtopic, payload, qos) => {
      const c: Commit = { deviceId, subtopic, payload: payload.toString(), qos, committed: false };
      commits.push(c);
      let delay = mode.delayMs;
      try {
        const p = JSON.parse(c.payload) as { delay?: number };
        if (typeof p.delay === 'number') delay = p.delay;
      } catch {
        /* not JSON: default delay */
      }
      await sleep(delay);
      if (mode.result === 'fail') throw new Error('disk full (simulated)');
      c.committed = true;
    },
    ...over,
  });
  await broker.start();
  const clients = new Set<MqttClient>();
  const sockets = new Set<Socket>();
  /** refusal counts at the end of the last cleanup: `rejected()` is relative to it */
  let baseline: Record<string, number> = {};

  const h: Harness = {
    broker,
    get url() {
      return `mqtt://127.0.0.1:${broker.port}`;
    },
    commits,
    mode,
    clients,
    sockets,
    async connect(opts) {
      const c = mqtt.connect(h.url, { reconnectPeriod: 0, connectTimeout: 3_000, protocolVersion: 4, ...opts });
      clients.add(c);
      c.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve());
        c.once('error', (err) => reject(err));
        c.once('close', () => reject(new Error('closed before CONNACK')));
      });
      return c;
    },
    device(id = 'lift-1', extra = {}) {
      return h.connect({ clientId: id, username: id, password: DEVICES[id], ...extra });
    },
    user(name = 'alice', clientId = name) {
      return h.connect({ clientId, username: name, password: USERS[name]!.password });
    },
    async raw() {
      const s = netConnect(broker.port, '127.0.0.1');
      sockets.add(s);
      s.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('error', reject);
      });
      return s;
    },
    async cleanup() {
      for (const c of clients) c.end(true);
      for (const s of sockets) s.destroy();
      clients.clear();
      sockets.clear();
      mode.result = 'ok';
      mode.delayMs = 20;
      await waitFor(() => broker.stats().clients === 0 && broker.stats().connections === 0, 3_000, 'broker idle');
      commits.length = 0;
      baseline = broker.stats().rejected;
    },
    rejected(reason) {
      return (broker.stats().rejected[reason] ?? 0) - (baseline[reason] ?? 0);
    },
    async stop() {
      await h.cleanup().catch(() => undefined);
      await broker.stop();
    },
  };
  return h;
}

export async function waitFor(cond: () => boolean, timeoutMs = 2_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Resolves when the client's connection closes (the broker closed it). */
export function closed(c: MqttClient, timeoutMs = 2_000): Promise<void> {
  if (!c.connected && c.disconnected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('connection was not closed')), timeoutMs);
    c.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** CONNACK return code of a refused connection attempt. */
export async function refusedCode(h: Harness, opts: IClientOptions): Promise<number> {
  try {
    await h.connect(opts);
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
  throw new Error('connection was accepted');
}

/** A fresh device connection publishes QoS 1, is acknowledged after commit, and the broker keeps serving. */
export async function expectServes(h: Harness, id = 'seal-1'): Promise<void> {
  const before = h.commits.length;
  const c = await h.device(id);
  await c.publishAsync(`dev/${id}/up/status`, JSON.stringify({ seq: 1, ok: true }), { qos: 1 });
  const mine = h.commits.slice(before).filter((x) => x.deviceId === id);
  expect(mine.length).toBe(1);
  expect(mine[0]!.committed).toBe(true);
  await c.endAsync();
}

/** MQTT 3.1.1 CONNECT with username and password (clean session, keepalive 60 s). */
export function connectPacket(clientId: string, username: string, password: string): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    return Buffer.concat([len, b]);
  };
  const variable = Buffer.concat([str('MQTT'), Buffer.from([0x04, 0xc2, 0x00, 0x3c])]);
  const body = Buffer.concat([variable, str(clientId), str(username), str(password)]);
  return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]);
}

export function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** Resolve with the first `n` bytes the socket receives. */
export function readBytes(s: Socket, n: number, timeoutMs = 2_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => reject(new Error(`got ${buf.length}/${n} bytes`)), timeoutMs);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= n) {
        clearTimeout(t);
        s.off('data', onData);
        resolve(buf.subarray(0, n));
      }
    };
    s.on('data', onData);
  });
}

export function socketClosed(s: Socket, timeoutMs = 2_000): Promise<void> {
  if (s.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('socket still open')), timeoutMs);
    s.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

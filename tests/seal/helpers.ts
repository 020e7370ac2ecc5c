/**
 * Rig for the seal tests: an in-process gateway (real aedes broker, real SQLite file, real HTTP)
 * on a temp data dir, with the seal feature on a shared SimClock, provisioned users, serial
 * sleeves on real socat ptys and MQTT sleeves on the embedded broker.
 */
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config.js';
import { openStore } from '../../src/gateway/store.js';
import { adminFeature } from '../../src/api/admin.js';
import { createSealFeature } from '../../src/seal/feature.js';
import type { SealConfig } from '../../src/seal/config.js';
import type { SealService } from '../../src/seal/service.js';
import type { Gateway } from '../../src/gateway/app.js';
import type { JournalRecord } from '../../src/store/types.js';
import { SimClock } from '../../sim/seal/clock.js';
import { cableAt, PhotoUplink, SerialSimSeal, type SimSeal } from '../../sim/seal/devices.js';
import { MqttSleeve } from '../../sim/seal/mqtt-sleeve.js';
import { SimSleeve, type SimSleeveOptions } from '../../sim/seal/sleeve.js';
import { tmp } from '../helpers/cli.js';
import { Client, startInproc } from '../helpers/inproc.js';

export const PASSWORD = 'seal-test-pass-1';
export const USERS = {
  keeper: { name: 'wenshu', password: PASSWORD },
  keeper2: { name: 'wenshu2', password: PASSWORD },
  approver: { name: 'shuji', password: PASSWORD },
  township: { name: 'zhenli', password: PASSWORD },
  inspector: { name: 'jiwei', password: PASSWORD },
  admin: { name: 'admin', password: PASSWORD },
};
const ROLES: Record<keyof typeof USERS, string> = {
  keeper: 'keeper',
  keeper2: 'keeper',
  approver: 'approver',
  township: 'approver',
  inspector: 'inspector',
  admin: 'admin',
};

/** Fast timers for tests. */
export const TEST_SEAL_CONFIG: Partial<SealConfig> = {
  photoWaitSec: 1,
  grantAckTimeoutSec: 4,
  commandRetryMs: 60,
  commandTries: 5,
  tickMs: 100,
};

export interface SealRig {
  gw: Gateway;
  svc: SealService;
  base: string;
  brokerUrl: string;
  data: string;
  clock: SimClock;
  sleeves: SimSeal[];
  client(who: keyof typeof USERS): Promise<Client>;
  records(kind?: string): JournalRecord[];
  anomalies(seal?: string): string[];
  /** Stop the gateway (the sleeves and their cables stay) and start a new one on the same data dir. */
  restart(between?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export async function sealRig(opts: {
  serial?: string[];
  mqtt?: string[];
  config?: Partial<SealConfig>;
  clockStart?: number;
  serialOptions?: Partial<SimSleeveOptions>;
  photoUplink?: boolean;
}): Promise<SealRig> {
  const data = join(tmp('sealift-seal-'), 'data');
  const env = { SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: 'testgw', SEALIFT_BROKER_PORT: '0', SEALIFT_HTTP_PORT: '0', SEALIFT_JOURNAL_GROUP_COMMIT_MS: '1' };
  const cfg = loadConfig({ env });
  const cables = new Map<string, Awaited<ReturnType<typeof cableAt>>>();
  const secrets = new Map<string, string>();
  const store = await openStore(cfg);
  try {
    for (const [k, u] of Object.entries(USERS)) await store.registry.addUser({ name: u.name, role: ROLES[k as keyof typeof USERS] }, u.password);
    for (const id of opts.serial ?? []) {
      const cable = await cableAt(join(data, '..', `${id}.tty`));
      cables.set(id, cable);
      const { secret } = await store.registry.addDevice({ id, profile: 'seal-ssp1-serial', port: join(data, '..', `${id}.tty`), name: `${id} 公章` });
      secrets.set(id, secret);
    }
    for (const id of opts.mqtt ?? []) {
      const { secret } = await store.registry.addDevice({ id, profile: 'seal-mqtt', name: `${id} 公章` });
      secrets.set(id, secret);
    }
  } finally {
    await store.close();
  }
  const clock = new SimClock(opts.clockStart ?? Date.now());
  let feature = createSealFeature({ now: clock.now, config: { ...TEST_SEAL_CONFIG, ...opts.config } });
  let { gw, base, stop } = await startInproc({ data, env, features: [adminFeature, feature] });
  const brokerUrl = `mqtt://127.0.0.1:${gw.brokerPort}`;
  const sleeves: SimSeal[] = [];
  let seed = 1;
  for (const id of opts.serial ?? []) {
    const cable = cables.get(id)!;
    const sleeve = new SimSleeve({ path: cable.devicePath, id, ackTimeoutMs: 40, retryPauseMs: 40, pollMs: 50, seed: seed++, clock: clock.now, ...opts.serialOptions });
    sleeve.start();
    await sleeve.waitOpen(5000);
    let uplink: PhotoUplink | undefined;
    if (opts.photoUplink ?? true) {
      uplink = new PhotoUplink({ id, secret: secrets.get(id)!, url: brokerUrl });
      await uplink.start();
    }
    sleeves.push(new SerialSimSeal(sleeve, uplink, cable));
  }
  for (const id of opts.mqtt ?? []) {
    const s = new MqttSleeve({ id, secret: secrets.get(id)!, url: brokerUrl, clock: clock.now, seed: seed++ });
    await s.start();
    sleeves.push(s);
  }
  for (const s of sleeves) await s.whenIdle(10_000);
  const records = (kind?: string): JournalRecord[] =>
    (rig.gw.store.db.prepare(`SELECT bytes FROM journal ${kind ? 'WHERE kind = ?' : ''} ORDER BY seq`).all(...(kind ? [kind] : [])) as { bytes: Buffer }[]).map(
      (r) => JSON.parse(r.bytes.toString('utf8')) as JournalRecord,
    );
  const rig: SealRig = {
    gw,
    svc: feature.service()!,
    base,
    brokerUrl,
    data,
    clock,
    sleeves,
    client: async (who) => new Client(rig.base).login(USERS[who].name, USERS[who].password),
    records,
    anomalies: (seal) =>
      records('seal.anomaly')
        .filter((r) => !seal || r.subject === seal)
        .map((r) => r.data.code as string),
    async restart(between) {
      await stop();
      await between?.();
      feature = createSealFeature({ now: clock.now, config: { ...TEST_SEAL_CONFIG, ...opts.config } });
      ({ gw, base, stop } = await startInproc({ data, env, features: [adminFeature, feature] }));
      rig.gw = gw;
      rig.base = base;
      rig.svc = feature.service()!;
      rig.brokerUrl = `mqtt://127.0.0.1:${gw.brokerPort}`;
    },
    async stop() {
      for (const s of sleeves) await s.stop().catch(() => undefined);
      await stop();
    },
  };
  // the clock sync after each HELLO must be done before a test moves the shared clock
  await waitFor(() => sleeves.every((s) => records('seal.time').some((t) => t.subject === s.id)), 10_000, 'TIME sync of every sleeve');
  return rig;
}

export async function waitFor<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Per device: the natural keys stored, to check that nothing is stored twice. */
export function naturalKeys(r: SealRig, seal: string): string[] {
  return r
    .records()
    .filter((x) => x.dev?.id === seal)
    .map((x) => `${x.dev!.boot}:${x.dev!.seq}`);
}

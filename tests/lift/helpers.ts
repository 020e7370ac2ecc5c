/**
 * Harness for the lift tests: an in-process gateway (real SQLite, real aedes, real HTTP) with the lift
 * feature and a config file, lifts provisioned before it starts, and the simulated site (real socat
 * ptys for the Modbus buses, real MQTT kits).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { loadConfig, type Config } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { Gateway } from '../../src/gateway/app.js';
import { openStore } from '../../src/gateway/store.js';
import { adminFeature } from '../../src/api/admin.js';
import { createLiftFeature, type LiftFeature } from '../../src/lift/feature.js';
import type { LiftService } from '../../src/lift/service.js';
import type { Device } from '../../src/registry/schema.js';
import type { JournalRecord } from '../../src/store/types.js';
import { LiftSite, type LiftSiteOptions } from '../../sim/lift/scenarios.js';
import { tmp } from '../helpers/cli.js';

export { sleep };

export const PASSWORD = 'test-password-1';

/** Short timers so every rule fires in test time. */
export const FAST_RULES = {
  trappedAtLevelMs: 1500,
  trappedOutsideZoneMs: 1000,
  stopOutsideZoneMs: 1500,
  doorCloseFaultMs: 1200,
  doorOpenFaultMs: 1200,
  longDoorOpenMs: 1500,
  doorReopenCount: 3,
  frozenAliveMs: 1500,
  kitOfflineMs: 2500,
  personDebounceMs: 800,
  clearMs: 300,
};

export interface LiftRig {
  gw: Gateway;
  cfg: Config;
  data: string;
  base: string;
  brokerUrl: string;
  service: LiftService;
  devices: Device[];
  secrets: Record<string, string>;
  site: LiftSite | null;
  records(kinds?: string[], from?: number): JournalRecord[];
  /** Fault raise/clear records (of one lift, from a seq on). */
  faults(lift?: string, from?: number): { kind: string; lift: string; code: string; faultId: string; seq: number; ts: number; data: Record<string, unknown> }[];
  startSite(opts?: Partial<LiftSiteOptions>): Promise<LiftSite>;
  stop(): Promise<void>;
}

export async function waitFor<T>(cond: () => T | undefined | null | false, timeoutMs: number, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export type DeviceSpec = Omit<Device, 'profile'> & { profile: Device['profile']; secret?: string };

/** Ports of Modbus lifts are relative names ("bus1"): placed in the rig's own directory. */
export async function liftRig(opts: {
  devices: DeviceSpec[];
  lift?: Record<string, unknown>;
  users?: { name: string; role: string }[];
  data?: string;
  feature?: LiftFeature;
}): Promise<LiftRig> {
  const data = opts.data ?? join(tmp('sealift-lift-'), 'data');
  const dir = join(data, '..');
  mkdirSync(data, { recursive: true });
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      data,
      gateway: { id: 'testgw' },
      log: { level: (process.env.SEALIFT_TEST_LOG as string) ?? 'silent' },
      journal: { groupCommitMs: 1 },
      broker: { port: 0 },
      http: { port: 0 },
      lift: { rules: FAST_RULES, modbus: { cycleMs: 200, probeMs: 1000 }, ...opts.lift },
    }),
  );
  const cfg = loadConfig({ file, env: {} });
  const secrets: Record<string, string> = {};
  const store = await openStore(cfg);
  try {
    for (const d of opts.devices) {
      const { secret, ...dev } = d;
      const spec = dev.port && !dev.port.startsWith('/') ? { ...dev, port: join(dir, 'tty', dev.port) } : dev;
      secrets[spec.id] = secret ?? `secret-of-${spec.id}-0123`;
      if (!store.registry.device(spec.id)) await store.registry.addDevice(spec, { secret: secrets[spec.id] });
    }
    for (const u of opts.users ?? [
      { name: 'weibao', role: 'maintainer' },
      { name: 'admin', role: 'admin' },
      { name: 'jiwei', role: 'inspector' },
    ]) {
      if (!store.registry.user(u.name)) await store.registry.addUser(u, PASSWORD);
    }
  } finally {
    await store.close();
  }
  const feature = opts.feature ?? createLiftFeature();
  const gw = new Gateway(cfg, createLogger(cfg.log.level), [adminFeature, feature]);
  await gw.start();
  const devices = gw.store.registry.devices();
  const brokerUrl = `mqtt://127.0.0.1:${gw.brokerPort}`;
  const rig: LiftRig = {
    gw,
    cfg,
    data,
    base: `http://127.0.0.1:${gw.httpPort}`,
    brokerUrl,
    service: feature.service!,
    devices,
    secrets,
    site: null,
    records(kinds, from = 0) {
      const rows = (
        kinds
          ? gw.store.db.prepare(`SELECT bytes FROM journal WHERE seq >= ? AND kind IN (${kinds.map(() => '?').join(', ')}) ORDER BY seq`).all(from, ...kinds)
          : gw.store.db.prepare('SELECT bytes FROM journal WHERE seq >= ? ORDER BY seq').all(from)
      ) as { bytes: Buffer }[];
      return rows.map((r) => JSON.parse(r.bytes.toString('utf8')) as JournalRecord);
    },
    faults(lift, from = 0) {
      const rows = (
        lift
          ? gw.store.db
              .prepare("SELECT bytes FROM journal WHERE kind IN ('lift.fault.raise', 'lift.fault.clear') AND subject = ? AND seq >= ? ORDER BY seq")
              .all(lift, from)
          : gw.store.db.prepare("SELECT bytes FROM journal WHERE kind IN ('lift.fault.raise', 'lift.fault.clear') AND seq >= ? ORDER BY seq").all(from)
      ) as { bytes: Buffer }[];
      return rows
        .map((r) => JSON.parse(r.bytes.toString('utf8')) as JournalRecord)
        .map((r) => ({
          kind: r.kind === 'lift.fault.raise' ? 'raise' : 'clear',
          lift: r.subject,
          code: String(r.data.code),
          faultId: String(r.data.faultId),
          seq: r.seq,
          ts: r.ts,
          data: r.data,
        }));
    },
    async startSite(o = {}) {
      const site = new LiftSite({ devices, secrets, brokerUrl, auto: false, accel: 4, seed: 5, ...o });
      await site.start();
      rig.site = site;
      return site;
    },
    async stop() {
      await rig.site?.stop();
      await gw.stop();
    },
  };
  return rig;
}

/** A user's MQTT client on the gateway's broker (read-only ACL), collecting what it receives. */
export async function watcher(url: string, user: string, topics: string[]): Promise<{ client: MqttClient; messages: { topic: string; body: unknown }[] }> {
  const client = mqtt.connect(url, { username: user, password: PASSWORD, clientId: `${user}:${Math.random().toString(36).slice(2, 8)}`, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const messages: { topic: string; body: unknown }[] = [];
  client.on('message', (topic, payload) => {
    let body: unknown = payload.toString();
    try {
      body = JSON.parse(payload.toString());
    } catch {
      /* text */
    }
    messages.push({ topic, body });
  });
  await client.subscribeAsync(topics, { qos: 1 });
  return { client, messages };
}

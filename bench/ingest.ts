/**
 * Durable ingest (DESIGN §8): QoS 1 device events/s through the gateway — PUBACK only after the
 * journal commit with synchronous=FULL — ÷ the same client load against a bare aedes that stores
 * nothing. Target ≥ 0.85.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { join } from 'node:path';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { Gateway } from '../src/gateway/app.js';
import { fork } from 'node:child_process';
import { tmp, type Result } from './lib.js';

/** Runs the load in a separate process and returns events/s. */
function remoteLoad(job: { url: string; devices: { id: string; secret?: string }[]; perDevice: number; window: number }): Promise<number> {
  const child = fork(new URL('./load-client.js', import.meta.url), [], { stdio: 'inherit' });
  child.send({ ...job, kind: 'seal-status' });
  return new Promise((resolve, reject) =>
    child.once('message', (m: { rate?: number; error?: string }) => (m.rate ? resolve(m.rate) : reject(new Error(m.error)))),
  );
}

const DEVICES = 8;
const WINDOW = Number(process.env.SEALIFT_BENCH_WINDOW ?? 32);


export async function benchIngest(quick: boolean): Promise<Result> {
  const perDevice = quick ? 600 : 5000;
  const devices = Array.from({ length: DEVICES }, (_, i) => ({ id: `seal-${i + 1}`, secret: `bench-secret-${i + 1}-xxxxxxxx` }));

  // Baseline: bare aedes, no auth, no storage; the load comes from another process in both runs.
  const bare = await Aedes.createBroker();
  const server = createServer(bare.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const barePort = (server.address() as AddressInfo).port;
  const load = (url: string, devs: { id: string; secret?: string }[]) => remoteLoad({ url, devices: devs, perDevice, window: WINDOW });
  await load(`mqtt://127.0.0.1:${barePort}`, devices.map((d) => ({ id: d.id }))); // warm-up
  const baseline = await load(`mqtt://127.0.0.1:${barePort}`, devices.map((d) => ({ id: `${d.id}-b` })));
  await new Promise<void>((r) => bare.close(() => r()));
  server.close();

  // The gateway: auth, ACL, decode, group commit with synchronous=FULL, PUBACK after commit.
  const t = tmp();
  const cfg = loadConfig({
    env: { ...process.env, SEALIFT_DATA: join(t.dir, 'data'), SEALIFT_BROKER_PORT: '0', SEALIFT_HTTP_ENABLED: 'false', SEALIFT_GATEWAY_ID: 'bench' },
  });
  const gw = await new Gateway(cfg, createLogger('warn')).start();
  for (const d of devices) await gw.store.registry.addDevice({ id: d.id, profile: 'seal-mqtt' }, { secret: d.secret });
  const url = `mqtt://127.0.0.1:${gw.brokerPort}`;
  const value = await load(url, devices);
  const stats = gw.store.journal.stats();
  await gw.stop();
  t.cleanup();
  const ratio = value / baseline;
  return {
    name: 'durable ingest',
    value,
    unit: 'events/s',
    ratio,
    baseline: `bare aedes ${Math.round(baseline).toLocaleString('en')}/s`,
    target: '≥ 0.85',
    pass: ratio >= 0.85,
    notes: `${DEVICES} devices × ${WINDOW} in flight, ${stats.commits} commits for ${stats.size} records`,
  };
}

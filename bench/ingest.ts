/**
 * Durable ingest (DESIGN §8): QoS 1 device events/s through the gateway — PUBACK only after the
 * journal commit with synchronous=FULL — ÷ the same client load against a bare aedes that stores
 * nothing. Target ≥ 0.85.
 *
 * The load comes from another process (load-client.ts, like a fleet of real devices). Baseline and
 * gateway runs alternate, after one warm-up run of each, and the figure is the median of the
 * paired ratios: on a shared machine a burst of someone else's work then hits both sides of a pair.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { join } from 'node:path';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { Gateway } from '../src/gateway/app.js';
import { fork } from 'node:child_process';
import { median, tmp, type Result } from './lib.js';

interface LoadJob {
  url: string;
  devices: { id: string; secret?: string }[];
  perDevice: number;
  window: number;
  boot: number;
}

/** Runs the load in a separate process and returns events/s. */
function remoteLoad(job: LoadJob): Promise<number> {
  const child = fork(new URL('./load-client.js', import.meta.url), [], { stdio: 'inherit' });
  child.send({ ...job, kind: 'seal-status' });
  return new Promise((resolve, reject) =>
    child.once('message', (m: { rate?: number; error?: string }) => (m.rate ? resolve(m.rate) : reject(new Error(m.error)))),
  );
}

const DEVICES = 8;
const WINDOW = Number(process.env.SEALIFT_BENCH_WINDOW ?? 32);

export async function benchIngest(quick: boolean): Promise<Result> {
  const perDevice = quick ? 800 : 5000;
  const rounds = quick ? 3 : 5;
  const devices = Array.from({ length: DEVICES }, (_, i) => ({ id: `seal-${i + 1}`, secret: `bench-secret-${i + 1}-xxxxxxxx` }));

  // Baseline: bare aedes, no auth, no storage.
  const bare = await Aedes.createBroker();
  const server = createServer(bare.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const bareUrl = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The gateway: auth, ACL, decode, seal rules, group commit with synchronous=FULL, PUBACK after commit.
  const t = tmp();
  const cfg = loadConfig({
    env: { ...process.env, SEALIFT_DATA: join(t.dir, 'data'), SEALIFT_BROKER_PORT: '0', SEALIFT_HTTP_ENABLED: 'false', SEALIFT_GATEWAY_ID: 'bench' },
  });
  const gw = await new Gateway(cfg, createLogger('warn')).start();
  try {
    for (const d of devices) await gw.store.registry.addDevice({ id: d.id, profile: 'seal-mqtt' }, { secret: d.secret });
    const gwUrl = `mqtt://127.0.0.1:${gw.brokerPort}`;
    const bareDevices = devices.map((d) => ({ id: d.id }));
    const load = (url: string, devs: LoadJob['devices'], boot: number) => remoteLoad({ url, devices: devs, perDevice, window: WINDOW, boot });

    // warm-up of both (JIT, SQLite page cache, WAL file growth)
    await load(bareUrl, bareDevices, 1);
    await load(gwUrl, devices, 1);
    const s0 = gw.store.journal.stats();
    const c0 = await commitTotals(gw);
    const pairs: { base: number; gw: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      const base = await load(bareUrl, bareDevices, r + 2);
      // a new boot per round: every event is new to the journal (no duplicate shortcut)
      const g = await load(gwUrl, devices, r + 2);
      pairs.push({ base, gw: g });
    }
    const s1 = gw.store.journal.stats();
    const c1 = await commitTotals(gw);
    const commitMs = ((c1.sum - c0.sum) * 1000) / Math.max(1, c1.count - c0.count);
    const records = s1.size - s0.size;
    const commits = s1.commits - s0.commits;
    const ratio = median(pairs.map((p) => p.gw / p.base));
    const value = median(pairs.map((p) => p.gw));
    const baseline = median(pairs.map((p) => p.base));
    return {
      name: 'durable ingest',
      value,
      unit: 'events/s',
      ratio,
      baseline: `bare aedes ${Math.round(baseline).toLocaleString('en')}/s`,
      target: '≥ 0.85',
      pass: ratio >= 0.85,
      notes:
        `${DEVICES} devices × ${WINDOW} in flight, median of ${rounds} alternating pairs (ratios ${pairs.map((p) => (p.gw / p.base).toFixed(2)).join(', ')}); ` +
        `${records.toLocaleString('en')} records in ${commits} commits (${(records / Math.max(1, commits)).toFixed(0)} per commit, ${commitMs.toFixed(1)} ms per commit incl. fsync)`,
    };
  } finally {
    await gw.stop();
    t.cleanup();
    await new Promise<void>((r) => bare.close(() => r()));
    server.close();
  }
}

/** Sum (s) and count of the journal's commit-duration histogram. */
async function commitTotals(gw: Gateway): Promise<{ sum: number; count: number }> {
  const values = (await gw.metrics.commitSeconds.get()).values;
  const pick = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0;
  return { sum: pick('_sum'), count: pick('_count') };
}

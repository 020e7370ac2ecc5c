/**
 * Upstream drain (DESIGN §8): a backlog of 1,000,000 journal records (quick: 100,000) sent to an
 * upstream mosquitto by the outbox (src/sync/outbox.ts: batches of ≤ upstream.batchBytes, QoS 1,
 * upstream.inFlight batches waiting for PUBACK), records/s from the start of the connection until
 * the last batch's PUBACK ÷ raw MQTT.js QoS 1 publishes/s (one record's bytes per publish, 100 in
 * flight) to the same broker. Target ≥ 1.0 (batching).
 */
import mqtt from 'mqtt';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { Journal } from '../src/store/journal.js';
import { openDb } from '../src/store/db.js';
import { Upstream } from '../src/sync/outbox.js';
import { fixture } from './fixture.js';
import { now, type Result } from './lib.js';
import { startMosquitto } from './mosquitto.js';

/** QoS 1 publishes/s of `payloads` from one MQTT.js client keeping `window` in flight. */
async function rawPublishes(url: string, payloads: Buffer[], window: number): Promise<number> {
  const c = await mqtt.connectAsync(url, { clientId: 'bench-raw', reconnectPeriod: 0, clean: true });
  const t0 = now();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const next = (): void => {
      if (sent >= payloads.length) return;
      const p = payloads[sent++]!;
      c.publish('bench/raw', p, { qos: 1 }, (err) => {
        if (err) return reject(err);
        if (++done === payloads.length) resolve();
        else next();
      });
    };
    for (let k = 0; k < window; k++) next();
  });
  const rate = payloads.length / ((now() - t0) / 1000);
  await c.endAsync();
  return rate;
}

export async function benchDrain(quick: boolean): Promise<Result> {
  const n = quick ? 100_000 : 1_000_000;
  const fx = await fixture(n);
  const mosq = await startMosquitto();
  try {
    // Baseline: the same records, one publish each (at most 50,000 of them: the rate is steady long before).
    const db = openDb(fx.dbPath, { readonly: true });
    const payloads = (db.prepare('SELECT bytes FROM journal WHERE seq < ? ORDER BY seq').raw(true).all(Math.min(50_000, fx.size)) as [Buffer][]).map((r) => r[0]);
    db.close();
    await rawPublishes(mosq.url, payloads.slice(0, 5000), 100); // warm-up
    const baseline = await rawPublishes(mosq.url, payloads, 100);

    // The outbox over the fixture's journal, nothing receipted yet: everything is backlog.
    const cfg = loadConfig({ env: { ...process.env, SEALIFT_DATA: fx.dir, SEALIFT_GATEWAY_ID: fx.gw, SEALIFT_UPSTREAM_URL: mosq.url } });
    const journal = Journal.open({ path: fx.dbPath, gw: fx.gw, key: fx.key });
    const up = new Upstream({ cfg, journal, log: createLogger('warn') });
    const t0 = now();
    up.start();
    for (;;) {
      const h = up.health();
      if (h.connected && h.unsent === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const h = up.health();
    await up.stop(); // waits for the PUBACKs of the batches still in flight
    const secs = (now() - t0) / 1000;
    await journal.close();
    const value = fx.size / secs;
    const ratio = value / baseline;
    return {
      name: 'upstream drain',
      value,
      unit: 'records/s',
      ratio,
      baseline: `raw MQTT.js QoS 1 ${Math.round(baseline).toLocaleString('en')} publishes/s`,
      target: '≥ 1.0',
      pass: ratio >= 1,
      notes: `${fx.size.toLocaleString('en')}-record backlog to mosquitto in ${secs.toFixed(1)} s: ${h.batchesSent} batches of ≤ ${cfg.upstream.batchBytes / 1024} KiB, ${cfg.upstream.inFlight} in flight; baseline: 1 record per publish, 100 in flight`,
    };
  } finally {
    await mosq.stop();
  }
}

/**
 * Webhook alerts from the durable outbox: a real HTTP receiver on 127.0.0.1 is down (refusing), then
 * failing (HTTP 500), while faults come in over MQTT; ingest is not slowed down; the gateway restarts
 * with alerts still queued; once the receiver is back, every alert arrives, in order, signed.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeStatus } from '../../devices/lift-kit-mqtt.js';
import { LiftModel } from '../../sim/lift/model.js';
import { FAST_RULES, liftRig, sleep, waitFor, type LiftRig } from './helpers.js';

const SECRET = 'webhook-secret-0123456789';

interface Received {
  id: string;
  event: string;
  signature: string;
  body: string;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function receiver(port: number, failFirst: number): Promise<{ server: Server; got: Received[]; refused: () => number }> {
  const got: Received[] = [];
  let failures = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failures < failFirst) {
        failures++;
        res.writeHead(500).end('busy');
        return;
      }
      got.push({
        id: String(req.headers['x-sealift-delivery']),
        event: String(req.headers['x-sealift-event']),
        signature: String(req.headers['x-sealift-signature']),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, got, refused: () => failures })));
}

let rig: LiftRig | null = null;
let server: Server | null = null;
afterAll(async () => {
  await rig?.stop();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

describe('webhook alerts', () => {
  it('are queued durably while the receiver is down, never slow ingest, survive a restart, and all arrive signed and in order', async () => {
    const port = await freePort();
    const lift = {
      webhooks: [{ url: `http://127.0.0.1:${port}/sealift`, secret: SECRET }],
      webhook: { backoffMinMs: 100, backoffMaxMs: 400, timeoutMs: 1000 },
      contacts: { primary: [{ name: '刘维保' }] },
      rules: { ...FAST_RULES, kitOfflineMs: 600_000 }, // the hand-played kit goes quiet across the restart
    };
    const devices = [{ id: 'k1', profile: 'lift-kit-mqtt' as const, ratedSpeed: 1000, floors: { lo: 1, hi: 6 } }];
    rig = await liftRig({ devices, lift });

    // the kit, played by hand: a top-limit switch toggled ten times = 5 raises + 5 clears
    const kit = await mqtt.connectAsync(rig.brokerUrl, { clientId: 'k1', username: 'k1', password: rig.secrets.k1!, reconnectPeriod: 0 });
    const base = new LiftModel({ auto: false }).reading();
    let seq = 1;
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await kit.publishAsync('dev/k1/up/status', encodeStatus({ ...base, topLimit: i % 2 === 0 }, seq++, Date.now()), { qos: 1 });
      latencies.push(performance.now() - t0);
      await sleep(FAST_RULES.clearMs + 150); // long enough for the clear
    }
    await waitFor(() => rig!.faults().length === 10, 3000, 'ten fault records');
    // PUBACK (after the commit) never waited for the receiver
    expect(Math.max(...latencies)).toBeLessThan(250);

    const st = rig.service.webhookStats();
    expect(st.queued).toBe(10);
    expect(st.failures).toBeGreaterThan(0);
    expect(st.receivers[0]).toMatchObject({ url: `http://127.0.0.1:${port}/sealift`, queued: 10 });
    expect(st.receivers[0]!.lastError).toMatch(/ECONNREFUSED|fetch failed/);
    const expected = rig.faults().map((f) => `testgw/${f.seq}`);

    // restart with the alerts still queued (the queue is a table, not memory)
    await kit.endAsync();
    const data = rig.data;
    await rig.stop();
    rig = await liftRig({ devices, lift, data });
    expect(rig.service.webhookStats().queued).toBe(10);

    // the receiver comes back, failing its first two requests
    const r = await receiver(port, 2);
    server = r.server;
    await waitFor(() => r.got.length >= 10, 10_000, 'all alerts delivered');
    await sleep(300);
    expect(r.refused()).toBe(2);
    expect(r.got.map((g) => g.id)).toEqual(expected); // none lost, none twice, in order
    expect(r.got.map((g) => g.event)).toEqual(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'fault.raise' : 'fault.clear')));
    for (const g of r.got) {
      expect(g.signature).toBe('sha256=' + createHmac('sha256', SECRET).update(g.body).digest('hex'));
      const body = JSON.parse(g.body) as Record<string, unknown>;
      expect(body).toMatchObject({ id: g.id, event: g.event, gw: 'testgw', lift: { id: 'k1' }, fault: { code: 'LIFT_TOP_OVERTRAVEL', gb: 92, severity: 'critical' } });
      if (g.event === 'fault.raise') expect(body.contacts).toEqual([{ name: '刘维保' }]);
    }
    expect(rig.service.webhookStats()).toMatchObject({ queued: 0, receivers: [] });
    const metrics = await (await fetch(`${rig.base}/metrics`)).text();
    expect(metrics).toMatch(/sealift_lift_webhook_delivered_total 10/);
    expect(metrics).toMatch(/sealift_lift_webhook_queued 0/);
  });
});

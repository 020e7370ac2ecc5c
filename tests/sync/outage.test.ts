/**
 * Upstream broker outage under load (DESIGN §8 reliability): mosquitto is killed while devices
 * keep publishing to the gateway, then restarted. Every record reaches the hub in order, each seq
 * is held once, and the gateway ends up with a receipt covering its whole journal.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { Mosquitto } from '../helpers/mosquitto.js';
import { provisioned, startGatewayProc, kill, type RunningGateway } from '../helpers/gateway.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import type { Hub } from '../../src/hub/hub.js';
import { startTestHub, waitFor } from '../hub/helpers.js';
import { Devices, GW, converged, gatewayDb, sameLog, upstreamEnv } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('upstream outage under load', () => {
  let mosq: Mosquitto | undefined;
  let hub: Hub | undefined;
  let gw: RunningGateway | undefined;
  let devices: Devices | undefined;

  afterAll(async () => {
    await devices?.close();
    if (gw && gw.proc.exitCode === null) await kill(gw);
    await hub?.stop();
    await mosq?.stop();
  });

  it('loses nothing, duplicates nothing and ends fully receipted', async () => {
    const devs = [
      { id: 'seal-o1', secret: 'outage-secret-0001' },
      { id: 'seal-o2', secret: 'outage-secret-0002' },
    ];
    const data = provisioned(devs.map((d) => ({ id: d.id, profile: 'seal-mqtt', secret: d.secret })));
    mosq = await Mosquitto.start();
    hub = await startTestHub(mosq.url);
    await hub.addGateway(GW, loadOrCreateKey(data, `sealift/${GW}`).vkey);
    gw = await startGatewayProc(data, upstreamEnv(mosq.url, hub.key.vkey, { SEALIFT_UPSTREAM_BATCH_BYTES: '16384' }));
    devices = await Devices.connect(gw.brokerPort, devs);
    devices.start(1);

    await waitFor(async () => ((await hub!.store.getGateway(GW))?.verified ?? 0) > 20, 'records flowing to the hub', 20_000);
    await mosq.stop(); // the upstream broker dies…
    const during = devices.acked;
    await sleep(2500); // …while devices keep publishing to the gateway
    expect(devices.acked).toBeGreaterThan(during); // ingest is not held up by the upstream
    const metrics = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
    expect(Number(/sealift_upstream_backlog_records (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/sealift_upstream_connected 0/);
    await mosq.restart();
    await sleep(2000);
    await devices.stop();

    const final = await converged(data, hub);
    expect(final.size).toBeGreaterThan(100);
    expect(sameLog(data, hub).size).toBe(final.size);
    const h = (await hub.store.getGateway(GW))!;
    expect(h).toMatchObject({ status: 'ok', held: final.size, verified: final.size });
    expect(await hub.store.alarms({ gw: GW, kind: 'tamper', limit: 5 })).toHaveLength(0);
    // every acknowledged device event is in the journal (and so at the hub)
    const statuses = gatewayDb(data, true).rows.filter((r) => r.bytes.includes('"kind":"device.status"') && r.bytes.includes('"seal-o'));
    expect(statuses.length).toBe(devices.acked);
    const after = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
    expect(after).toMatch(/sealift_upstream_backlog_records 0/);
    expect(Number(/sealift_upstream_reconnects_total (\d+)/.exec(after)?.[1])).toBeGreaterThan(0);
  });
});

/**
 * Provisioning by `sealift device add` / `sealift user add` in another process while the gateway
 * runs: the gateway's journal notices the foreign records within about a second and hands them to
 * the same listeners as its own commits — the device is attached (`device.added`) and can log in,
 * the upstream outbox sends the record to the hub without waiting for a local commit, and the user
 * can log in to the pages.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import type { Gateway } from '../../src/gateway/app.js';
import type { DeviceAddedEvent } from '../../src/gateway/devices.js';
import type { Hub } from '../../src/hub/hub.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import type { Committed } from '../../src/store/types.js';
import { BIN, tmp } from '../helpers/cli.js';
import { Client, startInproc } from '../helpers/inproc.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { startTestHub, waitFor } from '../hub/helpers.js';
import { converged, GW, hubRows, upstreamEnv } from '../sync/helpers.js';

const run = promisify(execFile);

describe('provisioning by the CLI in another process while the gateway runs', () => {
  let mosq: Mosquitto;
  let hub: Hub;
  let gw: Gateway;
  let stop: () => Promise<void>;
  let data: string;
  const told: Committed[] = [];
  const added: DeviceAddedEvent[] = [];
  const cli = (args: string[], input?: string) => {
    const p = run(process.execPath, [BIN, ...args], { env: { ...process.env, SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: GW, SEALIFT_LOG_LEVEL: 'warn' } });
    if (input !== undefined) p.child.stdin!.end(input);
    return p;
  };

  beforeAll(async () => {
    data = join(tmp(), 'data');
    const key = loadOrCreateKey(data, `sealift/${GW}`);
    mosq = await Mosquitto.start();
    hub = await startTestHub(mosq.url);
    await hub.addGateway(GW, key.vkey);
    ({ gw, stop } = await startInproc({ data, env: upstreamEnv(mosq.url, hub.key.vkey) }));
    gw.store.journal.onRecords((recs) => void told.push(...recs));
    gw.bus.on('device.added', (e) => void added.push(e));
    await converged(data, hub);
  }, 60_000);

  afterAll(async () => {
    await stop?.();
    await hub?.stop();
    await mosq?.stop();
  });

  it('a device: attached within about a second, logs in, and its record reaches the hub', async () => {
    const secret = 'cli-sleeve-secret-1';
    const out = await cli(['device', 'add', 'seal-cli1', '--profile', 'seal-mqtt', '--secret', secret]);
    expect(out.stdout).toMatch(/added seal-cli1/);
    const t0 = Date.now();
    const ev = await waitFor(() => added.find((e) => e.device.id === 'seal-cli1'), 'device.added for seal-cli1', 2500, 20);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(ev).toMatchObject({ device: { id: 'seal-cli1', profile: 'seal-mqtt' }, actor: 'cli' });
    const rec = told.find((c) => c.seq === ev.seq)!;
    expect(rec).toMatchObject({ foreign: true, record: { kind: 'config.change', subject: 'seal-cli1', data: { op: 'device.add' } } });
    expect(gw.store.journal.size).toBeGreaterThan(ev.seq);

    // the outbox sends it upstream like a local record (the hub verifies the whole tree)
    await waitFor(() => hubRows(hub).some((r) => r.seq === ev.seq), 'the hub to hold the foreign record', 10_000, 50);
    expect(hubRows(hub).find((r) => r.seq === ev.seq)!.bytes.equals(gw.store.journal.get(ev.seq)!.bytes)).toBe(true);

    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.brokerPort}`, { clientId: 'seal-cli1', username: 'seal-cli1', password: secret, reconnectPeriod: 0 });
    try {
      await c.publishAsync('dev/seal-cli1/up/hello', JSON.stringify({ seq: 1, boot: 1, id: 'seal-cli1', fw: '1.0', model: 'SL-4G', counter: 0, time: Date.now() }), { qos: 1 });
      expect(told.some((x) => x.record.kind === 'device.hello' && x.record.subject === 'seal-cli1' && !x.foreign)).toBe(true);
    } finally {
      await c.endAsync();
    }
    await converged(data, hub);
  });

  it('a user: seen without a restart, can log in to the pages', async () => {
    await cli(['user', 'add', 'cli-keeper', '--role', 'keeper'], 'keeper-pass-cli\n');
    await waitFor(() => told.find((c) => c.foreign && c.record.subject === 'cli-keeper' && c.record.data.op === 'user.add'), 'the foreign user.add record', 2500, 20);
    const me = await (await new Client(`http://127.0.0.1:${gw.httpPort}`).login('cli-keeper', 'keeper-pass-cli')).get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'cli-keeper', role: 'keeper' });
  });
});

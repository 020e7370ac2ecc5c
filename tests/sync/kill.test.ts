/**
 * The gateway SIGKILLed in the middle of draining a backlog, then restarted: it resumes from the
 * last hub receipt; every record reaches the hub in order, each seq held once, all receipted.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { provisioned, startGatewayProc, kill, type RunningGateway } from '../helpers/gateway.js';
import { sealift } from '../helpers/cli.js';
import { Journal } from '../../src/store/journal.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import type { Hub } from '../../src/hub/hub.js';
import { appendN, startTestHub, waitFor } from '../hub/helpers.js';
import { Devices, GW, converged, gatewayDb, sameLog, upstreamEnv } from './helpers.js';

const BACKLOG = 6000;

describe('gateway killed mid-drain', () => {
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

  it('resumes from the last receipt after SIGKILL and converges', async () => {
    const dev = { id: 'seal-k1', secret: 'kill-drain-secret-01' };
    const data = provisioned([{ id: dev.id, profile: 'seal-mqtt', secret: dev.secret }]);
    // A backlog written while there was no upstream.
    const key = loadOrCreateKey(data, `sealift/${GW}`);
    const j = Journal.open({ path: join(data, 'sealift.db'), gw: GW, key, groupCommitMs: 0 });
    await appendN(j, BACKLOG, 'backlog-dev');
    await j.close();

    mosq = await Mosquitto.start();
    hub = await startTestHub(mosq.url);
    await hub.addGateway(GW, key.vkey);
    // A hub that takes a moment per batch (a busy county server): the broker may take the whole
    // backlog at once, and a hub storing it in one burst could finish before the kill.
    const store = hub.store;
    const append = store.appendRecords.bind(store);
    store.appendRecords = async (...args) => {
      await new Promise((r) => setTimeout(r, 3));
      return append(...args);
    };
    // Small batches and a window of one, so the drain takes long enough to be interrupted.
    const env = upstreamEnv(mosq.url, hub.key.vkey, { SEALIFT_UPSTREAM_BATCH_BYTES: '4096', SEALIFT_UPSTREAM_IN_FLIGHT: '1' });
    gw = await startGatewayProc(data, env);
    devices = await Devices.connect(gw.brokerPort, [dev]);
    devices.start(1, 5);

    const atKill = await waitFor(
      async () => {
        const h = await hub!.store.getGateway(GW);
        return h && h.held > 300 ? h : undefined;
      },
      'the drain to be under way',
      20_000,
      10,
    );
    gw.proc.kill('SIGKILL');
    await kill(gw);
    expect(atKill.held).toBeLessThan(BACKLOG); // killed in the middle of the drain
    await devices.close();
    const receiptedAtKill = gatewayDb(data).receipted;
    expect(receiptedAtKill).toBeLessThan(BACKLOG);

    gw = await startGatewayProc(data, upstreamEnv(mosq.url, hub.key.vkey)); // default batches and window now
    devices = await Devices.connect(gw.brokerPort, [dev]);
    devices.start(2, 5);
    await new Promise((r) => setTimeout(r, 1000));
    await devices.stop();

    const final = await converged(data, hub, 60_000);
    expect(final.size).toBeGreaterThan(BACKLOG);
    expect(sameLog(data, hub).size).toBe(final.size);
    expect(await hub.store.getGateway(GW)).toMatchObject({ status: 'ok', verified: final.size });
    expect(await hub.store.alarms({ gw: GW, kind: 'tamper', limit: 5 })).toHaveLength(0);
    const v = sealift(['verify', '--data', data]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});

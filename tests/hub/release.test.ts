/**
 * After a tamper alarm the hub refuses everything the gateway sends. Once the site has been
 * examined an operator lifts the quarantine with `sealift hub gateway release GW --reason …` (in
 * another process, while the hub runs): the honest gateway syncs again and gets receipts; a gateway
 * that still sends the rewritten history is quarantined again at once. The release is kept as an
 * alarm with who, when and why.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { dirname } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sealift } from '../helpers/cli.js';
import { appendN, batch, fakeGateway, startTestHub, waitFor } from './helpers.js';
import type { Hub } from '../../src/hub/hub.js';
import type { Journal } from '../../src/store/journal.js';
import { topics, type Receipt } from '../../src/sync/protocol.js';

describe('lifting a quarantine', () => {
  let mosq: Mosquitto;
  let hub: Hub;
  let client: MqttClient;
  const receipts: Receipt[] = [];
  const send = (topic: string, payload: string) => client.publishAsync(topic, payload, { qos: 1 });
  const sendCheckpoint = (j: Journal) => send(topics.checkpoint(j.gw), j.checkpoint('test')!.note);
  const status = async (gw: string) => (await hub.store.getGateway(gw))!.status;
  /** `sealift hub … --data D`: the hub keeps its files in D/hub. */
  const cli = (args: string[]) => sealift([...args, '--data', dirname(hub.dir)]);

  beforeAll(async () => {
    mosq = await Mosquitto.start();
    hub = await startTestHub(mosq.url);
    client = await mqtt.connectAsync(mosq.url, { clientId: `test-gw-release-${process.pid}` });
    await client.subscribeAsync(topics.receipt('gwr'), { qos: 1 });
    client.on('message', (_t, payload) => receipts.push(JSON.parse(payload.toString()) as Receipt));
  });
  afterAll(async () => {
    await client?.endAsync();
    await hub?.stop();
    await mosq?.stop();
  });

  it('is refused until someone says why; then the honest gateway syncs again, a forger is quarantined again', async () => {
    const { journal: j } = fakeGateway('gwr');
    await hub.addGateway('gwr', j.key.vkey);
    await appendN(j, 6);
    await send(topics.journal('gwr'), batch(j, 0, 5));
    await sendCheckpoint(j);
    await waitFor(() => receipts.some((r) => r.size === 6), 'receipt 6');

    // A resend whose record 3 differs from what the hub holds: quarantined.
    const forged = JSON.parse(batch(j, 2, 5)) as { records: string[] };
    forged.records[1] = forged.records[1]!.replace('"i":3', '"i":33');
    await send(topics.journal('gwr'), JSON.stringify(forged));
    await waitFor(async () => (await status('gwr')) === 'tampered', 'quarantine');
    await appendN(j, 2);
    await send(topics.journal('gwr'), batch(j, 6, 7));
    await sendCheckpoint(j);
    await new Promise((r) => setTimeout(r, 500));
    expect((await hub.store.getGateway('gwr'))!.held, 'refused while quarantined').toBe(6);

    // Refused without a reason, for an unknown gateway, for one that is not quarantined: nothing changes.
    const noReason = cli(['hub', 'gateway', 'release', 'gwr']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason/);
    const blank = cli(['hub', 'gateway', 'release', 'gwr', '--reason', '  ']);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toMatch(/say why/);
    const unknown = cli(['hub', 'gateway', 'release', 'nosuchgw', '--reason', 'checked']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/nosuchgw is not registered/);
    expect(await status('gwr')).toBe('tampered');
    expect(await hub.store.alarms({ gw: 'gwr', kind: 'released', limit: 5 })).toEqual([]);

    // The operator examined the site (the forged resend came from a faulty tool, the gateway's own
    // journal is the honest one) and lifts the quarantine while the hub runs.
    const release = cli(['hub', 'gateway', 'release', 'gwr', '--reason', '现场检查：网关记录完好，误用工具重发']);
    expect(release.code, release.stderr).toBe(0);
    expect(release.stdout).toMatch(/gateway gwr: quarantine lifted/);
    expect(await status('gwr')).toBe('ok');
    const [released] = await hub.store.alarms({ gw: 'gwr', kind: 'released', limit: 5 });
    expect(released).toMatchObject({ gw: 'gwr', severity: 'warning', count: 1 });
    expect(released!.message).toMatch(/quarantine of gwr lifted by \S+: 现场检查/);
    expect(released!.detail).toMatchObject({ reason: '现场检查：网关记录完好，误用工具重发', verified: 6, held: 6 });
    expect((released!.detail as { tamper: { message: string } }).tamper.message).toMatch(/record 3 of gwr differs/);
    const again = cli(['hub', 'gateway', 'release', 'gwr', '--reason', 'twice']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/gwr is not quarantined/);

    // The honest gateway resends what was refused and is receipted again.
    await send(topics.journal('gwr'), batch(j, 6, 7));
    await sendCheckpoint(j);
    await waitFor(() => receipts.some((r) => r.size === 8), 'receipt 8 after the release');
    expect((await hub.store.getGateway('gwr'))!).toMatchObject({ status: 'ok', held: 8, verified: 8 });

    // Still sending the rewritten history: quarantined again at once.
    await send(topics.journal('gwr'), JSON.stringify(forged));
    await waitFor(async () => (await status('gwr')) === 'tampered', 'quarantined again');
    const [tamper] = await hub.store.alarms({ gw: 'gwr', kind: 'tamper', limit: 1 });
    expect(tamper!.count).toBe(2);
    const listed = cli(['hub', 'gateway', 'list']);
    expect(listed.stdout).toMatch(/gwr\tTAMPERED\tverified 8\/8/);
  });
});

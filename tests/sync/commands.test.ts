/**
 * Remote commands from the hub (DESIGN §5.7): signed by the hub key, journaled as `sync.command`,
 * answered once per id (a redelivery gets the remembered result), unsigned ones refused.
 * Also: upstream status over HTTP and /metrics, photos sent after the journal.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt from 'mqtt';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { provisioned, startGatewayProc, kill, journalRows, type RunningGateway } from '../helpers/gateway.js';
import { sealift } from '../helpers/cli.js';
import { Client } from '../helpers/inproc.js';
import { Journal } from '../../src/store/journal.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import type { Hub } from '../../src/hub/hub.js';
import type { SqliteHubStore } from '../../src/hub/sqlite-store.js';
import { topics, type CommandResult } from '../../src/sync/protocol.js';
import { startTestHub, waitFor } from '../hub/helpers.js';
import { GW, converged, upstreamEnv } from './helpers.js';

describe('remote commands and upstream status', () => {
  let mosq: Mosquitto;
  let hub: Hub;
  let gw: RunningGateway;
  let data: string;
  const photo = Buffer.from('a photo of a stamp impression');
  const sha = createHash('sha256').update(photo).digest('hex');

  beforeAll(async () => {
    data = provisioned([{ id: 'seal-c1', profile: 'seal-mqtt', secret: 'cmd-secret-0000001' }]);
    const r = sealift(['user', 'add', 'jiwei', '--role', 'inspector'], { input: 'inspector-pass-1\n', env: { SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: GW } });
    expect(r.code, r.stderr).toBe(0);
    // a record referencing a photo (as seal.stamp records do), and the photo in {data}/photos
    const key = loadOrCreateKey(data, `sealift/${GW}`);
    const j = Journal.open({ path: join(data, 'sealift.db'), gw: GW, key, groupCommitMs: 0 });
    await j.append({ kind: 'device.event', subject: 'seal-c1', data: { event: 'photo', photo: sha } });
    await j.close();
    mkdirSync(join(data, 'photos'), { recursive: true });
    writeFileSync(join(data, 'photos', sha), photo);

    mosq = await Mosquitto.start();
    hub = await startTestHub(mosq.url);
    await hub.addGateway(GW, key.vkey);
    gw = await startGatewayProc(data, upstreamEnv(mosq.url, hub.key.vkey));
    await converged(data, hub);
  });

  afterAll(async () => {
    if (gw && gw.proc.exitCode === null) await kill(gw);
    await hub?.stop();
    await mosq?.stop();
  });

  const commandRecords = (id: string) =>
    journalRows(data)
      .filter((r) => r.kind === 'sync.command' && r.subject === id)
      .map((r) => JSON.parse(r.bytes.toString()) as { actor: string; data: { name: string; status: string; sig?: string; data?: unknown } });

  it('runs a signed `checkpoint` command once per id, journaled, remembering the result', async () => {
    const r1 = (await hub.sendCommand(GW, 'checkpoint', { id: 'cmd-0001', by: 'zhenli' })) as CommandResult;
    expect(r1).toMatchObject({ id: 'cmd-0001', status: 'ok' });
    const size = (r1.data as { size: number }).size;
    expect(size).toBeGreaterThan(0);
    const r2 = (await hub.sendCommand(GW, 'checkpoint', { id: 'cmd-0001', by: 'zhenli' })) as CommandResult;
    expect(r2).toEqual(r1);
    const recs = await waitFor(() => (commandRecords('cmd-0001').length ? commandRecords('cmd-0001') : undefined), 'the sync.command record');
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ actor: 'zhenli', data: { name: 'checkpoint', status: 'ok' } });
    expect(typeof recs[0]!.data.sig).toBe('string');
    const stored = await hub.store.command('cmd-0001');
    expect(stored).toMatchObject({ gw: GW, name: 'checkpoint', status: 'ok' });
  });

  it('answers an unknown command with an error (journaled) and refuses an unsigned one (not journaled)', async () => {
    const r = (await hub.sendCommand(GW, 'nosuch', { id: 'cmd-0002', by: 'zhenli' })) as CommandResult;
    expect(r).toMatchObject({ id: 'cmd-0002', status: 'error', error: { code: 'unknown_command' } });
    await waitFor(() => commandRecords('cmd-0002').length === 1, 'the unknown command journaled');

    const intruder = await mqtt.connectAsync(mosq.url, { clientId: `intruder-${process.pid}` });
    const results: CommandResult[] = [];
    intruder.on('message', (_t, p) => results.push(JSON.parse(p.toString()) as CommandResult));
    await intruder.subscribeAsync(topics.cmdResult(GW), { qos: 1 });
    await intruder.publishAsync(topics.cmd(GW, 'checkpoint'), JSON.stringify({ id: 'cmd-forged', by: 'nobody' }), { qos: 1 });
    const forged = await waitFor(() => results.find((x) => x.id === 'cmd-forged'), 'the refusal');
    expect(forged).toMatchObject({ status: 'error', error: { code: 'unauthorized' } });
    await intruder.endAsync();
    expect(commandRecords('cmd-forged')).toHaveLength(0);
  });

  it('sends the photos referenced by records after the journal', async () => {
    await waitFor(() => (hub.store as SqliteHubStore).db.prepare('SELECT 1 FROM hub_evidence WHERE sha = ?').get(sha), 'the photo at the hub', 20_000);
  });

  it('shows the upstream state on /api/upstream (inspectors and admins) and /metrics', async () => {
    const base = `http://127.0.0.1:${gw.httpPort}`;
    expect((await fetch(`${base}/api/upstream`)).status).toBe(401);
    const c = await new Client(base).login('jiwei', 'inspector-pass-1');
    const h = await c.get('/api/upstream');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ connected: true, evidencePending: 0 });
    expect(h.body.lastReceipt.size).toBeGreaterThan(0);
    const m = await (await fetch(`${base}/metrics`)).text();
    expect(m).toMatch(/sealift_upstream_connected 1/);
    expect(m).toMatch(/sealift_upstream_last_receipt_size [1-9]/);
    expect(m).toMatch(/sealift_upstream_evidence_total\{result="sent"\} 1/);
  });
});

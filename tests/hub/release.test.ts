/**
 * After a tamper alarm the hub refuses everything the gateway sends. Once the site has been
 * examined an operator lifts the quarantine with `sealift hub gateway release GW --reason …` (in
 * another process, while the hub runs): the honest gateway syncs again and gets receipts; a gateway
 * that still sends the rewritten history is quarantined again at once. The release is kept as an
 * alarm with who, when and why.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { copyFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sealift } from '../helpers/cli.js';
import { appendN, batch, fakeGateway, startTestHub, waitFor } from './helpers.js';
import type { Hub } from '../../src/hub/hub.js';
import type { SqliteHubStore } from '../../src/hub/sqlite-store.js';
import { Journal } from '../../src/store/journal.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import { leafHash } from '../../src/store/merkle.js';
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

  it('sets aside what no signed checkpoint vouched for, so the restored honest gateway is not refused for it', async () => {
    // The usual rewrite: the forger's gateway restarts, sends its new records (beyond what the hub
    // holds: accepted, unverified) and then a checkpoint over the rewritten tree (tamper).
    const { journal: honest, dir } = fakeGateway('gwx');
    await hub.addGateway('gwx', honest.key.vkey);
    await client.subscribeAsync(topics.receipt('gwx'), { qos: 1 });
    await appendN(honest, 5);
    await send(topics.journal('gwx'), batch(honest, 0, 4));
    await sendCheckpoint(honest);
    await waitFor(async () => (await hub.store.getGateway('gwx'))!.verified === 5, 'verified 5');
    const backup = join(dir, 'backup.db');
    await honest.close();
    copyFileSync(join(dir, 'sealift.db'), backup);

    const forger = Journal.open({ path: join(dir, 'sealift.db'), gw: 'gwx', key: loadOrCreateKey(dir, 'sealift/gwx'), groupCommitMs: 0 });
    forger.db.exec('DROP TRIGGER journal_no_update; DROP TRIGGER checkpoints_no_delete');
    const rec2 = forger.db.prepare('SELECT bytes FROM journal WHERE seq = 2').get() as { bytes: Buffer };
    const forged = Buffer.from(rec2.bytes.toString().replace('"battery":90', '"battery":10'));
    forger.db.prepare('UPDATE journal SET bytes = ?, leaf = ? WHERE seq = 2').run(forged, leafHash(forged));
    forger.db.exec('DELETE FROM checkpoints; DELETE FROM merkle_state');
    await forger.close();
    const forgerAgain = Journal.open({ path: join(dir, 'sealift.db'), gw: 'gwx', key: loadOrCreateKey(dir, 'sealift/gwx'), groupCommitMs: 0 });
    await forgerAgain.append({ kind: 'device.status', subject: 'dev-1', data: { i: 'forger', battery: 1 } });
    await send(topics.journal('gwx'), batch(forgerAgain, 5, 5));
    await waitFor(async () => (await hub.store.getGateway('gwx'))!.held === 6, 'the new record held');
    await sendCheckpoint(forgerAgain);
    await waitFor(async () => (await status('gwx')) === 'tampered', 'quarantine');
    expect(await hub.store.getGateway('gwx')).toMatchObject({ held: 6, verified: 5 });
    await forgerAgain.close();

    // verified records can never be deleted, not even while quarantined
    const db = (hub.store as SqliteHubStore).db;
    expect(() => db.prepare("DELETE FROM hub_records WHERE gw = 'gwx' AND seq = 2").run()).toThrow(/append-only/);

    const release = cli(['hub', 'gateway', 'release', 'gwx', '--reason', '已从备份恢复网关']);
    expect(release.code, release.stderr).toBe(0);
    expect(release.stdout).toMatch(/1 record\(s\) it sent after its last verified checkpoint were set aside/);
    expect(await hub.store.getGateway('gwx')).toMatchObject({ status: 'ok', held: 5, verified: 5 });
    const [released] = await hub.store.alarms({ gw: 'gwx', kind: 'released', limit: 1 });
    expect(released!.detail).toMatchObject({ discarded: 1, held: 6, verified: 5 });
    const aside = db.prepare("SELECT seq, bytes, release FROM hub_discarded WHERE gw = 'gwx'").all() as { seq: number; bytes: Buffer; release: number }[];
    expect(aside.map((r) => [r.seq, r.release])).toEqual([[5, released!.id]]);
    expect(aside[0]!.bytes.toString()).toContain('"forger"');
    // …and, out of quarantine, nothing can be deleted at all
    expect(() => db.prepare("DELETE FROM hub_records WHERE gw = 'gwx' AND seq = 4").run()).toThrow(/append-only/);

    // The site restored its honest journal from the backup; it goes on and syncs.
    copyFileSync(backup, join(dir, 'sealift.db'));
    rmSync(join(dir, 'sealift.db-wal'), { force: true });
    rmSync(join(dir, 'sealift.db-shm'), { force: true });
    const restored = Journal.open({ path: join(dir, 'sealift.db'), gw: 'gwx', key: loadOrCreateKey(dir, 'sealift/gwx'), groupCommitMs: 0 });
    await appendN(restored, 2);
    await send(topics.journal('gwx'), batch(restored, 5, 6));
    await sendCheckpoint(restored);
    await waitFor(async () => (await hub.store.getGateway('gwx'))!.verified === 7, 'verified 7 after the restore');
    expect(await hub.store.getGateway('gwx')).toMatchObject({ status: 'ok', held: 7 });
    expect(await hub.store.alarms({ gw: 'gwx', kind: 'tamper', limit: 5 })).toHaveLength(1);
    await restored.close();
  });
});

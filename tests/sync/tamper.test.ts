/**
 * History rewritten on the gateway after the hub receipted it: a record edited in the SQLite file
 * (triggers dropped), leaves and tree rebuilt and the checkpoints re-signed with the gateway's own
 * key — locally consistent, so `sealift verify` cannot tell. The hub refuses it and raises the
 * tamper alarm, and keeps the original. Then the way back: the journal restored from a backup, the
 * quarantine lifted, and the gateway syncs on.
 */
import { describe, it, expect, afterAll } from 'vitest';
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { provisioned, startGatewayProc, kill, type RunningGateway } from '../helpers/gateway.js';
import { exited, sealift } from '../helpers/cli.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import { signCheckpoint } from '../../src/store/checkpoint.js';
import { leafHash, MerkleTree } from '../../src/store/merkle.js';
import { canonicalJson } from '../../src/store/record.js';
import { releaseGateway, type Hub } from '../../src/hub/hub.js';
import type { HubAlarm } from '../../src/hub/store.js';
import { startTestHub, waitFor } from '../hub/helpers.js';
import { Devices, GW, converged, gatewayDb, hubRows, sameLog, upstreamEnv } from './helpers.js';

describe('history rewritten on the gateway', () => {
  let mosq: Mosquitto | undefined;
  let hub: Hub | undefined;
  let gw: RunningGateway | undefined;

  afterAll(async () => {
    if (gw && gw.proc.exitCode === null) await kill(gw);
    await hub?.stop();
    await mosq?.stop();
  });

  it('is refused by the hub with a tamper alarm; restored from a backup and released, the gateway syncs on', async () => {
    const dev = { id: 'seal-t1', secret: 'tamper-secret-00001' };
    const data = provisioned([{ id: dev.id, profile: 'seal-mqtt', secret: dev.secret }]);
    const key = loadOrCreateKey(data, `sealift/${GW}`);
    mosq = await Mosquitto.start();
    hub = await startTestHub(mosq.url);
    const alarms: HubAlarm[] = [];
    hub.onAlarm((a) => alarms.push(a));
    await hub.addGateway(GW, key.vkey);
    const env = upstreamEnv(mosq.url, hub.key.vkey);
    gw = await startGatewayProc(data, env);
    const devices = await Devices.connect(gw.brokerPort, [dev]);
    devices.start(1, 5);
    await new Promise((r) => setTimeout(r, 800));
    await devices.close();
    const before = await converged(data, hub);
    gw.proc.kill('SIGTERM');
    await exited(gw.proc);

    // The site's backup of its honest journal, taken before the rewrite.
    const backup = join(data, 'backup');
    mkdirSync(backup);
    for (const f of ['sealift.db', 'sealift.db-wal']) if (existsSync(join(data, f))) copyFileSync(join(data, f), join(backup, f));

    // The rewrite: a status record the hub already receipted gets different content.
    const db = new Database(join(data, 'sealift.db'));
    const target = (db.prepare("SELECT seq, bytes FROM journal WHERE kind = 'device.status' ORDER BY seq LIMIT 1 OFFSET 3").get() as { seq: number; bytes: Buffer });
    expect(target.seq).toBeLessThan(before.receipted);
    const rec = JSON.parse(target.bytes.toString()) as { data: Record<string, unknown> };
    rec.data.battery = 5;
    const forged = Buffer.from(canonicalJson(rec, 'record'));
    db.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; DROP TRIGGER checkpoints_no_update; DROP TRIGGER checkpoints_no_delete');
    db.prepare('UPDATE journal SET bytes = ?, leaf = ? WHERE seq = ?').run(forged, leafHash(forged), target.seq);
    const leaves = (db.prepare('SELECT leaf FROM journal ORDER BY seq').raw(true).all() as [Buffer][]).map((r) => r[0]);
    const tree = new MerkleTree(leaves);
    db.exec('DELETE FROM checkpoints; DELETE FROM merkle_state');
    db.prepare('INSERT INTO checkpoints (size, root, note, ts) VALUES (?, ?, ?, ?)').run(
      leaves.length,
      tree.root().toString('base64'),
      signCheckpoint(key, leaves.length, tree.root()),
      Date.now(),
    );
    db.close();
    // Locally the forgery is consistent: only an outside copy can catch it.
    const local = sealift(['verify', '--data', data]);
    expect(local.code, local.stdout + local.stderr).toBe(0);
    const original = hubRows(hub)[target.seq]!.bytes;

    gw = await startGatewayProc(data, env);
    const tamper = await waitFor(() => alarms.find((a) => a.kind === 'tamper'), 'the tamper alarm', 30_000);
    expect(tamper).toMatchObject({ gw: GW, severity: 'critical' });
    expect(tamper.message).toMatch(/rewritten history/);
    const state = (await hub.store.getGateway(GW))!;
    expect(state).toMatchObject({ status: 'tampered', verified: before.size });
    expect(hubRows(hub)[target.seq]!.bytes.equals(original)).toBe(true);
    // the gateway never gets a receipt for the rewritten log
    await new Promise((r) => setTimeout(r, 1500));
    expect(gatewayDb(data).receipted).toBe(before.receipted);
    const listed = (await hub.store.alarms({ gw: GW, kind: 'tamper', limit: 5 }))[0];
    expect(listed?.message).toBe(tamper.message);

    // The site is examined: the gateway's journal is restored from the backup, the operator lifts
    // the quarantine, and the gateway syncs on from its honest history (what the forged run sent
    // beyond the verified records is set aside).
    gw.proc.kill('SIGTERM');
    await exited(gw.proc);
    for (const f of ['sealift.db', 'sealift.db-wal', 'sealift.db-shm']) rmSync(join(data, f), { force: true });
    for (const f of ['sealift.db', 'sealift.db-wal']) if (existsSync(join(backup, f))) copyFileSync(join(backup, f), join(data, f));
    await releaseGateway(hub.store, GW, { reason: 'restored from the backup of the day before', by: 'county-it' });
    gw = await startGatewayProc(data, env);
    const after = await converged(data, hub);
    expect(after.size).toBeGreaterThan(before.size);
    expect(sameLog(data, hub).size).toBe(after.size);
    expect(hubRows(hub)[target.seq]!.bytes.equals(original)).toBe(true);
    expect((await hub.store.getGateway(GW))!.status).toBe('ok');
    expect(await hub.store.alarms({ gw: GW, kind: 'tamper', limit: 5 })).toHaveLength(1);
  });
});

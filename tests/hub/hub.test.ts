/**
 * The hub against a real mosquitto, fed by hand-crafted gateway traffic: verification, receipts,
 * dedupe, refusals and alarms, the inspector API and exports that `verify --bundle` accepts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tmp, sealift } from '../helpers/cli.js';
import { appendN, batch, fakeGateway, startTestHub, testLog, waitFor } from './helpers.js';
import type { Hub } from '../../src/hub/hub.js';
import { buildHubHttp } from '../../src/hub/http.js';
import { exportGateway } from '../../src/hub/export.js';
import type { Http } from '../../src/api/server.js';
import { verifyBundle } from '../../src/store/export.js';
import { noteBody, parseCosignerKey, topics, verifyCosignature, type Receipt } from '../../src/sync/protocol.js';
import type { Journal } from '../../src/store/journal.js';
import type { SqliteHubStore } from '../../src/hub/sqlite-store.js';

describe('hub', () => {
  let mosq: Mosquitto;
  let hub: Hub;
  let client: MqttClient;
  let http: Http;
  let base: string;
  const receipts: { gw: string; r: Receipt }[] = [];

  const send = (topic: string, payload: string | Buffer) => client.publishAsync(topic, payload, { qos: 1 });
  const rowsOf = (gw: string) =>
    (hub.store as SqliteHubStore).db.prepare('SELECT seq, bytes FROM hub_records WHERE gw = ? ORDER BY seq').all(gw) as { seq: number; bytes: Buffer }[];
  const receiptsFor = (gw: string) => receipts.filter((x) => x.gw === gw).map((x) => x.r);
  const state = async (gw: string) => (await hub.store.getGateway(gw))!;
  const alarmsOf = async (gw: string, kind: string) => hub.store.alarms({ gw, kind, limit: 10 });
  const sendCheckpoint = async (j: Journal) => {
    const cp = j.checkpoint('test')!;
    await send(topics.checkpoint(j.gw), cp.note);
    return cp;
  };

  beforeAll(async () => {
    mosq = await Mosquitto.start();
    hub = await startTestHub(mosq.url);
    http = buildHubHttp(hub, testLog(), 'secret-token');
    await http.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(http.server.address() as { port: number }).port}`;
    client = await mqtt.connectAsync(mosq.url, { clientId: `test-gw-${process.pid}` });
    await client.subscribeAsync('sealift/v1/+/receipt', { qos: 1 });
    client.on('message', (topic, payload) => {
      if (topic.endsWith('/receipt')) receipts.push({ gw: topic.split('/')[2]!, r: JSON.parse(payload.toString()) as Receipt });
    });
  });

  afterAll(async () => {
    await client?.endAsync();
    await http?.close();
    await hub?.stop();
    await mosq?.stop();
  });

  it('verifies a batch against the signed checkpoint and answers with a cosigned receipt', async () => {
    const { journal: j } = fakeGateway('gwa');
    await hub.addGateway('gwa', j.key.vkey);
    await appendN(j, 10);
    await send(topics.journal('gwa'), batch(j, 0, 9));
    const cp = await sendCheckpoint(j);
    const [r] = await waitFor(() => (receiptsFor('gwa').length ? receiptsFor('gwa') : undefined), 'a receipt');
    expect(r).toMatchObject({ size: 10, root: cp.root });
    expect(r!.time % 1000).toBe(0);
    const v = verifyCosignature(parseCosignerKey(hub.key.vkey), noteBody(cp.note), r!.cosignature);
    expect(v).toEqual({ ok: true, timeSec: r!.time / 1000 });
    expect(r!.note).toContain(cp.note.trimEnd());
    expect(await state('gwa')).toMatchObject({ held: 10, verified: 10, root: cp.root, status: 'ok' });
    // the bytes held are the gateway's bytes
    const mine = [...j.range(0, 9)].map((x) => x.bytes.toString());
    expect(rowsOf('gwa').map((x) => x.bytes.toString())).toEqual(mine);
  });

  it('stores each seq once when batches are delivered twice or overlap', async () => {
    const { journal: j } = fakeGateway('gwdup');
    await hub.addGateway('gwdup', j.key.vkey);
    await appendN(j, 30);
    await send(topics.journal('gwdup'), batch(j, 0, 9));
    await send(topics.journal('gwdup'), batch(j, 0, 9)); // the same batch again
    await send(topics.journal('gwdup'), batch(j, 5, 19)); // overlapping
    await send(topics.journal('gwdup'), batch(j, 3, 4)); // entirely old
    await send(topics.journal('gwdup'), batch(j, 15, 29));
    await send(topics.journal('gwdup'), batch(j, 0, 29)); // everything again
    await sendCheckpoint(j);
    await waitFor(() => receiptsFor('gwdup').some((r) => r.size === 30), 'receipt 30');
    const rows = rowsOf('gwdup');
    expect(rows.map((r) => r.seq)).toEqual([...Array(30).keys()]);
    expect(await state('gwdup')).toMatchObject({ held: 30, verified: 30 });
    expect(await alarmsOf('gwdup', 'tamper')).toHaveLength(0);
    // a checkpoint sent again (the gateway reconnected) is answered with the newest receipt again
    const before = receiptsFor('gwdup').length;
    await send(topics.checkpoint('gwdup'), j.latestCheckpoint()!.note);
    await waitFor(() => receiptsFor('gwdup').length > before, 'a repeated receipt');
  });

  it('refuses a batch with a gap (alarm), and accepts the missing records afterwards', async () => {
    const { journal: j } = fakeGateway('gwgap');
    await hub.addGateway('gwgap', j.key.vkey);
    await appendN(j, 20);
    await send(topics.journal('gwgap'), batch(j, 0, 4));
    await send(topics.journal('gwgap'), batch(j, 10, 19)); // 5..9 missing
    await sendCheckpoint(j);
    const [gap] = await waitFor(async () => {
      const a = await alarmsOf('gwgap', 'gap');
      return a.length ? a : undefined;
    }, 'gap alarm');
    expect(gap!.message).toMatch(/10\.\.19 refused: it leaves a gap after the 5 records held/);
    await waitFor(async () => (await state('gwgap')).held === 5, 'held stays 5');
    expect(receiptsFor('gwgap')).toHaveLength(0);
    // the gateway resends from its last receipt: everything completes
    await send(topics.journal('gwgap'), batch(j, 0, 19));
    await waitFor(() => receiptsFor('gwgap').some((r) => r.size === 20), 'receipt 20 after the resend');
    expect(rowsOf('gwgap')).toHaveLength(20);
  });

  it('refuses an unregistered gateway and a checkpoint signed by a key that is not the registered one', async () => {
    const { journal: stranger } = fakeGateway('gwstranger');
    await appendN(stranger, 5);
    await send(topics.journal('gwstranger'), batch(stranger, 0, 4));
    await send(topics.checkpoint('gwstranger'), stranger.checkpoint('t')!.note);
    await waitFor(async () => (await alarmsOf('gwstranger', 'unknown_gateway')).length > 0, 'unknown_gateway alarm');
    expect(rowsOf('gwstranger')).toHaveLength(0);

    // gwkey is registered with one key, but the journal it sends is signed by another
    const { journal: real } = fakeGateway('gwkey');
    const { journal: impostor } = fakeGateway('gwkey', { foreignKey: true });
    await hub.addGateway('gwkey', real.key.vkey);
    await appendN(impostor, 5);
    await send(topics.journal('gwkey'), batch(impostor, 0, 4));
    await sendCheckpoint(impostor);
    const [a] = await waitFor(async () => {
      const x = await alarmsOf('gwkey', 'unknown_key');
      return x.length ? x : undefined;
    }, 'unknown_key alarm');
    expect(a!.severity).toBe('critical');
    expect(a!.message).toMatch(/not signed by its registered key/);
    expect((await state('gwkey')).verified).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiptsFor('gwkey')).toHaveLength(0);
    expect(receiptsFor('gwstranger')).toHaveLength(0);
  });

  it('raises a tamper alarm and quarantines a gateway whose signed history was rewritten', async () => {
    // The honest history, received and receipted…
    const { journal: j, dir } = fakeGateway('gwt');
    await hub.addGateway('gwt', j.key.vkey);
    await appendN(j, 8);
    await send(topics.journal('gwt'), batch(j, 0, 7));
    await sendCheckpoint(j);
    await waitFor(() => receiptsFor('gwt').some((r) => r.size === 8), 'receipt 8');
    // …then a rewrite: the same key signs a log whose record 3 differs.
    const held3 = rowsOf('gwt')[3]!.bytes.toString();
    j.db.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; DROP TRIGGER checkpoints_no_delete');
    const forged = held3.replace('"battery":90', '"battery":10');
    j.db.prepare('UPDATE journal SET bytes = ?, leaf = ? WHERE seq = 3').run(
      Buffer.from(forged),
      createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(forged)])).digest(),
    );
    j.db.exec('DELETE FROM checkpoints; DELETE FROM merkle_state');
    await j.close();
    const { Journal } = await import('../../src/store/journal.js');
    const { loadOrCreateKey } = await import('../../src/store/keys.js');
    const again = Journal.open({ path: join(dir, 'sealift.db'), gw: 'gwt', key: loadOrCreateKey(dir, 'sealift/gwt'), groupCommitMs: 0 });
    await appendN(again, 2);
    await send(topics.journal('gwt'), batch(again, 8, 9)); // extends what the hub holds…
    await sendCheckpoint(again); // …but the signed root covers the forged record 3
    const [t] = await waitFor(async () => {
      const x = await alarmsOf('gwt', 'tamper');
      return x.length ? x : undefined;
    }, 'tamper alarm');
    expect(t!.message).toMatch(/checkpoint 10 signed by gwt does not match the records the hub holds: rewritten history/);
    expect(await state('gwt')).toMatchObject({ status: 'tampered', verified: 8 });
    expect(rowsOf('gwt')[3]!.bytes.toString()).toBe(held3); // the hub kept the original
    expect(receiptsFor('gwt').map((r) => r.size)).toEqual([8]);
    // quarantined: later traffic is refused
    await appendN(again, 1);
    await send(topics.journal('gwt'), batch(again, 10, 10));
    await new Promise((r) => setTimeout(r, 300));
    expect(rowsOf('gwt')).toHaveLength(10);
    await again.close();

    // A resend of already-held records with different bytes is a rewrite too.
    const { journal: k } = fakeGateway('gwt2');
    await hub.addGateway('gwt2', k.key.vkey);
    await appendN(k, 5);
    await send(topics.journal('gwt2'), batch(k, 0, 4));
    const b = JSON.parse(batch(k, 2, 4)) as { records: string[] };
    b.records[1] = b.records[1]!.replace('"i":3', '"i":33');
    await send(topics.journal('gwt2'), JSON.stringify(b));
    await waitFor(async () => (await alarmsOf('gwt2', 'tamper')).length > 0, 'tamper alarm on an altered resend');
    expect((await alarmsOf('gwt2', 'tamper'))[0]!.message).toMatch(/record 3 of gwt2 differs from the one the hub holds/);
  });

  it('publishes alarms on the hub topic and lists them over HTTP (token required)', async () => {
    const watcher = await mqtt.connectAsync(mosq.url, { clientId: `alarm-watch-${process.pid}` });
    const got: unknown[] = [];
    watcher.on('message', (_t, p) => got.push(JSON.parse(p.toString())));
    await watcher.subscribeAsync(topics.hubAlarm, { qos: 1 });
    await send(topics.journal('gwnobody'), JSON.stringify({ gw: 'gwnobody', from: 0, to: 0, records: ['{}'] }));
    await waitFor(() => got.length > 0, 'an alarm on the hub topic');
    expect(got[0]).toMatchObject({ gw: 'gwnobody', kind: 'unknown_gateway' });
    await watcher.endAsync();

    expect((await fetch(`${base}/api/hub/gateways`)).status).toBe(401);
    const auth = { headers: { authorization: 'Bearer secret-token' } };
    const gws = (await (await fetch(`${base}/api/hub/gateways`, auth)).json()) as { gateways: { gw: string; status: string; verified: number; alarms: number }[] };
    expect(gws.gateways.find((g) => g.gw === 'gwt')).toMatchObject({ status: 'tampered', verified: 8 });
    expect(gws.gateways.find((g) => g.gw === 'gwa')).toMatchObject({ status: 'ok', verified: 10, alarms: 0 });
    const alarms = (await (await fetch(`${base}/api/hub/alarms?kind=tamper`, auth)).json()) as { alarms: { gw: string }[] };
    expect(alarms.alarms.map((a) => a.gw).sort()).toEqual(['gwt', 'gwt2']);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('searches records across gateways with paging', async () => {
    const auth = { headers: { authorization: 'Bearer secret-token' } };
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `${base}/api/hub/records?kind=device.status&subject=dev-1&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await fetch(q, auth)).json()) as { records: { gw: string; seq: number; record: { kind: string } }[]; next: string | null };
      for (const r of page.records) {
        expect(r.record.kind).toBe('device.status');
        seen.push(`${r.gw}:${r.seq}`);
      }
      cursor = page.next;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((s) => s.startsWith('gwdup:'))).toHaveLength(30);
    expect(seen.filter((s) => s.startsWith('gwa:'))).toHaveLength(10);
    const one = (await (await fetch(`${base}/api/hub/records?gw=gwa&limit=3`, auth)).json()) as { records: { seq: number; verified: boolean }[] };
    expect(one.records.map((r) => r.seq)).toEqual([9, 8, 7]);
    expect(one.records.every((r) => r.verified)).toBe(true);
    expect((await fetch(`${base}/api/hub/records?from=yesterday`, auth)).status).toBe(400);
  });

  it('stores photos only when their bytes hash to their name', async () => {
    const photo = Buffer.from('not really a jpeg, but bytes');
    const sha = createHash('sha256').update(photo).digest('hex');
    await send(topics.evidence('gwa', sha), photo);
    await send(topics.evidence('gwa', '0'.repeat(64)), photo);
    await waitFor(async () => (await alarmsOf('gwa', 'invalid')).some((a) => a.message.includes('do not hash')), 'photo refused');
    const db = (hub.store as SqliteHubStore).db;
    expect(db.prepare('SELECT sha FROM hub_evidence').all()).toEqual([{ sha }]);
  });

  it('exports a gateway as a bundle that `sealift verify --bundle` accepts, also as a tar over HTTP', async () => {
    const out = join(tmp(), 'bundle');
    const r = await exportGateway(hub.store, 'gwdup', { out });
    expect(r).toMatchObject({ count: 30, checkpoint: { size: 30 } });
    const g = (await hub.store.getGateway('gwdup'))!;
    expect(verifyBundle(out, { vkey: g.vkey })).toMatchObject({ ok: true, count: 30 });
    const cli = sealift(['verify', '--bundle', out, '--key', g.vkey]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);

    const res = await fetch(`${base}/api/hub/gateways/gwa/export?kind=device.status`, { headers: { authorization: 'Bearer secret-token' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/x-tar/);
    const dir = tmp();
    writeFileSync(join(dir, 'x.tar'), Buffer.from(await res.arrayBuffer()));
    mkdirSync(join(dir, 'b'));
    const tar = spawnSync('tar', ['xf', join(dir, 'x.tar'), '-C', join(dir, 'b')], { encoding: 'utf8' });
    expect(tar.status, tar.stderr).toBe(0);
    const v = verifyBundle(join(dir, 'b'), { vkey: (await hub.store.getGateway('gwa'))!.vkey });
    expect(v).toMatchObject({ ok: true, count: 10 });
    // the hub's receipts travel with the bundle
    const receiptsJson = JSON.parse(readFileSync(join(dir, 'b', 'receipts.json'), 'utf8')) as { size: number }[];
    expect(receiptsJson.map((x) => x.size)).toContain(10);
    // a quarantined gateway still exports what was verified before the rewrite
    const t = await exportGateway(hub.store, 'gwt', { out: join(tmp(), 'bt') });
    expect(t.checkpoint.size).toBe(8);
  });
});

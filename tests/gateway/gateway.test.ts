/** The gateway process end to end: ingest, dedupe, health, metrics, retained status, SIGTERM. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { provisioned, startGatewayProc, kill, journalRows, type RunningGateway } from '../helpers/gateway.js';
import { sealift, exited } from '../helpers/cli.js';

const SECRET = 'gw-test-secret-0001';

describe('gateway process', () => {
  let data: string;
  let gw: RunningGateway;
  let dev: MqttClient;

  beforeAll(async () => {
    data = provisioned([{ id: 'seal-a', profile: 'seal-mqtt', secret: SECRET }]);
    const r = sealift(['user', 'add', 'jiwei', '--role', 'inspector'], {
      input: 'inspector-pass-1\n',
      env: { SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: 'testgw' },
    });
    expect(r.code, r.stderr).toBe(0);
    gw = await startGatewayProc(data, { SEALIFT_HEALTH_INTERVAL_SEC: '0.2' });
    dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.brokerPort}`, {
      clientId: 'seal-a',
      username: 'seal-a',
      password: SECRET,
    });
  });

  afterAll(async () => {
    await dev?.endAsync();
    if (gw && gw.proc.exitCode === null) await kill(gw);
  });

  it('stores a retransmitted event once and acknowledges both copies', async () => {
    const payload = JSON.stringify({ seq: 7, boot: 42, battery: 80, locked: true, sleeveClosed: true, sealPresent: true, time: 1 });
    await dev.publishAsync('dev/seal-a/up/status', payload, { qos: 1 });
    await dev.publishAsync('dev/seal-a/up/status', payload, { qos: 1 });
    await dev.publishAsync('dev/seal-a/up/status', payload, { qos: 1, dup: true });
    const rows = journalRows(data).filter((r) => r.subject === 'seal-a' && r.dev_seq === 7);
    expect(rows).toHaveLength(1);
  });

  it('refuses a malformed payload with a reason, counts it, keeps serving', async () => {
    const before = journalRows(data).length;
    await dev.publishAsync('dev/seal-a/up/status', 'not json {', { qos: 1 });
    await dev.publishAsync('dev/seal-a/up/status', JSON.stringify({ boot: 1 }), { qos: 1 }); // no seq
    expect(journalRows(data).length).toBe(before);
    const metrics = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/sealift_rejected_total\{reason="device_bad_json"\} 1/);
    expect(metrics).toMatch(/sealift_rejected_total\{reason="device_bad_payload"\} 1/);
    expect(metrics).toMatch(/sealift_journal_commit_seconds_count [1-9]/);
    await dev.publishAsync(
      'dev/seal-a/up/status',
      JSON.stringify({ seq: 8, boot: 42, battery: 80, locked: true, sleeveClosed: true, sealPresent: true, time: 2 }),
      { qos: 1 },
    );
    expect(journalRows(data).length).toBe(before + 1);
  });

  it('answers /healthz and publishes retained status and health for users', async () => {
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/healthz`);
    expect(res.status).toBe(200);
    const h = (await res.json()) as { ok: boolean; journal: { records: number } };
    expect(h.ok).toBe(true);
    expect(h.journal.records).toBeGreaterThan(0);

    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.brokerPort}`, {
      clientId: 'jiwei:watch',
      username: 'jiwei',
      password: 'inspector-pass-1',
    });
    const got = new Map<string, string>();
    watcher.on('message', (t, p) => got.set(t, p.toString()));
    await watcher.subscribeAsync('sealift/testgw/#', { qos: 0 });
    await new Promise((r) => setTimeout(r, 600));
    expect(got.get('sealift/testgw/status')).toBe('online');
    expect(JSON.parse(got.get('sealift/testgw/health') ?? '{}')).toMatchObject({ ok: true, gw: 'testgw' });

    // request/response skeleton
    const resp = new Promise<string>((r) => watcher.on('message', (t, p) => t.endsWith('/response/health') && r(p.toString())));
    await watcher.subscribeAsync('sealift/testgw/response/#');
    await watcher.publishAsync('sealift/testgw/request/health', JSON.stringify({ transaction: 't1' }), { qos: 1 });
    expect(JSON.parse(await resp)).toMatchObject({ transaction: 't1', status: 'ok', data: { ok: true } });
    await watcher.endAsync();
  });

  it('SIGTERM drains, signs a final checkpoint, exits 0; the journal verifies', async () => {
    gw.proc.kill('SIGTERM');
    const { code } = await exited(gw.proc);
    expect(code).toBe(0);
    const rows = journalRows(data);
    expect(rows.at(-1)!.kind).toBe('gateway.stop');
    const v = sealift(['verify', '--data', data], { env: { SEALIFT_GATEWAY_ID: 'testgw' } });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`${rows.length} records`));
    expect(v.stdout).toMatch(new RegExp(`tree size ${rows.length}\\b`));
    // the final checkpoint covers every record, the stop included
    const db = new Database(join(data, 'sealift.db'), { readonly: true });
    const { size } = db.prepare('SELECT MAX(size) AS size FROM checkpoints').get() as { size: number };
    db.close();
    expect(size).toBe(rows.length);
  });
});

/**
 * The hub's HTTP side for the inspectors' pages, against a real mosquitto fed with a gateway's
 * journal (a seal request, its approval, a stamp with its photo): the pages served at `/` with
 * the CSP, the public /api/site saying "hub", the photo endpoint (bytes, 404, 400, token), the
 * records search by seal with the requests and photos it names, one record with its request's
 * story, the names of seals and people, receipts per site and alarm counts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { createHash } from 'node:crypto';
import { Mosquitto } from '../helpers/mosquitto.js';
import { batch, fakeGateway, startTestHub, testLog, waitFor } from './helpers.js';
import type { Hub } from '../../src/hub/hub.js';
import { buildHubHttp } from '../../src/hub/http.js';
import type { Http } from '../../src/api/server.js';
import type { Journal } from '../../src/store/journal.js';
import { topics } from '../../src/sync/protocol.js';

const TOKEN = 'county-inspectors-7f3a';
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };

/** Bytes that start like a JPEG (the hub serves what the gateway sent; it never decodes it). */
const PHOTO = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0sealift test photo'), Buffer.from([0xff, 0xd9])]);
const SHA = createHash('sha256').update(PHOTO).digest('hex');

describe('hub HTTP for the inspector pages', () => {
  let mosq: Mosquitto;
  let hub: Hub;
  let client: MqttClient;
  let http: Http;
  let base: string;
  let j: Journal;
  let stampSeq: number;

  beforeAll(async () => {
    mosq = await Mosquitto.start();
    hub = await startTestHub(mosq.url);
    http = buildHubHttp(hub, testLog(), TOKEN, { timezone: 'Asia/Shanghai' });
    await http.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(http.server.address() as { port: number }).port}`;
    client = await mqtt.connectAsync(mosq.url, { clientId: `test-hub-http-${process.pid}` });

    // a village's journal: provisioning, a request, its approval and grant, a stamp with a photo
    ({ journal: j } = fakeGateway('village-07'));
    await hub.addGateway('village-07', j.key.vkey);
    const now = Date.now();
    await j.append({ kind: 'config.change', subject: 'seal-01', actor: 'cli', data: { op: 'device.add', device: { id: 'seal-01', profile: 'seal-mqtt', name: '村委会公章' } } });
    await j.append({ kind: 'config.change', subject: 'lift-01', actor: 'cli', data: { op: 'device.add', device: { id: 'lift-01', profile: 'lift-modbus', name: '1号楼', slave: 1 } } });
    await j.append({ kind: 'config.change', subject: 'wenshu', actor: 'cli', data: { op: 'user.add', user: { name: 'wenshu', role: 'keeper', displayName: '王文书' } } });
    await j.append({ kind: 'config.change', subject: 'shuji', actor: 'cli', data: { op: 'user.add', user: { name: 'shuji', role: 'approver', displayName: '张书记' } } });
    const req = { request: 'R-20251122-0001', seal: 'seal-01', matter: '证明', title: '村民居住证明', count: 1, notBefore: now, notAfter: now + 4 * 3600_000 };
    await j.append({ kind: 'seal.request', subject: req.request, actor: 'wenshu', data: { ...req, note: null, escalated: false } });
    await j.append({ kind: 'seal.decision', subject: req.request, actor: 'shuji', data: { decision: 'approve', request: req.request, seal: 'seal-01', note: '同意', escalated: false } });
    await j.append({ kind: 'seal.grant', subject: req.request, actor: 'shuji', data: { grant: 'G-1', request: req.request, seal: 'seal-01', uses: 1, notBefore: req.notBefore, notAfter: req.notAfter } });
    const stamp = await j.append({
      kind: 'seal.stamp',
      subject: 'seal-01',
      data: { stamp: 'seal-01:1:7', seal: 'seal-01', grant: 'G-1', request: req.request, n: 1, counter: 41, photo: SHA, impression: true, decisionTime: now, timeBasis: 'gateway', outOfHours: false, counted: true },
    });
    stampSeq = stamp.record.seq;
    await j.append({ kind: 'seal.anomaly', subject: 'seal-01', data: { code: 'STAMP_NO_IMPRESSION', seal: 'seal-01', request: req.request, grant: 'G-1', stamp: 'seal-01:1:7' } });
    await j.append({ kind: 'seal.anomaly', subject: 'seal-02', data: { code: 'TAMPER', seal: 'seal-02' } });
    await client.publishAsync(topics.journal('village-07'), batch(j, 0, j.size - 1), { qos: 1 });
    await client.publishAsync(topics.checkpoint('village-07'), j.checkpoint('test')!.note, { qos: 1 });
    await client.publishAsync(topics.evidence('village-07', SHA), PHOTO, { qos: 1 });
    await waitFor(async () => (await hub.store.getGateway('village-07'))?.verified === j.size, 'the hub to verify the journal');
    await waitFor(async () => (await fetch(`${base}/api/hub/photos/${SHA}`, auth)).status === 200, 'the photo at the hub');
  });

  afterAll(async () => {
    await client?.endAsync();
    await http?.close();
    await hub?.stop();
    await mosq?.stop();
  });

  it('serves the web pages at / with the CSP, and says it is a hub on the public /api/site', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("img-src 'self' data: blob:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(await res.text()).toContain('<link rel="modulepreload" href="/app/hub/app.js" />');
    expect((await fetch(`${base}/app/hub/app.js`)).status).toBe(200);
    // no token needed to learn what this is: the page asks for the token afterwards
    const site = await fetch(`${base}/api/site`);
    expect(site.status).toBe(200);
    expect(await site.json()).toEqual({ name: hub.key.name, gatewayId: hub.key.name, timezone: 'Asia/Shanghai', mode: 'hub' });
    // everything else under /api still needs it
    expect((await fetch(`${base}/api/hub/gateways`)).status).toBe(401);
    expect((await fetch(`${base}/api/hub/gateways?x=/api/site`)).status).toBe(401);
  });

  it('serves a stored photo as image/jpeg to the token holder; 401 without the token, 404 unknown, 400 malformed', async () => {
    const res = await fetch(`${base}/api/hub/photos/${SHA}`, auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await res.arrayBuffer()).equals(PHOTO)).toBe(true);

    const anon = await fetch(`${base}/api/hub/photos/${SHA}`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ error: 'unauthorized' });
    expect((await fetch(`${base}/api/hub/photos/${SHA}`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);

    const unknown = await fetch(`${base}/api/hub/photos/${'0'.repeat(64)}`, auth);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });

    for (const bad of ['abc', SHA.toUpperCase(), `${SHA}0`, SHA.slice(1), '..%2F..%2Fhub.db']) {
      const r = await fetch(`${base}/api/hub/photos/${bad}`, auth);
      expect(r.status, bad).toBe(400);
      expect(await r.json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/SHA-256/) });
    }
  });

  it('searches records about a seal (its own and its requests’), with the requests and photos they name', async () => {
    const r = await fetch(`${base}/api/hub/records?seal=seal-01&kind=seal.*&limit=50`, auth);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { records: { gw: string; seq: number; verified: boolean; record: { kind: string } }[]; requests: Record<string, { kind: string; actor?: string }[]>; photos: Record<string, boolean>; next: string | null };
    expect(body.records.map((x) => x.record.kind).sort()).toEqual(['seal.anomaly', 'seal.decision', 'seal.grant', 'seal.request', 'seal.stamp']);
    expect(body.records.every((x) => x.gw === 'village-07' && x.verified)).toBe(true);
    expect(body.requests['village-07 R-20251122-0001']!.map((x) => x.kind)).toEqual(['seal.request', 'seal.decision', 'seal.grant']);
    expect(body.photos).toEqual({ [SHA]: true });
    expect(body.next).toBeNull();
    // each stamp listed comes with the anomalies found about it
    const stamps = (await (await fetch(`${base}/api/hub/records?kind=seal.stamp`, auth)).json()) as { records: unknown[]; anomalies: Record<string, string[]> };
    expect(stamps.records).toHaveLength(1);
    expect(stamps.anomalies).toEqual({ 'village-07 seal-01:1:7': ['STAMP_NO_IMPRESSION'] });
    // another seal's anomaly is not among them
    const other = (await (await fetch(`${base}/api/hub/records?seal=seal-02`, auth)).json()) as { records: { record: { kind: string } }[] };
    expect(other.records.map((x) => x.record.kind)).toEqual(['seal.anomaly']);
  });

  it('opens one record with its request’s story, its stamps and photos; refuses what it does not hold', async () => {
    const r = await fetch(`${base}/api/hub/gateways/village-07/records/${stampSeq}`, auth);
    expect(r.status).toBe(200);
    const d = (await r.json()) as { verified: boolean; record: { seq: number }; story: { kind: string }[]; stamps: { seq: number }[]; anomalies: { data: { code: string } }[]; photos: Record<string, boolean> };
    expect(d.verified).toBe(true);
    expect(d.record.seq).toBe(stampSeq);
    expect(d.story.map((x) => x.kind)).toEqual(['seal.request', 'seal.decision', 'seal.grant']);
    expect(d.stamps.map((x) => x.seq)).toEqual([stampSeq]);
    expect(d.anomalies.map((x) => x.data.code)).toEqual(['STAMP_NO_IMPRESSION']);
    expect(d.photos).toEqual({ [SHA]: true });
    // the request record leads to the same story and stamp
    const q = (await (await fetch(`${base}/api/hub/gateways/village-07/records/4`, auth)).json()) as { record: { kind: string }; stamps: { seq: number }[] };
    expect(q.record.kind).toBe('seal.request');
    expect(q.stamps.map((x) => x.seq)).toEqual([stampSeq]);

    expect((await fetch(`${base}/api/hub/gateways/village-07/records/${j.size + 5}`, auth)).status).toBe(404);
    expect((await fetch(`${base}/api/hub/gateways/nowhere/records/0`, auth)).status).toBe(404);
    expect((await fetch(`${base}/api/hub/gateways/village-07/records/abc`, auth)).status).toBe(400);
    expect((await fetch(`${base}/api/hub/gateways/village-07/records/0`)).status).toBe(401);
  });

  it('names the seals and people of each site from its provisioning records', async () => {
    const r = (await (await fetch(`${base}/api/hub/names`, auth)).json()) as { names: Record<string, unknown> };
    expect(r.names).toEqual({
      'village-07': {
        seals: [{ id: 'seal-01', name: '村委会公章' }],
        people: [
          { name: 'wenshu', displayName: '王文书', role: 'keeper' },
          { name: 'shuji', displayName: '张书记', role: 'approver' },
        ],
      },
    });
    expect((await fetch(`${base}/api/hub/names?gw=bad%20id`, auth)).status).toBe(400);
  });

  it('lists each site with its newest receipt, and the alarms with counts per site and kind', async () => {
    const g = (await (await fetch(`${base}/api/hub/gateways`, auth)).json()) as { gateways: { gw: string; receipt: { size: number; time: number } | null }[] };
    expect(g.gateways).toHaveLength(1);
    expect(g.gateways[0]!.receipt).toMatchObject({ size: j.size });
    expect(Date.now() - g.gateways[0]!.receipt!.time).toBeLessThan(60_000);

    // an unregistered gateway, twice: one alarm row counted twice
    for (let i = 0; i < 2; i++) await client.publishAsync(topics.checkpoint('stranger'), 'not a checkpoint', { qos: 1 });
    const a = await waitFor(
      async () => {
        const r = (await (await fetch(`${base}/api/hub/alarms`, auth)).json()) as { alarms: unknown[]; summary: { gw: string; kind: string; alarms: number; times: number; severity: string }[] };
        return r.summary.find((s) => s.gw === 'stranger' && s.times === 2) ? r : undefined;
      },
      'the alarms of the unregistered gateway',
    );
    expect(a.summary).toEqual([{ gw: 'stranger', kind: 'unknown_gateway', severity: 'critical', alarms: 1, times: 2, lastTs: expect.any(Number) }]);
  });
});

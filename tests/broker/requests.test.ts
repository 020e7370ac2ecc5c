/** Request/response (§5.5), gateway status and health, metrics, hooks and shutdown. */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MqttClient } from 'mqtt';
import { Counter, Registry } from 'prom-client';
import { Rejection } from '../../src/core/errors.js';
import type { Principal, RefusalEvent } from '../../src/transport/broker/index.js';
import { startHarness, expectServes, refusedCode, waitFor, type Harness, GW } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ maxInflightPerClient: 2, requestTimeoutMs: 200 });
  h.broker.onRequest('echo', async (payload, principal) => ({ payload, who: principal }));
  h.broker.onRequest('boom', async () => {
    throw new Error('database exploded at /secret/path');
  });
  h.broker.onRequest('sync-boom', (() => {
    throw new Error('thrown synchronously');
  }) as never);
  h.broker.onRequest('denied', async () => {
    throw new Rejection('forbidden', 'inspectors cannot do that');
  });
  h.broker.onRequest('slow', () => sleep(150).then(() => 'late but fine'));
  h.broker.onRequest('never', () => new Promise(() => undefined));
  h.broker.onRequest('bigint', async () => ({ n: 1n }));
});
afterEach(async () => h.cleanup());
afterAll(async () => h.stop());

/** Subscribe to responses and send one request; resolve with the parsed response. */
async function ask(c: MqttClient, name: string, body: string | object): Promise<Record<string, unknown>> {
  await c.subscribeAsync(`sealift/${GW}/response/${name}`, { qos: 1 });
  const got = new Promise<Record<string, unknown>>((resolve) => {
    const onMsg = (topic: string, payload: Buffer) => {
      if (topic !== `sealift/${GW}/response/${name}`) return;
      c.off('message', onMsg);
      resolve(JSON.parse(payload.toString()) as Record<string, unknown>);
    };
    c.on('message', onMsg);
  });
  await c.publishAsync(`sealift/${GW}/request/${name}`, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });
  return got;
}

describe('request/response', () => {
  it('answers a request with {transaction, status: ok, data}', async () => {
    const alice = await h.user('alice');
    const r = await ask(alice, 'echo', { transaction: 'tx-1', q: 'lifts' });
    expect(r).toEqual({
      transaction: 'tx-1',
      status: 'ok',
      data: { payload: { transaction: 'tx-1', q: 'lifts' }, who: { kind: 'user', id: 'alice', role: 'inspector' } },
    });
  });

  it('answers errors for unknown names, malformed JSON and missing transactions', async () => {
    const alice = await h.user('alice');
    expect(await ask(alice, 'nope', { transaction: 2 })).toEqual({
      transaction: 2,
      status: 'error',
      error: { code: 'unknown_request', message: 'unknown request "nope"' },
    });
    expect(await ask(alice, 'echo', '{not json')).toMatchObject({ transaction: null, status: 'error', error: { code: 'bad_request' } });
    expect(await ask(alice, 'echo', { q: 1 })).toMatchObject({ transaction: null, status: 'error', error: { code: 'bad_request' } });
    expect(h.rejected('broker_request_unknown')).toBe(1);
    expect(h.rejected('broker_request_malformed')).toBe(2);
    expect(alice.connected).toBe(true);
  });

  it('turns handler failures into error responses without crashing the broker', async () => {
    const alice = await h.user('alice');
    expect(await ask(alice, 'boom', { transaction: 'b' })).toEqual({
      transaction: 'b',
      status: 'error',
      error: { code: 'internal', message: 'internal error' }, // no internals leaked
    });
    expect(await ask(alice, 'sync-boom', { transaction: 'c' })).toMatchObject({ status: 'error', error: { code: 'internal' } });
    expect(await ask(alice, 'denied', { transaction: 'd' })).toEqual({
      transaction: 'd',
      status: 'error',
      error: { code: 'forbidden', message: 'inspectors cannot do that' },
    });
    expect(await ask(alice, 'bigint', { transaction: 'e' })).toMatchObject({ status: 'error', error: { code: 'internal' } });
    expect(await ask(alice, 'never', { transaction: 'f' })).toMatchObject({ transaction: 'f', status: 'error', error: { code: 'timeout' } });
    expect(await ask(alice, 'echo', { transaction: 'g' })).toMatchObject({ transaction: 'g', status: 'ok' });
    await expectServes(h);
  });

  it('answers "busy" beyond maxInflightPerClient unanswered requests of one client', async () => {
    const alice = await h.user('alice');
    await alice.subscribeAsync(`sealift/${GW}/response/slow`, { qos: 1 });
    const answers: Record<string, unknown>[] = [];
    alice.on('message', (_t, p) => answers.push(JSON.parse(p.toString()) as Record<string, unknown>));
    for (const t of ['s1', 's2', 's3']) await alice.publishAsync(`sealift/${GW}/request/slow`, JSON.stringify({ transaction: t }), { qos: 1 });
    await waitFor(() => answers.length === 3, 2_000, 'three answers');
    expect(answers.map((a) => [a.transaction, a.status])).toEqual([
      ['s3', 'error'],
      ['s1', 'ok'],
      ['s2', 'ok'],
    ]);
    expect(h.rejected('broker_request_busy')).toBe(1);
  });

  it('refuses duplicate and invalid handler names', () => {
    expect(() => h.broker.onRequest('echo', async () => 1)).toThrow(/already registered/);
    expect(() => h.broker.onRequest('a/b', async () => 1)).toThrow(/invalid/);
    const off = h.broker.onRequest('temp', async () => 1);
    off();
    expect(() => h.broker.onRequest('temp', async () => 2)).not.toThrow();
  });
});

describe('gateway status, health and shutdown', () => {
  it('publishes retained online on start and offline on stop; health via publish()', async () => {
    const events: RefusalEvent[] = [];
    const seen: string[] = [];
    const registry = new Registry();
    // core/metrics registers the shared counter first: the broker must reuse it
    const shared = new Counter({ name: 'sealift_rejected_total', help: 'x', labelNames: ['reason'], registers: [registry] });
    const g = await startHarness({
      metrics: registry,
      onRefusal: (e) => events.push(e),
      onClientConnected: (p: Principal, id) => seen.push(`+${p.kind}:${id}`),
      onClientDisconnected: (p: Principal, id) => seen.push(`-${p.kind}:${id}`),
    });
    try {
      const alice = await g.user('alice');
      const msgs: string[] = [];
      alice.on('message', (t, p, packet) => msgs.push(`${t}=${p.toString()}${packet.retain ? ' (retained)' : ''}`));
      await alice.subscribeAsync(`sealift/${GW}/#`, { qos: 1 });
      await g.broker.publish(`sealift/${GW}/health`, JSON.stringify({ ok: true }), { retain: true, qos: 1 });
      await waitFor(() => msgs.length >= 2);
      expect(msgs).toContain(`sealift/${GW}/status=online (retained)`);
      expect(msgs).toContain(`sealift/${GW}/health={"ok":true}`);

      expect(await refusedCode(g, { clientId: 'lift-1', username: 'lift-1', password: 'bad' })).toBe(4);
      expect(events).toMatchObject([{ reason: 'bad_credentials', clientId: 'lift-1', username: 'lift-1' }]);
      expect((await shared.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'broker_bad_credentials' }, value: 1 })]);
      expect(await registry.getSingleMetricAsString('sealift_broker_clients')).toMatch(/sealift_broker_clients 1/);

      // a device commit in flight when stop() begins is finished before stop() resolves
      g.mode.delayMs = 200;
      const dev = await g.device('lift-1');
      dev.publish('dev/lift-1/up/status', '{"seq":1}', { qos: 1 });
      await waitFor(() => g.commits.length === 1);
      await g.broker.stop();
      expect(g.commits[0]!.committed).toBe(true);
      expect(msgs).toContain(`sealift/${GW}/status=offline`);
      expect(seen).toEqual(expect.arrayContaining(['+user:alice', '+device:lift-1', '-user:alice', '-device:lift-1']));
      await expect(g.broker.publish(`sealift/${GW}/health`, 'x')).rejects.toThrow(/not running/);
      // restartable
      await g.broker.start();
      const again = await g.device('seal-1');
      expect(again.connected).toBe(true);
    } finally {
      await g.stop();
    }
  });

  it('does not process device wills when the gateway itself stops', async () => {
    const g = await startHarness();
    try {
      await g.device('lift-1', { will: { topic: 'dev/lift-1/up/online', payload: Buffer.from('0'), qos: 1, retain: true } });
      await g.broker.stop();
      await sleep(50);
      expect(g.commits).toHaveLength(0);
    } finally {
      await g.stop();
    }
  });

  it('rejects invalid topics in publish()', async () => {
    for (const t of ['', 'a/#', 'a/+/b', '$SYS/x', 'a\0b']) await expect(h.broker.publish(t, 'x'), t).rejects.toThrow(/invalid topic/);
  });
});

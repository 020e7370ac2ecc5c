/** Authentication and clientId rules; after each attack the broker keeps serving a good client. */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { startHarness, refusedCode, expectServes, closed, type Harness, DEVICES, USERS, waitFor } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(async () => h.cleanup());
afterAll(async () => h.stop());

describe('broker authentication', () => {
  it('refuses anonymous connections (not authorized)', async () => {
    expect(await refusedCode(h, { clientId: 'lift-1' })).toBe(5);
    expect(await refusedCode(h, { clientId: 'anon-x' })).toBe(5);
    expect(h.rejected('broker_anonymous')).toBeGreaterThanOrEqual(2);
    await expectServes(h);
  });

  it('refuses a wrong secret and a missing password (bad username or password)', async () => {
    expect(await refusedCode(h, { clientId: 'lift-1', username: 'lift-1', password: 'wrong-secret' })).toBe(4);
    expect(await refusedCode(h, { clientId: 'lift-1', username: 'lift-1' })).toBe(4);
    expect(await refusedCode(h, { clientId: 'nobody', username: 'nobody', password: 'x' })).toBe(4);
    expect(h.rejected('broker_bad_credentials')).toBeGreaterThanOrEqual(2);
    await expectServes(h);
  });

  it('refuses malformed usernames and clientIds', async () => {
    for (const bad of ['dev/lift-1', 'lift+1', 'lift#1', 'a\u0000b', 'x'.repeat(65)]) {
      const code = await refusedCode(h, { clientId: 'lift-1', username: bad, password: DEVICES['lift-1'] });
      expect(code, JSON.stringify(bad)).toBe(4);
    }
    expect(await refusedCode(h, { clientId: 'lift/1', username: 'lift-1', password: DEVICES['lift-1'] })).toBe(2);
    expect(h.rejected('broker_bad_identity')).toBe(6);
    await expectServes(h);
  });

  it("refuses a device whose clientId is not its username, and someone else's id", async () => {
    expect(await refusedCode(h, { clientId: 'seal-1', username: 'lift-1', password: DEVICES['lift-1'] })).toBe(2);
    expect(await refusedCode(h, { clientId: 'lift-1:x', username: 'lift-1', password: DEVICES['lift-1'] })).toBe(2);
    // an empty clientId gets a generated one from aedes, which is not the username
    expect(await refusedCode(h, { clientId: '', username: 'lift-1', password: DEVICES['lift-1'], clean: true })).toBe(2);
    expect(h.rejected('broker_client_id_mismatch')).toBe(3);
    await expectServes(h);
  });

  it('lets a user connect as "name" or "name:suffix", but not as another prefix', async () => {
    const a = await h.user('alice');
    const b = await h.user('alice', 'alice:dashboard-2');
    expect(a.connected && b.connected).toBe(true);
    expect(await refusedCode(h, { clientId: 'alicex', username: 'alice', password: USERS.alice!.password })).toBe(2);
    await expectServes(h);
  });

  it('refuses a clientId takeover and keeps the first connection working', async () => {
    const first = await h.device('lift-1');
    expect(await refusedCode(h, { clientId: 'lift-1', username: 'lift-1', password: DEVICES['lift-1'] })).toBe(2);
    // several at once
    const codes = await Promise.all(
      [1, 2, 3].map(() => refusedCode(h, { clientId: 'lift-1', username: 'lift-1', password: DEVICES['lift-1'] })),
    );
    expect(codes).toEqual([2, 2, 2]);
    expect(h.rejected('broker_takeover')).toBe(4);
    // without the secret the attacker does not even learn that lift-1 is connected
    expect(await refusedCode(h, { clientId: 'lift-1', username: 'lift-1', password: 'guess' })).toBe(4);
    expect(first.connected).toBe(true);
    await first.publishAsync('dev/lift-1/up/status', '{"seq":9}', { qos: 1 });
    expect(h.commits.map((c) => c.payload)).toEqual(['{"seq":9}']);
    // after the first leaves, the id is free again
    await first.endAsync();
    await waitFor(() => h.broker.stats().clients === 0);
    const again = await h.device('lift-1');
    expect(again.connected).toBe(true);
  });

  it('frees the clientId when a device link drops without DISCONNECT', async () => {
    const c = await h.device('lift-1');
    await waitFor(() => h.broker.stats().clients === 1);
    const gone = closed(c);
    (c as unknown as { stream: { destroy(): void } }).stream.destroy();
    await gone;
    await waitFor(() => h.broker.stats().clients === 0);
    const again = await h.device('lift-1');
    expect(again.connected).toBe(true);
    expect(h.rejected('broker_takeover')).toBe(0);
  });

  it('resolves two simultaneous connections with one id to exactly one winner', async () => {
    const results = await Promise.allSettled([h.device('lift-1'), h.device('lift-1'), h.device('lift-1')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    await waitFor(() => h.broker.stats().clients === 1);
    await expectServes(h);
  });

  it('refuses a device whose will targets a topic outside its ACL', async () => {
    const code = await refusedCode(h, {
      clientId: 'lift-1',
      username: 'lift-1',
      password: DEVICES['lift-1'],
      will: { topic: 'dev/seal-1/up/alarm', payload: Buffer.from('{"kind":"tamper"}'), qos: 1, retain: false },
    });
    expect(code).toBe(5);
    expect(h.rejected('broker_will_denied')).toBe(1);
    // its own online will is fine, and fires (committed) when the link drops
    const c = await h.device('lift-1', { will: { topic: 'dev/lift-1/up/online', payload: Buffer.from('0'), qos: 1, retain: true } });
    const gone = closed(c);
    (c as unknown as { stream: { destroy(): void } }).stream.destroy(); // link lost, no DISCONNECT
    await gone;
    await waitFor(() => h.commits.some((x) => x.subtopic === 'online' && x.committed));
    expect(h.commits.find((x) => x.subtopic === 'online')).toMatchObject({ deviceId: 'lift-1', payload: '0' });
  });
});

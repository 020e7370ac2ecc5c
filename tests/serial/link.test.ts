/**
 * Gateway link ↔ simulated sleeve over a real socat pty pair: ack after commit, commands, seq wrap,
 * storage failure, power loss.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { CLOCK_RESET_MS } from '../../sim/seal/sleeve.js';
import { rig, sleep, waitUntil, type Rig } from './helpers.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const inAnHour = () => ({ notBefore: Date.now() - 1000, notAfter: Date.now() + 3_600_000 });

describe('Ssp1Link with a simulated sleeve on a pty', () => {
  test('HELLO, STATUS and STAMP arrive in order, each ACKed only after its commit', async () => {
    r = await rig({ commitDelayMs: 25 });
    const { link, sleeve, store } = r;
    const granted = await link.send({ type: 'grant', grant: 'g-1', uses: 3, ...inAnHour() });
    expect(granted).toEqual({ acked: true, tries: 1 });
    sleeve.status();
    const stamp = sleeve.stamp();
    expect(stamp.ok).toBe(true);
    await sleeve.whenIdle(5000);

    expect(store.stored.map((s) => s.event.type)).toEqual(['hello', 'status', 'stamp']);
    expect(store.stored.every((s) => s.boot === sleeve.boot)).toBe(true);
    const seqs = store.stored.map((s) => s.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(link.state).toBe('hello_seen');
    expect(link.boot).toBe(sleeve.boot);

    // every ACK the sleeve saw came after the commit of that frame
    for (const f of sleeve.delivered) {
      const s = store.stored.find((x) => x.rawSeq === f.seq && x.boot === f.boot)!;
      expect(s).toBeDefined();
      expect(f.ackedAt!).toBeGreaterThanOrEqual(s.committedAt);
      expect(f.ackedAt! - f.queuedAt).toBeGreaterThanOrEqual(20);
    }
    expect(link.counters.framesOk).toBe(3);
    expect(Date.now() - link.lastFrameAt!).toBeLessThan(5000);
    expect(link.counters.acksSent).toBeGreaterThanOrEqual(3);

    const st = store.ofType('stamp')[0]!.event;
    if (st.type !== 'stamp' || !stamp.ok) throw new Error('unreachable');
    expect(st).toMatchObject({ grant: 'g-1', n: 1, counter: 1, impression: true });
    expect(st.photo).toBe(createHash('sha256').update(stamp.photo!.bytes).digest('hex'));
    expect(sleeve.photos.get(st.photo!)).toBe(stamp.photo!.bytes);
  });

  test('GRANT is delivered and obeyed; with dropAcks send resolves unacked after 5 tries', async () => {
    r = await rig({ sleeve: { alarmOnRefusedStamp: true } });
    const { link, sleeve, store } = r;
    await sleeve.whenIdle(3000);

    // no grant yet: refused, and the attempt is alarmed
    expect(sleeve.stamp()).toEqual({ ok: false, reason: 'no_grant' });
    expect(await link.send({ type: 'grant', grant: 'g-2', uses: 2, ...inAnHour() })).toEqual({ acked: true, tries: 1 });
    expect(sleeve.grant).toMatchObject({ grant: 'g-2', uses: 2, used: 0 });
    expect(sleeve.stamp().ok).toBe(true);
    expect(sleeve.stamp().ok).toBe(true);
    expect(sleeve.stamp()).toEqual({ ok: false, reason: 'used_up' });
    await sleeve.whenIdle(3000);
    expect(store.stored.map((s) => (s.event.type === 'alarm' ? `alarm:${s.event.kind}` : s.event.type))).toEqual([
      'hello',
      'alarm:excess_attempt',
      'stamp',
      'stamp',
      'alarm:excess_attempt',
    ]);
    expect(store.ofType('stamp').map((s) => (s.event.type === 'stamp' ? s.event.n : 0))).toEqual([1, 2]);

    // TIME sets the sleeve clock, LOCK locks it (and it reports a STATUS), REVOKE cancels the grant
    const future = Date.UTC(2031, 0, 1);
    expect((await link.send({ type: 'time', time: future })).acked).toBe(true);
    expect(Math.abs(sleeve.now() - future)).toBeLessThan(1000);
    expect((await link.send({ type: 'lock' })).acked).toBe(true);
    expect(sleeve.locked).toBe(true);
    expect((await link.send({ type: 'revoke', grant: 'g-2' })).acked).toBe(true);
    expect(sleeve.grant?.revoked).toBe(true);
    await sleeve.whenIdle(3000);
    expect(store.stored.at(-1)!.event).toMatchObject({ type: 'status', locked: true });

    // the sleeve ignores commands: GRANT_NOT_ACKED territory
    sleeve.dropAcks = true;
    const t0 = Date.now();
    const res = await link.send({ type: 'grant', grant: 'g-3', uses: 1, ...inAnHour() });
    expect(res).toEqual({ acked: false, tries: 5 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5 * 50 - 10);
    expect(sleeve.grant?.grant).toBe('g-2');
    expect(sleeve.stats.commandsIgnored).toBe(5);
    expect(link.counters).toMatchObject({ commandsSent: 5, commandsAcked: 4, commandsFailed: 1, commandRetransmits: 4 });

    // and when it listens again, the next command goes through
    sleeve.dropAcks = false;
    expect(await link.send({ type: 'grant', grant: 'g-4', uses: 1, ...inAnHour() })).toEqual({ acked: true, tries: 1 });
    expect(sleeve.locked).toBe(false);
  });

  test('fault modes: grant window, stamp without grant, counter jump, sleeve opened, alarms', async () => {
    r = await rig({ sleeve: { alarmOnRefusedStamp: false, counter: 100 } });
    const { link, sleeve, store } = r;
    const later = Date.now() + 3_600_000;
    expect((await link.send({ type: 'grant', grant: 'g-w', uses: 5, notBefore: later, notAfter: later + 1000 })).acked).toBe(true);
    expect(sleeve.stamp()).toEqual({ ok: false, reason: 'outside_window' });
    sleeve.stampWithoutGrant = true;
    expect(sleeve.stamp({ impression: false, photo: false }).ok).toBe(true); // outside its window
    expect((await link.send({ type: 'revoke', grant: 'g-w' })).acked).toBe(true);
    sleeve.counterJump(10);
    sleeve.openSleeve();
    sleeve.alarm('tamper');
    await sleeve.whenIdle(3000);
    expect(store.stored.map((s) => s.event)).toMatchObject([
      { type: 'hello', counter: 100 },
      { type: 'stamp', grant: 'g-w', n: 1, counter: 101, photo: null, impression: false },
      { type: 'sleeve', open: true },
      { type: 'alarm', kind: 'tamper' },
    ]);
    // no live grant at all now
    await link.send({ type: 'lock' }); // locked, yet the faulty sleeve stamps
    expect(sleeve.stamp().ok).toBe(true);
    await sleeve.whenIdle(3000);
    expect(store.stored.at(-1)!.event).toMatchObject({ type: 'stamp', grant: 'g-w', n: 2, counter: 112 });
  });

  test('commands are sent one at a time, in order', async () => {
    r = await rig();
    const { link, sleeve } = r;
    const seen: string[] = [];
    sleeve.on('command', (c) => seen.push(c.type === 'grant' ? `grant:${c.grant}` : c.type));
    const results = await Promise.all([
      link.send({ type: 'grant', grant: 'a', uses: 1, ...inAnHour() }),
      link.send({ type: 'revoke', grant: 'a' }),
      link.send({ type: 'grant', grant: 'b', uses: 1, ...inAnHour() }),
      link.send({ type: 'lock' }),
    ]);
    expect(results.every((x) => x.acked)).toBe(true);
    expect(seen).toEqual(['grant:a', 'revoke', 'grant:b', 'lock']);
    expect(link.pendingCommands).toBe(0);
    // an invalid command is refused before anything is sent
    await expect(link.send({ type: 'grant', grant: 'bad id!', uses: 1, ...inAnHour() })).rejects.toMatchObject({
      name: 'Rejection',
      code: 'schema',
    });
  });

  test('the uint16 seq wraps past 65535 into a monotonic per-boot seq', async () => {
    r = await rig({ sleeve: { initialSeq: 65530 } });
    const { sleeve, store } = r;
    for (let i = 0; i < 12; i++) sleeve.status();
    await sleeve.whenIdle(5000);
    const seqs = store.stored.map((s) => s.seq);
    expect(seqs).toEqual(Array.from({ length: 13 }, (_, i) => 65530 + i));
    expect(store.stored.map((s) => s.rawSeq)).toEqual(seqs.map((s) => s & 0xffff));
    expect(store.stored.every((s) => s.gap === 0)).toBe(true);
    expect(new Set(store.stored.map((s) => `${s.boot}:${s.seq}`)).size).toBe(13);
  });

  test('storage failure: no ACK, the sleeve retransmits, delivered once when storage is back', async () => {
    r = await rig();
    const { link, sleeve, store } = r;
    await sleeve.whenIdle(3000);
    const acksBefore = link.counters.acksSent;
    store.failing = true;
    sleeve.status();
    sleeve.alarm('moved');
    sleeve.openSleeve();
    // longer than a whole round of 5 tries (5 × 40 ms) plus its pause
    await sleep(600);
    expect(store.stored.map((s) => s.event.type)).toEqual(['hello']);
    expect(link.counters.acksSent).toBe(acksBefore);
    expect(link.counters.storageFailures).toBeGreaterThanOrEqual(6);
    expect(sleeve.stats.retransmits).toBeGreaterThanOrEqual(6);
    expect(sleeve.pending).toBe(3);

    store.failing = false;
    await sleeve.whenIdle(3000);
    expect(store.stored.map((s) => s.event.type)).toEqual(['hello', 'status', 'alarm', 'sleeve']);
    expect(store.duplicates).toBe(0);
    expect(link.counters.retransmitsSeen).toBeGreaterThanOrEqual(5);
  });

  test('power loss: kept events stay with the old boot, then HELLO of the new boot and clock_invalid', async () => {
    r = await rig();
    const { link, sleeve, store } = r;
    await sleeve.whenIdle(3000);
    const oldBoot = sleeve.boot;
    store.failing = true;
    sleeve.status();
    sleeve.alarm('tamper');
    await sleep(100);
    sleeve.powerLoss();
    expect(sleeve.boot).not.toBe(oldBoot);
    expect(Math.abs(sleeve.now() - CLOCK_RESET_MS)).toBeLessThan(1000);
    store.failing = false;
    await sleeve.whenIdle(5000);

    const got = store.stored.map((s) => ({ type: s.event.type, boot: s.boot, seq: s.seq }));
    expect(got.map((g) => g.type)).toEqual(['hello', 'status', 'alarm', 'hello', 'alarm']);
    expect(got.slice(0, 3).every((g) => g.boot === oldBoot)).toBe(true);
    expect(got.slice(3).every((g) => g.boot === sleeve.boot)).toBe(true);
    expect(store.stored[4]!.event).toMatchObject({ type: 'alarm', kind: 'clock_invalid' });
    expect((store.stored[4]!.event as { time: number }).time).toBeLessThan(CLOCK_RESET_MS + 60_000);
    expect(new Set(store.stored.map((s) => `${s.boot}:${s.seq}`)).size).toBe(5);
    expect(link.boot).toBe(sleeve.boot);
    await waitUntil(() => link.state === 'hello_seen', 1000, 'hello_seen');
  });
});

/** A noisy line: 1 % of bytes corrupted both ways plus garbage between frames, a few hundred events. */
import { afterEach, expect, test } from 'vitest';
import { ALARM_KINDS } from '../../devices/seal-ssp1-serial.js';
import { rig, type Rig } from './helpers.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

test('no event lost, each stored once, rejected frames counted', async () => {
  r = await rig({
    commitDelayMs: 1,
    sleeve: { noise: 0.01, garbage: 0.3, seed: 7, ackTimeoutMs: 10, retryPauseMs: 10, stampWithoutGrant: true },
  });
  const { link, sleeve, store, metrics } = r;
  const N = 300;
  for (let i = 0; i < N; i++) {
    switch (i % 5) {
      case 0:
        sleeve.status();
        break;
      case 1:
        expect(sleeve.stamp({ photo: i % 2 === 0 }).ok).toBe(true);
        break;
      case 2:
        sleeve.alarm(ALARM_KINDS[i % ALARM_KINDS.length]!);
        break;
      case 3:
        if (i % 2) sleeve.openSleeve();
        else sleeve.closeSleeve();
        break;
      default:
        sleeve.auth(i % 10, i % 3 !== 0);
    }
  }
  await sleeve.whenIdle(25_000);

  // what the sleeve had acknowledged is exactly what was stored, in order, once each
  const sent = sleeve.delivered;
  expect(sent.length).toBe(N + 1); // + HELLO
  expect(sent.every((f) => f.nacked === undefined)).toBe(true);
  expect(store.stored.length).toBe(N + 1);
  expect(store.stored.map((s) => s.rawSeq)).toEqual(sent.map((f) => f.seq));
  expect(store.stored.map((s) => s.event)).toEqual(sent.map((f) => f.event));
  expect(store.duplicates).toBe(0);
  expect(store.calls).toBe(N + 1);
  expect(new Set(store.stored.map((s) => `${s.boot}:${s.seq}`)).size).toBe(N + 1);

  // the noise was real and every refusal was counted
  expect(sleeve.stats.retransmits).toBeGreaterThan(20);
  expect(link.counters.rejected.bad_crc ?? 0).toBeGreaterThan(20);
  expect(link.counters.rejected.garbage ?? 0).toBeGreaterThan(20);
  expect(link.counters.duplicatesAnswered).toBeGreaterThan(0); // an ACK was lost, the frame came again
  const m = await metrics.rejected.get();
  const crc = m.values.find((v) => v.labels.reason === 'ssp1_bad_crc')?.value ?? 0;
  expect(crc).toBe(link.counters.rejected.bad_crc);
}, 30_000);

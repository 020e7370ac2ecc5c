/**
 * Serial links cut and restored SEALIFT_SOAK_UNPLUGS times (CI 3, soak 50), through the whole
 * in-process gateway, socat killed and recreated at the same paths (the cable pulled and plugged):
 *  - a Modbus bus with two lift controllers: each cut raises LIFT_COMM_LOST on both lifts and each
 *    restore clears it; the port reopens within 2 s of the cable coming back;
 *  - a serial seal sleeve: events made while unplugged arrive after the restore, once and in
 *    order; the port reopens within 2 s.
 * Figures: reconnect time (max, p50), comm faults raised and cleared, events lost or doubled.
 * (tests/lift/site.test.ts, tests/modbus/unplug.test.ts, tests/serial/unplug.test.ts and
 * tests/seal/links.test.ts cut each link once to a few times; this repeats it.)
 */
import { describe, expect, it } from 'vitest';
import type { SerialSimSeal } from '../../sim/seal/devices.js';
import { liftRig, waitFor as liftWaitFor } from '../lift/helpers.js';
import { naturalKeys, sealRig } from '../seal/helpers.js';
import { budget, count, report, sleep } from './soak.js';

const UNPLUGS = count('UNPLUGS', 3, 50);

const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

describe('serial links cut and restored', () => {
  it(
    `a Modbus bus: LIFT_COMM_LOST raised and cleared each time, reopened within 2 s (${UNPLUGS} cuts)`,
    async () => {
      const lifts = ['u1', 'u2'];
      const rig = await liftRig({
        devices: lifts.map((id, i) => ({ id, profile: 'lift-modbus' as const, port: 'busU', slave: i + 1, baud: 19200, ratedSpeed: 1000, floors: { lo: 1, hi: 6 } })),
      });
      const site = await rig.startSite();
      try {
        await liftWaitFor(() => lifts.every((id) => rig.service.state(id)!.online), 10_000, 'lifts online');
        const port = [...site.buses.keys()][0]!;
        const reconnect: number[] = [];
        const back: number[] = [];
        const from = rig.gw.store.journal.size;
        for (let i = 0; i < UNPLUGS; i++) {
          const mark = rig.gw.store.journal.size;
          await site.unplug(port);
          await liftWaitFor(() => lifts.every((id) => rig.faults(id, mark).some((f) => f.kind === 'raise' && f.code === 'LIFT_COMM_LOST')), 5000, `cut ${i + 1}: comm lost`);
          const plugAt = Date.now();
          await site.replug(port);
          await liftWaitFor(() => rig.service.busStats()[0]!.open, 5000, `cut ${i + 1}: port reopened`);
          reconnect.push(Date.now() - plugAt);
          await liftWaitFor(() => lifts.every((id) => rig.service.state(id)!.online), 5000, `cut ${i + 1}: readings again`);
          back.push(Date.now() - plugAt);
          await liftWaitFor(() => lifts.every((id) => rig.faults(id, mark).some((f) => f.kind === 'clear' && f.code === 'LIFT_COMM_LOST')), 5000, `cut ${i + 1}: comm fault cleared`);
        }
        const faults = rig.faults(undefined, from).filter((f) => f.code === 'LIFT_COMM_LOST');
        const raised = faults.filter((f) => f.kind === 'raise').length;
        const cleared = faults.filter((f) => f.kind === 'clear').length;
        const otherFaults = rig.faults(undefined, from).filter((f) => f.code !== 'LIFT_COMM_LOST').length;
        report('modbus bus unplugged', {
          cuts: UNPLUGS,
          lifts: lifts.length,
          reconnectMaxMs: Math.max(...reconnect),
          reconnectP50Ms: p50(reconnect),
          readingsBackMaxMs: Math.max(...back),
          commFaultsRaised: raised,
          commFaultsCleared: cleared,
          otherFaults,
        });
        expect(raised).toBe(UNPLUGS * lifts.length);
        expect(cleared).toBe(UNPLUGS * lifts.length);
        expect(Math.max(...reconnect)).toBeLessThan(2000);
        expect(rig.service.busStats()[0]!.slaves.every((s) => s.mode === 'poll')).toBe(true);
      } finally {
        await rig.stop();
      }
    },
    budget(UNPLUGS, 6000),
  );

  it(
    `a serial sleeve: reopened within 2 s, what it buffered arrives once and in order (${UNPLUGS} cuts)`,
    async () => {
      const r = await sealRig({ serial: ['s1'], photoUplink: false });
      try {
        const s = r.sleeves[0] as SerialSimSeal;
        const port = r.svc.serial('s1')!.port;
        const reconnect: number[] = [];
        let expected = 0;
        const opensBefore = port.counters.opens;
        const keysBefore = naturalKeys(r, 's1').length;
        for (let i = 0; i < UNPLUGS; i++) {
          await s.disconnect();
          await waitUntil(() => !port.isOpen, 2000);
          for (let k = 0; k < 3; k++) s.status(); // made while the cable is out
          expected += 3;
          await sleep(300);
          const plugAt = Date.now();
          await s.reconnect();
          await waitUntil(() => port.isOpen, 5000);
          reconnect.push(Date.now() - plugAt);
          await s.whenIdle(10_000);
        }
        const keys = naturalKeys(r, 's1');
        const newKeys = keys.length - keysBefore;
        const doubled = keys.length - new Set(keys).size;
        const delivered = s.sleeve.delivered.filter((f) => !f.nacked);
        const missing = delivered.filter((f) => !keys.includes(`${f.boot}:${f.seq}`)).length;
        // in order: the journal's seqs of this boot only go up
        const seqs = r.records().filter((x) => x.dev?.id === 's1' && x.dev.boot === s.sleeve.boot).map((x) => x.dev!.seq);
        const ordered = seqs.every((v, i) => i === 0 || v > seqs[i - 1]!);
        report('serial sleeve unplugged', {
          cuts: UNPLUGS,
          reconnectMaxMs: Math.max(...reconnect),
          reconnectP50Ms: p50(reconnect),
          bufferedEvents: expected,
          journaled: newKeys,
          lost: missing,
          doubled,
          ordered,
          drops: port.counters.drops,
        });
        expect(port.counters.opens - opensBefore).toBe(UNPLUGS);
        expect(Math.max(...reconnect)).toBeLessThan(2000);
        expect(missing).toBe(0);
        expect(doubled).toBe(0);
        expect(ordered).toBe(true);
        expect(newKeys).toBeGreaterThanOrEqual(expected); // + a HELLO after each reopen
      } finally {
        await r.stop();
      }
    },
    budget(UNPLUGS, 4000),
  );
});

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out');
    await sleep(10);
  }
}

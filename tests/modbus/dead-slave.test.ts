/** A dead and a slow controller on a bus of eight: the healthy ones keep their cycle; misses are reported. */
import { afterEach, describe, expect, it } from 'vitest';
import { LiftModel } from '../../sim/lift/model.js';
import { rig, waitFor, type Rig } from './helpers.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

const DEAD = 3;
const SLOW = 6;
const IDS = [1, 2, 3, 4, 5, 6, 7, 8];
const HEALTHY = IDS.filter((id) => id !== DEAD && id !== SLOW);

describe('ModbusBus with a dead and a slow slave among eight', () => {
  it('keeps polling the healthy slaves every cycle, reports 3 consecutive misses, probes the dead one and sees it recover', async () => {
    const model = new LiftModel({ auto: false, startFloor: 2 });
    r = await rig({
      slaves: IDS.map((id) => ({
        id,
        registers: () => model.registers(),
        dead: id === DEAD,
        slowMs: id === SLOW ? 50 : 0, // late, but within its timeout (31 ms of wire + 50 < 114 ms)
      })),
      // 19200 baud: 31 ms per transaction, timeout 114 ms; healthy work per cycle ≈ 7 × 31 + 50 ms
      bus: { baud: 19200, cycleMs: 400, probeMs: 1000 },
    });
    await waitFor(() => r!.cycles() >= 8, 15_000, '8 cycles');
    const cycles = r.cycles();

    // healthy and slow slaves: a reading in every completed cycle, no misses at all
    for (const id of [...HEALTHY, SLOW]) {
      const perCycle = new Set(r.readings(id).map((e) => e.cycle));
      const missing = Array.from({ length: cycles }, (_, i) => i + 1).filter((c) => !perCycle.has(c));
      expect(missing, `slave ${id}: cycles without a reading`).toEqual([]);
      expect(r.misses(id)).toEqual([]);
    }

    // the dead slave: one miss per poll (each poll = 1 + 1 retry timeouts), 1, 2, 3 consecutive…
    const misses = r.misses(DEAD);
    expect(misses.slice(0, 3).map((m) => [m.kind, m.consecutive])).toEqual([
      ['timeout', 1],
      ['timeout', 2],
      ['timeout', 3],
    ]);
    expect(misses.slice(0, 3).map((m) => m.cycle)).toEqual([1, 2, 3]);
    expect(r.readings(DEAD)).toEqual([]);
    const atEnd = r.atCycleEnd[cycles - 1]!; // between two cycles: no request in flight
    const dead = atEnd.slaves.find((s) => s.slave === DEAD)!;
    expect(dead.mode).toBe('probe');
    expect(dead.ok).toBe(0);
    expect(dead.consecutiveMisses).toBe(misses.filter((m) => m.cycle <= cycles).length);
    expect(dead.timeouts).toBe(dead.requests);
    // …then only probed: 3 polls × 2 attempts, plus one probe per second, far from 2 per cycle
    expect(dead.requests).toBeLessThan(6 + cycles / 2);
    expect(dead.requests).toBeGreaterThanOrEqual(6);
    // after three polls, the dead slave is no longer in most cycles
    const deadCycles = new Set(misses.map((m) => m.cycle));
    expect(deadCycles.size).toBeLessThan(cycles);

    const slow = atEnd.slaves.find((s) => s.slave === SLOW)!;
    expect(slow).toMatchObject({ mode: 'poll', consecutiveMisses: 0 });
    expect(slow.ok).toBeGreaterThanOrEqual(cycles);

    // the dead controller is switched back on: the next probe finds it, it rejoins the cycle
    r.sim.setFaults(DEAD, { dead: false });
    await waitFor(() => r!.events.some((e) => e.type === 'recover' && e.slave === DEAD), 5_000, 'recovery');
    const recoveredIn = r.cycles() + 1;
    await waitFor(() => r!.cycles() >= recoveredIn + 2, 5_000, 'two more cycles');
    const back = new Set(r.readings(DEAD).map((e) => e.cycle));
    expect(back.has(recoveredIn + 1) && back.has(recoveredIn + 2)).toBe(true);
    expect(r.bus.stats().slaves.find((s) => s.slave === DEAD)).toMatchObject({ mode: 'poll', consecutiveMisses: 0 });
  });

  it('a slave that goes silent misses, is reported, and recovers when it talks again', async () => {
    const model = new LiftModel({ auto: false });
    r = await rig({
      slaves: [1, 2].map((id) => ({ id, registers: () => model.registers() })),
      bus: { baud: 19200, cycleMs: 200, probeMs: 500 },
    });
    await waitFor(() => r!.readings(2).length >= 2, 5_000, 'readings');
    r.sim.setFaults(2, { silent: true });
    await waitFor(() => r!.misses(2).length >= 3, 5_000, '3 misses');
    expect(r.misses(2).slice(0, 3).map((m) => m.consecutive)).toEqual([1, 2, 3]);
    r.sim.setFaults(2, { silent: false });
    await waitFor(() => r!.events.some((e) => e.type === 'recover' && e.slave === 2), 8_000, 'recover');
    expect(r.misses(1)).toEqual([]);
  });
});

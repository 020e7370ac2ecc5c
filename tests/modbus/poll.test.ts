/** ModbusBus against simulated lift controllers over a real socat pty: every slave every cycle, values intact. */
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { decodeRegisters } from '../../devices/lift-modbus.js';
import { LiftModel, acceleratedClock } from '../../sim/lift/model.js';
import { rtuReadTime } from '../../devices/codec/modbus-rtu.js';
import { defaultTimeoutMs } from '../../src/transport/modbus/bus.js';
import { rig, waitFor, type Rig } from './helpers.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

describe('ModbusBus polling four lifts on one bus', () => {
  it('reads every slave in every cycle and the decoded registers match the model', async () => {
    const clock = acceleratedClock(20); // 20 s of lift life per second: floors and doors change during the test
    const models = new Map<number, LiftModel>([
      [1, new LiftModel({ lowest: -2, highest: 12, startFloor: 1, seed: 1, idleMs: [500, 2000], startMs: clock() })],
      [2, new LiftModel({ lowest: 1, highest: 6, startFloor: 4, seed: 2, idleMs: [500, 2000], startMs: clock() })],
      [7, new LiftModel({ lowest: -1, highest: 18, startFloor: -1, seed: 3, startMs: clock() })],
      [247, new LiftModel({ lowest: 1, highest: 3, startFloor: 2, seed: 4, startMs: clock() })],
    ]);
    models.get(7)!.setMode('inspection'); // stays put: no auto calls outside normal mode
    models.get(247)!.setMode('fire_return');
    models.get(247)!.doorStuck('closing');

    // The model is only ticked by its provider, i.e. when its slave is asked: at the reading, the
    // model's current state is exactly what the registers must say.
    const checked: number[] = [];
    const seen = new Map<number, { floors: Set<number>; doors: Set<string>; modes: Set<string> }>();
    const registry = new Registry();
    const failures: string[] = [];
    r = await rig({
      slaves: [...models].map(([id, m]) => ({ id, registers: m.provider(clock) })),
      bus: { cycleMs: 350, registry }, // 4 × 62.5 ms of wire time at 9600 baud fits in a cycle
      onEvent: (e) => {
        if (e.type !== 'reading') return;
        const d = decodeRegisters(e.registers!);
        const m = models.get(e.slave)!.reading();
        if (!d.ok) return void failures.push(`slave ${e.slave}: ${d.errors.join('; ')}`);
        if (!isDeepStrictEqual(d.reading, m)) failures.push(`slave ${e.slave}: ${JSON.stringify(d.reading)} ≠ model ${JSON.stringify(m)}`);
        const s = seen.get(e.slave) ?? { floors: new Set(), doors: new Set(), modes: new Set() };
        s.floors.add(d.reading.floor!);
        s.doors.add(d.reading.door);
        s.modes.add(d.reading.mode);
        seen.set(e.slave, s);
        checked.push(e.slave);
      },
    });
    await waitFor(() => r!.cycles() >= 8, 15_000, '8 cycles');
    const cycles = r.cycles();
    expect(failures).toEqual([]);
    for (const id of models.keys()) {
      const perCycle = new Set(r.readings(id).map((e) => e.cycle));
      // a reading in every completed cycle
      for (let c = 1; c <= cycles; c++) expect(perCycle.has(c), `slave ${id} read in cycle ${c}`).toBe(true);
      expect(r.misses(id)).toEqual([]);
    }
    // the moving lifts really moved and opened their doors; the others stayed as set
    for (const id of [1, 2]) {
      expect(seen.get(id)!.floors.size, `slave ${id} floors`).toBeGreaterThan(1);
      expect(seen.get(id)!.doors.size, `slave ${id} door states`).toBeGreaterThan(1);
    }
    expect([...seen.get(1)!.modes]).toEqual(['normal']);
    expect([...seen.get(7)!.floors]).toEqual([-1]);
    expect([...seen.get(7)!.modes]).toEqual(['inspection']);
    expect([...seen.get(247)!.doors]).toEqual(['closing']);
    expect([...seen.get(247)!.modes]).toEqual(['fire_return']);

    const st = r.atCycleEnd[cycles - 1]!; // taken between two cycles: no request in flight
    expect(st.cycles).toBe(cycles);
    expect(st.open).toBe(true);
    // A clean line: no CRC errors, no exceptions, no garbage. A heavily loaded machine may still starve
    // socat long enough for one timeout (its retry keeps the cycle): tolerated, and its late answer
    // is then the only garbage.
    const timeouts = st.slaves.reduce((n, s) => n + s.timeouts, 0);
    expect(timeouts).toBeLessThanOrEqual(1);
    expect(st.garbageBytes).toBeLessThanOrEqual(45 * timeouts);
    for (const s of st.slaves) {
      expect(s).toMatchObject({ mode: 'poll', crcErrors: 0, exceptions: 0, consecutiveMisses: 0 });
      expect(s.ok + s.timeouts).toBe(s.requests);
      expect(s.timeoutMs).toBe(defaultTimeoutMs(20, 9600)); // 3 × 62.5 + 20
      expect(s.cycleMs).toBeGreaterThan(0);
    }
    // sealift_modbus_requests_total{bus,slave,result}
    await r.bus.stop();
    const counter = await registry.getSingleMetric('sealift_modbus_requests_total')!.get();
    const ok7 = counter.values.find((v) => v.labels.slave === '7' && v.labels.result === 'ok');
    expect(ok7?.value).toBe(r.bus.stats().slaves.find((s) => s.slave === 7)!.ok);
    expect(ok7?.labels.bus).toBe('test');
    expect(checked.length).toBeGreaterThanOrEqual(4 * cycles);
  });

  it('polls back to back when cycleMs is 0, close to the theoretical wire time', async () => {
    const model = new LiftModel({ auto: false });
    r = await rig({
      slaves: [1, 2, 3, 4].map((id) => ({ id, registers: () => model.registers() })),
      bus: { cycleMs: 0, baud: 19200 },
    });
    await waitFor(() => r!.cycles() >= 11, 10_000, '11 cycles');
    const st = r.atCycleEnd[10]!;
    for (const s of st.slaves) expect(s.ok).toBeGreaterThanOrEqual(11);
    // The simulator answers after the theoretical wire time (4 × 31.25 ms per cycle at 19200 baud);
    // back to back, the bus adds little on top. Loose upper bound: machine load varies.
    const cycles = r.events.filter((e) => e.type === 'cycle');
    const perCycle = (cycles[10]!.at - cycles[0]!.at) / 10;
    const ratio = perCycle / (4 * rtuReadTime(20, 19200));
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(2);
  });
});

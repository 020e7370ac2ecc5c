/** Pulling the cable (killing socat) and plugging it back: misses while out, reopen within 2 s, polling resumes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiftModel } from '../../sim/lift/model.js';
import { createPtyPair, type PtyPair } from '../../sim/pty.js';
import { SimModbusBus } from '../../sim/lift/modbus-slaves.js';
import { ModbusBus } from '../../src/transport/modbus/bus.js';
import { rig, sleep, waitFor, type Rig } from './helpers.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

describe('ModbusBus when the serial link is cut and restored', () => {
  it('reports misses while unplugged, reopens within 2 s of the port coming back and resumes polling (×2)', async () => {
    const model = new LiftModel({ auto: false, startFloor: 3 });
    const IDS = [1, 2];
    // the bus opens the path with the shared ReconnectingPort: default backoff, path watched every 250 ms
    r = await rig({ slaves: IDS.map((id) => ({ id, registers: () => model.registers() })), bus: { baud: 19200, cycleMs: 200 } });
    await waitFor(() => IDS.every((id) => r!.readings(id).length >= 2), 5_000, 'first readings');

    for (let round = 1; round <= 2; round++) {
      const cutAt = Date.now();
      await r.unplug();
      await waitFor(() => !r!.bus.stats().open, 2_000, 'the bus to see the port close');
      await sleep(800); // out for four cycles
      for (const id of IDS) {
        const out = r.misses(id).filter((m) => m.at >= cutAt);
        expect(out.length, `slave ${id} misses while unplugged`).toBeGreaterThanOrEqual(3);
        expect(Math.max(...out.map((m) => m.consecutive ?? 0))).toBeGreaterThanOrEqual(3); // → LIFT_COMM_LOST
        expect(out.every((m) => m.kind === 'timeout')).toBe(true);
      }
      const readingsBefore = IDS.map((id) => r!.readings(id).length);

      const plugAt = Date.now();
      await r.replug();
      await waitFor(() => r!.bus.stats().open, 2_000, `round ${round}: reopen within 2 s`);
      await waitFor(() => IDS.every((id, i) => r!.readings(id).length > readingsBefore[i]!), 2_000, `round ${round}: readings again`);
      expect(Date.now() - plugAt).toBeLessThan(2_000);
      for (const id of IDS) {
        expect(r.events.some((e) => e.type === 'recover' && e.slave === id && e.at >= plugAt), `slave ${id} recovered`).toBe(true);
      }
    }
    const st = r.bus.stats();
    for (const s of st.slaves) {
      expect(s.linkDown).toBeGreaterThanOrEqual(6);
      expect(s.mode).toBe('poll'); // an unplugged cable is not the slaves' fault: no probe cadence afterwards
      expect(s.consecutiveMisses).toBe(0);
    }
  });

  it('keeps trying when the port does not exist at start, reports misses, and polls once it appears', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealift-modbus-'));
    const gatewayPath = join(dir, 'gateway');
    const devicePath = join(dir, 'device');
    const model = new LiftModel({ auto: false });
    const misses: number[] = [];
    const readings: number[] = [];
    const bus = new ModbusBus({
      name: 'late',
      path: gatewayPath,
      baud: 19200,
      cycleMs: 200,
      slaves: [9],
      onMiss: (_slave, _kind, consecutive) => misses.push(consecutive),
      onReading: (_slave, _regs, at) => readings.push(at),
    });
    let pair: PtyPair | null = null;
    let sim: SimModbusBus | null = null;
    try {
      bus.start();
      await sleep(800);
      expect(bus.stats().open).toBe(false);
      expect(misses.slice(0, 3)).toEqual([1, 2, 3]);
      pair = await createPtyPair({ gatewayPath, devicePath });
      sim = new SimModbusBus({ path: devicePath, baud: 19200, slaves: [{ id: 9, registers: () => model.registers() }] });
      await sim.start();
      const plugAt = Date.now();
      await waitFor(() => readings.length > 0, 2_000, 'a reading within 2 s');
      expect(readings[0]! - plugAt).toBeLessThan(2_000);
      expect(bus.stats().slaves[0]).toMatchObject({ consecutiveMisses: 0, mode: 'poll' });
    } finally {
      await bus.stop();
      await sim?.stop();
      await pair?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

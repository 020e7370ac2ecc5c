/** The simulator's lift model: driven by an explicit clock, its registers decode through the profile. */
import { describe, expect, it } from 'vitest';
import { decodeRegisters } from '../../devices/lift-modbus.js';
import type { LiftReading } from '../../devices/types.js';
import { LiftModel } from '../../sim/lift/model.js';

const decoded = (m: LiftModel): LiftReading => {
  const d = decodeRegisters(m.registers());
  if (!d.ok) throw new Error(d.errors.join('; '));
  expect(d.warnings).toEqual([]);
  return d.reading;
};

describe('LiftModel', () => {
  it('skips floor 0 between basements and the ground floor, and travels, opens and closes on a call', () => {
    const m = new LiftModel({ lowest: -2, highest: 5, startFloor: -1, auto: false, travelMsPerFloor: 1000, doorMoveMs: 500, doorOpenMs: 1000 });
    expect(m.floors).toEqual([-2, -1, 1, 2, 3, 4, 5]);
    expect(decoded(m)).toMatchObject({ floor: -1, floorLabel: 'B1', door: 'closed', running: false, inZone: true, mode: 'normal' });
    m.call(2, 1);
    m.tick(1000); // half way through the second floor: -1 → 1 → 2 is two floors
    expect(decoded(m)).toMatchObject({ running: true, dir: 'up', floor: 1, speedMmS: 3000, inZone: true });
    m.tick(1500);
    expect(decoded(m)).toMatchObject({ running: true, inZone: false, doorClosedLocked: true, doorLockCircuit: true });
    m.tick(2000);
    expect(decoded(m)).toMatchObject({ running: false, floor: 2, door: 'opening', person: true, runCount: 1, doorCycles: 1, travelM: 6 });
    m.tick(2500);
    expect(decoded(m)).toMatchObject({ door: 'open', doorOpenLimit: true, doorLockCircuit: false });
    m.tick(3500);
    expect(decoded(m).door).toBe('closing');
    m.tick(4000);
    expect(decoded(m)).toMatchObject({ door: 'closed', alive: 4 });
  });

  it('moves on its own in normal mode; a seed replays the same day under an accelerated clock', () => {
    const run = (): LiftReading[] => {
      const m = new LiftModel({ seed: 99, lowest: 1, highest: 10 });
      const out: LiftReading[] = [];
      for (let t = 0; t <= 3_600_000; t += 60_000) {
        m.tick(t);
        out.push(decoded(m));
      }
      return out;
    };
    const a = run();
    expect(a).toEqual(run());
    const last = a[a.length - 1]!;
    expect(last.runCount).toBeGreaterThan(50);
    expect(last.doorCycles).toBeGreaterThan(50);
    expect(last.alive).toBe(3600);
    expect(new Set(a.map((r) => r.floor)).size).toBeGreaterThan(3);
    expect(last.tempC).toBeGreaterThan(30);
  });

  it('injects conditions: trap, power loss, alarm, stuck door, overspeed, controller fault, frozen alive, mode', () => {
    const m = new LiftModel({ auto: false, startFloor: 2, travelMsPerFloor: 1000 });
    m.trap();
    expect(decoded(m)).toMatchObject({ running: false, inZone: false, person: true, door: 'closed', speedMmS: 0 });
    m.call(5);
    m.tick(10_000);
    expect(decoded(m).inZone).toBe(false); // stays put while trapped
    m.trap(false); // levels half a floor (500 ms), then opens (2.5 s)
    m.tick(14_000);
    expect(decoded(m)).toMatchObject({ inZone: true, door: 'open' });

    m.powerLoss();
    expect(decoded(m).mainsOk).toBe(false);
    m.powerLoss(false);
    m.alarmButton();
    expect(decoded(m).alarmButton).toBe(true);
    m.alarmButton(false);

    m.doorStuck('closing');
    m.tick(60_000);
    expect(decoded(m).door).toBe('closing');
    m.doorStuck(null);
    m.tick(70_000);
    expect(decoded(m).door).toBe('closed');

    m.overspeed();
    m.call(5);
    m.tick(70_500);
    expect(decoded(m).speedMmS).toBe(Math.round(m.ratedSpeedMmS * 1.3));
    m.overspeed(false);

    m.controllerFault(7, 2);
    expect(decoded(m)).toMatchObject({ faultCode: 7, faultSubCode: 2 });
    m.setTemperature(71.5);
    expect(decoded(m).tempC).toBe(71.5);

    const alive = decoded(m).alive;
    m.freezeAlive();
    m.tick(80_000);
    expect(decoded(m).alive).toBe(alive);
    m.freezeAlive(false);
    m.tick(81_000);
    expect(decoded(m).alive).toBe(((alive ?? 0) + 1) & 0xffff);

    m.setMode('inspection');
    expect(decoded(m).mode).toBe('inspection');
  });
});

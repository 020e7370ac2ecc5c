/** The rule engine alone: every rule of DESIGN §6.2, its timer to the millisecond, clear time, suppression. */
import { describe, expect, it } from 'vitest';
import type { LiftReading } from '../../devices/types.js';
import { FAULT_CODES, FAULTS, type FaultCode } from '../../src/lift/catalog.js';
import { DEFAULT_TIMERS, type RuleTimers } from '../../src/lift/config.js';
import { newMemory, ruleConfig, step, type FaultEvent, type LiftMemory, type LiftSource, type Observation } from '../../src/lift/rules.js';

const IDLE: LiftReading = {
  running: false,
  dir: 'stop',
  inZone: true,
  doorClosedLocked: true,
  doorOpenLimit: false,
  person: false,
  safetyCircuit: true,
  doorLockCircuit: true,
  mainsOk: true,
  alarmButton: false,
  topLimit: false,
  bottomLimit: false,
  overload: false,
  floor: 3,
  floorLabel: '3',
  speedMmS: 0,
  mode: 'normal',
  loadPct: 0,
  door: 'closed',
  faultCode: 0,
  faultSubCode: 0,
  runCount: 100,
  runHours: 10,
  doorCycles: 500,
  travelM: 1000,
  tempC: 30,
  alive: 0,
};

/** A kit reading: what the kit cannot see is null. */
const KIT: LiftReading = {
  ...IDLE,
  doorClosedLocked: null,
  doorOpenLimit: null,
  safetyCircuit: null,
  doorLockCircuit: null,
  alarmButton: null,
  overload: null,
  faultCode: null,
  faultSubCode: null,
  runCount: null,
  runHours: null,
  doorCycles: null,
  travelM: null,
  tempC: null,
  alive: null,
};

class Lift {
  mem: LiftMemory;
  events: FaultEvent[] = [];
  nextAt: number | null = null;
  maintenance = false;
  private alive = 0;
  private base: LiftReading;
  constructor(
    readonly source: LiftSource = 'modbus',
    readonly timers: Partial<RuleTimers> = {},
    readonly ratedSpeedMmS = 1000,
  ) {
    this.mem = newMemory(source, 0);
    this.base = source === 'kit' ? KIT : IDLE;
  }
  get cfg() {
    return ruleConfig(this.source, DEFAULT_TIMERS, {
      ratedSpeedMmS: this.ratedSpeedMmS,
      overrides: this.timers,
      controllerSeverity: (c) => (c >= 10 ? 'critical' : 'major'),
    });
  }
  at(t: number, obs: Observation = {}): FaultEvent[] {
    const r = step(this.mem, obs, t, this.cfg, { maintenance: this.maintenance });
    this.mem = r.mem;
    this.nextAt = r.nextAt;
    this.events.push(...r.events);
    return r.events;
  }
  /** A reading at t (Modbus: the alive counter ticks once per call unless frozen). */
  read(t: number, o: Partial<LiftReading> = {}, frozen = false): FaultEvent[] {
    if (!frozen && this.source === 'modbus') this.alive++;
    return this.at(t, { reading: { ...this.base, alive: this.source === 'modbus' ? this.alive : null, ...o } });
  }
  /** Readings every `every` ms over [from, to] (inclusive), like a poll cycle. */
  poll(from: number, to: number, o: Partial<LiftReading> = {}, every = 1000): FaultEvent[] {
    const out: FaultEvent[] = [];
    for (let t = from; t <= to; t += every) out.push(...this.read(t, o));
    return out;
  }
  codes(type?: 'raise' | 'clear'): string[] {
    return this.events.filter((e) => !type || e.type === type).map((e) => `${e.type}:${e.code}`);
  }
  open(): string[] {
    return Object.keys(this.mem.open);
  }
}

const TRAPPED: Partial<LiftReading> = { person: true, door: 'closed', running: false, speedMmS: 0 };

describe('timed rules raise exactly at their timer, never a millisecond before, and clear after clearMs', () => {
  const cases: { code: FaultCode; timer: keyof RuleTimers; on: Partial<LiftReading>; off: Partial<LiftReading>; source?: LiftSource }[] = [
    { code: 'LIFT_TRAPPED', timer: 'trappedAtLevelMs', on: TRAPPED, off: { person: true, door: 'opening' } },
    { code: 'LIFT_TRAPPED', timer: 'trappedOutsideZoneMs', on: { ...TRAPPED, inZone: false }, off: { person: false, inZone: true, door: 'opening' }, source: 'kit' },
    { code: 'LIFT_STOP_OUTSIDE_ZONE', timer: 'stopOutsideZoneMs', on: { inZone: false }, off: { inZone: true } },
    { code: 'LIFT_DOOR_CLOSE_FAULT', timer: 'doorCloseFaultMs', on: { door: 'closing', doorClosedLocked: false }, off: {} },
    { code: 'LIFT_DOOR_OPEN_FAULT', timer: 'doorOpenFaultMs', on: { door: 'opening', doorClosedLocked: false }, off: {} },
    { code: 'LIFT_LONG_DOOR_OPEN', timer: 'longDoorOpenMs', on: { door: 'open', doorClosedLocked: false }, off: {} },
    { code: 'LIFT_LONG_DOOR_OPEN', timer: 'longDoorOpenMs', on: { door: 'open' }, off: {}, source: 'kit' },
  ];
  it.each(cases)('$code after $timer ($source)', ({ code, timer, on, off, source }) => {
    const l = new Lift(source ?? 'modbus', { kitOfflineMs: 10_000_000 }); // a kit reporting only changes stays online here
    const ms = DEFAULT_TIMERS[timer] as number;
    l.read(0);
    expect(l.read(1000, on)).toEqual([]);
    expect(l.nextAt).toBe(1000 + ms);
    // a tick (no reading, e.g. a kit that only reports changes) one ms early: nothing; on time: raised
    expect(l.at(1000 + ms - 1)).toEqual([]);
    const raised = l.at(1000 + ms);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ type: 'raise', code, severity: FAULTS[code].severity, gb: FAULTS[code].gb });
    const id = raised[0]!.faultId;
    // no duplicate while open, however long it lasts
    expect(l.poll(2000 + ms, 10_000 + ms, on).filter((e) => e.code === code)).toEqual([]);
    // gone: clears clearMs later, same fault id
    const goneAt = 11_000 + ms;
    expect(l.read(goneAt, off).filter((e) => e.code === code)).toEqual([]);
    expect(l.nextAt).toBe(goneAt + DEFAULT_TIMERS.clearMs);
    expect(l.at(goneAt + DEFAULT_TIMERS.clearMs - 1)).toEqual([]);
    const cleared = l.at(goneAt + DEFAULT_TIMERS.clearMs).filter((e) => e.code === code);
    expect(cleared).toEqual([{ type: 'clear', code, faultId: id, at: goneAt + 2000, raisedAt: 1000 + ms, durationMs: goneAt + 2000 - (1000 + ms) }]);
    expect(l.open()).not.toContain(code);
  });

  it('a condition that comes back within the clear time keeps the same fault open (no flapping)', () => {
    const l = new Lift();
    l.read(0, { door: 'open' });
    l.at(180_000);
    expect(l.codes()).toEqual(['raise:LIFT_LONG_DOOR_OPEN']);
    l.read(181_000, { door: 'closed' });
    l.read(182_500, { door: 'open' }); // back before 183 000
    l.at(183_000);
    l.read(190_000, { door: 'open' });
    expect(l.codes()).toEqual(['raise:LIFT_LONG_DOOR_OPEN']);
    // and the clear timer restarts from the new absence
    l.read(200_000, { door: 'closed' });
    expect(l.at(201_999)).toEqual([]);
    expect(l.at(202_000).map((e) => e.type)).toEqual(['clear']);
  });

  it('an interrupted condition restarts its timer', () => {
    const l = new Lift();
    l.read(0, { door: 'closing' });
    l.read(14_000, { door: 'closing' });
    l.read(14_500, { door: 'opening' }); // the door reversed: not stuck
    l.read(15_000, { door: 'closing' });
    expect(l.at(29_999)).toEqual([]);
    expect(l.at(30_000).map((e) => e.code)).toEqual(['LIFT_DOOR_CLOSE_FAULT']);
  });

  it('per-lift timers apply', () => {
    const l = new Lift('modbus', { trappedAtLevelMs: 5000, clearMs: 100 });
    l.read(0, TRAPPED);
    expect(l.at(4999)).toEqual([]);
    expect(l.at(5000).map((e) => e.code)).toEqual(['LIFT_TRAPPED']);
    l.read(6000, { door: 'opening', person: false });
    expect(l.at(6100).map((e) => e.type)).toEqual(['clear']);
  });
});

describe('entrapment', () => {
  it('between floors uses the 20 s timer, at level 60 s; the zone may change during the episode', () => {
    const l = new Lift();
    l.read(0, { ...TRAPPED, inZone: false });
    expect(l.nextAt).toBe(20_000);
    l.read(10_000, { ...TRAPPED, inZone: true }); // levelled by a rescue run but still closed
    expect(l.nextAt).toBe(60_000);
    expect(l.at(59_999)).toEqual([]);
    expect(l.at(60_000).map((e) => e.code)).toEqual(['LIFT_TRAPPED']);
  });

  it('a moving car, an open door or an empty car is not an entrapment', () => {
    const l = new Lift();
    l.poll(0, 120_000, { person: true, running: true, speedMmS: 1000, inZone: true });
    l.poll(121_000, 300_000, { person: true, door: 'open', doorClosedLocked: false });
    l.poll(301_000, 500_000, { person: false });
    expect(l.codes().filter((c) => c.includes('TRAPPED'))).toEqual([]);
  });

  it('debounces the passenger sensor: PIR drop-outs shorter than personDebounceMs do not restart the timer', () => {
    const flicker = (debounce: number): string[] => {
      const l = new Lift('modbus', { personDebounceMs: debounce });
      // a person inside, the sensor drops out for 2 s out of every 5 s
      for (let t = 0; t <= 90_000; t += 500) l.read(t, { ...TRAPPED, person: t % 5000 < 3000 });
      return l.codes('raise');
    };
    expect(flicker(3000)).toEqual(['raise:LIFT_TRAPPED']);
    expect(flicker(0)).toEqual([]);
  });

  it('counts a drop-out from when the sensor switched to no, even when readings come only on change (kits)', () => {
    const l = new Lift('kit', { kitOfflineMs: 10_000_000 });
    // the kit reports "yes" once, then "no" 10 s later for 1 s, then "yes" again: one drop-out of 1 s < 3 s
    l.read(0, TRAPPED);
    l.read(10_000, { ...TRAPPED, person: false });
    l.read(11_000, TRAPPED);
    expect(l.at(60_000).map((e) => e.code)).toEqual(['LIFT_TRAPPED']);
  });

  it('a person counts as gone once the sensor said no for the debounce time', () => {
    const l = new Lift();
    l.read(0, { person: true, door: 'open' });
    l.read(1000, { person: false, door: 'closed' });
    expect(l.mem.person.present).toBe(true);
    expect(l.nextAt).toBe(4000); // the debounce timer, from the first "no"
    l.at(3999);
    expect(l.mem.person.present).toBe(true);
    l.at(4000);
    expect(l.mem.person.present).toBe(false);
    l.poll(4000, 100_000, { person: false });
    expect(l.codes()).toEqual([]);
  });
});

describe('instantaneous rules', () => {
  const cases: { code: FaultCode; on: Partial<LiftReading>; source?: LiftSource }[] = [
    { code: 'LIFT_OVERSPEED', on: { running: true, dir: 'up', speedMmS: 1151 } },
    { code: 'LIFT_TOP_OVERTRAVEL', on: { topLimit: true } },
    { code: 'LIFT_BOTTOM_OVERTRAVEL', on: { bottomLimit: true }, source: 'kit' },
    { code: 'LIFT_SAFETY_CIRCUIT', on: { safetyCircuit: false } },
    { code: 'LIFT_DOOR_LOCK_CIRCUIT', on: { running: true, speedMmS: 1000, doorLockCircuit: false } },
    { code: 'LIFT_POWER_LOSS', on: { mainsOk: false } },
    { code: 'LIFT_POWER_LOSS', on: { mainsOk: false }, source: 'kit' },
    { code: 'LIFT_ALARM_BUTTON', on: { alarmButton: true } },
    { code: 'LIFT_OVERHEAT', on: { tempC: 60.1 } },
    { code: 'LIFT_CONTROLLER_FAULT', on: { faultCode: 4, faultSubCode: 2 } },
  ];
  it.each(cases)('$code raised on the first reading showing it ($source), cleared 2 s after', ({ code, on, source }) => {
    const l = new Lift(source ?? 'modbus');
    l.read(0);
    const ev = l.read(1000, on).filter((e) => e.code === code);
    expect(ev).toHaveLength(1);
    l.read(2000, on);
    l.read(3000);
    l.at(5000);
    expect(l.codes().filter((c) => c.endsWith(code))).toEqual([`raise:${code}`, `clear:${code}`]);
  });

  it('confirmMs delays instantaneous rules', () => {
    const l = new Lift('modbus', { confirmMs: 500 });
    expect(l.read(0, { topLimit: true })).toEqual([]);
    expect(l.nextAt).toBe(500);
    expect(l.at(500).map((e) => e.code)).toEqual(['LIFT_TOP_OVERTRAVEL']);
  });

  it('overspeed is strictly above 1.15 × the lift’s rated speed', () => {
    const l = new Lift('modbus', {}, 1600);
    l.read(0, { running: true, speedMmS: 1840 });
    expect(l.codes()).toEqual([]);
    const [e] = l.read(1000, { running: true, speedMmS: 1841 });
    expect(e).toMatchObject({ code: 'LIFT_OVERSPEED', detail: { speedMmS: 1841, ratedMmS: 1600, limitMmS: 1840 } });
  });

  it('the door-lock circuit is only a fault while running; a kit cannot see circuits', () => {
    const l = new Lift();
    l.poll(0, 10_000, { doorLockCircuit: false, door: 'open' });
    expect(l.codes()).toEqual([]);
    const k = new Lift('kit');
    k.poll(0, 10_000, { running: true, speedMmS: 1000 });
    expect(k.codes()).toEqual([]);
  });

  it('a controller fault code takes its severity from the profile table', () => {
    const l = new Lift();
    expect(l.read(0, { faultCode: 12 })[0]).toMatchObject({ code: 'LIFT_CONTROLLER_FAULT', severity: 'critical', detail: { controllerCode: 12 } });
    const m = new Lift();
    expect(m.read(0, { faultCode: 5 })[0]).toMatchObject({ severity: 'major' });
  });
});

describe('door moving with the car', () => {
  it('the car leaving the zone with the door already open is LIFT_MOVING_DOOR_OPEN (UCMP)', () => {
    const l = new Lift();
    l.read(0, { door: 'open', doorClosedLocked: false });
    const ev = l.read(1000, { door: 'open', doorClosedLocked: false, inZone: false, speedMmS: 50 });
    expect(ev.map((e) => e.code)).toEqual(['LIFT_MOVING_DOOR_OPEN']);
    l.read(2000, { door: 'open', doorClosedLocked: false, inZone: true });
    l.at(4000);
    expect(l.codes()).toEqual(['raise:LIFT_MOVING_DOOR_OPEN', 'clear:LIFT_MOVING_DOOR_OPEN']);
  });

  it('the door opening while the car runs is LIFT_DOOR_OPEN_RUNNING', () => {
    const l = new Lift('kit');
    l.read(0, { running: true, speedMmS: 1000, inZone: false });
    expect(l.read(500, { running: true, speedMmS: 1000, inZone: false, door: 'opening' }).map((e) => e.code)).toEqual(['LIFT_DOOR_OPEN_RUNNING']);
    // the episode keeps its kind while it lasts
    l.read(1000, { running: true, speedMmS: 1000, inZone: false, door: 'open' });
    expect(l.codes('raise')).toEqual(['raise:LIFT_DOOR_OPEN_RUNNING']);
  });

  it('a normal stop and departure raise neither', () => {
    const l = new Lift();
    l.read(0, { running: true, speedMmS: 1000, inZone: false });
    l.read(1000, { running: false, speedMmS: 0, inZone: true, door: 'opening' });
    l.read(2000, { door: 'open' });
    l.read(3000, { door: 'closing' });
    l.read(4000, { door: 'closed' });
    l.read(5000, { running: true, speedMmS: 1000, inZone: true });
    l.read(6000, { running: true, speedMmS: 1000, inZone: false });
    expect(l.codes()).toEqual([]);
  });
});

describe('repeated door reopening', () => {
  it('counts reopen cycles at one stop from the controller door-cycle counter (robust to slow polls)', () => {
    const l = new Lift('modbus', { doorReopenCount: 3 });
    l.read(0, { running: true, speedMmS: 1000, doorCycles: 100 });
    // each poll sees the door "opening" again with the counter advanced: the closing phases were missed
    l.read(1000, { door: 'opening', doorCycles: 101 });
    l.read(2000, { door: 'opening', doorCycles: 102 });
    l.read(3000, { door: 'opening', doorCycles: 103 });
    expect(l.codes()).toEqual([]);
    expect(l.read(4000, { door: 'opening', doorCycles: 104 }).map((e) => e.code)).toEqual(['LIFT_DOOR_REOPEN_REPEATED']);
    expect(l.events[0]!.type === 'raise' && l.events[0]!.detail).toEqual({ reopenCycles: 3 });
    // the car leaves: the stop is over, the fault clears
    l.read(5000, { running: true, speedMmS: 1000, doorCycles: 104 });
    l.at(7000);
    expect(l.codes()).toEqual(['raise:LIFT_DOOR_REOPEN_REPEATED', 'clear:LIFT_DOOR_REOPEN_REPEATED']);
  });

  it('from door transitions for a kit (no counter)', () => {
    const l = new Lift('kit', { doorReopenCount: 2 });
    const seq = ['opening', 'open', 'closing', 'opening', 'open', 'closing', 'opening'] as const;
    seq.forEach((door, i) => l.read(i * 1000, { door }));
    expect(l.codes()).toEqual(['raise:LIFT_DOOR_REOPEN_REPEATED']);
  });

  it('people calling the parked lift at its floor are not reopen cycles once the door stayed closed 10 s', () => {
    const l = new Lift('modbus', { doorReopenCount: 3 });
    let cycles = 100;
    for (let call = 0; call < 6; call++) {
      const t = call * 30_000;
      l.read(t, { door: 'opening', doorCycles: ++cycles });
      l.read(t + 5000, { door: 'closed', doorCycles: cycles });
      l.read(t + 16_000, { door: 'closed', doorCycles: cycles });
    }
    expect(l.codes()).toEqual([]);
  });
});

describe('link rules', () => {
  it('LIFT_COMM_LOST after 3 consecutive misses; cleared when readings come back for 2 s', () => {
    const l = new Lift();
    l.read(0);
    expect(l.at(1000, { misses: 1 })).toEqual([]);
    expect(l.at(2000, { misses: 2 })).toEqual([]);
    const [e] = l.at(3000, { misses: 3 });
    expect(e).toMatchObject({ type: 'raise', code: 'LIFT_COMM_LOST', detail: { misses: 3 } });
    l.at(4000, { misses: 4 });
    l.read(5000);
    expect(l.at(6999)).toEqual([]);
    expect(l.at(7000).map((x) => `${x.type}:${x.code}`)).toEqual(['clear:LIFT_COMM_LOST']);
  });

  it('LIFT_CONTROLLER_FROZEN when the alive counter stays the same for 5 s', () => {
    const l = new Lift();
    l.read(0);
    for (let t = 1000; t <= 4000; t += 1000) expect(l.read(t, {}, true)).toEqual([]);
    // only readings are evidence: a tick long after the last reading proves nothing
    expect(l.nextAt).toBeNull();
    expect(l.at(60_000)).toEqual([]);
    expect(l.read(60_001, {}, true).map((e) => e.code)).toEqual(['LIFT_CONTROLLER_FROZEN']);
    l.read(61_000);
    l.at(63_000);
    expect(l.codes()).toEqual(['raise:LIFT_CONTROLLER_FROZEN', 'clear:LIFT_CONTROLLER_FROZEN']);
  });

  it('LIFT_OFFLINE: a kit silent 90 s, or its last will at once; any message brings it back', () => {
    const l = new Lift('kit');
    l.read(0);
    expect(l.nextAt).toBe(90_000);
    expect(l.at(89_999)).toEqual([]);
    expect(l.at(90_000).map((e) => e.code)).toEqual(['LIFT_OFFLINE']);
    l.read(100_000);
    l.at(102_000);
    expect(l.codes()).toEqual(['raise:LIFT_OFFLINE', 'clear:LIFT_OFFLINE']);
    expect(l.at(103_000, { online: false }).map((e) => e.code)).toEqual(['LIFT_OFFLINE']);
    l.at(104_000, { online: true });
    l.at(106_000);
    expect(l.codes().slice(2)).toEqual(['raise:LIFT_OFFLINE', 'clear:LIFT_OFFLINE']);
  });

  it('a kit never heard from goes offline 90 s after the gateway starts', () => {
    const l = new Lift('kit');
    expect(l.at(0)).toEqual([]);
    expect(l.at(90_000).map((e) => e.code)).toEqual(['LIFT_OFFLINE']);
  });

  it('stale data holds the reading rules: they neither raise nor clear until data comes back', () => {
    const l = new Lift();
    l.read(0, TRAPPED);
    l.at(60_000);
    expect(l.codes()).toEqual(['raise:LIFT_TRAPPED']);
    for (let i = 1; i <= 30; i++) l.at(60_000 + i * 1000, { misses: i });
    expect(l.open().sort()).toEqual(['LIFT_COMM_LOST', 'LIFT_TRAPPED']);
    l.read(100_000, { door: 'opening', person: false });
    l.at(102_000);
    expect(l.codes()).toEqual(['raise:LIFT_TRAPPED', 'raise:LIFT_COMM_LOST', 'clear:LIFT_TRAPPED', 'clear:LIFT_COMM_LOST']);
  });

  it('an entrapment seen before a link blip is raised as soon as data is back', () => {
    const l = new Lift('modbus', { trappedOutsideZoneMs: 20_000 });
    l.read(0, { ...TRAPPED, inZone: false });
    for (let i = 1; i <= 25; i++) l.at(i * 1000, { misses: i });
    expect(l.codes('raise')).toEqual(['raise:LIFT_COMM_LOST']);
    expect(l.read(26_000, { ...TRAPPED, inZone: false }).map((e) => e.code)).toContain('LIFT_TRAPPED');
  });
});

describe('inspection and maintenance', () => {
  it('suppress every rule except power loss and the alarm button', () => {
    for (const how of ['inspection', 'maintenance'] as const) {
      const l = new Lift();
      l.maintenance = how === 'maintenance';
      const mode = how === 'inspection' ? 'inspection' : 'normal';
      l.poll(0, 300_000, { mode, ...TRAPPED, inZone: false, topLimit: true, safetyCircuit: false, tempC: 99, faultCode: 3, speedMmS: 0 });
      l.poll(301_000, 310_000, { mode, door: 'open', running: true, speedMmS: 5000, inZone: false });
      l.at(311_000, { misses: 5 });
      expect(l.codes(), how).toEqual([]);
      l.read(312_000, { mode, mainsOk: false, alarmButton: true });
      expect(l.codes().sort(), how).toEqual(['raise:LIFT_ALARM_BUTTON', 'raise:LIFT_POWER_LOSS']);
    }
  });

  it('open faults clear when inspection starts; timers restart when it ends', () => {
    const l = new Lift();
    l.read(0, { door: 'closing' });
    l.at(15_000);
    l.read(16_000, { door: 'closing', mode: 'inspection' });
    l.at(18_000);
    expect(l.codes()).toEqual(['raise:LIFT_DOOR_CLOSE_FAULT', 'clear:LIFT_DOOR_CLOSE_FAULT']);
    l.read(20_000, { door: 'closing', mode: 'normal' });
    expect(l.nextAt).toBe(35_000);
  });
});

describe('engine properties', () => {
  it('does not modify the memory it is given', () => {
    const l = new Lift();
    l.read(0, TRAPPED);
    const before = structuredClone(l.mem);
    step(l.mem, { reading: { ...IDLE, topLimit: true } }, 70_000, l.cfg, { maintenance: false });
    expect(l.mem).toEqual(before);
  });

  it('raise and clear share one fault id, and ids are fresh for each raise', () => {
    const l = new Lift('modbus', {}, 1000);
    l.read(0, { topLimit: true });
    l.read(1000);
    l.at(3000);
    l.read(4000, { topLimit: true });
    const [r1, c1, r2] = l.events;
    expect(c1!.faultId).toBe(r1!.faultId);
    expect(r2!.faultId).not.toBe(r1!.faultId);
  });

  it('every code is covered by a catalogue entry with its GB/T 24476 code', () => {
    expect(Object.keys(FAULTS).sort()).toEqual([...FAULT_CODES].sort());
    expect(FAULTS.LIFT_TRAPPED.gb).toBe(93);
    expect(FAULTS.LIFT_TOP_OVERTRAVEL.gb).toBe(92);
    expect(FAULTS.LIFT_BOTTOM_OVERTRAVEL.gb).toBe(91);
    expect(FAULTS.LIFT_POWER_LOSS.gb).toBe(41);
    expect(FAULTS.LIFT_ALARM_BUTTON.gb).toBe(90);
  });

  it('costs microseconds per evaluation', () => {
    const l = new Lift();
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) l.read(i * 100, { floor: (i % 10) + 1, running: i % 3 === 0 });
    expect((performance.now() - t0) / 20_000).toBeLessThan(0.2);
  });
});

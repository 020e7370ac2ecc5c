/**
 * A simple elevator model for the simulator: produces the §5.3 holding registers through the device
 * profile's `encodeRegisters`. Time is explicit: `tick(nowMs)` advances the model to `nowMs`, so a test
 * or scenario can drive it with a fake or accelerated clock. Randomness (calls, passengers) comes from
 * a seeded generator, so a seed replays the same day.
 *
 * Injectable conditions (for fault scenarios): setMode, trap, powerLoss, alarmButton, doorStuck,
 * overspeed, controllerFault, freezeAlive, setTemperature.
 */
import { encodeRegisters } from '../../devices/lift-modbus.js';
import type { DoorState, LiftMode, LiftReading } from '../../devices/types.js';

export interface LiftModelOptions {
  /** Lowest and highest floor (default 1..6). There is no floor 0 between basements and the ground floor. */
  lowest?: number;
  highest?: number;
  startFloor?: number;
  travelMsPerFloor?: number;
  floorHeightM?: number;
  /** Door opening and closing time each. */
  doorMoveMs?: number;
  /** Time the door stays fully open at a stop. */
  doorOpenMs?: number;
  ratedLoadKg?: number;
  /** Random calls while idle in normal mode (default true). */
  auto?: boolean;
  /** Idle time between auto calls, [min, max] ms. */
  idleMs?: readonly [number, number];
  baseTempC?: number;
  seed?: number;
  /** Model time at creation (default 0). */
  startMs?: number;
}

type DoorPhase = Exclude<DoorState, 'closed'>;

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock running `factor` times faster than the wall clock from `origin` on. */
export function acceleratedClock(factor: number, origin = Date.now()): () => number {
  return () => origin + (Date.now() - origin) * factor;
}

const ZONE = 0.03; // door zone half-width, in floors (about ±9 cm at 3 m)

export class LiftModel {
  readonly floors: readonly number[];
  private readonly o: Required<Omit<LiftModelOptions, 'startFloor' | 'lowest' | 'highest' | 'seed' | 'startMs'>>;
  private readonly rand: () => number;
  private t: number;
  /** Position as an index into `floors` (fractional between floors). */
  private pos: number;
  private target: number | null = null;
  private door: DoorState = 'closed';
  private doorSince: number;
  private idleUntil: number;
  private passengers = 0;
  private boardAtStop = 0;
  private runCount = 0;
  private runMs = 0;
  private doorCycles = 0;
  private travelFloors = 0;
  private alive = 0;
  private aliveMs = 0;
  private temp: number;
  // conditions
  private mode: LiftMode = 'normal';
  private trapped = false;
  private powerLost = false;
  private alarm = false;
  private stuck: DoorPhase | null = null;
  private overspeed_ = false;
  private fault = 0;
  private faultSub = 0;
  private aliveFrozen = false;
  private tempOverride: number | null = null;

  constructor(opts: LiftModelOptions = {}) {
    const lo = opts.lowest ?? 1;
    const hi = opts.highest ?? 6;
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo < hi)) throw new RangeError(`floors ${lo}..${hi} are not a range`);
    this.floors = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i).filter((f) => f !== 0 || lo === 0);
    this.o = {
      travelMsPerFloor: opts.travelMsPerFloor ?? 3000,
      floorHeightM: opts.floorHeightM ?? 3,
      doorMoveMs: opts.doorMoveMs ?? 2500,
      doorOpenMs: opts.doorOpenMs ?? 4000,
      ratedLoadKg: opts.ratedLoadKg ?? 630,
      auto: opts.auto ?? true,
      idleMs: opts.idleMs ?? [2000, 10_000],
      baseTempC: opts.baseTempC ?? 30,
    };
    this.rand = seededRandom(opts.seed ?? 1);
    this.t = opts.startMs ?? 0;
    this.doorSince = this.t;
    this.idleUntil = this.t + this.idleTime();
    this.pos = this.indexOf(opts.startFloor ?? this.floors[0]!);
    this.temp = this.o.baseTempC;
  }

  get now(): number {
    return this.t;
  }

  get ratedSpeedMmS(): number {
    return Math.round((this.o.floorHeightM * 1e6) / this.o.travelMsPerFloor);
  }

  // -------------------------------------------------------------------------------------------
  // Outputs

  reading(): LiftReading {
    const near = Math.round(this.pos);
    const inZone = Math.abs(this.pos - near) <= ZONE;
    const running = this.isMoving();
    const goingUp = this.target !== null && this.target > this.pos;
    // between floors a controller shows the floor last passed
    const idx = inZone ? near : running ? (goingUp ? Math.floor(this.pos) : Math.ceil(this.pos)) : Math.floor(this.pos);
    const floor = this.floors[idx]!;
    const loadPct = Math.round(((this.passengers * 75) / this.o.ratedLoadKg) * 100);
    return {
      running,
      dir: running ? (goingUp ? 'up' : 'down') : 'stop',
      inZone,
      doorClosedLocked: this.door === 'closed',
      doorOpenLimit: this.door === 'open',
      person: this.passengers > 0,
      safetyCircuit: true,
      doorLockCircuit: this.door === 'closed',
      mainsOk: !this.powerLost,
      alarmButton: this.alarm,
      topLimit: false,
      bottomLimit: false,
      overload: loadPct > 100,
      floor,
      floorLabel: floor < 0 ? `B${-floor}` : String(floor),
      speedMmS: running ? Math.round(this.ratedSpeedMmS * (this.overspeed_ ? 1.3 : 1)) : 0,
      mode: this.mode,
      loadPct,
      door: this.door,
      faultCode: this.fault,
      faultSubCode: this.faultSub,
      runCount: this.runCount,
      runHours: Math.floor(this.runMs / 3_600_000),
      doorCycles: this.doorCycles,
      travelM: Math.round(this.travelFloors * this.o.floorHeightM),
      tempC: Math.round((this.tempOverride ?? this.temp) * 10) / 10,
      alive: this.alive,
    };
  }

  /** The 20 holding registers (§5.3). */
  registers(): number[] {
    return encodeRegisters(this.reading());
  }

  /** A register provider for the Modbus slave simulator: ticks the model to `clock()` and encodes it. */
  provider(clock: () => number = Date.now): () => number[] {
    return () => {
      this.tick(clock());
      return this.registers();
    };
  }

  // -------------------------------------------------------------------------------------------
  // Commands and conditions

  /** A call to `floor` (ignored while trapped or without power; out-of-range floors throw). */
  call(floor: number, boarding = 0): void {
    const idx = this.indexOf(floor);
    this.boardAtStop = boarding;
    if (idx === this.pos && !this.isMoving()) {
      if (this.door === 'closed' || this.door === 'closing') this.setDoor('opening');
      return;
    }
    this.go(idx);
  }

  setPassengers(n: number): void {
    this.passengers = Math.max(0, Math.floor(n));
  }

  setMode(mode: LiftMode): void {
    this.mode = mode;
  }

  /** Trapped: the car stops between floors, door closed, someone inside. `trap(false)` levels and opens. */
  trap(on = true): void {
    if (on === this.trapped) return;
    this.trapped = on;
    if (on) {
      if (Math.abs(this.pos - Math.round(this.pos)) <= ZONE) {
        this.pos = Math.round(this.pos) + (Math.round(this.pos) < this.floors.length - 1 ? 0.5 : -0.5);
      }
      this.target = null;
      this.door = 'closed';
      this.stuck = null;
      this.passengers = Math.max(this.passengers, 1);
    } else {
      this.boardAtStop = 0;
      this.go(Math.round(this.pos)); // levelling run to the nearest floor, then the door opens
    }
  }

  /** Mains power lost: the car stops where it is until power returns (then it resumes its trip). */
  powerLoss(on = true): void {
    this.powerLost = on;
  }

  alarmButton(on = true): void {
    this.alarm = on;
  }

  /** The door sticks in 'opening' or 'closing' (immediately) until `doorStuck(null)`. */
  doorStuck(state: DoorPhase | null): void {
    if (state === 'open') throw new RangeError('a door sticks while opening or closing');
    this.stuck = state;
    if (state !== null) this.setDoor(state);
    else this.doorSince = this.t;
  }

  /** While on, the reported speed while running is 1.3 × rated. */
  overspeed(on = true): void {
    this.overspeed_ = on;
  }

  /** Controller fault code (register 0x0006) and sub-code; 0 clears. */
  controllerFault(code: number, sub = 0): void {
    this.fault = code;
    this.faultSub = sub;
  }

  /** The alive counter stops incrementing (a hung controller). */
  freezeAlive(on = true): void {
    this.aliveFrozen = on;
  }

  /** Force the machine temperature (°C), or null to go back to the model's own. */
  setTemperature(c: number | null): void {
    this.tempOverride = c;
  }

  // -------------------------------------------------------------------------------------------
  // Time

  /** Advance the model to `nowMs` (a time before the model's own is ignored). */
  tick(nowMs: number): void {
    let guard = 0;
    while (this.t < nowMs && guard++ < 1_000_000) {
      const step = Math.min(nowMs - this.t, this.nextEventIn());
      this.advance(step);
      this.t += step;
      this.transitions();
    }
  }

  private canRun(): boolean {
    return !this.trapped && !this.powerLost;
  }

  private isMoving(): boolean {
    return this.canRun() && this.target !== null && this.target !== this.pos && this.door === 'closed';
  }

  private doorPhaseMs(): number {
    return this.door === 'open' ? this.o.doorOpenMs : this.o.doorMoveMs;
  }

  /** Model time until the next discrete change (≥ 1 ms so time always moves). */
  private nextEventIn(): number {
    let next = Infinity;
    if (this.isMoving()) next = Math.abs(this.target! - this.pos) * this.o.travelMsPerFloor;
    else if (this.canRun() && this.door !== 'closed' && this.stuck === null) next = this.doorSince + this.doorPhaseMs() - this.t;
    else if (this.canRun() && this.target === null && this.o.auto && this.mode === 'normal') next = this.idleUntil - this.t;
    return Math.max(1, Math.ceil(next));
  }

  private advance(dt: number): void {
    if (this.isMoving()) {
      const d = Math.min(dt / this.o.travelMsPerFloor, Math.abs(this.target! - this.pos));
      this.pos += this.target! > this.pos ? d : -d;
      this.travelFloors += d;
      this.runMs += dt;
    }
    if (!this.aliveFrozen) {
      this.aliveMs += dt;
      this.alive = (this.alive + Math.floor(this.aliveMs / 1000)) & 0xffff;
      this.aliveMs %= 1000;
    }
    const goal = this.o.baseTempC + (this.isMoving() ? 12 : 0);
    this.temp += (goal - this.temp) * (1 - Math.exp(-dt / 600_000));
  }

  private transitions(): void {
    if (!this.canRun()) return;
    if (this.target !== null && Math.abs(this.target - this.pos) < 1e-9 && this.door === 'closed') {
      // arrived: everyone leaves, the waiting ones board
      this.pos = this.target;
      this.target = null;
      this.passengers = this.boardAtStop;
      this.boardAtStop = 0;
      this.setDoor('opening');
      return;
    }
    if (this.door !== 'closed' && this.stuck === null && this.t - this.doorSince >= this.doorPhaseMs()) {
      const next: DoorState = this.door === 'opening' ? 'open' : this.door === 'open' ? 'closing' : 'closed';
      this.setDoor(next);
      if (next === 'closed') this.idleUntil = this.t + this.idleTime() / (this.passengers > 0 ? 4 : 1);
      return;
    }
    if (this.door === 'closed' && this.target === null && this.o.auto && this.mode === 'normal' && this.t >= this.idleUntil) {
      this.autoCall();
    }
  }

  private autoCall(): void {
    const here = Math.round(this.pos);
    let idx = Math.floor(this.rand() * (this.floors.length - 1));
    if (idx >= here) idx++;
    // with passengers aboard, this is their destination (they leave); otherwise a landing call
    this.boardAtStop = this.passengers > 0 ? 0 : Math.floor(this.rand() * 4);
    this.go(idx);
  }

  private go(idx: number): void {
    this.target = idx;
    if (idx !== this.pos) this.runCount++;
  }

  private setDoor(d: DoorState): void {
    if (d === 'opening' && this.door !== 'opening') this.doorCycles++;
    this.door = d;
    this.doorSince = this.t;
  }

  private idleTime(): number {
    const [a, b] = this.o.idleMs;
    return a + this.rand() * (b - a);
  }

  private indexOf(floor: number): number {
    const i = this.floors.indexOf(floor);
    if (i === -1) throw new RangeError(`floor ${floor} is not in ${this.floors[0]}..${this.floors[this.floors.length - 1]}`);
    return i;
  }
}

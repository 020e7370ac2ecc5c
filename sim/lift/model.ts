/**
 * A simple elevator model for the simulator: produces the §5.3 holding registers through the device
 * profile's `encodeRegisters`. Time is explicit: `tick(nowMs)` advances the model to `nowMs`, so a test
 * or scenario can drive it with a fake or accelerated clock. Randomness (calls, passengers) comes from
 * a seeded generator, so a seed replays the same day.
 *
 * Injectable conditions (for fault scenarios): setMode, trap (between floors or at level, with or
 * without passengers), powerLoss, alarmButton, doorStuck, overspeed, controllerFault, freezeAlive,
 * setTemperature, ucmp (the car creeps away with the door open), doorOpensWhileRunning, overtravel,
 * breakSafetyCircuit, breakDoorLockCircuit, holdDoorOpen, obstruct (the door reverses while closing),
 * pirFlicker (the passenger sensor drops out), keepMoving (back-and-forth trips), oldLift (frequent,
 * random door faults).
 */
import { encodeRegisters } from '../../devices/lift-modbus.js';
import type { DoorState, LiftMode, LiftReading } from '../../devices/types.js';
import { seededRandom } from '../random.js';

/** Also reachable from here, where the Modbus tests take it. */
export { seededRandom };

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

/** A clock running `factor` times faster than the wall clock from `origin` on. */
export function acceleratedClock(factor: number, origin = Date.now()): () => number {
  return () => origin + (Date.now() - origin) * factor;
}

const ZONE = 0.03; // door zone half-width, in floors (about ±9 cm at 3 m)
/** UCMP: the creep starts this long after the door is fully open, at this speed, up to this far. */
const UCMP_DELAY_MS = 1500;
const UCMP_SPEED_MMS = 150;
const UCMP_MAX = 0.3;
/** Obstructed door: it reverses after closing this long, and stays open this long. */
const OBSTRUCTED_MS = 1000;
/** Old lift: a door stuck while closing stays stuck this long. */
const OLD_STUCK_MS = 20_000;

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
  private ucmp_: { since: number; dir: 1 | -1; home: number } | null = null;
  private doorOpenRunning = false;
  private overtravel_: 'top' | 'bottom' | null = null;
  private safetyBroken = false;
  private doorLockBroken = false;
  private held = false;
  private obstructed = false;
  private flicker = false;
  private shuttle = false;
  private old = false;
  private oldStuckUntil = 0;
  private oldReversals = 0;

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
    const raw = inZone ? near : running ? (goingUp ? Math.floor(this.pos) : Math.ceil(this.pos)) : Math.floor(this.pos);
    const idx = Math.min(this.floors.length - 1, Math.max(0, raw));
    const floor = this.floors[idx]!;
    const loadPct = Math.round(((this.passengers * 75) / this.o.ratedLoadKg) * 100);
    const creeping = this.creeping();
    // a door that opens on the move: reported open while the car runs (the test of the detection)
    const door: DoorState = running && this.doorOpenRunning ? 'opening' : this.door;
    // a PIR sensor dropping out 1.5 s in every 4 s
    const person = this.passengers > 0 && !(this.flicker && this.t % 4000 < 1500);
    return {
      running,
      dir: running ? (goingUp ? 'up' : 'down') : 'stop',
      inZone,
      doorClosedLocked: door === 'closed',
      doorOpenLimit: door === 'open',
      person,
      safetyCircuit: !this.safetyBroken,
      doorLockCircuit: this.door === 'closed' && !this.doorLockBroken,
      mainsOk: !this.powerLost,
      alarmButton: this.alarm,
      topLimit: this.overtravel_ === 'top',
      bottomLimit: this.overtravel_ === 'bottom',
      overload: loadPct > 100,
      floor,
      floorLabel: floor < 0 ? `B${-floor}` : String(floor),
      speedMmS: running ? Math.round(this.ratedSpeedMmS * (this.overspeed_ ? 1.3 : 1)) : creeping ? UCMP_SPEED_MMS : 0,
      mode: this.mode,
      loadPct,
      door,
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

  /**
   * Trapped: the car stops, door closed, someone inside (`passengers`, default at least 1; 0 makes it a
   * plain stop outside the zone). Between floors unless `atLevel`. `trap(false)` levels and opens.
   */
  trap(on = true, opts: { atLevel?: boolean; passengers?: number } = {}): void {
    if (on === this.trapped) return;
    this.trapped = on;
    if (on) {
      if (!opts.atLevel && Math.abs(this.pos - Math.round(this.pos)) <= ZONE) {
        this.pos = Math.round(this.pos) + (Math.round(this.pos) < this.floors.length - 1 ? 0.5 : -0.5);
      }
      if (opts.atLevel) this.pos = Math.round(this.pos);
      this.target = null;
      this.door = 'closed';
      this.stuck = null;
      this.passengers = opts.passengers ?? Math.max(this.passengers, 1);
    } else {
      this.boardAtStop = 0;
      this.go(Math.round(this.pos)); // levelling run to the nearest floor, then the door opens
    }
  }

  /** The car creeps away from the landing with the door open (unintended car movement, UCMP). */
  ucmp(on = true): void {
    if (on === (this.ucmp_ !== null)) return;
    if (on) {
      this.target = null;
      this.pos = Math.round(this.pos);
      if (this.door !== 'open') this.setDoor('opening');
      const home = this.pos;
      this.ucmp_ = { since: this.t, dir: home < this.floors.length - 1 ? 1 : -1, home };
    } else {
      this.pos = this.ucmp_!.home;
      this.ucmp_ = null;
      this.doorSince = this.t;
    }
  }

  /** While on, the door is reported opening whenever the car runs (the car keeps running). */
  doorOpensWhileRunning(on = true): void {
    this.doorOpenRunning = on;
  }

  /** The car overruns the top or bottom landing onto the final limit switch and stays there; null restores. */
  overtravel(end: 'top' | 'bottom' | null): void {
    this.overtravel_ = end;
    this.target = null;
    if (end === 'top') this.pos = this.floors.length - 1 + 0.15;
    else if (end === 'bottom') this.pos = -0.15;
    else {
      // back at the end landing: the door opens and everyone leaves
      this.pos = Math.min(this.floors.length - 1, Math.max(0, Math.round(this.pos)));
      this.boardAtStop = 0;
      this.go(this.pos);
    }
    if (end) {
      this.door = 'closed';
      this.stuck = null;
    }
  }

  /** Safety circuit open: the car stops where it is until it closes again. */
  breakSafetyCircuit(on = true): void {
    this.safetyBroken = on;
  }

  /** The door-lock circuit reads open (bit 8 low) even while the car runs. */
  breakDoorLockCircuit(on = true): void {
    this.doorLockBroken = on;
  }

  /** Someone holds the door: once fully open it stays open. */
  holdDoorOpen(on = true): void {
    this.held = on;
    if (on && !this.isMoving() && (this.door === 'closed' || this.door === 'closing')) this.setDoor('opening');
    if (!on) this.doorSince = this.t;
  }

  /** Something in the doorway: a closing door reverses after 1 s and the reopened door waits only 1 s. */
  obstruct(on = true): void {
    this.obstructed = on;
    if (on && !this.isMoving() && this.door === 'closed') this.setDoor('opening');
  }

  /** The passenger sensor drops out 1.5 s in every 4 s (model time) while someone is inside. */
  pirFlicker(on = true): void {
    this.flicker = on;
  }

  /** Keep travelling between the end floors (overspeed and door-lock scenarios need a moving car). */
  keepMoving(on = true): void {
    this.shuttle = on;
  }

  /** An old lift: doors stick while closing (20 s) at one stop in four, and reverse at one in five. */
  oldLift(on = true): void {
    this.old = on;
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
    return !this.trapped && !this.powerLost && !this.safetyBroken && this.overtravel_ === null && this.ucmp_ === null;
  }

  private isMoving(): boolean {
    return this.canRun() && this.target !== null && this.target !== this.pos && this.door === 'closed';
  }

  private creeping(): boolean {
    const u = this.ucmp_;
    return u !== null && this.door === 'open' && this.t - this.doorSince >= UCMP_DELAY_MS && Math.abs(this.pos - u.home) < UCMP_MAX;
  }

  private doorPhaseMs(): number {
    if (this.door === 'open') return this.held || this.ucmp_ ? Infinity : this.obstructed ? OBSTRUCTED_MS : this.o.doorOpenMs;
    if (this.door === 'closing' && this.obstructed) return OBSTRUCTED_MS;
    if (this.door === 'closing' && this.oldStuckUntil > this.t) return this.oldStuckUntil - this.doorSince;
    return this.o.doorMoveMs;
  }

  private doorCanMove(): boolean {
    return (this.canRun() || this.ucmp_ !== null) && this.stuck === null;
  }

  /** Model time until the next discrete change (≥ 1 ms so time always moves). */
  private nextEventIn(): number {
    let next = Infinity;
    if (this.isMoving()) next = Math.abs(this.target! - this.pos) * this.o.travelMsPerFloor;
    else if (this.doorCanMove() && this.door !== 'closed') {
      next = this.doorSince + this.doorPhaseMs() - this.t;
      const u = this.ucmp_;
      if (u && this.door === 'open') next = this.t - this.doorSince < UCMP_DELAY_MS ? this.doorSince + UCMP_DELAY_MS - this.t : 100;
    } else if (this.canRun() && this.target === null && (this.shuttle || (this.o.auto && this.mode === 'normal'))) {
      next = this.shuttle ? 1 : this.idleUntil - this.t;
    }
    if (this.flicker) next = Math.min(next, 500);
    return Math.max(1, Math.ceil(next));
  }

  private advance(dt: number): void {
    if (this.isMoving()) {
      const d = Math.min(dt / this.o.travelMsPerFloor, Math.abs(this.target! - this.pos));
      this.pos += this.target! > this.pos ? d : -d;
      this.travelFloors += d;
      this.runMs += dt;
    } else if (this.creeping()) {
      const u = this.ucmp_!;
      const d = Math.min((dt * UCMP_SPEED_MMS) / (this.o.floorHeightM * 1e6), UCMP_MAX - Math.abs(this.pos - u.home));
      this.pos += u.dir * d;
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
    if (this.ucmp_) {
      if (this.door === 'opening' && this.t - this.doorSince >= this.o.doorMoveMs) this.setDoor('open');
      return;
    }
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
      const reverse = this.door === 'closing' && this.obstructed;
      const next: DoorState = reverse ? 'opening' : this.door === 'opening' ? 'open' : this.door === 'open' ? 'closing' : 'closed';
      this.setDoor(next);
      if (next === 'closing' && this.old) {
        if (this.rand() < 0.25) this.oldStuckUntil = this.t + OLD_STUCK_MS;
        else if (this.rand() < 0.2) this.oldReversals = 1 + Math.floor(this.rand() * 4);
      }
      if (next === 'closing' && this.oldReversals > 0 && !this.obstructed) {
        this.oldReversals--;
        this.setDoor('opening');
      }
      if (next === 'closed') this.idleUntil = this.t + this.idleTime() / (this.passengers > 0 ? 4 : 1);
      return;
    }
    if (this.door === 'closed' && this.target === null && this.shuttle) {
      const here = Math.round(this.pos);
      this.boardAtStop = this.passengers;
      this.go(here < (this.floors.length - 1) / 2 ? this.floors.length - 1 : 0);
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

/**
 * The elevator fault rules of DESIGN §6.2 as pure functions of (memory, observation, time).
 *
 * `step(mem, obs, now, cfg)` takes the lift's rule memory, what was observed at `now` (a fresh
 * reading, a poll miss count, a kit online/offline message, or nothing: a timer tick) and returns the
 * new memory, the raise/clear events and `nextAt`, the earliest time at which something would change
 * without new input (a timer expiring) — the caller arms one timer per lift for it. Nothing here reads
 * a clock, draws a random number or does I/O, so every timer can be tested in microseconds.
 *
 * Semantics, for every code:
 *  - a fault is raised when its condition holds (for timed rules: has held for its timer);
 *  - while it is open it is never raised again (one fault id per raise/clear pair);
 *  - it clears once its condition has been absent for `clearMs` (default 2 s), whatever its lifecycle;
 *  - in inspection mode (register 0x0003 = 2 / kit mode 2) or during an open maintenance visit, every
 *    rule except LIFT_POWER_LOSS and LIFT_ALARM_BUTTON is suppressed (open faults clear, timers restart);
 *  - while the lift's data is stale (Modbus comm lost, kit offline) the reading rules are held: they
 *    neither raise nor clear until fresh data arrives (their timers keep counting from the last
 *    reading, so an entrapment seen before a link blip is raised as soon as data comes back).
 */
import type { LiftReading } from '../../devices/types.js';
import { FAULTS, FAULT_CODES, type FaultCode, type Severity } from './catalog.js';
import type { RuleTimers } from './config.js';

export type LiftSource = 'modbus' | 'kit';

export interface RuleConfig extends RuleTimers {
  source: LiftSource;
  ratedSpeedMmS: number;
  /** Severity of a controller fault code (the profile's table); default major. */
  controllerSeverity?: (code: number) => Severity;
}

/** An open fault as the rule engine knows it. */
export interface OpenFault {
  faultId: string;
  raisedAt: number;
  /** Since when its condition has been absent (null: present or unknown). */
  absentSince: number | null;
}

export type DoorEpisode = 'moving_door_open' | 'door_open_running' | null;

export interface LiftMemory {
  source: LiftSource;
  reading: LiftReading | null;
  readingAt: number | null;
  /** Last time anything came from the lift (reading or kit message); the memory's creation time at first. */
  lastSeenAt: number;
  /** Consecutive missed polls (Modbus). */
  misses: number;
  /** Kit online flag: false after its last will, true after any message. */
  online: boolean;
  /** Debounced passenger sensor: `falseSince` is when the raw sensor last switched to "no". */
  person: { present: boolean; falseSince: number | null };
  alive: { value: number | null; changedAt: number };
  /** Door reopen cycles at the current stop (a stop ends when the car runs or the door stays closed 10 s). */
  stop: { baseCycles: number | null; openings: number; lastDoor: string | null; closedSince: number | null };
  door: DoorEpisode;
  /** When the base condition of a timed rule started to hold. */
  since: Partial<Record<FaultCode, number>>;
  open: Partial<Record<FaultCode, OpenFault>>;
  /** Counter for fault ids minted by `step`. */
  raised: number;
}

export interface Observation {
  /** A fresh reading taken at `now`. */
  reading?: LiftReading;
  /** Consecutive missed polls reported at `now` (Modbus). */
  misses?: number;
  /** Kit said it is online (any message) or its last will said offline. */
  online?: boolean;
  /** Any other sign of life (a kit event message). */
  seen?: boolean;
}

export interface StepContext {
  /** An open maintenance visit: rules suppressed as in inspection. */
  maintenance: boolean;
  /** Mints the id of a new fault (default `${code}-${now}-${n}`). */
  newId?: (code: FaultCode, now: number) => string;
}

export type FaultEvent =
  | {
      type: 'raise';
      code: FaultCode;
      faultId: string;
      at: number;
      severity: Severity;
      gb: number | null;
      reading: LiftReading | null;
      detail: Record<string, unknown>;
    }
  | { type: 'clear'; code: FaultCode; faultId: string; at: number; raisedAt: number; durationMs: number };

export interface StepResult {
  mem: LiftMemory;
  events: FaultEvent[];
  /** Earliest time a timer would change something with no new input; null if none. */
  nextAt: number | null;
}

export function newMemory(source: LiftSource, now: number, open: Partial<Record<FaultCode, OpenFault>> = {}): LiftMemory {
  return {
    source,
    reading: null,
    readingAt: null,
    lastSeenAt: now,
    misses: 0,
    online: true,
    person: { present: false, falseSince: null },
    alive: { value: null, changedAt: now },
    stop: { baseCycles: null, openings: 0, lastDoor: null, closedSince: null },
    door: null,
    since: {},
    open: structuredClone(open),
    raised: 0,
  };
}

/** A door that stays closed this long ends the "stop" whose reopen cycles are counted. */
export const STOP_RESET_MS = 10_000;

const isMoving = (r: LiftReading): boolean => r.running || !r.inZone;
const doorNotClosed = (r: LiftReading): boolean => r.door !== 'closed' || r.doorClosedLocked === false;
const stopped = (r: LiftReading): boolean => !r.running && (r.speedMmS ?? 0) === 0;

/** Whether the rules that need readings can be evaluated now. */
export function isFresh(mem: LiftMemory, now: number, cfg: RuleConfig): boolean {
  if (!mem.reading) return false;
  if (mem.source === 'modbus') return mem.misses < cfg.commLostMisses;
  return mem.online && now - mem.lastSeenAt < cfg.kitOfflineMs;
}

export function isSuppressed(mem: LiftMemory, ctx: StepContext): boolean {
  return ctx.maintenance || mem.reading?.mode === 'inspection';
}

/** Folds an observation into the memory (mutates `mem`, a copy owned by `step`). */
function observe(mem: LiftMemory, obs: Observation, now: number): void {
  if (obs.misses !== undefined) mem.misses = obs.misses;
  if (obs.online !== undefined) {
    mem.online = obs.online;
    if (obs.online) mem.lastSeenAt = now;
  }
  if (obs.seen) {
    mem.lastSeenAt = now;
    mem.online = true;
  }
  const r = obs.reading;
  if (!r) return;
  const prev = mem.reading;
  mem.reading = r;
  mem.readingAt = now;
  mem.lastSeenAt = now;
  mem.misses = 0;
  mem.online = true;

  if (r.alive !== null && r.alive !== mem.alive.value) mem.alive = { value: r.alive, changedAt: now };
  else if (r.alive === null) mem.alive = { value: null, changedAt: now };

  // readings may come only on change (kits): measure the drop-out from the moment the sensor said no
  if (r.person) mem.person = { present: true, falseSince: null };
  else if (mem.person.present && mem.person.falseSince === null) mem.person.falseSince = now;

  // Door reopen cycles at one stop: counted from the controller's door-cycle counter when there is
  // one (robust to polls that miss short door phases), else from door transitions into "opening".
  if (r.door !== 'closed') mem.stop.closedSince = null;
  else mem.stop.closedSince ??= now;
  if (r.running || (mem.stop.closedSince !== null && now - mem.stop.closedSince >= STOP_RESET_MS)) {
    mem.stop = { baseCycles: r.doorCycles, openings: 0, lastDoor: r.door, closedSince: mem.stop.closedSince };
  } else {
    if (mem.stop.baseCycles === null && r.doorCycles !== null) mem.stop.baseCycles = r.doorCycles - (r.door === 'closed' ? 0 : 1);
    const last = mem.stop.lastDoor;
    if ((r.door === 'opening' || r.door === 'open') && (last === 'closing' || last === 'closed' || last === null)) mem.stop.openings++;
    mem.stop.lastDoor = r.door;
  }

  // Which came first, the door or the movement (UCMP vs. door opening on the move)?
  if (doorNotClosed(r) && isMoving(r)) {
    if (mem.door === null) {
      const doorOpenedOnTheMove = prev !== null && !doorNotClosed(prev) && isMoving(prev);
      mem.door = doorOpenedOnTheMove ? 'door_open_running' : 'moving_door_open';
    }
  } else {
    mem.door = null;
  }
}

function reopenCount(mem: LiftMemory, r: LiftReading): number {
  const byCounter = r.doorCycles !== null && mem.stop.baseCycles !== null ? r.doorCycles - mem.stop.baseCycles - 1 : 0;
  return Math.max(byCounter, mem.stop.openings - 1, 0);
}

interface Condition {
  /** The base condition holds now. */
  on: boolean;
  /** How long it must hold before the fault is raised. */
  timer: number;
  detail?: Record<string, unknown>;
}

/** Base conditions of the reading rules, from the latest reading. */
function readingConditions(mem: LiftMemory, r: LiftReading, cfg: RuleConfig): Partial<Record<FaultCode, Condition>> {
  const c = cfg.confirmMs;
  const speed = r.speedMmS;
  const limit = Math.round(cfg.overspeedFactor * cfg.ratedSpeedMmS * 1000) / 1000;
  const reopen = reopenCount(mem, r);
  return {
    LIFT_TRAPPED: {
      on: mem.person.present && r.door === 'closed' && stopped(r),
      timer: r.inZone ? cfg.trappedAtLevelMs : cfg.trappedOutsideZoneMs,
      detail: { inZone: r.inZone, floor: r.floorLabel },
    },
    LIFT_STOP_OUTSIDE_ZONE: { on: !r.inZone && stopped(r), timer: cfg.stopOutsideZoneMs, detail: { floor: r.floorLabel } },
    LIFT_MOVING_DOOR_OPEN: { on: mem.door === 'moving_door_open', timer: c },
    LIFT_DOOR_OPEN_RUNNING: { on: mem.door === 'door_open_running', timer: c },
    LIFT_OVERSPEED: { on: speed !== null && speed > limit, timer: c, detail: { speedMmS: speed, ratedMmS: cfg.ratedSpeedMmS, limitMmS: Math.round(limit) } },
    LIFT_TOP_OVERTRAVEL: { on: r.topLimit, timer: c },
    LIFT_BOTTOM_OVERTRAVEL: { on: r.bottomLimit, timer: c },
    LIFT_SAFETY_CIRCUIT: { on: r.safetyCircuit === false, timer: c },
    LIFT_DOOR_LOCK_CIRCUIT: { on: r.doorLockCircuit === false && r.running, timer: c },
    LIFT_DOOR_CLOSE_FAULT: { on: r.door === 'closing', timer: cfg.doorCloseFaultMs },
    LIFT_DOOR_OPEN_FAULT: { on: r.door === 'opening', timer: cfg.doorOpenFaultMs },
    LIFT_POWER_LOSS: { on: !r.mainsOk, timer: c },
    LIFT_ALARM_BUTTON: { on: r.alarmButton === true, timer: c },
    LIFT_LONG_DOOR_OPEN: { on: r.door === 'open', timer: cfg.longDoorOpenMs },
    LIFT_DOOR_REOPEN_REPEATED: { on: reopen >= cfg.doorReopenCount, timer: 0, detail: { reopenCycles: reopen } },
    LIFT_OVERHEAT: { on: r.tempC !== null && r.tempC > cfg.overheatC, timer: c, detail: { tempC: r.tempC, limitC: cfg.overheatC } },
    LIFT_CONTROLLER_FAULT: {
      on: r.faultCode !== null && r.faultCode !== 0,
      timer: c,
      detail: { controllerCode: r.faultCode, controllerSubCode: r.faultSubCode },
    },
  };
}

const READING_CODES = FAULT_CODES.filter((c) => FAULTS[c].category === 'lift');

/**
 * One evaluation. Returns a new memory (the input is not modified), the events and the next deadline.
 */
export function step(prev: LiftMemory, obs: Observation, now: number, cfg: RuleConfig, ctx: StepContext): StepResult {
  const mem = structuredClone(prev);
  observe(mem, obs, now);
  const events: FaultEvent[] = [];
  const deadlines: number[] = [];
  const at = (t: number): void => {
    if (t > now) deadlines.push(t);
  };

  // passenger sensor: gone only after `personDebounceMs` without a "yes"
  if (mem.person.present && mem.person.falseSince !== null) {
    const until = mem.person.falseSince + cfg.personDebounceMs;
    if (now >= until) mem.person = { present: false, falseSince: null };
    else at(until);
  }

  const fresh = isFresh(mem, now, cfg);
  const suppressed = isSuppressed(mem, ctx);
  const newId = ctx.newId ?? ((code: FaultCode, t: number) => `${code}-${t}-${mem.raised}`);

  /** holds: true/false, or null when unknown (held: neither raise nor clear). */
  const decide = (code: FaultCode, holds: boolean | null, detail: Record<string, unknown> = {}): void => {
    const open = mem.open[code];
    if (holds === null) return;
    if (holds) {
      if (open) {
        open.absentSince = null;
        return;
      }
      const info = FAULTS[code];
      const severity = code === 'LIFT_CONTROLLER_FAULT' && mem.reading?.faultCode ? (cfg.controllerSeverity?.(mem.reading.faultCode) ?? info.severity) : info.severity;
      mem.raised++;
      const faultId = newId(code, now);
      mem.open[code] = { faultId, raisedAt: now, absentSince: null };
      events.push({ type: 'raise', code, faultId, at: now, severity, gb: info.gb, reading: mem.reading, detail });
      return;
    }
    if (!open) return;
    open.absentSince ??= now;
    const clearAt = open.absentSince + cfg.clearMs;
    if (now >= clearAt) {
      delete mem.open[code];
      events.push({ type: 'clear', code, faultId: open.faultId, at: now, raisedAt: open.raisedAt, durationMs: now - open.raisedAt });
    } else {
      at(clearAt);
    }
  };
  const timed = (code: FaultCode, cond: Condition): boolean => {
    if (!cond.on) {
      delete mem.since[code];
      return false;
    }
    const since = (mem.since[code] ??= now);
    if (now - since >= cond.timer) return true;
    at(since + cond.timer);
    return false;
  };

  // reading rules
  const conds = mem.reading ? readingConditions(mem, mem.reading, cfg) : {};
  for (const code of READING_CODES) {
    const cond = conds[code];
    const alwaysOn = FAULTS[code].alwaysOn;
    if (!fresh) continue; // held: neither raise nor clear on stale data
    if (!cond || (suppressed && !alwaysOn)) {
      delete mem.since[code];
      decide(code, false);
      continue;
    }
    // an open fault stays present while its base condition holds (its timer is not run again)
    const t = timed(code, cond);
    decide(code, t || (cond.on && mem.open[code] !== undefined), cond.detail);
  }

  // link rules
  if (cfg.source === 'modbus') {
    decide('LIFT_COMM_LOST', suppressed ? false : mem.misses >= cfg.commLostMisses, { misses: mem.misses });
    let frozen: boolean | null = false;
    if (!fresh) frozen = null;
    // evidence only: the same value in readings at least frozenAliveMs apart (a slow poll cycle or a
    // tick between readings proves nothing)
    else if (mem.alive.value !== null && !suppressed) frozen = (mem.readingAt ?? now) - mem.alive.changedAt >= cfg.frozenAliveMs;
    decide('LIFT_CONTROLLER_FROZEN', frozen, { alive: mem.alive.value, since: mem.alive.changedAt });
    decide('LIFT_OFFLINE', false);
  } else {
    const due = mem.lastSeenAt + cfg.kitOfflineMs;
    const offline = !mem.online || now >= due;
    if (!offline && !suppressed) at(due);
    decide('LIFT_OFFLINE', suppressed ? false : offline, { lastSeenAt: mem.lastSeenAt, lastWill: !mem.online });
    decide('LIFT_COMM_LOST', false);
    decide('LIFT_CONTROLLER_FROZEN', false);
  }

  return { mem, events, nextAt: deadlines.length > 0 ? Math.min(...deadlines) : null };
}

/** Resolved rule settings of one lift: defaults ← config ← per-lift overrides ← device's rated speed. */
export function ruleConfig(
  source: LiftSource,
  base: RuleTimers,
  opts: { ratedSpeedMmS: number; overrides?: Partial<RuleTimers> | undefined; controllerSeverity?: (code: number) => Severity },
): RuleConfig {
  return { ...base, ...(opts.overrides ?? {}), source, ratedSpeedMmS: opts.ratedSpeedMmS, controllerSeverity: opts.controllerSeverity };
}

/**
 * Simulated lift site and fault scenarios.
 *
 * `LiftSite` plays every provisioned lift it can: `lift-modbus` devices as slaves of simulated RS-485
 * buses (one socat pty pair per `--port`, the gateway's end created AT the provisioned port path, so
 * several lifts share one bus), `lift-kit-mqtt` devices as MQTT sensor kits (given the broker URL and
 * their secrets). Each lift is a `LiftModel` on a shared, optionally accelerated clock.
 *
 * `runLiftScenario(name, lift)` injects one condition, holds it, and removes it; `injectScenario`
 * returns the undo instead. Every fault code of DESIGN §6.2 has a scenario (`SCENARIO_FOR`), plus
 * line and sensor trouble: comm loss, CRC errors and garbage, slow and dead slaves, PIR flicker,
 * power loss, an "old lift" with frequent door faults, inspection mode.
 */
import { lstatSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Device } from '../../src/registry/schema.js';
import type { FaultCode } from '../../src/lift/catalog.js';
import { createPtyPair, type PtyPair } from '../pty.js';
import type { SimSecrets } from '../secrets.js';
import { SimLiftKit } from './kit.js';
import { SimModbusBus, type SimSlaveFaults } from './modbus-slaves.js';
import { seededRandom } from '../random.js';
import { acceleratedClock, LiftModel, type LiftModelOptions } from './model.js';

export interface SimBus {
  port: string;
  baud: number;
  pair: PtyPair;
  sim: SimModbusBus;
  lifts: SimLift[];
}

export interface SimLift {
  id: string;
  device: Device;
  kind: 'modbus' | 'kit';
  model: LiftModel;
  /** Modbus lifts: their bus and slave address. */
  bus?: SimBus;
  slave?: number;
  /** Kit lifts: the MQTT kit. */
  kit?: SimLiftKit;
}

export interface LiftSiteOptions {
  /** Provisioned devices; lift profiles are played, others ignored. */
  devices: readonly Device[];
  /** Device secrets (kits log in with them), e.g. readSimSecrets(data). */
  secrets?: SimSecrets;
  /** The gateway's broker, for kits; without it kits are not started. */
  brokerUrl?: string;
  /** Model time runs this many times faster than the wall clock (default 1). */
  accel?: number;
  /** Random traffic in normal mode (default true). */
  auto?: boolean;
  seed?: number;
  /** Extra model options for every lift (door times, travel time…). */
  model?: Partial<LiftModelOptions>;
  kit?: { sampleMs?: number; heartbeatMs?: number };
  /** Where the simulated controllers open their end of a bus (default `${port}.sim`). */
  devicePath?: (port: string) => string;
  /** Delay Modbus answers by the real wire time (default true). */
  wireTiming?: boolean;
  /** Lifts that behave like old lifts (frequent door faults). */
  oldLifts?: readonly string[];
  log?: Logger;
}

const LIFT_PROFILES = ['lift-modbus', 'lift-kit-mqtt'];

export class LiftSite {
  readonly lifts = new Map<string, SimLift>();
  readonly buses = new Map<string, SimBus>();
  readonly clock: () => number;
  private readonly rand: () => number;
  private loop: AbortController | null = null;
  private loopDone: Promise<void> | null = null;

  constructor(readonly opts: LiftSiteOptions) {
    this.clock = acceleratedClock(opts.accel ?? 1);
    this.rand = seededRandom(opts.seed ?? 11);
  }

  lift(id: string): SimLift {
    const l = this.lifts.get(id);
    if (!l) throw new Error(`lift ${id} is not simulated`);
    return l;
  }

  private modelFor(d: Device, i: number): LiftModel {
    const lo = d.floors?.lo ?? 1;
    const hi = d.floors?.hi ?? 6;
    const floorHeightM = this.opts.model?.floorHeightM ?? 3;
    const travelMsPerFloor = this.opts.model?.travelMsPerFloor ?? (d.ratedSpeed ? Math.round((floorHeightM * 1e6) / d.ratedSpeed) : 3000);
    const m = new LiftModel({
      lowest: lo,
      highest: hi > lo ? hi : lo + 1,
      auto: this.opts.auto ?? true,
      seed: (this.opts.seed ?? 11) * 1000 + i,
      startMs: this.clock(),
      ...this.opts.model,
      floorHeightM,
      travelMsPerFloor,
    });
    if (this.opts.oldLifts?.includes(d.id)) m.oldLift(true);
    return m;
  }

  async start(): Promise<void> {
    const lifts = this.opts.devices.filter((d) => LIFT_PROFILES.includes(d.profile));
    const byPort = new Map<string, Device[]>();
    lifts.forEach((d, i) => {
      const model = this.modelFor(d, i);
      if (d.profile === 'lift-modbus') {
        if (!d.port || d.slave === undefined) return;
        this.lifts.set(d.id, { id: d.id, device: d, kind: 'modbus', model, slave: d.slave });
        const g = byPort.get(d.port);
        if (g) g.push(d);
        else byPort.set(d.port, [d]);
      } else {
        this.lifts.set(d.id, { id: d.id, device: d, kind: 'kit', model });
      }
    });
    for (const [port, devs] of byPort) await this.startBus(port, devs);
    const url = this.opts.brokerUrl;
    for (const l of this.lifts.values()) {
      if (l.kind !== 'kit' || !url) continue;
      const secret = this.opts.secrets?.[l.id];
      if (!secret) {
        this.opts.log?.warn({ lift: l.id }, 'no secret for this kit: not simulated');
        continue;
      }
      l.kit = new SimLiftKit({ id: l.id, secret, url, model: l.model, clock: this.clock, ...this.opts.kit });
      await l.kit.start();
    }
    this.opts.log?.info(
      { buses: this.buses.size, controllers: [...this.lifts.values()].filter((l) => l.bus).length, kits: [...this.lifts.values()].filter((l) => l.kit).length },
      'simulated lift site started',
    );
  }

  private async startBus(port: string, devs: Device[]): Promise<void> {
    mkdirSync(dirname(port), { recursive: true });
    // a stale link left by an earlier run (never a real device node)
    try {
      if (lstatSync(port).isSymbolicLink()) rmSync(port, { force: true });
    } catch {
      /* absent */
    }
    const devicePath = (this.opts.devicePath ?? ((p: string) => `${p}.sim`))(port);
    try {
      if (lstatSync(devicePath).isSymbolicLink()) rmSync(devicePath, { force: true });
    } catch {
      /* absent */
    }
    const pair = await createPtyPair({ gatewayPath: port, devicePath });
    const baud = devs[0]!.baud ?? 9600;
    const lifts = devs.map((d) => this.lifts.get(d.id)!);
    const sim = new SimModbusBus({
      path: pair.devicePath,
      baud,
      wireTiming: this.opts.wireTiming,
      seed: this.opts.seed,
      slaves: lifts.map((l) => ({ id: l.slave!, registers: l.model.provider(this.clock) })),
    });
    await sim.start();
    const bus: SimBus = { port, baud, pair, sim, lifts };
    for (const l of lifts) l.bus = bus;
    this.buses.set(port, bus);
  }

  /** Pull the cable of a bus (socat killed: both ends vanish). */
  async unplug(port: string): Promise<void> {
    const b = this.buses.get(port);
    if (!b) throw new Error(`no simulated bus at ${port}`);
    await b.sim.stop();
    await b.pair.close();
  }

  /** Plug it back at the same paths, same lifts. */
  async replug(port: string): Promise<void> {
    const b = this.buses.get(port);
    if (!b) throw new Error(`no simulated bus at ${port}`);
    b.pair = await createPtyPair({ gatewayPath: b.pair.gatewayPath, devicePath: b.pair.devicePath });
    b.sim = new SimModbusBus({
      path: b.pair.devicePath,
      baud: b.baud,
      wireTiming: this.opts.wireTiming,
      slaves: b.lifts.map((l) => ({ id: l.slave!, registers: l.model.provider(this.clock) })),
    });
    await b.sim.start();
  }

  /**
   * For the demo: every `everyMs`, one scenario on one lift, held `holdMs` then undone; faults
   * appear and clear as the site lives. Returns at once; `stop()` ends it.
   */
  startScenarios(opts: { everyMs?: number; holdMs?: number; names?: readonly ScenarioName[] } = {}): void {
    if (this.loop) return;
    const ctl = new AbortController();
    this.loop = ctl;
    const names = opts.names ?? DEMO_SCENARIOS;
    this.loopDone = (async () => {
      const busy = new Set<string>();
      while (!ctl.signal.aborted) {
        await sleep(opts.everyMs ?? 20_000, undefined, { signal: ctl.signal }).catch(() => undefined);
        if (ctl.signal.aborted) break;
        const lifts = [...this.lifts.values()].filter((l) => !busy.has(l.id) && (l.bus || l.kit));
        const lift = lifts[Math.floor(this.rand() * lifts.length)];
        if (!lift) continue;
        const fitting = names.filter((n) => SCENARIOS[n].applies.includes(lift.kind));
        const name = fitting[Math.floor(this.rand() * fitting.length)];
        if (!name) continue;
        busy.add(lift.id);
        this.opts.log?.info({ lift: lift.id, scenario: name }, 'scenario');
        void runLiftScenario(name, lift, { holdMs: opts.holdMs ?? 90_000, signal: ctl.signal })
          .catch((err: unknown) => this.opts.log?.warn({ err, lift: lift.id, scenario: name }, 'scenario failed'))
          .finally(() => busy.delete(lift.id));
      }
    })();
  }

  async stop(): Promise<void> {
    this.loop?.abort();
    await this.loopDone;
    this.loop = null;
    for (const l of this.lifts.values()) await l.kit?.stop();
    for (const b of this.buses.values()) {
      await b.sim.stop();
      await b.pair.close();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

export const SCENARIO_NAMES = [
  'trapped',
  'trapped_at_level',
  'stop_outside_zone',
  'moving_door_open',
  'door_open_running',
  'overspeed',
  'top_overtravel',
  'bottom_overtravel',
  'safety_circuit',
  'door_lock_circuit',
  'door_close_fault',
  'door_open_fault',
  'power_loss',
  'alarm_button',
  'long_door_open',
  'door_reopen',
  'overheat',
  'controller_fault',
  'controller_frozen',
  'comm_loss',
  'kit_offline',
  'crc_errors',
  'slow_slave',
  'dead_slave',
  'pir_flicker',
  'inspection',
  'old_lift',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

type Undo = () => void | Promise<void>;

interface Scenario {
  /** Which lifts it applies to. */
  applies: readonly ('modbus' | 'kit')[];
  /** Fault codes the gateway should raise while it is held (long enough for their timers). */
  raises: readonly FaultCode[];
  inject(l: SimLift, clock: () => number): Promise<Undo>;
}

const BOTH = ['modbus', 'kit'] as const;
const MODBUS = ['modbus'] as const;
const KIT = ['kit'] as const;

const bus = (l: SimLift): { sim: SimModbusBus; slave: number } => {
  if (!l.bus || l.slave === undefined) throw new Error(`${l.id} is not on a simulated bus`);
  return { sim: l.bus.sim, slave: l.slave };
};
const kit = (l: SimLift): SimLiftKit => {
  if (!l.kit) throw new Error(`${l.id} is not a running kit`);
  return l.kit;
};

/** Waits (wall time) until the model, ticked to `clock()`, satisfies `cond`. */
async function until(l: SimLift, clock: () => number, cond: (m: LiftModel) => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    l.model.tick(clock());
    if (cond(l.model)) return;
    if (Date.now() > deadline) throw new Error(`${l.id}: scenario precondition not reached`);
    await sleep(20);
  }
}

type ModelChange = (m: LiftModel) => void;

/** A condition of the model: `set` when injected, `clear`ed by the undo. */
const condition = (applies: Scenario['applies'], raises: Scenario['raises'], set: ModelChange, clear: ModelChange): Scenario => ({
  applies,
  raises,
  inject: async (l) => {
    set(l.model);
    return () => clear(l.model);
  },
});

/** A condition that only shows while the car travels: it keeps making trips while held. */
const whileMoving = (applies: Scenario['applies'], raises: Scenario['raises'], set: ModelChange, clear: ModelChange): Scenario =>
  condition(
    applies,
    raises,
    (m) => {
      m.keepMoving(true);
      set(m);
    },
    (m) => {
      clear(m);
      m.keepMoving(false);
    },
  );

/** Line faults of the lift's slave; the undo sets `off` on the bus as it is then (a replug makes a new one). */
function slaveFaults(l: SimLift, on: Partial<SimSlaveFaults>, off: Partial<SimSlaveFaults>): Undo {
  const b = bus(l);
  b.sim.setFaults(b.slave, on);
  return () => bus(l).sim.setFaults(b.slave, off);
}

const busFault = (raises: Scenario['raises'], on: Partial<SimSlaveFaults>, off: Partial<SimSlaveFaults>): Scenario => ({
  applies: MODBUS,
  raises,
  inject: async (l) => slaveFaults(l, on, off),
});

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  trapped: condition(BOTH, ['LIFT_TRAPPED', 'LIFT_STOP_OUTSIDE_ZONE'], (m) => m.trap(true), (m) => m.trap(false)),
  trapped_at_level: condition(BOTH, ['LIFT_TRAPPED'], (m) => m.trap(true, { atLevel: true }), (m) => m.trap(false)),
  stop_outside_zone: condition(BOTH, ['LIFT_STOP_OUTSIDE_ZONE'], (m) => m.trap(true, { passengers: 0 }), (m) => m.trap(false)),
  moving_door_open: condition(BOTH, ['LIFT_MOVING_DOOR_OPEN'], (m) => m.ucmp(true), (m) => m.ucmp(false)),
  door_open_running: {
    applies: BOTH,
    raises: ['LIFT_DOOR_OPEN_RUNNING'],
    inject: async (l, clock) => {
      l.model.keepMoving(true);
      // let the gateway see the car running with its door closed first
      await until(l, clock, (m) => m.reading().running);
      await sleep(600);
      await until(l, clock, (m) => m.reading().running);
      l.model.doorOpensWhileRunning(true);
      return () => {
        l.model.doorOpensWhileRunning(false);
        l.model.keepMoving(false);
      };
    },
  },
  overspeed: whileMoving(BOTH, ['LIFT_OVERSPEED'], (m) => m.overspeed(true), (m) => m.overspeed(false)),
  top_overtravel: condition(BOTH, ['LIFT_TOP_OVERTRAVEL'], (m) => m.overtravel('top'), (m) => m.overtravel(null)),
  bottom_overtravel: condition(BOTH, ['LIFT_BOTTOM_OVERTRAVEL'], (m) => m.overtravel('bottom'), (m) => m.overtravel(null)),
  safety_circuit: condition(MODBUS, ['LIFT_SAFETY_CIRCUIT'], (m) => m.breakSafetyCircuit(true), (m) => m.breakSafetyCircuit(false)),
  door_lock_circuit: whileMoving(MODBUS, ['LIFT_DOOR_LOCK_CIRCUIT'], (m) => m.breakDoorLockCircuit(true), (m) => m.breakDoorLockCircuit(false)),
  door_close_fault: condition(BOTH, ['LIFT_DOOR_CLOSE_FAULT'], (m) => m.doorStuck('closing'), (m) => m.doorStuck(null)),
  door_open_fault: condition(BOTH, ['LIFT_DOOR_OPEN_FAULT'], (m) => m.doorStuck('opening'), (m) => m.doorStuck(null)),
  power_loss: condition(BOTH, ['LIFT_POWER_LOSS'], (m) => m.powerLoss(true), (m) => m.powerLoss(false)),
  alarm_button: condition(BOTH, ['LIFT_ALARM_BUTTON'], (m) => m.alarmButton(true), (m) => m.alarmButton(false)),
  long_door_open: condition(BOTH, ['LIFT_LONG_DOOR_OPEN'], (m) => m.holdDoorOpen(true), (m) => m.holdDoorOpen(false)),
  door_reopen: condition(
    BOTH,
    ['LIFT_DOOR_REOPEN_REPEATED'],
    (m) => m.obstruct(true),
    (m) => {
      m.obstruct(false);
      // the obstruction is gone and the car leaves: the stop (and its count of reopenings) ends
      const r = m.reading();
      const floors = m.floors;
      m.call(r.floor === floors[0] ? floors[floors.length - 1]! : floors[0]!);
    },
  ),
  overheat: condition(MODBUS, ['LIFT_OVERHEAT'], (m) => m.setTemperature(85), (m) => m.setTemperature(null)),
  controller_fault: condition(MODBUS, ['LIFT_CONTROLLER_FAULT'], (m) => m.controllerFault(12, 3), (m) => m.controllerFault(0)),
  controller_frozen: condition(MODBUS, ['LIFT_CONTROLLER_FROZEN'], (m) => m.freezeAlive(true), (m) => m.freezeAlive(false)),
  comm_loss: {
    applies: BOTH,
    raises: ['LIFT_COMM_LOST', 'LIFT_OFFLINE'],
    inject: async (l) => {
      if (l.kind === 'kit') {
        kit(l).silence(true);
        return () => kit(l).silence(false);
      }
      return slaveFaults(l, { silent: true }, { silent: false });
    },
  },
  kit_offline: {
    applies: KIT,
    raises: ['LIFT_OFFLINE'],
    inject: async (l) => {
      kit(l).dropConnection();
      return () => kit(l).reconnect();
    },
  },
  crc_errors: busFault([], { crcErrorRate: 0.3, garbageRate: 0.3 }, { crcErrorRate: 0, garbageRate: 0 }),
  slow_slave: busFault([], { slowMs: 40 }, { slowMs: 0 }),
  dead_slave: busFault(['LIFT_COMM_LOST'], { dead: true }, { dead: false }),
  pir_flicker: condition(
    BOTH,
    ['LIFT_TRAPPED'],
    (m) => {
      m.pirFlicker(true);
      m.trap(true, { atLevel: true });
    },
    (m) => {
      m.trap(false);
      m.pirFlicker(false);
    },
  ),
  inspection: condition(BOTH, [], (m) => m.setMode('inspection'), (m) => m.setMode('normal')),
  old_lift: condition(BOTH, [], (m) => m.oldLift(true), (m) => m.oldLift(false)),
};

/** The scenario that raises each fault code. */
export const SCENARIO_FOR: Readonly<Record<FaultCode, ScenarioName>> = {
  LIFT_TRAPPED: 'trapped_at_level',
  LIFT_STOP_OUTSIDE_ZONE: 'stop_outside_zone',
  LIFT_MOVING_DOOR_OPEN: 'moving_door_open',
  LIFT_DOOR_OPEN_RUNNING: 'door_open_running',
  LIFT_OVERSPEED: 'overspeed',
  LIFT_TOP_OVERTRAVEL: 'top_overtravel',
  LIFT_BOTTOM_OVERTRAVEL: 'bottom_overtravel',
  LIFT_SAFETY_CIRCUIT: 'safety_circuit',
  LIFT_DOOR_LOCK_CIRCUIT: 'door_lock_circuit',
  LIFT_DOOR_CLOSE_FAULT: 'door_close_fault',
  LIFT_DOOR_OPEN_FAULT: 'door_open_fault',
  LIFT_POWER_LOSS: 'power_loss',
  LIFT_ALARM_BUTTON: 'alarm_button',
  LIFT_LONG_DOOR_OPEN: 'long_door_open',
  LIFT_DOOR_REOPEN_REPEATED: 'door_reopen',
  LIFT_OVERHEAT: 'overheat',
  LIFT_CONTROLLER_FAULT: 'controller_fault',
  LIFT_COMM_LOST: 'comm_loss',
  LIFT_CONTROLLER_FROZEN: 'controller_frozen',
  LIFT_OFFLINE: 'kit_offline',
};

/** Scenarios the demo loop picks from (the bus-level ones stay out: they say nothing on screen). */
export const DEMO_SCENARIOS: readonly ScenarioName[] = SCENARIO_NAMES.filter((n) => !['crc_errors', 'slow_slave', 'old_lift', 'inspection'].includes(n));

/** Inject a scenario on a lift; resolves with its undo once the condition is in place. */
export async function injectScenario(name: ScenarioName, lift: SimLift, clock: () => number = Date.now): Promise<Undo> {
  const s = SCENARIOS[name];
  if (!s) throw new Error(`unknown scenario ${name}`);
  if (!s.applies.includes(lift.kind)) throw new Error(`scenario ${name} does not apply to ${lift.kind} lift ${lift.id}`);
  return s.inject(lift, clock);
}

/** Inject, hold `holdMs` (wall time, default 30 s; an abort ends it early), undo. */
export async function runLiftScenario(
  name: ScenarioName,
  lift: SimLift,
  opts: { holdMs?: number; clock?: () => number; signal?: AbortSignal } = {},
): Promise<void> {
  const undo = await injectScenario(name, lift, opts.clock);
  try {
    await sleep(opts.holdMs ?? 30_000, undefined, { signal: opts.signal }).catch(() => undefined);
  } finally {
    await undo();
  }
}

/** Harness for the Modbus bus tests: a real socat pty pair, a simulated slave bus and a ModbusBus. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPtyPair, type PtyPair } from '../../sim/pty.js';
import { SimModbusBus, type SimModbusBusOptions, type SimSlaveOptions } from '../../sim/lift/modbus-slaves.js';
import type { ModbusLink } from '../../src/transport/modbus/link.js';
import { ModbusBus, type BusStats, type MissKind, type ModbusBusOptions } from '../../src/transport/modbus/bus.js';

export { sleep };

export interface Event {
  type: 'reading' | 'miss' | 'recover' | 'cycle';
  slave: number;
  /** bus cycle the event belongs to (1-based: the cycle in progress) */
  cycle: number;
  registers?: number[];
  kind?: MissKind;
  consecutive?: number;
  at: number;
}

export interface Rig {
  pair: PtyPair;
  sim: SimModbusBus;
  bus: ModbusBus;
  events: Event[];
  readings(slave: number): Event[];
  misses(slave: number): Event[];
  /** number of completed cycles */
  cycles(): number;
  /** bus stats taken at the end of each cycle (no request in flight then) */
  atCycleEnd: BusStats[];
  /** kill socat (both pty ends vanish, like pulling the cable) and remove the stale links */
  unplug(): Promise<void>;
  /** socat again at the same paths, and a fresh simulator on it */
  replug(): Promise<void>;
  close(): Promise<void>;
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export async function rig(opts: {
  slaves: SimSlaveOptions[];
  sim?: Partial<Omit<SimModbusBusOptions, 'path' | 'slaves'>>;
  bus?: Partial<Omit<ModbusBusOptions, 'path' | 'slaves'>>;
  /** sees every event as it happens */
  onEvent?: (e: Event) => void;
  /** build the bus's link for the gateway end instead of letting the bus open the path itself */
  link?: (gatewayPath: string) => ModbusLink;
}): Promise<Rig> {
  // our own directory for the pty links, removed at close
  const dir = mkdtempSync(join(tmpdir(), 'sealift-modbus-'));
  let pair = await createPtyPair({ gatewayPath: join(dir, 'gateway'), devicePath: join(dir, 'device') });
  const simOpts = (): SimModbusBusOptions => ({ path: pair.devicePath, slaves: opts.slaves, baud: opts.bus?.baud ?? 9600, ...opts.sim });
  let sim = new SimModbusBus(simOpts());
  await sim.start();
  const events: Event[] = [];
  const record = (e: Event): void => {
    events.push(e);
    opts.onEvent?.(e);
  };
  let cycle = 1;
  const atCycleEnd: BusStats[] = [];
  const bus = new ModbusBus({
    name: 'test',
    ...opts.bus,
    path: pair.gatewayPath,
    link: opts.link?.(pair.gatewayPath),
    slaves: opts.slaves.map((s) => s.id),
    onReading: (slave, registers, at) => record({ type: 'reading', slave, cycle, registers, at }),
    onMiss: (slave, kind, consecutive) => record({ type: 'miss', slave, cycle, kind, consecutive, at: Date.now() }),
    onRecover: (slave) => record({ type: 'recover', slave, cycle, at: Date.now() }),
    onCycle: (c) => {
      atCycleEnd.push(bus.stats());
      record({ type: 'cycle', slave: 0, cycle: c, at: Date.now() });
      cycle = c + 1;
    },
  });
  bus.start();
  const r: Rig = {
    get pair() {
      return pair;
    },
    get sim() {
      return sim;
    },
    bus,
    events,
    readings: (slave) => events.filter((e) => e.type === 'reading' && e.slave === slave),
    misses: (slave) => events.filter((e) => e.type === 'miss' && e.slave === slave),
    cycles: () => cycle - 1,
    atCycleEnd,
    async unplug() {
      await pair.close();
      await sim.stop();
      // socat killed with SIGKILL leaves its links dangling at /dev/pts/N, which another pty may reuse
      rmSync(pair.gatewayPath, { force: true });
      rmSync(pair.devicePath, { force: true });
    },
    async replug() {
      pair = await createPtyPair({ gatewayPath: pair.gatewayPath, devicePath: pair.devicePath });
      sim = new SimModbusBus(simOpts());
      await sim.start();
    },
    async close() {
      await bus.stop();
      await sim.stop();
      await pair.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return r;
}

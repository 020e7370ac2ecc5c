/**
 * Every fault rule end to end on one simulated site: two real pty Modbus buses (19200 baud, 8
 * controllers each) and eight MQTT sensor kits on the gateway's real broker. Each code is raised by its
 * simulator scenario and cleared when the scenario is undone, checked in the journal with the right
 * code, one raise per episode, raise and clear sharing one fault id. Plus: inspection suppresses, a
 * flickering passenger sensor still raises an entrapment, CRC errors and garbage are counted and raise
 * nothing, a dead and a slow controller do not cost the healthy ones their cycle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, type FaultCode } from '../../src/lift/catalog.js';
import { injectScenario, SCENARIO_FOR, SCENARIOS, type ScenarioName } from '../../sim/lift/scenarios.js';
import type { LiftSite } from '../../sim/lift/scenarios.js';
import { liftRig, sleep, waitFor, watcher, type LiftRig } from './helpers.js';

const FLOORS = { lo: 1, hi: 10 };
const modbus = (id: string, port: string, slave: number) => ({ id, profile: 'lift-modbus' as const, port, slave, baud: 19200, ratedSpeed: 2000, floors: FLOORS });
const kit = (id: string) => ({ id, profile: 'lift-kit-mqtt' as const, ratedSpeed: 2000, floors: FLOORS });

const BUS_A = Array.from({ length: 8 }, (_, i) => modbus(`a${i + 1}`, 'busA', i + 1));
const BUS_B = Array.from({ length: 8 }, (_, i) => modbus(`b${i + 1}`, 'busB', 10 + i));
const KITS = Array.from({ length: 8 }, (_, i) => kit(`k${i + 1}`));
const DEAD = 'b8';
const SLOW = 'b7';

const MODBUS_CODES = (Object.keys(FAULTS) as FaultCode[]).filter((c) => FAULTS[c].modbus);
const KIT_CODES = (Object.keys(FAULTS) as FaultCode[]).filter((c) => FAULTS[c].kit);

let rig: LiftRig;
let site: LiftSite;

beforeAll(async () => {
  rig = await liftRig({ devices: [...BUS_A, ...BUS_B, ...KITS] });
  site = await rig.startSite({ kit: { sampleMs: 40, heartbeatMs: 1000 } });
  site.lift(SLOW).bus!.sim.setFaults(site.lift(SLOW).slave!, { slowMs: 40 });
  site.lift(DEAD).bus!.sim.setFaults(site.lift(DEAD).slave!, { dead: true });
  await waitFor(() => rig.service.states().filter((s) => s.lift !== DEAD).every((s) => s.online), 10_000, 'every lift online');
});
afterAll(async () => {
  await rig?.stop();
});

type Job = { lift: string; scenario: ScenarioName; code: FaultCode };

/** Inject all at once, wait for every expected raise, undo, wait for their clears. */
async function wave(jobs: Job[]): Promise<void> {
  const from = rig.gw.store.journal.size;
  const undos = await Promise.all(jobs.map((j) => injectScenario(j.scenario, site.lift(j.lift), site.clock)));
  const missing = (kind: 'raise' | 'clear'): string[] => {
    const seen = new Set(rig.faults(undefined, from).filter((f) => f.kind === kind).map((f) => `${f.lift}:${f.code}`));
    return jobs.map((j) => `${j.lift}:${j.code}`).filter((k) => !seen.has(k));
  };
  try {
    await waitFor(() => missing('raise').length === 0, 12_000, 'raises').catch((e: Error) => {
      throw new Error(`${e.message}: ${missing('raise').join(', ')}`);
    });
    await sleep(400); // would a duplicate follow?
  } finally {
    await Promise.all(undos.map((u) => u()));
  }
  await waitFor(() => missing('clear').length === 0, 12_000, 'clears').catch((e: Error) => {
    throw new Error(`${e.message}: ${missing('clear').join(', ')}`);
  });
  for (const j of jobs) {
    const mine = rig.faults(j.lift, from).filter((f) => f.code === j.code);
    expect(mine.map((f) => f.kind), `${j.lift} ${j.code}: one raise, one clear`).toEqual(['raise', 'clear']);
    expect(mine[1]!.faultId, `${j.lift} ${j.code}: clear has the raise's fault id`).toBe(mine[0]!.faultId);
    expect(mine[0]!.data).toMatchObject({ code: j.code, gb: FAULTS[j.code].gb, source: j.lift.startsWith('k') ? 'kit' : 'modbus' });
    expect(mine[0]!.data.reading, 'the reading that raised it is kept').toBeTruthy();
  }
}

const plan = (codes: FaultCode[], lifts: string[]): Job[][] => {
  const jobs = codes.map((code) => ({ code, scenario: SCENARIO_FOR[code], lift: '' }));
  const waves: Job[][] = [];
  jobs.forEach((j, i) => {
    const w = Math.floor(i / lifts.length);
    (waves[w] ??= []).push({ ...j, lift: lifts[i % lifts.length]! });
  });
  return waves;
};

describe('every fault code, raised and cleared end to end', () => {
  it('through the Modbus buses (pty) and through MQTT kits, in the journal with the right code, no duplicates', async () => {
    const mqttWatch = await watcher(rig.brokerUrl, 'weibao', ['sealift/testgw/lift/+/fault']);
    // lifts a1…b6 take the scenarios (b7 is slow, b8 dead); comm loss on the kits is the silent-kit variant
    const modbusLifts = [...BUS_A, ...BUS_B].map((d) => d.id).filter((id) => id !== SLOW && id !== DEAD);
    const modbusWaves = plan(MODBUS_CODES, modbusLifts);
    const kitWaves = plan(KIT_CODES, KITS.map((k) => k.id));
    kitWaves[kitWaves.length - 1]!.push({ lift: 'k8', scenario: 'comm_loss', code: 'LIFT_OFFLINE' });
    expect(modbusWaves.flat().map((j) => j.code).sort()).toEqual([...MODBUS_CODES].sort());
    expect(new Set(kitWaves.flat().map((j) => j.code))).toEqual(new Set(KIT_CODES));
    await Promise.all([
      (async () => {
        for (const w of modbusWaves) await wave(w);
      })(),
      (async () => {
        for (const w of kitWaves) await wave(w);
      })(),
    ]);
    // every code of the catalogue was seen, and published on the fault topic as it happened
    const seen = new Set(rig.faults().map((f) => f.code));
    for (const code of Object.keys(FAULTS)) expect(seen.has(code), code).toBe(true);
    const published = mqttWatch.messages.filter((m) => (m.body as { event?: string }).event === 'fault.raise');
    expect(published.length).toBeGreaterThanOrEqual(MODBUS_CODES.length + KIT_CODES.length);
    await mqttWatch.client.endAsync();
  });

  it('every scenario in the table has a code for each source it applies to', () => {
    for (const [code, scenario] of Object.entries(SCENARIO_FOR)) expect(SCENARIOS[scenario].raises).toContain(code);
  });
});

describe('suppression, sensors and the bus', () => {
  it('inspection mode suppresses everything but power loss and the alarm button', async () => {
    const l = site.lift('a1');
    const k = site.lift('k1');
    const from = rig.gw.store.journal.size;
    l.model.setMode('inspection');
    k.model.setMode('inspection');
    await waitFor(() => ['a1', 'k1'].every((id) => rig.service.state(id)!.mode === 'inspection'), 3000, 'inspection seen');
    const undo = [
      await injectScenario('trapped_at_level', l, site.clock),
      await injectScenario('top_overtravel', l, site.clock),
      await injectScenario('door_close_fault', k, site.clock),
      await injectScenario('stop_outside_zone', k, site.clock),
    ];
    await sleep(2500); // longer than every timer involved
    expect(rig.faults(undefined, from).filter((f) => f.lift === 'a1' || f.lift === 'k1')).toEqual([]);
    const alarm = await injectScenario('alarm_button', l, site.clock);
    const power = await injectScenario('power_loss', k, site.clock);
    await waitFor(() => rig.faults('a1', from).some((f) => f.code === 'LIFT_ALARM_BUTTON'), 3000, 'alarm in inspection');
    await waitFor(() => rig.faults('k1', from).some((f) => f.code === 'LIFT_POWER_LOSS'), 3000, 'power loss in inspection');
    for (const u of [...undo, alarm, power]) await u();
    l.model.setMode('normal');
    k.model.setMode('normal');
    await waitFor(() => rig.service.state('a1')!.faults.length === 0 && rig.service.state('k1')!.faults.length === 0, 5000, 'all clear');
    // state changes first, the journal a moment later: wait for the clears and the mode records
    await waitFor(() => rig.faults('a1', from).some((f) => f.kind === 'clear' && f.code === 'LIFT_ALARM_BUTTON') && rig.faults('k1', from).some((f) => f.kind === 'clear' && f.code === 'LIFT_POWER_LOSS'), 5000, 'clears journaled');
    await waitFor(() => rig.records(['lift.mode'], from).length === 4, 5000, 'mode records journaled');
    // the mode changes are journaled (not every poll)
    expect(rig.records(['lift.mode'], from).map((r) => `${r.subject}:${r.data.mode}`).sort()).toEqual([
      'a1:inspection',
      'a1:normal',
      'k1:inspection',
      'k1:normal',
    ]);
  });

  it('a flickering passenger sensor still raises the entrapment (debounced)', async () => {
    const from = rig.gw.store.journal.size;
    const undo = await injectScenario('pir_flicker', site.lift('a2'), site.clock);
    const undo2 = await injectScenario('pir_flicker', site.lift('k2'), site.clock);
    await waitFor(() => ['a2', 'k2'].every((id) => rig.faults(id, from).some((f) => f.code === 'LIFT_TRAPPED')), 6000, 'entrapments');
    await undo();
    await undo2();
    await waitFor(() => rig.service.state('a2')!.faults.length === 0 && rig.service.state('k2')!.faults.length === 0, 5000, 'cleared');
    // the clears are journaled a moment after the state changes: wait for them, or the next test sees them
    await waitFor(() => ['a2', 'k2'].every((id) => rig.faults(id, from).some((f) => f.code === 'LIFT_TRAPPED' && f.kind === 'clear')), 5000, 'clears journaled');
    expect(rig.faults(undefined, from).filter((f) => f.code === 'LIFT_TRAPPED' && f.kind === 'raise')).toHaveLength(2);
  });

  it('CRC errors and garbage on the bus are counted and raise nothing', async () => {
    const from = rig.gw.store.journal.size;
    const before = rig.service.busStats().find((b) => b.bus.endsWith('busA'))!;
    const crcBefore = before.slaves.find((s) => s.slave === 3)!.crcErrors;
    const undo = await injectScenario('crc_errors', site.lift('a3'), site.clock);
    await sleep(3000);
    await undo();
    const after = rig.service.busStats().find((b) => b.bus.endsWith('busA'))!;
    const a3 = after.slaves.find((s) => s.slave === 3)!;
    expect(a3.crcErrors).toBeGreaterThan(crcBefore);
    expect(after.garbageBytes).toBeGreaterThan(before.garbageBytes);
    expect(rig.faults(undefined, from)).toEqual([]);
    expect(rig.service.state('a3')!.online).toBe(true);
    const metrics = await (await fetch(`${rig.base}/metrics`)).text();
    expect(metrics).toMatch(/sealift_modbus_requests_total\{bus="[^"]*busA",slave="3",result="crc"\} [1-9]/);
    expect(metrics).toMatch(/sealift_modbus_garbage_bytes_total\{bus="[^"]*busA"\} [1-9]/);
  });

  it('a dead and a slow controller among eight: comm lost for the dead one, the healthy ones keep their cycle', async () => {
    const dead = rig.faults(DEAD);
    expect(dead.map((f) => `${f.kind}:${f.code}`)).toEqual(['raise:LIFT_COMM_LOST']);
    expect(rig.records(['device.offline']).some((r) => r.subject === DEAD)).toBe(true);
    const b = rig.service.busStats().find((x) => x.bus.endsWith('busB'))!;
    expect(b.slaves.find((s) => s.slave === 17)!.mode).toBe('probe');
    const slow = b.slaves.find((s) => s.slave === 16)!;
    expect(slow.mode).toBe('poll');
    expect(slow.timeouts).toBeLessThan(slow.ok / 20); // 40 ms late, within its timeout (a loaded machine may lose one)
    // healthy slaves: read in (nearly) every cycle, and the cycle stays near what the bus needs
    const lost = new Set(rig.faults().filter((f) => f.code === 'LIFT_COMM_LOST').map((f) => site.lift(f.lift).slave));
    const healthy = b.slaves.filter((x) => !lost.has(x.slave));
    expect(healthy.length).toBeGreaterThanOrEqual(6);
    for (const s of healthy) {
      expect(s.ok, `slave ${s.slave}`).toBeGreaterThan(b.cycles * 0.7);
      expect(s.cycleMs!, `slave ${s.slave} cycle`).toBeLessThan(1500);
    }
    expect(rig.faults(SLOW)).toEqual([]);
  });

  it('a cut bus raises LIFT_COMM_LOST on its lifts and clears it once the port is back (reopened with backoff)', async () => {
    const from = rig.gw.store.journal.size;
    const port = [...site.buses.keys()].find((p) => p.endsWith('busB'))!;
    const lifts = BUS_B.map((d) => d.id).filter((id) => id !== DEAD);
    await site.unplug(port);
    await waitFor(() => lifts.every((id) => rig.faults(id, from).some((f) => f.code === 'LIFT_COMM_LOST')), 5000, 'comm lost on the cut bus');
    expect(rig.faults('a1', from)).toEqual([]); // the other bus is untouched
    const plugAt = Date.now();
    await site.replug(port);
    site.lift(DEAD).bus!.sim.setFaults(site.lift(DEAD).slave!, { dead: true });
    await waitFor(() => lifts.every((id) => rig.service.state(id)!.online), 3000, 'readings again');
    expect(Date.now() - plugAt).toBeLessThan(2500);
    await waitFor(() => lifts.every((id) => rig.faults(id, from).some((f) => f.kind === 'clear' && f.code === 'LIFT_COMM_LOST')), 3000, 'cleared');
  });
});

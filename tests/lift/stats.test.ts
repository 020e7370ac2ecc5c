/**
 * Lifecycle times, monthly statistics, repeat faults, worst lifts and the maintenance schedule, on a
 * real SQLite journal with records at chosen times; the lift tables rebuild identically from it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/store/journal.js';
import { signerFromSeed } from '../../src/store/keys.js';
import { liftProjection, type FaultRow } from '../../src/lift/projection.js';
import { faultTimes, localMidnight, monthOf, monthRange, monthlyStats, repeatFaults, worstLifts } from '../../src/lift/stats.js';
import { plannedDates, scheduleFor } from '../../src/lift/maintenance.js';
import { loadConfig } from '../../src/core/config.js';

const TZ = 'Asia/Shanghai';
const H = 3_600_000;
const D = 24 * H;
const cfg = loadConfig({ env: {} }).lift;

let journal: Journal | null = null;
afterEach(async () => {
  await journal?.close();
  journal = null;
});

function open(): Journal {
  const dir = mkdtempSync(join(tmpdir(), 'sealift-liftstats-'));
  journal = Journal.open({ path: join(dir, 'sealift.db'), gw: 't', key: signerFromSeed('sealift/t', Buffer.alloc(32, 3)), groupCommitMs: 0 });
  journal.registerProjection(liftProjection);
  return journal;
}

let n = 0;
async function fault(j: Journal, lift: string, code: string, raisedAt: number, steps: [string, number, string?][] = [], clearedAt?: number): Promise<string> {
  const faultId = `F${++n}`;
  await j.append({ kind: 'lift.fault.raise', subject: lift, ts: raisedAt, data: { faultId, code, gb: null, severity: code === 'LIFT_TRAPPED' ? 'critical' : 'major' } });
  for (const [step, at, assignee] of steps) {
    await j.append({ kind: 'lift.fault.step', subject: lift, actor: 'weibao', ts: at, data: { faultId, code, step, ...(assignee ? { assignee } : {}) } });
  }
  if (clearedAt !== undefined) await j.append({ kind: 'lift.fault.clear', subject: lift, ts: clearedAt, data: { faultId, code } });
  return faultId;
}

const row = (j: Journal, id: string): FaultRow => j.db.prepare('SELECT * FROM lift_faults WHERE fault_id = ?').get(id) as FaultRow;

describe('lifecycle times', () => {
  it('response = acknowledged − raised, arrival = arrived − raised, repair = resolved − arrived; skipped steps have none', async () => {
    const j = open();
    const t = Date.UTC(2025, 10, 3, 2, 0, 0);
    const id = await fault(
      j,
      'L1',
      'LIFT_TRAPPED',
      t,
      [
        ['acknowledged', t + 45_000],
        ['dispatched', t + 60_000, '王师傅'],
        ['arrived', t + 18 * 60_000],
        ['resolved', t + 25 * 60_000],
        ['closed', t + 30 * 60_000],
      ],
      t + 24 * 60_000,
    );
    const r = row(j, id);
    expect(r).toMatchObject({ status: 'closed', assignee: '王师傅', acknowledged_by: 'weibao', cleared_at: t + 24 * 60_000, closed_at: t + 30 * 60_000 });
    expect(faultTimes(r)).toEqual({ responseSec: 45, arrivalSec: 1080, repairSec: 420 });
    const skipped = await fault(j, 'L1', 'LIFT_POWER_LOSS', t, [['arrived', t + 600_000]]);
    expect(faultTimes(row(j, skipped))).toEqual({ responseSec: null, arrivalSec: 600, repairSec: null });
  });
});

describe('monthly statistics', () => {
  it('counts by code, entrapments, false alarms, MTBF and mean times per lift, in the gateway time zone', async () => {
    const j = open();
    const { from, to } = monthRange('2025-11', TZ);
    expect(new Date(from).toISOString()).toBe('2025-10-31T16:00:00.000Z'); // 1 Nov 00:00 Beijing
    expect(new Date(to).toISOString()).toBe('2025-11-30T16:00:00.000Z');
    expect(monthOf(from, TZ)).toBe('2025-11');
    expect(monthOf(from - 1, TZ)).toBe('2025-10');
    // L1: two entrapments, one door fault, one false alarm, one comm loss (link), one in October
    await fault(j, 'L1', 'LIFT_TRAPPED', from + 1 * D, [['acknowledged', from + 1 * D + 60_000], ['arrived', from + 1 * D + 20 * 60_000], ['resolved', from + 1 * D + 30 * 60_000]]);
    await fault(j, 'L1', 'LIFT_TRAPPED', from + 10 * D, [['acknowledged', from + 10 * D + 120_000], ['arrived', from + 10 * D + 10 * 60_000], ['resolved', from + 10 * D + 50 * 60_000]]);
    await fault(j, 'L1', 'LIFT_DOOR_CLOSE_FAULT', from + 12 * D);
    await fault(j, 'L1', 'LIFT_ALARM_BUTTON', from + 13 * D, [['false_alarm', from + 13 * D + 5000]]);
    await fault(j, 'L1', 'LIFT_COMM_LOST', from + 14 * D);
    await fault(j, 'L1', 'LIFT_DOOR_OPEN_FAULT', from - 1);
    const lifts = [
      { id: 'L1', name: '一号梯', addedAt: from - 100 * D },
      { id: 'L2', name: null, addedAt: from + 15 * D },
    ];
    const [l1, l2] = monthlyStats(j.db, lifts, '2025-11', TZ, to + D);
    expect(l1).toMatchObject({
      lift: 'L1',
      month: '2025-11',
      faults: 3,
      byCode: { LIFT_TRAPPED: 2, LIFT_DOOR_CLOSE_FAULT: 1, LIFT_COMM_LOST: 1 },
      entrapments: 2,
      falseAlarms: 1,
      linkFaults: 1,
      monitoredHours: 720,
      mtbfHours: 240,
      meanResponseSec: 90,
      meanArrivalSec: 900,
      meanRepairSec: 1500,
    });
    // monitored only since provisioning, no fault: no MTBF
    expect(l2).toMatchObject({ faults: 0, monitoredHours: 360, mtbfHours: null, meanResponseSec: null });
    // the month in progress counts up to now
    const [partial] = monthlyStats(j.db, lifts, '2025-11', TZ, from + 30 * H);
    expect(partial!.monitoredHours).toBe(30);
  });

  it('local midnight follows the zone', () => {
    expect(new Date(localMidnight('UTC', 2025, 3, 30)).toISOString()).toBe('2025-03-30T00:00:00.000Z');
    expect(new Date(localMidnight('Europe/Berlin', 2025, 3, 31)).toISOString()).toBe('2025-03-30T22:00:00.000Z'); // after DST
  });
});

describe('repeat faults and worst lifts', () => {
  it('same code ≥ 3 in 7 days or ≥ 5 in 30 days, or a second entrapment in 30 days; false alarms do not count', async () => {
    const j = open();
    const now = Date.UTC(2025, 10, 20);
    for (const d of [1, 3, 6]) await fault(j, 'A', 'LIFT_DOOR_CLOSE_FAULT', now - d * D);
    for (const d of [2, 9, 15, 22, 29]) await fault(j, 'B', 'LIFT_POWER_LOSS', now - d * D);
    for (const d of [5, 25]) await fault(j, 'C', 'LIFT_TRAPPED', now - d * D);
    await fault(j, 'D', 'LIFT_TRAPPED', now - 2 * D);
    await fault(j, 'D', 'LIFT_TRAPPED', now - 31 * D); // outside 30 days
    for (const d of [1, 2]) await fault(j, 'E', 'LIFT_DOOR_CLOSE_FAULT', now - d * D);
    await fault(j, 'E', 'LIFT_DOOR_CLOSE_FAULT', now - 3 * D, [['false_alarm', now - 3 * D + 1000]]);
    for (const d of [1, 8, 9, 20]) await fault(j, 'F', 'LIFT_OVERHEAT', now - d * D); // 1 in 7 days, 4 in 30

    const rep = repeatFaults(j.db, now, cfg.repeat);
    const by = (lift: string) => rep.find((r) => r.lift === lift);
    expect(by('A')).toMatchObject({ code: 'LIFT_DOOR_CLOSE_FAULT', reasons: ['same_code_short'], shortCount: 3, longCount: 3 });
    expect(by('B')).toMatchObject({ code: 'LIFT_POWER_LOSS', reasons: ['same_code_long'], shortCount: 1, longCount: 5 });
    expect(by('C')).toMatchObject({ code: 'LIFT_TRAPPED', reasons: ['repeat_entrapment'] });
    expect(by('C')!.faultIds).toHaveLength(2);
    expect(by('D')).toBeUndefined();
    expect(by('E')).toBeUndefined();
    expect(by('F')).toBeUndefined();
    expect(repeatFaults(j.db, now, cfg.repeat, 'A')).toHaveLength(1);

    const lifts = ['A', 'B', 'C', 'D', 'E', 'F'].map((id) => ({ id, name: null, addedAt: 0 }));
    const worst = worstLifts(j.db, lifts, now - 30 * D, now, 3);
    expect(worst.map((w) => [w.lift, w.faults, w.entrapments])).toEqual([
      ['B', 5, 0],
      ['F', 4, 0],
      ['A', 3, 0],
    ]);
  });
});

describe('maintenance schedule (TSG T5002)', () => {
  const m = cfg.maintenance;
  it('counts each type from the last visit of that type or longer, else from provisioning', () => {
    const added = Date.UTC(2025, 0, 1);
    const now = added + 100 * D;
    const s = scheduleFor('L1', [{ visit_id: 'V1', type: 'half_monthly', closed_at: added + 90 * D }, { visit_id: 'V2', type: 'quarterly', closed_at: added + 80 * D }], added, now, m);
    const by = Object.fromEntries(s.map((e) => [e.type, e]));
    expect(by.half_monthly).toMatchObject({ lastVisitId: 'V1', dueAt: added + 105 * D, status: 'ok' });
    expect(by.quarterly).toMatchObject({ lastVisitId: 'V2', dueAt: added + 170 * D, status: 'ok' });
    expect(by.half_yearly).toMatchObject({ lastVisitId: null, dueAt: added + 180 * D, status: 'ok' });
    // a yearly visit covers every shorter type
    const y = scheduleFor('L1', [{ visit_id: 'Y', type: 'yearly', closed_at: added + 99 * D }], added, now, m);
    expect(y.map((e) => e.lastVisitId)).toEqual(['Y', 'Y', 'Y', 'Y']);
    // due within 3 days, overdue after the date
    expect(scheduleFor('L1', [], added, added + 13 * D, m)[0]!.status).toBe('due');
    expect(scheduleFor('L1', [], added, added + 16 * D, m)[0]!.status).toBe('overdue');
  });

  it('plans the dates of a calendar range', () => {
    const added = Date.UTC(2025, 0, 1);
    const [hm] = scheduleFor('L1', [], added, added, m);
    expect(plannedDates(hm!, added, added + 61 * D, m).map((t) => (t - added) / D)).toEqual([15, 30, 45, 60]);
    const [late] = scheduleFor('L1', [], added, added + 20 * D, m);
    expect(plannedDates(late!, added + 20 * D, added + 40 * D, m).map((t) => (t - added) / D)).toEqual([15, 30]);
  });
});

describe('the lift tables are derived', () => {
  it('rebuild from the journal to the same content', async () => {
    const j = open();
    const t = Date.UTC(2025, 10, 1);
    await fault(j, 'L1', 'LIFT_TRAPPED', t, [['acknowledged', t + 1000], ['false_alarm', t + 2000]], t + 3000);
    await fault(j, 'L2', 'LIFT_OVERHEAT', t + 10, [], undefined);
    await j.append({ kind: 'lift.mode', subject: 'L1', data: { mode: 'inspection', prev: 'normal', profile: 'lift-modbus' } });
    await j.append({ kind: 'device.offline', subject: 'L2', data: { profile: 'lift-kit-mqtt', reason: 'last_will' } });
    await j.append({ kind: 'device.offline', subject: 'seal-1', data: { profile: 'seal-mqtt' } });
    await j.append({ kind: 'lift.maintenance', subject: 'L1', actor: 'weibao', data: { op: 'open', visitId: 'V1', type: 'quarterly', technicians: ['王'] } });
    await j.append({ kind: 'lift.maintenance', subject: 'L1', actor: 'weibao', data: { op: 'close', visitId: 'V1', type: 'quarterly', items: ['a'] } });
    await j.append({ kind: 'lift.maintenance.alert', subject: 'L2', data: { type: 'half_monthly', status: 'due', dueAt: t } });
    const dump = () =>
      Object.fromEntries(
        ['lift_state', 'lift_faults', 'lift_fault_steps', 'lift_visits', 'lift_maint_alerts'].map((tb) => [tb, j.db.prepare(`SELECT * FROM ${tb} ORDER BY 1`).all()]),
      );
    const before = dump();
    expect(before.lift_state).toEqual([
      expect.objectContaining({ lift_id: 'L1', mode: 'inspection', open_faults: 0, visit_id: null }),
      expect.objectContaining({ lift_id: 'L2', online: 0, open_faults: 1, last_fault_code: 'LIFT_OVERHEAT' }),
    ]);
    j.rebuild();
    expect(dump()).toEqual(before);
  });
});

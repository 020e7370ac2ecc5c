/**
 * Fault statistics a maintenance firm is judged on (DESIGN §6.2), computed from the lift_faults
 * projection:
 *  - per fault: response time = acknowledged − raised, arrival time = arrived − raised,
 *    repair time = resolved − arrived;
 *  - per lift per month (months in the gateway's time zone): faults by code, entrapments, false
 *    alarms, MTBF (monitored hours ÷ lift faults; link faults and false alarms are not failures of the
 *    lift) and the mean response, arrival and repair times of the faults raised in the month;
 *  - repeat faults: the same code on one lift ≥ 3 times in 7 days or ≥ 5 times in 30 days, or a
 *    second entrapment within 30 days (false alarms not counted);
 *  - worst lifts: most lift faults in a window, then most entrapments.
 */
import { zonedParts } from '../core/time.js';
import type { Db } from '../store/db.js';
import { FAULTS, isFaultCode } from './catalog.js';
import type { LiftConfig } from './config.js';
import type { FaultRow } from './projection.js';

/** Device ids in code-point order (ids are ASCII; no locale collation data loaded for them). */
export const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface FaultTimes {
  responseSec: number | null;
  arrivalSec: number | null;
  repairSec: number | null;
}

const sec = (a: number | null, b: number | null): number | null => (a !== null && b !== null ? Math.round((a - b) / 100) / 10 : null);

export function faultTimes(f: Pick<FaultRow, 'raised_at' | 'acknowledged_at' | 'arrived_at' | 'resolved_at'>): FaultTimes {
  return {
    responseSec: sec(f.acknowledged_at, f.raised_at),
    arrivalSec: sec(f.arrived_at, f.raised_at),
    repairSec: sec(f.resolved_at, f.arrived_at),
  };
}

/** Offset of `tz` from UTC at instant `at`, in ms (positive east of Greenwich). */
export function tzOffsetMs(tz: string, at: number): number {
  const p = zonedParts(at, tz);
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** Local midnight of year-month-day in `tz`, as epoch ms. */
export function localMidnight(tz: string, year: number, month: number, day = 1): number {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - tzOffsetMs(tz, guess);
  return guess - tzOffsetMs(tz, first);
}

/** `YYYY-MM` → [from, to) in `tz`. */
export function monthRange(month: string, tz: string): { from: number; to: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new RangeError(`month ${JSON.stringify(month)} is not YYYY-MM`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return { from: localMidnight(tz, y, mo), to: mo === 12 ? localMidnight(tz, y + 1, 1) : localMidnight(tz, y, mo + 1) };
}

/** The month (YYYY-MM) an instant falls in, in `tz`. */
export function monthOf(at: number, tz: string): string {
  const d = new Date(at + tzOffsetMs(tz, at));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export interface LiftRef {
  id: string;
  name: string | null;
  /** When the lift was provisioned (monitoring starts). */
  addedAt: number;
}

export interface MonthlyStats {
  lift: string;
  name: string | null;
  month: string;
  /** Lift faults (link faults and false alarms excluded). */
  faults: number;
  byCode: Record<string, number>;
  entrapments: number;
  falseAlarms: number;
  linkFaults: number;
  monitoredHours: number;
  /** Monitored hours ÷ lift faults; null without a fault. */
  mtbfHours: number | null;
  meanResponseSec: number | null;
  meanArrivalSec: number | null;
  meanRepairSec: number | null;
}

const mean = (xs: (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 10) / 10;
};

const isLinkCode = (code: string): boolean => isFaultCode(code) && FAULTS[code].category === 'link';

export function faultsBetween(db: Db, from: number, to: number, lift?: string): FaultRow[] {
  return lift
    ? db.prepare<[string, number, number], FaultRow>('SELECT * FROM lift_faults WHERE lift_id = ? AND raised_at >= ? AND raised_at < ? ORDER BY raised_at').all(lift, from, to)
    : db.prepare<[number, number], FaultRow>('SELECT * FROM lift_faults WHERE raised_at >= ? AND raised_at < ? ORDER BY raised_at').all(from, to);
}

export function monthlyStats(db: Db, lifts: readonly LiftRef[], month: string, tz: string, now: number): MonthlyStats[] {
  const { from, to } = monthRange(month, tz);
  const rows = faultsBetween(db, from, to);
  return lifts.map((l) => {
    const mine = rows.filter((r) => r.lift_id === l.id);
    const real = mine.filter((r) => r.status !== 'false_alarm');
    const failures = real.filter((r) => !isLinkCode(r.code));
    const byCode: Record<string, number> = {};
    for (const r of real) byCode[r.code] = (byCode[r.code] ?? 0) + 1;
    const monitoredMs = Math.max(0, Math.min(to, now) - Math.max(from, l.addedAt));
    const times = real.map(faultTimes);
    return {
      lift: l.id,
      name: l.name,
      month,
      faults: failures.length,
      byCode,
      entrapments: real.filter((r) => r.code === 'LIFT_TRAPPED').length,
      falseAlarms: mine.length - real.length,
      linkFaults: real.length - failures.length,
      monitoredHours: Math.round((monitoredMs / HOUR) * 1000) / 1000,
      mtbfHours: failures.length > 0 ? Math.round((monitoredMs / HOUR / failures.length) * 1000) / 1000 : null,
      meanResponseSec: mean(times.map((t) => t.responseSec)),
      meanArrivalSec: mean(times.map((t) => t.arrivalSec)),
      meanRepairSec: mean(times.map((t) => t.repairSec)),
    };
  });
}

export type RepeatReason = 'same_code_short' | 'same_code_long' | 'repeat_entrapment';

export interface RepeatFault {
  lift: string;
  code: string;
  reasons: RepeatReason[];
  /** Occurrences within the short and the long window. */
  shortCount: number;
  longCount: number;
  lastAt: number;
  faultIds: string[];
}

export function repeatFaults(db: Db, now: number, rep: LiftConfig['repeat'], lift?: string): RepeatFault[] {
  const longFrom = now - rep.longDays * DAY;
  const shortFrom = now - rep.shortDays * DAY;
  const rows = faultsBetween(db, longFrom, now + 1, lift).filter((r) => r.status !== 'false_alarm');
  const groups = new Map<string, FaultRow[]>();
  for (const r of rows) {
    const k = `${r.lift_id}\u0000${r.code}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: RepeatFault[] = [];
  for (const g of groups.values()) {
    const shortCount = g.filter((r) => r.raised_at >= shortFrom).length;
    const reasons: RepeatReason[] = [];
    if (shortCount >= rep.shortCount) reasons.push('same_code_short');
    if (g.length >= rep.longCount) reasons.push('same_code_long');
    if (g[0]!.code === 'LIFT_TRAPPED' && g.length >= 2) reasons.push('repeat_entrapment');
    if (reasons.length === 0) continue;
    out.push({
      lift: g[0]!.lift_id,
      code: g[0]!.code,
      reasons,
      shortCount,
      longCount: g.length,
      lastAt: g[g.length - 1]!.raised_at,
      faultIds: g.map((r) => r.fault_id),
    });
  }
  return out.sort((a, b) => b.longCount - a.longCount || b.lastAt - a.lastAt);
}

export interface WorstLift {
  lift: string;
  name: string | null;
  faults: number;
  entrapments: number;
  byCode: Record<string, number>;
}

export function worstLifts(db: Db, lifts: readonly LiftRef[], from: number, to: number, n: number): WorstLift[] {
  const rows = faultsBetween(db, from, to).filter((r) => r.status !== 'false_alarm' && !isLinkCode(r.code));
  const names = new Map(lifts.map((l) => [l.id, l.name]));
  const by = new Map<string, WorstLift>();
  for (const r of rows) {
    let w = by.get(r.lift_id);
    if (!w) by.set(r.lift_id, (w = { lift: r.lift_id, name: names.get(r.lift_id) ?? null, faults: 0, entrapments: 0, byCode: {} }));
    w.faults++;
    if (r.code === 'LIFT_TRAPPED') w.entrapments++;
    w.byCode[r.code] = (w.byCode[r.code] ?? 0) + 1;
  }
  return [...by.values()].sort((a, b) => b.faults - a.faults || b.entrapments - a.entrapments || byId(a.lift, b.lift)).slice(0, n);
}

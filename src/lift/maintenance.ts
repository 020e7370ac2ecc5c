/**
 * Maintenance schedule per TSG T5002 (电梯维护保养规则): half-monthly, quarterly, half-yearly and yearly
 * visits per lift. A visit of a longer type covers the shorter ones (a yearly visit includes the
 * quarterly, half-yearly and half-monthly items), so the next due date of a type counts from the last
 * closed visit of that type or longer; a lift never visited counts from its provisioning.
 * Pure functions: the feature runs them on a cron schedule (croner) and journals due/overdue alerts once each.
 */
import { VISIT_TYPES, type LiftConfig, type VisitType } from './config.js';

export type ScheduleStatus = 'ok' | 'due' | 'overdue';

export interface ScheduleEntry {
  lift: string;
  type: VisitType;
  /** Last closed visit covering this type (epoch ms), null if none. */
  lastDoneAt: number | null;
  lastVisitId: string | null;
  dueAt: number;
  status: ScheduleStatus;
}

export interface ClosedVisit {
  visit_id: string;
  type: string;
  closed_at: number;
}

const DAY = 86_400_000;

export const visitRank = (t: string): number => VISIT_TYPES.indexOf(t as VisitType);

export function scheduleFor(
  lift: string,
  visits: readonly ClosedVisit[],
  anchorAt: number,
  now: number,
  m: LiftConfig['maintenance'],
): ScheduleEntry[] {
  return VISIT_TYPES.map((type) => {
    const rank = visitRank(type);
    let last: ClosedVisit | null = null;
    for (const v of visits) if (visitRank(v.type) >= rank && (last === null || v.closed_at > last.closed_at)) last = v;
    const base = last?.closed_at ?? anchorAt;
    const dueAt = base + m.intervalDays[type] * DAY;
    const status: ScheduleStatus = now > dueAt ? 'overdue' : dueAt - now <= m.dueSoonDays * DAY ? 'due' : 'ok';
    return { lift, type, lastDoneAt: last?.closed_at ?? null, lastVisitId: last?.visit_id ?? null, dueAt, status };
  });
}

/** Planned visit dates of one schedule entry within [from, to): the due date, then every interval. */
export function plannedDates(e: ScheduleEntry, from: number, to: number, m: LiftConfig['maintenance'], max = 400): number[] {
  const step = m.intervalDays[e.type] * DAY;
  const out: number[] = [];
  // the pending visit (even if overdue: it is still to be done), then one every interval
  if (e.dueAt < to && (e.dueAt >= from || e.status === 'overdue')) out.push(e.dueAt);
  const k = Math.max(1, Math.ceil((from - e.dueAt) / step));
  for (let t = e.dueAt + k * step; t < to && out.length < max; t += step) out.push(t);
  return out;
}

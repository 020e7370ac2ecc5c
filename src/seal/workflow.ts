/**
 * The stamp workflow's rules (DESIGN §6.1) as pure functions: checking a new request, who may
 * decide, working hours, the time a device event is judged at, and which anomalies a stamp, a
 * sleeve opening or a device clock shows. No I/O here: the service (service.ts) feeds them the
 * current state from the projection and journals what they return.
 */
import type { SealConfig, WorkingHours } from './config.js';
import { FINAL_STATES, LIVE_GRANT_STATES, type AnomalyCode, type FileRequestBody, type GrantState, type MatterType, type RequestState } from './model.js';
import { zonedParts } from '../core/time.js';

/** A refusal for the HTTP layer: status, stable code, human reason. */
export interface Problem {
  status: 400 | 403 | 404 | 409;
  error: string;
  message: string;
}
export const problem = (status: Problem['status'], error: string, message: string): Problem => ({ status, error, message });
export const isProblem = (v: unknown): v is Problem =>
  typeof v === 'object' && v !== null && 'status' in v && 'error' in v && 'message' in v;

// ---------------------------------------------------------------------------------------------
// Times

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * Epoch ms from a number or an ISO 8601 string (a date alone or a time without zone is Beijing
 * time, UTC+8). Returns a Problem naming the field when it cannot be read.
 */
export function parseTimeInput(v: number | string | undefined, field: string): number | undefined | Problem {
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return problem(400, 'invalid_request', `${field}: not a valid epoch-millisecond time`);
    return v;
  }
  let s = v.trim();
  if (/^\d{1,16}$/.test(s)) return Number(s);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00+08:00';
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s = s.replace(' ', 'T') + '+08:00';
  const ms = /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : NaN;
  if (Number.isNaN(ms)) return problem(400, 'invalid_request', `${field}: "${v}" is not an ISO 8601 time (e.g. 2025-11-22T09:30:00+08:00) nor epoch milliseconds`);
  return ms;
}

// ---------------------------------------------------------------------------------------------
// New requests

export interface NewRequest {
  seal: string;
  matter: MatterType;
  title: string;
  count: number;
  notBefore: number;
  notAfter: number;
  note: string | null;
}

/** Checks a request as filed (schema already checked): count, seal, window. */
export function checkNewRequest(
  body: FileRequestBody,
  opts: { cfg: SealConfig; now: number; sealKnown: (id: string) => boolean },
): NewRequest | Problem {
  const { cfg, now } = opts;
  if (!Number.isSafeInteger(body.count) || body.count < 1) return problem(400, 'invalid_count', 'count: must be at least 1 stamp');
  if (body.count > cfg.maxStampsPerRequest) {
    return problem(400, 'invalid_count', `count: ${body.count} stamps is more than the ${cfg.maxStampsPerRequest} one request may ask for`);
  }
  if (!opts.sealKnown(body.seal)) return problem(400, 'unknown_seal', `seal: no seal sleeve "${body.seal}" is provisioned on this gateway`);
  const title = body.title.trim();
  if (title === '') return problem(400, 'invalid_request', 'title: must not be blank');
  const nb = parseTimeInput(body.notBefore, 'notBefore');
  if (isProblem(nb)) return nb;
  const na = parseTimeInput(body.notAfter, 'notAfter');
  if (isProblem(na)) return na;
  const notBefore = nb ?? now;
  const notAfter = na ?? notBefore + cfg.defaultWindowMin * MIN;
  const w = checkWindow(notBefore, notAfter, now, cfg);
  if (w) return w;
  return { seal: body.seal, matter: body.matter, title, count: body.count, notBefore, notAfter, note: body.note?.trim() || null };
}

export function checkWindow(notBefore: number, notAfter: number, now: number, cfg: SealConfig): Problem | undefined {
  if (notAfter <= notBefore) return problem(400, 'invalid_window', 'notAfter: the window must end after it starts');
  if (notAfter <= now) return problem(400, 'invalid_window', 'notAfter: the window is in the past');
  if (notBefore < now - cfg.pastSlackMin * MIN) {
    return problem(400, 'invalid_window', `notBefore: the window starts in the past (more than ${cfg.pastSlackMin} min ago)`);
  }
  if (notBefore > now + cfg.maxAdvanceDays * DAY) {
    return problem(400, 'invalid_window', `notBefore: the window starts more than ${cfg.maxAdvanceDays} days ahead`);
  }
  if (notAfter - notBefore > cfg.maxWindowHours * HOUR) {
    return problem(400, 'invalid_window', `the window is longer than ${cfg.maxWindowHours} hours`);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Decisions

export interface RequestFacts {
  id: string;
  requester: string;
  state: RequestState;
  escalated: boolean;
  notAfter: number;
}

/**
 * May `user` decide this request now? 'self' when they filed it (refused: the request escalates
 * to another approver, the township); a Problem when its state does not allow a decision.
 */
export function decisionCheck(req: RequestFacts, user: string, now: number): 'ok' | 'self' | Problem {
  if (req.requester === user) return 'self';
  if (req.state !== 'requested') return problem(409, 'invalid_state', `request ${req.id} is ${req.state}; only a requested one can be decided`);
  if (req.notAfter <= now) return problem(409, 'invalid_state', `request ${req.id}: its window has passed`);
  return 'ok';
}

export function withdrawCheck(req: RequestFacts, user: string): 'ok' | Problem {
  if (req.requester !== user) return problem(403, 'forbidden', `only the requester (${req.requester}) may withdraw request ${req.id}`);
  if (FINAL_STATES.includes(req.state)) return problem(409, 'invalid_state', `request ${req.id} is already ${req.state}`);
  return 'ok';
}

// ---------------------------------------------------------------------------------------------
// Working hours

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Local date `YYYY-MM-DD`, ISO weekday and minute of the day of `ms` in `tz`. */
export function localTime(ms: number, tz: string): { date: string; weekday: number; minute: number } {
  const p = zonedParts(ms, tz);
  return { date: `${p.year}-${p.month}-${p.day}`, weekday: WEEKDAY[p.weekday] ?? 0, minute: Number(p.hour) * 60 + Number(p.minute) };
}

/** The set of ISO weekdays in a "1-5,7" spec. */
export function parseDays(spec: string): Set<number> {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    for (let d = a; d <= (b ?? a); d++) out.add(d);
  }
  return out;
}

const hhmm = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/** Is `ms` inside working hours? Holidays remove a working day, workdays add a make-up day. */
export function isWorkingTime(ms: number, wh: WorkingHours): boolean {
  const t = localTime(ms, wh.timezone);
  const start = hhmm(wh.start);
  const end = hhmm(wh.end);
  if (end <= start) return false;
  let working = parseDays(wh.days).has(t.weekday);
  if (wh.holidays.includes(t.date)) working = false;
  if (wh.workdays.includes(t.date)) working = true;
  return working && t.minute >= start && t.minute < end;
}

// ---------------------------------------------------------------------------------------------
// Device time

export interface ClockFacts {
  /** The sleeve clock was found good in this boot (a fresh HELLO within the skew, or a TIME sync acknowledged). */
  trusted: boolean;
}

/** Why a device time is invalid against the gateway time, or null. `fresh`: the event was just made (HELLO). */
const minValidCache = new Map<string, number>();
export function clockProblem(deviceTime: number, gatewayTime: number, cfg: SealConfig, fresh: boolean): string | null {
  let minValid = minValidCache.get(cfg.minValidTime);
  if (minValid === undefined) minValidCache.set(cfg.minValidTime, (minValid = Date.parse(cfg.minValidTime)));
  const skewMs = cfg.maxClockSkewSec * 1000;
  if (deviceTime < minValid) return `device time ${new Date(deviceTime).toISOString()} is before ${cfg.minValidTime} (clock reset)`;
  if (deviceTime > gatewayTime + skewMs) return `device clock is ${Math.round((deviceTime - gatewayTime) / 1000)} s ahead of the gateway`;
  if (fresh && deviceTime < gatewayTime - skewMs) return `device clock is ${Math.round((gatewayTime - deviceTime) / 1000)} s behind the gateway`;
  return null;
}

/**
 * The time a device event is judged at (windows, working hours). Gateway time, except for a late
 * (buffered) event from a sleeve whose clock is trusted in this boot: then its device time, as
 * long as it is plausible (not ahead of the gateway beyond the skew, not older than
 * seal.maxBufferedAgeHours). Both times are always recorded.
 */
export function judgeTime(
  deviceTime: number,
  gatewayTime: number,
  clock: ClockFacts,
  cfg: SealConfig,
): { time: number; basis: 'gateway' | 'device' } {
  const skewMs = cfg.maxClockSkewSec * 1000;
  const late = deviceTime < gatewayTime - skewMs;
  if (
    clock.trusted &&
    late &&
    deviceTime >= gatewayTime - cfg.maxBufferedAgeHours * HOUR &&
    clockProblem(deviceTime, gatewayTime, cfg, false) === null
  ) {
    return { time: deviceTime, basis: 'device' };
  }
  return { time: gatewayTime, basis: 'gateway' };
}

// ---------------------------------------------------------------------------------------------
// Stamp rules

export interface GrantFacts {
  id: string;
  seal: string;
  request: string;
  uses: number;
  /** Stamps already counted against this grant (before this one). */
  used: number;
  notBefore: number;
  notAfter: number;
  state: GrantState;
}

export interface StampFacts {
  seal: string;
  grant: string | null;
  n: number;
  photo: string | null;
  impression: boolean;
  /** judgeTime() of the stamp */
  time: number;
}

export interface Finding {
  code: AnomalyCode;
  detail: Record<string, unknown>;
}

/**
 * Anomalies of one stamp (photo arrival is judged later, by the photo deadline): no live grant,
 * over the count, outside the window or working hours, no impression, no photo at all.
 */
export function stampFindings(s: StampFacts, grant: GrantFacts | undefined, cfg: SealConfig): Finding[] {
  const out: Finding[] = [];
  if (s.grant === null) out.push({ code: 'STAMP_WITHOUT_GRANT', detail: { reason: 'the stamp names no grant' } });
  else if (!grant) out.push({ code: 'STAMP_WITHOUT_GRANT', detail: { reason: `grant ${s.grant} is unknown` } });
  else if (grant.seal !== s.seal) out.push({ code: 'STAMP_WITHOUT_GRANT', detail: { reason: `grant ${s.grant} is for seal ${grant.seal}` } });
  else if (grant.state === 'revoked') out.push({ code: 'STAMP_WITHOUT_GRANT', detail: { reason: `grant ${s.grant} was revoked` } });
  else {
    const count = grant.used + 1;
    if (count > grant.uses || s.n > grant.uses) {
      out.push({ code: 'STAMP_OVER_COUNT', detail: { uses: grant.uses, count, n: s.n } });
    }
    if (s.time < grant.notBefore || s.time > grant.notAfter || grant.state === 'expired') {
      out.push({ code: 'STAMP_OUTSIDE_WINDOW', detail: { notBefore: grant.notBefore, notAfter: grant.notAfter, at: s.time } });
    }
  }
  if (!isWorkingTime(s.time, cfg.workingHours)) {
    out.push({ code: 'STAMP_OUT_OF_HOURS', detail: { at: s.time, hours: `${cfg.workingHours.days} ${cfg.workingHours.start}-${cfg.workingHours.end} ${cfg.workingHours.timezone}` } });
  }
  if (!s.impression) out.push({ code: 'STAMP_NO_IMPRESSION', detail: {} });
  if (s.photo === null) out.push({ code: 'STAMP_NO_PHOTO', detail: { reason: 'the sleeve took no photo' } });
  return out;
}

/** Is this grant live at `time` (the sleeve may stamp with it)? */
export function grantLive(g: GrantFacts, time: number): boolean {
  return LIVE_GRANT_STATES.includes(g.state) && g.used < g.uses && time >= g.notBefore && time <= g.notAfter;
}

/** Counter jump: stamps the gateway never saw (`expected` is the last counter known + stamps since). */
export function counterFinding(counter: number, last: number | null, isStamp: boolean): Finding | null {
  if (last === null) return null;
  const expected = isStamp ? last + 1 : last;
  if (counter === expected) return null;
  return {
    code: 'COUNTER_JUMP',
    detail: counter > expected ? { expected, counter, missing: counter - expected } : { expected, counter, backwards: true },
  };
}

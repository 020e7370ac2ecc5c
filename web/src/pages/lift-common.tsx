/**
 * What the maintainer pages (电梯看板, 故障, 统计, 维保计划) share: the lift API's shapes
 * (docs/api-lift.md), names of modes, doors, faults and steps in words, the timers against the
 * response and arrival targets, the lifecycle buttons, and the live feed.
 */
import { useEffect, useState } from 'preact/hooks';
import { errorText, get, post } from '../api.js';
import { isKey, t, type Key } from '../i18n.js';
import { formatDuration } from '../format.js';
import { href } from '../router.js';
import { useLive, type LiveHandlers, type LiveState } from '../sse.js';
import { Ago, Badge, Button, confirmDialog, Icon, Time, toast, useNow, type Tone } from '../ui/index.js';

// ------------------------------------------------------------------------------- API shapes

export type Severity = 'minor' | 'major' | 'critical';
export type Dir = 'up' | 'down' | 'stop';
export type Door = 'closed' | 'open' | 'closing' | 'opening';
export const STEPS = ['acknowledged', 'dispatched', 'arrived', 'resolved', 'closed', 'false_alarm'] as const;
export type Step = (typeof STEPS)[number];
export const LIFECYCLE = ['raised', 'acknowledged', 'dispatched', 'arrived', 'resolved', 'closed'] as const;
export type FaultStatus = (typeof LIFECYCLE)[number] | 'false_alarm';
export const VISIT_TYPES = ['half_monthly', 'quarterly', 'half_yearly', 'yearly'] as const;
export type VisitType = (typeof VISIT_TYPES)[number];

export interface Reading {
  running: boolean;
  dir: Dir;
  inZone: boolean;
  door: Door;
  person: boolean;
  floor: number | null;
  floorLabel: string;
  speedMmS: number | null;
  mode: string;
  loadPct: number | null;
  mainsOk: boolean;
  safetyCircuit: boolean | null;
  doorLockCircuit: boolean | null;
  alarmButton: boolean | null;
  topLimit: boolean;
  bottomLimit: boolean;
  overload: boolean | null;
  faultCode: number | null;
  runCount: number | null;
  runHours: number | null;
  doorCycles: number | null;
  tempC: number | null;
}

export interface LiftState {
  lift: string;
  name: string | null;
  profile: string;
  source: 'modbus' | 'kit';
  bus: string | null;
  slave: number | null;
  online: boolean;
  maintenance: string | null;
  mode: string | null;
  ts: number | null;
  reading: Reading | null;
  faults: { faultId: string; code: string; severity: Severity; raisedAt: number }[];
}

export interface Fault {
  faultId: string;
  lift: string;
  liftName: string | null;
  code: string;
  gb: number | null;
  severity: Severity;
  category: string | null;
  status: FaultStatus;
  active: boolean;
  raisedAt: number;
  clearedAt: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  dispatchedAt: number | null;
  dispatchedBy: string | null;
  assignee: string | null;
  arrivedAt: number | null;
  arrivedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  closedAt: number | null;
  closedBy: string | null;
  escalatedAt: number | null;
  responseSec: number | null;
  arrivalSec: number | null;
  repairSec: number | null;
}

export interface FaultStep {
  seq: number;
  step: Step;
  at: number;
  by: string | null;
  note: string | null;
  assignee?: string | null;
}

export interface FaultDetail extends Fault {
  reading: Partial<Reading> | null;
  detail: Record<string, unknown> | null;
  steps: FaultStep[];
}

export interface Visit {
  visitId: string;
  lift: string;
  type: VisitType;
  open: boolean;
  openedAt: number;
  openedBy: string | null;
  technicians: string[];
  closedAt: number | null;
  closedBy: string | null;
  items: string[];
  note: string | null;
  result: 'ok' | 'issues_found' | null;
}

export interface ScheduleEntry {
  lift: string;
  type: VisitType;
  lastDoneAt: number | null;
  lastVisitId: string | null;
  dueAt: number;
  status: 'ok' | 'due' | 'overdue';
  planned?: number[];
}

export interface Targets {
  responseSec: number;
  arrivalSec: number;
  escalateAfterSec: number;
}

/** An alert on the live feed (`fault` and `maintenance` events). */
export interface LiftAlert {
  event: string;
  ts: number;
  lift: { id: string; name: string | null };
  severity?: Severity;
  fault?: { faultId: string; code: string; status?: string };
}

// ------------------------------------------------------------------------------- words

const word = (key: string, fallback: string): string => (isKey(key) ? t(key as Key) : fallback);

export const liftName = (l: { lift: string; name?: string | null; liftName?: string | null }): string => l.name || l.liftName || l.lift;
export const faultName = (code: string): string => word(`liftFault.${code}`, code);
export const modeName = (mode: string | null): string => word(`liftMode.${mode ?? 'unknown'}`, mode ?? '—');
export const doorName = (door: Door): string => word(`liftDoor.${door}`, door);
export const stepName = (step: Step): string => t(`liftStep.${step}`);
export const statusName = (s: FaultStatus): string => t(`liftStatus.${s}`);
export const visitTypeName = (v: VisitType): string => t(`liftVisit.${v}`);
export const severityName = (s: Severity): string => t(`liftSeverity.${s}`);

export const severityTone = (s: Severity): Tone => (s === 'critical' ? 'critical' : s === 'major' ? 'warn' : 'neutral');
export const severityRank = (s: Severity): number => (s === 'critical' ? 2 : s === 'major' ? 1 : 0);

/** Worst severity among a lift's open faults, or null. */
export function worstSeverity(faults: { severity: Severity }[]): Severity | null {
  let worst: Severity | null = null;
  for (const f of faults) if (worst === null || severityRank(f.severity) > severityRank(worst)) worst = f.severity;
  return worst;
}

export const isOpen = (f: Pick<Fault, 'status'>): boolean => f.status !== 'closed' && f.status !== 'false_alarm';

export function statusTone(f: Pick<Fault, 'status' | 'severity'>): Tone {
  switch (f.status) {
    case 'raised':
      return f.severity === 'critical' ? 'critical' : 'warn';
    case 'acknowledged':
    case 'dispatched':
    case 'arrived':
      return 'info';
    case 'resolved':
    case 'closed':
      return 'ok';
    default:
      return 'offline';
  }
}

/** Direction of travel as an arrow (up / down) or a bar (standing). */
export function DirArrow(props: { dir: Dir; size?: number }) {
  const s = props.size ?? 22;
  return (
    <svg class={`lift-dir lift-dir-${props.dir}`} viewBox="0 0 24 24" width={s} height={s} role="img" aria-label={t(`liftDir.${props.dir}`)}>
      {props.dir === 'up' && <path d="M12 4 20 15h-5v5H9v-5H4z" />}
      {props.dir === 'down' && <path d="M12 20 4 9h5V4h6v5h5z" />}
      {props.dir === 'stop' && <rect x="5" y="10.5" width="14" height="3" rx="1.5" />}
    </svg>
  );
}

export function SeverityBadge(props: { severity: Severity }) {
  return <Badge tone={severityTone(props.severity)}>{severityName(props.severity)}</Badge>;
}

export function FaultStatusBadge(props: { fault: Pick<Fault, 'status' | 'severity'> }) {
  return <Badge tone={statusTone(props.fault)}>{statusName(props.fault.status)}</Badge>;
}

/** A badge per open fault of a lift: red for critical ones, with how long it has lasted. */
export function FaultBadge(props: { code: string; severity: Severity; raisedAt: number }) {
  const now = useNow(props.severity === 'critical' ? 1000 : 30_000);
  return (
    <span class={`badge badge-${severityTone(props.severity)} lift-fault-badge`}>
      {props.severity === 'critical' && <Icon name="alert" size={14} />}
      {faultName(props.code)}
      {props.severity === 'critical' && <span class="lift-fault-badge-time">{formatDuration(now - props.raisedAt)}</span>}
    </span>
  );
}

// ------------------------------------------------------------------------------- targets and timers

let targetsCache: Targets | undefined;
let targetsLoad: Promise<Targets> | undefined;
const DEFAULT_TARGETS: Targets = { responseSec: 180, arrivalSec: 900, escalateAfterSec: 180 };

/** The site's response and arrival targets (GET /api/lifts/targets), loaded once. */
export function useTargets(): Targets {
  const [v, setV] = useState<Targets>(targetsCache ?? DEFAULT_TARGETS);
  useEffect(() => {
    if (targetsCache) return undefined;
    let live = true;
    targetsLoad ??= get<Targets>('/api/lifts/targets').then((x) => (targetsCache = x));
    targetsLoad.then(
      (x) => live && setV(x),
      () => {
        targetsLoad = undefined;
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return v;
}

export const minutes = (sec: number): string => {
  const m = sec / 60;
  return Number.isInteger(m) ? String(m) : m.toFixed(1);
};

/** green within 70 % of the target, amber up to it, red beyond. */
export function timerTone(elapsedMs: number, targetSec: number): 'ok' | 'warn' | 'late' {
  const r = elapsedMs / (targetSec * 1000);
  return r > 1 ? 'late' : r >= 0.7 ? 'warn' : 'ok';
}

/**
 * One time of a case against its target: "响应 1 分 20 秒 · 目标 3 分钟". Ticks every second while
 * the step is still to come; frozen once it is done; greyed when the case ended without it.
 */
export function TargetTimer(props: { kind: 'response' | 'arrival'; since: number; until: number | null; targetSec: number; ended: boolean }) {
  const running = props.until === null && !props.ended;
  const now = useNow(running ? 1000 : 3_600_000);
  const label = t(props.kind === 'response' ? 'liftTimer.response' : 'liftTimer.arrival');
  const target = t('liftTimer.target', { min: minutes(props.targetSec) });
  if (props.until === null && props.ended) {
    return (
      <div class="lift-timer lift-timer-none">
        <span class="lift-timer-label">{label}</span>
        <span class="lift-timer-value">{t('liftTimer.skipped')}</span>
        <span class="lift-timer-target">{target}</span>
      </div>
    );
  }
  const elapsed = (props.until ?? now) - props.since;
  const tone = timerTone(elapsed, props.targetSec);
  const state = running ? (tone === 'late' ? t('liftTimer.overdue') : t('liftTimer.running')) : tone === 'late' ? t('liftTimer.missed') : t('liftTimer.met');
  return (
    <div class={`lift-timer lift-timer-${tone}${running ? ' is-running' : ''}`} role="timer" aria-label={t('liftTimer.aria', { label, value: formatDuration(elapsed), target, state })}>
      <span class="lift-timer-label">
        {running && <span class="lift-timer-dot" aria-hidden="true" />}
        {label}
      </span>
      <span class="lift-timer-value">{formatDuration(elapsed)}</span>
      <span class="lift-timer-target">
        {target} · {state}
      </span>
    </div>
  );
}

// ------------------------------------------------------------------------------- lifecycle

/**
 * The steps the API accepts now (steps go forward only, may skip; closing needs "resolved" and
 * the condition gone; a false alarm ends the case any time before it is closed).
 */
export function allowedSteps(f: Pick<Fault, 'status' | 'active'>): { step: Step; disabled?: Key }[] {
  if (!isOpen(f)) return [];
  const cur = LIFECYCLE.indexOf(f.status as (typeof LIFECYCLE)[number]);
  const out: { step: Step; disabled?: Key }[] = [];
  for (const s of ['acknowledged', 'dispatched', 'arrived', 'resolved'] as const) if (LIFECYCLE.indexOf(s) > cur) out.push({ step: s });
  if (f.status === 'resolved') out.push(f.active ? { step: 'closed', disabled: 'liftAction.closeWhenCleared' } : { step: 'closed' });
  out.push({ step: 'false_alarm' });
  return out;
}

async function askStep(f: Fault, step: Step): Promise<Record<string, string> | null> {
  const what = `${liftName(f)} · ${faultName(f.code)}`;
  if (step === 'dispatched') {
    const who = await confirmDialog({
      title: t('liftAction.dispatchTitle'),
      message: what,
      confirmLabel: stepName('dispatched'),
      input: { label: t('liftAction.assignee'), required: true, placeholder: t('liftAction.assigneePlaceholder'), maxLength: 100 },
    });
    return who === null ? null : { assignee: who };
  }
  const note = await confirmDialog({
    title: t(`liftAction.${step}Title`),
    message: t('liftAction.message', { what, text: t(`liftAction.${step}Message`) }),
    confirmLabel: stepName(step),
    danger: step === 'false_alarm',
    input: {
      label: step === 'false_alarm' ? t('liftAction.reason') : t('liftAction.note'),
      required: step === 'false_alarm',
      placeholder: t(`liftAction.${step}Placeholder`),
      maxLength: 2000,
    },
  });
  if (note === null) return null;
  return note ? { note } : {};
}

/**
 * Record one step (asking for the assignee or a note first): the updated case, `null` when the
 * person cancelled, `false` when the gateway refused (said in a toast; the case has moved on).
 */
export async function recordStep(f: Fault, step: Step): Promise<FaultDetail | null | false> {
  const extra = await askStep(f, step);
  if (extra === null) return null;
  try {
    const r = await post<FaultDetail>(`/api/lifts/faults/${encodeURIComponent(f.faultId)}/steps`, { step, ...extra });
    toast(t('liftAction.done', { step: stepName(step), fault: faultName(f.code), lift: liftName(f) }), 'ok');
    return r;
  } catch (e) {
    toast(errorText(e), 'critical');
    return false;
  }
}

/** The lifecycle buttons of a case: the next step first (primary), later ones, 误报 last. */
export function StepButtons(props: { fault: Fault; onDone: (f: FaultDetail) => void; onStale?: () => void; compact?: boolean }) {
  const [busy, setBusy] = useState<Step | null>(null);
  const steps = allowedSteps(props.fault);
  if (steps.length === 0) return null;
  const first = steps.find((s) => !s.disabled && s.step !== 'false_alarm');
  const hint = steps.find((s) => s.disabled)?.disabled;
  return (
    <div class="lift-steps" role="group" aria-label={t('liftAction.group')}>
      {steps.map(({ step, disabled }) => (
        <Button
          key={step}
          small={props.compact}
          variant={step === first?.step ? 'primary' : step === 'false_alarm' ? 'ghost' : 'secondary'}
          icon={step === first?.step ? STEP_ICON[step] : undefined}
          busy={busy === step}
          disabled={!!disabled || (busy !== null && busy !== step)}
          title={disabled ? t(disabled) : undefined}
          onClick={async () => {
            setBusy(step);
            try {
              const r = await recordStep(props.fault, step);
              if (r) props.onDone(r);
              else if (r === false) props.onStale?.();
            } finally {
              setBusy(null);
            }
          }}
        >
          {stepName(step)}
        </Button>
      ))}
      {hint && <span class="lift-steps-hint">{t(hint)}</span>}
    </div>
  );
}

const STEP_ICON: Record<Step, Parameters<typeof Icon>[0]['name']> = {
  acknowledged: 'check',
  dispatched: 'user',
  arrived: 'lift',
  resolved: 'wrench',
  closed: 'check',
  false_alarm: 'close',
};

// ------------------------------------------------------------------------------- a case on screen

/**
 * A fault case as a card: what, where, since when, its state, the response and arrival times
 * against the targets, escalation, and the buttons for the next steps.
 */
export function FaultCard(props: { fault: Fault; targets: Targets; onChange: (f: FaultDetail) => void; onStale?: () => void; link?: boolean }) {
  const f = props.fault;
  const open = isOpen(f);
  const cls = ['lift-case', `lift-case-${f.severity}`, open ? 'is-open' : 'is-done', f.active ? 'is-active' : ''].filter(Boolean).join(' ');
  const title = faultName(f.code);
  return (
    <article class={cls} aria-label={`${title} · ${liftName(f)}`}>
      <header class="lift-case-head">
        <div class="lift-case-what">
          <h3 class="lift-case-title">
            {f.severity === 'critical' && <Icon name="alert" size={20} />}
            {props.link === false ? title : <a href={href(`/maintainer/faults/${encodeURIComponent(f.faultId)}`)}>{title}</a>}
          </h3>
          <p class="lift-case-where">
            <a href={href(`/maintainer/board/${encodeURIComponent(f.lift)}`)} class="lift-case-lift">
              <Icon name="lift" size={16} />
              {liftName(f)}
            </a>
            <span class="muted">
              {t('liftCase.raisedAt')} <Time ms={f.raisedAt} /> · <Ago ms={f.raisedAt} />
            </span>
          </p>
        </div>
        <div class="lift-case-badges">
          <SeverityBadge severity={f.severity} />
          <FaultStatusBadge fault={f} />
          {f.active ? (
            <Badge tone="critical">{t('liftCase.active')}</Badge>
          ) : (
            f.clearedAt !== null && <Badge tone="ok">{t('liftCase.cleared')}</Badge>
          )}
          {f.escalatedAt !== null && (
            <Badge tone="critical" title={t('liftCase.escalatedHint')}>
              {t('liftCase.escalated')}
            </Badge>
          )}
          {f.gb !== null && <span class="lift-gb">{t('liftCase.gb', { gb: f.gb })}</span>}
        </div>
      </header>
      {f.status !== 'false_alarm' && (
        <div class="lift-timers">
          <TargetTimer kind="response" since={f.raisedAt} until={f.acknowledgedAt} targetSec={props.targets.responseSec} ended={!open} />
          <TargetTimer kind="arrival" since={f.raisedAt} until={f.arrivedAt} targetSec={props.targets.arrivalSec} ended={!open || f.resolvedAt !== null} />
          {f.repairSec !== null && (
            <div class="lift-timer lift-timer-plain">
              <span class="lift-timer-label">{t('liftTimer.repair')}</span>
              <span class="lift-timer-value">{formatDuration(f.repairSec * 1000)}</span>
              <span class="lift-timer-target">{t('liftTimer.repairHint')}</span>
            </div>
          )}
        </div>
      )}
      {(f.assignee || f.escalatedAt !== null) && (
        <p class="lift-case-facts">
          {f.assignee && (
            <span>
              <Icon name="user" size={16} />
              {t('liftCase.assignee', { name: f.assignee })}
            </span>
          )}
          {f.escalatedAt !== null && (
            <span class="lift-bad">
              <Icon name="alert" size={16} />
              {t('liftCase.escalatedAt')}
              <Time ms={f.escalatedAt} />
            </span>
          )}
        </p>
      )}
      {open && <StepButtons fault={f} onDone={props.onChange} onStale={props.onStale} />}
    </article>
  );
}

// ------------------------------------------------------------------------------- live feed

/** The lift live feed (GET /api/lifts/stream): `snapshot`, `state`, `fault`, `maintenance`. */
export function useLiftFeed(handlers: LiveHandlers): LiveState {
  return useLive('/api/lifts/stream', handlers);
}

/** Call `fn` at most every `ms` (a burst of alerts reloads a list once). */
export function throttle(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
}

/** Lift id → name, from GET /api/lifts (for lists that carry only the id). */
export function useLiftNames(): { names: Map<string, string>; lifts: LiftState[] | undefined } {
  const [lifts, setLifts] = useState<LiftState[] | undefined>(undefined);
  useEffect(() => {
    const ctl = new AbortController();
    get<{ lifts: LiftState[] }>('/api/lifts', ctl.signal).then(
      (r) => setLifts(r.lifts),
      () => undefined,
    );
    return () => ctl.abort();
  }, []);
  return { names: new Map((lifts ?? []).map((l) => [l.lift, liftName(l)])), lifts };
}

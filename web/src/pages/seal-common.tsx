/**
 * What the seal pages share: the shapes of the seal API (docs/api.md), matter types, request
 * states and anomaly codes in words, names of seals and people, a stamp's photo, the actions on a
 * request (withdraw, approve, reject, revoke) and the drill-down of one request
 * (request → decision → grant → each stamp → photo), used by keepers, approvers and inspectors.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { isKey, t, type Key } from '../i18n.js';
import { ApiError, errorText, fieldErrors, post } from '../api.js';
import { formatDateTime, formatTime } from '../format.js';
import { href, navigate } from '../router.js';
import { useSession } from '../session.js';
import {
  Ago,
  Badge,
  Button,
  Card,
  confirmDialog,
  Icon,
  KeyValues,
  Loaded,
  Modal,
  Notice,
  Page,
  Time,
  toast,
  useApi,
  usePolling,
  type IconName,
  type Tone,
} from '../ui/index.js';

// ------------------------------------------------------------------------------- API shapes

export const MATTERS = ['证明', '合同', '建房', '党员发展', '土地承包', 'other'] as const;
export type Matter = (typeof MATTERS)[number];

export const REQUEST_STATES = ['requested', 'approved', 'granted', 'completed', 'expired', 'revoked', 'rejected', 'withdrawn'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];
export const FINAL_STATES: readonly RequestState[] = ['completed', 'expired', 'revoked', 'rejected', 'withdrawn'];

export const ANOMALY_CODES = [
  'STAMP_WITHOUT_GRANT',
  'STAMP_OVER_COUNT',
  'STAMP_OUTSIDE_WINDOW',
  'STAMP_OUT_OF_HOURS',
  'STAMP_NO_IMPRESSION',
  'STAMP_NO_PHOTO',
  'SLEEVE_OPEN_WITHOUT_GRANT',
  'TAMPER',
  'MOVED',
  'SEAL_REMOVED',
  'COUNTER_JUMP',
  'SEQ_GAP',
  'CLOCK_INVALID',
  'GRANT_NOT_ACKED',
  'SELF_APPROVAL',
  'BREAK_GLASS',
] as const;
export type AnomalyCode = (typeof ANOMALY_CODES)[number];

export interface SealRequest {
  id: string;
  seq: number;
  ts: number;
  seal: string;
  matter: string;
  title: string;
  count: number;
  notBefore: number;
  notAfter: number;
  note: string | null;
  requester: string;
  state: RequestState;
  escalated: boolean;
  breakGlass: boolean;
  decidedBy: string | null;
  decidedAt: number | null;
  reason: string | null;
  grant: string | null;
  grantState: string | null;
  stamps: number;
  anomalies: number;
  updated: number;
}

export interface Stamp {
  id: string;
  seq: number;
  ts: number;
  deviceTime: number;
  decisionTime: number;
  timeBasis: string;
  seal: string;
  request: string | null;
  grant: string | null;
  n: number;
  counter: number;
  photo: string | null;
  photoReceived: boolean;
  photoUrl: string | null;
  impression: boolean;
  outOfHours: boolean;
  matter: string | null;
  title: string | null;
  requester: string | null;
  approver: string | null;
  anomalies: string[];
}

export interface Anomaly {
  seq: number;
  ts: number;
  seal: string;
  code: string;
  request: string | null;
  grant: string | null;
  stamp: string | null;
  actor: string | null;
  detail: Record<string, unknown>;
}

export interface Grant {
  id: string;
  seq: number;
  ts: number;
  request: string;
  seal: string;
  uses: number;
  used: number;
  notBefore: number;
  notAfter: number;
  state: string;
  ackedAt: number | null;
  ackFailed: boolean;
  issuedBy: string;
  breakGlass: boolean;
}

export interface SealState {
  id: string;
  name: string | null;
  profile: string;
  online: boolean;
  lastSeen: number | null;
  boot: number | null;
  counter: number | null;
  locked: boolean | null;
  sleeveOpen: boolean | null;
  sealPresent: boolean | null;
  battery: number | null;
  clockOk: boolean | null;
  liveGrant: string | null;
  anomalies: number;
}

export interface Person {
  name: string;
  displayName: string | null;
  role: string;
}

export interface Paged<T> {
  total: number;
  page: number;
  pageSize: number;
  items: T[];
}

export interface DrillDown {
  request: SealRequest;
  records: { seq: number; ts: number; kind: string; actor: string | null; data: Record<string, unknown> }[];
  grants: Grant[];
  stamps: Stamp[];
  anomalies: Anomaly[];
}

// ------------------------------------------------------------------------------- words

const MATTER_KEY: Record<Matter, Key> = {
  证明: 'matter.proof',
  合同: 'matter.contract',
  建房: 'matter.building',
  党员发展: 'matter.party',
  土地承包: 'matter.land',
  other: 'matter.other',
};

export function matterLabel(m: string | null | undefined): string {
  if (!m) return t('common.none');
  return (MATTERS as readonly string[]).includes(m) ? t(MATTER_KEY[m as Matter]) : m;
}

export const matterOptions = () => MATTERS.map((m) => ({ value: m, label: matterLabel(m) }));

const STATE_TONE: Record<RequestState, Tone> = {
  requested: 'warn',
  approved: 'info',
  granted: 'info',
  completed: 'ok',
  expired: 'offline',
  revoked: 'offline',
  rejected: 'critical',
  withdrawn: 'offline',
};

export function RequestStateBadge({ state }: { state: string }) {
  const s = state as RequestState;
  const key = `reqState.${s}`;
  return (
    <span class="state-badge">
      <Badge tone={STATE_TONE[s] ?? 'neutral'}>{isKey(key) ? t(key) : state}</Badge>
    </span>
  );
}

export const isFinal = (r: SealRequest) => FINAL_STATES.includes(r.state);
export const isLiveGrant = (r: SealRequest) => !!r.grant && (r.grantState === 'sent' || r.grantState === 'acked');

/** One line under the state saying what it means for the person now ("可以盖章：…前还可盖 2 次"). */
export function requestHint(r: SealRequest, names?: Names): string {
  switch (r.state) {
    case 'requested':
      return r.escalated ? t('reqHint.escalated') : t('reqHint.requested');
    case 'approved':
      return t('reqHint.approved');
    case 'granted':
      return t('reqHint.granted', { until: formatDateTime(r.notAfter, { seconds: false }), left: Math.max(0, r.count - r.stamps) });
    case 'completed':
      return t('reqHint.completed');
    case 'expired':
      return r.decidedBy ? t('reqHint.expiredGranted') : t('reqHint.expired');
    case 'revoked':
      return t('reqHint.revoked');
    case 'rejected':
      return t('reqHint.rejected', { who: names ? names.person(r.decidedBy) : (r.decidedBy ?? ''), reason: r.reason ?? '' });
    case 'withdrawn':
      return t('reqHint.withdrawn');
    default:
      return '';
  }
}

export function anomalyLabel(code: string): string {
  const key = `anomaly.${code}`;
  return isKey(key) ? t(key) : code;
}

export function anomalyHelp(code: string): string {
  const key = `anomalyHelp.${code}`;
  return isKey(key) ? t(key) : '';
}

/** A red label for an anomaly, its explanation on hover. */
export function AnomalyBadge({ code }: { code: string }) {
  return (
    <Badge tone="critical" title={anomalyHelp(code)}>
      {anomalyLabel(code)}
    </Badge>
  );
}

export function AnomalyList({ codes }: { codes: string[] }) {
  if (codes.length === 0) return <Badge tone="ok">{t('stamp.noAnomaly')}</Badge>;
  return (
    <span class="badge-list">
      {codes.map((c) => (
        <AnomalyBadge key={c} code={c} />
      ))}
    </span>
  );
}

/** A stamp's anomalies, and 非工作时间 when out of hours without that anomaly. */
export function StampAnomalies({ stamp }: { stamp: Pick<Stamp, 'anomalies' | 'outOfHours'> }) {
  return (
    <span class="badge-list">
      <AnomalyList codes={stamp.anomalies} />
      {stamp.outOfHours && !stamp.anomalies.includes('STAMP_OUT_OF_HOURS') && <Badge tone="warn">{t('stamp.outOfHours')}</Badge>}
    </span>
  );
}

/** "2025-11-22 09:00 – 13:00" (one day) or "2025-11-22 09:00 – 2025-11-23 12:00". */
export function windowText(from: number, to: number): string {
  const a = formatDateTime(from, { seconds: false });
  const b = formatDateTime(to, { seconds: false });
  return a.slice(0, 10) === b.slice(0, 10) ? `${a} – ${formatTime(to).slice(0, 5)}` : `${a} – ${b}`;
}

// ------------------------------------------------------------------------------- names

export interface Names {
  seals: SealState[] | undefined;
  people: Person[] | undefined;
  /** The seal's name ("村委会公章"), or its id while unknown. */
  seal: (id: string | null | undefined) => string;
  /** The person's display name ("王文书"), or the user name. */
  person: (name: string | null | undefined) => string;
  reloadSeals: () => void;
}

/** Seal names (GET /api/seal/seals) and people's names (GET /api/seal/people), for any seal page. */
export function useNames(): Names {
  const seals = useApi<{ seals: SealState[] }>('/api/seal/seals');
  const people = useApi<{ people: Person[] }>('/api/seal/people');
  return {
    seals: seals.data?.seals,
    people: people.data?.people,
    seal: (id) => {
      if (!id) return t('common.none');
      return seals.data?.seals.find((s) => s.id === id)?.name || id;
    },
    person: (name) => {
      if (!name) return t('common.none');
      return people.data?.people.find((p) => p.name === name)?.displayName || name;
    },
    reloadSeals: seals.reload,
  };
}

/** A person's name with the user name on hover. */
export function PersonName({ name, names }: { name: string | null | undefined; names: Names }) {
  if (!name) return <span class="muted">{t('common.none')}</span>;
  return <span title={name}>{names.person(name)}</span>;
}

// ------------------------------------------------------------------------------- photos and stamps

/** A stamp's photo: the image (opens full size when `link`), or why there is none. */
export function StampPhoto({ stamp, large, link }: { stamp: Stamp; large?: boolean; link?: boolean }) {
  const [broken, setBroken] = useState(false);
  const cls = `photo${large ? ' photo-large' : ''}`;
  if (!stamp.photo) {
    return (
      <span class={`${cls} photo-missing`}>
        <Icon name="image" size={large ? 28 : 18} />
        <span>{t('photo.none')}</span>
      </span>
    );
  }
  if (!stamp.photoUrl) {
    const lost = stamp.anomalies.includes('STAMP_NO_PHOTO');
    return (
      <span class={`${cls} photo-missing${lost ? ' is-lost' : ''}`}>
        <Icon name="image" size={large ? 28 : 18} />
        <span>{lost ? t('photo.lost') : t('photo.pending')}</span>
      </span>
    );
  }
  if (broken) {
    return (
      <a class={`${cls} photo-missing`} href={stamp.photoUrl} target="_blank" rel="noopener" onClick={(e) => e.stopPropagation()}>
        <Icon name="image" size={large ? 28 : 18} />
        <span>{t('photo.cannotShow')}</span>
      </a>
    );
  }
  const img = <img src={stamp.photoUrl} alt={t('photo.alt', { n: stamp.n })} loading="lazy" decoding="async" onError={() => setBroken(true)} />;
  return link ? (
    <a class={cls} href={stamp.photoUrl} target="_blank" rel="noopener" title={t('photo.open')} onClick={(e) => e.stopPropagation()}>
      {img}
    </a>
  ) : (
    <span class={cls}>{img}</span>
  );
}

/** Everything about one stamp: both clocks, the photo, the anomalies explained. */
export function StampDetail({ stamp, names }: { stamp: Stamp; names: Names }) {
  return (
    <div class="stamp-detail">
      <StampPhoto stamp={stamp} large link />
      <div class="stamp-facts">
        <KeyValues
          items={[
            { label: t('stamp.gatewayTime'), value: <Time ms={stamp.ts} /> },
            {
              label: t('stamp.deviceTime'),
              value: (
                <>
                  <Time ms={stamp.deviceTime} />
                  {stamp.timeBasis === 'device' && <span class="muted"> · {t('stamp.judgedByDevice')}</span>}
                </>
              ),
            },
            { label: t('seal.field.seal'), value: names.seal(stamp.seal) },
            { label: t('stamp.nth'), value: stamp.request ? t('stamp.nthValue', { n: stamp.n }) : t('stamp.noRequest') },
            { label: t('seal.field.title'), value: stamp.title ?? <span class="muted">{t('common.none')}</span> },
            { label: t('seal.field.matter'), value: matterLabel(stamp.matter) },
            { label: t('seal.field.requester'), value: <PersonName name={stamp.requester} names={names} /> },
            { label: t('seal.field.approver'), value: <PersonName name={stamp.approver} names={names} /> },
            { label: t('stamp.impression'), value: stamp.impression ? t('stamp.impressionYes') : <span class="text-critical">{t('stamp.impressionNo')}</span> },
            { label: t('stamp.hours'), value: stamp.outOfHours ? <Badge tone="warn">{t('stamp.outOfHours')}</Badge> : t('stamp.inHours') },
            { label: t('stamp.counter'), value: stamp.counter },
            { label: t('stamp.anomalies'), value: <AnomalyList codes={stamp.anomalies} /> },
            { label: t('stamp.photoHash'), value: stamp.photo ?? t('common.none'), mono: true },
            { label: t('stamp.seq'), value: `#${stamp.seq}`, mono: true },
          ]}
        />
        {stamp.anomalies.length > 0 && (
          <ul class="anomaly-help">
            {stamp.anomalies.map((c) => (
              <li key={c}>
                <strong>{anomalyLabel(c)}</strong> {anomalyHelp(c)}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

/** The stamp in a window over the page, with a way to its request. */
export function StampModal({ stamp, names, requestPath, onClose }: { stamp: Stamp; names: Names; requestPath?: (id: string) => string; onClose: () => void }) {
  return (
    <Modal
      wide
      title={stamp.title ? t('stamp.modalTitle', { title: stamp.title }) : t('stamp.modalTitleNoRequest')}
      onClose={onClose}
      actions={
        <>
          <Button onClick={onClose}>{t('common.close')}</Button>
          {stamp.request && requestPath && (
            <Button variant="primary" icon="chevronRight" onClick={() => navigate(requestPath(stamp.request!))}>
              {t('stamp.openRequest')}
            </Button>
          )}
        </>
      }
    >
      <StampDetail stamp={stamp} names={names} />
    </Modal>
  );
}

// ------------------------------------------------------------------------------- actions

/**
 * Field messages for a refused seal request: the schema's (fieldErrors) and the seal API's own
 * refusals (`invalid_count`, `invalid_window`, `unknown_seal`: "count: …", "notBefore: …").
 */
export function sealFieldErrors(e: unknown): Record<string, string> {
  const out = fieldErrors(e);
  if (!(e instanceof ApiError)) return out;
  const msg = e.message;
  const field = /^(\w+):/.exec(msg)?.[1];
  let m: RegExpExecArray | null;
  switch (e.code) {
    case 'invalid_count':
      if ((m = /more than the (\d+)/.exec(msg)) || (m = /at most (\d+)/.exec(msg))) out[field ?? 'count'] = t('sealErr.countMax', { n: m[1]! });
      else out[field ?? 'count'] = t('sealErr.countMin');
      break;
    case 'unknown_seal':
      out.seal = t('sealErr.unknownSeal');
      break;
    case 'invalid_window':
      if (/must end after it starts/.test(msg)) out.notAfter = t('sealErr.endBeforeStart');
      else if (/window is in the past/.test(msg)) out.notAfter = t('sealErr.endPast');
      else if (/starts in the past/.test(msg)) out.notBefore = t('sealErr.startPast');
      else if ((m = /more than (\d+) days ahead/.exec(msg))) out.notBefore = t('sealErr.startTooFar', { n: m[1]! });
      else if ((m = /longer than ([\d.]+) hours/.exec(msg))) out.notAfter = t('sealErr.tooLong', { n: m[1]! });
      else if ((m = /at most (\d+) minutes/.exec(msg))) out[field ?? 'minutes'] = t('sealErr.minutesMax', { n: m[1]! });
      else out.notAfter = t('field.invalid');
      break;
    case 'invalid_request':
      if (field === 'title' && /blank/.test(msg)) out.title = t('field.required');
      break;
  }
  return out;
}

/** The error in words for a toast, with the seal API's own codes. */
export function actionError(e: unknown): string {
  const fields = sealFieldErrors(e);
  const first = Object.values(fields)[0];
  if (e instanceof ApiError && e.code === 'invalid_request' && first) return first;
  return errorText(e);
}

async function run(action: () => Promise<unknown>, done: string): Promise<boolean> {
  try {
    await action();
    toast(done, 'ok');
    return true;
  } catch (e) {
    toast(actionError(e), 'critical');
    return false;
  }
}

/** 撤回 (the requester): asks first; a live grant is revoked with it. */
export async function withdrawRequest(r: SealRequest): Promise<boolean> {
  const reason = await confirmDialog({
    title: t('action.withdrawTitle', { title: r.title }),
    message: isLiveGrant(r) ? t('action.withdrawMessageGranted') : t('action.withdrawMessage'),
    input: { label: t('action.withdrawReason'), maxLength: 500 },
    confirmLabel: t('action.withdraw'),
    cancelLabel: t('action.keep'),
    danger: true,
  });
  if (reason === null) return false;
  return run(() => post(`/api/seal/requests/${encodeURIComponent(r.id)}/withdraw`, reason ? { reason } : {}), t('action.withdrawn'));
}

/** 批准 (an approver, not the requester): says what the sleeve will allow, takes an optional note. */
export async function approveRequest(r: SealRequest, names: Names): Promise<boolean> {
  const note = await confirmDialog({
    title: t('action.approveTitle'),
    message: t('action.approveMessage', { seal: names.seal(r.seal), window: windowText(r.notBefore, r.notAfter), count: r.count, title: r.title }),
    input: { label: t('action.approveNote'), maxLength: 500, placeholder: t('action.approveNotePlaceholder') },
    confirmLabel: t('action.approve'),
  });
  if (note === null) return false;
  return run(() => post(`/api/seal/requests/${encodeURIComponent(r.id)}/approve`, note ? { note } : {}), t('action.approved'));
}

async function askReason(opts: { title: string; message: string; label: string; confirmLabel: string; placeholder?: string }): Promise<string | null> {
  for (;;) {
    const reason = await confirmDialog({
      title: opts.title,
      message: opts.message,
      input: { label: opts.label, required: true, maxLength: 500, ...(opts.placeholder ? { placeholder: opts.placeholder } : {}) },
      confirmLabel: opts.confirmLabel,
      danger: true,
    });
    if (reason === null) return null;
    if (reason.length >= 2) return reason;
    toast(t('action.reasonTooShort'), 'warn');
  }
}

/** 驳回: the reason is required and shown to the requester. */
export async function rejectRequest(r: SealRequest, names: Names): Promise<boolean> {
  const reason = await askReason({
    title: t('action.rejectTitle'),
    message: t('action.rejectMessage', { who: names.person(r.requester), title: r.title }),
    label: t('action.rejectReason'),
    placeholder: t('action.rejectPlaceholder'),
    confirmLabel: t('action.reject'),
  });
  if (reason === null) return false;
  return run(() => post(`/api/seal/requests/${encodeURIComponent(r.id)}/reject`, { reason }), t('action.rejected'));
}

/** 撤销授权: the sleeve is told at once; the reason is required. */
export async function revokeGrant(r: SealRequest, names: Names): Promise<boolean> {
  if (!r.grant) return false;
  const reason = await askReason({
    title: t('action.revokeTitle'),
    message: t('action.revokeMessage', { seal: names.seal(r.seal), title: r.title }),
    label: t('action.revokeReason'),
    confirmLabel: t('action.revoke'),
  });
  if (reason === null) return false;
  return run(() => post(`/api/seal/grants/${encodeURIComponent(r.grant!)}/revoke`, { reason }), t('action.revoked'));
}

// ------------------------------------------------------------------------------- drill-down

interface TimelineItem {
  seq: number;
  ts: number;
  tone: 'ok' | 'info' | 'warn' | 'critical' | 'neutral';
  icon: IconName;
  title: string;
  who?: string | null;
  body?: ComponentChildren;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function recordItem(rec: DrillDown['records'][number], d: DrillDown, names: Names): TimelineItem | undefined {
  const data = rec.data ?? {};
  const base = { seq: rec.seq, ts: rec.ts, who: rec.actor };
  switch (rec.kind) {
    case 'seal.request':
      return {
        ...base,
        tone: 'neutral',
        icon: 'pending',
        title: t('timeline.request'),
        body: t('timeline.requestBody', { matter: matterLabel(str(data.matter)), title: str(data.title) ?? '', count: Number(data.count ?? 0) }),
      };
    case 'seal.escalate':
      return { ...base, tone: 'warn', icon: 'users', title: t('timeline.escalate'), body: t('timeline.escalateBody') };
    case 'seal.decision': {
      const approve = data.decision === 'approve';
      const text = str(approve ? (data.breakGlass ? data.reason : data.note) : data.reason);
      return {
        ...base,
        tone: approve ? (data.breakGlass ? 'critical' : 'ok') : 'critical',
        icon: approve ? (data.breakGlass ? 'emergency' : 'check') : 'close',
        title: approve ? (data.breakGlass ? t('timeline.breakGlass') : data.escalated ? t('timeline.approveEscalated') : t('timeline.approve')) : t('timeline.reject'),
        body: text ? (approve && !data.breakGlass ? t('timeline.note', { text }) : t('timeline.reason', { text })) : undefined,
      };
    }
    case 'seal.grant':
      return {
        ...base,
        tone: 'info',
        icon: 'unlock',
        title: t('timeline.grant', { seal: names.seal(str(data.seal) ?? d.request.seal) }),
        body: t('timeline.grantBody', { uses: Number(data.uses ?? 0), window: windowText(Number(data.notBefore), Number(data.notAfter)) }),
      };
    case 'seal.grant.acked':
      return { ...base, tone: 'ok', icon: 'check', title: t('timeline.acked') };
    case 'seal.revoke':
      return { ...base, tone: 'warn', icon: 'lock', title: t('timeline.revoke'), body: str(data.reason) ? t('timeline.reason', { text: str(data.reason)! }) : undefined };
    case 'seal.withdraw':
      return { ...base, tone: 'neutral', icon: 'close', title: t('timeline.withdraw'), body: str(data.reason) ? t('timeline.reason', { text: str(data.reason)! }) : undefined };
    case 'seal.complete':
      return { ...base, tone: 'ok', icon: 'check', title: t('timeline.complete', { n: Number(data.stamps ?? d.request.stamps) }) };
    case 'seal.expire':
      return {
        ...base,
        tone: 'neutral',
        icon: 'clock',
        title: t('timeline.expire'),
        body: data.grant ? t('timeline.expireGrant', { used: Number(data.used ?? 0), uses: Number(data.uses ?? 0) }) : t('timeline.expireUndecided'),
      };
    case 'seal.anomaly':
      return undefined; // listed from the anomalies themselves
    default:
      return { ...base, tone: 'neutral', icon: 'info', title: rec.kind };
  }
}

/** request → decision → grant → acknowledgement → each stamp (with its photo) → completion, in journal order (also on the hub's record pages). */
export function Timeline({ d, names, onStamp }: { d: DrillDown; names: Names; onStamp: (s: Stamp) => void }) {
  const items: TimelineItem[] = [];
  for (const rec of d.records) {
    const it = recordItem(rec, d, names);
    if (it) items.push(it);
  }
  for (const s of d.stamps) {
    items.push({
      seq: s.seq,
      ts: s.ts,
      tone: s.anomalies.length ? 'critical' : 'ok',
      icon: 'seal',
      title: t('timeline.stamp', { n: s.n, count: d.request.count }),
      body: (
        <button type="button" class="tl-stamp" onClick={() => onStamp(s)} aria-label={t('timeline.stampOpen', { n: s.n })}>
          <StampPhoto stamp={s} />
          <span class="tl-stamp-text">
            <span class="tl-time">
              <span class="muted">{t('stamp.gatewayTime')}</span>
              <Time ms={s.ts} />
            </span>
            <span class="tl-time">
              <span class="muted">{t('stamp.deviceTime')}</span>
              <Time ms={s.deviceTime} />
            </span>
            {s.anomalies.length > 0 && <AnomalyList codes={s.anomalies} />}
            {!s.impression && <span class="text-critical">{t('stamp.impressionNo')}</span>}
          </span>
        </button>
      ),
    });
  }
  for (const a of d.anomalies) {
    if (a.stamp && d.stamps.some((s) => s.id === a.stamp)) continue; // shown on its stamp
    items.push({ seq: a.seq, ts: a.ts, tone: 'critical', icon: 'alert', title: t('timeline.anomaly', { label: anomalyLabel(a.code) }), who: a.actor, body: anomalyHelp(a.code) });
  }
  items.sort((a, b) => a.seq - b.seq);
  return (
    <ol class="timeline">
      {items.map((it) => (
        <li key={`${it.seq}-${it.title}`} class={`tl-item tl-${it.tone}`}>
          <span class="tl-dot" aria-hidden="true">
            <Icon name={it.icon} size={16} />
          </span>
          <div class="tl-content">
            <div class="tl-head">
              <strong class="tl-title">{it.title}</strong>
              <span class="tl-meta">
                <Time ms={it.ts} />
                {it.who && (
                  <>
                    {' · '}
                    <PersonName name={it.who} names={names} />
                  </>
                )}
                <span class="tl-seq mono" title={t('timeline.seqHint')}>
                  #{it.seq}
                </span>
              </span>
            </div>
            {it.body && <div class="tl-body">{it.body}</div>}
          </div>
        </li>
      ))}
    </ol>
  );
}

/**
 * One request from beginning to end, for keepers (their own), approvers and inspectors: what was
 * asked, who decided, the grant, every stamp with both clocks and its photo, the anomalies.
 * The buttons are those the signed-in person may use.
 */
export function RequestDetailPage({ id, back }: { id: string; back: { path: string; label: Key } }) {
  const { me } = useSession();
  const names = useNames();
  const state = useApi<DrillDown>(`/api/seal/requests/${encodeURIComponent(id)}`);
  const [stamp, setStamp] = useState<Stamp | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const live = state.data ? !isFinal(state.data.request) : true;
  usePolling(state.reload, 4000, live);

  const act = async (fn: () => Promise<boolean>) => {
    setBusy(true);
    try {
      if (await fn()) state.reload();
    } finally {
      setBusy(false);
    }
  };

  const r = state.data?.request;
  const actions: ComponentChildren[] = [];
  if (r && me.role === 'keeper' && r.requester === me.name && !isFinal(r)) {
    actions.push(
      <Button key="w" variant="danger" icon="close" busy={busy} onClick={() => act(() => withdrawRequest(r))}>
        {t('action.withdraw')}
      </Button>,
    );
  }
  if (r && me.role === 'approver' && r.requester !== me.name && r.state === 'requested') {
    actions.push(
      <Button key="a" variant="primary" icon="check" busy={busy} onClick={() => act(() => approveRequest(r, names))}>
        {t('action.approve')}
      </Button>,
      <Button key="r" variant="danger" icon="close" busy={busy} onClick={() => act(() => rejectRequest(r, names))}>
        {t('action.reject')}
      </Button>,
    );
  }
  if (r && me.role === 'approver' && isLiveGrant(r)) {
    actions.push(
      <Button key="v" variant="danger" icon="lock" busy={busy} onClick={() => act(() => revokeGrant(r, names))}>
        {t('action.revoke')}
      </Button>,
    );
  }

  return (
    <Page
      title={r ? r.title : t('detail.title')}
      subtitle={r ? t('detail.subtitle', { id: r.id }) : undefined}
      actions={
        <>
          <a class="btn btn-ghost" href={href(back.path)}>
            <Icon name="chevronLeft" size={18} />
            <span>{t(back.label)}</span>
          </a>
          {actions}
        </>
      }
    >
      <Loaded state={state}>
        {(d) => (
          <>
            <Card class="detail-summary">
              <div class="detail-state">
                <RequestStateBadge state={d.request.state} />
                {d.request.breakGlass && <Badge tone="critical">{t('detail.breakGlass')}</Badge>}
                {d.request.escalated && <Badge tone="warn">{t('detail.escalated')}</Badge>}
                {d.request.anomalies > 0 && <Badge tone="critical">{t('detail.anomalies', { n: d.request.anomalies })}</Badge>}
                <span class="detail-hint">{requestHint(d.request, names)}</span>
              </div>
              <KeyValues
                items={[
                  { label: t('seal.field.requester'), value: <PersonName name={d.request.requester} names={names} /> },
                  { label: t('seal.field.seal'), value: names.seal(d.request.seal) },
                  { label: t('seal.field.matter'), value: matterLabel(d.request.matter) },
                  { label: t('seal.field.title'), value: d.request.title },
                  { label: t('seal.field.count'), value: t('detail.stampsOf', { made: d.request.stamps, count: d.request.count }) },
                  { label: t('seal.field.window'), value: windowText(d.request.notBefore, d.request.notAfter) },
                  { label: t('seal.field.filed'), value: <Time ms={d.request.ts} /> },
                  ...(d.request.note ? [{ label: t('seal.field.note'), value: d.request.note }] : []),
                  {
                    label: t('seal.field.decision'),
                    value: d.request.decidedBy ? (
                      <>
                        <PersonName name={d.request.decidedBy} names={names} /> · <Time ms={d.request.decidedAt ?? d.request.updated} />
                        {d.request.reason && <span class="muted"> · {d.request.reason}</span>}
                      </>
                    ) : (
                      <span class="muted">{t('detail.notDecided')}</span>
                    ),
                  },
                  ...d.grants.map((g) => ({
                    label: t('detail.grant'),
                    value: (
                      <>
                        <span class="mono">{g.id}</span> · {t('detail.grantUsed', { used: g.used, uses: g.uses })} · {grantStateLabel(g.state)}
                        {g.ackFailed && <span class="text-critical"> · {t('detail.ackFailed')}</span>}
                      </>
                    ),
                  })),
                ]}
              />
            </Card>
            <Card title={t('detail.timeline')} icon="clock">
              <Timeline d={d} names={names} onStamp={setStamp} />
            </Card>
            {d.stamps.length === 0 && !isFinal(d.request) && <Notice tone="info">{t('detail.noStampsYet')}</Notice>}
            {stamp && <StampModal stamp={stamp} names={names} onClose={() => setStamp(undefined)} />}
          </>
        )}
      </Loaded>
    </Page>
  );
}

export function grantStateLabel(s: string | null): string {
  if (!s) return t('common.none');
  const key = `grantState.${s}`;
  return isKey(key) ? t(key) : s;
}

/** A screen wider than a phone's (the layout's breakpoint): filters start open there. */
export const wide = (): boolean => window.matchMedia('(min-width: 761px)').matches;

/** A small link to a page: `<PageLink path="/inspector/logs/R-1">R-1</PageLink>`. */
export function PageLink({ path, children }: { path: string; children?: ComponentChildren }) {
  return (
    <a class="link-touch" href={href(path)} onClick={(e) => e.stopPropagation()}>
      {children}
    </a>
  );
}

/** Relative time with the exact time under it, for lists. */
export function When({ ms }: { ms: number }) {
  return (
    <span class="when">
      <Ago ms={ms} />
      <span class="when-exact">
        <Time ms={ms} seconds={false} />
      </span>
    </span>
  );
}

/**
 * The hub's inspector API (docs/upstream.md §11) as the hub pages see it, and the projection of a
 * gateway's raw journal records — which is what the hub holds — into the shapes the seal pages
 * already show (seal-common.tsx): a request with its whole story, a stamp with its photo, an
 * anomaly. The projection follows the gateway's own (src/seal/projection.ts), record by record.
 */
import { t } from '../i18n.js';
import type { Anomaly, DrillDown, Names, RequestState, SealRequest, Stamp } from '../pages/seal-common.js';

export interface JournalRecord {
  v: number;
  gw: string;
  seq: number;
  ts: number;
  kind: string;
  subject: string;
  actor?: string;
  dev?: { id: string; boot: number; seq: number; time: number };
  data: Record<string, unknown>;
}

/** GET /api/hub/gateways: one site. */
export interface HubGateway {
  gw: string;
  /** The site's name (from its newest gateway.start record); null before one arrived. */
  name: string | null;
  vkey: string;
  /** `tampered`: a rewritten history was found; the site is quarantined. */
  status: 'ok' | 'tampered';
  /** Records held, 0 … held-1. */
  held: number;
  /** Records covered by the newest checkpoint the hub verified. */
  verified: number;
  root: string | null;
  online: boolean | null;
  lastSeen: number | null;
  alarms: number;
  receipt: { size: number; time: number } | null;
}

export interface HubAlarm {
  id: number;
  gw: string;
  kind: string;
  severity: 'critical' | 'warning';
  message: string;
  detail: Record<string, unknown>;
  ts: number;
  lastTs: number;
  count: number;
}

/** GET /api/hub/gateways/:gw */
export interface HubGatewayDetail extends Omit<HubGateway, 'alarms' | 'receipt'> {
  addedAt: number;
  receipt: { size: number; root: string; cosignature: string; time: number; note: string } | null;
  alarms: HubAlarm[];
}

export interface AlarmSummary {
  gw: string;
  kind: string;
  severity: 'critical' | 'warning';
  alarms: number;
  times: number;
  lastTs: number;
}

export interface RecordRow {
  gw: string;
  seq: number;
  verified: boolean;
  record: JournalRecord;
}

/** GET /api/hub/records */
export interface RecordsPage {
  records: RecordRow[];
  next: string | null;
  /** "gw request-id" → the records about that request (its subject), in seq order. */
  requests: Record<string, JournalRecord[]>;
  /** sha256 → whether the hub holds the photo. */
  photos: Record<string, boolean>;
  /** "gw stamp-id" → the anomaly codes about that stamp. */
  anomalies: Record<string, string[]>;
}

/** GET /api/hub/gateways/:gw/records/:seq */
export interface RecordDetail {
  gw: string;
  seq: number;
  verified: boolean;
  record: JournalRecord;
  story: JournalRecord[];
  stamps: JournalRecord[];
  anomalies: JournalRecord[];
  photos: Record<string, boolean>;
}

export interface GatewayNames {
  seals: { id: string; name: string | null }[];
  people: { name: string; displayName: string | null; role: string }[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The request a seal record is about. */
export function requestIdOf(r: JournalRecord): string | undefined {
  if (!r.kind.startsWith('seal.')) return undefined;
  return str(r.data.request) ?? (r.kind === 'seal.request' ? r.subject : undefined);
}

/** The photo a record names (a stamp's, or a stored photo's). */
export function photoOf(r: JournalRecord): string | undefined {
  return r.kind === 'seal.stamp' ? str(r.data.photo) : r.kind === 'seal.photo' ? str(r.data.sha256) : undefined;
}

/** The seal a record is about: every seal record names it in `data.seal`; the sleeve's own records have it as subject. */
export function sealOf(r: JournalRecord): string | undefined {
  return str(r.data.seal) ?? (r.kind.startsWith('seal.') && r.kind !== 'seal.request' ? r.subject : undefined);
}

/** A request as the seal pages show it, from the records whose subject it is (and its stamps and anomalies when known). */
export function requestFrom(id: string, records: JournalRecord[], stamps: JournalRecord[] = [], anomalies: JournalRecord[] = []): SealRequest | undefined {
  const filed = records.find((r) => r.kind === 'seal.request');
  if (!filed) return undefined;
  const d = filed.data;
  const req: SealRequest = {
    id,
    seq: filed.seq,
    ts: filed.ts,
    seal: str(d.seal) ?? '',
    matter: str(d.matter) ?? '',
    title: str(d.title) ?? '',
    count: num(d.count) ?? 0,
    notBefore: num(d.notBefore) ?? filed.ts,
    notAfter: num(d.notAfter) ?? filed.ts,
    note: str(d.note) ?? null,
    requester: filed.actor ?? '',
    state: 'requested',
    escalated: d.escalated === true,
    breakGlass: false,
    decidedBy: null,
    decidedAt: null,
    reason: null,
    grant: null,
    grantState: null,
    stamps: stamps.filter((s) => s.data.request === id).length,
    anomalies: anomalies.filter((a) => a.data.request === id).length,
    updated: filed.ts,
  };
  let state: RequestState = 'requested';
  for (const r of [...records].sort((a, b) => a.seq - b.seq)) {
    req.updated = Math.max(req.updated, r.ts);
    const rd = r.data;
    switch (r.kind) {
      case 'seal.escalate':
        req.escalated = true;
        break;
      case 'seal.decision':
        state = rd.decision === 'approve' ? 'approved' : 'rejected';
        req.decidedBy = r.actor ?? null;
        req.decidedAt = r.ts;
        req.reason = str(rd.reason) ?? str(rd.note) ?? null;
        if (rd.breakGlass === true) req.breakGlass = true;
        break;
      case 'seal.grant':
        req.grant = str(rd.grant) ?? null;
        req.grantState = 'sent';
        state = 'approved';
        if (rd.breakGlass === true) req.breakGlass = true;
        break;
      case 'seal.grant.acked':
        if (req.grantState === 'sent') req.grantState = 'acked';
        if (state === 'approved') state = 'granted';
        break;
      case 'seal.revoke':
        req.grantState = 'revoked';
        state = 'revoked';
        req.reason = str(rd.reason) ?? req.reason;
        break;
      case 'seal.withdraw':
        state = 'withdrawn';
        if (req.grant) req.grantState = 'revoked';
        req.reason = str(rd.reason) ?? req.reason;
        break;
      case 'seal.complete':
        req.grantState = 'completed';
        state = 'completed';
        break;
      case 'seal.expire':
        if (req.grant) req.grantState = 'expired';
        state = 'expired';
        break;
    }
  }
  req.state = state;
  return req;
}

/** A stamp as the seal pages show it; `photoUrl` is where the page can load the photo from (null: not here / not yet). */
export function stampFrom(r: JournalRecord, req: SealRequest | undefined, anomalies: JournalRecord[], photo: { held: boolean; url: string | null }): Stamp {
  const d = r.data;
  const id = str(d.stamp) ?? `${r.subject}:${r.seq}`;
  return {
    id,
    seq: r.seq,
    ts: r.ts,
    deviceTime: r.dev?.time ?? r.ts,
    decisionTime: num(d.decisionTime) ?? r.ts,
    timeBasis: str(d.timeBasis) ?? 'gateway',
    seal: str(d.seal) ?? r.subject,
    request: str(d.request) ?? null,
    grant: str(d.grant) ?? null,
    n: num(d.n) ?? 0,
    counter: num(d.counter) ?? 0,
    photo: str(d.photo) ?? null,
    photoReceived: photo.held,
    photoUrl: photo.url,
    impression: d.impression !== false,
    outOfHours: d.outOfHours === true,
    matter: req?.matter ?? null,
    title: req?.title ?? null,
    requester: req?.requester ?? null,
    approver: req?.decidedBy ?? null,
    anomalies: anomalies.filter((a) => a.data.stamp === id).map((a) => str(a.data.code) ?? '?'),
  };
}

export function anomalyFrom(r: JournalRecord): Anomaly {
  const { code, seal, request, grant, stamp, ...detail } = r.data;
  return {
    seq: r.seq,
    ts: r.ts,
    seal: str(seal) ?? r.subject,
    code: str(code) ?? '?',
    request: str(request) ?? null,
    grant: str(grant) ?? null,
    stamp: str(stamp) ?? null,
    actor: r.actor ?? null,
    detail,
  };
}

/** A request from beginning to end, for the seal pages' Timeline. */
export function drillDown(request: SealRequest, story: JournalRecord[], stamps: Stamp[], anomalies: JournalRecord[]): DrillDown {
  return {
    request,
    records: story.map((r) => ({ seq: r.seq, ts: r.ts, kind: r.kind, actor: r.actor ?? null, data: r.data })),
    grants: [],
    stamps,
    anomalies: anomalies.map(anomalyFrom),
  };
}

/** The seal pages' Names for one site, from its provisioning records (GET /api/hub/names). */
export function namesOf(n: GatewayNames | undefined): Names {
  return {
    seals: undefined,
    people: undefined,
    seal: (id) => (id ? n?.seals.find((s) => s.id === id)?.name || id : t('common.none')),
    person: (name) => (name ? n?.people.find((p) => p.name === name)?.displayName || name : t('common.none')),
    reloadSeals: () => undefined,
  };
}

export const photoPath = (sha: string): string => `/api/hub/photos/${sha}`;

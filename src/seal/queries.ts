/**
 * Read side of the seal feature for the HTTP API: paged searches over the projection tables
 * (indexed columns only in WHERE clauses) and the drill-down of one request.
 */
import type { Database } from 'better-sqlite3';
import type { AnomalyView, GrantView, RequestView, StampView } from './model.js';
import type { GrantRow, RequestRow } from './projection.js';

export interface Page<T> {
  total: number;
  page: number;
  pageSize: number;
  items: T[];
}

class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];
  add(sql: string, ...values: unknown[]): this {
    this.parts.push(sql);
    this.params.push(...values);
    return this;
  }
  get sql(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

/**
 * Count over the bare table (indexes only), then read one page, with `select` extra columns for the
 * page rows. The page is found first by rowid alone (the filter's index, sorted), and only its rows
 * are read whole: sorting every match with all its columns and `select` subqueries made a search
 * with many matches cost tens of ms (bench/query.ts).
 */
function paged<R, T>(
  db: Database,
  table: string,
  where: Where,
  order: string,
  page: number,
  pageSize: number,
  map: (r: R) => T,
  select = '*',
  pageWhereOf: (total: number) => Where = () => where,
): Page<T> {
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM ${table} ${where.sql}`).get(...where.params) as { n: number }).n;
  const pageWhere = pageWhereOf(total);
  const rows = db
    .prepare(`SELECT ${select} FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} ${pageWhere.sql} ORDER BY ${order} LIMIT ? OFFSET ?) ORDER BY ${order}`)
    .all(...pageWhere.params, pageSize, (page - 1) * pageSize) as R[];
  return { total, page, pageSize, items: rows.map(map) };
}

const codes = (s: string): string[] => s.split(',').filter(Boolean);

export interface RequestFilter {
  requester?: string | undefined;
  state?: string | undefined;
  seal?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

/** A request row with its grant's state joined in. */
type RequestRowFull = RequestRow & { grant_state: string | null };

const REQUEST_SELECT = `(SELECT r.*, g.state AS grant_state FROM seal_requests r LEFT JOIN seal_grants g ON g.id = r.grant_id)`;

export function requestView(r: RequestRowFull): RequestView {
  return {
    id: r.id,
    seq: r.seq,
    ts: r.ts,
    seal: r.seal,
    matter: r.matter,
    title: r.title,
    count: r.count,
    notBefore: r.not_before,
    notAfter: r.not_after,
    note: r.note,
    requester: r.requester,
    state: r.state,
    escalated: r.escalated === 1,
    breakGlass: r.break_glass === 1,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    reason: r.reason,
    grant: r.grant_id,
    grantState: r.grant_state,
    stamps: r.stamps,
    anomalies: r.anomalies,
    updated: r.updated,
  };
}

export function getRequest(db: Database, id: string): RequestView | undefined {
  const r = db.prepare(`SELECT * FROM ${REQUEST_SELECT} WHERE id = ?`).get(id) as RequestRowFull | undefined;
  return r && requestView(r);
}

export function listRequests(db: Database, f: RequestFilter, page: number, pageSize: number): Page<RequestView> {
  const w = new Where();
  if (f.requester !== undefined) w.add('requester = ?', f.requester);
  if (f.state !== undefined) w.add('state = ?', f.state);
  if (f.seal !== undefined) w.add('seal = ?', f.seal);
  if (f.from !== undefined) w.add('ts >= ?', f.from);
  if (f.to !== undefined) w.add('ts < ?', f.to);
  return paged(db, 'seal_requests', w, 'ts DESC, id DESC', page, pageSize, requestView, `*, (SELECT g.state FROM seal_grants g WHERE g.id = grant_id) AS grant_state`);
}

/** Pending requests an approver may decide: undecided, not their own, oldest first. */
export function approverQueue(db: Database, approver: string): RequestView[] {
  return (db.prepare(`SELECT * FROM ${REQUEST_SELECT} WHERE state = 'requested' AND requester != ? ORDER BY ts`).all(approver) as RequestRowFull[]).map(requestView);
}

export interface StampFilter {
  from?: number | undefined;
  to?: number | undefined;
  seal?: string | undefined;
  person?: string | undefined;
  /** Keepers: only stamps of their own requests. */
  requester?: string | undefined;
  matter?: string | undefined;
  anomaly?: string | undefined;
  anomalous?: boolean | undefined;
  outOfHours?: boolean | undefined;
  request?: string | undefined;
}

interface StampRow {
  id: string;
  seq: number;
  ts: number;
  seal: string;
  boot: number;
  dev_seq: number;
  dev_time: number;
  decision_time: number;
  time_basis: string;
  grant_id: string | null;
  request: string | null;
  n: number;
  counter: number;
  photo: string | null;
  impression: number;
  out_of_hours: number;
  matter: string | null;
  title: string | null;
  requester: string | null;
  approver: string | null;
  anomalies: string;
  photo_received: number;
}

const PHOTO_RECEIVED = 'EXISTS (SELECT 1 FROM seal_photos p WHERE p.sha256 = seal_stamps.photo) AS photo_received';

export function stampView(s: StampRow): StampView {
  return {
    id: s.id,
    seq: s.seq,
    ts: s.ts,
    deviceTime: s.dev_time,
    decisionTime: s.decision_time,
    timeBasis: s.time_basis,
    seal: s.seal,
    request: s.request,
    grant: s.grant_id,
    n: s.n,
    counter: s.counter,
    photo: s.photo,
    photoReceived: s.photo_received === 1,
    photoUrl: s.photo && s.photo_received === 1 ? `/api/seal/photos/${s.photo}` : null,
    impression: s.impression === 1,
    outOfHours: s.out_of_hours === 1,
    matter: s.matter,
    title: s.title,
    requester: s.requester,
    approver: s.approver,
    anomalies: codes(s.anomalies),
  };
}

/** Stamps a page may walk newest first (filters checked row by row) rather than sort every match. */
const WALK_ROWS = 20_000;

export function searchStamps(db: Database, f: StampFilter, page: number, pageSize: number): Page<StampView> {
  // Each filter twice: as the index reads it (for the count, and for pages of a narrow filter),
  // and with `+` (no index: checked row by row while walking the stamps newest first on seq).
  const w = new Where();
  const walk = new Where();
  const both = (indexed: string, walked: string, ...values: unknown[]): void => {
    w.add(indexed, ...values);
    walk.add(walked, ...values);
  };
  if (f.from !== undefined) both('ts >= ?', '+ts >= ?', f.from);
  if (f.to !== undefined) both('ts < ?', '+ts < ?', f.to);
  if (f.seal !== undefined) both('seal = ?', '+seal = ?', f.seal);
  if (f.person !== undefined) both('(requester = ? OR approver = ?)', '(+requester = ? OR +approver = ?)', f.person, f.person);
  if (f.requester !== undefined) both('requester = ?', '+requester = ?', f.requester);
  if (f.matter !== undefined) both('matter = ?', '+matter = ?', f.matter);
  if (f.anomaly !== undefined) both('id IN (SELECT a.stamp FROM seal_anomalies a WHERE a.code = ?)', '+id IN (SELECT a.stamp FROM seal_anomalies a WHERE a.code = ?)', f.anomaly);
  // every list but the empty one (',') is ',CODE,…', which sorts after ',': an index range, not a scan
  if (f.anomalous === true) both("anomalies > ','", "+anomalies > ','");
  if (f.anomalous === false) both("anomalies = ','", "+anomalies = ','");
  if (f.outOfHours !== undefined) both('out_of_hours = ?', '+out_of_hours = ?', f.outOfHours ? 1 : 0);
  if (f.request !== undefined) both('request = ?', '+request = ?', f.request);
  // A page by the filters' indexes sorts every match by seq (tens of ms for 100,000 matches); walking
  // newest first stops after the page, about (offset + page) × all ÷ matches rows in: take the walk
  // when that is short (bench/query.ts, 1,000,000 records).
  const pageWhere = (total: number): Where => {
    if (w.parts.length === 0 || total === 0) return w;
    const all = (db.prepare('SELECT COUNT(*) AS n FROM seal_stamps').get() as { n: number }).n;
    return (page * pageSize * all) / total <= WALK_ROWS ? walk : w;
  };
  return paged(db, 'seal_stamps', w, 'seq DESC', page, pageSize, stampView, `*, ${PHOTO_RECEIVED}`, pageWhere);
}

export interface AnomalyFilter {
  from?: number | undefined;
  to?: number | undefined;
  seal?: string | undefined;
  code?: string | undefined;
  request?: string | undefined;
  /** Keepers: only anomalies about their own requests. */
  requester?: string | undefined;
}

interface AnomalyRow {
  seq: number;
  ts: number;
  seal: string;
  code: string;
  request: string | null;
  grant_id: string | null;
  stamp: string | null;
  actor: string | null;
  detail: string;
}

export function anomalyView(a: AnomalyRow): AnomalyView {
  return {
    seq: a.seq,
    ts: a.ts,
    seal: a.seal,
    code: a.code,
    request: a.request,
    grant: a.grant_id,
    stamp: a.stamp,
    actor: a.actor,
    detail: JSON.parse(a.detail) as Record<string, unknown>,
  };
}

export function searchAnomalies(db: Database, f: AnomalyFilter, page: number, pageSize: number): Page<AnomalyView> & { counts: Record<string, number> } {
  const w = new Where();
  if (f.from !== undefined) w.add('ts >= ?', f.from);
  if (f.to !== undefined) w.add('ts < ?', f.to);
  if (f.seal !== undefined) w.add('seal = ?', f.seal);
  if (f.request !== undefined) w.add('request = ?', f.request);
  if (f.requester !== undefined) w.add('request IN (SELECT id FROM seal_requests WHERE requester = ?)', f.requester);
  // counts by code over the same filter (without the code filter, so a page shows the spread)
  const counts: Record<string, number> = {};
  for (const r of db.prepare(`SELECT code, COUNT(*) AS n FROM seal_anomalies ${w.sql} GROUP BY code`).all(...w.params) as { code: string; n: number }[]) {
    counts[r.code] = r.n;
  }
  if (f.code !== undefined) w.add('code = ?', f.code);
  return { ...paged(db, 'seal_anomalies', w, 'seq DESC', page, pageSize, anomalyView), counts };
}

export function grantView(g: GrantRow): GrantView {
  return {
    id: g.id,
    seq: g.seq,
    ts: g.ts,
    request: g.request,
    seal: g.seal,
    uses: g.uses,
    used: g.used,
    notBefore: g.not_before,
    notAfter: g.not_after,
    state: g.state,
    ackedAt: g.acked_at,
    ackFailed: g.ack_failed === 1,
    issuedBy: g.issued_by,
    breakGlass: g.break_glass === 1,
  };
}

/** Journal records about a request, in order (request, decisions, grant, acks, revoke, completion…). */
export function requestRecords(db: Database, id: string): { seq: number; ts: number; kind: string; actor: string | null; data: unknown }[] {
  return (db.prepare('SELECT seq, bytes FROM journal WHERE subject = ? ORDER BY seq').all(id) as { seq: number; bytes: Buffer }[]).map((r) => {
    const rec = JSON.parse(r.bytes.toString('utf8')) as { ts: number; kind: string; actor?: string; data: unknown };
    return { seq: r.seq, ts: rec.ts, kind: rec.kind, actor: rec.actor ?? null, data: rec.data };
  });
}

/** request → decision → grant → each stamp → photo, with the anomalies on the way. */
export function drillDown(db: Database, id: string) {
  const request = getRequest(db, id);
  if (!request) return undefined;
  const grants = (db.prepare('SELECT * FROM seal_grants WHERE request = ? ORDER BY seq').all(id) as GrantRow[]).map(grantView);
  const stamps = (db.prepare(`SELECT *, ${PHOTO_RECEIVED} FROM seal_stamps WHERE request = ? ORDER BY seq`).all(id) as StampRow[]).map(stampView);
  const anomalies = (db.prepare('SELECT * FROM seal_anomalies WHERE request = ? ORDER BY seq').all(id) as AnomalyRow[]).map(anomalyView);
  return { request, records: requestRecords(db, id), grants, stamps, anomalies };
}

/** May `user` see this photo (it belongs to a stamp of one of their requests)? */
export function photoOwnedBy(db: Database, sha256: string, user: string): boolean {
  return db.prepare('SELECT 1 FROM seal_stamps WHERE photo = ? AND requester = ? LIMIT 1').get(sha256, user) !== undefined;
}

export interface PersonView {
  name: string;
  displayName: string | null;
  role: string;
}

/** The people who appear on requests and decisions (keepers and approvers), for their names on the pages. */
export function sealPeople(db: Database): PersonView[] {
  return (db.prepare("SELECT spec FROM users WHERE role IN ('keeper', 'approver') ORDER BY role DESC, name").all() as { spec: string }[]).map((r) => {
    const u = JSON.parse(r.spec) as { name: string; role: string; displayName?: string };
    return { name: u.name, displayName: u.displayName ?? null, role: u.role };
  });
}

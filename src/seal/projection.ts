/**
 * Derived seal state (DESIGN §4 law 2): requests, grants, stamps, photos, anomalies and the last
 * known condition of each sleeve, kept in `seal_*` tables that are a pure function of the journal
 * (`apply` runs in the commit transaction; `reset` + replay rebuilds them). Decisions are made by
 * the service before appending and carried in the records, so a replay never re-decides anything.
 *
 * `apply` never throws on odd input (an unknown grant, a missing field): it skips what it cannot
 * use, so a projection can never refuse a record that is already decided.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { JournalRecord, Projection } from '../store/types.js';
import type { GrantState, RequestState } from './model.js';

/** A row of `seal_requests`, as the service and the queries read it. */
export interface RequestRow {
  id: string;
  seq: number;
  ts: number;
  seal: string;
  matter: string;
  title: string;
  count: number;
  not_before: number;
  not_after: number;
  note: string | null;
  requester: string;
  state: RequestState;
  escalated: number;
  break_glass: number;
  decided_by: string | null;
  decided_at: number | null;
  reason: string | null;
  grant_id: string | null;
  stamps: number;
  anomalies: number;
  updated: number;
}

/** A row of `seal_grants`, as the service and the queries read it. */
export interface GrantRow {
  id: string;
  seq: number;
  ts: number;
  request: string;
  seal: string;
  uses: number;
  used: number;
  not_before: number;
  not_after: number;
  state: GrantState;
  acked_at: number | null;
  ack_failed: number;
  issued_by: string;
  break_glass: number;
}

const SQL_V1 = `
CREATE TABLE seal_requests (
  id TEXT PRIMARY KEY, seq INTEGER NOT NULL, ts INTEGER NOT NULL, seal TEXT NOT NULL, matter TEXT NOT NULL,
  title TEXT NOT NULL, count INTEGER NOT NULL, not_before INTEGER NOT NULL, not_after INTEGER NOT NULL, note TEXT,
  requester TEXT NOT NULL, state TEXT NOT NULL, escalated INTEGER NOT NULL DEFAULT 0, break_glass INTEGER NOT NULL DEFAULT 0,
  decided_by TEXT, decided_at INTEGER, reason TEXT, grant_id TEXT, stamps INTEGER NOT NULL DEFAULT 0,
  anomalies INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL
);
CREATE INDEX seal_requests_requester ON seal_requests(requester, ts);
CREATE INDEX seal_requests_state ON seal_requests(state, ts);
CREATE INDEX seal_requests_seal ON seal_requests(seal, ts);
CREATE INDEX seal_requests_ts ON seal_requests(ts);

CREATE TABLE seal_grants (
  id TEXT PRIMARY KEY, seq INTEGER NOT NULL, ts INTEGER NOT NULL, request TEXT NOT NULL, seal TEXT NOT NULL,
  uses INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0, not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,
  state TEXT NOT NULL, acked_at INTEGER, ack_failed INTEGER NOT NULL DEFAULT 0, issued_by TEXT NOT NULL,
  break_glass INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL
);
CREATE INDEX seal_grants_seal ON seal_grants(seal, state);
CREATE INDEX seal_grants_state ON seal_grants(state, not_after);

CREATE TABLE seal_stamps (
  id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, ts INTEGER NOT NULL, seal TEXT NOT NULL, boot INTEGER NOT NULL,
  dev_seq INTEGER NOT NULL, dev_time INTEGER NOT NULL, decision_time INTEGER NOT NULL, time_basis TEXT NOT NULL,
  grant_id TEXT, request TEXT, n INTEGER NOT NULL, counter INTEGER NOT NULL, photo TEXT, impression INTEGER NOT NULL,
  out_of_hours INTEGER NOT NULL, matter TEXT, title TEXT, requester TEXT, approver TEXT,
  anomalies TEXT NOT NULL DEFAULT ','
);
CREATE INDEX seal_stamps_ts ON seal_stamps(ts);
CREATE INDEX seal_stamps_seal ON seal_stamps(seal, ts);
CREATE INDEX seal_stamps_request ON seal_stamps(request);
CREATE INDEX seal_stamps_requester ON seal_stamps(requester, ts);
CREATE INDEX seal_stamps_approver ON seal_stamps(approver, ts);
CREATE INDEX seal_stamps_photo ON seal_stamps(photo);

CREATE TABLE seal_anomalies (
  seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, seal TEXT NOT NULL, code TEXT NOT NULL, request TEXT,
  grant_id TEXT, stamp TEXT, actor TEXT, detail TEXT NOT NULL
);
CREATE INDEX seal_anomalies_ts ON seal_anomalies(ts);
CREATE INDEX seal_anomalies_code ON seal_anomalies(code, ts);
CREATE INDEX seal_anomalies_seal ON seal_anomalies(seal, ts);
CREATE INDEX seal_anomalies_stamp ON seal_anomalies(stamp);
CREATE INDEX seal_anomalies_request ON seal_anomalies(request);

CREATE TABLE seal_photos (sha256 TEXT PRIMARY KEY, seq INTEGER NOT NULL, ts INTEGER NOT NULL, seal TEXT NOT NULL, bytes INTEGER NOT NULL);

CREATE TABLE seal_devices (
  seal TEXT PRIMARY KEY, boot INTEGER, last_seq INTEGER, counter INTEGER, locked INTEGER, sleeve_open INTEGER,
  seal_present INTEGER, battery REAL, clock_ok INTEGER, clock_boot INTEGER, last_dev_time INTEGER, last_ts INTEGER,
  anomalies INTEGER NOT NULL DEFAULT 0
);
`;

/**
 * Indexes for the stamp log (bench/query.ts, 1,000,000 records): the filters that had none (matter,
 * out of hours, anomalous) counted by reading the whole table, and a page of any filter was found by
 * sorting every match. With (filter, seq) a page is read newest first straight off the index, and a
 * date range alone walks (seq, ts).
 */
const SQL_V2 = `
CREATE INDEX seal_stamps_matter ON seal_stamps(matter, seq);
CREATE INDEX seal_stamps_out_of_hours ON seal_stamps(out_of_hours, seq);
CREATE INDEX seal_stamps_anomalies ON seal_stamps(anomalies, seq);
CREATE INDEX seal_stamps_seal_seq ON seal_stamps(seal, seq);
CREATE INDEX seal_stamps_requester_seq ON seal_stamps(requester, seq);
CREATE INDEX seal_stamps_approver_seq ON seal_stamps(approver, seq);
CREATE INDEX seal_stamps_seq_ts ON seal_stamps(seq, ts);
`;

/**
 * A person's stamps of one matter over a date range (the inspectors' slowest filter: ≈ 25 ms p95 at
 * 1,000,000 records) read the matter off the person's (·, ts) index instead of the table row.
 */
const SQL_V3 = `
DROP INDEX seal_stamps_requester;
CREATE INDEX seal_stamps_requester ON seal_stamps(requester, ts, matter);
DROP INDEX seal_stamps_approver;
CREATE INDEX seal_stamps_approver ON seal_stamps(approver, ts, matter);
`;

type Data = Record<string, unknown>;

/** Prepared statements, per database (apply runs for every record: preparing each time would cost more than running). */
const cache = new WeakMap<Database, Map<string, Statement>>();
function q(db: Database, sql: string): Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.prepare(sql)));
  return st;
}
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): number | null => (typeof v === 'boolean' ? (v ? 1 : 0) : null);

function ensureDevice(db: Database, seal: string): void {
  q(db, 'INSERT OR IGNORE INTO seal_devices (seal) VALUES (?)').run(seal);
}

/** Track boot, highest seq of the boot and the last device/gateway times of any device event. */
function deviceEvent(db: Database, rec: JournalRecord): void {
  const dev = rec.dev;
  if (!dev) return;
  ensureDevice(db, rec.subject);
  q(db, 
    `UPDATE seal_devices SET
       last_seq = CASE WHEN boot = @boot THEN MAX(COALESCE(last_seq, -1), @seq) ELSE @seq END,
       boot = @boot, last_dev_time = @time, last_ts = @ts
     WHERE seal = @seal`,
  ).run({ boot: dev.boot, seq: dev.seq, time: dev.time, ts: rec.ts, seal: rec.subject });
}

function setRequest(db: Database, id: string | null, state: string, ts: number, reason: string | null = null): void {
  if (!id) return;
  q(db, 'UPDATE seal_requests SET state = ?, updated = ?, reason = COALESCE(?, reason) WHERE id = ?').run(state, ts, reason, id);
}

function setGrant(db: Database, id: string | null, state: string, ts: number): void {
  if (!id) return;
  q(db, 'UPDATE seal_grants SET state = ?, updated = ? WHERE id = ?').run(state, ts, id);
}

export const sealProjection: Projection = {
  name: 'seal',
  migrations: [
    { version: 1, sql: SQL_V1 },
    { version: 2, sql: SQL_V2 },
    { version: 3, sql: SQL_V3 },
  ],
  apply(db, rec) {
    const d: Data = rec.data;
    if (!rec.kind.startsWith('seal.')) {
      // device.hello / device.status of seal sleeves only (lift devices write these kinds too)
      if ((rec.kind !== 'device.hello' && rec.kind !== 'device.status') || !str(d.profile)?.startsWith('seal-')) return;
    }
    const ts = rec.ts;
    switch (rec.kind) {
      case 'seal.request':
        q(db, 
          `INSERT OR IGNORE INTO seal_requests (id, seq, ts, seal, matter, title, count, not_before, not_after, note, requester, state,
             escalated, break_glass, updated)
           VALUES (@id, @seq, @ts, @seal, @matter, @title, @count, @nb, @na, @note, @requester, 'requested', @esc, @bg, @ts)`,
        ).run({
          id: str(d.request) ?? rec.subject,
          seq: rec.seq,
          ts,
          seal: str(d.seal) ?? '',
          matter: str(d.matter) ?? 'other',
          title: str(d.title) ?? '',
          count: num(d.count) ?? 0,
          nb: num(d.notBefore) ?? 0,
          na: num(d.notAfter) ?? 0,
          note: str(d.note),
          requester: rec.actor ?? '',
          esc: d.escalated === true ? 1 : 0,
          bg: d.breakGlass === true ? 1 : 0,
        });
        return;
      case 'seal.withdraw':
        setRequest(db, str(d.request), 'withdrawn', ts, str(d.reason));
        setGrant(db, str(d.grant), 'revoked', ts);
        return;
      case 'seal.escalate':
        q(db, 'UPDATE seal_requests SET escalated = 1, updated = ? WHERE id = ?').run(ts, str(d.request));
        return;
      case 'seal.decision': {
        const approve = d.decision === 'approve';
        q(db, 'UPDATE seal_requests SET state = ?, decided_by = ?, decided_at = ?, reason = ?, updated = ? WHERE id = ?').run(
          approve ? 'approved' : 'rejected',
          rec.actor ?? null,
          ts,
          str(d.reason) ?? str(d.note),
          ts,
          str(d.request),
        );
        return;
      }
      case 'seal.grant':
        q(db, 
          `INSERT OR IGNORE INTO seal_grants (id, seq, ts, request, seal, uses, not_before, not_after, state, issued_by, break_glass, updated)
           VALUES (@id, @seq, @ts, @request, @seal, @uses, @nb, @na, 'sent', @by, @bg, @ts)`,
        ).run({
          id: str(d.grant),
          seq: rec.seq,
          ts,
          request: str(d.request) ?? '',
          seal: str(d.seal) ?? '',
          uses: num(d.uses) ?? 0,
          nb: num(d.notBefore) ?? 0,
          na: num(d.notAfter) ?? 0,
          by: rec.actor ?? '',
          bg: d.breakGlass === true ? 1 : 0,
        });
        q(db, "UPDATE seal_requests SET grant_id = ?, state = 'approved', updated = ? WHERE id = ?").run(str(d.grant), ts, str(d.request));
        return;
      case 'seal.grant.acked': {
        const g = q(db, "UPDATE seal_grants SET state = 'acked', acked_at = ?, updated = ? WHERE id = ? AND state = 'sent'").run(ts, ts, str(d.grant));
        if (g.changes > 0) q(db, "UPDATE seal_requests SET state = 'granted', updated = ? WHERE id = ? AND state = 'approved'").run(ts, str(d.request));
        if (str(d.seal)) {
          ensureDevice(db, str(d.seal)!);
          q(db, 'UPDATE seal_devices SET locked = 0 WHERE seal = ?').run(str(d.seal));
        }
        return;
      }
      case 'seal.revoke':
        setGrant(db, str(d.grant), 'revoked', ts);
        setRequest(db, str(d.request), 'revoked', ts, str(d.reason));
        return;
      case 'seal.complete':
        setGrant(db, str(d.grant), 'completed', ts);
        setRequest(db, str(d.request), 'completed', ts);
        return;
      case 'seal.expire':
        setGrant(db, str(d.grant), 'expired', ts);
        setRequest(db, str(d.request), 'expired', ts);
        return;
      case 'seal.lock':
        ensureDevice(db, rec.subject);
        q(db, 'UPDATE seal_devices SET locked = 1 WHERE seal = ?').run(rec.subject);
        return;
      case 'seal.time':
        ensureDevice(db, rec.subject);
        q(db, 'UPDATE seal_devices SET clock_ok = 1, clock_boot = ? WHERE seal = ?').run(num(d.boot), rec.subject);
        return;
      case 'seal.stamp': {
        deviceEvent(db, rec);
        const reqId = str(d.request);
        const req = reqId
          ? (q(db, 'SELECT matter, title, requester, decided_by FROM seal_requests WHERE id = ?').get(reqId) as
              | { matter: string; title: string; requester: string; decided_by: string | null }
              | undefined)
          : undefined;
        q(db, 
          `INSERT OR IGNORE INTO seal_stamps (id, seq, ts, seal, boot, dev_seq, dev_time, decision_time, time_basis, grant_id, request, n,
             counter, photo, impression, out_of_hours, matter, title, requester, approver)
           VALUES (@id, @seq, @ts, @seal, @boot, @devSeq, @devTime, @dt, @basis, @grant, @request, @n, @counter, @photo, @imp, @ooh,
             @matter, @title, @requester, @approver)`,
        ).run({
          id: str(d.stamp) ?? `${rec.subject}:${rec.seq}`,
          seq: rec.seq,
          ts,
          seal: rec.subject,
          boot: rec.dev?.boot ?? 0,
          devSeq: rec.dev?.seq ?? 0,
          devTime: rec.dev?.time ?? 0,
          dt: num(d.decisionTime) ?? ts,
          basis: str(d.timeBasis) ?? 'gateway',
          grant: str(d.grant),
          request: reqId,
          n: num(d.n) ?? 0,
          counter: num(d.counter) ?? 0,
          photo: str(d.photo),
          imp: d.impression === false ? 0 : 1,
          ooh: d.outOfHours === true ? 1 : 0,
          matter: req?.matter ?? null,
          title: req?.title ?? null,
          requester: req?.requester ?? null,
          approver: req?.decided_by ?? null,
        });
        if (d.counted === true && str(d.grant)) {
          q(db, 'UPDATE seal_grants SET used = used + 1, updated = ? WHERE id = ?').run(ts, str(d.grant));
        }
        if (reqId) q(db, 'UPDATE seal_requests SET stamps = stamps + 1, updated = ? WHERE id = ?').run(ts, reqId);
        if (num(d.counter) !== null) q(db, 'UPDATE seal_devices SET counter = ? WHERE seal = ?').run(num(d.counter), rec.subject);
        return;
      }
      case 'seal.photo':
        q(db, 'INSERT OR IGNORE INTO seal_photos (sha256, seq, ts, seal, bytes) VALUES (?, ?, ?, ?, ?)').run(
          str(d.sha256),
          rec.seq,
          ts,
          rec.subject,
          num(d.bytes) ?? 0,
        );
        return;
      case 'seal.anomaly': {
        const code = str(d.code) ?? 'UNKNOWN';
        const { code: _c, seal: _s, request, grant, stamp, ...detail } = d;
        const seal = str(d.seal) ?? rec.subject;
        q(db, 'INSERT OR IGNORE INTO seal_anomalies (seq, ts, seal, code, request, grant_id, stamp, actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
          rec.seq,
          ts,
          seal,
          code,
          str(request),
          str(grant),
          str(stamp),
          rec.actor ?? null,
          JSON.stringify(detail),
        );
        if (str(stamp)) q(db, "UPDATE seal_stamps SET anomalies = anomalies || ? || ',' WHERE id = ?").run(code, str(stamp));
        if (str(request)) q(db, 'UPDATE seal_requests SET anomalies = anomalies + 1 WHERE id = ?').run(str(request));
        if (code === 'GRANT_NOT_ACKED' && str(grant)) q(db, 'UPDATE seal_grants SET ack_failed = 1 WHERE id = ?').run(str(grant));
        ensureDevice(db, seal);
        q(db, 'UPDATE seal_devices SET anomalies = anomalies + 1 WHERE seal = ?').run(seal);
        if (code === 'CLOCK_INVALID') {
          q(db, 'UPDATE seal_devices SET clock_ok = 0, clock_boot = COALESCE(?, boot) WHERE seal = ?').run(num(d.boot), seal);
        }
        if (code === 'SEAL_REMOVED') q(db, 'UPDATE seal_devices SET seal_present = 0 WHERE seal = ?').run(seal);
        return;
      }
      case 'seal.sleeve':
        deviceEvent(db, rec);
        q(db, 'UPDATE seal_devices SET sleeve_open = ? WHERE seal = ?').run(bool(d.open), rec.subject);
        return;
      case 'seal.alarm':
      case 'seal.auth':
        deviceEvent(db, rec);
        return;
      case 'device.hello': {
        deviceEvent(db, rec);
        const dev = rec.dev;
        q(db, 'UPDATE seal_devices SET counter = COALESCE(?, counter), clock_ok = ?, clock_boot = ? WHERE seal = ?').run(
          num(d.counter),
          d.clockOk === true ? 1 : 0,
          dev?.boot ?? num(d.boot),
          rec.subject,
        );
        return;
      }
      case 'device.status': {
        // one upsert: status reports are the most frequent records
        const dev = rec.dev;
        q(
          db,
          `INSERT INTO seal_devices (seal, boot, last_seq, last_dev_time, last_ts, locked, sleeve_open, seal_present, battery)
           VALUES (@seal, @boot, @seq, @time, @ts, @locked, @open, @present, @battery)
           ON CONFLICT (seal) DO UPDATE SET
             last_seq = CASE WHEN @boot IS NULL THEN last_seq WHEN boot = @boot THEN MAX(COALESCE(last_seq, -1), @seq) ELSE @seq END,
             boot = COALESCE(@boot, boot), last_dev_time = COALESCE(@time, last_dev_time), last_ts = @ts,
             locked = COALESCE(@locked, locked), sleeve_open = COALESCE(@open, sleeve_open),
             seal_present = COALESCE(@present, seal_present), battery = COALESCE(@battery, battery)`,
        ).run({
          seal: rec.subject,
          boot: dev?.boot ?? null,
          seq: dev?.seq ?? null,
          time: dev?.time ?? null,
          ts: rec.ts,
          locked: bool(d.locked),
          open: typeof d.sleeveClosed === 'boolean' ? (d.sleeveClosed ? 0 : 1) : null,
          present: bool(d.sealPresent),
          battery: num(d.battery),
        });
        return;
      }
      default:
        return;
    }
  },
  reset(db) {
    db.exec(
      'DELETE FROM seal_requests; DELETE FROM seal_grants; DELETE FROM seal_stamps; DELETE FROM seal_anomalies; DELETE FROM seal_photos; DELETE FROM seal_devices;',
    );
  },
};

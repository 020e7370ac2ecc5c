/**
 * Derived lift tables (DESIGN §4.2): rebuilt from the journal by replaying `lift.*` and the lifts'
 * `device.online/offline` records; nothing here is the source of truth.
 *
 *   lift_state        per lift: service mode, online, open (active) fault count, last fault, open visit
 *   lift_faults       one row per fault: raise/clear times and the case lifecycle (who and when)
 *   lift_fault_steps  every lifecycle step in order
 *   lift_visits       maintenance visits (open while the lift is in maintenance mode)
 *   lift_maint_alerts due/overdue alerts already sent (so each is sent once)
 */
import type { Database } from 'better-sqlite3';
import type { JournalRecord, Projection } from '../store/types.js';

export const LIFECYCLE = ['raised', 'acknowledged', 'dispatched', 'arrived', 'resolved', 'closed'] as const;
export const STEPS = ['acknowledged', 'dispatched', 'arrived', 'resolved', 'closed', 'false_alarm'] as const;
export type Step = (typeof STEPS)[number];
export type FaultStatus = (typeof LIFECYCLE)[number] | 'false_alarm';
export const LIFT_PROFILES = ['lift-modbus', 'lift-kit-mqtt'] as const;

export interface FaultRow {
  fault_id: string;
  lift_id: string;
  code: string;
  gb: number | null;
  severity: string;
  source: string | null;
  raised_at: number;
  raised_seq: number;
  cleared_at: number | null;
  status: FaultStatus;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  dispatched_at: number | null;
  dispatched_by: string | null;
  assignee: string | null;
  arrived_at: number | null;
  arrived_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  closed_at: number | null;
  closed_by: string | null;
  escalated_at: number | null;
  detail: string;
}

export interface StepRow {
  seq: number;
  fault_id: string;
  step: Step;
  at: number;
  actor: string | null;
  note: string | null;
  data: string;
}

export interface VisitRow {
  visit_id: string;
  lift_id: string;
  type: string;
  opened_at: number;
  opened_by: string | null;
  technicians: string;
  closed_at: number | null;
  closed_by: string | null;
  items: string | null;
  note: string | null;
  result: string | null;
}

export interface StateRow {
  lift_id: string;
  mode: string | null;
  mode_at: number | null;
  online: number | null;
  online_at: number | null;
  open_faults: number;
  last_fault_code: string | null;
  last_fault_at: number | null;
  visit_id: string | null;
}

const SQL = `
CREATE TABLE lift_state (
  lift_id TEXT PRIMARY KEY,
  mode TEXT,
  mode_at INTEGER,
  online INTEGER,
  online_at INTEGER,
  open_faults INTEGER NOT NULL DEFAULT 0,
  last_fault_code TEXT,
  last_fault_at INTEGER,
  visit_id TEXT,
  updated_seq INTEGER NOT NULL
);
CREATE TABLE lift_faults (
  fault_id TEXT PRIMARY KEY,
  lift_id TEXT NOT NULL,
  code TEXT NOT NULL,
  gb INTEGER,
  severity TEXT NOT NULL,
  source TEXT,
  raised_at INTEGER NOT NULL,
  raised_seq INTEGER NOT NULL,
  cleared_at INTEGER,
  status TEXT NOT NULL,
  acknowledged_at INTEGER, acknowledged_by TEXT,
  dispatched_at INTEGER, dispatched_by TEXT, assignee TEXT,
  arrived_at INTEGER, arrived_by TEXT,
  resolved_at INTEGER, resolved_by TEXT,
  closed_at INTEGER, closed_by TEXT,
  escalated_at INTEGER,
  detail TEXT NOT NULL
);
CREATE INDEX lift_faults_lift ON lift_faults(lift_id, raised_at);
CREATE INDEX lift_faults_raised ON lift_faults(raised_at);
CREATE INDEX lift_faults_active ON lift_faults(lift_id) WHERE cleared_at IS NULL;
CREATE INDEX lift_faults_status ON lift_faults(status, raised_at);
CREATE TABLE lift_fault_steps (
  seq INTEGER PRIMARY KEY,
  fault_id TEXT NOT NULL,
  step TEXT NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT,
  note TEXT,
  data TEXT NOT NULL
);
CREATE INDEX lift_fault_steps_fault ON lift_fault_steps(fault_id, seq);
CREATE TABLE lift_visits (
  visit_id TEXT PRIMARY KEY,
  lift_id TEXT NOT NULL,
  type TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  opened_by TEXT,
  technicians TEXT NOT NULL,
  closed_at INTEGER,
  closed_by TEXT,
  items TEXT,
  note TEXT,
  result TEXT
);
CREATE INDEX lift_visits_lift ON lift_visits(lift_id, opened_at);
CREATE TABLE lift_maint_alerts (
  lift_id TEXT NOT NULL,
  type TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (lift_id, type, due_at, status)
);
`;

const STEP_COLUMNS: Record<Exclude<Step, 'false_alarm'>, [string, string]> = {
  acknowledged: ['acknowledged_at', 'acknowledged_by'],
  dispatched: ['dispatched_at', 'dispatched_by'],
  arrived: ['arrived_at', 'arrived_by'],
  resolved: ['resolved_at', 'resolved_by'],
  closed: ['closed_at', 'closed_by'],
};

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function ensureState(db: Database, lift: string, seq: number): void {
  db.prepare('INSERT OR IGNORE INTO lift_state (lift_id, open_faults, updated_seq) VALUES (?, 0, ?)').run(lift, seq);
}

export const liftProjection: Projection = {
  name: 'lift',
  migrations: [{ version: 1, sql: SQL }],
  apply(db: Database, rec: JournalRecord) {
    const k = rec.kind;
    if (!k.startsWith('lift.') && k !== 'device.online' && k !== 'device.offline') return;
    const d = rec.data;
    const lift = rec.subject;
    switch (k) {
      case 'lift.fault.raise': {
        const faultId = str(d.faultId);
        if (!faultId) return;
        db.prepare(
          `INSERT INTO lift_faults (fault_id, lift_id, code, gb, severity, source, raised_at, raised_seq, status, detail)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'raised', ?)`,
        ).run(faultId, lift, String(d.code), num(d.gb), String(d.severity ?? 'major'), str(d.source), rec.ts, rec.seq, JSON.stringify({ reading: d.reading ?? null, detail: d.detail ?? {} }));
        ensureState(db, lift, rec.seq);
        db.prepare('UPDATE lift_state SET open_faults = open_faults + 1, last_fault_code = ?, last_fault_at = ?, updated_seq = ? WHERE lift_id = ?').run(
          String(d.code),
          rec.ts,
          rec.seq,
          lift,
        );
        return;
      }
      case 'lift.fault.clear': {
        const r = db.prepare('UPDATE lift_faults SET cleared_at = ? WHERE fault_id = ? AND cleared_at IS NULL').run(rec.ts, str(d.faultId));
        if (r.changes > 0) db.prepare('UPDATE lift_state SET open_faults = MAX(0, open_faults - 1), updated_seq = ? WHERE lift_id = ?').run(rec.seq, lift);
        return;
      }
      case 'lift.fault.step': {
        const faultId = str(d.faultId);
        const step = str(d.step) as Step | null;
        if (!faultId || !step || !(STEPS as readonly string[]).includes(step)) return;
        const { faultId: _f, step: _s, note, ...rest } = d;
        db.prepare('INSERT INTO lift_fault_steps (seq, fault_id, step, at, actor, note, data) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
          rec.seq,
          faultId,
          step,
          rec.ts,
          rec.actor ?? null,
          str(note),
          JSON.stringify(rest),
        );
        if (step === 'false_alarm') {
          db.prepare("UPDATE lift_faults SET status = 'false_alarm', closed_at = ?, closed_by = ? WHERE fault_id = ?").run(rec.ts, rec.actor ?? null, faultId);
          return;
        }
        const [at, by] = STEP_COLUMNS[step];
        db.prepare(`UPDATE lift_faults SET status = ?, ${at} = ?, ${by} = ? WHERE fault_id = ?`).run(step, rec.ts, rec.actor ?? null, faultId);
        if (step === 'dispatched' && typeof d.assignee === 'string') {
          db.prepare('UPDATE lift_faults SET assignee = ? WHERE fault_id = ?').run(d.assignee, faultId);
        }
        return;
      }
      case 'lift.fault.escalate':
        db.prepare('UPDATE lift_faults SET escalated_at = ? WHERE fault_id = ? AND escalated_at IS NULL').run(rec.ts, str(d.faultId));
        return;
      case 'lift.mode':
        ensureState(db, lift, rec.seq);
        db.prepare('UPDATE lift_state SET mode = ?, mode_at = ?, updated_seq = ? WHERE lift_id = ?').run(str(d.mode), rec.ts, rec.seq, lift);
        return;
      case 'device.online':
      case 'device.offline':
        if (!(LIFT_PROFILES as readonly string[]).includes(String(d.profile))) return;
        ensureState(db, lift, rec.seq);
        db.prepare('UPDATE lift_state SET online = ?, online_at = ?, updated_seq = ? WHERE lift_id = ?').run(k === 'device.online' ? 1 : 0, rec.ts, rec.seq, lift);
        return;
      case 'lift.maintenance': {
        const visitId = str(d.visitId);
        if (!visitId) return;
        if (d.op === 'open') {
          db.prepare('INSERT INTO lift_visits (visit_id, lift_id, type, opened_at, opened_by, technicians, note) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
            visitId,
            lift,
            String(d.type),
            rec.ts,
            rec.actor ?? null,
            JSON.stringify(Array.isArray(d.technicians) ? d.technicians : []),
            str(d.note),
          );
          ensureState(db, lift, rec.seq);
          db.prepare('UPDATE lift_state SET visit_id = ?, updated_seq = ? WHERE lift_id = ?').run(visitId, rec.seq, lift);
        } else if (d.op === 'close') {
          db.prepare('UPDATE lift_visits SET closed_at = ?, closed_by = ?, items = ?, note = COALESCE(?, note), result = ? WHERE visit_id = ?').run(
            rec.ts,
            rec.actor ?? null,
            JSON.stringify(Array.isArray(d.items) ? d.items : []),
            str(d.note),
            str(d.result),
            visitId,
          );
          db.prepare('UPDATE lift_state SET visit_id = NULL, updated_seq = ? WHERE lift_id = ? AND visit_id = ?').run(rec.seq, lift, visitId);
        }
        return;
      }
      case 'lift.maintenance.alert':
        db.prepare('INSERT OR IGNORE INTO lift_maint_alerts (lift_id, type, due_at, status, seq, at) VALUES (?, ?, ?, ?, ?, ?)').run(
          lift,
          String(d.type),
          num(d.dueAt) ?? 0,
          String(d.status),
          rec.seq,
          rec.ts,
        );
        return;
      default:
        return;
    }
  },
  reset(db: Database) {
    db.exec('DELETE FROM lift_state; DELETE FROM lift_faults; DELETE FROM lift_fault_steps; DELETE FROM lift_visits; DELETE FROM lift_maint_alerts;');
  },
};

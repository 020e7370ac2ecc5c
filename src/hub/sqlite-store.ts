/** The hub's embedded storage: one SQLite file (WAL, synchronous=FULL) plus photos by SHA-256. */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { openDb, type Db } from '../store/db.js';
import { runMigrations, type Migration } from '../store/migrations.js';
import {
  StaleStateError,
  type AlarmSummary,
  type GatewayState,
  type HubAlarm,
  type HubCheckpoint,
  type HubCommand,
  type HubReceipt,
  type HubRecord,
  type HubStore,
  type NewRecord,
  type RecordQuery,
} from './store.js';

export const HUB_DB_FILE = 'hub.db';

const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`;

export const HUB_MIGRATIONS: Migration[] = [
  {
    id: 'hub:1',
    sql: `
CREATE TABLE hub_gateways (
  gw        TEXT PRIMARY KEY,
  vkey      TEXT NOT NULL,
  status    TEXT NOT NULL DEFAULT 'ok',
  held      INTEGER NOT NULL DEFAULT 0,
  verified  INTEGER NOT NULL DEFAULT 0,
  root      TEXT,
  frontier  TEXT,
  added_at  INTEGER NOT NULL,
  last_seen INTEGER,
  online    INTEGER
);
CREATE TABLE hub_records (
  gw      TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  ts      INTEGER NOT NULL,
  kind    TEXT NOT NULL,
  subject TEXT NOT NULL,
  actor   TEXT,
  bytes   BLOB NOT NULL,
  leaf    BLOB NOT NULL,
  PRIMARY KEY (gw, seq)
);
CREATE INDEX hub_records_ts ON hub_records(ts);
CREATE INDEX hub_records_gw_ts ON hub_records(gw, ts);
CREATE INDEX hub_records_kind ON hub_records(kind, ts);
CREATE INDEX hub_records_subject ON hub_records(subject, ts);
${appendOnly('hub_records')}
CREATE TABLE hub_checkpoints (
  gw   TEXT NOT NULL,
  size INTEGER NOT NULL,
  root TEXT NOT NULL,
  note TEXT NOT NULL,
  ts   INTEGER NOT NULL,
  PRIMARY KEY (gw, size)
);
${appendOnly('hub_checkpoints')}
CREATE TABLE hub_receipts (
  gw          TEXT NOT NULL,
  size        INTEGER NOT NULL,
  root        TEXT NOT NULL,
  cosignature TEXT NOT NULL,
  time        INTEGER NOT NULL,
  note        TEXT NOT NULL,
  PRIMARY KEY (gw, size)
);
${appendOnly('hub_receipts')}
CREATE TABLE hub_alarms (
  id       INTEGER PRIMARY KEY,
  gw       TEXT NOT NULL,
  kind     TEXT NOT NULL,
  severity TEXT NOT NULL,
  message  TEXT NOT NULL,
  detail   TEXT NOT NULL,
  ts       INTEGER NOT NULL,
  last_ts  INTEGER NOT NULL,
  count    INTEGER NOT NULL
);
CREATE INDEX hub_alarms_gw ON hub_alarms(gw, kind, id);
CREATE TABLE hub_evidence (
  sha   TEXT PRIMARY KEY,
  gw    TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  ts    INTEGER NOT NULL
);
CREATE TABLE hub_commands (
  id        TEXT PRIMARY KEY,
  gw        TEXT NOT NULL,
  name      TEXT NOT NULL,
  args      TEXT NOT NULL,
  ts        INTEGER NOT NULL,
  status    TEXT NOT NULL,
  result    TEXT,
  result_ts INTEGER
);
`,
  },
  {
    // Lifting a quarantine discards what the gateway sent but no signed checkpoint ever confirmed
    // (seq ≥ verified): kept in hub_discarded for inspection, deletable from hub_records only while
    // the gateway is quarantined. Verified records stay append-only.
    id: 'hub:2',
    sql: `
DROP TRIGGER hub_records_no_delete;
CREATE TRIGGER hub_records_no_delete BEFORE DELETE ON hub_records
WHEN OLD.seq < (SELECT verified FROM hub_gateways WHERE gw = OLD.gw)
  OR (SELECT status FROM hub_gateways WHERE gw = OLD.gw) IS NOT 'tampered'
BEGIN SELECT RAISE(ABORT, 'hub_records is append-only (only unverified records of a quarantined gateway can be discarded)'); END;
CREATE TABLE hub_discarded (
  gw           TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  ts           INTEGER NOT NULL,
  kind         TEXT NOT NULL,
  subject      TEXT NOT NULL,
  actor        TEXT,
  bytes        BLOB NOT NULL,
  leaf         BLOB NOT NULL,
  discarded_at INTEGER NOT NULL,
  release      INTEGER NOT NULL
);
CREATE INDEX hub_discarded_gw ON hub_discarded(gw, seq);
${appendOnly('hub_discarded')}
`,
  },
];

interface GatewayRow {
  gw: string;
  vkey: string;
  status: string;
  held: number;
  verified: number;
  root: string | null;
  frontier: string | null;
  added_at: number;
  last_seen: number | null;
  online: number | null;
}

interface AlarmRow {
  id: number;
  gw: string;
  kind: string;
  severity: string;
  message: string;
  detail: string;
  ts: number;
  last_ts: number;
  count: number;
}

const toGateway = (r: GatewayRow): GatewayState => ({
  gw: r.gw,
  vkey: r.vkey,
  status: r.status === 'tampered' ? 'tampered' : 'ok',
  held: r.held,
  verified: r.verified,
  root: r.root,
  frontier: r.frontier,
  addedAt: r.added_at,
  lastSeen: r.last_seen,
  online: r.online === null ? null : r.online === 1,
});

const toAlarm = (r: AlarmRow): HubAlarm => ({
  id: r.id,
  gw: r.gw,
  kind: r.kind as HubAlarm['kind'],
  severity: r.severity === 'critical' ? 'critical' : 'warning',
  message: r.message,
  detail: JSON.parse(r.detail) as Record<string, unknown>,
  ts: r.ts,
  lastTs: r.last_ts,
  count: r.count,
});

const RECORD_COLS = 'gw, seq, ts, kind, subject, actor, bytes, leaf';

export class SqliteHubStore implements HubStore {
  readonly db: Db;
  private readonly photos: string;
  private readonly st: ReturnType<SqliteHubStore['prepare']>;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    this.photos = join(dir, 'photos');
    mkdirSync(this.photos, { recursive: true });
    this.db = openDb(join(dir, HUB_DB_FILE));
    try {
      runMigrations(this.db, HUB_MIGRATIONS);
      this.st = this.prepare();
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  private prepare() {
    const s = <P extends unknown[], R = unknown>(sql: string): Statement<P, R> => this.db.prepare<P, R>(sql);
    return {
      gateway: s<[string], GatewayRow>('SELECT * FROM hub_gateways WHERE gw = ?'),
      gateways: s<[], GatewayRow>('SELECT * FROM hub_gateways ORDER BY gw'),
      addGateway: s<[string, string, number]>('INSERT INTO hub_gateways (gw, vkey, added_at) VALUES (?, ?, ?)'),
      rekey: s<[string, string]>('UPDATE hub_gateways SET vkey = ? WHERE gw = ?'),
      setStatus: s<[string, string]>('UPDATE hub_gateways SET status = ? WHERE gw = ?'),
      setOnline: s<[number, number, string]>('UPDATE hub_gateways SET online = ?, last_seen = ? WHERE gw = ?'),
      seen: s<[number, string]>('UPDATE hub_gateways SET last_seen = ? WHERE gw = ?'),
      setHeld: s<[number, string, number]>('UPDATE hub_gateways SET held = ? WHERE gw = ? AND held = ?'),
      insertRecord: s<[string, number, number, string, string, string | null, Buffer, Buffer]>(
        `INSERT INTO hub_records (${RECORD_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      leaves: s<[string, number, number]>('SELECT leaf FROM hub_records WHERE gw = ? AND seq >= ? AND seq < ? ORDER BY seq'),
      records: s<[string, number, number], HubRecord>(`SELECT ${RECORD_COLS} FROM hub_records WHERE gw = ? AND seq >= ? ORDER BY seq LIMIT ?`),
      insertCheckpoint: s<[string, number, string, string, number]>('INSERT OR IGNORE INTO hub_checkpoints (gw, size, root, note, ts) VALUES (?, ?, ?, ?, ?)'),
      setVerified: s<[number, string, string | null, string, number]>(
        'UPDATE hub_gateways SET verified = ?, root = ?, frontier = ? WHERE gw = ? AND verified = ?',
      ),
      checkpoint: s<[string, number], HubCheckpoint>('SELECT size, root, note, ts FROM hub_checkpoints WHERE gw = ? AND size = ?'),
      checkpoints: s<[string], HubCheckpoint>('SELECT size, root, note, ts FROM hub_checkpoints WHERE gw = ? ORDER BY size'),
      insertReceipt: s<[string, number, string, string, number, string]>(
        'INSERT OR IGNORE INTO hub_receipts (gw, size, root, cosignature, time, note) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      latestReceipt: s<[string], HubReceipt>('SELECT size, root, cosignature, time, note FROM hub_receipts WHERE gw = ? ORDER BY size DESC LIMIT 1'),
      receipts: s<[string], HubReceipt>('SELECT size, root, cosignature, time, note FROM hub_receipts WHERE gw = ? ORDER BY size'),
      lastAlarm: s<[string, string], AlarmRow>('SELECT * FROM hub_alarms WHERE gw = ? AND kind = ? ORDER BY id DESC LIMIT 1'),
      countAlarm: s<[number, number]>('UPDATE hub_alarms SET count = count + 1, last_ts = ? WHERE id = ?'),
      insertAlarm: s<[string, string, string, string, string, number, number]>(
        'INSERT INTO hub_alarms (gw, kind, severity, message, detail, ts, last_ts, count) VALUES (?, ?, ?, ?, ?, ?, ?, 1)',
      ),
      alarm: s<[number | bigint], AlarmRow>('SELECT * FROM hub_alarms WHERE id = ?'),
      alarmCounts: s<[], { gw: string; n: number }>('SELECT gw, COUNT(*) AS n FROM hub_alarms GROUP BY gw'),
      alarmSummary: s<[], AlarmSummary>(
        'SELECT gw, kind, MIN(severity) AS severity, COUNT(*) AS alarms, SUM(count) AS times, MAX(last_ts) AS lastTs FROM hub_alarms GROUP BY gw, kind ORDER BY gw, kind',
      ),
      hasEvidence: s<[string]>('SELECT 1 FROM hub_evidence WHERE sha = ?'),
      insertEvidence: s<[string, string, number, number]>('INSERT OR IGNORE INTO hub_evidence (sha, gw, bytes, ts) VALUES (?, ?, ?, ?)'),
      insertCommand: s<[string, string, string, string, number, string]>(
        'INSERT INTO hub_commands (id, gw, name, args, ts, status) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      commandResult: s<[string, string, number, string]>('UPDATE hub_commands SET status = ?, result = ?, result_ts = ? WHERE id = ?'),
      command: s<[string], { id: string; gw: string; name: string; args: string; ts: number; status: string; result: string | null; result_ts: number | null }>(
        'SELECT * FROM hub_commands WHERE id = ?',
      ),
    };
  }

  async getGateway(gw: string): Promise<GatewayState | undefined> {
    const r = this.st.gateway.get(gw);
    return r && toGateway(r);
  }

  async listGateways(): Promise<GatewayState[]> {
    return this.st.gateways.all().map(toGateway);
  }

  async putGateway(gw: string, vkey: string, opts: { replace?: boolean } = {}): Promise<'added' | 'unchanged' | 'replaced'> {
    return this.db.transaction(() => {
      const r = this.st.gateway.get(gw);
      if (!r) {
        this.st.addGateway.run(gw, vkey, Date.now());
        return 'added' as const;
      }
      if (r.vkey === vkey) return 'unchanged' as const;
      if (!opts.replace) throw new Error(`gateway ${gw} is registered with another key (${r.vkey}); pass --replace to re-key it`);
      this.st.rekey.run(vkey, gw);
      return 'replaced' as const;
    }).immediate();
  }

  async setStatus(gw: string, status: GatewayState['status']): Promise<void> {
    this.st.setStatus.run(status, gw);
  }

  async releaseQuarantine(gw: string, a: Omit<HubAlarm, 'id' | 'lastTs' | 'count' | 'gw' | 'kind'>): Promise<{ alarm: HubAlarm; discarded: number }> {
    return this.db.transaction(() => {
      const g = this.st.gateway.get(gw);
      if (!g) throw new Error(`gateway ${gw} is not registered`);
      if (g.status !== 'tampered') throw new Error(`gateway ${gw} is not quarantined (status ${g.status}): nothing to release`);
      const detail = { ...a.detail, discarded: g.held - g.verified };
      const r = this.st.insertAlarm.run(gw, 'released', a.severity, a.message, JSON.stringify(detail), a.ts, a.ts);
      this.db
        .prepare(`INSERT INTO hub_discarded (${RECORD_COLS}, discarded_at, release) SELECT ${RECORD_COLS}, ?, ? FROM hub_records WHERE gw = ? AND seq >= ?`)
        .run(a.ts, r.lastInsertRowid, gw, g.verified);
      const discarded = this.db.prepare('DELETE FROM hub_records WHERE gw = ? AND seq >= ?').run(gw, g.verified).changes;
      this.db.prepare("UPDATE hub_gateways SET held = verified, status = 'ok' WHERE gw = ?").run(gw);
      return { alarm: toAlarm(this.st.alarm.get(r.lastInsertRowid)!), discarded };
    }).immediate();
  }

  async setOnline(gw: string, online: boolean, ts: number): Promise<void> {
    this.st.setOnline.run(online ? 1 : 0, ts, gw);
  }

  async appendRecords(gw: string, expectedHeld: number, rows: NewRecord[]): Promise<void> {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      const next = expectedHeld + rows.length;
      if (this.st.setHeld.run(next, gw, expectedHeld).changes !== 1) throw new StaleStateError(gw);
      rows.forEach((r, i) => {
        if (r.seq !== expectedHeld + i) throw new Error(`appendRecords: seq ${r.seq} where ${expectedHeld + i} was expected`);
        this.st.insertRecord.run(gw, r.seq, r.ts, r.kind, r.subject, r.actor, r.bytes, r.leaf);
      });
      this.st.seen.run(Date.now(), gw);
    }).immediate();
  }

  async leaves(gw: string, from: number, to: number): Promise<Buffer[]> {
    return (this.st.leaves.raw(true).all(gw, from, to) as [Buffer][]).map((r) => r[0]);
  }

  async records(gw: string, from: number, limit: number): Promise<HubRecord[]> {
    return this.st.records.all(gw, from, limit);
  }

  async search(q: RecordQuery): Promise<HubRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const cond = (sql: string, ...v: (string | number)[]): void => {
      where.push(sql);
      params.push(...v);
    };
    if (q.gw !== undefined) cond('gw = ?', q.gw);
    if (q.kind?.endsWith('.*')) cond('substr(kind, 1, ?) = ?', q.kind.length - 1, q.kind.slice(0, -1));
    else if (q.kind !== undefined) cond('kind = ?', q.kind);
    if (q.subject !== undefined) cond('subject = ?', q.subject);
    // The seal's own records have it as subject; request records (request, decision, grant…) name it in data.seal.
    if (q.seal !== undefined) cond("(subject = ? OR (substr(kind, 1, 5) = 'seal.' AND json_extract(CAST(bytes AS TEXT), '$.data.seal') = ?))", q.seal, q.seal);
    if (q.from !== undefined) cond('ts >= ?', q.from);
    if (q.to !== undefined) cond('ts <= ?', q.to);
    if (q.before) cond('(ts, gw, seq) < (?, ?, ?)', q.before.ts, q.before.gw, q.before.seq);
    const sql = `SELECT ${RECORD_COLS} FROM hub_records ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts DESC, gw DESC, seq DESC LIMIT ?`;
    return this.db.prepare<unknown[], HubRecord>(sql).all(...params, q.limit);
  }

  async setVerified(gw: string, expectedVerified: number, cp: HubCheckpoint, frontier: string | null): Promise<void> {
    this.db.transaction(() => {
      this.st.insertCheckpoint.run(gw, cp.size, cp.root, cp.note, cp.ts);
      if (cp.size > expectedVerified && this.st.setVerified.run(cp.size, cp.root, frontier, gw, expectedVerified).changes !== 1) {
        throw new StaleStateError(gw);
      }
    }).immediate();
  }

  async getCheckpoint(gw: string, size: number): Promise<HubCheckpoint | undefined> {
    return this.st.checkpoint.get(gw, size);
  }

  async checkpoints(gw: string): Promise<HubCheckpoint[]> {
    return this.st.checkpoints.all(gw);
  }

  async putReceipt(gw: string, r: HubReceipt): Promise<void> {
    this.st.insertReceipt.run(gw, r.size, r.root, r.cosignature, r.time, r.note);
  }

  async latestReceipt(gw: string): Promise<HubReceipt | undefined> {
    return this.st.latestReceipt.get(gw);
  }

  async receipts(gw: string): Promise<HubReceipt[]> {
    return this.st.receipts.all(gw);
  }

  async raiseAlarm(a: Omit<HubAlarm, 'id' | 'lastTs' | 'count'>): Promise<HubAlarm> {
    return this.db.transaction(() => {
      const last = this.st.lastAlarm.get(a.gw, a.kind);
      if (last && last.message === a.message) {
        this.st.countAlarm.run(a.ts, last.id);
        return toAlarm(this.st.alarm.get(last.id)!);
      }
      const r = this.st.insertAlarm.run(a.gw, a.kind, a.severity, a.message, JSON.stringify(a.detail), a.ts, a.ts);
      return toAlarm(this.st.alarm.get(r.lastInsertRowid)!);
    }).immediate();
  }

  async alarms(q: { gw?: string | undefined; kind?: string | undefined; limit: number }): Promise<HubAlarm[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.gw !== undefined) {
      where.push('gw = ?');
      params.push(q.gw);
    }
    if (q.kind !== undefined) {
      where.push('kind = ?');
      params.push(q.kind);
    }
    const sql = `SELECT * FROM hub_alarms ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.db.prepare<unknown[], AlarmRow>(sql).all(...params, q.limit).map(toAlarm);
  }

  async alarmCounts(): Promise<Map<string, number>> {
    return new Map(this.st.alarmCounts.all().map((r) => [r.gw, r.n]));
  }

  async alarmSummary(): Promise<AlarmSummary[]> {
    return this.st.alarmSummary.all();
  }

  async putEvidence(gw: string, sha: string, bytes: Buffer): Promise<boolean> {
    if (this.st.hasEvidence.get(sha)) return false;
    const file = join(this.photos, sha);
    if (!existsSync(file)) {
      const tmp = `${file}.${process.pid}.tmp`;
      const fd = openSync(tmp, 'w', 0o640);
      try {
        for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    }
    return this.st.insertEvidence.run(sha, gw, bytes.length, Date.now()).changes === 1;
  }

  photosDir(): string {
    return this.photos;
  }

  async putCommand(c: HubCommand): Promise<void> {
    this.st.insertCommand.run(c.id, c.gw, c.name, JSON.stringify(c.args), c.ts, c.status);
  }

  async setCommandResult(id: string, status: HubCommand['status'], result: unknown, ts: number): Promise<void> {
    this.st.commandResult.run(status, JSON.stringify(result ?? null), ts, id);
  }

  async command(id: string): Promise<HubCommand | undefined> {
    const r = this.st.command.get(id);
    if (!r) return undefined;
    return {
      id: r.id,
      gw: r.gw,
      name: r.name,
      args: JSON.parse(r.args) as Record<string, unknown>,
      ts: r.ts,
      status: r.status as HubCommand['status'],
      result: r.result === null ? null : (JSON.parse(r.result) as unknown),
      resultTs: r.result_ts,
    };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

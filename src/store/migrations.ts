/**
 * Versioned schema: the store's own migrations and those of registered projections, each applied
 * once, in its own transaction, and recorded in schema_migrations by id.
 */
import type { Db } from './db.js';
import type { Projection } from './types.js';

export interface Migration {
  /** `store:N` or `${projection}:${version}` */
  id: string;
  sql: string;
}

const appendOnly = (table: string, what: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${what} is append-only'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${what} is append-only'); END;`;

export const STORE_MIGRATIONS: Migration[] = [
  {
    id: 'store:1',
    sql: `
CREATE TABLE journal (
  seq      INTEGER PRIMARY KEY,
  ts       INTEGER NOT NULL,
  kind     TEXT NOT NULL,
  subject  TEXT NOT NULL,
  actor    TEXT,
  dev_id   TEXT,
  dev_boot INTEGER,
  dev_seq  INTEGER,
  bytes    BLOB NOT NULL,
  leaf     BLOB NOT NULL
);
CREATE INDEX journal_ts ON journal(ts);
CREATE INDEX journal_kind ON journal(kind, ts);
CREATE INDEX journal_subject ON journal(subject, ts);
CREATE UNIQUE INDEX journal_dev ON journal(dev_id, dev_boot, dev_seq) WHERE dev_id IS NOT NULL;
${appendOnly('journal', 'journal')}

CREATE TABLE checkpoints (
  size INTEGER PRIMARY KEY,
  root TEXT NOT NULL,
  note TEXT NOT NULL,
  ts   INTEGER NOT NULL
);
${appendOnly('checkpoints', 'checkpoints')}

-- A cache of the Merkle frontier, rewritten in every commit; rebuilt from the leaves if it disagrees.
CREATE TABLE merkle_state (
  id       INTEGER PRIMARY KEY CHECK (id = 0),
  size     INTEGER NOT NULL,
  frontier TEXT NOT NULL
);

-- Hub cosignatures on our checkpoints (DESIGN §5.7), filled by sync/.
CREATE TABLE receipts (
  size        INTEGER PRIMARY KEY,
  root        TEXT NOT NULL,
  cosignature TEXT NOT NULL,
  time        INTEGER NOT NULL,
  note        TEXT
);
${appendOnly('receipts', 'receipts')}
`,
  },
];

export function projectionMigrations(p: Projection): Migration[] {
  const versions = p.migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new Error(`projection ${p.name}: duplicate migration versions`);
  return [...p.migrations].sort((a, b) => a.version - b.version).map((m) => ({ id: `${p.name}:${m.version}`, sql: m.sql }));
}

/** Apply the migrations not yet recorded, in order. Returns the ids applied now. */
export function runMigrations(db: Db, migrations: readonly Migration[]): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const has = db.prepare<[string], { id: string }>('SELECT id FROM schema_migrations WHERE id = ?');
  const mark = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  const applied: string[] = [];
  for (const m of migrations) {
    // IMMEDIATE: a second process migrating at the same time waits, then sees the row and skips.
    const run = db.transaction(() => {
      if (has.get(m.id)) return false;
      db.exec(m.sql);
      mark.run(m.id, Date.now());
      return true;
    });
    try {
      if (run.immediate()) applied.push(m.id);
    } catch (e) {
      throw new Error(`migration ${m.id} failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return applied;
}

export const migrateStore = (db: Db): string[] => runMigrations(db, STORE_MIGRATIONS);

/** Ids already applied, in order of application. */
export function appliedMigrations(db: Db): string[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return [];
  return db.prepare<[], { id: string }>('SELECT id FROM schema_migrations ORDER BY applied_at, rowid').all().map((r) => r.id);
}

/** Opening the SQLite file with the durability settings the laws require (DESIGN §4.1). */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

export interface OpenDbOptions {
  /** SQLite max_page_count (0 or absent = unlimited). Per connection: set again on every open. */
  maxPageCount?: number | undefined;
  readonly?: boolean;
  /** How long to wait for another process's write lock (CLI export/verify next to the daemon). */
  busyTimeoutMs?: number;
}

export function openDb(path: string, opts: OpenDbOptions = {}): Db {
  const readonly = opts.readonly ?? false;
  if (!readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly, fileMustExist: readonly });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    if (!readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
      if (mode !== 'wal' && path !== ':memory:') throw new Error(`${path}: cannot switch to WAL mode (got ${mode})`);
    }
    // FULL: in WAL mode the WAL is fsynced at every COMMIT, so a committed (acknowledged) record
    // survives power loss, not only a process crash.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    if (opts.maxPageCount) setMaxPageCount(db, opts.maxPageCount);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Cap (or, with a larger value, lift the cap on) the database size in pages. Returns the value in force. */
export function setMaxPageCount(db: Db, pages: number): number {
  if (!Number.isSafeInteger(pages) || pages < 0) throw new Error(`max_page_count must be a non-negative integer, got ${pages}`);
  // 0 means unlimited to our callers; SQLite's own maximum is 4294967294.
  return db.pragma(`max_page_count = ${pages === 0 ? 4294967294 : pages}`, { simple: true }) as number;
}

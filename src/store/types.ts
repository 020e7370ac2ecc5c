/**
 * The store's public shapes. The store knows nothing about seals or lifts: domain folders
 * register projections (derived state tables) and append records of the kinds in core/kinds.ts.
 */
import type { Database } from 'better-sqlite3';
import type { RecordKind } from '../core/kinds.js';

/** The device's own identity of an event: the natural key (id, boot, seq) plus its clock. */
export interface DevRef {
  id: string;
  boot: number;
  seq: number;
  /** Device clock, UTC epoch ms (untrusted). */
  time: number;
}

/** What a caller asks to append. `ts` (gateway time, UTC epoch ms) defaults to now. */
export interface AppendInput {
  kind: RecordKind;
  subject: string;
  actor?: string | undefined;
  dev?: DevRef | undefined;
  data: Record<string, unknown>;
  ts?: number | undefined;
}

/** A journal record exactly as hashed (DESIGN §5.6); stored as its JCS bytes. */
export interface JournalRecord {
  v: 1;
  gw: string;
  seq: number;
  ts: number;
  kind: RecordKind;
  subject: string;
  actor?: string;
  dev?: DevRef;
  data: Record<string, unknown>;
}

export interface Committed {
  seq: number;
  /** true when the natural key (dev.id, dev.boot, dev.seq) was already stored: nothing new written. */
  duplicate: boolean;
  record: JournalRecord;
  /** Appended by another process (the CLI), seen by this one's `onRecords` listeners; its projections were applied by that process. */
  foreign?: true;
}

/**
 * A derived state table. `apply` runs inside the commit transaction for every new record, in seq
 * order; `reset` empties the tables so `rebuild` can replay the whole journal.
 */
export interface Projection {
  name: string;
  /** DDL run once per version, in order, recorded in schema_migrations as `${name}:${version}`. */
  migrations: { version: number; sql: string }[];
  apply(db: Database, rec: JournalRecord): void;
  reset(db: Database): void;
}

export interface Checkpoint {
  size: number;
  /** base64 RFC 6962 root hash */
  root: string;
  /** The full C2SP signed note text. */
  note: string;
  ts: number;
}

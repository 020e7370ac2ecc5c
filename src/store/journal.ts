/**
 * The append-only, verifiable journal (DESIGN §4.1–4.4, §5.6).
 *
 * Appends queue in memory and are written together in ONE SQLite transaction (group commit) a few
 * ms later or when a batch is full; each promise settles only after COMMIT returned, and with
 * synchronous=FULL that means the record is on disk — the caller may then acknowledge the device.
 * The whole commit runs synchronously on the event loop, so no other code ever observes a
 * half-applied batch and seq/frontier are only advanced once COMMIT succeeded.
 *
 * One Journal (one process) writes a database; other processes may read, verify and export it,
 * and the CLI may append provisioning records (`sealift device add`, `user add`) while the daemon
 * runs. Such foreign appends are noticed by `PRAGMA data_version` (a cheap look, every `watchMs`
 * while someone listens) and before each commit: the frontier takes their leaves and the listeners
 * get them like local commits, flagged `foreign` (their projections were applied by the writer).
 */
import type { Database, Statement } from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { Rejection, StorageError } from '../core/errors.js';
import { child, createLogger, type Logger } from '../core/logger.js';
import type { Config } from '../core/config.js';
import { checkpointOrigin, openCheckpoint, signCheckpoint } from './checkpoint.js';
import { openDb, type Db } from './db.js';
import { loadOrCreateKey, type NoteSigner } from './keys.js';
import { Frontier, leafHash } from './merkle.js';
import { migrateStore, projectionMigrations, runMigrations } from './migrations.js';
import { encodeRecord, prepareInput, RecordError, toRecord, type PreparedInput } from './record.js';
import type { AppendInput, Checkpoint, Committed, JournalRecord, Projection } from './types.js';

export interface JournalOptions {
  db: Db;
  /** Gateway id: written in every record and in the checkpoint origin `sealift/{gw}`. */
  gw: string;
  /** Signing key; its name must be the origin `sealift/{gw}`. */
  key: NoteSigner;
  log?: Logger | undefined;
  /** How long appends wait to share a commit; 0 = commit on the next turn of the event loop. */
  groupCommitMs?: number | undefined;
  /** Most records in one transaction. */
  maxBatch?: number | undefined;
  /** Appends waiting for a commit beyond which new ones are refused at once. */
  maxPending?: number | undefined;
  /** Largest encoded record accepted (upstream batches are ≤ 256 KiB, so keep well below). */
  maxRecordBytes?: number | undefined;
  /** Called after every successful commit: its duration and the number of records written. */
  onCommit?: ((ms: number, count: number) => void) | undefined;
  now?: (() => number) | undefined;
  /** How often to look for records another process appended, while `onRecords` has listeners; 0 = only before each commit. */
  watchMs?: number | undefined;
  /** Close the database in close() (set by Journal.open). */
  ownsDb?: boolean | undefined;
}

export interface JournalOpenOptions extends Omit<JournalOptions, 'db' | 'ownsDb'> {
  path: string;
  /** SQLite max_page_count; 0/absent = unlimited. */
  maxPageCount?: number | undefined;
}

/** A stored row: the exact hashed bytes and the leaf hash. */
export interface StoredRow {
  seq: number;
  bytes: Buffer;
  leaf: Buffer;
}

export interface JournalStats {
  /** Records committed (= next seq). */
  size: number;
  pending: number;
  commits: number;
  failedCommits: number;
  /** Appends refused because maxPending was reached. */
  refusals: number;
  /** Appends refused as malformed. */
  invalid: number;
  duplicates: number;
  lastCommitMs: number;
  lastBatch: number;
  /** The last commit failed for lack of space (cleared by the next successful commit). */
  full: boolean;
  lastError: string | undefined;
  checkpointSize: number;
}

interface PendingAppend {
  input: PreparedInput;
  data: Record<string, unknown>;
  resolve: (c: Committed) => void;
  reject: (e: Error) => void;
}

type Outcome = { ok: Committed } | { err: Error };

const GW_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const READ_CHUNK = 1024;
/** Errors after which the transaction cannot be trusted: the whole batch is refused. */
const FATAL_SQLITE = /^SQLITE_(FULL|IOERR|CORRUPT|NOMEM|READONLY|BUSY|LOCKED|CANTOPEN|NOTADB|PROTOCOL|PERM)/;
const isFatal = (e: unknown): boolean => FATAL_SQLITE.test(String((e as { code?: unknown }).code ?? ''));

/** The database file inside the data directory. */
export const DB_FILE = 'sealift.db';

/** Checkpoints signed on a schedule or for the upstream batches: logged at debug, the others (anomaly, remote, shutdown, export) at info. */
const ROUTINE_CHECKPOINTS = new Set(['interval', 'upstream', 'requested']);

export class Journal {
  readonly db: Db;
  readonly gw: string;
  readonly key: NoteSigner;
  private readonly log: Logger;
  private readonly groupCommitMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private readonly maxRecordBytes: number;
  private readonly onCommit: ((ms: number, count: number) => void) | undefined;
  private readonly now: () => number;
  private readonly ownsDb: boolean;
  private readonly watchMs: number;

  private frontier: Frontier;
  private pending: PendingAppend[] = [];
  private projections: Projection[] = [];
  private listeners = new Set<(records: Committed[]) => void>();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  /** `PRAGMA data_version` when we last looked: it changes when another connection commits. */
  private dataVersion: number;
  private closing = false;
  private closePromise: Promise<void> | undefined;
  private lastRefusalLog = 0;
  private readonly st: ReturnType<typeof prepare>;
  private readonly counters = { commits: 0, failedCommits: 0, refusals: 0, invalid: 0, duplicates: 0, lastCommitMs: 0, lastBatch: 0 };
  private full = false;
  private lastError: string | undefined;

  constructor(opts: JournalOptions) {
    if (!GW_PATTERN.test(opts.gw)) throw new Error(`gateway id ${JSON.stringify(opts.gw)} is not valid (letters, digits, _ . -)`);
    if (opts.key.name !== checkpointOrigin(opts.gw)) throw new Error(`key name ${opts.key.name} must be the origin ${checkpointOrigin(opts.gw)}`);
    this.db = opts.db;
    this.gw = opts.gw;
    this.key = opts.key;
    this.log = child(opts.log ?? createLogger('silent'), 'journal');
    this.groupCommitMs = positiveInt(opts.groupCommitMs ?? 2, 'groupCommitMs', 0);
    this.maxBatch = positiveInt(opts.maxBatch ?? 1000, 'maxBatch', 1);
    this.maxPending = positiveInt(opts.maxPending ?? 50_000, 'maxPending', 1);
    this.maxRecordBytes = positiveInt(opts.maxRecordBytes ?? 64 * 1024, 'maxRecordBytes', 256);
    this.onCommit = opts.onCommit;
    this.now = opts.now ?? Date.now;
    this.ownsDb = opts.ownsDb ?? false;
    this.watchMs = positiveInt(opts.watchMs ?? 1000, 'watchMs', 0);
    migrateStore(this.db);
    this.st = prepare(this.db);
    this.checkOwner();
    this.dataVersion = this.st.dataVersion.get()!.data_version;
    this.frontier = this.loadFrontier();
  }

  /** Refuse another gateway's database; warn when the key is not the one that signed the checkpoints. */
  private checkOwner(): void {
    const first = this.st.get.get(0);
    if (first) {
      const gw = (JSON.parse(first.bytes.toString('utf8')) as JournalRecord).gw;
      if (gw !== this.gw) throw new Error(`this database holds the journal of gateway ${JSON.stringify(gw)}, not ${JSON.stringify(this.gw)}`);
    }
    const last = this.latestCheckpoint();
    if (last && !openCheckpoint(last.note, this.key.vkey).ok) {
      this.log.error(
        { keyId: this.key.keyId.toString('hex'), checkpoint: last.size },
        'the newest checkpoint was not signed by this gateway key (key replaced?): verify will fail on the old checkpoints unless given the old key',
      );
    }
  }

  /** Open (creating if needed) the database file and the journal in it. */
  static open(opts: JournalOpenOptions): Journal {
    const db = openDb(opts.path, { maxPageCount: opts.maxPageCount });
    try {
      return new Journal({ ...opts, db, ownsDb: true });
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** The daemon's journal from its configuration: `<data>/sealift.db`, key `<data>/keys/gateway.key`. */
  static fromConfig(cfg: Config, log?: Logger, extra: Pick<JournalOptions, 'onCommit'> = {}): Journal {
    const gw = cfg.gateway.id;
    return Journal.open({
      path: join(cfg.data, DB_FILE),
      gw,
      key: loadOrCreateKey(cfg.data, checkpointOrigin(gw)),
      log,
      groupCommitMs: cfg.journal.groupCommitMs,
      maxBatch: cfg.journal.maxBatch,
      maxPending: cfg.journal.maxPending,
      maxPageCount: cfg.journal.maxPageCount,
      ...extra,
    });
  }

  /** The committed frontier, from merkle_state when it matches the rows, else rebuilt from the leaves. */
  private loadFrontier(): Frontier {
    const size = this.st.size.get()!.n;
    const state = this.st.loadState.get();
    if (state && state.size === size) {
      try {
        const f = Frontier.deserialize(state.frontier);
        if (f.size === size) return f;
      } catch {
        /* fall through to a rebuild */
      }
    }
    if (size > 0 || state) this.log.warn({ rows: size, state: state?.size ?? null }, 'merkle_state disagrees with the journal rows; rebuilding the frontier from the leaves');
    const f = new Frontier();
    for (const [leaf] of this.st.allLeaves.raw(true).iterate() as IterableIterator<[Buffer]>) f.push(leaf);
    if (f.size !== size) throw new Error(`journal rows are not gapless: ${f.size} rows but the last seq is ${size - 1} (run verify)`);
    this.st.saveState.run(f.size, f.serialize());
    return f;
  }

  // ---------------------------------------------------------------------------------------------
  // Appending

  /**
   * Append a record; resolves after the commit that contains it, with its seq, or with the stored
   * original (`duplicate: true`) when the device natural key (dev.id, dev.boot, dev.seq) is known.
   * Rejects at once for malformed input, when closed, or when maxPending appends already wait.
   */
  append(input: AppendInput): Promise<Committed> {
    if (this.closing) return Promise.reject(new StorageError('journal.closed', 'journal is closed; append refused'));
    let prepared: PreparedInput;
    let data: Record<string, unknown>;
    try {
      prepared = prepareInput(input, this.now());
      const size = Buffer.byteLength(encodeRecord(prepared, this.gw, Number.MAX_SAFE_INTEGER));
      if (size > this.maxRecordBytes) throw new RecordError(`record is ${size} bytes, more than the ${this.maxRecordBytes} allowed (store large content as a photo/file by hash)`);
      // What projections and callers see is exactly what a replay of the stored bytes gives.
      data = JSON.parse(prepared.data) as Record<string, unknown>;
    } catch (e) {
      this.counters.invalid++;
      const msg = e instanceof RecordError ? e.message : `malformed append: ${(e as Error).message}`;
      return Promise.reject(new Rejection('journal.invalid', `journal append refused: ${msg}`));
    }
    if (this.pending.length >= this.maxPending) {
      this.counters.refusals++;
      const t = Date.now();
      if (t - this.lastRefusalLog > 1000) {
        this.lastRefusalLog = t;
        this.log.warn({ pending: this.pending.length, refusals: this.counters.refusals }, 'journal queue full: refusing appends');
      }
      return Promise.reject(
        new StorageError('journal.busy', `journal busy: ${this.pending.length} appends already wait for a commit (journal.maxPending); refused, nothing stored — retry later`),
      );
    }
    return new Promise<Committed>((resolve, reject) => {
      this.pending.push({ input: prepared, data, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.immediate) return;
    if (this.pending.length >= this.maxBatch || this.groupCommitMs === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate = setImmediate(() => this.onTimer());
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.onTimer(), this.groupCommitMs);
    }
  }

  private onTimer(): void {
    this.timer = undefined;
    this.immediate = undefined;
    this.commitBatch();
    // Leftovers (more than maxBatch queued): next batch on the next turn, letting I/O run between.
    if (this.pending.length > 0) this.schedule();
  }

  /** Commit everything queued now (e.g. before a checkpoint or shutdown). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    while (this.pending.length > 0) this.commitBatch();
    return Promise.resolve();
  }

  /** Write up to maxBatch queued appends in one transaction; settle their promises after COMMIT. */
  private commitBatch(): void {
    const batch = this.pending.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    const t0 = performance.now();
    // seq and frontier advance on a copy, taken once the write lock is held
    let frontier = this.frontier;
    const outcomes: Outcome[] = [];
    let foreign: Committed[] = [];
    // Savepoints only matter when a projection may fail on its own; without projections any
    // failure concerns the whole transaction.
    const savepoints = this.projections.length > 0;
    try {
      this.st.begin.run();
      // Another process (the CLI provisioning a device while the daemon runs) may have appended
      // since we last looked: BEGIN IMMEDIATE holds the write lock, so take them in now.
      foreign = this.adoptForeign();
      frontier = this.frontier.clone();
      for (const item of batch) {
        const p = item.input;
        if (p.dev) {
          // Also finds an original inserted earlier in this same (uncommitted) transaction.
          const orig = this.st.byDev.get(p.dev.id, p.dev.boot, p.dev.seq);
          if (orig) {
            outcomes.push({ ok: { seq: orig.seq, duplicate: true, record: JSON.parse(orig.bytes.toString('utf8')) as JournalRecord } });
            continue;
          }
        }
        const seq = frontier.size;
        const bytes = Buffer.from(encodeRecord(p, this.gw, seq), 'utf8');
        const leaf = leafHash(bytes);
        const rec = toRecord(p, this.gw, seq, item.data);
        if (savepoints) this.st.savepoint.run();
        this.st.insert.run(seq, p.ts, p.kind, p.subject, p.actor ?? null, p.dev?.id ?? null, p.dev?.boot ?? null, p.dev?.seq ?? null, bytes, leaf);
        const failed = this.applyProjections(rec);
        if (failed) {
          // Undo this record only (row and projection writes); seq is not consumed.
          this.st.rollbackTo.run();
          this.st.release.run();
          outcomes.push({ err: failed });
          continue;
        }
        if (savepoints) this.st.release.run();
        frontier.push(leaf);
        outcomes.push({ ok: { seq, duplicate: false, record: rec } });
      }
      if (frontier.size !== this.frontier.size) this.st.saveState.run(frontier.size, frontier.serialize());
      this.st.commit.run();
    } catch (e) {
      this.failBatch(batch, e);
      this.tell(foreign);
      return;
    }
    this.frontier = frontier;
    const ms = performance.now() - t0;
    const written = outcomes.filter((o): o is { ok: Committed } => 'ok' in o && !o.ok.duplicate).map((o) => o.ok);
    Object.assign(this.counters, { commits: this.counters.commits + 1, lastCommitMs: ms, lastBatch: written.length });
    this.counters.duplicates += outcomes.filter((o) => 'ok' in o && o.ok.duplicate).length;
    this.full = false;
    this.lastError = undefined;
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if ('ok' in o) item.resolve(o.ok);
      else item.reject(o.err);
    });
    this.safely(() => this.onCommit?.(ms, written.length));
    this.tell(foreign);
    this.tell(written);
  }

  private tell(records: Committed[]): void {
    if (records.length > 0) for (const l of this.listeners) this.safely(() => l(records));
  }

  /**
   * Records another process appended since the frontier was last advanced: their leaves join the
   * frontier; returned (flagged `foreign`) for the listeners. Rows are never changed once
   * committed, so reading them needs no transaction.
   */
  private adoptForeign(): Committed[] {
    const from = this.frontier.size;
    const size = this.st.size.get()!.n;
    if (size === from) return [];
    if (size < from) {
      this.log.error({ rows: size, frontier: from }, 'the journal has fewer rows than this process committed (replaced or edited behind our back?); reloading');
      this.frontier = this.loadFrontier();
      return [];
    }
    const frontier = this.frontier.clone();
    const records: Committed[] = [];
    for (const row of this.range(from, size - 1)) {
      if (row.seq !== frontier.size) throw new Error(`journal rows are not gapless: seq ${row.seq} follows ${frontier.size - 1} (run verify)`);
      frontier.push(row.leaf);
      records.push({ seq: row.seq, duplicate: false, foreign: true, record: JSON.parse(row.bytes.toString('utf8')) as JournalRecord });
    }
    this.frontier = frontier;
    this.log.info({ from, records: records.length }, 'records appended by another process');
    return records;
  }

  /**
   * Look for records another process appended (one `PRAGMA data_version` when there are none) and
   * hand them to the listeners. Runs every `watchMs` while there are listeners; returns how many.
   */
  checkForeign(): number {
    if (!this.db.open || this.db.inTransaction) return 0;
    const v = this.st.dataVersion.get()!.data_version;
    if (v === this.dataVersion) return 0;
    this.dataVersion = v;
    const foreign = this.adoptForeign();
    this.tell(foreign);
    return foreign.length;
  }

  private startWatch(): void {
    if (this.watchTimer || this.watchMs === 0 || this.closing) return;
    this.watchTimer = setInterval(() => {
      try {
        this.checkForeign();
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'looking for records appended by another process failed');
      }
    }, this.watchMs);
    this.watchTimer.unref();
  }

  private stopWatch(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  /** Run every projection on a new record; returns the error to reject its append with, if any. */
  private applyProjections(rec: JournalRecord): Error | undefined {
    for (const p of this.projections) {
      try {
        p.apply(this.db, rec);
      } catch (e) {
        if (isFatal(e)) throw e;
        this.log.warn({ projection: p.name, kind: rec.kind, subject: rec.subject, err: (e as Error).message }, 'projection refused a record');
        return new Rejection('journal.projection', `journal append refused: projection ${p.name} failed: ${(e as Error).message}`);
      }
    }
    return undefined;
  }

  private failBatch(batch: PendingAppend[], e: unknown): void {
    try {
      if (this.db.inTransaction) this.st.rollback.run();
    } catch (re) {
      this.log.error({ err: (re as Error).message }, 'rollback after a failed commit failed');
    }
    // seq and frontier were only advanced on a copy: the committed state stands as it was.
    const code = String((e as { code?: unknown }).code ?? '');
    const msg = (e as Error).message;
    this.full = code.startsWith('SQLITE_FULL');
    const text = this.full
      ? `journal full: the database reached its size limit (${msg}); ${batch.length} appends refused, nothing written — free disk space or raise journal.maxPageCount`
      : `journal commit failed: ${msg}; ${batch.length} appends refused, nothing written`;
    this.lastError = text;
    this.counters.failedCommits++;
    this.log.error({ code, batch: batch.length }, text);
    const err = new StorageError(this.full ? 'journal.full' : 'journal.commit', text);
    for (const item of batch) item.reject(err);
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'journal listener failed');
    }
  }

  /**
   * Be told of every committed (non-duplicate) record, in seq order, right after its commit —
   * also of records another process appended, within about `watchMs` (or before our next commit),
   * flagged `foreign: true`. Returns an unsubscribe.
   */
  onRecords(listener: (records: Committed[]) => void): () => void {
    this.listeners.add(listener);
    this.startWatch();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopWatch();
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Projections

  /**
   * Run the projection's migrations and apply it to every future record. A projection seen for
   * the first time (its first migration just ran) is caught up by replaying the journal.
   */
  registerProjection(p: Projection): void {
    if (this.projections.some((x) => x.name === p.name)) throw new Error(`projection ${p.name} is already registered`);
    const migrations = projectionMigrations(p);
    const applied = runMigrations(this.db, migrations);
    const fresh = migrations.length > 0 && applied.includes(migrations[0]!.id);
    if (fresh && this.size > 0) this.db.transaction(() => this.replay([p]))();
    this.projections.push(p);
  }

  /** Empty every projection and replay the whole journal into them, in one transaction. */
  rebuild(): void {
    this.db.transaction(() => {
      for (const p of this.projections) p.reset(this.db);
      this.replay(this.projections);
    })();
  }

  private replay(projections: Projection[]): void {
    if (projections.length === 0) return;
    // Read in chunks: better-sqlite3 forbids other statements while an iterator is open.
    for (let from = 0; from < this.size; from += READ_CHUNK) {
      for (const row of this.st.chunk.all(from, from + READ_CHUNK - 1)) {
        const rec = JSON.parse(row.bytes.toString('utf8')) as JournalRecord;
        for (const p of projections) {
          try {
            p.apply(this.db, rec);
          } catch (e) {
            throw new Error(`replay: projection ${p.name} failed at seq ${row.seq}: ${(e as Error).message}`, { cause: e });
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Checkpoints

  /**
   * Sign and store a checkpoint of the committed tree if it grew since the newest one; otherwise
   * return the newest. Null while the journal is empty.
   */
  checkpoint(reason = 'requested'): Checkpoint | null {
    const size = this.frontier.size;
    const last = this.latestCheckpoint();
    if (size === 0) return last;
    if (last && last.size >= size) return last;
    const root = this.frontier.root();
    const cp: Checkpoint = { size, root: root.toString('base64'), note: signCheckpoint(this.key, size, root), ts: this.now() };
    // OR IGNORE: another process (CLI export) may have signed the same size; the note is identical.
    this.st.insertCheckpoint.run(cp.size, cp.root, cp.note, cp.ts);
    // the routine ones (every few seconds while records flow) would flood the log at info
    if (ROUTINE_CHECKPOINTS.has(reason)) this.log.debug({ size, root: cp.root, reason }, 'checkpoint signed');
    else this.log.info({ size, root: cp.root, reason }, 'checkpoint signed');
    return this.st.checkpointAt.get(size) ?? cp;
  }

  latestCheckpoint(): Checkpoint | null {
    return this.st.latestCheckpoint.get() ?? null;
  }

  /** Checkpoints with size ≥ fromSize, oldest first. */
  checkpoints(fromSize = 0): Checkpoint[] {
    return this.st.checkpointsFrom.all(fromSize);
  }

  /** Checkpoint at least every intervalMs while the log grows (DESIGN §5.6: 15 min). Returns a stop function. */
  startCheckpointTimer(intervalMs: number): () => void {
    this.stopCheckpointTimer();
    const t = setInterval(() => {
      try {
        this.checkpoint('interval');
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'periodic checkpoint failed');
      }
    }, positiveInt(intervalMs, 'intervalMs', 1));
    t.unref();
    this.checkpointTimer = t;
    return () => {
      if (this.checkpointTimer === t) this.stopCheckpointTimer();
    };
  }

  private stopCheckpointTimer(): void {
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    this.checkpointTimer = undefined;
  }

  /** Refuse new appends, commit the queued ones, sign a final checkpoint, close the db if owned. */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.closing = true;
      this.stopCheckpointTimer();
      this.stopWatch();
      await this.flush();
      try {
        this.checkpoint('shutdown');
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'final checkpoint failed');
      }
      if (this.ownsDb) this.db.close();
    })();
    return this.closePromise;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads and stats

  /** Number of committed records (= the next seq). */
  get size(): number {
    return this.frontier.size;
  }

  /** Root of the committed tree (base64 of it is what checkpoints sign). */
  root(): Buffer {
    return this.frontier.root();
  }

  get(seq: number): (StoredRow & { record: JournalRecord }) | undefined {
    const row = this.st.get.get(seq);
    return row && { ...row, record: JSON.parse(row.bytes.toString('utf8')) as JournalRecord };
  }

  /** Rows with from ≤ seq ≤ to (both inclusive), in seq order, read in chunks. */
  *range(from = 0, to = Number.MAX_SAFE_INTEGER): IterableIterator<StoredRow> {
    for (let next = from; next <= to; ) {
      const rows = this.st.chunk.all(next, Math.min(to, next + READ_CHUNK - 1));
      if (rows.length === 0) return;
      yield* rows;
      next = rows[rows.length - 1]!.seq + 1;
    }
  }

  /** The first n leaf hashes. */
  leaves(n = this.size): Buffer[] {
    return (this.st.leavesUpTo.raw(true).all(n) as [Buffer][]).map((r) => r[0]);
  }

  stats(): JournalStats {
    return {
      size: this.size,
      pending: this.pending.length,
      ...this.counters,
      full: this.full,
      lastError: this.lastError,
      checkpointSize: this.latestCheckpoint()?.size ?? 0,
    };
  }

  get pendingCount(): number {
    return this.pending.length;
  }
}

function positiveInt(v: number, name: string, min: number): number {
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`journal option ${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

function prepare(db: Database) {
  const s = <P extends unknown[], R = unknown>(sql: string): Statement<P, R> => db.prepare<P, R>(sql);
  return {
    begin: s('BEGIN IMMEDIATE'),
    commit: s('COMMIT'),
    rollback: s('ROLLBACK'),
    savepoint: s('SAVEPOINT rec'),
    release: s('RELEASE rec'),
    rollbackTo: s('ROLLBACK TO rec'),
    insert: s<[number, number, string, string, string | null, string | null, number | null, number | null, Buffer, Buffer]>(
      'INSERT INTO journal (seq, ts, kind, subject, actor, dev_id, dev_boot, dev_seq, bytes, leaf) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    byDev: s<[string, number, number], { seq: number; bytes: Buffer }>('SELECT seq, bytes FROM journal WHERE dev_id = ? AND dev_boot = ? AND dev_seq = ?'),
    size: s<[], { n: number }>('SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM journal'),
    dataVersion: s<[], { data_version: number }>('PRAGMA data_version'),
    loadState: s<[], { size: number; frontier: string }>('SELECT size, frontier FROM merkle_state WHERE id = 0'),
    saveState: s<[number, string]>(
      'INSERT INTO merkle_state (id, size, frontier) VALUES (0, ?, ?) ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier',
    ),
    allLeaves: s<[]>('SELECT leaf FROM journal ORDER BY seq'),
    leavesUpTo: s<[number]>('SELECT leaf FROM journal WHERE seq < ? ORDER BY seq'),
    get: s<[number], StoredRow>('SELECT seq, bytes, leaf FROM journal WHERE seq = ?'),
    chunk: s<[number, number], StoredRow>('SELECT seq, bytes, leaf FROM journal WHERE seq BETWEEN ? AND ? ORDER BY seq'),
    insertCheckpoint: s<[number, string, string, number]>('INSERT OR IGNORE INTO checkpoints (size, root, note, ts) VALUES (?, ?, ?, ?)'),
    checkpointAt: s<[number], Checkpoint>('SELECT size, root, note, ts FROM checkpoints WHERE size = ?'),
    latestCheckpoint: s<[], Checkpoint>('SELECT size, root, note, ts FROM checkpoints ORDER BY size DESC LIMIT 1'),
    checkpointsFrom: s<[number], Checkpoint>('SELECT size, root, note, ts FROM checkpoints WHERE size >= ? ORDER BY size'),
  };
}

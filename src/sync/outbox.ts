/**
 * The outbox drain: the gateway's journal, checkpoints and photos to the upstream broker
 * (DESIGN §5.7, docs/upstream.md "How sealift implements it").
 *
 * The outbox is not a copy of the records: it is two numbers over the journal.
 *   receipted — size of the newest hub receipt (durable: the `receipts` table). Everything below
 *               is held and verified by the hub.
 *   next      — the next seq to publish on this connection (in memory). Reset to `receipted` on
 *               every (re)connect and on a receipt timeout: PUBACK only means the broker has it.
 * Journal batches (≤ upstream.batchBytes) are published QoS 1 in seq order with at most
 * upstream.inFlight batches waiting for their PUBACK. The newest checkpoint the hub can verify
 * (size ≤ next) follows the batches that cover it; while anything is not receipted a checkpoint is
 * signed every upstream.checkpointIntervalSec. Photos go only when the journal is fully sent, one
 * at a time. The connection is our own loop (MQTT.js auto-reconnect off) with exponential backoff
 * and jitter; the last will sets `status` to `offline` (retained).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import { throttledWarn } from '../core/logger.js';
import type { Statement } from 'better-sqlite3';
import type { Journal } from '../store/journal.js';
import { runMigrations } from '../store/migrations.js';
import type { CommandRunner } from './commands.js';
import {
  batchOverhead,
  encodeBatch,
  noteBody,
  parseCosignerKey,
  parseReceipt,
  SHA256_HEX,
  topics,
  verifyCosignature,
  type CosignerVerifier,
  type Receipt,
} from './protocol.js';

export type UpstreamConfig = Config['upstream'];

export interface UpstreamHealth {
  url: string;
  connected: boolean;
  /** When the current connection (or the current outage) began, epoch ms. */
  since: number;
  /** Records not yet covered by a hub receipt. */
  backlog: number;
  /** Records not yet published on this connection. */
  unsent: number;
  /** Age of the oldest record not covered by a receipt (gateway time), seconds. */
  oldestUnsentAgeSec: number | null;
  lastReceipt: { size: number; time: number; receivedAt: number } | null;
  batchesSent: number;
  recordsSent: number;
  reconnects: number;
  resends: number;
  evidencePending: number;
  lastError: string | null;
}

const EVIDENCE_MIGRATIONS = [
  {
    id: 'sync-outbox:1',
    sql: `
-- Photos referenced by sent records (data.photo), to send upstream after the journal.
CREATE TABLE sync_evidence (
  sha      TEXT PRIMARY KEY,
  seq      INTEGER NOT NULL,
  state    TEXT NOT NULL,            -- pending | sent | too_large | corrupt
  tries    INTEGER NOT NULL DEFAULT 0,
  next_try INTEGER NOT NULL DEFAULT 0,
  sent_ts  INTEGER
);
CREATE INDEX sync_evidence_pending ON sync_evidence(state, next_try, seq);
`,
  },
];

const PHOTO_MARK = '"photo":"';
/** Photo notes held in memory before they are written anyway (see flushPhotoNotes). */
const PHOTO_NOTES_MAX = 10_000;
const MAX_RESEND_BACKOFF_MS = 10 * 60_000;
const TICK_MAX_MS = 1000;

/** The URL without credentials, for logs and health. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

export interface UpstreamDeps {
  cfg: Config;
  journal: Journal;
  log: Logger;
  commands?: CommandRunner | undefined;
  metrics?: Registry | undefined;
}

export class Upstream {
  private readonly u: UpstreamConfig;
  private readonly url: string;
  private readonly gw: string;
  private readonly journal: Journal;
  private readonly log: Logger;
  private readonly warn: ReturnType<typeof throttledWarn>;
  private readonly hubKey: CosignerVerifier | undefined;
  private readonly photosDir: string;
  private readonly st: {
    maxReceipt: Statement<[], { size: number | null }>;
    insertReceipt: Statement<[number, string, string, number, string | null]>;
    cpRoot: Statement<[number], { root: string; note: string }>;
    cpToPublish: Statement<[number, number], { size: number; note: string }>;
    realKinds: Statement<[number, number], { n: number }>;
    texts: Statement<[number, number], [number, string]>;
    tsAt: Statement<[number], { ts: number }>;
    notePhoto: Statement<[string, number]>;
    nextPhoto: Statement<[number], { sha: string; tries: number }>;
    photoRetry: Statement<[number, string]>;
    photoState: Statement<[string, number | null, string]>;
    photosPending: Statement<[], { n: number }>;
  };

  private client: MqttClient | undefined;
  private epoch = 0;
  private connected = false;
  private since = Date.now();
  private stopping = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private pumpScheduled = false;
  private unsubscribe: (() => void) | undefined;

  private receipted = 0;
  private next = 0;
  private inflight = 0;
  private lastPublishedCp = 0;
  private awaitingSince: number | undefined;
  private resendBackoffMs: number;
  private lastCheckpointAt = 0;
  private readLimit = 256;
  private evidenceBusy = false;
  /** Photos of sent records not yet written to sync_evidence: [sha256, seq]. */
  private photoNotes: [string, number][] = [];
  private lastReceipt: UpstreamHealth['lastReceipt'] = null;
  private lastError: string | null = null;
  private readonly counts = { batches: 0, records: 0, reconnects: 0, resends: 0 };
  private readonly m: {
    batches: Counter;
    records: Counter;
    receipts: Counter<'result'>;
    reconnects: Counter;
    resends: Counter;
    evidence: Counter<'result'>;
    commands: Counter<'name' | 'status'>;
  } | undefined;

  constructor(private readonly deps: UpstreamDeps) {
    const { cfg, journal, log } = deps;
    this.u = cfg.upstream;
    if (!this.u.url) throw new Error('upstream.url is not set');
    this.url = this.u.url;
    this.gw = cfg.gateway.id;
    this.journal = journal;
    this.log = log;
    this.warn = throttledWarn(log, 30_000);
    this.hubKey = this.u.hubKey ? parseCosignerKey(this.u.hubKey) : undefined;
    this.photosDir = join(cfg.data, 'photos');
    this.resendBackoffMs = this.u.receiptTimeoutSec * 1000;
    const db = journal.db;
    runMigrations(db, EVIDENCE_MIGRATIONS);
    this.st = {
      maxReceipt: db.prepare('SELECT MAX(size) AS size FROM receipts'),
      insertReceipt: db.prepare('INSERT OR IGNORE INTO receipts (size, root, cosignature, time, note) VALUES (?, ?, ?, ?, ?)'),
      cpRoot: db.prepare('SELECT root, note FROM checkpoints WHERE size = ?'),
      cpToPublish: db.prepare('SELECT size, note FROM checkpoints WHERE size > ? AND size <= ? ORDER BY size DESC LIMIT 1'),
      realKinds: db.prepare("SELECT COUNT(*) AS n FROM journal WHERE seq >= ? AND seq < ? AND kind != 'sync.receipt'"),
      // the stored bytes as UTF-8 text, decoded as Buffer.toString('utf8') would
      texts: db.prepare<[number, number], [number, string]>('SELECT seq, CAST(bytes AS TEXT) FROM journal WHERE seq >= ? AND seq < ? ORDER BY seq').raw(true),
      tsAt: db.prepare('SELECT ts FROM journal WHERE seq = ?'),
      notePhoto: db.prepare("INSERT OR IGNORE INTO sync_evidence (sha, seq, state) VALUES (?, ?, 'pending')"),
      nextPhoto: db.prepare("SELECT sha, tries FROM sync_evidence WHERE state = 'pending' AND next_try <= ? ORDER BY seq LIMIT 1"),
      photoRetry: db.prepare('UPDATE sync_evidence SET tries = tries + 1, next_try = ? WHERE sha = ?'),
      photoState: db.prepare('UPDATE sync_evidence SET state = ?, sent_ts = ? WHERE sha = ?'),
      photosPending: db.prepare("SELECT COUNT(*) AS n FROM sync_evidence WHERE state = 'pending'"),
    };
    this.receipted = Math.min(this.st.maxReceipt.get()?.size ?? 0, journal.size);
    this.next = this.receipted;
    this.lastPublishedCp = this.receipted;
    this.m = deps.metrics ? this.registerMetrics(deps.metrics) : undefined;
  }

  // -----------------------------------------------------------------------------------------------
  // Lifecycle

  start(): void {
    this.unsubscribe = this.journal.onRecords(() => this.schedulePump());
    const tick = Math.min(TICK_MAX_MS, Math.max(50, Math.round((this.u.checkpointIntervalSec * 1000) / 2)));
    this.tickTimer = setInterval(() => this.tick(), tick);
    this.tickTimer.unref();
    this.log.info({ url: redactUrl(this.url), receipted: this.receipted, records: this.journal.size }, 'upstream sync starting');
    this.connect();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.flushPhotoNotes();
    this.unsubscribe?.();
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (!client) return;
    if (client.connected) {
      // A clean goodbye: the will only fires on an unexpected loss.
      await withTimeout(client.publishAsync(topics.status(this.gw), 'offline', { qos: 1, retain: true }), 2000).catch(() => undefined);
    }
    await withTimeout(client.endAsync(false), 3000).catch(() => client.end(true));
  }

  private connect(): void {
    if (this.stopping) return;
    const epoch = ++this.epoch;
    const u = this.u;
    const opts: IClientOptions = {
      clientId: u.clientId ?? `sealift-${this.gw}`,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: u.connectTimeoutMs,
      keepalive: u.keepaliveSec,
      protocolVersion: u.protocolVersion as 4 | 5,
      rejectUnauthorized: u.rejectUnauthorized,
      will: { topic: topics.status(this.gw), payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(u.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 7 * 24 * 3600 } } : {}),
    };
    if (u.username !== null) opts.username = u.username;
    if (u.password !== null) opts.password = u.password;
    try {
      if (u.ca) opts.ca = readFileSync(u.ca);
      if (u.cert) opts.cert = readFileSync(u.cert);
      if (u.key) opts.key = readFileSync(u.key);
    } catch (e) {
      this.lastError = `cannot read a TLS file: ${(e as Error).message}`;
      this.log.error({ err: (e as Error).message }, 'upstream TLS files unreadable; retrying later');
      this.scheduleReconnect();
      return;
    }
    const client = mqtt.connect(this.url, opts);
    this.client = client;
    client.on('connect', () => {
      if (epoch === this.epoch) this.onConnect(client);
    });
    client.on('message', (topic, payload) => {
      if (epoch === this.epoch) this.onMessage(topic, payload);
    });
    client.on('error', (err) => {
      this.lastError = err.message;
      this.warn('upstream-error', { err: err.message, url: redactUrl(this.url) }, 'upstream connection error');
    });
    client.on('close', () => {
      if (epoch !== this.epoch) return;
      client.removeAllListeners('connect');
      client.end(true);
      if (this.connected) {
        this.log.warn({ sent: this.next, receipted: this.receipted }, 'upstream disconnected; will resend everything above the last receipt');
        this.since = Date.now();
      }
      this.connected = false;
      this.inflight = 0;
      this.evidenceBusy = false;
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopping) return;
    this.epoch++;
    const { reconnectMinMs: min, reconnectMaxMs } = this.u;
    const max = Math.max(min, reconnectMaxMs);
    // Exponential backoff with "equal jitter": half fixed, half random, so many gateways coming
    // back after a broker outage spread out but none waits much less than the backoff.
    const base = Math.min(max, min * 2 ** Math.min(this.attempts, 20));
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.attempts++;
    this.counts.reconnects++;
    this.m?.reconnects.inc();
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private onConnect(client: MqttClient): void {
    this.connected = true;
    this.attempts = 0;
    this.since = Date.now();
    this.inflight = 0;
    this.evidenceBusy = false;
    // PUBACK was not a receipt: start again from what the hub confirmed.
    this.next = this.receipted;
    this.lastPublishedCp = this.receipted;
    this.awaitingSince = undefined;
    this.resendBackoffMs = this.u.receiptTimeoutSec * 1000;
    this.lastError = null;
    this.log.info({ url: redactUrl(this.url), receipted: this.receipted, records: this.journal.size }, 'upstream connected');
    const subs = [topics.receipt(this.gw)];
    if (this.u.commands && this.deps.commands) subs.push(`${topics.cmd(this.gw, '+')}`);
    client.subscribe(subs, { qos: 1 }, (err) => {
      if (err) this.log.error({ err: err.message }, 'upstream subscribe failed');
    });
    client.publish(topics.status(this.gw), 'online', { qos: 1, retain: true }, () => undefined);
    this.pump();
  }

  // -----------------------------------------------------------------------------------------------
  // Draining

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const client = this.client;
    if (!this.connected || this.stopping || !client) return;
    const epoch = this.epoch;
    try {
      while (this.inflight < this.u.inFlight && this.next < this.journal.size) {
        const batch = this.buildBatch(this.next);
        if (!batch) break;
        const count = batch.to - this.next + 1;
        this.next = batch.to + 1;
        this.inflight++;
        this.counts.batches++;
        this.counts.records += count;
        this.m?.batches.inc();
        this.m?.records.inc(count);
        client.publish(topics.journal(this.gw), batch.payload, { qos: 1 }, (err) => {
          if (epoch !== this.epoch) return;
          this.inflight--;
          if (err) return;
          this.schedulePump();
        });
      }
      this.publishCheckpoint(client);
      if (this.u.evidence && this.next >= this.journal.size && !this.evidenceBusy) this.sendEvidence(client, epoch);
    } catch (e) {
      this.lastError = (e as Error).message;
      this.log.error({ err: (e as Error).message }, 'upstream drain failed');
    }
  }

  /** Records from `from` up to batchBytes; photos they reference are queued for sending. */
  private buildBatch(from: number): { payload: string; to: number } | undefined {
    const max = this.u.batchBytes - batchOverhead(this.gw);
    const encoded: string[] = [];
    let bytes = 0;
    let to = from - 1;
    // [seq, record text] rows in one query (the journal's own range() also reads the leaves)
    for (const [seq, text] of this.st.texts.all(from, from + this.readLimit)) {
      if (seq !== to + 1) break;
      const e = JSON.stringify(text);
      const n = Buffer.byteLength(e) + 1;
      if (encoded.length > 0 && bytes + n > max) break;
      if (encoded.length === 0 && n > max) this.warn('oversized', { seq, bytes: n }, 'a record is larger than upstream.batchBytes: sent alone');
      encoded.push(e);
      bytes += n;
      to = seq;
      if (this.u.evidence && text.includes(PHOTO_MARK)) this.photoOf(seq, text, this.photoNotes);
      if (n > max) break;
    }
    if (this.photoNotes.length >= PHOTO_NOTES_MAX) this.flushPhotoNotes();
    if (encoded.length === 0) return undefined;
    // Read about as many rows as the last batch needed next time (range reads them in one query).
    this.readLimit = Math.min(4096, Math.max(32, encoded.length + (encoded.length >> 2) + 16));
    return { payload: encodeBatch(this.gw, from, encoded), to };
  }

  private photoOf(seq: number, text: string, out: [string, number][]): void {
    try {
      const photo = (JSON.parse(text) as { data?: { photo?: unknown } }).data?.photo;
      if (typeof photo === 'string' && SHA256_HEX.test(photo)) out.push([photo, seq]);
    } catch (e) {
      this.warn('photo-note', { seq, err: (e as Error).message }, 'could not queue a photo for upstream');
    }
  }

  /**
   * Queue the photos noted while sending, in one transaction. Not one write (an fsync) per photo or
   * per batch: they are written before a receipt that covers their records is stored, before
   * photos are sent, on stop, and every PHOTO_NOTES_MAX. Notes lost in a crash belong to records
   * above the last receipt, which are read and noted again after the restart.
   */
  private flushPhotoNotes(): void {
    const notes = this.photoNotes;
    if (notes.length === 0) return;
    try {
      this.journal.db.transaction(() => {
        for (const [sha, seq] of notes) this.st.notePhoto.run(sha, seq);
      })();
      this.photoNotes = [];
    } catch (e) {
      // kept for the next flush; bounded like the backlog they come from
      if (notes.length > 4 * PHOTO_NOTES_MAX) this.photoNotes = notes.slice(-PHOTO_NOTES_MAX);
      this.warn('photo-note', { from: notes[0]![1], photos: notes.length, err: (e as Error).message }, 'could not queue photos for upstream');
    }
  }

  /** The newest checkpoint whose records are all published and which the hub has not receipted. */
  private publishCheckpoint(client: MqttClient): void {
    const cp = this.st.cpToPublish.get(Math.max(this.lastPublishedCp, this.receipted), this.next);
    if (!cp) return;
    this.lastPublishedCp = cp.size;
    this.awaitingSince ??= Date.now();
    client.publish(topics.checkpoint(this.gw), cp.note, { qos: 1 }, () => undefined);
  }

  private sendEvidence(client: MqttClient, epoch: number): void {
    this.flushPhotoNotes();
    const row = this.st.nextPhoto.get(Date.now());
    if (!row) return;
    const file = join(this.photosDir, row.sha);
    if (!existsSync(file)) {
      // Not here (yet): the photo may arrive after its record. Try again later, backing off.
      this.st.photoRetry.run(Date.now() + Math.min(3600_000, 5000 * 2 ** Math.min(row.tries, 10)), row.sha);
      this.schedulePump();
      return;
    }
    if (statSync(file).size > this.u.evidenceMaxBytes) {
      this.st.photoState.run('too_large', null, row.sha);
      this.log.warn({ sha: row.sha, max: this.u.evidenceMaxBytes }, 'photo larger than upstream.evidenceMaxBytes: not sent');
      this.m?.evidence.inc({ result: 'too_large' });
      this.schedulePump();
      return;
    }
    this.evidenceBusy = true;
    // Callbacks run outside pump(): storage errors (disk full) must not escape them.
    const safely = (fn: () => void): void => {
      try {
        fn();
      } catch (e) {
        this.evidenceBusy = false;
        this.lastError = (e as Error).message;
        this.warn('photo-state', { sha: row.sha, err: (e as Error).message }, 'could not record the state of a photo');
      }
    };
    readFile(file).then(
      (bytes) =>
        safely(() => {
          if (epoch !== this.epoch || !this.connected) return;
          if (createHash('sha256').update(bytes).digest('hex') !== row.sha) {
            this.evidenceBusy = false;
            this.st.photoState.run('corrupt', null, row.sha);
            this.log.error({ sha: row.sha, file }, 'photo file does not match its SHA-256 name: not sent');
            this.m?.evidence.inc({ result: 'corrupt' });
            this.schedulePump();
            return;
          }
          client.publish(topics.evidence(this.gw, row.sha), bytes, { qos: 1 }, (err) =>
            safely(() => {
              if (epoch !== this.epoch) return;
              this.evidenceBusy = false;
              if (!err) {
                this.st.photoState.run('sent', Date.now(), row.sha);
                this.m?.evidence.inc({ result: 'sent' });
              }
              this.schedulePump();
            }),
          );
        }),
      (err: unknown) =>
        safely(() => {
          this.evidenceBusy = false;
          this.warn('photo-read', { sha: row.sha, err: (err as Error).message }, 'could not read a photo');
          this.st.photoRetry.run(Date.now() + 60_000, row.sha);
        }),
    );
  }

  /** Re-queue photos for sending (the hub's `evidence` command). */
  requeuePhotos(shas: string[]): number {
    let n = 0;
    const stmt = this.journal.db.prepare("UPDATE sync_evidence SET state = 'pending', next_try = 0, tries = 0 WHERE sha = ?");
    for (const sha of shas) if (SHA256_HEX.test(sha)) n += stmt.run(sha).changes;
    this.schedulePump();
    return n;
  }

  private tick(): void {
    if (this.stopping) return;
    const now = Date.now();
    try {
      if (this.connected && this.receipted < this.journal.size && now - this.lastCheckpointAt >= this.u.checkpointIntervalSec * 1000) {
        this.lastCheckpointAt = now;
        const cp = this.journal.latestCheckpoint();
        // Sign only when the log grew since the newest checkpoint (the journal checks this too).
        if (!cp || cp.size < this.journal.size) this.journal.checkpoint('upstream');
        this.schedulePump();
      }
      if (this.connected && this.awaitingSince !== undefined && this.receipted < this.lastPublishedCp && now - this.awaitingSince > this.resendBackoffMs) {
        this.log.warn(
          { receipted: this.receipted, sent: this.next, waitedSec: Math.round((now - this.awaitingSince) / 1000) },
          'no receipt from the hub in time: resending everything above the last receipt',
        );
        this.counts.resends++;
        this.m?.resends.inc();
        this.next = this.receipted;
        this.lastPublishedCp = this.receipted;
        this.awaitingSince = undefined;
        this.resendBackoffMs = Math.min(MAX_RESEND_BACKOFF_MS, this.resendBackoffMs * 2);
        this.schedulePump();
      } else if (this.connected && this.u.evidence && !this.evidenceBusy && this.next >= this.journal.size) {
        this.schedulePump();
      }
    } catch (e) {
      this.lastError = (e as Error).message;
      this.log.error({ err: (e as Error).message }, 'upstream tick failed');
    }
  }

  // -----------------------------------------------------------------------------------------------
  // From the hub

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === topics.receipt(this.gw)) {
      this.onReceipt(payload);
      return;
    }
    const prefix = topics.cmd(this.gw, '');
    if (topic.startsWith(prefix) && this.deps.commands && this.u.commands) {
      const name = topic.slice(prefix.length);
      const client = this.client;
      void this.deps.commands.handle(name, payload).then(
        (o) => {
          // Label by known command only (names come from the wire: keep the label set bounded).
          const label = !o.journaled ? 'refused' : o.result.error?.code === 'unknown_command' ? 'unknown' : name;
          this.m?.commands.inc({ name: label, status: o.result.status });
          if (!o.journaled) this.warn(`cmd-${o.result.error?.code}`, { name, id: o.result.id, error: o.result.error }, 'remote command refused');
          if (client && client === this.client && this.connected) {
            client.publish(topics.cmdResult(this.gw), JSON.stringify(o.result), { qos: 1 }, () => undefined);
          }
        },
        (err: unknown) => this.log.error({ err: (err as Error).message, name }, 'remote command handling failed'),
      );
    }
  }

  /** Our signed checkpoint at this size (a hub only receipts checkpoints we sent). */
  private rootAt(size: number): { root: string; body: string } | undefined {
    const cp = this.st.cpRoot.get(size);
    return cp ? { root: cp.root, body: noteBody(cp.note) } : undefined;
  }

  private onReceipt(payload: Buffer): void {
    let r: Receipt;
    try {
      r = parseReceipt(payload);
    } catch (e) {
      return this.refuseReceipt(`malformed: ${(e as Error).message}`);
    }
    if (r.size <= this.receipted) return; // an old or repeated receipt
    if (r.size > this.journal.size) return this.refuseReceipt(`covers ${r.size} records but the journal has ${this.journal.size}`);
    const ours = this.rootAt(r.size);
    if (!ours) return this.refuseReceipt(`it is for size ${r.size}, and this gateway signed no checkpoint of that size`);
    if (ours.root !== r.root) return this.refuseReceipt(`its root for size ${r.size} is not the root of our journal: the hub holds another history`);
    let time = r.time;
    if (this.hubKey) {
      const v = verifyCosignature(this.hubKey, ours.body, r.cosignature);
      if (!v.ok) return this.refuseReceipt(`cosignature: ${v.reason}`);
      time = v.timeSec * 1000;
    }
    const prev = this.receipted;
    try {
      this.flushPhotoNotes(); // the photos of the records it covers are queued before it is stored
      this.st.insertReceipt.run(r.size, r.root, r.cosignature, time, r.note ?? null);
    } catch (e) {
      // Storage trouble (disk full): the pointer still moves on; a restart resends from the older receipt.
      this.log.error({ err: (e as Error).message, size: r.size }, 'could not store a hub receipt');
    }
    this.receipted = r.size;
    this.lastReceipt = { size: r.size, time, receivedAt: Date.now() };
    this.m?.receipts.inc({ result: 'accepted' });
    if (this.next < this.receipted) this.next = this.receipted;
    if (this.lastPublishedCp < this.receipted) this.lastPublishedCp = this.receipted;
    this.awaitingSince = this.receipted < this.lastPublishedCp ? Date.now() : undefined;
    this.resendBackoffMs = this.u.receiptTimeoutSec * 1000;
    this.log.debug({ size: r.size, time }, 'hub receipt');
    // Journal the receipt, unless all it newly covers are receipts' own records: otherwise an idle
    // gateway would journal receipts of receipts forever. (Every receipt is in the receipts table.)
    if (this.st.realKinds.get(prev, r.size)!.n > 0) {
      this.journal
        .append({ kind: 'sync.receipt', subject: this.gw, data: { size: r.size, root: r.root, time, cosignature: r.cosignature } })
        .catch((e: unknown) => this.warn('receipt-journal', { err: (e as Error).message }, 'could not journal a hub receipt'));
    }
  }

  private refuseReceipt(reason: string): void {
    this.m?.receipts.inc({ result: 'refused' });
    this.lastError = `receipt refused: ${reason}`;
    this.warn(`receipt-${reason.slice(0, 24)}`, { reason }, 'hub receipt refused');
  }

  // -----------------------------------------------------------------------------------------------
  // Health and metrics

  health(): UpstreamHealth {
    const size = this.journal.size;
    let oldest: number | null = null;
    if (this.receipted < size) {
      const ts = this.st.tsAt.get(this.receipted)?.ts;
      if (ts !== undefined) oldest = Math.max(0, Math.round((Date.now() - ts) / 1000));
    }
    return {
      url: redactUrl(this.url),
      connected: this.connected,
      since: this.since,
      backlog: size - this.receipted,
      unsent: Math.max(0, size - this.next),
      oldestUnsentAgeSec: oldest,
      lastReceipt: this.lastReceipt,
      batchesSent: this.counts.batches,
      recordsSent: this.counts.records,
      reconnects: this.counts.reconnects,
      resends: this.counts.resends,
      evidencePending: this.st.photosPending.get()!.n,
      lastError: this.lastError,
    };
  }

  private registerMetrics(registry: Registry) {
    const registers = [registry];
    const gauge = (name: string, help: string, value: () => number): void => {
      const g: Gauge = new Gauge({ name, help, registers, collect: () => g.set(value()) });
    };
    gauge('sealift_upstream_connected', 'Connected to the upstream broker (1/0)', () => (this.connected ? 1 : 0));
    gauge('sealift_upstream_backlog_records', 'Records not yet covered by a hub receipt', () => this.journal.size - this.receipted);
    gauge('sealift_upstream_unsent_records', 'Records not yet published on the current connection', () => Math.max(0, this.journal.size - this.next));
    gauge('sealift_upstream_oldest_unsent_seconds', 'Age of the oldest record not covered by a hub receipt (0 when none)', () => this.health().oldestUnsentAgeSec ?? 0);
    gauge('sealift_upstream_last_receipt_size', 'Tree size of the newest hub receipt', () => this.receipted);
    gauge('sealift_upstream_last_receipt_timestamp_seconds', 'Cosignature time of the newest hub receipt received since start (0 = none yet)', () =>
      this.lastReceipt ? this.lastReceipt.time / 1000 : 0,
    );
    gauge('sealift_upstream_evidence_pending', 'Photos waiting to be sent upstream', () => this.st.photosPending.get()!.n);
    return {
      batches: new Counter({ name: 'sealift_upstream_batches_total', help: 'Journal batches published upstream', registers }),
      records: new Counter({ name: 'sealift_upstream_records_total', help: 'Records published upstream (resends included)', registers }),
      receipts: new Counter({ name: 'sealift_upstream_receipts_total', help: 'Hub receipts, by result (accepted, refused)', labelNames: ['result'], registers }),
      reconnects: new Counter({ name: 'sealift_upstream_reconnects_total', help: 'Upstream connection attempts after a failure or loss', registers }),
      resends: new Counter({ name: 'sealift_upstream_resends_total', help: 'Resends from the last receipt after a receipt timeout', registers }),
      evidence: new Counter({ name: 'sealift_upstream_evidence_total', help: 'Photos, by result (sent, too_large, corrupt)', labelNames: ['result'], registers }),
      commands: new Counter({ name: 'sealift_upstream_commands_total', help: 'Remote commands, by name and status', labelNames: ['name', 'status'], registers }),
    };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

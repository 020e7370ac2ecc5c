/**
 * Webhook delivery of lift alerts from a durable outbox (a SQLite table next to the journal, not the
 * journal itself: delivered rows are deleted).
 *
 * - Alerts are derived from journal records (`alertOf`). A cursor (the next journal seq to look at) is
 *   stored with the queued rows in one transaction, so after a crash the outbox catches up from the
 *   journal: an alert is never lost between the commit of its record and its queueing.
 * - Queueing happens right after the commit, synchronously and cheaply; delivery runs in the
 *   background and never blocks ingest.
 * - Per receiver, alerts go out in order, one at a time. A failed attempt (network error, timeout,
 *   non-2xx answer) is retried with exponential backoff (backoffMinMs doubling to backoffMaxMs, ±10 %
 *   jitter); the receiver's later alerts wait behind it, so a receiver that comes back gets everything
 *   in order. Delivery is at least once: the alert `id` (`{gw}/{seq}`) lets a receiver drop repeats.
 * - Each POST carries the JSON body signed with HMAC-SHA256 under the webhook's secret:
 *   `X-Sealift-Signature: sha256=<hex>`, plus `X-Sealift-Event` and `X-Sealift-Delivery` (the alert id).
 * - Bounded (law 4): more than `maxQueue` undelivered alerts drop the oldest; alerts older than
 *   `maxAgeHours` are given up. Both are logged and counted in `sealift_lift_webhook_dropped_total`.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../store/db.js';
import type { Journal } from '../store/journal.js';
import { runMigrations } from '../store/migrations.js';
import type { Committed, JournalRecord } from '../store/types.js';
import { severityRank, type Severity } from './catalog.js';
import type { AlertEvent, LiftConfig } from './config.js';

export interface WebhookAlert {
  id: string;
  event: AlertEvent;
  severity?: Severity | undefined;
  [k: string]: unknown;
}

export interface WebhookStats {
  queued: number;
  delivered: number;
  failures: number;
  dropped: number;
  receivers: { url: string; queued: number; attempts: number; nextAt: number | null; lastError: string | null }[];
}

const MIGRATIONS = [
  {
    id: 'lift-webhooks:1',
    sql: `
CREATE TABLE lift_webhook_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url TEXT NOT NULL,
  event TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX lift_webhook_outbox_url ON lift_webhook_outbox(url, id);
CREATE TABLE lift_webhook_cursor (id INTEGER PRIMARY KEY CHECK (id = 0), next_seq INTEGER NOT NULL);
`,
  },
];

interface Row {
  id: number;
  url: string;
  event: string;
  alert_id: string;
  body: string;
  created_at: number;
  attempts: number;
  next_at: number;
  last_error: string | null;
}

export const signBody = (secret: string, body: string): string => 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');

export interface WebhookOutboxDeps {
  db: Db;
  journal: Journal;
  cfg: LiftConfig;
  log: Logger;
  registry: Registry;
  /** The alert a record raises, if any (called right after its commit, projections applied). */
  alertOf: (rec: JournalRecord) => WebhookAlert | null;
  now?: () => number;
}

/** Alert-free records the stored cursor may lag behind (re-read after a crash). */
const CURSOR_LAG = 10_000;

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export class WebhookOutbox {
  private readonly db: Db;
  private readonly now: () => number;
  private readonly st;
  private readonly m;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly inflight = new Map<string, AbortController>();
  private readonly pending = new Set<Promise<void>>();
  private stopped = true;
  private count = 0;
  private counters = { delivered: 0, failures: 0, dropped: 0 };

  constructor(private readonly deps: WebhookOutboxDeps) {
    this.db = deps.db;
    this.now = deps.now ?? Date.now;
    runMigrations(this.db, MIGRATIONS);
    const db = this.db;
    this.st = {
      cursor: db.prepare<[], { next_seq: number }>('SELECT next_seq FROM lift_webhook_cursor WHERE id = 0'),
      setCursor: db.prepare<[number]>(
        'INSERT INTO lift_webhook_cursor (id, next_seq) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET next_seq = excluded.next_seq',
      ),
      insert: db.prepare<[string, string, string, string, number, number]>(
        'INSERT INTO lift_webhook_outbox (url, event, alert_id, body, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM lift_webhook_outbox'),
      oldest: db.prepare<[number], { id: number; url: string; alert_id: string }>('SELECT id, url, alert_id FROM lift_webhook_outbox ORDER BY id LIMIT ?'),
      heads: db.prepare<[], Row>('SELECT o.* FROM lift_webhook_outbox o JOIN (SELECT MIN(id) AS id FROM lift_webhook_outbox GROUP BY url) h ON h.id = o.id'),
      del: db.prepare<[number]>('DELETE FROM lift_webhook_outbox WHERE id = ?'),
      delUrl: db.prepare<[string]>('DELETE FROM lift_webhook_outbox WHERE url = ?'),
      expired: db.prepare<[number], { id: number; url: string; alert_id: string }>('SELECT id, url, alert_id FROM lift_webhook_outbox WHERE created_at < ?'),
      failed: db.prepare<[number, string, number]>('UPDATE lift_webhook_outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?'),
      perUrl: db.prepare<[], { url: string; n: number; attempts: number; next_at: number; last_error: string | null }>(
        'SELECT o.url, c.n, o.attempts, o.next_at, o.last_error FROM lift_webhook_outbox o JOIN (SELECT url, MIN(id) AS id, COUNT(*) AS n FROM lift_webhook_outbox GROUP BY url) c ON c.id = o.id',
      ),
    };
    const r = deps.registry;
    this.m = {
      queued: metric(r, 'sealift_lift_webhook_queued', () => new Gauge({ name: 'sealift_lift_webhook_queued', help: 'Lift alerts waiting for webhook delivery', registers: [r] })),
      delivered: metric(
        r,
        'sealift_lift_webhook_delivered_total',
        () => new Counter({ name: 'sealift_lift_webhook_delivered_total', help: 'Lift alerts delivered to webhooks', registers: [r] }),
      ),
      failures: metric(
        r,
        'sealift_lift_webhook_failures_total',
        () => new Counter({ name: 'sealift_lift_webhook_failures_total', help: 'Failed webhook delivery attempts (retried)', registers: [r] }),
      ),
      dropped: metric(
        r,
        'sealift_lift_webhook_dropped_total',
        () =>
          new Counter({
            name: 'sealift_lift_webhook_dropped_total',
            help: 'Lift alerts given up (queue bound or age limit), by reason',
            labelNames: ['reason'] as const,
            registers: [r],
          }),
      ),
    };
  }

  /** Catch up with the journal since the stored cursor, then follow new commits and deliver. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const cur = this.st.cursor.get();
    this.count = this.st.count.get()!.n;
    if (!cur) {
      // first run: alerts start now, history is not replayed to receivers
      this.st.setCursor.run(this.deps.journal.size);
      this.nextSeq = this.storedSeq = this.deps.journal.size;
    } else {
      this.nextSeq = this.storedSeq = cur.next_seq;
      const missed = this.catchUp(this.deps.journal.size);
      if (missed > 0) this.deps.log.info({ from: cur.next_seq, records: missed }, 'webhook outbox caught up with the journal');
    }
    this.m.queued.set(this.count);
    this.unsubscribe = this.deps.journal.onRecords((recs: Committed[]) => {
      const first = recs[0]?.record.seq ?? this.nextSeq;
      // a gap (an earlier take failed): read it back from the journal first
      if (first > this.nextSeq) this.catchUp(first);
      this.take(recs.map((c) => c.record).filter((r) => r.seq >= this.nextSeq));
    });
    this.pump();
  }

  /** Take the committed records from the cursor up to (not including) `to`; returns how many. */
  private catchUp(to: number): number {
    const missed: JournalRecord[] = [];
    if (this.nextSeq < to) for (const row of this.deps.journal.range(this.nextSeq, to - 1)) missed.push(JSON.parse(row.bytes.toString('utf8')) as JournalRecord);
    this.take(missed);
    return missed.length;
  }

  /** The next journal seq whose alert is still to be queued. */
  private nextSeq = 0;
  /** The cursor as stored in lift_webhook_cursor (≤ nextSeq; see take). */
  private storedSeq = 0;

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.storedSeq !== this.nextSeq) {
      try {
        this.st.setCursor.run(this.nextSeq);
        this.storedSeq = this.nextSeq;
      } catch (err) {
        this.deps.log.warn({ err }, 'could not store the webhook cursor (it is re-read from the journal at the next start)');
      }
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const c of this.inflight.values()) c.abort();
    await Promise.allSettled([...this.pending]);
  }

  stats(): WebhookStats {
    return {
      queued: this.count,
      ...this.counters,
      receivers: this.st.perUrl.all().map((r) => ({
        url: r.url,
        queued: r.n,
        attempts: r.attempts,
        nextAt: r.next_at,
        lastError: r.last_error,
      })),
    };
  }

  /**
   * Queue the alerts of these committed records and move the cursor past them, atomically. Records
   * that raise no alert (nearly all of them) cost no write: the stored cursor only moves with
   * queued rows, or every CURSOR_LAG records, or on stop — a crash then re-reads at most that many
   * alert-free records. (A write per commit would add a second fsync to every journal commit.)
   */
  private take(records: JournalRecord[]): void {
    if (records.length === 0) return;
    const hooks = this.deps.cfg.webhooks;
    const now = this.now();
    const rows: [string, string, string, string][] = [];
    for (const rec of records) {
      let alert: WebhookAlert | null = null;
      try {
        alert = this.deps.alertOf(rec);
      } catch (err) {
        this.deps.log.error({ err, seq: rec.seq }, 'building a lift alert failed');
      }
      if (!alert) continue;
      const body = JSON.stringify(alert);
      for (const h of hooks) {
        if (h.events && !h.events.includes(alert.event)) continue;
        if (h.minSeverity && alert.severity && severityRank(alert.severity) < severityRank(h.minSeverity)) continue;
        rows.push([h.url, alert.event, alert.id, body]);
      }
    }
    const next = records[records.length - 1]!.seq + 1;
    if (rows.length === 0 && next - this.storedSeq < CURSOR_LAG) {
      this.nextSeq = next;
      return;
    }
    this.db.transaction(() => {
      for (const [url, event, id, body] of rows) this.st.insert.run(url, event, id, body, now, now);
      this.st.setCursor.run(next);
    })();
    this.nextSeq = this.storedSeq = next;
    const added = rows.length;
    if (added === 0) return;
    this.count += added;
    this.enforceBound();
    this.m.queued.set(this.count);
    this.pump();
  }

  private enforceBound(): void {
    const over = this.count - this.deps.cfg.webhook.maxQueue;
    if (over <= 0) return;
    const rows = this.st.oldest.all(over);
    this.db.transaction(() => {
      for (const r of rows) this.st.del.run(r.id);
    })();
    this.drop(rows.length, 'queue_full', { oldest: rows[0]?.alert_id });
  }

  private drop(n: number, reason: string, extra: Record<string, unknown>): void {
    if (n <= 0) return;
    this.count -= n;
    this.counters.dropped += n;
    this.m.dropped.inc({ reason }, n);
    this.m.queued.set(this.count);
    this.deps.log.error({ dropped: n, reason, ...extra }, 'lift webhook alerts given up');
  }

  /** Start every receiver's head delivery that is due; arm a timer for the next one. */
  private pump(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.now();
    const maxAge = this.deps.cfg.webhook.maxAgeHours * 3_600_000;
    const expired = this.st.expired.all(now - maxAge).filter((r) => !this.inflight.has(r.url));
    if (expired.length > 0) {
      this.db.transaction(() => {
        for (const r of expired) this.st.del.run(r.id);
      })();
      this.drop(expired.length, 'too_old', { oldest: expired[0]?.alert_id });
    }
    let next = Infinity;
    for (const head of this.st.heads.all()) {
      if (this.inflight.has(head.url)) continue;
      const hook = this.deps.cfg.webhooks.find((h) => h.url === head.url);
      if (!hook) {
        const n = this.st.delUrl.run(head.url).changes;
        this.drop(n, 'receiver_removed', { url: head.url });
        continue;
      }
      if (head.next_at > now) {
        next = Math.min(next, head.next_at);
        continue;
      }
      this.deliver(head, hook.secret);
    }
    if (Number.isFinite(next)) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, next - now));
      this.timer.unref();
    }
  }

  private deliver(row: Row, secret: string): void {
    const ctl = new AbortController();
    this.inflight.set(row.url, ctl);
    const timeout = setTimeout(() => ctl.abort(new Error(`timed out after ${this.deps.cfg.webhook.timeoutMs} ms`)), this.deps.cfg.webhook.timeoutMs);
    const p = (async () => {
      let error: string | null = null;
      try {
        const res = await fetch(row.url, {
          method: 'POST',
          body: row.body,
          signal: ctl.signal,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'sealift-gateway',
            'x-sealift-event': row.event,
            'x-sealift-delivery': row.alert_id,
            'x-sealift-signature': signBody(secret, row.body),
          },
        });
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) error = `HTTP ${res.status}`;
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        error = ctl.signal.aborted && this.stopped ? 'stopped' : (e.cause?.code ?? e.cause?.message ?? e.message);
      } finally {
        clearTimeout(timeout);
      }
      this.inflight.delete(row.url);
      if (error === 'stopped') return;
      if (error === null) {
        this.st.del.run(row.id);
        this.count--;
        this.counters.delivered++;
        this.m.delivered.inc();
        this.m.queued.set(this.count);
      } else {
        const w = this.deps.cfg.webhook;
        const base = Math.min(w.backoffMaxMs, w.backoffMinMs * 2 ** Math.min(row.attempts, 30));
        const delay = Math.round(base * (0.9 + 0.2 * Math.random()));
        this.st.failed.run(this.now() + delay, error, row.id);
        this.counters.failures++;
        this.m.failures.inc();
        const log = row.attempts === 0 ? this.deps.log.warn.bind(this.deps.log) : this.deps.log.debug.bind(this.deps.log);
        log({ url: row.url, alert: row.alert_id, attempts: row.attempts + 1, retryInMs: delay, error }, 'lift webhook delivery failed; will retry');
      }
      this.pump();
    })();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

/**
 * Disk full (DESIGN §8, laws 1 and 4), SEALIFT_SOAK_DISKFULL rounds (CI 1, soak 10): while MQTT
 * sleeves publish (and resend what was not acknowledged, as the firmware does), the journal's
 * SQLite file is capped at a few pages above its size (`max_page_count`, as journal.maxPageCount
 * does): acknowledgements stop, /healthz says why (503, "journal full …"), the journal still
 * verifies; then the cap is lifted (space comes back): acknowledgements resume and every
 * acknowledged event is stored exactly once. (tests/store/journal.test.ts checks the journal alone.)
 */
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openStore } from '../../src/gateway/store.js';
import { setMaxPageCount } from '../../src/store/db.js';
import { verifyJournal } from '../../src/store/verify.js';
import { tmp } from '../helpers/cli.js';
import { startInproc } from '../helpers/inproc.js';
import { budget, count, report, sleep } from './soak.js';

const ROUNDS = count('DISKFULL', 1, 10);

/** An MQTT sleeve that keeps its unacknowledged events and sends them again after every reconnect. */
class Sleeve {
  private client: MqttClient | undefined;
  private seq = 0;
  private readonly unacked = new Map<number, string>();
  private inflight = new Set<number>();
  private running = true;
  private timer: NodeJS.Timeout | undefined;
  readonly acked = new Set<number>();
  disconnects = 0;

  constructor(
    readonly id: string,
    private readonly secret: string,
    private readonly url: string,
    private readonly boot: number,
  ) {}

  start(): void {
    const c = mqtt.connect(this.url, { clientId: this.id, username: this.id, password: this.secret, reconnectPeriod: 100, clean: true });
    c.on('error', () => undefined);
    c.on('close', () => {
      this.disconnects++;
      this.inflight.clear();
    });
    c.on('connect', () => this.pump());
    this.client = c;
    this.timer = setInterval(() => {
      if (this.unacked.size < 40) {
        const seq = ++this.seq;
        this.unacked.set(seq, JSON.stringify({ seq, boot: this.boot, battery: 80, locked: true, sleeveClosed: true, sealPresent: true, time: Date.now() }));
      }
      this.pump();
    }, 5);
  }

  private pump(): void {
    const c = this.client;
    if (!c?.connected || !this.running) return;
    for (const [seq, payload] of this.unacked) {
      if (this.inflight.has(seq) || this.inflight.size >= 8) continue;
      this.inflight.add(seq);
      c.publish(`dev/${this.id}/up/status`, payload, { qos: 1 }, (err) => {
        this.inflight.delete(seq);
        if (err) return;
        this.unacked.delete(seq);
        this.acked.add(seq);
      });
    }
  }

  get pending(): number {
    return this.unacked.size;
  }

  /** Stop making events; keep resending until everything made is acknowledged. */
  async drain(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    const until = Date.now() + timeoutMs;
    while (this.unacked.size > 0) {
      if (Date.now() > until) throw new Error(`${this.id}: ${this.unacked.size} events still unacknowledged`);
      this.pump();
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.client?.endAsync(true);
  }
}

describe('disk full', () => {
  it(
    `acknowledgements stop with a clear error, nothing is corrupted, and all resumes when space returns (${ROUNDS} rounds)`,
    async () => {
      const data = join(tmp('sealift-soak-full-'), 'data');
      const devs = [
        { id: 'full-1', secret: 'soak-disk-full-secret-1' },
        { id: 'full-2', secret: 'soak-disk-full-secret-2' },
      ];
      const store = await openStore(loadConfig({ env: { SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: 'testgw' } }));
      for (const d of devs) await store.registry.addDevice({ id: d.id, profile: 'seal-mqtt' }, { secret: d.secret });
      await store.close();
      const { gw, base, stop } = await startInproc({ data });
      const db = gw.store.db;
      const sleeves = devs.map((d) => new Sleeve(d.id, d.secret, `mqtt://127.0.0.1:${gw.brokerPort}`, 1));
      const figures = { stalledMs: [] as number[], ackedWhileFull: 0, fitDespiteFull: 0, answeredFromJournal: 0, healthWhileFull: '', verifyWhileFull: '', failedCommits: 0 };
      try {
        for (const s of sleeves) s.start();
        for (let round = 1; round <= ROUNDS; round++) {
          await sleep(300); // flowing
          const pages = db.pragma('page_count', { simple: true }) as number;
          setMaxPageCount(db, pages + 2); // the disk fills up
          await waitUntil(() => gw.store.journal.stats().full, 10_000, 'the journal to report full');
          const fullAt = Date.now();
          await sleep(200); // commits in progress settle
          // Acknowledged during the full window: fine only for an event stored before the disk
          // filled (a resend after a lost PUBACK is answered from the journal, nothing written)
          // or in a commit that still fitted (SQLite reuses a page it freed itself); never for an
          // event that is not in the journal.
          const sizeAtFull = gw.store.journal.size;
          const before = sleeves.map((s) => new Set(s.acked));
          await sleep(800);
          const bySeq = db.prepare('SELECT seq FROM journal WHERE dev_id = ? AND dev_seq = ?');
          sleeves.forEach((s, k) => {
            for (const seq of s.acked) {
              if (before[k]!.has(seq)) continue;
              const row = bySeq.get(s.id, seq) as { seq: number } | undefined;
              if (!row) figures.ackedWhileFull++;
              else if (row.seq < sizeAtFull) figures.answeredFromJournal++;
              else figures.fitDespiteFull++;
            }
          });
          const health = await fetch(`${base}/healthz`);
          const body = (await health.json()) as { ok: boolean; journal: { full: boolean; lastError: string | null } };
          figures.healthWhileFull = `${health.status} ${body.journal.lastError?.slice(0, 60) ?? ''}`;
          expect(health.status).toBe(503);
          expect(body.journal).toMatchObject({ full: true, lastError: expect.stringMatching(/^journal full: .*raise journal.maxPageCount/) });
          const v = verifyJournal(db, gw.store.journal.key.vkey);
          figures.verifyWhileFull = v.ok ? 'clean' : `FAILED ${JSON.stringify(v.firstBad)}`;
          expect(v.ok).toBe(true);
          setMaxPageCount(db, 0); // space comes back
          await waitUntil(() => !gw.store.journal.stats().full && sleeves.every((s) => s.pending < 40), 15_000, 'acknowledgements to resume');
          figures.stalledMs.push(Date.now() - fullAt);
        }
        await Promise.all(sleeves.map((s) => s.drain(20_000)));
        figures.failedCommits = gw.store.journal.stats().failedCommits;

        const rows = db.prepare("SELECT subject, dev_boot AS boot, dev_seq AS seq FROM journal WHERE kind = 'device.status' AND subject LIKE 'full-%'").all() as { subject: string; boot: number; seq: number }[];
        const stored = new Map<string, number>();
        for (const r of rows) stored.set(`${r.subject}|${r.seq}`, (stored.get(`${r.subject}|${r.seq}`) ?? 0) + 1);
        const acked = sleeves.flatMap((s) => [...s.acked].map((seq) => `${s.id}|${seq}`));
        const lost = acked.filter((k) => !stored.has(k)).length;
        const doubled = [...stored.values()].filter((n) => n > 1).length;
        const v = verifyJournal(db, gw.store.journal.key.vkey);
        report('disk full', {
          rounds: ROUNDS,
          acked: acked.length,
          lost,
          doubled,
          ackedWhileFull: figures.ackedWhileFull,
          fitDespiteFull: figures.fitDespiteFull,
          answeredFromJournal: figures.answeredFromJournal,
          failedCommits: figures.failedCommits,
          health: figures.healthWhileFull,
          verifyWhileFull: figures.verifyWhileFull,
          verifyAfter: v.ok ? 'clean' : 'FAILED',
          recoveredWithinMs: Math.max(...figures.stalledMs),
          disconnects: sleeves.reduce((n, s) => n + s.disconnects, 0),
        });
        expect(figures.failedCommits).toBeGreaterThan(0);
        expect(figures.ackedWhileFull).toBe(0);
        expect(lost).toBe(0);
        expect(doubled).toBe(0);
        expect(v.ok).toBe(true);
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
      } finally {
        for (const s of sleeves) await s.stop();
        await stop();
      }
    },
    budget(ROUNDS, 20_000),
  );
});

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * The composition root: builds the gateway's components in a fixed order and stops them in the
 * reverse order. Start: store → registry → ingest → broker → http → timers.
 * Stop (SIGTERM): timers → http → broker (drains in-flight device publishes) → journal (flushes,
 * writes a final checkpoint) → database.
 */
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import { child } from '../core/logger.js';
import { createMetrics, type Metrics } from '../core/metrics.js';
import { EventBus } from '../core/bus.js';
import { buildHttp, type Http } from '../api/server.js';
import { EmbeddedBroker } from '../transport/broker/index.js';
import { openStore, type Store } from './store.js';
import { Ingest } from './ingest.js';
import { genericHandler } from './generic.js';
import { PROFILES } from '../registry/schema.js';

/** Events other components may listen to; listeners cannot crash the gateway. */
export interface GatewayEvents extends Record<string, unknown> {
  started: { broker?: number | undefined; http?: number | undefined };
  stopping: undefined;
}

export class Gateway {
  readonly metrics: Metrics;
  readonly bus: EventBus<GatewayEvents>;
  store!: Store;
  ingest!: Ingest;
  broker?: EmbeddedBroker;
  http?: Http;
  private timers: NodeJS.Timeout[] = [];
  private startedAt = Date.now();
  private stopping = false;
  private stopCheckpoints?: () => void;

  constructor(
    readonly cfg: Config,
    readonly log: Logger,
  ) {
    this.metrics = createMetrics();
    this.bus = new EventBus<GatewayEvents>(child(log, 'bus'));
  }

  async start(): Promise<this> {
    const { cfg, log, metrics } = this;
    this.store = await openStore(cfg, child(log, 'store'), metrics);
    const { journal, registry } = this.store;

    this.ingest = new Ingest(registry, metrics, child(log, 'ingest'));
    for (const p of PROFILES) this.ingest.register(p, genericHandler(journal));

    if (cfg.broker.enabled) {
      this.broker = new EmbeddedBroker({
        ...cfg.broker,
        gw: cfg.gateway.id,
        log: child(log, 'broker'),
        metrics: metrics.registry,
        auth: (u, p) => registry.authenticate(u, p),
        onDevicePublish: (id, sub, payload) => this.ingest.receive(id, sub, payload),
      });
      this.broker.onRequest('health', async () => this.healthSnapshot());
      this.broker.onRequest('devices', async () => registry.devices());
      await this.broker.start();
    }

    if (cfg.http.enabled) {
      this.http = buildHttp({ log: child(log, 'http'), metrics, health: () => this.healthSnapshot() });
      await this.http.listen({ host: cfg.http.host, port: cfg.http.port });
    }

    this.stopCheckpoints = journal.startCheckpointTimer(Math.max(1000, Math.round(cfg.journal.checkpointIntervalMin * 60_000)));
    this.timers.push(setInterval(() => this.publishHealth(), cfg.health.intervalSec * 1000));
    for (const t of this.timers) t.unref();
    this.publishHealth();

    await journal.append({
      kind: 'gateway.start',
      subject: cfg.gateway.id,
      data: { version: process.env.npm_package_version ?? null, pid: process.pid },
    });
    this.bus.emit('started', { broker: this.brokerPort, http: this.httpPort });
    log.info(
      { gw: cfg.gateway.id, data: cfg.data, broker: this.brokerPort, http: this.httpPort, records: journal.size },
      'gateway started',
    );
    return this;
  }

  get brokerPort(): number | undefined {
    return this.broker?.port;
  }

  get httpPort(): number | undefined {
    const addr = this.http?.server.address();
    return addr && typeof addr === 'object' ? addr.port : undefined;
  }

  healthSnapshot(): { ok: boolean } & Record<string, unknown> {
    const j = this.store?.journal;
    const st = j?.stats();
    const ok = !this.stopping && !!st && !st.full && !st.lastError;
    return {
      ok,
      gw: this.cfg.gateway.id,
      ts: Date.now(),
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      journal: st ? { records: st.size, pending: st.pending, full: st.full, lastError: st.lastError ?? null } : null,
      broker: this.broker ? this.broker.stats() : null,
      checkpoint: j?.latestCheckpoint() ? { size: j.latestCheckpoint()!.size, ts: j.latestCheckpoint()!.ts } : null,
    };
  }

  private publishHealth(): void {
    const h = this.healthSnapshot();
    this.metrics.journalRecords.set(this.store.journal.size);
    this.metrics.journalPending.set(this.store.journal.stats().pending);
    this.broker?.publish(`sealift/${this.cfg.gateway.id}/health`, JSON.stringify(h), { retain: true, qos: 0 });
  }

  private safe(what: string, fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, `${what} failed`);
    }
  }

  /** Graceful stop: nothing acknowledged is lost, a final checkpoint is signed. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.bus.emit('stopping', undefined);
    for (const t of this.timers) clearInterval(t);
    this.stopCheckpoints?.();
    await this.http?.close().catch((err: unknown) => this.log.error({ err }, 'http close failed'));
    await this.broker?.stop().catch((err: unknown) => this.log.error({ err }, 'broker stop failed'));
    if (this.store) {
      await this.store.journal
        .append({ kind: 'gateway.stop', subject: this.cfg.gateway.id, data: {} })
        .catch((err: unknown) => this.log.error({ err }, 'could not journal the stop'));
      await this.store.close();
    }
    this.log.info('gateway stopped');
  }
}

/**
 * The composition root: builds the gateway's components in a fixed order and stops them in the
 * reverse order.
 *   build:  store → registry → ingest → broker + http (not yet listening) → features' setup
 *   start:  broker listens → http listens → features start (serial ports, timers) → health
 *   stop (SIGTERM): features stop → http → broker (drains in-flight device publishes) →
 *           journal (flushes, signs a final checkpoint) → database
 */
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import { child } from '../core/logger.js';
import { createMetrics, type Metrics } from '../core/metrics.js';
import { EventBus } from '../core/bus.js';
import { buildHttp, type Http } from '../api/server.js';
import { registerAuth, type Auth } from '../api/auth.js';
import { registerOpenApi } from '../api/openapi.js';
import { EmbeddedBroker } from '../transport/broker/index.js';
import { openStore, type Store } from './store.js';
import { Ingest } from './ingest.js';
import { genericHandler } from './generic.js';
import { PROFILES } from '../registry/schema.js';
import type { Feature, GatewayContext, GatewayEvents } from './feature.js';
import { FEATURES } from './features.js';
import { upstreamHealth } from '../sync/feature.js';
import { DeviceLinks, DeviceStatusProviders, DeviceWatch } from './devices.js';

export class Gateway {
  readonly metrics: Metrics;
  readonly bus: EventBus<GatewayEvents>;
  store!: Store;
  ingest!: Ingest;
  broker?: EmbeddedBroker;
  http?: Http;
  auth?: Auth;
  ctx!: GatewayContext;
  private features: Feature[];
  private started: Feature[] = [];
  private timers: NodeJS.Timeout[] = [];
  private startedAt = Date.now();
  private stopping = false;
  private stopCheckpoints?: () => void;
  private deviceWatch?: DeviceWatch;

  constructor(
    readonly cfg: Config,
    readonly log: Logger,
    features: Feature[] = FEATURES,
  ) {
    this.metrics = createMetrics();
    this.bus = new EventBus<GatewayEvents>(child(log, 'bus'));
    this.features = features;
  }

  async start(): Promise<this> {
    const { cfg, log, metrics } = this;
    this.store = await openStore(cfg, log, metrics);
    const { journal, registry, db } = this.store;

    const links = new DeviceLinks();
    this.ingest = new Ingest(registry, metrics, child(log, 'ingest'), links);
    // Profiles without a domain feature still have every message journaled as it came.
    for (const p of PROFILES) this.ingest.register(p, genericHandler(journal));

    if (cfg.broker.enabled) {
      this.broker = new EmbeddedBroker({
        ...cfg.broker,
        gw: cfg.gateway.id,
        log: child(log, 'broker'),
        metrics: metrics.registry,
        auth: (u, p) => registry.authenticate(u, p),
        onDevicePublish: (id, sub, payload) => this.ingest.receive(id, sub, payload),
        onClientConnected: (p) => {
          if (p.kind === 'device') links.connected(p.id);
        },
        onClientDisconnected: (p) => {
          if (p.kind === 'device') links.disconnected(p.id);
        },
        onRefusal: (e) => {
          if (e.principal?.kind === 'device') links.rejected(e.principal.id);
          else if (e.reason === 'bad_credentials' && e.username && registry.device(e.username)) links.authFailed(e.username);
        },
      });
      this.broker.onRequest('health', async () => this.healthSnapshot());
      this.broker.onRequest('devices', async () => registry.devices());
    }
    if (cfg.http.enabled) {
      this.http = buildHttp({ log: child(log, 'http'), metrics, health: () => this.healthSnapshot() });
      await registerOpenApi(this.http);
      this.auth = registerAuth(this.http, { journal, registry, cfg });
    }

    const broker = this.broker;
    this.ctx = {
      cfg,
      log,
      metrics,
      bus: this.bus,
      journal,
      db,
      registry,
      ingest: this.ingest,
      links,
      deviceStatus: new DeviceStatusProviders(links),
      broker,
      http: this.http,
      auth: this.auth,
      publish: (topic, payload, opts) => {
        broker?.publish(topic, payload, { retain: opts?.retain ?? false, qos: opts?.qos ?? 0 }).catch((err: unknown) => {
          log.debug({ err, topic }, 'local publish failed');
        });
      },
    };
    // devices provisioned from now on (API, or the CLI in another process) reach the features as
    // `device.added`; a feature subscribes when it starts, right after reading the devices there are
    this.deviceWatch = new DeviceWatch(journal, this.bus, child(log, 'devices'));
    this.deviceWatch.start();
    for (const f of this.features) await f.setup({ ...this.ctx, log: child(log, f.name) });

    await this.broker?.start();
    if (this.http) await this.http.listen({ host: cfg.http.host, port: cfg.http.port });
    for (const f of this.features) {
      await f.start?.({ ...this.ctx, log: child(log, f.name) });
      this.started.push(f);
    }

    this.stopCheckpoints = journal.startCheckpointTimer(Math.max(1000, Math.round(cfg.journal.checkpointIntervalMin * 60_000)));
    this.timers.push(setInterval(() => this.publishHealth(), cfg.health.intervalSec * 1000));
    for (const t of this.timers) t.unref();
    this.publishHealth();

    await journal.append({
      kind: 'gateway.start',
      subject: cfg.gateway.id,
      data: { name: cfg.gateway.name, version: process.env.npm_package_version ?? null, pid: process.pid, features: this.features.map((f) => f.name) },
    });
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
    const cp = j?.latestCheckpoint();
    return {
      ok,
      gw: this.cfg.gateway.id,
      ts: Date.now(),
      uptimeSec: Math.round((Date.now() - this.startedAt) / 1000),
      journal: st ? { records: st.size, pending: st.pending, full: st.full, lastError: st.lastError ?? null } : null,
      broker: this.broker?.started ? this.broker.stats() : null,
      checkpoint: cp ? { size: cp.size, ts: cp.ts } : null,
      upstream: j ? upstreamHealth(j) : null,
    };
  }

  private publishHealth(): void {
    const st = this.store.journal.stats();
    this.metrics.journalRecords.set(st.size);
    this.metrics.journalPending.set(st.pending);
    this.ctx.publish(`sealift/${this.cfg.gateway.id}/health`, JSON.stringify(this.healthSnapshot()), { retain: true });
  }

  /** Graceful stop: nothing acknowledged is lost, a final checkpoint is signed. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.deviceWatch?.stop();
    this.stopCheckpoints?.();
    for (const f of [...this.started].reverse()) {
      await f.stop?.().catch((err: unknown) => this.log.error({ err, feature: f.name }, 'feature stop failed'));
    }
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

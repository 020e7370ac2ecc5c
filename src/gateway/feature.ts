/**
 * A feature (seal, lift, sync, …) plugs into the gateway like a fastify plugin: `setup` registers
 * its projections, ingest handlers, HTTP routes and broker requests before anything listens;
 * `start` opens its ports and timers once the gateway serves; `stop` runs in reverse order.
 */
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import type { Metrics } from '../core/metrics.js';
import type { EventBus } from '../core/bus.js';
import type { Journal } from '../store/journal.js';
import type { Db } from '../store/db.js';
import type { Registry } from '../registry/registry.js';
import type { EmbeddedBroker } from '../transport/broker/index.js';
import type { Http } from '../api/server.js';
import type { Auth } from '../api/auth.js';
import type { Ingest } from './ingest.js';
import type { DeviceLinks, DeviceStatusProviders } from './devices.js';

/** Domain events on the gateway bus. Features add theirs by declaration merging. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GatewayEvents extends Record<string, unknown> {}

export interface GatewayContext {
  cfg: Config;
  log: Logger;
  metrics: Metrics;
  bus: EventBus<GatewayEvents>;
  journal: Journal;
  db: Db;
  registry: Registry;
  ingest: Ingest;
  /** Per-device MQTT counters (connected, messages in, refused). */
  links: DeviceLinks;
  /** Features register how to tell each device's live state and link counters (the admin's device list). */
  deviceStatus: DeviceStatusProviders;
  /** Absent when the broker is disabled in the config. */
  broker?: EmbeddedBroker | undefined;
  /** Absent when HTTP is disabled in the config. */
  http?: Http | undefined;
  auth?: Auth | undefined;
  /** Publish on the local broker if there is one (never throws). */
  publish(topic: string, payload: string | Buffer, opts?: { retain?: boolean; qos?: 0 | 1 }): void;
}

export interface Feature {
  name: string;
  setup(ctx: GatewayContext): void | Promise<void>;
  start?(ctx: GatewayContext): Promise<void>;
  stop?(): Promise<void>;
}

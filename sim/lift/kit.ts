/**
 * A simulated elevator sensor kit over MQTT (DESIGN §5.4): logs in with its device credentials, sets
 * a retained last will `dev/{id}/up/online` = `0`, says `1` when connected, and publishes QoS 1
 * `dev/{id}/up/status` (encoded by devices/lift-kit-mqtt.ts) on every change of its lift model and at
 * least every `heartbeatMs`. Fault injection for the link: `silence()` (connected but mute: the
 * gateway's 90 s rule), `dropConnection()` (the socket dies: the broker publishes the last will),
 * `reconnect()`.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { encodeEvent, encodeOnline, encodeStatus, KIT_LAST_WILL, type KitEventKind } from '../../devices/lift-kit-mqtt.js';
import { changedFields, type LiftReading } from '../../devices/types.js';
import type { LiftModel } from './model.js';

export interface SimLiftKitOptions {
  id: string;
  secret: string;
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 */
  url: string;
  model: LiftModel;
  /** Model clock (accelerated or not); the model is ticked to it. */
  clock?: () => number;
  /** How often the kit samples its lift (wall ms, default 50). */
  sampleMs?: number;
  /** Status at least this often even without change (wall ms, default 30 000, §5.4). */
  heartbeatMs?: number;
}

/** Fields a kit reports (the rest are null in its readings): a change of any of these is published. */
const KIT_FIELDS: readonly (keyof LiftReading)[] = [
  'running',
  'dir',
  'inZone',
  'floorLabel',
  'door',
  'person',
  'mode',
  'mainsOk',
  'topLimit',
  'bottomLimit',
  'speedMmS',
  'alarmButton',
];

export class SimLiftKit {
  private client: MqttClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private seq = 1;
  private last: LiftReading | null = null;
  private lastSentAt = 0;
  private muted = false;
  private sending = false;
  /** Status messages acknowledged by the gateway (PUBACK). */
  published = 0;

  constructor(readonly opts: SimLiftKitOptions) {}

  get id(): string {
    return this.opts.id;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async start(): Promise<void> {
    await this.connect();
    const every = this.opts.sampleMs ?? 50;
    this.timer = setInterval(() => this.sample(), every);
    this.timer.unref();
    this.sample();
  }

  private connect(): Promise<void> {
    const { id, secret, url } = this.opts;
    const client = mqtt.connect(url, {
      clientId: id,
      username: id,
      password: secret,
      clean: true,
      reconnectPeriod: 500,
      connectTimeout: 5000,
      will: { topic: `dev/${id}/up/${KIT_LAST_WILL.subtopic}`, payload: Buffer.from(KIT_LAST_WILL.payload), qos: KIT_LAST_WILL.qos, retain: KIT_LAST_WILL.retain },
    });
    client.on('error', () => {}); // refused connections retry; the gateway's side counts them
    client.on('connect', () => {
      client.publish(`dev/${id}/up/online`, encodeOnline(true), { qos: 1, retain: true });
      this.last = null; // publish the full state after every (re)connect
    });
    this.client = client;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kit ${id}: no connection to ${url}`)), 10_000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Stop publishing (the connection stays up): after 90 s the gateway raises LIFT_OFFLINE. */
  silence(on = true): void {
    this.muted = on;
    if (!on) this.last = null;
  }

  /** The link dies without a DISCONNECT: the broker publishes the retained last will `0`. */
  dropConnection(): void {
    const c = this.client;
    this.client = null;
    if (!c) return;
    c.options.reconnectPeriod = 0;
    c.stream?.destroy();
    c.end(true);
  }

  async reconnect(): Promise<void> {
    if (this.client) return;
    await this.connect();
  }

  /** A camera event (`ebike`, `crowding`). */
  event(kind: KitEventKind): Promise<void> {
    return this.publish('event', encodeEvent(kind, this.seq++, Date.now()));
  }

  private sample(): void {
    const m = this.opts.model;
    m.tick((this.opts.clock ?? Date.now)());
    if (this.muted || this.sending || !this.client?.connected) return;
    const r = m.reading();
    const changed = this.last === null || changedFields(r, this.last).some((k) => KIT_FIELDS.includes(k));
    if (!changed && Date.now() - this.lastSentAt < (this.opts.heartbeatMs ?? 30_000)) return;
    this.last = r;
    this.lastSentAt = Date.now();
    this.sending = true;
    this.publish('status', encodeStatus(r, this.seq++, Date.now()))
      .then(() => this.published++)
      .catch(() => (this.last = null))
      .finally(() => (this.sending = false));
  }

  private publish(sub: string, payload: Buffer): Promise<void> {
    const c = this.client;
    if (!c) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => c.publish(`dev/${this.opts.id}/up/${sub}`, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const c = this.client;
    this.client = null;
    await c?.endAsync();
  }
}

/**
 * One face for the simulated sleeves, serial (`SimSleeve` on a socat pty + a photo uplink over
 * MQTT) and MQTT (`MqttSleeve`), so scenarios and the demo's auto-stamper drive either the same way.
 *
 * Serial sleeves cannot carry photos in SSP/1 frames (1024-byte payloads): their camera uploads
 * each photo over MQTT to `dev/{id}/up/photo` with the device's own credentials (the photo
 * uplink). The gateway links a photo to the stamp whose `photo` hash it matches.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import type { AlarmKind } from '../../devices/seal-ssp1-serial.js';
import type { Device } from '../../src/registry/schema.js';
import { createPtyPair, type PtyPair } from '../pty.js';
import { MqttSleeve } from './mqtt-sleeve.js';
import { SimSleeve, type SimSleeveOptions, type SleeveGrant } from './sleeve.js';

export interface SimStampOptions {
  /** The sensor saw ink (default true). */
  impression?: boolean;
  /** Take a photo (default true). */
  photo?: boolean;
  /** Upload the photo taken (default true). */
  upload?: boolean;
  /** Mechanical bypass: stamp at once, naming no grant. */
  bypass?: boolean;
}

export interface SimCommand {
  type: 'grant' | 'revoke' | 'lock' | 'time';
  grant?: string;
  uses?: number;
  notBefore?: number;
  notAfter?: number;
  time?: number;
}

export interface SimSeal {
  readonly id: string;
  readonly transport: 'serial' | 'mqtt';
  readonly grant: Readonly<SleeveGrant> | undefined;
  readonly counter: number;
  readonly locked: boolean;
  readonly boot: number;
  stampWithoutGrant: boolean;
  dropAcks: boolean;
  stamp(opts?: SimStampOptions): { ok: boolean; grant?: string | null; n?: number; reason?: string };
  status(): void;
  alarm(kind: AlarmKind): void;
  openSleeve(): void;
  closeSleeve(): void;
  counterJump(n: number): void;
  skipSeq(n: number): void;
  powerLoss(): void;
  now(): number;
  whenIdle(timeoutMs?: number): Promise<void>;
  onCommand(fn: (cmd: SimCommand) => void): () => void;
  /** Cut the link (serial: unplug the cable, i.e. kill socat; MQTT: network off). */
  disconnect(): Promise<void>;
  reconnect(): Promise<void>;
  stop(): Promise<void>;
}

/** Uploads photos of a serial sleeve over MQTT (QoS 1, one at a time, kept until PUBACK). */
export class PhotoUplink {
  private client?: MqttClient;
  private readonly queue: Buffer[] = [];
  private pumping = false;
  uploaded = 0;

  constructor(private readonly opts: { id: string; secret: string; url: string }) {}

  async start(): Promise<void> {
    const { id, secret, url } = this.opts;
    this.client = mqtt.connect(url, { clientId: id, username: id, password: secret, clean: true, reconnectPeriod: 300, connectTimeout: 5000 });
    this.client.on('error', () => undefined);
    this.client.on('connect', () => this.pump());
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`photo uplink ${id}: no connection`)), 10_000);
      this.client!.once('connect', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  upload(bytes: Buffer): void {
    this.queue.push(bytes);
    this.pump();
  }

  get pending(): number {
    return this.queue.length;
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void (async () => {
      try {
        while (this.client?.connected && this.queue.length > 0) {
          const head = this.queue[0]!;
          const ok = await new Promise<boolean>((r) => this.client!.publish(`dev/${this.opts.id}/up/photo`, head, { qos: 1 }, (err) => r(!err)));
          if (!ok) break;
          this.queue.shift();
          this.uploaded++;
        }
      } finally {
        this.pumping = false;
      }
    })();
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true).catch(() => undefined);
  }
}

/** A serial `SimSleeve` (and its photo uplink) as a `SimSeal`. */
export class SerialSimSeal extends EventEmitter implements SimSeal {
  readonly transport = 'serial' as const;

  constructor(
    readonly sleeve: SimSleeve,
    private readonly uplink?: PhotoUplink,
    private readonly cable?: { unplug(): Promise<void>; replug(): Promise<void>; close(): Promise<void> },
  ) {
    super();
  }

  get id(): string {
    return this.sleeve.id;
  }
  get grant(): Readonly<SleeveGrant> | undefined {
    return this.sleeve.grant;
  }
  get counter(): number {
    return this.sleeve.counter;
  }
  get locked(): boolean {
    return this.sleeve.locked;
  }
  get boot(): number {
    return this.sleeve.boot;
  }
  get stampWithoutGrant(): boolean {
    return this.sleeve.stampWithoutGrant;
  }
  set stampWithoutGrant(v: boolean) {
    this.sleeve.stampWithoutGrant = v;
  }
  get dropAcks(): boolean {
    return this.sleeve.dropAcks;
  }
  set dropAcks(v: boolean) {
    this.sleeve.dropAcks = v;
  }

  stamp(opts: SimStampOptions = {}) {
    const r = this.sleeve.stamp({ impression: opts.impression, photo: opts.photo, bypass: opts.bypass });
    if (r.ok && r.photo && opts.upload !== false) this.uplink?.upload(r.photo.bytes);
    return r.ok ? { ok: true, grant: r.grant, n: r.n } : { ok: false, reason: r.reason };
  }
  status(): void {
    this.sleeve.status();
  }
  alarm(kind: AlarmKind): void {
    this.sleeve.alarm(kind);
  }
  openSleeve(): void {
    this.sleeve.openSleeve();
  }
  closeSleeve(): void {
    this.sleeve.closeSleeve();
  }
  counterJump(n: number): void {
    this.sleeve.counterJump(n);
  }
  skipSeq(n: number): void {
    this.sleeve.skipSeq(n);
  }
  powerLoss(): void {
    this.sleeve.powerLoss();
  }
  now(): number {
    return this.sleeve.now();
  }
  async whenIdle(timeoutMs = 10_000): Promise<void> {
    await this.sleeve.whenIdle(timeoutMs);
    const deadline = Date.now() + timeoutMs;
    while ((this.uplink?.pending ?? 0) > 0) {
      if (Date.now() > deadline) throw new Error(`photo uplink ${this.id}: photos still pending`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  onCommand(fn: (cmd: SimCommand) => void): () => void {
    const h = (cmd: SimCommand): void => fn(cmd);
    this.sleeve.on('command', h as never);
    return () => this.sleeve.off('command', h as never);
  }
  async disconnect(): Promise<void> {
    if (!this.cable) throw new Error('no cable to unplug (pass the pty pair)');
    await this.cable.unplug();
  }
  async reconnect(): Promise<void> {
    if (!this.cable) throw new Error('no cable to replug');
    await this.cable.replug();
    await this.sleeve.waitOpen(5000);
  }
  async stop(): Promise<void> {
    await this.sleeve.stop();
    await this.uplink?.stop();
    await this.cable?.close();
  }
}

/** A pty pair whose gateway end is at a fixed path (the device's provisioned `port`), re-creatable after an unplug. */
export async function cableAt(gatewayPath: string, devicePath = `${gatewayPath}.dev`) {
  let pair: PtyPair | undefined = await createPtyPair({ gatewayPath, devicePath });
  return {
    devicePath,
    async unplug() {
      await pair?.close();
      pair = undefined;
    },
    async replug() {
      pair ??= await createPtyPair({ gatewayPath, devicePath });
    },
    async close() {
      await pair?.close();
      pair = undefined;
    },
  };
}

export interface StartSimSealOptions {
  /** Broker of the gateway, e.g. mqtt://127.0.0.1:1883 (MQTT sleeves, and photo uplinks of serial ones). */
  brokerUrl: string;
  /** The device's secret (from {data}/sim/secrets.json); without it a serial sleeve uploads no photos. */
  secret?: string | undefined;
  clock?: () => number;
  seed?: number;
  /** Serial: create the socat pty pair whose gateway end is the device's `port` (default true). */
  createPty?: boolean;
  /** Extra SimSleeve settings (timeouts, noise…). */
  serial?: Partial<SimSleeveOptions>;
  log?: SimSleeveOptions['log'];
}

/** Start a simulated sleeve for a provisioned seal device (either profile). */
export async function startSimSeal(device: Device, opts: StartSimSealOptions): Promise<SimSeal> {
  if (device.profile === 'seal-mqtt') {
    if (!opts.secret) throw new Error(`no secret for MQTT sleeve ${device.id}`);
    const s = new MqttSleeve({ id: device.id, secret: opts.secret, url: opts.brokerUrl, clock: opts.clock, seed: opts.seed, log: opts.log });
    await s.start();
    return s;
  }
  if (device.profile !== 'seal-ssp1-serial' || !device.port) throw new Error(`${device.id} is not a seal sleeve with a port`);
  const cable = opts.createPty === false ? undefined : await cableAt(device.port);
  const sleeve = new SimSleeve({
    path: cable?.devicePath ?? `${device.port}.dev`,
    id: device.id,
    baudRate: device.baud,
    clock: opts.clock,
    seed: opts.seed,
    log: opts.log,
    ...opts.serial,
  });
  sleeve.start();
  await sleeve.waitOpen(5000);
  let uplink: PhotoUplink | undefined;
  if (opts.secret) {
    uplink = new PhotoUplink({ id: device.id, secret: opts.secret, url: opts.brokerUrl });
    await uplink.start();
  }
  return new SerialSimSeal(sleeve, uplink, cable);
}

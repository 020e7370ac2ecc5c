/**
 * What the admin sees of each provisioned device while the gateway runs, and devices provisioned
 * while it runs:
 *
 *  - `DeviceLinks`: per-device MQTT counters the gateway keeps from the broker and the ingest path
 *    (connected now and since when, connections, messages in, messages refused, failed logins);
 *  - `DeviceStatusProviders`: each feature registers, for its profiles, a function answering a
 *    device's live state (online, since when) and its link counters from what its transports
 *    already count (seal: the SSP/1 link and its port; lift: the Modbus slave on its bus);
 *  - `DeviceWatch`: every newly provisioned device becomes one `device.added` bus event, right after
 *    its `config.change` record is committed (and applied to the `devices` table) — by this process
 *    (the admin API) or by `sealift device add` in another process, whose records the journal
 *    notices within about a second (`Journal.onRecords`, flagged `foreign`). Features attach the
 *    device on that event, so it works without a restart.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { Device } from '../registry/schema.js';
import type { Journal } from '../store/journal.js';
import type { Committed } from '../store/types.js';
import type { GatewayEvents } from './feature.js';

/** A device provisioned while the gateway runs (after its `config.change` record was committed). */
export interface DeviceAddedEvent {
  device: Device;
  /** Seq of its `device.add` record. */
  seq: number;
  /** Gateway time of that record. */
  ts: number | null;
  actor: string | null;
}

declare module './feature.js' {
  interface GatewayEvents {
    'device.added': DeviceAddedEvent;
  }
}

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** A count (a whole number, never negative). */
const Count = (description?: string) => Type.Integer(description === undefined ? { minimum: 0 } : { minimum: 0, description });

/** An MQTT link: the device's connection to the embedded broker. */
export const MqttLinkSchema = Type.Object({
  kind: Type.Literal('mqtt'),
  connected: Type.Boolean(),
  since: Nullable(Type.Number({ description: 'when it connected (connected) or went away; null: not seen since the gateway started' })),
  connects: Count('accepted connections since the gateway started'),
  messagesIn: Count('device messages received (dev/{id}/up/…)'),
  rejected: Count('messages refused (bad payload, outside its topics, over a limit)'),
  authFailures: Count('logins refused with a wrong secret for this device id'),
  lastMessageAt: Nullable(Type.Number()),
});
export type MqttLinkStats = Static<typeof MqttLinkSchema>;

/** A serial link: SSP/1 frames over a reconnecting port. */
export const SerialLinkSchema = Type.Object({
  kind: Type.Literal('serial'),
  port: Type.String(),
  portOpen: Type.Boolean(),
  lastFailure: Nullable(Type.String({ description: 'why the port is not open (path missing, permission denied, …)' })),
  framesIn: Count(),
  framesOut: Count(),
  crcErrors: Count(),
  garbage: Count('stretches of line noise skipped between frames'),
  rejectedBytes: Count('bytes the decoder refused (noise and corrupt frames)'),
  rejected: Count('inputs refused, every reason (bad CRC, noise, bad JSON, schema, …)'),
  retransmitsIn: Count('frames the sleeve sent again (our ACK was lost or late)'),
  retransmitsOut: Count('commands the gateway sent again (not acknowledged in time)'),
  reconnects: Count('times the port was opened again after it went away'),
  lastFrameAt: Nullable(Type.Number()),
});
export type SerialLinkStats = Static<typeof SerialLinkSchema>;

/** A Modbus link: one slave on an RS-485 bus. */
export const ModbusLinkSchema = Type.Object({
  kind: Type.Literal('modbus'),
  port: Type.String(),
  slave: Type.Integer(),
  portOpen: Type.Boolean(),
  mode: Type.Union([Type.Literal('poll'), Type.Literal('probe')], { description: 'poll: in every cycle; probe: not answering, tried every few seconds' }),
  pollsOk: Count(),
  pollsMissed: Count('polls that ended without registers (timeouts, CRC errors, exceptions, port closed)'),
  timeouts: Count(),
  crcErrors: Count(),
  exceptions: Count(),
  consecutiveMisses: Count(),
  lastOkAt: Nullable(Type.Number()),
  cycleMs: Nullable(Type.Number({ description: 'the cycle the slave actually gets (time between its last two readings)' })),
});
export type ModbusLinkStats = Static<typeof ModbusLinkSchema>;

export const LinkSchema = Type.Union([MqttLinkSchema, SerialLinkSchema, ModbusLinkSchema]);
export type LinkStats = Static<typeof LinkSchema>;

export const DeviceStatusSchema = Type.Object({
  online: Nullable(Type.Boolean({ description: "null: nobody runs this profile here (its feature is off)" })),
  since: Nullable(Type.Number({ description: 'since when online / offline; null when not known (not seen since the gateway started)' })),
  links: Type.Array(LinkSchema, { description: "the device's links, the main one first (a serial sleeve also uploads photos over MQTT)" }),
});
export type DeviceStatus = Static<typeof DeviceStatusSchema>;

export type DeviceStatusProvider = (device: Device) => DeviceStatus | undefined;

interface MqttCounters {
  open: number;
  since: number | null;
  connects: number;
  messagesIn: number;
  rejected: number;
  authFailures: number;
  lastMessageAt: number | null;
}

/** Per-device MQTT counters (only for provisioned device ids: the callers check). */
export class DeviceLinks {
  private readonly mqtt = new Map<string, MqttCounters>();

  constructor(private readonly now: () => number = Date.now) {}

  private of(id: string): MqttCounters {
    let c = this.mqtt.get(id);
    if (!c) this.mqtt.set(id, (c = { open: 0, since: null, connects: 0, messagesIn: 0, rejected: 0, authFailures: 0, lastMessageAt: null }));
    return c;
  }

  connected(id: string): void {
    const c = this.of(id);
    if (c.open === 0) c.since = this.now();
    c.open++;
    c.connects++;
  }

  disconnected(id: string): void {
    const c = this.of(id);
    c.open = Math.max(0, c.open - 1);
    if (c.open === 0) c.since = this.now();
  }

  message(id: string): void {
    const c = this.of(id);
    c.messagesIn++;
    c.lastMessageAt = this.now();
  }

  rejected(id: string): void {
    this.of(id).rejected++;
  }

  authFailed(id: string): void {
    this.of(id).authFailures++;
  }

  mqttOf(id: string): MqttLinkStats {
    const c = this.mqtt.get(id);
    return {
      kind: 'mqtt',
      connected: (c?.open ?? 0) > 0,
      since: c?.since ?? null,
      connects: c?.connects ?? 0,
      messagesIn: c?.messagesIn ?? 0,
      rejected: c?.rejected ?? 0,
      authFailures: c?.authFailures ?? 0,
      lastMessageAt: c?.lastMessageAt ?? null,
    };
  }
}

const MQTT_PROFILES: readonly string[] = ['seal-mqtt', 'lift-kit-mqtt'];

/** Live state per device, answered by the feature that runs its profile. */
export class DeviceStatusProviders {
  private readonly byProfile = new Map<string, DeviceStatusProvider>();

  constructor(private readonly links: DeviceLinks) {}

  register(profiles: readonly Device['profile'][], provider: DeviceStatusProvider): void {
    for (const p of profiles) {
      if (this.byProfile.has(p)) throw new Error(`a device status provider for ${p} is already registered`);
      this.byProfile.set(p, provider);
    }
  }

  statusOf(device: Device): DeviceStatus {
    const s = this.byProfile.get(device.profile)?.(device);
    if (s) return s;
    if (MQTT_PROFILES.includes(device.profile)) {
      const m = this.links.mqttOf(device.id);
      return { online: m.connected, since: m.since, links: [m] };
    }
    return { online: null, since: null, links: [] };
  }
}

/** Turns newly provisioned devices into `device.added` events (see the file comment). */
export class DeviceWatch {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly journal: Journal,
    private readonly bus: EventBus<GatewayEvents>,
    private readonly log: Logger,
  ) {}

  /** From now on, every committed `device.add` (features read the devices provisioned before when they start). */
  start(): void {
    this.unsubscribe ??= this.journal.onRecords((recs) => {
      for (const c of recs) this.take(c);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private take({ record: r, foreign }: Committed): void {
    if (r.kind !== 'config.change' || r.data.op !== 'device.add' || typeof r.data.device !== 'object' || r.data.device === null) return;
    const device = r.data.device as Device;
    this.log.info({ device: device.id, profile: device.profile, actor: r.actor, foreign: foreign ?? false }, 'device provisioned; attaching it');
    this.bus.emit('device.added', { device, seq: r.seq, ts: r.ts, actor: r.actor ?? null });
  }
}

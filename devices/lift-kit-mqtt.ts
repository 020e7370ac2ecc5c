/**
 * Elevator retrofit sensor kit over MQTT (DESIGN §5.4), GB/T 24476 encodings.
 *
 *   dev/{id}/up/status  {seq, ts, running 0|1, dir 0 stop|1 up|2 down, zone 1 in|2 out, floor "B1"|"3",
 *                        door 0 closed|1 open|2 closing|3 opening, person 1 yes|2 no, mode 0..7,
 *                        power 1 normal|2 outage, topLimit 1 tripped|2 no, bottomLimit 1|2,
 *                        speed? (m/s), load? (% of rated), alarmButton? (1 pressed; 2 or 0 not)}
 *   dev/{id}/up/event   {seq, ts, kind: ebike|crowding}
 *   dev/{id}/up/online  retained "1" / "0" (the last will)
 *
 * A kit cannot see the controller's circuits, fault codes or counters: those fields are null in its
 * readings. Fields it adds beyond these are ignored (kits from different vendors add their own).
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../src/core/validate.js';
import { Rejection } from '../src/core/errors.js';
import { parseJsonObject } from './codec/json.js';
import { EpochMs, IntEnum, Uint32, compilePayload } from './codec/schema.js';
import { deviceTopic, parseDeviceTopic } from './codec/topics.js';
import {
  DOOR_STATES,
  LIFT_MODES,
  changedFields,
  floorFromLabel,
  floorLabelOf,
  type LiftDirection,
  type LiftReading,
  type Rejected,
} from './types.js';

export const KIT_UP_SUBTOPICS = ['status', 'event', 'online'] as const;
export type KitUpSubtopic = (typeof KIT_UP_SUBTOPICS)[number];
export const KIT_EVENT_KINDS = ['ebike', 'crowding'] as const;
export type KitEventKind = (typeof KIT_EVENT_KINDS)[number];
export const KIT_MAX_JSON = 4096;

/** GB/T 24476 yes/no: 1 yes, 2 no. */
const YesNo = IntEnum([1, 2] as const);

export const KitStatusPayload = Type.Object({
  seq: Uint32,
  ts: EpochMs,
  running: IntEnum([0, 1] as const),
  dir: IntEnum([0, 1, 2] as const),
  zone: YesNo,
  floor: Type.String({ minLength: 1, maxLength: 8, pattern: '^[^\\u0000-\\u001f]+$' }),
  door: IntEnum([0, 1, 2, 3] as const),
  person: YesNo,
  mode: IntEnum([0, 1, 2, 3, 4, 5, 6, 7] as const),
  power: YesNo,
  topLimit: YesNo,
  bottomLimit: YesNo,
  /** m/s */
  speed: Type.Optional(Type.Number({ minimum: 0, maximum: 30 })),
  /** percent of rated load */
  load: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
  /** 1 pressed; 2 (GB/T 24476) or 0 not pressed */
  alarmButton: Type.Optional(IntEnum([0, 1, 2] as const)),
});
export type KitStatusPayload = Static<typeof KitStatusPayload>;

export const KitEventPayload = Type.Object({ seq: Uint32, ts: EpochMs, kind: StringEnum(KIT_EVENT_KINDS) });
export type KitEventPayload = Static<typeof KitEventPayload>;

const checkStatus = compilePayload(KitStatusPayload);
const checkEvent = compilePayload(KitEventPayload);

export type KitRejectReason = 'unknown_subtopic' | 'bad_json' | 'not_object' | 'too_long' | 'schema' | 'bad_value';

export type KitStatusResult =
  | { ok: true; seq: number; ts: number; reading: LiftReading; changed: (keyof LiftReading)[] }
  | Rejected<KitRejectReason>;
export type KitEventResult = { ok: true; seq: number; ts: number; kind: KitEventKind } | Rejected<KitRejectReason>;
export type KitOnlineResult = { ok: true; online: boolean } | Rejected<KitRejectReason>;

export type KitMessage =
  | { type: 'status'; seq: number; ts: number; reading: LiftReading; changed: (keyof LiftReading)[] }
  | { type: 'event'; seq: number; ts: number; kind: KitEventKind }
  | { type: 'online'; online: boolean };
export type KitUpResult = { ok: true; message: KitMessage } | Rejected<KitRejectReason>;

const DIRS: readonly LiftDirection[] = ['stop', 'up', 'down'];

/** Status payload → normalized reading (fields the kit cannot know are null). */
export function decodeStatus(payload: Uint8Array | string, prev?: LiftReading): KitStatusResult {
  const parsed = parseJsonObject(payload, KIT_MAX_JSON);
  if (!parsed.ok) return parsed;
  const r = checkStatus(parsed.value);
  if (!r.ok) return { ok: false, reason: 'schema', errors: r.errors };
  const p = r.value;
  const floorLabel = p.floor.trim();
  if (floorLabel.length === 0) return { ok: false, reason: 'schema', errors: ['/floor: must not be blank'] };
  const reading: LiftReading = {
    running: p.running === 1,
    dir: DIRS[p.dir] as LiftDirection,
    inZone: p.zone === 1,
    doorClosedLocked: null,
    doorOpenLimit: null,
    person: p.person === 1,
    safetyCircuit: null,
    doorLockCircuit: null,
    mainsOk: p.power === 1,
    alarmButton: p.alarmButton === undefined ? null : p.alarmButton === 1,
    topLimit: p.topLimit === 1,
    bottomLimit: p.bottomLimit === 1,
    overload: null,
    floor: floorFromLabel(floorLabel),
    floorLabel,
    speedMmS: p.speed === undefined ? null : Math.round(p.speed * 1000),
    mode: LIFT_MODES[p.mode] ?? 'unknown',
    loadPct: p.load ?? null,
    door: DOOR_STATES[p.door] ?? 'closed',
    faultCode: null,
    faultSubCode: null,
    runCount: null,
    runHours: null,
    doorCycles: null,
    travelM: null,
    tempC: null,
    alive: null,
  };
  return { ok: true, seq: p.seq, ts: p.ts, reading, changed: changedFields(reading, prev) };
}

/** Camera event payload → kind. */
export function decodeEvent(payload: Uint8Array | string): KitEventResult {
  const parsed = parseJsonObject(payload, KIT_MAX_JSON);
  if (!parsed.ok) return parsed;
  const r = checkEvent(parsed.value);
  if (!r.ok) return { ok: false, reason: 'schema', errors: r.errors };
  return { ok: true, seq: r.value.seq, ts: r.value.ts, kind: r.value.kind };
}

/** Retained `online` payload: "1" online, "0" offline (the last will). An empty payload clears the retained message. */
export function decodeOnline(payload: Uint8Array | string): KitOnlineResult {
  const text = (typeof payload === 'string' ? payload : Buffer.from(payload).toString('latin1')).trim();
  if (text === '1') return { ok: true, online: true };
  if (text === '0') return { ok: true, online: false };
  if (text === '') return { ok: false, reason: 'bad_value', errors: ['/: empty online payload (retained message cleared)'] };
  return { ok: false, reason: 'bad_value', errors: [`/: online must be "0" or "1", got ${JSON.stringify(text.slice(0, 16))}`] };
}

/** Any publish on `dev/{id}/up/{subtopic}` of a kit. */
export function decodeUp(subtopic: string, payload: Uint8Array | string, prev?: LiftReading): KitUpResult {
  switch (subtopic) {
    case 'status': {
      const r = decodeStatus(payload, prev);
      if (!r.ok) return r;
      return { ok: true, message: { type: 'status', seq: r.seq, ts: r.ts, reading: r.reading, changed: r.changed } };
    }
    case 'event': {
      const r = decodeEvent(payload);
      if (!r.ok) return r;
      return { ok: true, message: { type: 'event', seq: r.seq, ts: r.ts, kind: r.kind } };
    }
    case 'online': {
      const r = decodeOnline(payload);
      if (!r.ok) return r;
      return { ok: true, message: { type: 'online', online: r.online } };
    }
    default:
      return { ok: false, reason: 'unknown_subtopic', errors: [`unknown subtopic up/${subtopic}`] };
  }
}

// ---------------------------------------------------------------------------------------------
// Device side (simulator)

/**
 * A reading → the kit's status JSON. Fields the kit does not report are left out (alarmButton, speed
 * and load when null). Throws `Rejection('schema')` when the result would not validate.
 */
export function encodeStatus(reading: LiftReading, seq: number, ts: number): Buffer {
  const p: Record<string, unknown> = {
    seq,
    ts,
    running: reading.running ? 1 : 0,
    dir: DIRS.indexOf(reading.dir),
    zone: reading.inZone ? 1 : 2,
    floor: reading.floorLabel || (reading.floor === null ? '' : floorLabelOf(reading.floor)),
    door: DOOR_STATES.indexOf(reading.door),
    person: reading.person ? 1 : 2,
    mode: LIFT_MODES.indexOf(reading.mode),
    power: reading.mainsOk ? 1 : 2,
    topLimit: reading.topLimit ? 1 : 2,
    bottomLimit: reading.bottomLimit ? 1 : 2,
  };
  if (reading.speedMmS !== null) p.speed = reading.speedMmS / 1000;
  if (reading.loadPct !== null) p.load = reading.loadPct;
  if (reading.alarmButton !== null) p.alarmButton = reading.alarmButton ? 1 : 2;
  const r = checkStatus(p);
  if (!r.ok) throw new Rejection('schema', `invalid kit status: ${r.errors.join('; ')}`);
  return Buffer.from(JSON.stringify(p), 'utf8');
}

export function encodeEvent(kind: KitEventKind, seq: number, ts: number): Buffer {
  const p = { seq, ts, kind };
  const r = checkEvent(p);
  if (!r.ok) throw new Rejection('schema', `invalid kit event: ${r.errors.join('; ')}`);
  return Buffer.from(JSON.stringify(p), 'utf8');
}

export const encodeOnline = (online: boolean): Buffer => Buffer.from(online ? '1' : '0');

/** The kit's MQTT last will (published retained when it drops off) — subtopic under `dev/{id}/up/`. */
export const KIT_LAST_WILL = { subtopic: 'online', payload: '0', qos: 1, retain: true } as const;

// ---------------------------------------------------------------------------------------------

export const liftKitMqtt = {
  id: 'lift-kit-mqtt',
  kind: 'lift',
  transport: 'mqtt',
  title: 'Elevator sensor kit over MQTT (GB/T 24476)',
  defaults: { qos: 1, statusIntervalMs: 30_000, offlineAfterMs: 90_000 },
  upSubtopics: KIT_UP_SUBTOPICS,
  downSubtopics: [] as readonly string[],
  lastWill: KIT_LAST_WILL,
  schemas: { status: KitStatusPayload, event: KitEventPayload },
  topic: deviceTopic,
  parseTopic: parseDeviceTopic,
  decodeUp,
  decodeStatus,
  decodeEvent,
  decodeOnline,
  encodeStatus,
  encodeEvent,
  encodeOnline,
} as const;
export type LiftKitMqttProfile = typeof liftKitMqtt;

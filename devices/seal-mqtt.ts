/**
 * Smart-seal sleeve over MQTT, 4G/Wi-Fi models (DESIGN §5.2).
 *
 * Up:   `dev/{id}/up/{hello|status|stamp|sleeve|alarm|auth}` — the SSP/1 payload plus `seq` (and `boot`),
 *       `dev/{id}/up/ack` `{ack: <command id>}`, `dev/{id}/up/photo` binary JPEG (the gateway hashes it).
 * Down: `dev/{id}/down/{grant|revoke|lock|time}` — the SSP/1 payload plus `id` (the command id).
 *
 * The payload schemas are the SSP/1 ones (seal-ssp1-serial.ts), extended with the MQTT envelope.
 */
import { createHash } from 'node:crypto';
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { Rejection } from '../src/core/errors.js';
import { parseJsonObject } from './codec/json.js';
import { SafeId, Uint32, compilePayload } from './codec/schema.js';
import { deviceTopic, parseDeviceTopic } from './codec/topics.js';
import {
  AlarmPayload,
  AuthPayload,
  GrantPayload,
  HelloPayload,
  LockPayload,
  RevokePayload,
  SleevePayload,
  StampPayload,
  StatusPayload,
  TimePayload,
  normalizeSealPayload,
  sealSemanticErrors,
  type SealEvent,
  type SealMessageKind,
} from './seal-ssp1-serial.js';
import type { Rejected } from './types.js';

export const SEAL_UP_SUBTOPICS = ['hello', 'status', 'stamp', 'sleeve', 'alarm', 'auth', 'ack', 'photo'] as const;
export const SEAL_DOWN_SUBTOPICS = ['grant', 'revoke', 'lock', 'time'] as const;
export type SealUpSubtopic = (typeof SEAL_UP_SUBTOPICS)[number];
export type SealDownSubtopic = (typeof SEAL_DOWN_SUBTOPICS)[number];

/** Largest JSON message accepted (the SSP/1 payload limit plus room for the envelope). */
export const SEAL_MQTT_MAX_JSON = 2048;
/** Largest photo accepted by default. */
export const SEAL_MQTT_MAX_PHOTO = 8 * 1024 * 1024;

const CommandId = SafeId;

const extend = <P extends TProperties, E extends TProperties>(base: TObject<P>, envelope: E) =>
  Type.Object({ ...base.properties, ...envelope }, { additionalProperties: false });
const Envelope = { seq: Uint32, boot: Uint32 };

/** Device → gateway message schemas (SSP/1 payload + envelope). HELLO already carries `boot`. */
export const SealMqttUpSchemas = {
  hello: extend(HelloPayload, { seq: Uint32 }),
  status: extend(StatusPayload, Envelope),
  stamp: extend(StampPayload, Envelope),
  sleeve: extend(SleevePayload, Envelope),
  alarm: extend(AlarmPayload, Envelope),
  auth: extend(AuthPayload, Envelope),
  ack: Type.Object(
    { ack: CommandId, seq: Type.Optional(Uint32), boot: Type.Optional(Uint32) },
    { additionalProperties: false },
  ),
} as const;

/** Gateway → device command schemas (SSP/1 payload + command id). */
export const SealMqttDownSchemas = {
  grant: extend(GrantPayload, { id: CommandId }),
  revoke: extend(RevokePayload, { id: CommandId }),
  lock: extend(LockPayload, { id: CommandId }),
  time: extend(TimePayload, { id: CommandId }),
} as const;

export type SealMqttCommand =
  | ({ type: 'grant' } & Static<typeof SealMqttDownSchemas.grant>)
  | ({ type: 'revoke' } & Static<typeof SealMqttDownSchemas.revoke>)
  | ({ type: 'lock' } & Static<typeof SealMqttDownSchemas.lock>)
  | ({ type: 'time' } & Static<typeof SealMqttDownSchemas.time>);

type JsonUpKind = keyof typeof SealMqttUpSchemas;
type Checker = (v: unknown) => { ok: true; value: unknown } | { ok: false; errors: string[] };
const upChecks = Object.fromEntries(
  Object.entries(SealMqttUpSchemas).map(([k, s]) => [k, compilePayload(s)]),
) as Record<JsonUpKind, Checker>;
const downChecks = Object.fromEntries(
  Object.entries(SealMqttDownSchemas).map(([k, s]) => [k, compilePayload(s)]),
) as Record<SealDownSubtopic, Checker>;

export type SealMqttRejectReason = 'unknown_subtopic' | 'bad_json' | 'not_object' | 'too_long' | 'empty' | 'schema';

/** `seq`/`boot` are the device's natural key (null on photos and on acks without them). */
export type SealMqttUpResult =
  | { ok: true; event: SealEvent; seq: number | null; boot: number | null }
  | Rejected<SealMqttRejectReason>;
export type SealMqttDownResult = { ok: true; command: SealMqttCommand } | Rejected<SealMqttRejectReason>;

const isUp = (s: string): s is SealUpSubtopic => (SEAL_UP_SUBTOPICS as readonly string[]).includes(s);
const isDown = (s: string): s is SealDownSubtopic => (SEAL_DOWN_SUBTOPICS as readonly string[]).includes(s);

function validate(
  check: Checker,
  kind: SealMessageKind,
  payload: unknown,
): { ok: true; value: Record<string, unknown> } | { ok: false; errors: string[] } {
  const r = check(payload);
  if (!r.ok) return r;
  const value = r.value as Record<string, unknown>;
  const errors = sealSemanticErrors(kind, value);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: normalizeSealPayload(kind, value) };
}

/** Photo bytes → `{type: 'photo', sha256, bytes}` (pure: hashing only). */
export function decodePhoto(payload: Buffer, maxBytes = SEAL_MQTT_MAX_PHOTO): SealMqttUpResult {
  if (payload.length === 0) return { ok: false, reason: 'empty', errors: ['/: photo is empty'] };
  if (payload.length > maxBytes) {
    return { ok: false, reason: 'too_long', errors: [`/: photo of ${payload.length} bytes exceeds ${maxBytes}`] };
  }
  const sha256 = createHash('sha256').update(payload).digest('hex');
  return { ok: true, event: { type: 'photo', sha256, bytes: payload }, seq: null, boot: null };
}

// ---------------------------------------------------------------------------------------------
// Gateway side

/** A publish on `dev/{id}/up/{subtopic}` → normalized event, or a rejection with reasons and paths. */
export function decodeUp(subtopic: string, payload: Buffer, opts: { maxPhotoBytes?: number } = {}): SealMqttUpResult {
  if (!isUp(subtopic)) return { ok: false, reason: 'unknown_subtopic', errors: [`unknown subtopic up/${subtopic}`] };
  if (subtopic === 'photo') return decodePhoto(payload, opts.maxPhotoBytes);
  const parsed = parseJsonObject(payload, SEAL_MQTT_MAX_JSON);
  if (!parsed.ok) return parsed;
  const r = validate(upChecks[subtopic], subtopic, parsed.value);
  if (!r.ok) return { ok: false, reason: 'schema', errors: r.errors };
  const { seq, ...rest } = r.value;
  if (subtopic === 'hello') {
    return { ok: true, event: { type: 'hello', ...rest } as SealEvent, seq: seq as number, boot: rest.boot as number };
  }
  const { boot, ...fields } = rest;
  return {
    ok: true,
    event: { type: subtopic, ...fields } as SealEvent,
    seq: (seq as number | undefined) ?? null,
    boot: (boot as number | undefined) ?? null,
  };
}

/** A command → the subtopic under `dev/{id}/down/` and its JSON payload. Throws `Rejection('schema')`. */
export function encodeDown(cmd: SealMqttCommand): { subtopic: SealDownSubtopic; payload: Buffer } {
  const { type, ...body } = cmd;
  const r = validate(downChecks[type], type, body);
  if (!r.ok) throw new Rejection('schema', `invalid ${type} command: ${r.errors.join('; ')}`);
  return { subtopic: type, payload: Buffer.from(JSON.stringify(body), 'utf8') };
}

// ---------------------------------------------------------------------------------------------
// Device side (simulator)

/**
 * An event → the subtopic under `dev/{id}/up/` and its payload. `seq`/`boot` form the envelope
 * (HELLO takes its boot from the event; photos carry no envelope). Throws `Rejection('schema')`.
 */
export function encodeUp(event: SealEvent, seq: number, boot: number): { subtopic: SealUpSubtopic; payload: Buffer } {
  if (event.type === 'photo') return { subtopic: 'photo', payload: event.bytes };
  const { type, ...fields } = event;
  const body: Record<string, unknown> = type === 'hello' ? { ...fields, seq } : { ...fields, seq, boot };
  const r = validate(upChecks[type], type, body);
  if (!r.ok) throw new Rejection('schema', `invalid ${type} event: ${r.errors.join('; ')}`);
  return { subtopic: type, payload: Buffer.from(JSON.stringify(body), 'utf8') };
}

/** A publish on `dev/{id}/down/{subtopic}` → command, or a rejection. */
export function decodeDown(subtopic: string, payload: Buffer): SealMqttDownResult {
  if (!isDown(subtopic)) return { ok: false, reason: 'unknown_subtopic', errors: [`unknown subtopic down/${subtopic}`] };
  const parsed = parseJsonObject(payload, SEAL_MQTT_MAX_JSON);
  if (!parsed.ok) return parsed;
  const r = validate(downChecks[subtopic], subtopic, parsed.value);
  if (!r.ok) return { ok: false, reason: 'schema', errors: r.errors };
  return { ok: true, command: { type: subtopic, ...r.value } as SealMqttCommand };
}

// ---------------------------------------------------------------------------------------------

export const sealMqtt = {
  id: 'seal-mqtt',
  kind: 'seal',
  transport: 'mqtt',
  title: 'Smart-seal sleeve over MQTT (4G/Wi-Fi)',
  defaults: { qos: 1, maxPhotoBytes: SEAL_MQTT_MAX_PHOTO },
  upSubtopics: SEAL_UP_SUBTOPICS,
  downSubtopics: SEAL_DOWN_SUBTOPICS,
  schemas: { up: SealMqttUpSchemas, down: SealMqttDownSchemas },
  topic: deviceTopic,
  parseTopic: parseDeviceTopic,
  decodeUp,
  encodeDown,
  encodeUp,
  decodeDown,
} as const;
export type SealMqttProfile = typeof sealMqtt;

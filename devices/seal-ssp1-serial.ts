/**
 * Smart-seal sleeve speaking SSP/1 over serial (DESIGN §5.1).
 *
 * One TypeBox schema per message shape (reused by the MQTT model, seal-mqtt.ts). Both sides are here:
 * the gateway side (`decodeUp`, `encodeDown`) and the device side used by the simulator
 * (`encodeUp`, `decodeDown`), so the two can never drift apart.
 */
import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { StringEnum } from '../src/core/validate.js';
import { Rejection } from '../src/core/errors.js';
import {
  FrameType,
  Ssp1Decoder,
  encodeFrame,
  frameTypeName,
  isDownFrameType,
  isUpFrameType,
  needsAck,
  nextSeq,
  type FrameTypeCode,
  type Ssp1Frame,
} from './codec/ssp1.js';
import {
  EpochMs,
  SAFE_ID_PATTERN,
  SafeId,
  Sha256HexOrNull,
  Text,
  Uint16,
  Uint16OrNull,
  Uint32,
  compilePayload,
} from './codec/schema.js';
import type { Rejected } from './types.js';

// ---------------------------------------------------------------------------------------------
// Payload schemas (one per message shape)

const strict = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });

export const ALARM_KINDS = [
  'tamper',
  'moved',
  'low_battery',
  'motor_fault',
  'clock_invalid',
  'excess_attempt',
  'seal_removed',
] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/** A grant id as echoed by the sleeve; null on a stamp made without a grant (break-glass, firmware fault). */
const GrantIdOrNull = Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: SAFE_ID_PATTERN });

export const HelloPayload = strict({
  id: SafeId,
  model: Text(64),
  fw: Text(64),
  /** random uint32 chosen at each power-up */
  boot: Uint32,
  /** lifetime stamp counter */
  counter: Uint32,
  time: EpochMs,
});
export const StatusPayload = strict({
  battery: Type.Number({ minimum: 0, maximum: 100 }),
  locked: Type.Boolean(),
  sleeveClosed: Type.Boolean(),
  sealPresent: Type.Boolean(),
  time: EpochMs,
});
export const StampPayload = strict({
  grant: GrantIdOrNull,
  /** stamp number within the grant, from 1 */
  n: Type.Integer({ minimum: 1, maximum: 0xffff }),
  counter: Uint32,
  time: EpochMs,
  /** SHA-256 hex of the photo, or null */
  photo: Sha256HexOrNull,
  /** the sensor saw ink on paper */
  impression: Type.Boolean(),
});
export const SleevePayload = strict({ open: Type.Boolean(), time: EpochMs });
export const AlarmPayload = strict({ kind: StringEnum(ALARM_KINDS), time: EpochMs });
/** operator: fingerprint slot, null when the finger was not recognized */
export const AuthPayload = strict({ operator: Uint16OrNull, ok: Type.Boolean(), time: EpochMs });
export const AckPayload = strict({ ack: Uint16 });
export const NackPayload = strict({ ack: Uint16, reason: Text(200) });
export const GrantPayload = strict({
  grant: SafeId,
  uses: Type.Integer({ minimum: 1, maximum: 0xffff }),
  notBefore: EpochMs,
  notAfter: EpochMs,
});
export const RevokePayload = strict({ grant: SafeId });
export const LockPayload = strict({});
export const TimePayload = strict({ time: EpochMs });

export type HelloPayload = Static<typeof HelloPayload>;
export type StatusPayload = Static<typeof StatusPayload>;
export type StampPayload = Static<typeof StampPayload>;
export type SleevePayload = Static<typeof SleevePayload>;
export type AlarmPayload = Static<typeof AlarmPayload>;
export type AuthPayload = Static<typeof AuthPayload>;
export type AckPayload = Static<typeof AckPayload>;
export type NackPayload = Static<typeof NackPayload>;
export type GrantPayload = Static<typeof GrantPayload>;
export type RevokePayload = Static<typeof RevokePayload>;
export type LockPayload = Static<typeof LockPayload>;
export type TimePayload = Static<typeof TimePayload>;

/** Every seal payload schema by message kind (device → gateway and gateway → device). */
export const SealSchemas = {
  hello: HelloPayload,
  status: StatusPayload,
  stamp: StampPayload,
  sleeve: SleevePayload,
  alarm: AlarmPayload,
  auth: AuthPayload,
  ack: AckPayload,
  nack: NackPayload,
  grant: GrantPayload,
  revoke: RevokePayload,
  lock: LockPayload,
  time: TimePayload,
} as const;
export type SealMessageKind = keyof typeof SealSchemas;

// ---------------------------------------------------------------------------------------------
// Normalized events and commands

/** What a seal reports, normalized across SSP/1 and MQTT. */
export type SealEvent =
  | ({ type: 'hello' } & HelloPayload)
  | ({ type: 'status' } & StatusPayload)
  | ({ type: 'stamp' } & StampPayload)
  | ({ type: 'sleeve' } & SleevePayload)
  | ({ type: 'alarm' } & AlarmPayload)
  | ({ type: 'auth' } & AuthPayload)
  /** SSP/1: the acknowledged frame's seq; MQTT: the acknowledged command id */
  | { type: 'ack'; ack: number | string }
  /** MQTT only: photo bytes, hashed by the gateway */
  | { type: 'photo'; sha256: string; bytes: Buffer };
export type SealEventType = SealEvent['type'];
/** Events that travel in SSP/1 frames (on SSP/1 an ack is always a number). */
export type SealSerialEvent = Exclude<SealEvent, { type: 'photo' }>;

/** What the gateway sends to a seal over SSP/1. */
export type SealCommand =
  | ({ type: 'grant' } & GrantPayload)
  | ({ type: 'revoke' } & RevokePayload)
  | { type: 'lock' }
  | ({ type: 'time' } & TimePayload)
  | ({ type: 'ack' } & AckPayload)
  | ({ type: 'nack' } & NackPayload);
export type SealCommandType = SealCommand['type'];

export type SealRejectReason = 'wrong_direction' | 'unknown_type' | 'schema';

export type SealUpResult = { ok: true; seq: number; event: SealSerialEvent } | Rejected<SealRejectReason>;
export type SealDownResult = { ok: true; seq: number; command: SealCommand } | Rejected<SealRejectReason>;

// ---------------------------------------------------------------------------------------------
// Validation shared with seal-mqtt.ts

const checks = Object.fromEntries(
  Object.entries(SealSchemas).map(([k, s]) => [k, compilePayload(s)]),
) as { [K in SealMessageKind]: ReturnType<typeof compilePayload<(typeof SealSchemas)[K]>> };

/** Rules across fields that a schema cannot express; errors with paths like schema errors. */
export function sealSemanticErrors(kind: SealMessageKind, v: Record<string, unknown>): string[] {
  if (kind === 'grant' && typeof v.notBefore === 'number' && typeof v.notAfter === 'number' && v.notAfter < v.notBefore) {
    return ['/notAfter: must not be before notBefore'];
  }
  return [];
}

/** Canonical form of a decoded payload (hex digests in lower case). */
export function normalizeSealPayload<T extends Record<string, unknown>>(kind: SealMessageKind, v: T): T {
  if (kind === 'stamp' && typeof v.photo === 'string') return { ...v, photo: v.photo.toLowerCase() };
  return v;
}

/** Validate one payload of a given kind: schema, then cross-field rules. */
export function validateSealPayload(
  kind: SealMessageKind,
  payload: unknown,
): { ok: true; value: Record<string, unknown> } | { ok: false; errors: string[] } {
  const r = checks[kind](payload);
  if (!r.ok) return { ok: false, errors: r.errors };
  const errors = sealSemanticErrors(kind, r.value as Record<string, unknown>);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: normalizeSealPayload(kind, r.value as Record<string, unknown>) };
}

/** Throwing variant for encoders: building an invalid message is a programming error. */
function assertPayload(kind: SealMessageKind, payload: unknown): void {
  const r = validateSealPayload(kind, payload);
  if (!r.ok) throw new Rejection('schema', `invalid ${kind} payload: ${r.errors.join('; ')}`);
}

// ---------------------------------------------------------------------------------------------
// Frame type mapping

type UpKind = Exclude<SealEvent['type'], 'photo'>;
const UP_CODES: { [K in UpKind]: FrameTypeCode } = {
  hello: FrameType.HELLO,
  status: FrameType.STATUS,
  stamp: FrameType.STAMP,
  sleeve: FrameType.SLEEVE,
  alarm: FrameType.ALARM,
  auth: FrameType.AUTH,
  ack: FrameType.DEV_ACK,
};
const DOWN_CODES: { [K in SealCommandType]: FrameTypeCode } = {
  ack: FrameType.ACK,
  nack: FrameType.NACK,
  grant: FrameType.GRANT,
  revoke: FrameType.REVOKE,
  lock: FrameType.LOCK,
  time: FrameType.TIME,
};
const invert = <K extends string>(m: Record<K, number>) =>
  new Map<number, K>(Object.entries(m).map(([k, v]) => [v as number, k as K]));
const UP_KINDS = invert(UP_CODES);
const DOWN_KINDS = invert(DOWN_CODES);

function rejectType(frame: Ssp1Frame, up: boolean): Rejected<SealRejectReason> {
  const name = frameTypeName(frame.type) ?? `0x${frame.type.toString(16)}`;
  if (up ? isDownFrameType(frame.type) : isUpFrameType(frame.type)) {
    return { ok: false, reason: 'wrong_direction', errors: [`frame type ${name} is ${up ? 'gateway → device' : 'device → gateway'}`] };
  }
  return { ok: false, reason: 'unknown_type', errors: [`unknown frame type ${name}`] };
}

// ---------------------------------------------------------------------------------------------
// Gateway side

/** A frame from the sleeve → normalized event, or a rejection listing schema errors with their paths. */
export function decodeUp(frame: Ssp1Frame): SealUpResult {
  const kind = UP_KINDS.get(frame.type);
  if (kind === undefined) return rejectType(frame, true);
  const r = validateSealPayload(kind, frame.payload);
  if (!r.ok) return { ok: false, reason: 'schema', errors: r.errors };
  return { ok: true, seq: frame.seq, event: { type: kind, ...r.value } as SealSerialEvent };
}

/** A command for the sleeve → SSP/1 frame bytes. Throws `Rejection('schema')` on an invalid command. */
export function encodeDown(cmd: SealCommand, seq: number): Buffer {
  const { type, ...payload } = cmd;
  assertPayload(type, payload);
  return encodeFrame({ type: DOWN_CODES[type], seq, payload });
}

// ---------------------------------------------------------------------------------------------
// Device side (simulator)

/** A sleeve event → SSP/1 frame bytes. Throws `Rejection('schema')` on an invalid event. */
export function encodeUp(event: SealSerialEvent, seq: number): Buffer {
  const { type, ...payload } = event;
  assertPayload(type, payload);
  return encodeFrame({ type: UP_CODES[type], seq, payload });
}

/** A frame from the gateway → command, or a rejection. */
export function decodeDown(frame: Ssp1Frame): SealDownResult {
  const kind = DOWN_KINDS.get(frame.type);
  if (kind === undefined) return rejectType(frame, false);
  const r = validateSealPayload(kind, frame.payload);
  if (!r.ok) return { ok: false, reason: 'schema', errors: r.errors };
  return { ok: true, seq: frame.seq, command: { type: kind, ...r.value } as SealCommand };
}

// ---------------------------------------------------------------------------------------------

export const sealSsp1Serial = {
  id: 'seal-ssp1-serial',
  kind: 'seal',
  transport: 'serial',
  title: 'Smart-seal sleeve, SSP/1 over RS-485/USB serial',
  defaults: { baud: 115200, dataBits: 8, parity: 'none', stopBits: 1, ackTimeoutMs: 500, maxRetransmits: 5 },
  schemas: SealSchemas,
  createDecoder: (): Ssp1Decoder => new Ssp1Decoder(),
  decodeUp,
  encodeDown,
  encodeUp,
  decodeDown,
  needsAck,
  nextSeq,
} as const;
export type SealSsp1SerialProfile = typeof sealSsp1Serial;

/**
 * The seal domain's vocabulary: matter types, request and grant states, anomaly codes, and the
 * TypeBox schemas of the HTTP API (one schema per shape, shared by validation, the OpenAPI
 * description and the TypeScript types).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StringEnum } from '../core/validate.js';

/** Matter types of a stamp request (DESIGN §6.1). */
export const MATTER_TYPES = ['证明', '合同', '建房', '党员发展', '土地承包', 'other'] as const;
export type MatterType = (typeof MATTER_TYPES)[number];

export const REQUEST_STATES = ['requested', 'rejected', 'withdrawn', 'approved', 'granted', 'completed', 'expired', 'revoked'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];
/** States in which a request is finished: nothing more can happen to it. */
export const FINAL_STATES: readonly RequestState[] = ['rejected', 'withdrawn', 'completed', 'expired', 'revoked'];

/** sent: on its way to the sleeve; acked: the sleeve confirmed it; the rest are final. */
export const GRANT_STATES = ['sent', 'acked', 'completed', 'expired', 'revoked'] as const;
export type GrantState = (typeof GRANT_STATES)[number];
export const LIVE_GRANT_STATES: readonly GrantState[] = ['sent', 'acked'];

/** Anomaly codes (`data.code` of `seal.anomaly`, DESIGN §6.1). */
export const ANOMALY_CODES = [
  'STAMP_WITHOUT_GRANT',
  'STAMP_OVER_COUNT',
  'STAMP_OUTSIDE_WINDOW',
  'STAMP_OUT_OF_HOURS',
  'STAMP_NO_IMPRESSION',
  'STAMP_NO_PHOTO',
  'SLEEVE_OPEN_WITHOUT_GRANT',
  'TAMPER',
  'MOVED',
  'SEAL_REMOVED',
  'COUNTER_JUMP',
  'SEQ_GAP',
  'CLOCK_INVALID',
  'GRANT_NOT_ACKED',
  'SELF_APPROVAL',
  'BREAK_GLASS',
] as const;
export type AnomalyCode = (typeof ANOMALY_CODES)[number];

/** Sleeve alarm kinds that are anomalies; the others (low_battery, motor_fault, excess_attempt) are alarms only. */
export const ALARM_ANOMALY: Partial<Record<string, AnomalyCode>> = {
  tamper: 'TAMPER',
  moved: 'MOVED',
  seal_removed: 'SEAL_REMOVED',
  clock_invalid: 'CLOCK_INVALID',
};

// ---------------------------------------------------------------------------------------------
// HTTP API schemas

const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$', description: 'an id' });
/** UTC epoch milliseconds, or an ISO 8601 date-time (a time without zone is Beijing time). */
export const TimeInput = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 10, maxLength: 40 })], {
  description: 'UTC epoch milliseconds, or ISO 8601 (e.g. 2025-11-22T09:30:00+08:00; without a zone: Beijing time)',
});
const Reason = (min: number, description: string) => Type.String({ minLength: min, maxLength: 500, description });

export const FileRequestBody = Type.Object(
  {
    seal: Id,
    matter: StringEnum(MATTER_TYPES, { description: 'matter type: 证明, 合同, 建房, 党员发展, 土地承包 or other' }),
    title: Type.String({ minLength: 1, maxLength: 200, description: 'document title' }),
    count: Type.Integer({ minimum: 1, description: 'number of stamps (1 … seal.maxStampsPerRequest)' }),
    notBefore: Type.Optional(TimeInput),
    notAfter: Type.Optional(TimeInput),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type FileRequestBody = Static<typeof FileRequestBody>;

export const ApproveBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
export const RejectBody = Type.Object({ reason: Reason(2, 'why the request is rejected (required)') }, { additionalProperties: false });
export const WithdrawBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
export const RevokeBody = Type.Object({ reason: Reason(2, 'why the grant is revoked (required)') }, { additionalProperties: false });
export const LockBody = Type.Object({ reason: Reason(2, 'why the sleeve is locked (required)') }, { additionalProperties: false });
export const BreakGlassBody = Type.Object(
  {
    reason: Reason(10, 'the emergency: mandatory, at least 10 characters'),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'document title' })),
    matter: Type.Optional(StringEnum(MATTER_TYPES)),
    uses: Type.Optional(Type.Integer({ minimum: 1, description: 'stamps allowed (default 1, at most seal.breakGlassMaxUses)' })),
    minutes: Type.Optional(Type.Integer({ minimum: 1, description: 'window length (default and most: seal.breakGlassMaxMin)' })),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Id });
export const ShaParams = Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

const Page = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
};
const Range = {
  from: Type.Optional(Type.String({ maxLength: 40, description: 'gateway time from (ISO 8601 or epoch ms), inclusive' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'gateway time to (ISO 8601 or epoch ms), exclusive' })),
};

export const RequestListQuery = Type.Object(
  {
    ...Page,
    ...Range,
    state: Type.Optional(StringEnum(REQUEST_STATES)),
    seal: Type.Optional(Id),
    mine: Type.Optional(Type.Boolean({ description: 'only requests I filed (always so for keepers)' })),
  },
  { additionalProperties: false },
);

export const StampQuery = Type.Object(
  {
    ...Page,
    ...Range,
    seal: Type.Optional(Id),
    person: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'requester or approver (user name)' })),
    matter: Type.Optional(StringEnum(MATTER_TYPES)),
    anomaly: Type.Optional(StringEnum(ANOMALY_CODES, { description: 'only stamps with this anomaly' })),
    anomalous: Type.Optional(Type.Boolean({ description: 'only stamps with (true) or without (false) any anomaly' })),
    outOfHours: Type.Optional(Type.Boolean({ description: 'only stamps outside (true) or inside (false) working hours' })),
    request: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const AnomalyQuery = Type.Object(
  {
    ...Page,
    ...Range,
    seal: Type.Optional(Id),
    code: Type.Optional(StringEnum(ANOMALY_CODES)),
    request: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const ExportBody = Type.Object(
  {
    from: Type.Optional(TimeInput),
    to: Type.Optional(TimeInput),
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'a seal, lift, request or user id' })),
    kind: Type.Optional(Type.String({ pattern: '^[a-z]+(\\.[a-z]+)*(\\.\\*)?$', description: 'a record kind or a prefix like seal.*' })),
  },
  { additionalProperties: false },
);

export const ErrorResponse = Type.Object({ error: Type.String(), message: Type.String() });

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const SealStateView = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  profile: Type.String(),
  online: Type.Boolean(),
  lastSeen: Nullable(Type.Number()),
  boot: Nullable(Type.Number()),
  counter: Nullable(Type.Number()),
  locked: Nullable(Type.Boolean()),
  sleeveOpen: Nullable(Type.Boolean()),
  sealPresent: Nullable(Type.Boolean()),
  battery: Nullable(Type.Number()),
  clockOk: Nullable(Type.Boolean()),
  liveGrant: Nullable(Type.String()),
  anomalies: Type.Number({ description: 'anomalies recorded for this seal' }),
});
export type SealStateView = Static<typeof SealStateView>;

export const RequestView = Type.Object({
  id: Type.String(),
  seq: Type.Number({ description: 'journal seq of the seal.request record' }),
  ts: Type.Number(),
  seal: Type.String(),
  matter: Type.String(),
  title: Type.String(),
  count: Type.Number(),
  notBefore: Type.Number(),
  notAfter: Type.Number(),
  note: Nullable(Type.String()),
  requester: Type.String(),
  state: StringEnum(REQUEST_STATES),
  escalated: Type.Boolean(),
  breakGlass: Type.Boolean(),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Type.Number()),
  reason: Nullable(Type.String()),
  grant: Nullable(Type.String()),
  grantState: Nullable(Type.String()),
  stamps: Type.Number({ description: 'stamps made under this request' }),
  anomalies: Type.Number(),
  updated: Type.Number(),
});
export type RequestView = Static<typeof RequestView>;

export const StampView = Type.Object({
  id: Type.String(),
  seq: Type.Number(),
  ts: Type.Number({ description: 'gateway time the stamp was recorded' }),
  deviceTime: Type.Number({ description: "the sleeve's own clock (untrusted)" }),
  decisionTime: Type.Number({ description: 'the time rules were judged at' }),
  timeBasis: Type.String({ description: 'gateway or device' }),
  seal: Type.String(),
  request: Nullable(Type.String()),
  grant: Nullable(Type.String()),
  n: Type.Number(),
  counter: Type.Number(),
  photo: Nullable(Type.String()),
  photoReceived: Type.Boolean(),
  photoUrl: Nullable(Type.String()),
  impression: Type.Boolean(),
  outOfHours: Type.Boolean(),
  matter: Nullable(Type.String()),
  title: Nullable(Type.String()),
  requester: Nullable(Type.String()),
  approver: Nullable(Type.String()),
  anomalies: Type.Array(Type.String()),
});
export type StampView = Static<typeof StampView>;

export const AnomalyView = Type.Object({
  seq: Type.Number(),
  ts: Type.Number(),
  seal: Type.String(),
  code: Type.String(),
  request: Nullable(Type.String()),
  grant: Nullable(Type.String()),
  stamp: Nullable(Type.String()),
  actor: Nullable(Type.String()),
  detail: Type.Record(Type.String(), Type.Unknown()),
});
export type AnomalyView = Static<typeof AnomalyView>;

export const GrantView = Type.Object({
  id: Type.String(),
  seq: Type.Number(),
  ts: Type.Number(),
  request: Type.String(),
  seal: Type.String(),
  uses: Type.Number(),
  used: Type.Number(),
  notBefore: Type.Number(),
  notAfter: Type.Number(),
  state: Type.String(),
  ackedAt: Nullable(Type.Number()),
  ackFailed: Type.Boolean(),
  issuedBy: Type.String(),
  breakGlass: Type.Boolean(),
});
export type GrantView = Static<typeof GrantView>;

export const Paged = <T extends TSchema>(item: T) =>
  Type.Object({ total: Type.Number(), page: Type.Number(), pageSize: Type.Number(), items: Type.Array(item) });

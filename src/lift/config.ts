/** Settings of the lift feature (section `lift` of the config file). Every timer of DESIGN §6.2 is here. */
import { Type, type Static, type TInteger, type TNumber } from '@sinclair/typebox';
import { StringEnum } from '../core/validate.js';

export const VISIT_TYPES = ['half_monthly', 'quarterly', 'half_yearly', 'yearly'] as const;
export type VisitType = (typeof VISIT_TYPES)[number];

export const ALERT_EVENTS = ['fault.raise', 'fault.clear', 'fault.step', 'fault.escalate', 'maintenance.due', 'maintenance.overdue'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

type Num = { def: number; desc: string; min?: number; max?: number; int?: boolean };
const TIMERS = {
  trappedAtLevelMs: { def: 60_000, desc: 'LIFT_TRAPPED: person inside, door closed, car stopped in the door zone this long (ms).' },
  trappedOutsideZoneMs: { def: 20_000, desc: 'LIFT_TRAPPED: the same, stopped outside the door zone (between floors) (ms).' },
  stopOutsideZoneMs: { def: 45_000, desc: 'LIFT_STOP_OUTSIDE_ZONE: car stopped (speed 0) outside the door zone this long (ms).' },
  doorCloseFaultMs: { def: 15_000, desc: 'LIFT_DOOR_CLOSE_FAULT: door stuck in "closing" this long (ms).' },
  doorOpenFaultMs: { def: 15_000, desc: 'LIFT_DOOR_OPEN_FAULT: door stuck in "opening" this long (ms).' },
  longDoorOpenMs: { def: 180_000, desc: 'LIFT_LONG_DOOR_OPEN: door fully open this long (ms).' },
  doorReopenCount: { def: 10, min: 1, int: true, desc: 'LIFT_DOOR_REOPEN_REPEATED: door reopen cycles at one stop.' },
  overspeedFactor: { def: 1.15, min: 1, int: false, desc: 'LIFT_OVERSPEED: speed above this × the rated speed.' },
  overheatC: { def: 60, min: -50, max: 200, int: false, desc: 'LIFT_OVERHEAT: machine temperature above this (°C).' },
  commLostMisses: { def: 3, min: 1, int: true, desc: 'LIFT_COMM_LOST: consecutive missed Modbus polls.' },
  frozenAliveMs: { def: 5000, min: 1, desc: 'LIFT_CONTROLLER_FROZEN: alive counter (0x0013) unchanged this long (ms).' },
  kitOfflineMs: { def: 90_000, min: 1, desc: 'LIFT_OFFLINE: sensor kit silent this long (ms); its last will marks it offline at once.' },
  confirmMs: {
    def: 0,
    desc: 'How long an instantaneous condition (overspeed, overtravel, circuits, power, alarm button, overheat, controller code, door moving/open) must hold before it is raised (ms).',
  },
  personDebounceMs: {
    def: 3000,
    desc: 'Passenger sensor debounce: a person counts as gone only after the sensor said "no" this long (PIR drop-outs) (ms).',
  },
  clearMs: { def: 2000, desc: 'A fault clears after its condition has been absent this long (ms).' },
} as const satisfies Record<string, Num>;
type TimerKey = keyof typeof TIMERS;

function timerProps(withDefaults: boolean): Record<TimerKey, TNumber | TInteger> {
  const props = {} as Record<TimerKey, TNumber | TInteger>;
  for (const [k, n] of Object.entries(TIMERS) as [TimerKey, Num][]) {
    const o = {
      minimum: n.min ?? 0,
      ...(n.max !== undefined ? { maximum: n.max } : {}),
      description: n.desc,
      ...(withDefaults ? { default: n.def } : {}),
    };
    props[k] = n.int === false ? Type.Number(o) : Type.Integer(o);
  }
  return props;
}

export const RuleTimersSchema = Type.Object(timerProps(true), { additionalProperties: false, default: {} });
/** Every rule timer, resolved. */
export type RuleTimers = Static<typeof RuleTimersSchema>;
/** Per-lift overrides: any subset, no defaults. */
const RuleOverridesSchema = Type.Partial(Type.Object(timerProps(false), { additionalProperties: false }));

export const DEFAULT_TIMERS: RuleTimers = Object.fromEntries(Object.entries(TIMERS).map(([k, n]) => [k, n.def])) as RuleTimers;

const Contact = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    phone: Type.Optional(Type.String({ maxLength: 40 })),
    email: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const Webhook = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', maxLength: 2000, description: 'Receiver; gets an HTTP POST of a JSON alert.' }),
    secret: Type.String({
      minLength: 16,
      maxLength: 256,
      description: 'HMAC-SHA256 key: the body is signed in the header X-Sealift-Signature: sha256=<hex>.',
    }),
    events: Type.Optional(Type.Array(StringEnum(ALERT_EVENTS), { uniqueItems: true, description: 'Events sent (default all).' })),
    minSeverity: Type.Optional(StringEnum(['minor', 'major', 'critical'] as const, { description: 'Fault alerts below this severity are not sent (default minor: all).' })),
  },
  { additionalProperties: false },
);

export const LiftConfigSchema = Type.Object(
  {
    ratedSpeedMmS: Type.Integer({
      minimum: 100,
      maximum: 10_000,
      default: 1000,
      description: 'Rated speed (mm/s) of lifts provisioned without --rated-speed (for LIFT_OVERSPEED).',
    }),
    rules: RuleTimersSchema,
    lifts: Type.Record(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' }),
      Type.Object(
        {
          ratedSpeedMmS: Type.Optional(Type.Integer({ minimum: 100, maximum: 10_000 })),
          rules: Type.Optional(RuleOverridesSchema),
        },
        { additionalProperties: false },
      ),
      { default: {}, description: 'Per-lift overrides of rated speed and rule timers, by lift id.' },
    ),
    modbus: Type.Object(
      {
        cycleMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000, description: 'Poll cycle of each bus (ms); 0 = as fast as the bus allows.' }),
        timeoutMs: Type.Integer({
          minimum: 0,
          maximum: 10_000,
          default: 0,
          description: 'Per-slave answer timeout (ms); 0 = 3 × the theoretical transaction time + 20 ms.',
        }),
        retries: Type.Integer({ minimum: 0, maximum: 5, default: 1, description: 'Extra attempts after a timeout or CRC error within one poll.' }),
        probeMs: Type.Integer({ minimum: 100, default: 5000, description: 'A slave that stopped answering is tried this often (ms) instead of every cycle.' }),
      },
      { default: {}, additionalProperties: false },
    ),
    escalateAfterSec: Type.Number({
      exclusiveMinimum: 0,
      default: 180,
      description: 'A critical fault nobody acknowledged within this time is escalated to the escalation contacts (s).',
    }),
    targets: Type.Object(
      {
        responseSec: Type.Number({
          exclusiveMinimum: 0,
          default: 180,
          description: 'Response target: a fault should be acknowledged within this time (s); the fault pages show each case against it.',
        }),
        arrivalSec: Type.Number({
          exclusiveMinimum: 0,
          default: 900,
          description: 'Arrival target: a technician should be on site within this time (s): 900 (15 min) in urban areas, 1800 (30 min) elsewhere.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    contacts: Type.Object(
      {
        primary: Type.Array(Contact, { default: [], description: 'Maintenance firm on duty: named in every fault alert.' }),
        escalation: Type.Array(Contact, { default: [], description: 'Second line (supervisor, 96333 desk): named in escalation alerts.' }),
      },
      { default: {}, additionalProperties: false },
    ),
    webhooks: Type.Array(Webhook, { default: [], description: 'HTTP receivers of alerts.' }),
    webhook: Type.Object(
      {
        timeoutMs: Type.Integer({ minimum: 100, default: 5000, description: 'One delivery attempt times out after this (ms).' }),
        backoffMinMs: Type.Integer({ minimum: 10, default: 1000, description: 'First retry delay after a failed delivery (ms), doubling.' }),
        backoffMaxMs: Type.Integer({ minimum: 10, default: 300_000, description: 'Longest retry delay (ms).' }),
        maxAgeHours: Type.Number({
          exclusiveMinimum: 0,
          default: 72,
          description: 'An alert still undelivered after this long is given up (logged, counted in sealift_lift_webhook_dropped_total).',
        }),
        maxQueue: Type.Integer({
          minimum: 10,
          default: 100_000,
          description: 'Undelivered alerts kept; beyond it the oldest are dropped (logged and counted).',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    maintenance: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        checkCron: Type.String({
          default: '0 8 * * *',
          format: 'cron',
          description: 'When the maintenance schedule is checked for due and overdue visits (cron, gateway time zone).',
        }),
        dueSoonDays: Type.Number({ minimum: 0, default: 3, description: 'A visit is "due" this many days before its date; "overdue" after it.' }),
        intervalDays: Type.Object(
          {
            half_monthly: Type.Number({ exclusiveMinimum: 0, default: 15, description: 'TSG T5002 half-monthly visit (days).' }),
            quarterly: Type.Number({ exclusiveMinimum: 0, default: 90 }),
            half_yearly: Type.Number({ exclusiveMinimum: 0, default: 180 }),
            yearly: Type.Number({ exclusiveMinimum: 0, default: 365 }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    repeat: Type.Object(
      {
        shortDays: Type.Number({ exclusiveMinimum: 0, default: 7 }),
        shortCount: Type.Integer({ minimum: 2, default: 3, description: 'Repeat fault: the same code this often within shortDays…' }),
        longDays: Type.Number({ exclusiveMinimum: 0, default: 30 }),
        longCount: Type.Integer({ minimum: 2, default: 5, description: '…or this often within longDays, or a second entrapment within longDays.' }),
      },
      { default: {}, additionalProperties: false },
    ),
    stream: Type.Object(
      {
        maxClients: Type.Integer({ minimum: 1, default: 64, description: 'Simultaneous live-feed (SSE) clients.' }),
        maxBufferedBytes: Type.Integer({ minimum: 1024, default: 1_048_576, description: 'A live-feed client this far behind is disconnected.' }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);

export type LiftConfig = Static<typeof LiftConfigSchema>;

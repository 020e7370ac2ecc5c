/** Settings of the seal feature (section `seal` of the config file). */
import { Type, type Static } from '@sinclair/typebox';

const HHMM = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';
const DATE = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

export const WorkingHoursSchema = Type.Object(
  {
    timezone: Type.String({
      default: 'Asia/Shanghai',
      format: 'time-zone',
      description: 'Time zone in which working hours are judged (IANA name).',
    }),
    days: Type.String({
      default: '1-5',
      pattern: '^[1-7](-[1-7])?(,[1-7](-[1-7])?)*$',
      description: 'Working days as ISO weekdays, 1 = Monday … 7 = Sunday; ranges and lists, e.g. "1-5" or "1-5,7".',
    }),
    start: Type.String({ default: '08:00', pattern: HHMM, description: 'Start of working hours (HH:MM, local time).' }),
    end: Type.String({
      default: '18:00',
      pattern: HHMM,
      description: 'End of working hours (HH:MM, local time, 24:00 allowed). When end ≤ start no time is working time.',
    }),
    holidays: Type.Array(DATE, {
      default: [],
      description: 'Dates (YYYY-MM-DD, local) without working hours although on a working day (public holidays).',
    }),
    workdays: Type.Array(DATE, {
      default: [],
      description: 'Dates (YYYY-MM-DD, local) with working hours although not on a working day (调休 make-up days).',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const SealConfigSchema = Type.Object(
  {
    workingHours: WorkingHoursSchema,
    maxStampsPerRequest: Type.Integer({
      minimum: 1,
      maximum: 0xffff,
      default: 50,
      description: 'Most stamps one request may ask for; larger requests are refused (400).',
    }),
    defaultWindowMin: Type.Integer({
      minimum: 1,
      default: 240,
      description: 'Length of a request window (minutes) when the request gives no end.',
    }),
    maxWindowHours: Type.Number({
      exclusiveMinimum: 0,
      default: 72,
      description: 'Longest request window (hours); longer ones are refused (400).',
    }),
    maxAdvanceDays: Type.Number({
      exclusiveMinimum: 0,
      default: 30,
      description: 'How far ahead a request window may start (days).',
    }),
    pastSlackMin: Type.Number({
      minimum: 0,
      default: 10,
      description: 'A request window may start this many minutes in the past (clock differences between browser and gateway).',
    }),
    photoWaitSec: Type.Number({
      exclusiveMinimum: 0,
      default: 120,
      description: 'How long a stamp may wait for its photo before STAMP_NO_PHOTO is raised (seconds).',
    }),
    maxPhotoBytes: Type.Integer({
      minimum: 1024,
      default: 1024 * 1024,
      description: 'Largest photo stored; larger ones are refused. The broker limit broker.maxPacketBytes applies too.',
    }),
    maxClockSkewSec: Type.Number({
      exclusiveMinimum: 0,
      default: 120,
      description: 'Largest difference between a sleeve clock and the gateway clock before CLOCK_INVALID is raised (seconds).',
    }),
    minValidTime: Type.String({
      default: '2024-01-01T00:00:00Z',
      format: 'date-time',
      description: 'A sleeve time before this instant is invalid whatever the skew (sleeves restart in 2017 after a power loss).',
    }),
    maxBufferedAgeHours: Type.Number({
      exclusiveMinimum: 0,
      default: 24,
      description:
        'A late (buffered) event from a sleeve whose clock is trusted is judged at its device time if it is at most this old; otherwise at gateway time.',
    }),
    grantAckTimeoutSec: Type.Number({
      exclusiveMinimum: 0,
      default: 10,
      description: 'A grant not acknowledged by the sleeve within this time raises GRANT_NOT_ACKED (seconds).',
    }),
    commandRetryMs: Type.Integer({
      minimum: 50,
      default: 500,
      description: 'Retransmit period of commands to a sleeve (serial: SSP/1 retransmission; MQTT: republish) (ms).',
    }),
    commandTries: Type.Integer({
      minimum: 1,
      maximum: 20,
      default: 5,
      description: 'Tries per command before it counts as not acknowledged.',
    }),
    breakGlassMaxUses: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description: 'Most stamps an emergency (break-glass) grant may allow.',
    }),
    breakGlassMaxMin: Type.Integer({
      minimum: 1,
      default: 60,
      description: 'Longest window of an emergency (break-glass) grant (minutes).',
    }),
    tickMs: Type.Integer({
      minimum: 10,
      maximum: 60_000,
      default: 1000,
      description: 'Period of the timer that expires grants and requests and checks photo and acknowledgement deadlines (ms).',
    }),
    exportsKeep: Type.Integer({
      minimum: 1,
      default: 50,
      description: 'Evidence bundles kept under {data}/exports (oldest removed first).',
    }),
  },
  { default: {}, additionalProperties: false },
);

export type SealConfig = Static<typeof SealConfigSchema>;
export type WorkingHours = Static<typeof WorkingHoursSchema>;

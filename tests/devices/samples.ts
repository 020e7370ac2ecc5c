/** Sample messages shared by the device tests (their seeded PRNG is sim/random.ts). */
import type { SealCommand, SealSerialEvent } from '../../devices/seal-ssp1-serial.js';
import type { LiftReading } from '../../devices/types.js';

export const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const PHOTO = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';

export const upEvents: SealSerialEvent[] = [
  { type: 'hello', id: 'seal-01', model: 'SS-200', fw: '1.4.2', boot: 0xdeadbeef, counter: 1234, time: T0 },
  { type: 'status', battery: 87, locked: true, sleeveClosed: true, sealPresent: true, time: T0 + 1 },
  { type: 'stamp', grant: 'g-42', n: 1, counter: 1235, time: T0 + 2, photo: PHOTO, impression: true },
  { type: 'stamp', grant: null, n: 1, counter: 1236, time: T0 + 3, photo: null, impression: false },
  { type: 'sleeve', open: true, time: T0 + 4 },
  ...(['tamper', 'moved', 'low_battery', 'motor_fault', 'clock_invalid', 'excess_attempt', 'seal_removed'] as const).map(
    (kind, i): SealSerialEvent => ({ type: 'alarm', kind, time: T0 + 10 + i }),
  ),
  { type: 'auth', operator: 3, ok: true, time: T0 + 20 },
  { type: 'auth', operator: null, ok: false, time: T0 + 21 },
  { type: 'ack', ack: 65535 },
];

export const downCommands: SealCommand[] = [
  { type: 'grant', grant: 'g-42', uses: 3, notBefore: T0, notAfter: T0 + 3_600_000 },
  { type: 'revoke', grant: 'g-42' },
  { type: 'lock' },
  { type: 'time', time: T0 + 5 },
  { type: 'ack', ack: 0 },
  { type: 'nack', ack: 17, reason: 'schema: /photo must match pattern' },
];

/** A full Modbus reading: negative floor, uint32 counters beyond 16 bits, negative temperature. */
export const modbusReading: LiftReading = {
  running: true,
  dir: 'down',
  inZone: false,
  doorClosedLocked: true,
  doorOpenLimit: false,
  person: true,
  safetyCircuit: true,
  doorLockCircuit: true,
  mainsOk: true,
  alarmButton: false,
  topLimit: false,
  bottomLimit: false,
  overload: true,
  floor: -2,
  floorLabel: 'B2',
  speedMmS: 1000,
  mode: 'normal',
  loadPct: 105,
  door: 'closed',
  faultCode: 11,
  faultSubCode: 2,
  runCount: 0x0001_86a0, // 100000
  runHours: 70_000,
  doorCycles: 0xfedc_ba98,
  travelM: 4_294_967_295,
  tempC: -12.5,
  alive: 65535,
};

export const randInt = (rnd: () => number, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

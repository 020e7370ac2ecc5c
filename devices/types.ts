/** Types shared by the device profiles and their consumers (domain, simulator). */

/** A rejected input: a stable machine reason plus human-readable errors, schema errors with their paths. */
export interface Rejected<R extends string = string> {
  ok: false;
  reason: R;
  errors: string[];
}

/** Service modes, indexed by their code (register 0x0003, kit `mode`; GB/T 24476). */
export const LIFT_MODES = [
  'out_of_service',
  'normal',
  'inspection',
  'fire_return',
  'firefighter',
  'emergency_power',
  'earthquake',
  'unknown',
] as const;
export type LiftMode = (typeof LIFT_MODES)[number];

/** Door states, indexed by their code (register 0x0005, kit `door`). */
export const DOOR_STATES = ['closed', 'open', 'closing', 'opening'] as const;
export type DoorState = (typeof DOOR_STATES)[number];

export type LiftDirection = 'up' | 'down' | 'stop';

/**
 * One normalized elevator reading, from a Modbus controller (§5.3) or a sensor kit (§5.4).
 * `null` means the source cannot know the value (a kit has no safety-circuit input, no counters…).
 */
export interface LiftReading {
  running: boolean;
  dir: LiftDirection;
  inZone: boolean;
  doorClosedLocked: boolean | null;
  doorOpenLimit: boolean | null;
  person: boolean;
  safetyCircuit: boolean | null;
  doorLockCircuit: boolean | null;
  mainsOk: boolean;
  alarmButton: boolean | null;
  topLimit: boolean;
  bottomLimit: boolean;
  overload: boolean | null;
  /** Floor number, negative for basements; null when the kit's floor label is not a number (e.g. "M"). */
  floor: number | null;
  /** Floor as shown to people: "B1", "3", "M". */
  floorLabel: string;
  speedMmS: number | null;
  mode: LiftMode;
  loadPct: number | null;
  door: DoorState;
  faultCode: number | null;
  faultSubCode: number | null;
  runCount: number | null;
  runHours: number | null;
  doorCycles: number | null;
  travelM: number | null;
  /** Machine temperature in °C (0.1 resolution); null when the sensor is absent. */
  tempC: number | null;
  /** Controller alive counter (uint16, wraps). */
  alive: number | null;
}

export const LIFT_READING_KEYS: readonly (keyof LiftReading)[] = [
  'running',
  'dir',
  'inZone',
  'doorClosedLocked',
  'doorOpenLimit',
  'person',
  'safetyCircuit',
  'doorLockCircuit',
  'mainsOk',
  'alarmButton',
  'topLimit',
  'bottomLimit',
  'overload',
  'floor',
  'floorLabel',
  'speedMmS',
  'mode',
  'loadPct',
  'door',
  'faultCode',
  'faultSubCode',
  'runCount',
  'runHours',
  'doorCycles',
  'travelM',
  'tempC',
  'alive',
];

/**
 * Fields of `next` that differ from `prev` (all fields when there is no `prev`). The alive counter is
 * left out: it changes every second by design.
 */
export function changedFields(next: LiftReading, prev?: LiftReading): (keyof LiftReading)[] {
  return LIFT_READING_KEYS.filter((k) => k !== 'alive' && (prev === undefined || prev[k] !== next[k]));
}

/** Floor label for a floor number: basements as "B1", "B2"…, others as digits. */
export const floorLabelOf = (floor: number): string => (floor < 0 ? `B${-floor}` : String(floor));

/** Floor number for a label: "B2" → -2, "-1" → -1, "12" → 12, anything else → null. */
export function floorFromLabel(label: string): number | null {
  const b = /^[Bb](\d{1,4})$/.exec(label);
  if (b) return -Number(b[1]);
  if (/^-?\d{1,5}$/.test(label)) {
    const n = Number(label);
    return n >= -32768 && n <= 32767 ? n : null;
  }
  return null;
}

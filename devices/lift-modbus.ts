/**
 * Elevator controller (or retrofit box) over Modbus RTU (DESIGN §5.3): holding registers 0x0000–0x0013,
 * read with function 03. `decodeRegisters` for the gateway, `encodeRegisters` for the simulator.
 */
import { encodeReadRequest, encodeReadResponse, encodeException, ResponseDecoder, RequestDecoder } from './codec/modbus-rtu.js';
import {
  DOOR_STATES,
  LIFT_MODES,
  changedFields,
  floorLabelOf,
  type LiftReading,
  type Rejected,
} from './types.js';

export const LIFT_REGISTER_COUNT = 20;

/** Register addresses (§5.3). */
export const Reg = {
  STATUS: 0x00,
  FLOOR: 0x01,
  SPEED: 0x02,
  MODE: 0x03,
  LOAD: 0x04,
  DOOR: 0x05,
  FAULT: 0x06,
  FAULT_SUB: 0x07,
  RUN_COUNT: 0x0a,
  RUN_HOURS: 0x0c,
  DOOR_CYCLES: 0x0e,
  TRAVEL: 0x10,
  TEMP: 0x12,
  ALIVE: 0x13,
} as const;

/** Bits of register 0x0000. */
export const StatusBit = {
  running: 0,
  up: 1,
  down: 2,
  inZone: 3,
  doorClosedLocked: 4,
  doorOpenLimit: 5,
  person: 6,
  safetyCircuit: 7,
  doorLockCircuit: 8,
  mainsOk: 9,
  alarmButton: 10,
  topLimit: 11,
  bottomLimit: 12,
  overload: 13,
} as const;
type BitField = Exclude<keyof typeof StatusBit, 'up' | 'down'>;
const BIT_FIELDS = Object.keys(StatusBit).filter((k) => k !== 'up' && k !== 'down') as BitField[];

/** Register 0x0012 value meaning "no temperature sensor". */
export const TEMP_ABSENT = 0x8000;

export type LiftDecodeReason = 'bad_length' | 'bad_register' | 'bad_value';
export type LiftDecodeResult =
  | { ok: true; reading: LiftReading; changed: (keyof LiftReading)[]; warnings: string[] }
  | Rejected<LiftDecodeReason>;

const int16 = (v: number): number => (v & 0x8000 ? v - 0x10000 : v);
const u32 = (regs: readonly number[], at: number): number => (regs[at] as number) * 0x10000 + (regs[at + 1] as number);

/**
 * Twenty holding registers → a normalized reading. `prev` (the lift's previous reading) only serves to
 * list the fields that changed. Values outside their documented range are rejected with the register
 * as path (`/5: …`); reserved bits and registers that are not zero only produce warnings.
 */
export function decodeRegisters(regs: readonly number[], prev?: LiftReading): LiftDecodeResult {
  if (regs.length !== LIFT_REGISTER_COUNT) {
    return { ok: false, reason: 'bad_length', errors: [`/: expected ${LIFT_REGISTER_COUNT} registers, got ${regs.length}`] };
  }
  const bad = regs.flatMap((v, i) => (Number.isInteger(v) && v >= 0 && v <= 0xffff ? [] : [`/${i}: ${v} is not a uint16`]));
  if (bad.length > 0) return { ok: false, reason: 'bad_register', errors: bad };

  const r = (i: number): number => regs[i] as number;
  const status = r(Reg.STATUS);
  const bit = (b: number): boolean => ((status >> b) & 1) === 1;
  const errors: string[] = [];
  const warnings: string[] = [];
  if (bit(StatusBit.up) && bit(StatusBit.down)) errors.push('/0: up and down bits both set');
  if (status & 0xc000) warnings.push(`/0: reserved bits set (0x${(status & 0xc000).toString(16)})`);
  const mode = LIFT_MODES[r(Reg.MODE)];
  if (mode === undefined) errors.push(`/${Reg.MODE}: service mode ${r(Reg.MODE)} is not in 0..7`);
  const door = DOOR_STATES[r(Reg.DOOR)];
  if (door === undefined) errors.push(`/${Reg.DOOR}: door state ${r(Reg.DOOR)} is not in 0..3`);
  if (r(8) !== 0 || r(9) !== 0) warnings.push('/8: reserved registers 0x0008–0x0009 are not zero');
  if (errors.length > 0 || mode === undefined || door === undefined) return { ok: false, reason: 'bad_value', errors };

  const floor = int16(r(Reg.FLOOR));
  const temp = r(Reg.TEMP);
  const bits = Object.fromEntries(BIT_FIELDS.map((k) => [k, bit(StatusBit[k])])) as Record<BitField, boolean>;
  const reading: LiftReading = {
    ...bits,
    dir: bit(StatusBit.up) ? 'up' : bit(StatusBit.down) ? 'down' : 'stop',
    floor,
    floorLabel: floorLabelOf(floor),
    speedMmS: r(Reg.SPEED),
    mode,
    loadPct: r(Reg.LOAD),
    door,
    faultCode: r(Reg.FAULT),
    faultSubCode: r(Reg.FAULT_SUB),
    runCount: u32(regs, Reg.RUN_COUNT),
    runHours: u32(regs, Reg.RUN_HOURS),
    doorCycles: u32(regs, Reg.DOOR_CYCLES),
    travelM: u32(regs, Reg.TRAVEL),
    tempC: temp === TEMP_ABSENT ? null : int16(temp) / 10,
    alive: r(Reg.ALIVE),
  };
  return { ok: true, reading, changed: changedFields(reading, prev), warnings };
}

/**
 * A reading → twenty holding registers (simulator). Unknown (null) booleans and numbers encode as 0,
 * a null temperature as 0x8000. Throws RangeError on values that do not fit their register.
 */
export function encodeRegisters(reading: LiftReading): number[] {
  const regs = new Array<number>(LIFT_REGISTER_COUNT).fill(0);
  if (!LIFT_MODES.includes(reading.mode)) throw new RangeError(`unknown service mode ${String(reading.mode)}`);
  if (!DOOR_STATES.includes(reading.door)) throw new RangeError(`unknown door state ${String(reading.door)}`);
  let status = 0;
  for (const k of BIT_FIELDS) if (reading[k] === true) status |= 1 << StatusBit[k];
  if (reading.dir === 'up') status |= 1 << StatusBit.up;
  if (reading.dir === 'down') status |= 1 << StatusBit.down;
  regs[Reg.STATUS] = status;

  const put16 = (at: number, name: string, v: number | null, min = 0, max = 0xffff): void => {
    const n = v ?? 0;
    if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${name} ${n} does not fit its register`);
    regs[at] = n & 0xffff;
  };
  const put32 = (at: number, name: string, v: number | null): void => {
    const n = v ?? 0;
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${name} ${n} is not a uint32`);
    regs[at] = Math.floor(n / 0x10000);
    regs[at + 1] = n % 0x10000;
  };
  put16(Reg.FLOOR, 'floor', reading.floor, -0x8000, 0x7fff);
  put16(Reg.SPEED, 'speedMmS', reading.speedMmS === null ? null : Math.round(reading.speedMmS));
  regs[Reg.MODE] = LIFT_MODES.indexOf(reading.mode);
  put16(Reg.LOAD, 'loadPct', reading.loadPct === null ? null : Math.round(reading.loadPct));
  regs[Reg.DOOR] = DOOR_STATES.indexOf(reading.door);
  put16(Reg.FAULT, 'faultCode', reading.faultCode);
  put16(Reg.FAULT_SUB, 'faultSubCode', reading.faultSubCode);
  put32(Reg.RUN_COUNT, 'runCount', reading.runCount);
  put32(Reg.RUN_HOURS, 'runHours', reading.runHours);
  put32(Reg.DOOR_CYCLES, 'doorCycles', reading.doorCycles);
  put32(Reg.TRAVEL, 'travelM', reading.travelM);
  if (reading.tempC === null) regs[Reg.TEMP] = TEMP_ABSENT;
  else put16(Reg.TEMP, 'tempC×10', Math.round(reading.tempC * 10), -0x7fff, 0x7fff);
  put16(Reg.ALIVE, 'alive', reading.alive);
  return regs;
}

// ---------------------------------------------------------------------------------------------
// Controller fault codes (register 0x0006) of a generic controller

export interface ControllerFault {
  zh: string;
  en: string;
  /** raise as a critical fault (escalating alerts) */
  critical: boolean;
}

/** Fault-code table of a generic controller (register 0x0006); models with other tables get their own profile. */
export const GENERIC_FAULT_CODES: Readonly<Record<number, ControllerFault>> = {
  1: { zh: '安全回路断开', en: 'Safety circuit open', critical: true },
  2: { zh: '运行中门锁回路断开', en: 'Door-lock circuit opened while running', critical: true },
  3: { zh: '变频器过电流', en: 'Drive overcurrent', critical: true },
  4: { zh: '变频器过电压', en: 'Drive overvoltage', critical: false },
  5: { zh: '变频器欠电压', en: 'Drive undervoltage', critical: false },
  6: { zh: '电机过载', en: 'Motor overload', critical: false },
  7: { zh: '编码器故障', en: 'Encoder fault', critical: true },
  8: { zh: '抱闸反馈异常', en: 'Brake feedback fault', critical: true },
  9: { zh: '平层信号异常', en: 'Levelling signal fault', critical: false },
  10: { zh: '运行超时（防打滑保护）', en: 'Run time limit exceeded (slip protection)', critical: true },
  11: { zh: '轿厢超速', en: 'Car overspeed', critical: true },
  12: { zh: '冲顶', en: 'Top overtravel', critical: true },
  13: { zh: '蹲底', en: 'Bottom overtravel', critical: true },
  14: { zh: '开门故障', en: 'Door fails to open', critical: false },
  15: { zh: '关门故障', en: 'Door fails to close', critical: false },
  16: { zh: '门锁短接', en: 'Door lock bypassed', critical: true },
  17: { zh: '轿厢意外移动', en: 'Unintended car movement (UCMP)', critical: true },
  18: { zh: '轿厢/外召通讯故障', en: 'Car or landing bus communication fault', critical: false },
  19: { zh: '输入缺相或相序错误', en: 'Phase loss or wrong phase sequence', critical: true },
  20: { zh: '控制柜过热', en: 'Controller overheating', critical: false },
  21: { zh: '称重装置故障', en: 'Load-weighing device fault', critical: false },
  22: { zh: '端站强迫减速开关异常', en: 'Terminal slowdown switch fault', critical: true },
  23: { zh: '接触器反馈异常', en: 'Contactor feedback fault', critical: true },
  24: { zh: '电梯超载', en: 'Car overloaded', critical: false },
};

/**
 * Description of a controller fault code. Unknown codes are reported as critical: a fault the table does
 * not know is treated as serious until someone maps it.
 */
export function faultInfo(code: number): ControllerFault & { known: boolean } {
  const f = GENERIC_FAULT_CODES[code];
  if (f) return { ...f, known: true };
  return { zh: `未知控制器故障 ${code}`, en: `Unknown controller fault ${code}`, critical: true, known: false };
}

// ---------------------------------------------------------------------------------------------

export const liftModbus = {
  id: 'lift-modbus',
  kind: 'lift',
  transport: 'modbus',
  title: 'Elevator controller over Modbus RTU (RS-485)',
  registers: { start: 0, count: LIFT_REGISTER_COUNT },
  defaults: { baud: 9600, dataBits: 8, parity: 'none', stopBits: 1, pollMs: 1000, missesForCommLost: 3, frozenAliveMs: 5000 },
  decodeRegisters,
  encodeRegisters,
  faultInfo,
  faultCodes: GENERIC_FAULT_CODES,
  /** master side: the request for one poll of a slave */
  encodePoll: (slave: number): Buffer => encodeReadRequest(slave, 0, LIFT_REGISTER_COUNT),
  createResponseDecoder: (): ResponseDecoder => new ResponseDecoder(),
  /** slave side (simulator) */
  createRequestDecoder: (): RequestDecoder => new RequestDecoder(),
  encodeResponse: (slave: number, reading: LiftReading): Buffer => encodeReadResponse(slave, encodeRegisters(reading)),
  encodeException,
} as const;
export type LiftModbusProfile = typeof liftModbus;

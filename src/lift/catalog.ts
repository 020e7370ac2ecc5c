/**
 * The elevator fault catalogue (DESIGN §6.2): every code the rule engine raises, its GB/T 24476-2017
 * message code where one exists, its severity and which sources can see it. docs/faults.md describes
 * the same table for users.
 */

export const FAULT_CODES = [
  'LIFT_TRAPPED',
  'LIFT_STOP_OUTSIDE_ZONE',
  'LIFT_MOVING_DOOR_OPEN',
  'LIFT_DOOR_OPEN_RUNNING',
  'LIFT_OVERSPEED',
  'LIFT_TOP_OVERTRAVEL',
  'LIFT_BOTTOM_OVERTRAVEL',
  'LIFT_SAFETY_CIRCUIT',
  'LIFT_DOOR_LOCK_CIRCUIT',
  'LIFT_DOOR_CLOSE_FAULT',
  'LIFT_DOOR_OPEN_FAULT',
  'LIFT_POWER_LOSS',
  'LIFT_ALARM_BUTTON',
  'LIFT_LONG_DOOR_OPEN',
  'LIFT_DOOR_REOPEN_REPEATED',
  'LIFT_OVERHEAT',
  'LIFT_CONTROLLER_FAULT',
  'LIFT_COMM_LOST',
  'LIFT_CONTROLLER_FROZEN',
  'LIFT_OFFLINE',
] as const;
export type FaultCode = (typeof FAULT_CODES)[number];

export const SEVERITIES = ['minor', 'major', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `lift`: the elevator misbehaves; `link`: the gateway cannot see it (counted apart in statistics). */
export type FaultCategory = 'lift' | 'link';

export interface FaultInfo {
  code: FaultCode;
  zh: string;
  en: string;
  /** GB/T 24476-2017 fault message code, null where the standard has none. */
  gb: number | null;
  /** Default severity (LIFT_CONTROLLER_FAULT takes the profile's table: critical or major). */
  severity: Severity;
  category: FaultCategory;
  /** Raised from a sensor kit too (a kit has no circuits, counters, temperature or fault register). */
  kit: boolean;
  /** Modbus controllers. */
  modbus: boolean;
  /** Still evaluated in inspection/maintenance mode (DESIGN §6.2: power and alarm button). */
  alwaysOn: boolean;
}

const f = (
  code: FaultCode,
  zh: string,
  en: string,
  gb: number | null,
  severity: Severity,
  o: Partial<Pick<FaultInfo, 'category' | 'kit' | 'modbus' | 'alwaysOn'>> = {},
): FaultInfo => ({ code, zh, en, gb, severity, category: 'lift', kit: true, modbus: true, alwaysOn: false, ...o });

export const FAULTS: Readonly<Record<FaultCode, FaultInfo>> = {
  LIFT_TRAPPED: f('LIFT_TRAPPED', '困人', 'Passenger trapped', 93, 'critical'),
  LIFT_STOP_OUTSIDE_ZONE: f('LIFT_STOP_OUTSIDE_ZONE', '非平层停梯', 'Stopped outside the door zone', 4, 'major'),
  LIFT_MOVING_DOOR_OPEN: f('LIFT_MOVING_DOOR_OPEN', '开门走梯（轿厢意外移动）', 'Car moves with the door open (UCMP)', 5, 'critical'),
  LIFT_DOOR_OPEN_RUNNING: f('LIFT_DOOR_OPEN_RUNNING', '运行中开门', 'Door opens while running', null, 'critical'),
  LIFT_OVERSPEED: f('LIFT_OVERSPEED', '超速', 'Overspeed', null, 'critical'),
  LIFT_TOP_OVERTRAVEL: f('LIFT_TOP_OVERTRAVEL', '冲顶', 'Top overtravel', 92, 'critical'),
  LIFT_BOTTOM_OVERTRAVEL: f('LIFT_BOTTOM_OVERTRAVEL', '蹲底', 'Bottom overtravel', 91, 'critical'),
  LIFT_SAFETY_CIRCUIT: f('LIFT_SAFETY_CIRCUIT', '安全回路断路', 'Safety circuit broken', 1, 'major', { kit: false }),
  LIFT_DOOR_LOCK_CIRCUIT: f('LIFT_DOOR_LOCK_CIRCUIT', '运行中门锁回路断路', 'Door-lock circuit broken while running', null, 'critical', { kit: false }),
  LIFT_DOOR_CLOSE_FAULT: f('LIFT_DOOR_CLOSE_FAULT', '关门故障', 'Door fails to close', 2, 'minor'),
  LIFT_DOOR_OPEN_FAULT: f('LIFT_DOOR_OPEN_FAULT', '开门故障', 'Door fails to open', 3, 'minor'),
  LIFT_POWER_LOSS: f('LIFT_POWER_LOSS', '停电', 'Mains power lost', 41, 'major', { alwaysOn: true }),
  LIFT_ALARM_BUTTON: f('LIFT_ALARM_BUTTON', '报警按钮', 'Alarm button pressed', 90, 'critical', { alwaysOn: true }),
  LIFT_LONG_DOOR_OPEN: f('LIFT_LONG_DOOR_OPEN', '长时间开门', 'Door held open', null, 'minor'),
  LIFT_DOOR_REOPEN_REPEATED: f('LIFT_DOOR_REOPEN_REPEATED', '反复开关门', 'Repeated door reopening', null, 'minor'),
  LIFT_OVERHEAT: f('LIFT_OVERHEAT', '机房/主机过热', 'Machine overheating', null, 'major', { kit: false }),
  LIFT_CONTROLLER_FAULT: f('LIFT_CONTROLLER_FAULT', '控制器故障', 'Controller fault code', null, 'major', { kit: false }),
  LIFT_COMM_LOST: f('LIFT_COMM_LOST', '通讯中断', 'Controller not answering', null, 'major', { kit: false, category: 'link' }),
  LIFT_CONTROLLER_FROZEN: f('LIFT_CONTROLLER_FROZEN', '控制器死机', 'Controller frozen (alive counter stopped)', null, 'major', {
    kit: false,
    category: 'link',
  }),
  LIFT_OFFLINE: f('LIFT_OFFLINE', '采集终端离线', 'Sensor kit offline', null, 'major', { modbus: false, category: 'link' }),
};

export const isFaultCode = (c: string): c is FaultCode => (FAULT_CODES as readonly string[]).includes(c);

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

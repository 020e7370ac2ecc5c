/**
 * Seeded generators of hostile device input for the fuzz item of the reliability suite: SSP/1 byte
 * streams (valid frames mutated bit by bit, truncated, re-headed, with valid CRCs around broken or
 * hostile JSON, plain noise), MQTT payloads of the seal and kit profiles (valid ones with a field
 * replaced, removed or added, broken JSON, huge numbers, deep nesting, random bytes) and Modbus RTU
 * responses. Most inputs are invalid; a few mutations stay valid by chance and are counted as such.
 */
import { encodeRawFrame, FrameType } from '../../devices/codec/ssp1.js';
import { encodeUp, type SealSerialEvent } from '../../devices/seal-ssp1-serial.js';
import { encodeReadResponse, encodeException } from '../../devices/codec/modbus-rtu.js';

export type Rand = () => number;

const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

function bytes(rand: Rand, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** A value a careless or hostile device might put anywhere. */
function hostileValue(rand: Rand, depth = 0): unknown {
  switch (int(rand, 0, 17)) {
    case 0:
      return null;
    case 1:
      return -1;
    case 2:
      return 1e308 * 10; // Infinity → null in JSON
    case 3:
      return Number.MAX_SAFE_INTEGER + 2;
    case 4:
      return 0.5;
    case 5:
      return '';
    case 6:
      return 'x'.repeat(int(rand, 1, 3000));
    case 7:
      return '\u0000\u202e\ud800';
    case 8:
      return [];
    case 9:
      return {};
    case 10:
      return depth < 3 ? { nested: hostileValue(rand, depth + 1) } : 1;
    case 11:
      return true;
    case 12:
      return '2017-01-01T00:00:00Z';
    case 13:
      return -(2 ** 31);
    case 14:
      return 2 ** 32;
    case 15:
      return '__proto__';
    case 16:
      return 'a'.repeat(64).replace(/a/g, () => pick(rand, ['0', 'f', 'g', 'Z']));
    default:
      return int(rand, -1e6, 1e6);
  }
}

function mutateObject(rand: Rand, o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  const keys = Object.keys(out);
  const n = int(rand, 1, 3);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.5 && keys.length) out[pick(rand, keys)] = hostileValue(rand);
    else if (r < 0.75 && keys.length) delete out[pick(rand, keys)];
    else out[pick(rand, ['extra', '__proto__', 'constructor', 'seq', 'boot', 'time', ''])] = hostileValue(rand);
  }
  return out;
}

/** Text that is not quite (or not at all) the JSON it was. */
function mangleText(rand: Rand, s: string): string {
  switch (int(rand, 0, 7)) {
    case 0:
      return s.slice(0, int(rand, 0, s.length - 1));
    case 1: {
      const i = int(rand, 0, s.length);
      return s.slice(0, i) + pick(rand, ['"', '}', ',', '\\', '\u0000', 'NaN', '{']) + s.slice(i);
    }
    case 2:
      return '['.repeat(int(rand, 100, 5000));
    case 3:
      return `{"a":${'['.repeat(2000)}`;
    case 4:
      return JSON.stringify(hostileValue(rand));
    case 5:
      return s.replace(/\d/g, () => pick(rand, ['9', 'e', '-', '.', '9999999999999999999999']));
    case 6:
      return `${s}${s}`;
    default:
      return '';
  }
}

// ---------------------------------------------------------------------------------------------
// Seal events (serial and MQTT share the payloads; MQTT adds seq and boot)

function sealEvent(rand: Rand): SealSerialEvent {
  const time = Date.now();
  switch (int(rand, 0, 5)) {
    case 0:
      return { type: 'hello', id: 'fz', model: 'S1', fw: '1.0', boot: int(rand, 1, 1e9), counter: int(rand, 0, 1000), time };
    case 1:
      return { type: 'status', battery: 80, locked: true, sleeveClosed: true, sealPresent: true, time };
    case 2:
      return { type: 'stamp', grant: 'G1', n: 1, counter: 5, time, photo: 'ab'.repeat(32), impression: true };
    case 3:
      return { type: 'sleeve', open: rand() < 0.5, time };
    case 4:
      return { type: 'alarm', kind: 'moved', time };
    default:
      return { type: 'auth', operator: 1, ok: true, time };
  }
}

const UP_TYPES = [FrameType.HELLO, FrameType.STATUS, FrameType.STAMP, FrameType.SLEEVE, FrameType.ALARM, FrameType.AUTH];

/** One hostile chunk of bytes for an SSP/1 link. */
export function ssp1Input(rand: Rand, seq: number): Buffer {
  const ev = sealEvent(rand);
  const { type: _t, ...payload } = ev;
  const r = rand();
  if (r < 0.3) {
    // a valid frame with flipped bits, cut short, or with garbage around it
    const f = encodeUp(ev, seq & 0xffff);
    const m = int(rand, 0, 3);
    if (m === 0) for (let i = 0; i < int(rand, 1, 4); i++) f[int(rand, 0, f.length - 1)]! ^= 1 << int(rand, 0, 7);
    if (m === 1) return f.subarray(0, int(rand, 1, f.length - 1));
    if (m === 2) return Buffer.concat([bytes(rand, int(rand, 1, 40)), f.subarray(0, int(rand, 2, f.length))]);
    if (m === 3) f[2] = int(rand, 2, 255); // wrong version
    return f;
  }
  if (r < 0.75) {
    // intact framing (valid CRC) around a payload the profile must refuse
    const body =
      rand() < 0.5
        ? Buffer.from(JSON.stringify(mutateObject(rand, payload as Record<string, unknown>)))
        : Buffer.from(mangleText(rand, JSON.stringify(payload)).slice(0, 1024));
    const type = rand() < 0.8 ? pick(rand, UP_TYPES) : int(rand, 0, 255);
    return encodeRawFrame({ type, seq: seq & 0xffff, body: body.subarray(0, rand() < 0.95 ? 1024 : 2000) });
  }
  if (r < 0.85) {
    // a header announcing more than the maximum, or a length running into the next frame
    const f = encodeRawFrame({ type: FrameType.STATUS, seq: seq & 0xffff, body: Buffer.from('{}') });
    f.writeUInt16BE(rand() < 0.5 ? int(rand, 1025, 0xffff) : int(rand, 3, 1024), 6);
    return f;
  }
  return bytes(rand, int(rand, 1, 300)); // line noise (with the odd magic inside)
}

/** A hostile MQTT message for a seal sleeve: subtopic and payload (never `photo`: any bytes are a photo). */
export function sealMqttInput(rand: Rand, seq: number): { subtopic: string; payload: Buffer } {
  const ev = sealEvent(rand);
  const { type, ...rest } = ev;
  const valid: Record<string, unknown> = { ...rest, seq, boot: 7 };
  const subtopic = rand() < 0.93 ? type : pick(rand, ['unknown', 'status/extra', 'ack', 'STATUS', 'hello ']);
  const r = rand();
  if (r < 0.55) return { subtopic, payload: Buffer.from(JSON.stringify(mutateObject(rand, valid))) };
  if (r < 0.9) return { subtopic, payload: Buffer.from(mangleText(rand, JSON.stringify(valid))) };
  return { subtopic, payload: bytes(rand, int(rand, 0, 2000)) };
}

/** A hostile MQTT message for a lift kit. */
export function kitInput(rand: Rand, seq: number): { subtopic: string; payload: Buffer } {
  const status = { seq, ts: Date.now(), running: 0, dir: 0, zone: 1, floor: '3', door: 0, person: 2, mode: 1, power: 1, topLimit: 2, bottomLimit: 2 };
  const event = { seq, ts: Date.now(), kind: 'ebike' };
  const sub = pick(rand, ['status', 'status', 'status', 'event', 'online', 'unknown']);
  const base = sub === 'event' ? event : status;
  const r = rand();
  if (sub === 'online') return { subtopic: sub, payload: Buffer.from(pick(rand, ['2', '', 'true', '01', '1 ', 'null'])) };
  if (r < 0.55) return { subtopic: sub, payload: Buffer.from(JSON.stringify(mutateObject(rand, base))) };
  if (r < 0.9) return { subtopic: sub, payload: Buffer.from(mangleText(rand, JSON.stringify(base))) };
  return { subtopic: sub, payload: bytes(rand, int(rand, 0, 2000)) };
}

/** Bytes a Modbus master might receive for a read of `count` registers from `slave`. */
export function modbusInput(rand: Rand, slave: number, count: number): Buffer {
  const regs = Array.from({ length: count }, () => int(rand, 0, 0xffff));
  const f = rand() < 0.9 ? encodeReadResponse(slave, regs) : encodeException(slave, 3, int(rand, 1, 11));
  const m = int(rand, 0, 4);
  if (m === 0) f[int(rand, 0, f.length - 1)]! ^= 1 << int(rand, 0, 7);
  if (m === 1) return f.subarray(0, int(rand, 1, f.length - 1));
  if (m === 2) return Buffer.concat([bytes(rand, int(rand, 1, 30)), f]);
  if (m === 3) f[0] = (slave % 247) + 1; // another slave's answer
  return m === 4 ? bytes(rand, int(rand, 1, 60)) : f;
}

import { describe, expect, it } from 'vitest';
import {
  GENERIC_FAULT_CODES,
  Reg,
  decodeRegisters,
  encodeRegisters,
  faultInfo,
  liftModbus,
  TEMP_ABSENT,
} from '../../devices/lift-modbus.js';
import * as kit from '../../devices/lift-kit-mqtt.js';
import { ResponseDecoder, RequestDecoder } from '../../devices/codec/modbus-rtu.js';
import { floorFromLabel, type LiftReading } from '../../devices/types.js';
import { T0, modbusReading } from './samples.js';

describe('lift-modbus register map', () => {
  it('encodes to the documented registers', () => {
    const regs = encodeRegisters(modbusReading);
    expect(regs).toHaveLength(20);
    // running | down | doorClosedLocked | person | safety | doorLock | mains | overload
    expect(regs[Reg.STATUS]).toBe((1 << 0) | (1 << 2) | (1 << 4) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 13));
    expect(regs[Reg.FLOOR]).toBe(0xfffe); // -2
    expect(regs[Reg.MODE]).toBe(1);
    expect(regs[Reg.DOOR]).toBe(0);
    expect(regs.slice(Reg.RUN_COUNT, Reg.RUN_COUNT + 2)).toEqual([0x0001, 0x86a0]); // high word first
    expect(regs.slice(Reg.DOOR_CYCLES, Reg.DOOR_CYCLES + 2)).toEqual([0xfedc, 0xba98]);
    expect(regs.slice(Reg.TRAVEL, Reg.TRAVEL + 2)).toEqual([0xffff, 0xffff]);
    expect(regs[Reg.TEMP]).toBe(0x10000 - 125); // -12.5 °C
    expect(regs[8]).toBe(0);
    expect(regs[9]).toBe(0);
  });

  it('round-trips a reading (negative floor, uint32 words, negative temperature)', () => {
    const r = decodeRegisters(encodeRegisters(modbusReading));
    expect(r).toMatchObject({ ok: true, reading: modbusReading, warnings: [] });
  });

  it('round-trips every mode, door state and direction', () => {
    const modes = ['out_of_service', 'normal', 'inspection', 'fire_return', 'firefighter', 'emergency_power', 'earthquake', 'unknown'] as const;
    const doors = ['closed', 'open', 'closing', 'opening'] as const;
    const dirs = ['up', 'down', 'stop'] as const;
    for (const mode of modes)
      for (const door of doors)
        for (const dir of dirs) {
          const reading: LiftReading = { ...modbusReading, mode, door, dir, floor: 30, floorLabel: '30', tempC: 41.7 };
          const r = decodeRegisters(encodeRegisters(reading));
          expect(r.ok && r.reading).toEqual(reading);
        }
  });

  it('maps a missing temperature sensor to null', () => {
    const regs = encodeRegisters({ ...modbusReading, tempC: null });
    expect(regs[Reg.TEMP]).toBe(TEMP_ABSENT);
    expect(decodeRegisters(regs)).toMatchObject({ ok: true, reading: { tempC: null } });
  });

  it('lists changed fields against the previous reading, ignoring the alive counter', () => {
    const prev = modbusReading;
    const r = decodeRegisters(encodeRegisters({ ...prev, floor: -1, floorLabel: 'B1', alive: 3 }), prev);
    expect(r.ok && r.changed).toEqual(['floor', 'floorLabel']);
    const first = decodeRegisters(encodeRegisters(prev));
    expect(first.ok && first.changed.length).toBe(26);
  });

  it('rejects wrong lengths, non-uint16 registers and out-of-range values with register paths', () => {
    expect(decodeRegisters([1, 2, 3])).toMatchObject({ ok: false, reason: 'bad_length' });
    const regs = encodeRegisters(modbusReading);
    const bad = [...regs];
    bad[4] = 70000;
    bad[7] = -1;
    expect(decodeRegisters(bad)).toEqual({
      ok: false,
      reason: 'bad_register',
      errors: ['/4: 70000 is not a uint16', '/7: -1 is not a uint16'],
    });
    const values = [...regs];
    values[Reg.MODE] = 9;
    values[Reg.DOOR] = 4;
    values[Reg.STATUS] = (values[Reg.STATUS] as number) | 0b110;
    expect(decodeRegisters(values)).toEqual({
      ok: false,
      reason: 'bad_value',
      errors: ['/0: up and down bits both set', '/3: service mode 9 is not in 0..7', '/5: door state 4 is not in 0..3'],
    });
    const reserved = [...regs];
    reserved[8] = 1;
    reserved[0] = (reserved[0] as number) | 0x8000;
    const r = decodeRegisters(reserved);
    expect(r.ok && r.warnings).toHaveLength(2);
  });

  it('refuses to encode values that do not fit', () => {
    expect(() => encodeRegisters({ ...modbusReading, floor: 40000 })).toThrow(RangeError);
    expect(() => encodeRegisters({ ...modbusReading, runCount: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodeRegisters({ ...modbusReading, mode: 'party' as LiftReading['mode'] })).toThrow(RangeError);
  });

  it('maps controller fault codes', () => {
    expect(faultInfo(11)).toEqual({ ...GENERIC_FAULT_CODES[11], known: true, critical: true });
    expect(faultInfo(999)).toMatchObject({ known: false, critical: true, en: 'Unknown controller fault 999' });
  });

  it('polls end to end through the profile: request → simulated slave → response → reading', () => {
    const req = liftModbus.encodePoll(12);
    const slave: RequestDecoder = liftModbus.createRequestDecoder();
    const [got] = slave.push(req);
    expect(got?.ok && got.request).toEqual({ slave: 12, fn: 3, start: 0, count: 20 });
    const master: ResponseDecoder = liftModbus.createResponseDecoder();
    master.expect({ slave: 12, count: liftModbus.registers.count });
    const [resp] = master.push(liftModbus.encodeResponse(12, modbusReading));
    expect(resp?.ok && resp.kind === 'response' && decodeRegisters(resp.registers)).toMatchObject({ ok: true, reading: modbusReading });
    expect(liftModbus).toMatchObject({ id: 'lift-modbus', kind: 'lift', transport: 'modbus', registers: { start: 0, count: 20 }, defaults: { baud: 9600 } });
  });
});

describe('lift-kit-mqtt', () => {
  const sample = {
    seq: 812,
    ts: T0,
    running: 1,
    dir: 2,
    zone: 2,
    floor: 'B1',
    door: 0,
    person: 1,
    mode: 1,
    power: 1,
    topLimit: 2,
    bottomLimit: 2,
    speed: 1.5,
    load: 40,
    alarmButton: 2,
    vendorExtra: 'ignored',
  };

  it('decodes a sample status payload into the normalized reading', () => {
    const r = kit.decodeStatus(Buffer.from(JSON.stringify(sample)));
    expect(r).toMatchObject({ ok: true, seq: 812, ts: T0 });
    if (!r.ok) return;
    expect(r.reading).toEqual({
      running: true,
      dir: 'down',
      inZone: false,
      doorClosedLocked: null,
      doorOpenLimit: null,
      person: true,
      safetyCircuit: null,
      doorLockCircuit: null,
      mainsOk: true,
      alarmButton: false,
      topLimit: false,
      bottomLimit: false,
      overload: null,
      floor: -1,
      floorLabel: 'B1',
      speedMmS: 1500,
      mode: 'normal',
      loadPct: 40,
      door: 'closed',
      faultCode: null,
      faultSubCode: null,
      runCount: null,
      runHours: null,
      doorCycles: null,
      travelM: null,
      tempC: null,
      alive: null,
    } satisfies LiftReading);
  });

  it('leaves optional fields null and keeps non-numeric floor labels', () => {
    const { speed: _s, load: _l, alarmButton: _a, ...minimal } = sample;
    const r = kit.decodeStatus(JSON.stringify({ ...minimal, floor: 'M', power: 2, zone: 1 }));
    expect(r.ok && r.reading).toMatchObject({ speedMmS: null, loadPct: null, alarmButton: null, floor: null, floorLabel: 'M', mainsOk: false, inZone: true });
  });

  it('round-trips status through encodeStatus', () => {
    const r = kit.decodeStatus(Buffer.from(JSON.stringify(sample)));
    if (!r.ok) throw new Error('sample did not decode');
    const again = kit.decodeStatus(kit.encodeStatus(r.reading, 813, T0 + 1000));
    expect(again).toMatchObject({ ok: true, seq: 813, ts: T0 + 1000, reading: r.reading });
    // and from a Modbus-shaped reading: what the kit can carry survives
    const fromModbus = kit.decodeStatus(kit.encodeStatus(modbusReading, 1, T0));
    expect(fromModbus.ok && fromModbus.reading).toMatchObject({
      running: true, dir: 'down', floor: -2, floorLabel: 'B2', speedMmS: 1000, loadPct: 105, door: 'closed', person: true, mainsOk: true, alarmButton: false,
    });
  });

  it('rejects schema errors listing field paths', () => {
    const r = kit.decodeStatus(JSON.stringify({ ...sample, dir: 3, zone: 0, floor: '', seq: -1, ts: undefined }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('schema');
    for (const path of ['/dir', '/zone', '/floor', '/seq', '/ts']) {
      expect(r.errors.some((e) => e.startsWith(`${path}:`)), `${path} in ${r.errors.join(' | ')}`).toBe(true);
    }
    expect(kit.decodeStatus('nope')).toMatchObject({ ok: false, reason: 'bad_json' });
    expect(kit.decodeStatus('[1]')).toMatchObject({ ok: false, reason: 'not_object' });
    expect(kit.decodeStatus(JSON.stringify({ ...sample, floor: '   ' }))).toMatchObject({ ok: false, reason: 'schema' });
  });

  it('decodes and encodes camera events', () => {
    expect(kit.decodeEvent(kit.encodeEvent('ebike', 5, T0))).toEqual({ ok: true, seq: 5, ts: T0, kind: 'ebike' });
    expect(kit.decodeEvent(JSON.stringify({ seq: 5, ts: T0, kind: 'smoke' }))).toMatchObject({ ok: false, reason: 'schema', errors: [expect.stringMatching(/^\/kind: /)] });
  });

  it('handles the retained online topic', () => {
    expect(kit.decodeOnline(kit.encodeOnline(true))).toEqual({ ok: true, online: true });
    expect(kit.decodeOnline(Buffer.from('0'))).toEqual({ ok: true, online: false });
    expect(kit.decodeOnline(Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'bad_value' });
    expect(kit.decodeOnline('yes')).toMatchObject({ ok: false, reason: 'bad_value' });
    expect(kit.liftKitMqtt.lastWill).toEqual({ subtopic: 'online', payload: '0', qos: 1, retain: true });
  });

  it('dispatches by subtopic', () => {
    expect(kit.decodeUp('status', Buffer.from(JSON.stringify(sample)))).toMatchObject({ ok: true, message: { type: 'status', seq: 812 } });
    expect(kit.decodeUp('event', kit.encodeEvent('crowding', 1, T0))).toMatchObject({ ok: true, message: { type: 'event', kind: 'crowding' } });
    expect(kit.decodeUp('online', '1')).toEqual({ ok: true, message: { type: 'online', online: true } });
    expect(kit.decodeUp('grant', '{}')).toMatchObject({ ok: false, reason: 'unknown_subtopic' });
    expect(kit.liftKitMqtt.parseTopic('dev/kit-7/up/online')).toEqual({ id: 'kit-7', dir: 'up', sub: 'online' });
  });
});

describe('floor labels', () => {
  it('parses basement and numeric labels', () => {
    expect(floorFromLabel('B3')).toBe(-3);
    expect(floorFromLabel('-1')).toBe(-1);
    expect(floorFromLabel('12')).toBe(12);
    expect(floorFromLabel('M')).toBeNull();
    expect(floorFromLabel('99999')).toBeNull();
  });
});

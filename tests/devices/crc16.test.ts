import { describe, expect, it } from 'vitest';
import { crc16, crcMatches, withCrc } from '../../devices/codec/crc16.js';

describe('CRC-16/MODBUS', () => {
  it('gives the standard check value for "123456789"', () => {
    expect(crc16(Buffer.from('123456789', 'ascii'))).toBe(0x4b37);
  });

  it('matches a known Modbus request frame (CRC low byte first)', () => {
    const body = Buffer.from([0x01, 0x03, 0x00, 0x00, 0x00, 0x0a]);
    expect(withCrc(body)).toEqual(Buffer.from([0x01, 0x03, 0x00, 0x00, 0x00, 0x0a, 0xc5, 0xcd]));
    expect(crcMatches(withCrc(body), 0, 6)).toBe(true);
  });

  it('honours start/end and is 0xFFFF over nothing', () => {
    const b = Buffer.from('xx123456789yy', 'ascii');
    expect(crc16(b, 2, 11)).toBe(0x4b37);
    expect(crc16(Buffer.alloc(0))).toBe(0xffff);
  });

  it('detects a flipped bit', () => {
    const f = withCrc(Buffer.from([0x11, 0x03, 0x00, 0x6b, 0x00, 0x03]));
    f[3] = (f[3] as number) ^ 0x10;
    expect(crcMatches(f, 0, f.length - 2)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import {
  RequestDecoder,
  ResponseDecoder,
  decodeRequest,
  encodeException,
  encodeReadRequest,
  encodeReadResponse,
  rtuFrameTime,
  rtuReadTime,
  type ResponseResult,
} from '../../devices/codec/modbus-rtu.js';
import { seededRandom } from '../../sim/random.js';
import { randInt } from './samples.js';

const regs = Array.from({ length: 20 }, (_, i) => (i * 0x1111 + 7) & 0xffff);

function feed(d: ResponseDecoder, bytes: Buffer, chunk = Infinity): ResponseResult[] {
  const out: ResponseResult[] = [];
  for (let i = 0; i < bytes.length; i += Math.min(chunk, bytes.length)) out.push(...d.push(bytes.subarray(i, i + chunk)));
  return out;
}

describe('Modbus RTU', () => {
  it('encodes the read request with its CRC', () => {
    expect([...encodeReadRequest(1, 0, 10)]).toEqual([1, 3, 0, 0, 0, 0x0a, 0xc5, 0xcd]);
    expect(() => encodeReadRequest(0, 0, 1)).toThrow(RangeError);
    expect(() => encodeReadRequest(248, 0, 1)).toThrow(RangeError);
    expect(() => encodeReadRequest(1, 0, 126)).toThrow(RangeError);
    expect(() => encodeReadRequest(1, 0xfff0, 20)).toThrow(RangeError);
  });

  it('round-trips request → slave → response → master', () => {
    const req = encodeReadRequest(17, 0, 20);
    expect(decodeRequest(req)).toEqual({ slave: 17, fn: 3, start: 0, count: 20 });
    const slave = new RequestDecoder();
    expect(slave.push(req)).toEqual([{ ok: true, request: { slave: 17, fn: 3, start: 0, count: 20 }, bytes: 8 }]);

    const resp = encodeReadResponse(17, regs);
    expect(resp.length).toBe(5 + 40);
    const master = new ResponseDecoder();
    master.expect({ slave: 17, count: 20 });
    expect(master.push(resp)).toEqual([{ ok: true, kind: 'response', slave: 17, fn: 3, registers: regs, bytes: 45 }]);
    // once answered, more bytes are garbage until the next expect()
    expect(master.push(resp)).toEqual([{ ok: false, reason: 'garbage', bytes: 45 }]);
  });

  it('recognizes exception responses', () => {
    const ex = encodeException(5, 3, 2);
    expect([...ex.subarray(0, 3)]).toEqual([5, 0x83, 2]);
    const m = new ResponseDecoder();
    m.expect({ slave: 5, count: 20 });
    expect(m.push(ex)).toEqual([{ ok: true, kind: 'exception', slave: 5, fn: 3, code: 2, bytes: 5 }]);
  });

  it('handles a response split across chunks, byte by byte', () => {
    const m = new ResponseDecoder();
    m.expect({ slave: 9, count: 20 });
    const rs = feed(m, encodeReadResponse(9, regs), 1);
    expect(rs).toEqual([{ ok: true, kind: 'response', slave: 9, fn: 3, registers: regs, bytes: 45 }]);
    expect(m.buffered).toBe(0);
  });

  it('skips garbage, our own echoed request and other slaves’ answers', () => {
    const m = new ResponseDecoder();
    m.expect({ slave: 9, count: 20 });
    const stream = Buffer.concat([
      Buffer.from([0x00, 0xff, 0x09, 0x09]),
      encodeReadRequest(9, 0, 20), // RS-485 echo of the request
      encodeReadResponse(8, regs), // late answer from slave 8
      encodeReadResponse(9, regs),
    ]);
    for (const chunk of [Infinity, 1, 7]) {
      m.expect({ slave: 9, count: 20 });
      const rs = feed(m, stream, chunk);
      const good = rs.filter((r) => r.ok);
      expect(good).toEqual([{ ok: true, kind: 'response', slave: 9, fn: 3, registers: regs, bytes: 45 }]);
      expect(rs.reduce((n, r) => n + r.bytes, 0) + m.buffered).toBe(stream.length);
    }
  });

  it('rejects a bad CRC, and abandons a truncated response when a complete one follows', () => {
    const bad = encodeReadResponse(9, regs);
    bad[10] = (bad[10] as number) ^ 0xff;
    const m = new ResponseDecoder();
    m.expect({ slave: 9, count: 20 });
    const rs = m.push(Buffer.concat([bad, encodeReadResponse(9, regs)]));
    expect(rs[0]).toEqual({ ok: false, reason: 'bad_crc', bytes: 1 });
    expect(rs.filter((r) => r.ok)).toHaveLength(1);

    m.expect({ slave: 9, count: 20 });
    const truncated = encodeReadResponse(9, regs).subarray(0, 20);
    const rs2 = m.push(Buffer.concat([truncated, encodeException(9, 3, 4)]));
    expect(rs2).toEqual([
      { ok: false, reason: 'garbage', bytes: 20 },
      { ok: true, kind: 'exception', slave: 9, fn: 3, code: 4, bytes: 5 },
    ]);
  });

  it('reset() drops a partial response after a timeout', () => {
    const m = new ResponseDecoder();
    m.expect({ slave: 3, count: 20 });
    expect(m.push(encodeReadResponse(3, regs).subarray(0, 30))).toEqual([]);
    expect(m.buffered).toBe(30);
    expect(m.reset()).toEqual([{ ok: false, reason: 'garbage', bytes: 30 }]);
    expect(m.buffered).toBe(0);
  });

  it('slave side: decodes requests for several slaves across chunks and skips garbage', () => {
    const stream = Buffer.concat([
      Buffer.from([0xff, 0x00, 0x01]),
      encodeReadRequest(1, 0, 20),
      encodeReadRequest(2, 0, 20),
      Buffer.from([0x02, 0x03, 0x00]),
      encodeReadRequest(247, 0x10, 4),
    ]);
    const rnd = seededRandom(3);
    for (let iter = 0; iter < 20; iter++) {
      const d = new RequestDecoder();
      const got: number[] = [];
      let bytes = 0;
      for (let i = 0; i < stream.length; ) {
        const n = randInt(rnd, 1, 9);
        for (const r of d.push(stream.subarray(i, i + n))) {
          bytes += r.bytes;
          if (r.ok) got.push(r.request.slave);
        }
        i += n;
      }
      expect(got).toEqual([1, 2, 247]);
      expect(bytes + d.buffered).toBe(stream.length);
    }
    expect(decodeRequest(Buffer.from([1, 3, 0, 0, 0, 20, 0, 0]))).toBeNull();
  });

  it('validates what it encodes', () => {
    expect(() => encodeReadResponse(1, [])).toThrow(RangeError);
    expect(() => encodeReadResponse(1, [70000])).toThrow(RangeError);
    expect(() => encodeException(1, 3, 0)).toThrow(RangeError);
  });

  it('computes theoretical wire times', () => {
    // 8 bytes + 3.5 chars at 9600 8N1: 11.5 × 10 / 9600 s
    expect(rtuFrameTime(8, 9600)).toBeCloseTo((11.5 * 10 * 1000) / 9600, 9);
    expect(rtuFrameTime(8, 9600, { bitsPerChar: 11 })).toBeCloseTo((11.5 * 11 * 1000) / 9600, 9);
    expect(rtuFrameTime(8, 115200)).toBeCloseTo((8 * 10 * 1000) / 115200 + 1.75, 9);
    expect(rtuReadTime(20, 9600)).toBeCloseTo(rtuFrameTime(8, 9600) + rtuFrameTime(45, 9600), 9);
    expect(() => rtuFrameTime(8, 0)).toThrow(RangeError);
  });
});

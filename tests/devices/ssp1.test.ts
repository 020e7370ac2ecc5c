import { describe, expect, it } from 'vitest';
import {
  FrameType,
  SSP1_MAX_PAYLOAD,
  Ssp1Decoder,
  encodeFrame,
  encodeRawFrame,
  needsAck,
  nextSeq,
  type DecodeResult,
  type Ssp1Frame,
} from '../../devices/codec/ssp1.js';
import { crc16 } from '../../devices/codec/crc16.js';
import { encodeUp } from '../../devices/seal-ssp1-serial.js';
import { seededRandom } from '../../sim/random.js';
import { randInt, upEvents } from './samples.js';

const hello = { type: FrameType.HELLO, seq: 7, payload: { id: 'seal-01', boot: 1 } };
const status = { type: FrameType.STATUS, seq: 8, payload: { battery: 50 } };

const ok = (rs: DecodeResult[]): Ssp1Frame[] => rs.flatMap((r) => (r.ok ? [r.frame] : []));
const reasons = (rs: DecodeResult[]): string[] => rs.flatMap((r) => (r.ok ? [] : [r.reason]));
const bytesOf = (rs: DecodeResult[]): number => rs.reduce((n, r) => n + r.bytes, 0);

function decodeAll(stream: Buffer, chunk = Infinity): DecodeResult[] {
  const d = new Ssp1Decoder();
  const out: DecodeResult[] = [];
  for (let i = 0; i < stream.length; i += Math.min(chunk, stream.length)) out.push(...d.push(stream.subarray(i, i + chunk)));
  return out;
}

describe('SSP/1 encodeFrame', () => {
  it('lays out magic, version, type, seq BE, len BE, JSON, CRC LE', () => {
    const f = encodeFrame({ type: FrameType.LOCK, seq: 0x1234, payload: {} });
    expect([...f.subarray(0, 8)]).toEqual([0xa5, 0x5a, 0x01, 0x83, 0x12, 0x34, 0x00, 0x02]);
    expect(f.subarray(8, 10).toString()).toBe('{}');
    expect(f.readUInt16LE(10)).toBe(crc16(f, 2, 10));
    expect(f.length).toBe(12);
  });

  it('refuses len > 1024, bad seq, unknown types and non-object payloads', () => {
    const big = { s: 'x'.repeat(SSP1_MAX_PAYLOAD) };
    expect(() => encodeFrame({ type: FrameType.STATUS, seq: 1, payload: big })).toThrow(/exceeds 1024/);
    const exact = { s: 'x'.repeat(SSP1_MAX_PAYLOAD - 8) }; // {"s":"…"} = 1024 bytes
    expect(encodeFrame({ type: FrameType.STATUS, seq: 1, payload: exact }).length).toBe(8 + 1024 + 2);
    expect(() => encodeFrame({ type: FrameType.STATUS, seq: 65536, payload: {} })).toThrow(RangeError);
    expect(() => encodeFrame({ type: FrameType.STATUS, seq: -1, payload: {} })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 0x55, seq: 1, payload: {} })).toThrow(/unknown/);
    expect(() => encodeFrame({ type: FrameType.STATUS, seq: 1, payload: [] })).toThrow(TypeError);
  });

  it('round-trips UTF-8 (Chinese) payloads', () => {
    const payload = { reason: '印章未授权 — 请联系书记' };
    const rs = decodeAll(encodeFrame({ type: FrameType.NACK, seq: 3, payload }));
    expect(ok(rs)).toEqual([{ type: FrameType.NACK, seq: 3, payload }]);
  });

  it('knows which frames need an ack and wraps seq', () => {
    expect(needsAck(FrameType.STAMP)).toBe(true);
    expect(needsAck(FrameType.GRANT)).toBe(true);
    expect(needsAck(FrameType.ACK)).toBe(false);
    expect(needsAck(FrameType.NACK)).toBe(false);
    expect(needsAck(FrameType.DEV_ACK)).toBe(false);
    expect(nextSeq(65535)).toBe(0);
    expect(nextSeq(1)).toBe(2);
  });
});

describe('Ssp1Decoder', () => {
  it('decodes frames split at every byte', () => {
    const stream = Buffer.concat([encodeFrame(hello), encodeFrame(status)]);
    const rs = decodeAll(stream, 1);
    expect(ok(rs)).toEqual([hello, status]);
    expect(rs).toHaveLength(2);
  });

  it('decodes frames split at arbitrary chunk boundaries', () => {
    const frames = upEvents.map((e, i) => encodeUp(e, i));
    const stream = Buffer.concat(frames);
    const rnd = seededRandom(1);
    for (let iter = 0; iter < 50; iter++) {
      const d = new Ssp1Decoder();
      const got: DecodeResult[] = [];
      for (let i = 0; i < stream.length; ) {
        const n = randInt(rnd, 1, 300);
        got.push(...d.push(stream.subarray(i, i + n)));
        i += n;
      }
      expect(got.every((r) => r.ok)).toBe(true);
      expect(ok(got).map((f) => f.seq)).toEqual(frames.map((_, i) => i));
      expect(d.buffered).toBe(0);
    }
  });

  it('skips garbage before and between frames, reporting its size', () => {
    const junk1 = Buffer.from('noise\x00\xff\xa5', 'latin1');
    const junk2 = Buffer.from([0x5a, 0xa5, 0x00, 0x13]);
    const stream = Buffer.concat([junk1, encodeFrame(hello), junk2, encodeFrame(status)]);
    for (const chunk of [Infinity, 1, 3]) {
      const rs = decodeAll(stream, chunk);
      expect(ok(rs)).toEqual([hello, status]);
      expect(rs.filter((r) => !r.ok && r.reason === 'garbage').reduce((n, r) => n + r.bytes, 0)).toBe(
        junk1.length + junk2.length,
      );
      expect(bytesOf(rs)).toBe(stream.length);
    }
  });

  it('keeps a trailing first magic byte until the next chunk', () => {
    const f = encodeFrame(hello);
    const d = new Ssp1Decoder();
    expect(d.push(Buffer.concat([Buffer.from('zz'), f.subarray(0, 1)]))).toEqual([
      { ok: false, reason: 'garbage', bytes: 2 },
    ]);
    expect(d.buffered).toBe(1);
    expect(ok(d.push(f.subarray(1)))).toEqual([hello]);
  });

  it('rejects a bad CRC and still finds the good frame after it', () => {
    const bad = encodeRawFrame({ type: FrameType.HELLO, seq: 1, body: Buffer.from('{"a":1}'), corruptCrc: true });
    const rs = decodeAll(Buffer.concat([bad, encodeFrame(status)]));
    expect(reasons(rs)[0]).toBe('bad_crc');
    expect(ok(rs)).toEqual([status]);
  });

  it('on a bad CRC skips only the first magic byte, so a frame inside the rejected bytes is found', () => {
    // a header that claims a payload long enough to swallow a real frame, with a wrong CRC
    const inner = encodeFrame(status);
    const fake = Buffer.concat([Buffer.from([0xa5, 0x5a, 0x01, 0x02, 0x00, 0x01, 0x00, inner.length + 4]), Buffer.from('{"x"'), inner, Buffer.from([0, 0])]);
    const rs = decodeAll(fake);
    expect(ok(rs)).toEqual([status]);
    expect(bytesOf(rs)).toBe(fake.length);
  });

  it('abandons a truncated frame as soon as a complete frame follows, without waiting for its length', () => {
    const long = encodeFrame({ type: FrameType.STATUS, seq: 9, payload: { pad: 'x'.repeat(600) } });
    const truncated = long.subarray(0, 100); // the header promises 500+ more bytes that never come
    const d = new Ssp1Decoder();
    const rs = d.push(Buffer.concat([truncated, encodeFrame(hello)]));
    expect(rs).toEqual([
      { ok: false, reason: 'garbage', bytes: truncated.length },
      { ok: true, frame: hello, bytes: encodeFrame(hello).length },
    ]);
    expect(d.buffered).toBe(0);
    // byte by byte too
    const rs2 = decodeAll(Buffer.concat([truncated, encodeFrame(hello), encodeFrame(status)]), 1);
    expect(ok(rs2)).toEqual([hello, status]);
  });

  it('rejects a truncated frame whose promised length is covered by the next frame (bad CRC), then resyncs', () => {
    const f = encodeFrame(status);
    const truncated = f.subarray(0, f.length - 3);
    const rs = decodeAll(Buffer.concat([truncated, encodeFrame(hello)]));
    expect(reasons(rs)[0]).toBe('bad_crc');
    expect(ok(rs)).toEqual([hello]);
  });

  it('refuses len > 1024 without waiting for the bytes', () => {
    const body = Buffer.from(JSON.stringify({ s: 'x'.repeat(1100) }));
    const tooLong = encodeRawFrame({ type: FrameType.STATUS, seq: 1, body });
    const d = new Ssp1Decoder();
    const rs = d.push(tooLong.subarray(0, 8));
    expect(rs).toEqual([
      { ok: false, reason: 'too_long', bytes: 1 },
      { ok: false, reason: 'garbage', bytes: 7 },
    ]);
    const all = decodeAll(Buffer.concat([tooLong, encodeFrame(hello)]));
    expect(reasons(all)[0]).toBe('too_long');
    expect(ok(all)).toEqual([hello]);
  });

  it('refuses a wrong version', () => {
    const v2 = encodeRawFrame({ type: FrameType.HELLO, seq: 1, body: Buffer.from('{}'), version: 2 });
    const rs = decodeAll(Buffer.concat([v2, encodeFrame(hello)]));
    expect(reasons(rs)[0]).toBe('bad_version');
    expect(ok(rs)).toEqual([hello]);
  });

  it('refuses non-JSON, invalid UTF-8, non-object payloads and unknown types, with type and seq', () => {
    const cases: [Buffer, string][] = [
      [encodeRawFrame({ type: FrameType.STAMP, seq: 11, body: Buffer.from('{"a":') }), 'bad_json'],
      [encodeRawFrame({ type: FrameType.STAMP, seq: 11, body: Buffer.from([0x7b, 0xff, 0x7d]) }), 'bad_json'],
      [encodeRawFrame({ type: FrameType.STAMP, seq: 11, body: Buffer.alloc(0) }), 'bad_json'],
      [encodeRawFrame({ type: FrameType.STAMP, seq: 11, body: Buffer.from('[1,2]') }), 'not_object'],
      [encodeRawFrame({ type: FrameType.STAMP, seq: 11, body: Buffer.from('null') }), 'not_object'],
      [encodeRawFrame({ type: FrameType.STAMP, seq: 11, body: Buffer.from('"str"') }), 'not_object'],
      [encodeRawFrame({ type: 0x55, seq: 11, body: Buffer.from('{}') }), 'unknown_type'],
    ];
    for (const [frame, reason] of cases) {
      const rs = decodeAll(Buffer.concat([frame, encodeFrame(hello)]));
      expect(rs[0]).toMatchObject({ ok: false, reason, seq: 11, bytes: frame.length });
      expect(ok(rs)).toEqual([hello]);
    }
  });

  it('keeps its buffer bounded whatever it is fed', () => {
    const d = new Ssp1Decoder();
    const rnd = seededRandom(7);
    let max = 0;
    for (let i = 0; i < 2000; i++) {
      const chunk = Buffer.alloc(randInt(rnd, 1, 200));
      for (let k = 0; k < chunk.length; k++) chunk[k] = rnd() < 0.1 ? [0xa5, 0x5a, 0x01, 0x00][randInt(rnd, 0, 3)]! : randInt(rnd, 0, 255);
      d.push(chunk);
      max = Math.max(max, d.buffered);
    }
    expect(max).toBeLessThanOrEqual(1034);
    const flushed = d.flush();
    expect(d.buffered).toBe(0);
    expect(bytesOf(flushed)).toBe(flushed.length ? flushed[0]!.bytes : 0);
  });

  it('does not keep a reference to the caller’s buffer', () => {
    const f = encodeFrame(hello);
    const d = new Ssp1Decoder();
    const chunk = Buffer.from(f.subarray(0, 10));
    d.push(chunk);
    chunk.fill(0);
    expect(ok(d.push(f.subarray(10)))).toEqual([hello]);
  });
});

describe('Ssp1Decoder under corruption (property, seeded)', () => {
  it('never throws, never accepts a damaged frame, accounts for every byte', () => {
    const rnd = seededRandom(0x5ea1);
    let decoded = 0;
    let damaged = 0;
    let intact = 0;
    const failures: string[] = [];
    for (let iter = 0; iter < 3000; iter++) {
      // a stream of frames, sometimes with garbage between them
      const parts: Buffer[] = [];
      const frames: { at: number; len: number; frame: Ssp1Frame }[] = [];
      let at = 0;
      const n = randInt(rnd, 1, 12);
      for (let i = 0; i < n; i++) {
        if (rnd() < 0.2) {
          const g = Buffer.alloc(randInt(rnd, 1, 20));
          for (let k = 0; k < g.length; k++) g[k] = rnd() < 0.2 ? 0xa5 : randInt(rnd, 0, 255);
          parts.push(g);
          at += g.length;
        }
        const ev = upEvents[randInt(rnd, 0, upEvents.length - 1)]!;
        const seq = randInt(rnd, 0, 0xffff);
        const bytes = encodeUp(ev, seq);
        const { type: _t, ...payload } = ev;
        frames.push({ at, len: bytes.length, frame: { type: bytes[3] as Ssp1Frame['type'], seq, payload } });
        parts.push(bytes);
        at += bytes.length;
      }
      const stream = Buffer.concat(parts);
      // corrupt 1% of the bytes
      const corrupted = new Set<number>();
      for (let i = 0; i < stream.length; i++) {
        if (rnd() < 0.01) {
          stream[i] = ((stream[i] as number) + randInt(rnd, 1, 255)) & 0xff;
          corrupted.add(i);
        }
      }
      const d = new Ssp1Decoder();
      const results: DecodeResult[] = [];
      for (let i = 0; i < stream.length; ) {
        const c = randInt(rnd, 1, 64);
        results.push(...d.push(stream.subarray(i, i + c)));
        i += c;
      }
      results.push(...d.flush());

      // every byte accounted for, in stream order; accepted frames are exactly the undamaged frames sent
      let offset = 0;
      const accepted = new Set<number>();
      for (const r of results) {
        if (r.ok) {
          const orig = frames.find((f) => f.at === offset);
          if (!orig) failures.push(`iteration ${iter}: accepted a frame at ${offset} that was never sent`);
          else {
            for (let k = offset; k < offset + r.bytes; k++) {
              if (corrupted.has(k)) failures.push(`iteration ${iter}: accepted the damaged frame at ${offset}`);
            }
            if (r.bytes !== orig.len || JSON.stringify(r.frame) !== JSON.stringify(orig.frame)) {
              failures.push(`iteration ${iter}: frame at ${offset} differs from the one sent`);
            }
          }
          accepted.add(offset);
          decoded++;
        }
        offset += r.bytes;
      }
      if (offset !== stream.length) failures.push(`iteration ${iter}: ${offset} of ${stream.length} bytes accounted for`);

      for (const f of frames) {
        let hit = false;
        for (let k = f.at; k < f.at + f.len; k++) if (corrupted.has(k)) hit = true;
        if (hit) damaged++;
        else {
          intact++;
          if (!accepted.has(f.at)) failures.push(`iteration ${iter}: intact frame at ${f.at} not decoded`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(decoded).toBe(intact);
    expect(damaged).toBeGreaterThan(1000);
  });
});

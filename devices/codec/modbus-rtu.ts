/**
 * Modbus RTU framing (DESIGN §5.3): function 03, read holding registers.
 *
 * Frames are delimited by length and CRC, never by timing, so both decoders work on any chunking the
 * serial port delivers. Master side: `encodeReadRequest` and `ResponseDecoder`. Slave side (simulator):
 * `RequestDecoder`, `encodeReadResponse`, `encodeException`.
 */
import { crcMatches, withCrc } from './crc16.js';

export const FC_READ_HOLDING = 0x03;
export const MAX_READ_REGISTERS = 125;
/** Standard exception codes. */
export const ModbusException = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  SLAVE_DEVICE_FAILURE: 0x04,
  ACKNOWLEDGE: 0x05,
  SLAVE_DEVICE_BUSY: 0x06,
  GATEWAY_PATH_UNAVAILABLE: 0x0a,
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

const REQUEST_BYTES = 8;
const EXCEPTION_BYTES = 5;

function checkSlave(slave: number): void {
  if (!Number.isInteger(slave) || slave < 1 || slave > 247) throw new RangeError(`slave ${slave} is not in 1..247`);
}
function checkU16(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${name} ${v} is not a uint16`);
}

// ---------------------------------------------------------------------------------------------
// Master side

/** `slave 03 startHi startLo countHi countLo crcLo crcHi`. */
export function encodeReadRequest(slave: number, start: number, count: number): Buffer {
  checkSlave(slave);
  checkU16('start', start);
  if (!Number.isInteger(count) || count < 1 || count > MAX_READ_REGISTERS) {
    throw new RangeError(`count ${count} is not in 1..${MAX_READ_REGISTERS}`);
  }
  if (start + count > 0x10000) throw new RangeError(`registers ${start}+${count} run past 0xFFFF`);
  const body = Buffer.allocUnsafe(6);
  body[0] = slave;
  body[1] = FC_READ_HOLDING;
  body.writeUInt16BE(start, 2);
  body.writeUInt16BE(count, 4);
  return withCrc(body);
}

export interface ExpectedResponse {
  slave: number;
  /** function code of the request (default 03) */
  fn?: number;
  /** registers requested */
  count: number;
}

export type ResponseResult =
  | { ok: true; kind: 'response'; slave: number; fn: number; registers: number[]; bytes: number }
  | { ok: true; kind: 'exception'; slave: number; fn: number; code: number; bytes: number }
  | { ok: false; reason: 'garbage' | 'bad_crc'; bytes: number };

/**
 * Master-side response extractor. Call `expect()` when a request goes out; `push()` the bytes that come
 * back. It finds `slave fn byteCount data… crc` (byteCount = 2·count) or `slave fn|0x80 code crc` for
 * the expected request, skipping anything else (echo of our own request, line noise, a late answer
 * from another slave). After a response or exception, or `expect()`/`reset()`, further bytes are garbage
 * until the next `expect()`.
 */
export class ResponseDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private want: Required<ExpectedResponse> | null = null;

  /** Bytes held waiting for the rest of a response. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Set the expectation for the next response (drops anything still buffered, reported as garbage). */
  expect(e: ExpectedResponse): ResponseResult[] {
    checkSlave(e.slave);
    const out = this.reset();
    this.want = { slave: e.slave, fn: e.fn ?? FC_READ_HOLDING, count: e.count };
    return out;
  }

  /** Forget the expectation (e.g. after a timeout); buffered bytes are reported as garbage. */
  reset(): ResponseResult[] {
    const n = this.buf.length;
    this.buf = Buffer.alloc(0);
    this.want = null;
    return n > 0 ? [{ ok: false, reason: 'garbage', bytes: n }] : [];
  }

  push(chunk: Uint8Array): ResponseResult[] {
    const input = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const buf = this.buf.length > 0 ? Buffer.concat([this.buf, input]) : input;
    const out: ResponseResult[] = [];
    let garbage = 0;
    let pos = 0;
    const flushGarbage = (): void => {
      if (garbage > 0) out.push({ ok: false, reason: 'garbage', bytes: garbage });
      garbage = 0;
    };

    while (pos < buf.length) {
      const want = this.want;
      if (want === null) {
        garbage += buf.length - pos;
        pos = buf.length;
        break;
      }
      const c = candidate(buf, pos, want);
      if (c === 'no') {
        garbage += 1;
        pos += 1;
        continue;
      }
      if (c === 'short') {
        const next = findComplete(buf, pos + 1, want);
        if (next === -1) break;
        garbage += next - pos; // truncated response
        pos = next;
        continue;
      }
      if (!crcMatches(buf, pos, pos + c - 2)) {
        flushGarbage();
        out.push({ ok: false, reason: 'bad_crc', bytes: 1 });
        pos += 1;
        continue;
      }
      flushGarbage();
      const fn = buf[pos + 1] as number;
      if (fn & 0x80) {
        out.push({ ok: true, kind: 'exception', slave: want.slave, fn: fn & 0x7f, code: buf[pos + 2] as number, bytes: c });
      } else {
        const registers: number[] = [];
        for (let i = 0; i < want.count; i++) registers.push(buf.readUInt16BE(pos + 3 + 2 * i));
        out.push({ ok: true, kind: 'response', slave: want.slave, fn, registers, bytes: c });
      }
      pos += c;
      this.want = null;
    }
    flushGarbage();
    this.buf = pos >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
    return out;
  }
}

/** At `pos`: 'no' (not the expected header), 'short' (header matches, frame incomplete) or the frame length. */
function candidate(buf: Buffer, pos: number, want: Required<ExpectedResponse>): 'no' | 'short' | number {
  const avail = buf.length - pos;
  if (buf[pos] !== want.slave) return 'no';
  if (avail < 2) return 'short';
  const fn = buf[pos + 1];
  if (fn === (want.fn | 0x80)) {
    if (avail < EXCEPTION_BYTES) return 'short';
    return EXCEPTION_BYTES;
  }
  if (fn !== want.fn) return 'no';
  if (avail < 3) return 'short';
  if (buf[pos + 2] !== 2 * want.count) return 'no';
  const total = 3 + 2 * want.count + 2;
  return avail < total ? 'short' : total;
}

function findComplete(buf: Buffer, from: number, want: Required<ExpectedResponse>): number {
  for (let j = buf.indexOf(want.slave, from); j !== -1; j = buf.indexOf(want.slave, j + 1)) {
    const c = candidate(buf, j, want);
    if (typeof c === 'number' && crcMatches(buf, j, j + c - 2)) return j;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Slave side (simulator)

/**
 * A request as seen by a slave. Requests of functions 01–06 are fixed 8-byte frames: for 01–04
 * `start`/`count` are the address and quantity; for 05/06 `count` carries the value written.
 * Other functions cannot be delimited by length and are skipped as garbage.
 */
export interface RtuRequest {
  slave: number;
  fn: number;
  start: number;
  count: number;
}

export type RequestResult =
  | { ok: true; request: RtuRequest; bytes: number }
  | { ok: false; reason: 'garbage'; bytes: number };

/** Slave-side streaming decoder of master requests (any slave address 1–247; filter by address yourself). */
export class RequestDecoder {
  private buf: Buffer = Buffer.alloc(0);

  get buffered(): number {
    return this.buf.length;
  }

  push(chunk: Uint8Array): RequestResult[] {
    const input = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const buf = this.buf.length > 0 ? Buffer.concat([this.buf, input]) : input;
    const out: RequestResult[] = [];
    let garbage = 0;
    let pos = 0;
    while (pos < buf.length) {
      const slave = buf[pos] as number;
      if (slave < 1 || slave > 247) {
        garbage += 1;
        pos += 1;
        continue;
      }
      if (buf.length - pos < 2) break;
      const fn = buf[pos + 1] as number;
      if (fn < 1 || fn > 6) {
        garbage += 1;
        pos += 1;
        continue;
      }
      if (buf.length - pos < REQUEST_BYTES) break;
      if (!crcMatches(buf, pos, pos + REQUEST_BYTES - 2)) {
        garbage += 1;
        pos += 1;
        continue;
      }
      if (garbage > 0) out.push({ ok: false, reason: 'garbage', bytes: garbage });
      garbage = 0;
      out.push({
        ok: true,
        request: { slave, fn, start: buf.readUInt16BE(pos + 2), count: buf.readUInt16BE(pos + 4) },
        bytes: REQUEST_BYTES,
      });
      pos += REQUEST_BYTES;
    }
    if (garbage > 0) out.push({ ok: false, reason: 'garbage', bytes: garbage });
    this.buf = pos >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
    return out;
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
  }
}

/** Parse one complete request frame (no streaming); null when it is not a valid 8-byte request. */
export function decodeRequest(frame: Uint8Array): RtuRequest | null {
  if (frame.length !== REQUEST_BYTES) return null;
  const results = new RequestDecoder().push(frame);
  const r = results[0];
  return results.length === 1 && r !== undefined && r.ok ? r.request : null;
}

/** `slave 03 byteCount data… crc`. */
export function encodeReadResponse(slave: number, registers: readonly number[]): Buffer {
  checkSlave(slave);
  if (registers.length < 1 || registers.length > MAX_READ_REGISTERS) {
    throw new RangeError(`register count ${registers.length} is not in 1..${MAX_READ_REGISTERS}`);
  }
  const body = Buffer.allocUnsafe(3 + 2 * registers.length);
  body[0] = slave;
  body[1] = FC_READ_HOLDING;
  body[2] = 2 * registers.length;
  registers.forEach((v, i) => {
    checkU16(`register ${i}`, v);
    body.writeUInt16BE(v, 3 + 2 * i);
  });
  return withCrc(body);
}

/** `slave fn|0x80 code crc`. */
export function encodeException(slave: number, fn: number, code: number): Buffer {
  checkSlave(slave);
  if (!Number.isInteger(fn) || fn < 1 || fn > 0x7f) throw new RangeError(`function ${fn} is not in 1..127`);
  if (!Number.isInteger(code) || code < 1 || code > 0xff) throw new RangeError(`exception code ${code} is not in 1..255`);
  return withCrc(Buffer.from([slave, fn | 0x80, code]));
}

// ---------------------------------------------------------------------------------------------
// Timing (benchmarks)

/**
 * Theoretical wire time in milliseconds of an RTU frame of `bytes` bytes at `baud`, including the
 * 3.5-character inter-frame gap. 8N1 is 10 bits per character (start + 8 data + stop); pass
 * `bitsPerChar: 11` for 8E1/8O1/8N2. Above 19200 baud the gap is the fixed 1.75 ms of the Modbus spec.
 */
export function rtuFrameTime(bytes: number, baud: number, opts: { bitsPerChar?: number } = {}): number {
  if (!(baud > 0)) throw new RangeError(`baud ${baud} must be positive`);
  const charMs = ((opts.bitsPerChar ?? 10) / baud) * 1000;
  const gapMs = baud > 19200 ? 1.75 : 3.5 * charMs;
  return bytes * charMs + gapMs;
}

/** Theoretical time of one read transaction: request (8 bytes) + response (5 + 2·count bytes), gaps included. */
export function rtuReadTime(count: number, baud: number, opts: { bitsPerChar?: number } = {}): number {
  return rtuFrameTime(REQUEST_BYTES, baud, opts) + rtuFrameTime(5 + 2 * count, baud, opts);
}

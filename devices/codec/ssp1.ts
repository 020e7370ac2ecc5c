/**
 * SSP/1 framing (DESIGN §5.1), both directions:
 *
 *   A5 5A | ver 01 | type | seq u16 BE | len u16 BE (≤ 1024) | JSON object (UTF-8) | CRC-16/MODBUS LE over ver…payload
 *
 * `encodeFrame` builds a frame; `Ssp1Decoder` is a streaming decoder that resynchronizes on the magic
 * after garbage, partial frames and bad CRCs. It knows nothing about payload schemas (see the profiles).
 */
import { crc16, crcMatches } from './crc16.js';
import { parseJsonObject } from './json.js';

export const SSP1_MAGIC = Buffer.from([0xa5, 0x5a]);
export const SSP1_VERSION = 0x01;
export const SSP1_HEADER_BYTES = 8;
export const SSP1_CRC_BYTES = 2;
export const SSP1_MAX_PAYLOAD = 1024;
export const SSP1_MAX_FRAME = SSP1_HEADER_BYTES + SSP1_MAX_PAYLOAD + SSP1_CRC_BYTES;

/** Frame types. Device → gateway: HELLO…AUTH, DEV_ACK. Gateway → device: ACK, NACK, GRANT…TIME. */
export const FrameType = {
  HELLO: 0x01,
  STATUS: 0x02,
  STAMP: 0x10,
  SLEEVE: 0x11,
  ALARM: 0x20,
  AUTH: 0x21,
  DEV_ACK: 0x90,
  ACK: 0x80,
  NACK: 0x8f,
  GRANT: 0x81,
  REVOKE: 0x82,
  LOCK: 0x83,
  TIME: 0x84,
} as const;
export type FrameTypeName = keyof typeof FrameType;
export type FrameTypeCode = (typeof FrameType)[FrameTypeName];

const NAMES = new Map<number, FrameTypeName>(
  Object.entries(FrameType).map(([k, v]) => [v, k as FrameTypeName]),
);
export const UP_FRAME_TYPES: readonly FrameTypeCode[] = [
  FrameType.HELLO,
  FrameType.STATUS,
  FrameType.STAMP,
  FrameType.SLEEVE,
  FrameType.ALARM,
  FrameType.AUTH,
  FrameType.DEV_ACK,
];
export const DOWN_FRAME_TYPES: readonly FrameTypeCode[] = [
  FrameType.ACK,
  FrameType.NACK,
  FrameType.GRANT,
  FrameType.REVOKE,
  FrameType.LOCK,
  FrameType.TIME,
];

export const frameTypeName = (code: number): FrameTypeName | undefined => NAMES.get(code);
export const isFrameType = (code: number): code is FrameTypeCode => NAMES.has(code);
export const isUpFrameType = (code: number): boolean => (UP_FRAME_TYPES as readonly number[]).includes(code);
export const isDownFrameType = (code: number): boolean => (DOWN_FRAME_TYPES as readonly number[]).includes(code);
/** Every frame except ACK, NACK and the device's ACK must be acknowledged within 500 ms (§5.1). */
export const needsAck = (code: number): boolean =>
  isFrameType(code) && code !== FrameType.ACK && code !== FrameType.NACK && code !== FrameType.DEV_ACK;
/** The sender's next frame counter (uint16, wraps). */
export const nextSeq = (seq: number): number => (seq + 1) & 0xffff;

export interface Ssp1Frame {
  type: FrameTypeCode;
  seq: number;
  payload: Record<string, unknown>;
}

export type Ssp1RejectReason =
  | 'bad_crc'
  | 'bad_version'
  | 'too_long'
  | 'bad_json'
  | 'not_object'
  | 'unknown_type'
  | 'garbage';

/**
 * One decoder output. `bytes` is how many input bytes the result consumed, so the results of a stream
 * account for every byte (results' bytes + `decoder.buffered` = bytes pushed). `type`/`seq` are given
 * on rejections of correctly framed frames (valid CRC), so the receiver can NACK them.
 */
export type DecodeResult =
  | { ok: true; frame: Ssp1Frame; bytes: number }
  | { ok: false; reason: Ssp1RejectReason; bytes: number; type?: number; seq?: number; errors?: string[] };

function checkSeq(seq: number): void {
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff) throw new RangeError(`seq ${seq} is not a uint16`);
}

/**
 * Low-level frame builder with no payload checks (length only bounded by the uint16 field). For tests
 * and fault injection in the simulator; normal code uses `encodeFrame`.
 */
export function encodeRawFrame(opts: {
  type: number;
  seq: number;
  body: Uint8Array;
  version?: number;
  corruptCrc?: boolean;
}): Buffer {
  checkSeq(opts.seq);
  if (!Number.isInteger(opts.type) || opts.type < 0 || opts.type > 0xff) throw new RangeError(`type ${opts.type} is not a byte`);
  if (opts.body.length > 0xffff) throw new RangeError(`body of ${opts.body.length} bytes does not fit the len field`);
  const len = opts.body.length;
  const out = Buffer.allocUnsafe(SSP1_HEADER_BYTES + len + SSP1_CRC_BYTES);
  out[0] = 0xa5;
  out[1] = 0x5a;
  out[2] = opts.version ?? SSP1_VERSION;
  out[3] = opts.type;
  out.writeUInt16BE(opts.seq, 4);
  out.writeUInt16BE(len, 6);
  out.set(opts.body, SSP1_HEADER_BYTES);
  const crc = crc16(out, 2, SSP1_HEADER_BYTES + len) ^ (opts.corruptCrc ? 0x0001 : 0);
  out.writeUInt16LE(crc, SSP1_HEADER_BYTES + len);
  return out;
}

/** Encode a frame; throws on an unknown type, a seq outside uint16, a non-object payload or len > 1024. */
export function encodeFrame(frame: { type: number; seq: number; payload: object }): Buffer {
  if (!isFrameType(frame.type)) throw new RangeError(`unknown SSP/1 frame type 0x${frame.type.toString(16)}`);
  if (typeof frame.payload !== 'object' || frame.payload === null || Array.isArray(frame.payload)) {
    throw new TypeError('SSP/1 payload must be a JSON object');
  }
  const body = Buffer.from(JSON.stringify(frame.payload), 'utf8');
  if (body.length > SSP1_MAX_PAYLOAD) {
    throw new RangeError(`SSP/1 payload of ${body.length} bytes exceeds ${SSP1_MAX_PAYLOAD}`);
  }
  return encodeRawFrame({ type: frame.type, seq: frame.seq, body });
}

/** Decode one complete, CRC-checked frame's type and body. */
function decodeBody(type: number, seq: number, body: Uint8Array, bytes: number): DecodeResult {
  if (!isFrameType(type)) return { ok: false, reason: 'unknown_type', bytes, type, seq };
  const parsed = parseJsonObject(body);
  if (!parsed.ok) {
    // len is already bounded by the header check, so only bad_json / not_object occur here
    return { ok: false, reason: parsed.reason === 'not_object' ? 'not_object' : 'bad_json', bytes, type, seq, errors: parsed.errors };
  }
  return { ok: true, frame: { type, seq, payload: parsed.value }, bytes };
}

/**
 * Streaming SSP/1 decoder. Feed it whatever the serial port delivers; it returns results in stream order.
 *
 * - Garbage before or between frames is skipped (consecutive garbage bytes reported as one result).
 * - A header with a wrong version or len > 1024, or a bad CRC, skips only the first magic byte and
 *   rescans, so a real frame starting inside the rejected bytes is not lost.
 * - A truncated frame (its len runs into the next frame) is abandoned as soon as a complete frame
 *   with a valid CRC is found after its start — the decoder does not wait for the bogus length.
 * - The internal buffer never holds more than one maximal frame (1034 bytes).
 */
export class Ssp1Decoder {
  /** Pending bytes live in `store[0, held)`; sized so that a pending frame plus a typical chunk fit. */
  private store: Buffer = Buffer.alloc(4 * SSP1_MAX_FRAME);
  private held = 0;

  /** Bytes held waiting for the rest of a frame (at most one maximal frame). */
  get buffered(): number {
    return this.held;
  }

  push(chunk: Uint8Array): DecodeResult[] {
    let buf: Buffer;
    if (this.held === 0) buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else if (this.held + chunk.length <= this.store.length) {
      this.store.set(chunk, this.held);
      buf = this.store.subarray(0, this.held + chunk.length);
    } else buf = Buffer.concat([this.store.subarray(0, this.held), chunk]);

    const out: DecodeResult[] = [];
    let pos = 0;
    let garbage = 0;
    const emit = (r: DecodeResult): void => {
      if (garbage > 0) out.push({ ok: false, reason: 'garbage', bytes: garbage });
      garbage = 0;
      out.push(r);
    };

    while (pos < buf.length) {
      const m = buf.indexOf(SSP1_MAGIC, pos);
      if (m === -1) {
        // keep a trailing first magic byte: its partner may come in the next chunk
        const keep = buf[buf.length - 1] === 0xa5 ? 1 : 0;
        garbage += buf.length - keep - pos;
        pos = buf.length - keep;
        break;
      }
      garbage += m - pos;
      pos = m;
      const avail = buf.length - pos;
      if (avail < 3) break;
      if (buf[pos + 2] !== SSP1_VERSION) {
        emit({ ok: false, reason: 'bad_version', bytes: 1 });
        pos += 1;
        continue;
      }
      if (avail < SSP1_HEADER_BYTES) break;
      const len = buf.readUInt16BE(pos + 6);
      if (len > SSP1_MAX_PAYLOAD) {
        emit({ ok: false, reason: 'too_long', bytes: 1 });
        pos += 1;
        continue;
      }
      const total = SSP1_HEADER_BYTES + len + SSP1_CRC_BYTES;
      if (avail < total) {
        const next = findCompleteFrame(buf, pos + 1);
        if (next === -1) break; // wait for more bytes
        garbage += next - pos; // the frame at pos was truncated
        pos = next;
        continue;
      }
      if (!crcMatches(buf, pos + 2, pos + SSP1_HEADER_BYTES + len)) {
        emit({ ok: false, reason: 'bad_crc', bytes: 1 });
        pos += 1;
        continue;
      }
      emit(
        decodeBody(
          buf[pos + 3] as number,
          buf.readUInt16BE(pos + 4),
          buf.subarray(pos + SSP1_HEADER_BYTES, pos + SSP1_HEADER_BYTES + len),
          total,
        ),
      );
      pos += total;
    }
    if (garbage > 0) out.push({ ok: false, reason: 'garbage', bytes: garbage });

    // keep the unconsumed tail in our own store (never a reference into the caller's buffer)
    const rest = buf.length - pos;
    if (rest > 0 && (buf.buffer !== this.store.buffer || pos > 0)) buf.copy(this.store, 0, pos);
    this.held = rest;
    return out;
  }

  /** Drop whatever is buffered (e.g. the port closed); reports it as garbage. */
  flush(): DecodeResult[] {
    const n = this.held;
    this.held = 0;
    return n > 0 ? [{ ok: false, reason: 'garbage', bytes: n }] : [];
  }
}

/** Index of the first magic at or after `from` that starts a complete frame with a valid CRC, or -1. */
function findCompleteFrame(buf: Buffer, from: number): number {
  let j = buf.indexOf(SSP1_MAGIC, from);
  while (j !== -1) {
    if (buf.length - j < SSP1_HEADER_BYTES) return -1; // later candidates are even shorter
    const len = buf.readUInt16BE(j + 6);
    if (
      buf[j + 2] === SSP1_VERSION &&
      len <= SSP1_MAX_PAYLOAD &&
      j + SSP1_HEADER_BYTES + len + SSP1_CRC_BYTES <= buf.length &&
      crcMatches(buf, j + 2, j + SSP1_HEADER_BYTES + len)
    ) {
      return j;
    }
    j = buf.indexOf(SSP1_MAGIC, j + 1);
  }
  return -1;
}

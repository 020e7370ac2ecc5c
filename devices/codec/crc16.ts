/**
 * CRC-16/MODBUS: polynomial 0x8005 reflected (0xA001), init 0xFFFF, no final XOR.
 * Shared by SSP/1 (DESIGN §5.1) and Modbus RTU (§5.3). On the wire the CRC is sent low byte first.
 */

const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** CRC-16/MODBUS of `data[start, end)`. */
export function crc16(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ (TABLE[(crc ^ (data[i] as number)) & 0xff] as number);
  return crc;
}

/** True when the two bytes at `at` (low byte first) hold the CRC of `data[start, at)`. */
export function crcMatches(data: Uint8Array, start: number, at: number): boolean {
  const crc = crc16(data, start, at);
  return data[at] === (crc & 0xff) && data[at + 1] === crc >>> 8;
}

/** A copy of `body` with its CRC appended, low byte first. */
export function withCrc(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(body.length + 2);
  out.set(body, 0);
  out.writeUInt16LE(crc16(body), body.length);
  return out;
}

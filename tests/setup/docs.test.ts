/**
 * The user documents stay true: every worked example in them (frames, CRCs, record hashes, the
 * signed checkpoint) is recomputed here, the journal page lists exactly the record kinds the
 * store accepts, and their links and anchors resolve.
 */
import { describe, it, expect } from 'vitest';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import canonicalizeModule from 'canonicalize';
import { RECORD_KINDS } from '../../src/core/kinds.js';

// canonicalize is CommonJS (module.exports = fn) but its typings declare an ES default export
type Canonicalize = (value: unknown) => string | undefined;
const canonicalize: Canonicalize =
  typeof canonicalizeModule === 'function'
    ? (canonicalizeModule as Canonicalize)
    : (canonicalizeModule as unknown as { default: Canonicalize }).default;

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const doc = (p: string) => readFileSync(join(ROOT, 'docs', p), 'utf8');

const DOCS = [
  'protocols/README.md',
  'seal-protocol.md',
  'lift-protocols.md',
  'local-topics.md',
  'journal.md',
  'upstream.md',
  'operations.md',
];

function crc16modbus(buf: Uint8Array): number {
  let crc = 0xffff;
  for (const b of buf) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Hex bytes of a fenced block's lines, ignoring an optional leading offset column ("0010  "). */
function hexBytes(block: string): Buffer {
  const bytes = block
    .trim()
    .split('\n')
    .flatMap((line) => line.replace(/^[0-9a-f]{4}\s{2}/i, '').trim().split(/\s+/));
  for (const b of bytes) expect(b).toMatch(/^[0-9A-F]{2}$/);
  return Buffer.from(bytes.join(''), 'hex');
}

/** The fenced code block that follows `marker` in `text`. */
function blockAfter(text: string, marker: string): string {
  const at = text.indexOf(marker);
  expect(at, `marker not found: ${marker}`).toBeGreaterThanOrEqual(0);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(at));
  expect(m).not.toBeNull();
  return m![1]!;
}

describe('docs/seal-protocol.md worked example', () => {
  const text = doc('seal-protocol.md');

  it('the HELLO frame is a valid SSP/1 frame carrying the payload shown', () => {
    const payloadShown = blockAfter(text, 'Payload (99 bytes').trim();
    const frame = hexBytes(blockAfter(text, 'The complete frame'));
    expect([...frame.subarray(0, 4)]).toEqual([0xa5, 0x5a, 0x01, 0x01]); // magic, version, HELLO
    expect(frame.readUInt16BE(4)).toBe(1); // seq
    const len = frame.readUInt16BE(6);
    expect(frame.length).toBe(8 + len + 2);
    const payload = frame.subarray(8, 8 + len);
    expect(payload.toString('utf8')).toBe(payloadShown);
    const hello = JSON.parse(payloadShown) as Record<string, unknown>;
    expect(Object.keys(hello).sort()).toEqual(['boot', 'counter', 'fw', 'id', 'model', 'time']);
    expect(hello.boot).toBe(0x12345678);
    expect(new Date(hello.time as number).toISOString()).toBe('2025-11-22T01:30:00.000Z');
    // CRC-16/MODBUS over bytes 2 … 7+len, low byte first
    const crc = crc16modbus(frame.subarray(2, 8 + len));
    expect(frame[8 + len]).toBe(crc & 0xff);
    expect(frame[9 + len]).toBe(crc >> 8);
    expect(text).toContain(`CRC \`0x${crc.toString(16).toUpperCase()}\``);
  });

  it('the gateway ACK frame is valid and acknowledges seq 1', () => {
    const ack = hexBytes(blockAfter(text, 'payload\n`{"ack":1}`'));
    expect([...ack.subarray(0, 4)]).toEqual([0xa5, 0x5a, 0x01, 0x80]);
    const len = ack.readUInt16BE(6);
    expect(JSON.parse(ack.subarray(8, 8 + len).toString('utf8'))).toEqual({ ack: 1 });
    const crc = crc16modbus(ack.subarray(2, 8 + len));
    expect(ack.readUInt16LE(8 + len)).toBe(crc);
  });

  it('the CRC check value quoted for implementers is right', () => {
    expect(crc16modbus(Buffer.from('123456789'))).toBe(0x4b37);
    expect(text).toContain('`0x4B37`');
  });
});

describe('docs/lift-protocols.md worked example', () => {
  const text = doc('lift-protocols.md');
  const modbusOk = (frame: Buffer) => frame.readUInt16LE(frame.length - 2) === crc16modbus(frame.subarray(0, -2));

  it('request, response and exception frames carry valid Modbus CRCs', () => {
    const req = hexBytes(blockAfter(text, 'Request from the gateway'));
    expect([...req.subarray(0, 6)]).toEqual([0x01, 0x03, 0x00, 0x00, 0x00, 0x14]);
    expect(modbusOk(req)).toBe(true);
    const res = hexBytes(blockAfter(text, 'answers with 40 data bytes'));
    expect(res[2]).toBe(40);
    expect(res.length).toBe(3 + 40 + 2);
    expect(modbusOk(res)).toBe(true);
    const exc = hexBytes(blockAfter(text, 'An exception answer'));
    expect(exc[1]).toBe(0x83);
    expect(modbusOk(exc)).toBe(true);
  });

  it('the decoded table matches the response bytes', () => {
    const res = hexBytes(blockAfter(text, 'answers with 40 data bytes'));
    const reg = (i: number) => res.readUInt16BE(3 + 2 * i);
    const u32 = (i: number) => reg(i) * 65536 + reg(i + 1);
    const status = reg(0);
    expect([3, 4, 7, 8, 9].reduce((m, b) => m | (1 << b), 0)).toBe(status);
    expect(res.readInt16BE(3 + 2)).toBe(3); // floor
    expect(reg(3)).toBe(1); // normal
    expect(u32(0x0a)).toBe(100000);
    expect(u32(0x0c)).toBe(5230);
    expect(u32(0x0e)).toBe(200000);
    expect(u32(0x10)).toBe(41250);
    expect(res.readInt16BE(3 + 2 * 0x12) / 10).toBe(31.2);
    expect(reg(0x13)).toBe(4711);
  });
});

describe('docs/journal.md', () => {
  const text = doc('journal.md');

  it('lists exactly the record kinds the store accepts', () => {
    const section = text.slice(text.indexOf('## 2. Record kinds'), text.indexOf('### Anomaly codes'));
    const listed = [...section.matchAll(/^\| `([a-z]+(?:\.[a-z]+)+)` \|/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...RECORD_KINDS].sort());
  });

  it('the example record is canonical (JCS) and its leaf hash is right', () => {
    const line = blockAfter(text, 'exact record bytes, one line').trim();
    expect(canonicalize(JSON.parse(line))).toBe(line);
    const leaf = createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(line, 'utf8')])).digest('hex');
    expect(text).toContain(leaf);
  });

  it('the example checkpoint is a correctly signed C2SP note', () => {
    const note = blockAfter(text, 'signed note](https://c2sp.org/signed-note):');
    const [body, sigs] = note.split('\n\n') as [string, string];
    const lines = body.split('\n');
    expect(lines[0]).toBe('sealift/village-07');
    expect(lines[1]).toMatch(/^[1-9][0-9]*$/);
    expect(Buffer.from(lines[2]!, 'base64').length).toBe(32);
    const vkey = /`(sealift\/village-07\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+)`/.exec(text)![1]!;
    // name+keyid+key: split on the first two '+' only (base64 may contain '+')
    const [, name, keyIdHex, keyB64] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(vkey)! as unknown as [string, string, string, string];
    const raw = Buffer.from(keyB64, 'base64');
    expect(raw[0]).toBe(0x01); // Ed25519
    const pub = raw.subarray(1);
    const keyId = createHash('sha256')
      .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([0x01]), pub]))
      .digest()
      .subarray(0, 4);
    expect(keyId.toString('hex')).toBe(keyIdHex);
    const m = /^— (\S+) (\S+)$/.exec(sigs.trim())!;
    expect(m[1]).toBe(name);
    const sig = Buffer.from(m[2]!, 'base64');
    expect(sig.subarray(0, 4)).toEqual(keyId);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]);
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from(`${body}\n`), key, sig.subarray(4))).toBe(true);
  });
});

describe('docs links', () => {
  const slug = (h: string) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
  const anchors = (file: string) =>
    new Set([...readFileSync(file, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));

  it.each(DOCS)('%s: relative links and anchors resolve', (name) => {
    const file = join(ROOT, 'docs', name);
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // external
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const dest = path === '' ? file : resolve(dirname(file), path);
      expect(existsSync(dest), `${name}: broken link ${target}`).toBe(true);
      if (anchor) expect(anchors(dest).has(anchor), `${name}: no anchor #${anchor} in ${path || name}`).toBe(true);
    }
  });

  it('docs/sealift.service is the unit operations.md describes', () => {
    const unit = doc('sealift.service');
    expect(unit).toMatch(/^Type=simple$/m);
    expect(unit).toMatch(
      /^ExecStart=\/usr\/bin\/node --max-semi-space-size=2 --heap-growing-percent=20 \/opt\/sealift\/bin\/sealift\.js gateway --config \/etc\/sealift\/sealift\.yaml --data \/var\/lib\/sealift$/m,
    );
    for (const l of ['User=sealift', 'SupplementaryGroups=dialout', 'Restart=always', 'KillSignal=SIGTERM', 'TimeoutStopSec=30'])
      expect(unit).toMatch(new RegExp(`^${l}$`, 'm'));
    // options that would hide /dev/tty* from the service
    for (const bad of ['PrivateDevices=yes', 'PrivateDevices=true', 'DevicePolicy=closed', 'DevicePolicy=strict', 'ProtectClock=', 'DeviceAllow='])
      expect(unit.split('\n').filter((l) => !l.startsWith('#')).join('\n')).not.toContain(bad);
  });
});

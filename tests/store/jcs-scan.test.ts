import { describe, expect, it } from 'vitest';
import canonicalizeModule from 'canonicalize';
import { scanCanonicalRecord } from '../../src/store/jcs-scan.js';

const canonicalize = canonicalizeModule as unknown as (v: unknown) => string;
const scan = (s: string | Buffer) => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return scanCanonicalRecord(b, 0, b.length);
};
/** The authority: parse, re-canonicalize, compare bytes. */
const slowCanonical = (b: Buffer): boolean => {
  try {
    return canonicalize(JSON.parse(b.toString('utf8'))) === b.toString('utf8');
  } catch {
    return false;
  }
};

// Deterministic PRNG so failures reproduce.
let seed = 12345;
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const CHARS = ['a', 'b', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0001', '\u001f', '\u007f', 'é', '中', '\u2028', '\ue000', '\uffff', '😀', '\u0000'];
const str = (): string => Array.from({ length: rnd(6) }, () => CHARS[rnd(CHARS.length)]).join('');
const num = (): number => [0, 1, -1, 7, 42, 1e21, 1e-7, 0.5, -2.25, 123456789012345, 2 ** 53, 1234567890123456, 5e-324, 1.7976931348623157e308][rnd(14)]!;
function value(depth: number): unknown {
  switch (depth > 3 ? rnd(4) : rnd(6)) {
    case 0:
      return str();
    case 1:
      return num();
    case 2:
      return [true, false, null][rnd(3)];
    case 3:
      return rnd(2) ? 'plain' : rnd(1000);
    case 4:
      return Array.from({ length: rnd(4) }, () => value(depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rnd(5); i > 0; i--) o[rnd(3) ? `k${rnd(20)}` : str()] = value(depth + 1);
      return o;
    }
  }
}
const record = (i: number) => ({ v: 1, gw: 'gw-1', seq: i, ts: 1_700_000_000_000 + i, kind: 'seal.stamp', subject: rnd(2) ? 's' : str(), data: value(0) ?? {} });

describe('canonical scanner', () => {
  it('accepts canonical records and reads their top-level fields', () => {
    const t = canonicalize({ v: 1, gw: 'g', seq: 5, ts: 1700000000000, kind: 'seal.stamp', subject: 'a"b', data: { x: [1, 2.5, -3, 'é'] } });
    expect(scan(t)).toEqual({ v: 1, gw: 'g', seq: 5, ts: 1700000000000, kind: 'seal.stamp', subject: 'a"b', dataIsObject: true });
  });

  it.each([
    ['whitespace', '{"a": 1}'],
    ['key order', '{"b":1,"a":2}'],
    ['duplicate key', '{"a":1,"a":2}'],
    ['1.0', '{"a":1.0}'],
    ['1e21 spelled 1e21', '{"a":1e21}'],
    ['-0', '{"a":-0}'],
    ['leading zero', '{"a":01}'],
    ['escaped slash', '{"a":"\\/"}'],
    ['needless \\u', '{"a":"\\u0041"}'],
    ['\\u000a instead of \\n', '{"a":"\\u000a"}'],
    ['uppercase hex', '{"a":"\\u001F"}'],
    ['raw control', '{"a":"\u0001"}'],
    ['trailing bytes', '{"a":1} '],
    ['trailing comma', '{"a":1,}'],
    ['truncated', '{"a":"x'],
    ['big integer', '{"a":12345678901234567890}'],
  ])('rejects %s', (_name, text) => {
    expect(scan(text)).toBeUndefined();
    expect(slowCanonical(Buffer.from(text))).toBe(false);
  });

  it('rejects a top level that is not an object', () => expect(scan('[1]')).toBeUndefined());

  it('agrees with parse + canonicalize on 3000 random records and 30000 mutations of them', () => {
    const alphabet = Buffer.from(' ",:{}[]\\0123456789-+.eEu/abntfr');
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const good = Buffer.from(canonicalize(record(i)));
      const r = scan(good);
      // Only keys with escapes or chars at/above U+E000 may send a canonical text to the slow path.
      if (!r) expect(/"(?:[^"\\]|\\.)*(?:\\|[\ue000-\uffff]|[\ud800-\udfff])(?:[^"\\]|\\.)*":/.test(good.toString())).toBe(true);
      for (let m = 0; m < 10; m++) {
        const b = Buffer.from(good);
        const at = rnd(b.length);
        const mutated =
          m % 3 === 0
            ? Buffer.concat([b.subarray(0, at), b.subarray(at + 1)])
            : m % 3 === 1
              ? Buffer.concat([b.subarray(0, at), alphabet.subarray(rnd(alphabet.length)).subarray(0, 1), b.subarray(at)])
              : (((b[at] = alphabet[rnd(alphabet.length)]!), b));
        if (!mutated.toString('utf8').includes('\ufffd') && scan(mutated)) {
          accepted++;
          expect(slowCanonical(mutated), mutated.toString()).toBe(true);
        }
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });
});

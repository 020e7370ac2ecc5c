/**
 * A one-pass check that bytes are already in RFC 8785 (JCS) canonical form, without building the
 * value: verify's hot path (JSON.parse + re-serialization costs several times a SHA-256 of the row).
 *
 * Conservative by design: it returns the record's top-level fields only when the bytes are
 * certainly canonical, and `undefined` whenever they are not *or* it cannot tell cheaply (escaped
 * or U+E000+ characters in keys, deep nesting). Callers then take the slow, authoritative path
 * (parse + canonicalize) — so this can never raise a false alarm, only skip work.
 * Input must be valid UTF-8 (checked by the caller).
 */

export interface TopFields {
  v?: number;
  seq?: number;
  ts?: number;
  gw?: string;
  kind?: string;
  subject?: string;
  /** The top-level `data` member is an object. */
  dataIsObject: boolean;
}

const Q = 0x22;
const BS = 0x5c;
const MAX_DEPTH = 32;

// Module state instead of closures: no allocation per call.
let buf: Buffer = Buffer.alloc(0);
let pos = 0;
let lim = 0;
/** The last string scanned had an escape or a byte ≥ 0xEE (a char U+E000 and above). */
let strUnusual = false;
let lastNumber = 0;

export function scanCanonicalRecord(b: Buffer, start: number, end: number): TopFields | undefined {
  buf = b;
  pos = start;
  lim = end;
  const top: TopFields = { dataIsObject: false };
  const ok = scanObject(0, top) && pos === lim;
  buf = EMPTY; // do not keep the chunk alive
  return ok ? top : undefined;
}
const EMPTY = Buffer.alloc(0);

function scanString(): boolean {
  pos++; // opening quote
  strUnusual = false;
  while (pos < lim) {
    const c = buf[pos]!;
    if (c === Q) {
      pos++;
      return true;
    }
    if (c < 0x20) return false; // raw control character: JCS escapes it
    if (c === BS) {
      strUnusual = true;
      const e = buf[pos + 1];
      // \" \\ \b \f \n \r \t are the only short escapes JCS writes (never \/)
      if (e === Q || e === BS || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        pos += 2;
        continue;
      }
      // \u00XX (lowercase hex) only for the other control characters
      if (e !== 0x75 || buf[pos + 2] !== 0x30 || buf[pos + 3] !== 0x30) return false;
      const h1 = buf[pos + 4]!;
      const h2 = buf[pos + 5]!;
      const lo = h2 >= 0x30 && h2 <= 0x39 ? h2 - 0x30 : h2 >= 0x61 && h2 <= 0x66 ? h2 - 0x57 : -1;
      if ((h1 !== 0x30 && h1 !== 0x31) || lo < 0) return false;
      const code = (h1 - 0x30) * 16 + lo;
      if (code === 8 || code === 9 || code === 10 || code === 12 || code === 13) return false;
      pos += 6;
      continue;
    }
    if (c >= 0xee) strUnusual = true;
    pos++;
  }
  return false;
}

function scanNumber(): boolean {
  const s = pos;
  let digitsOnly = true;
  let n = 0;
  while (pos < lim) {
    const c = buf[pos]!;
    if (c >= 0x30 && c <= 0x39) {
      n = n * 10 + (c - 0x30);
      pos++;
    } else if (c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45) {
      digitsOnly = false;
      pos++;
    } else break;
  }
  // Common case, decided without making a string: a plain non-negative integer of at most 15
  // digits (exact in a double) is canonical unless it has a leading zero.
  const len = pos - s;
  if (digitsOnly && len > 0 && len <= 15) {
    if (len > 1 && buf[s] === 0x30) return false;
    lastNumber = n;
    return true;
  }
  return scanNumberSlow(s);
}

function scanNumberSlow(s: number): boolean {
  const tok = buf.toString('latin1', s, pos);
  const n = Number(tok);
  // ES Number-to-string is exactly JCS's number form; it also rejects -0, 1.0, 1e21, 01, 1E5 …
  if (tok === '' || String(n) !== tok) return false;
  lastNumber = n;
  return true;
}

function literal(word: string): boolean {
  for (let k = 0; k < word.length; k++) if (buf[pos + k] !== word.charCodeAt(k)) return false;
  pos += word.length;
  return true;
}

function scanValue(depth: number): boolean {
  const c = buf[pos];
  if (c === 0x7b) return scanObject(depth, undefined);
  if (c === 0x5b) return scanArray(depth);
  if (c === Q) return scanString();
  if (c === 0x74) return literal('true');
  if (c === 0x66) return literal('false');
  if (c === 0x6e) return literal('null');
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return scanNumber();
  return false;
}

function scanArray(depth: number): boolean {
  if (depth >= MAX_DEPTH) return false;
  pos++;
  if (buf[pos] === 0x5d) {
    pos++;
    return true;
  }
  for (;;) {
    if (!scanValue(depth + 1)) return false;
    const c = buf[pos++];
    if (c === 0x5d) return true;
    if (c !== 0x2c) return false;
  }
}

function scanObject(depth: number, top: TopFields | undefined): boolean {
  if (depth >= MAX_DEPTH || buf[pos] !== 0x7b) return false;
  pos++;
  if (buf[pos] === 0x7d) {
    pos++;
    return true;
  }
  let prevStart = -1;
  let prevEnd = -1;
  for (;;) {
    if (buf[pos] !== Q) return false;
    const ks = pos + 1;
    if (!scanString()) return false;
    const ke = pos - 1;
    // Plain keys (no escapes, nothing at or above U+E000): UTF-8 byte order equals the UTF-16
    // code-unit order JCS sorts by. Anything else: let the slow path decide.
    if (strUnusual) return false;
    if (prevStart >= 0 && !bytesLess(prevStart, prevEnd, ks, ke)) return false; // keys must strictly increase
    prevStart = ks;
    prevEnd = ke;
    if (buf[pos++] !== 0x3a) return false;
    if (top) {
      if (!scanTopMember(depth, top, topKey(ks, ke))) return false;
    } else if (!scanValue(depth + 1)) return false;
    const c = buf[pos++];
    if (c === 0x7d) return true;
    if (c !== 0x2c) return false;
  }
}

/** buf[a0:a1] < buf[b0:b1] bytewise (keys are short: a JS loop beats a native call). */
function bytesLess(a0: number, a1: number, b0: number, b1: number): boolean {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let k = 0; k < n; k++) {
    const d = buf[a0 + k]! - buf[b0 + k]!;
    if (d !== 0) return d < 0;
  }
  return a1 - a0 < b1 - b0;
}

const TOP_KEYS = ['v', 'seq', 'ts', 'gw', 'kind', 'subject', 'data'] as const;
type TopKey = (typeof TOP_KEYS)[number];

/** Which of the record's fields the key buf[ks:ke] names, if any, without making a string. */
function topKey(ks: number, ke: number): TopKey | undefined {
  const len = ke - ks;
  outer: for (const k of TOP_KEYS) {
    if (k.length !== len) continue;
    for (let i = 0; i < len; i++) if (buf[ks + i] !== k.charCodeAt(i)) continue outer;
    return k;
  }
  return undefined;
}

function scanTopMember(depth: number, top: TopFields, key: TopKey | undefined): boolean {
  const s = pos;
  const first = buf[pos];
  if (!scanValue(depth + 1)) return false;
  switch (key) {
    case 'v':
    case 'seq':
    case 'ts':
      if (first === Q || first === 0x7b || first === 0x5b || first === 0x74 || first === 0x66 || first === 0x6e) return true; // not a number: left undefined
      top[key] = lastNumber;
      return true;
    case 'gw':
    case 'kind':
    case 'subject':
      if (first === Q) top[key] = strUnusual ? (JSON.parse(buf.toString('utf8', s, pos)) as string) : buf.toString('utf8', s + 1, pos - 1);
      return true;
    case 'data':
      top.dataIsObject = first === 0x7b;
      return true;
    default:
      return true;
  }
}

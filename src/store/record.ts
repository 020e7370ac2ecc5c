/**
 * Journal record encoding (DESIGN §5.6): RFC 8785 JCS bytes of
 * `{v:1, gw, seq, ts, kind, subject, actor?, dev?, data}`, and the checks used on input and by verify.
 */
import canonicalizeModule from 'canonicalize';
import { isRecordKind } from '../core/kinds.js';
import type { TopFields } from './jcs-scan.js';
import type { AppendInput, DevRef, JournalRecord } from './types.js';

// canonicalize is CommonJS (module.exports = fn) but its typings declare an ES default export.
type Canonicalize = (value: unknown) => string | undefined;
const canonicalize: Canonicalize =
  typeof canonicalizeModule === 'function' ? (canonicalizeModule as Canonicalize) : (canonicalizeModule as unknown as { default: Canonicalize }).default;

const MAX_DEPTH = 32;
const SURROGATE = /\p{Cs}/u; // with the u flag only *lone* surrogates match

/** A bad append: carries the field path in its message. */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordError';
  }
}

/**
 * JCS of a JSON value, refusing anything JSON cannot carry faithfully (non-finite numbers, bigint,
 * functions, Dates and other class instances, undefined inside arrays, lone surrogates, cycles)
 * with the path of the offending field. Undefined object members are omitted, as JSON.stringify does.
 * Equal to `canonicalize(value)` for every value it accepts (tests check this).
 */
export function canonicalJson(value: unknown, path = 'data', depth = 0): string {
  switch (typeof value) {
    case 'string':
      if (SURROGATE.test(value)) throw new RecordError(`${path}: string contains a lone surrogate (not valid Unicode)`);
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new RecordError(`${path}: ${value} is not a finite number (JSON has no NaN/Infinity)`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) throw new RecordError(`${path}: nested deeper than ${MAX_DEPTH} levels (or circular)`);
      if (Array.isArray(value)) {
        let s = '[';
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) throw new RecordError(`${path}[${i}]: undefined is not JSON`);
          s += (i ? ',' : '') + canonicalJson(value[i], `${path}[${i}]`, depth + 1);
        }
        return s + ']';
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        throw new RecordError(`${path}: a ${name} is not plain JSON (store epoch ms, strings or plain objects)`);
      }
      const obj = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, which is exactly JCS's key order.
      const keys = Object.keys(obj).sort();
      let s = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        if (SURROGATE.test(k)) throw new RecordError(`${path}: key ${JSON.stringify(k)} contains a lone surrogate`);
        s += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v, `${path}.${k}`, depth + 1);
        first = false;
      }
      return s + '}';
    }
    default:
      throw new RecordError(`${path}: a ${typeof value} is not JSON`);
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null);

/** An append checked and partly encoded ahead of the commit, so a bad one never reaches a batch. */
export interface PreparedInput {
  kind: AppendInput['kind'];
  subject: string;
  actor: string | undefined;
  dev: DevRef | undefined;
  ts: number;
  /** JCS of data */
  data: string;
}

export function prepareInput(input: AppendInput, now: number): PreparedInput {
  if (!isPlainObject(input)) throw new RecordError('append: input must be an object');
  const { kind, subject, actor, dev, data } = input;
  if (typeof kind !== 'string' || !isRecordKind(kind)) throw new RecordError(`kind: ${JSON.stringify(kind)} is not a journal record kind`);
  if (typeof subject !== 'string' || subject === '') throw new RecordError('subject: must be a non-empty string');
  if (actor !== undefined && (typeof actor !== 'string' || actor === '')) throw new RecordError('actor: must be a non-empty string when given');
  const ts = input.ts ?? now;
  if (!Number.isSafeInteger(ts) || ts < 0) throw new RecordError(`ts: ${ts} is not UTC epoch milliseconds`);
  if (!isPlainObject(data)) throw new RecordError('data: must be a JSON object');
  let devRef: DevRef | undefined;
  if (dev !== undefined) {
    if (!isPlainObject(dev)) throw new RecordError('dev: must be {id, boot, seq, time}');
    if (typeof dev.id !== 'string' || dev.id === '') throw new RecordError('dev.id: must be a non-empty string');
    for (const f of ['boot', 'seq', 'time'] as const) {
      if (!Number.isSafeInteger(dev[f]) || (f !== 'time' && dev[f] < 0)) throw new RecordError(`dev.${f}: ${String(dev[f])} is not a valid integer`);
    }
    devRef = { id: dev.id, boot: dev.boot, seq: dev.seq, time: dev.time };
  }
  const strings = [subject, actor, devRef?.id].filter((s): s is string => s !== undefined);
  if (strings.some((s) => SURROGATE.test(s))) throw new RecordError('subject/actor/dev.id: contains a lone surrogate');
  return { kind, subject, actor, dev: devRef, ts, data: canonicalJson(data) };
}

/**
 * The record's JCS bytes, composed directly: the top-level keys are fixed and already in JCS
 * order (actor < data < dev < gw < kind < seq < subject < ts < v), and `data` is canonical.
 */
export function encodeRecord(p: PreparedInput, gw: string, seq: number): string {
  let s = '{';
  if (p.actor !== undefined) s += `"actor":${JSON.stringify(p.actor)},`;
  s += `"data":${p.data}`;
  if (p.dev) s += `,"dev":{"boot":${p.dev.boot},"id":${JSON.stringify(p.dev.id)},"seq":${p.dev.seq},"time":${p.dev.time}}`;
  s += `,"gw":${JSON.stringify(gw)},"kind":${JSON.stringify(p.kind)},"seq":${seq},"subject":${JSON.stringify(p.subject)},"ts":${p.ts},"v":1}`;
  return s;
}

/** The record object as stored (what projections see, live and on rebuild alike). */
export function toRecord(p: PreparedInput, gw: string, seq: number, data: Record<string, unknown>): JournalRecord {
  const rec: JournalRecord = { v: 1, gw, seq, ts: p.ts, kind: p.kind, subject: p.subject, data };
  if (p.actor !== undefined) rec.actor = p.actor;
  if (p.dev) rec.dev = { ...p.dev };
  return rec;
}

/**
 * True when `text` is exactly the JCS form of `value` (= JSON.parse(text)). Fast path: native
 * JSON.stringify reproduces JCS for strings and numbers, so if it reproduces the text and every
 * object's keys are in sorted order, the text is canonical. Otherwise (e.g. integer-like keys,
 * which JS enumerates first) fall back to the full canonicalizer.
 */
export function isCanonical(text: string, value: unknown): boolean {
  if (JSON.stringify(value) === text && keysSorted(value, 0)) return true;
  try {
    return canonicalize(value) === text;
  } catch {
    return false;
  }
}

function keysSorted(v: unknown, depth: number): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (!keysSorted(x, depth + 1)) return false;
    return true;
  }
  let prev: string | undefined;
  for (const k in v) {
    if (prev !== undefined && !(prev < k)) return false;
    prev = k;
    if (!keysSorted((v as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

/** Shape check of a parsed record (verify, rebuild). Returns a reason, or undefined when fine. */
export function recordProblem(rec: unknown): string | undefined {
  if (!isPlainObject(rec)) return 'not a JSON object';
  return fieldsProblem({ ...(rec as Partial<TopFields>), dataIsObject: isPlainObject(rec.data) });
}

/** The same check on the top-level fields found by the canonical scanner. */
export function fieldsProblem(f: { [K in keyof TopFields]?: unknown }): string | undefined {
  if (f.v !== 1) return `unknown record version ${JSON.stringify(f.v)}`;
  if (typeof f.gw !== 'string') return 'no gw';
  if (!Number.isSafeInteger(f.seq)) return 'no seq';
  if (!Number.isSafeInteger(f.ts)) return 'no ts';
  if (typeof f.kind !== 'string' || !isRecordKind(f.kind)) return `unknown kind ${JSON.stringify(f.kind)}`;
  if (typeof f.subject !== 'string') return 'no subject';
  if (!f.dataIsObject) return 'data is not an object';
  return undefined;
}

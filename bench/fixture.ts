/**
 * A realistic journal for the benchmarks that need a big one (verify, upstream drain, inspector
 * query): `n` records over two years of a township's seals and lifts, appended through the real
 * Journal with the seal projection registered, so the seal tables hold what the projection derives.
 *
 * The mix, per stamp request: request → decision (1 in 10 rejected) → grant → acknowledgement → 1–5
 * stamps (each with its photo record; 1 in 8 out of hours; 1 in 20 with an anomaly) → completion; in
 * between, sleeves' status reports and fingerprint checks and lifts' faults, mode changes and camera
 * events. About a third of all records are stamps — far more than a real site (a stress test for
 * the stamp search).
 *
 * One fixture per size per run (the benchmarks share it); removed at exit.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Journal } from '../src/store/journal.js';
import { loadOrCreateKey, type NoteSigner } from '../src/store/keys.js';
import { sealProjection } from '../src/seal/projection.js';
import { MATTER_TYPES, ANOMALY_CODES } from '../src/seal/model.js';
import type { AppendInput } from '../src/store/types.js';
import { now, tmp } from './lib.js';
import { seededRandom } from '../sim/random.js';

export interface Fixture {
  dir: string;
  dbPath: string;
  key: NoteSigner;
  gw: string;
  size: number;
  seals: string[];
  keepers: string[];
  approvers: string[];
  /** Gateway time of the first and last record. */
  from: number;
  to: number;
  /** Seconds it took to write. */
  buildSecs: number;
}

export const SEALS = Array.from({ length: 16 }, (_, i) => `seal-${String(i + 1).padStart(2, '0')}`);
export const KEEPERS = Array.from({ length: 10 }, (_, i) => `keeper${i + 1}`);
export const APPROVERS = ['shuji', 'zhuren', 'zhenli', 'fuzhen'];
const LIFTS = Array.from({ length: 24 }, (_, i) => `lift-${String(i + 1).padStart(2, '0')}`);
const FAULTS = ['LIFT_DOOR_CLOSE_FAULT', 'LIFT_TRAPPED', 'LIFT_POWER_LOSS', 'LIFT_ALARM_BUTTON', 'LIFT_LONG_DOOR_OPEN'];
const STAMP_ANOMALIES = ANOMALY_CODES.filter((c) => c.startsWith('STAMP_') || c === 'COUNTER_JUMP' || c === 'SEQ_GAP');
const START = Date.UTC(2024, 0, 1);
const SPAN = 2 * 365 * 86_400_000;

const cache = new Map<number, Promise<Fixture>>();

export function fixture(n: number): Promise<Fixture> {
  let f = cache.get(n);
  if (!f) cache.set(n, (f = build(n)));
  return f;
}


async function build(n: number): Promise<Fixture> {
  const t0 = now();
  const t = tmp('sealift-bench-fixture-');
  process.once('exit', t.cleanup);
  const gw = 'bench';
  const key = loadOrCreateKey(t.dir, `sealift/${gw}`);
  const dbPath = join(t.dir, 'sealift.db');
  const journal = Journal.open({ path: dbPath, gw, key, groupCommitMs: 0, maxBatch: 5000, maxPending: 1e7 });
  journal.registerProjection(sealProjection);
  const rand = seededRandom(20240101);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const step = SPAN / n;
  let ts = START;
  const devSeq = new Map<string, number>();
  const counters = new Map<string, number>();
  const dev = (id: string) => {
    const seq = (devSeq.get(id) ?? 0) + 1;
    devSeq.set(id, seq);
    return { id, boot: 1, seq, time: Math.round(ts) };
  };
  let req = 0;
  let pending: Promise<unknown>[] = [];
  let written = 0;
  const add = (input: Omit<AppendInput, 'ts'>): void => {
    ts += step * (0.5 + rand());
    pending.push(journal.append({ ...input, ts: Math.round(ts) } as AppendInput));
    written++;
  };
  const flush = async () => {
    await Promise.all(pending);
    pending = [];
  };

  while (written < n) {
    const r = rand();
    if (r < 0.5) {
      // one stamp request, start to end
      const id = `R${String(++req).padStart(7, '0')}`;
      const seal = pick(SEALS);
      const keeper = pick(KEEPERS);
      const approver = pick(APPROVERS);
      const count = 1 + Math.floor(rand() * 5);
      const nb = Math.round(ts);
      const na = nb + 4 * 3600_000;
      const matter = pick(MATTER_TYPES);
      add({ kind: 'seal.request', subject: id, actor: keeper, data: { request: id, seal, matter, title: `${matter} ${req}`, count, notBefore: nb, notAfter: na } });
      if (rand() < 0.1) {
        add({ kind: 'seal.decision', subject: id, actor: approver, data: { decision: 'reject', request: id, seal, reason: '材料不全' } });
        continue;
      }
      add({ kind: 'seal.decision', subject: id, actor: approver, data: { decision: 'approve', request: id, seal } });
      const grant = `G${id.slice(1)}`;
      add({ kind: 'seal.grant', subject: id, actor: approver, data: { grant, request: id, seal, uses: count, notBefore: nb, notAfter: na } });
      add({ kind: 'seal.grant.acked', subject: id, data: { grant, request: id, seal, tries: 1 } });
      for (let k = 1; k <= count; k++) {
        const counter = (counters.get(seal) ?? 0) + 1;
        counters.set(seal, counter);
        const d = dev(seal);
        const stamp = `${seal}:1:${d.seq}`;
        const photo = createHash('sha256').update(stamp).digest('hex');
        add({
          kind: 'seal.stamp',
          subject: seal,
          dev: d,
          data: { stamp, seal, grant, request: id, n: k, counter, photo, impression: true, decisionTime: Math.round(ts), timeBasis: 'gateway', outOfHours: rand() < 0.125, counted: true },
        });
        add({ kind: 'seal.photo', subject: seal, data: { sha256: photo, bytes: 150_000 + Math.floor(rand() * 100_000), stamp } });
        if (rand() < 0.05) add({ kind: 'seal.anomaly', subject: seal, data: { code: pick(STAMP_ANOMALIES), seal, request: id, grant, stamp } });
      }
      add({ kind: 'seal.complete', subject: id, data: { request: id, grant, seal, stamps: count, uses: count } });
    } else if (r < 0.8) {
      const seal = pick(SEALS);
      if (rand() < 0.75) add({ kind: 'device.status', subject: seal, dev: dev(seal), data: { profile: 'seal-mqtt', channel: 'status', battery: 60 + Math.floor(rand() * 40), locked: true, sleeveClosed: true, sealPresent: true } });
      else add({ kind: 'seal.auth', subject: seal, dev: dev(seal), data: { seal, operator: 1 + Math.floor(rand() * 5), ok: rand() < 0.95 } });
    } else {
      const lift = pick(LIFTS);
      const x = rand();
      if (x < 0.4) {
        const faultId = `F${Math.round(ts)}-${Math.floor(rand() * 1000)}`;
        const code = pick(FAULTS);
        add({ kind: 'lift.fault.raise', subject: lift, data: { faultId, code, gb: null, severity: 'major', source: 'modbus', reading: null, detail: {} } });
        add({ kind: 'lift.fault.clear', subject: lift, data: { faultId, code, durationMs: 30_000 } });
      } else if (x < 0.7) add({ kind: 'lift.mode', subject: lift, data: { mode: rand() < 0.5 ? 'normal' : 'inspection', prev: 'normal', profile: 'lift-modbus' } });
      else add({ kind: 'lift.event', subject: lift, dev: dev(lift), data: { kind: rand() < 0.5 ? 'ebike' : 'crowding', profile: 'lift-kit-mqtt' } });
    }
    if (pending.length >= 5000) {
      await flush();
      if (written % 100_000 < 5000) journal.checkpoint('fixture');
    }
  }
  await flush();
  journal.checkpoint('fixture');
  const size = journal.size;
  await journal.close();
  return {
    dir: t.dir,
    dbPath,
    key,
    gw,
    size,
    seals: SEALS,
    keepers: KEEPERS,
    approvers: APPROVERS,
    from: START,
    to: Math.round(ts),
    buildSecs: (now() - t0) / 1000,
  };
}

/**
 * Bad things on the line: corrupt frames, noise, exceptions, answers arriving after their timeout.
 * Counted per slave, never a reading with wrong values, never a crash.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { encodeException, encodeReadResponse, decodeRequest } from '../../devices/codec/modbus-rtu.js';
import { seededRandom } from '../../sim/lift/model.js';
import { ModbusBus, type SlaveStats } from '../../src/transport/modbus/bus.js';
import type { ModbusLink } from '../../src/transport/modbus/link.js';
import { rig, sleep, waitFor, type Rig } from './helpers.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

/** 20 arbitrary uint16 registers per slave, so a reading can be checked exactly. */
function registersOf(slave: number): number[] {
  const rand = seededRandom(slave * 7919);
  return Array.from({ length: 20 }, () => Math.floor(rand() * 0x10000));
}

const accounted = (s: SlaveStats): number => s.ok + s.timeouts + s.crcErrors + s.exceptions;

describe('ModbusBus on a noisy line (real pty)', () => {
  it('counts CRC errors, garbage, exceptions and late answers per slave and never yields wrong registers', async () => {
    const CRC = 1;
    const NOISY = 2;
    const EXC = 3;
    const GOOD = 4;
    const LATE = 5;
    const ALWAYS_CRC = 6;
    const registry = new Registry();
    r = await rig({
      slaves: [
        { id: CRC, crcErrorRate: 0.3 },
        { id: NOISY, garbageRate: 0.6 },
        { id: EXC, exception: 0x04 },
        { id: GOOD },
        { id: LATE, slowMs: 250 }, // its answers land in the next slaves' transactions
        { id: ALWAYS_CRC, crcErrorRate: 1 },
      ].map((s) => ({ ...s, registers: () => registersOf(s.id) })),
      sim: { seed: 42 },
      bus: { baud: 19200, cycleMs: 0, probeMs: 300, registry },
    });
    await waitFor(() => r!.cycles() >= 10, 15_000, '10 cycles');
    await r.bus.stop(); // freeze the counters
    const st = r.bus.stats();
    const by = (id: number): SlaveStats => st.slaves.find((s) => s.slave === id)!;
    const sim = (id: number) => r!.sim.stats().find((s) => s.id === id)!;

    // never a reading with wrong values
    const readings = r.events.filter((e) => e.type === 'reading');
    expect(readings.length).toBeGreaterThan(0);
    for (const e of readings) expect(e.registers, `slave ${e.slave}`).toEqual(registersOf(e.slave));
    // every request has exactly one outcome
    for (const s of st.slaves) expect(accounted(s), `slave ${s.slave}`).toBe(s.requests);

    // CRC: counted, retried, most polls still succeed
    expect(by(CRC).crcErrors).toBeGreaterThan(0);
    expect(by(CRC).crcErrors).toBeLessThanOrEqual(sim(CRC).corrupted);
    expect(by(CRC).ok).toBeGreaterThan(by(CRC).crcErrors);
    // always corrupt: every poll a 'crc' miss, never a reading, but it stays in the cycle (it is alive)
    expect(r.readings(ALWAYS_CRC)).toEqual([]);
    expect(by(ALWAYS_CRC)).toMatchObject({ ok: 0, mode: 'poll', timeouts: 0 });
    expect(by(ALWAYS_CRC).crcErrors).toBe(by(ALWAYS_CRC).requests);
    const crcMisses = r.misses(ALWAYS_CRC);
    expect(crcMisses.every((m) => m.kind === 'crc')).toBe(true);
    expect(crcMisses.map((m) => m.consecutive)).toEqual(crcMisses.map((_, i) => i + 1));

    // noise is counted and skipped; the noisy slave is read every cycle anyway
    expect(sim(NOISY).garbageBursts).toBeGreaterThan(0);
    expect(st.garbageBytes).toBeGreaterThan(0);
    expect(r.misses(NOISY)).toEqual([]);

    // exceptions: one per request, not retried, counted, reported with consecutive counts
    const exc = by(EXC);
    expect(exc).toMatchObject({ ok: 0, timeouts: 0, crcErrors: 0, lastException: 0x04, mode: 'poll' });
    expect(exc.exceptions).toBe(exc.requests);
    expect(exc.exceptions).toBeGreaterThanOrEqual(10);
    const excMisses = r.misses(EXC);
    expect(excMisses).toHaveLength(exc.exceptions);
    expect(excMisses.every((m) => m.kind === 'exception')).toBe(true);
    expect(excMisses.slice(0, 3).map((m) => m.consecutive)).toEqual([1, 2, 3]);

    // the clean slave is untouched by all this
    expect(by(GOOD)).toMatchObject({ timeouts: 0, crcErrors: 0, exceptions: 0, consecutiveMisses: 0 });
    expect(r.misses(GOOD)).toEqual([]);

    // the late slave times out (and moves to probing); its late answers were skipped as garbage
    expect(by(LATE).timeouts).toBeGreaterThanOrEqual(3);

    // per-slave counters in Prometheus
    const m = await registry.getSingleMetric('sealift_modbus_requests_total')!.get();
    const value = (slave: number, result: string): number =>
      m.values.find((v) => v.labels.slave === String(slave) && v.labels.result === result)?.value ?? 0;
    expect(value(EXC, 'exception')).toBe(exc.exceptions);
    expect(value(CRC, 'crc')).toBe(by(CRC).crcErrors);
    expect(value(LATE, 'timeout')).toBe(by(LATE).timeouts);
    const garbage = await registry.getSingleMetric('sealift_modbus_garbage_bytes_total')!.get();
    expect(garbage.values[0]?.value).toBe(st.garbageBytes);
  });
});

/**
 * An in-memory link that answers each request with a random mix of noise, corrupt frames, frames
 * for other slaves, exceptions, the right frame, split into random chunks — or nothing.
 */
class FuzzLink extends EventEmitter implements ModbusLink {
  isOpen = false;
  private readonly rand = seededRandom(2024);
  validSent = 0;
  private writes = 0;
  start(): void {
    this.isOpen = true;
    setImmediate(() => this.emit('open'));
  }
  async stop(): Promise<void> {
    this.isOpen = false;
  }
  write(data: Uint8Array): boolean {
    const req = decodeRequest(data);
    if (!req) throw new Error('the bus wrote something that is not a request');
    const rnd = this.rand;
    const parts: Buffer[] = [];
    const noise = (): Buffer => Buffer.from(Array.from({ length: Math.floor(rnd() * 30) }, () => Math.floor(rnd() * 256)));
    for (let i = Math.floor(rnd() * 4); i > 0; i--) {
      const pick = rnd();
      if (pick < 0.3) parts.push(noise());
      else if (pick < 0.5) {
        const bad = encodeReadResponse(req.slave, registersOf(req.slave).map((v) => v ^ 1)); // wrong values…
        bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff; // …that the CRC gives away
        parts.push(bad);
      } else if (pick < 0.7) {
        const other = 1 + ((req.slave + Math.floor(rnd() * 5)) % 247);
        if (other !== req.slave) parts.push(encodeReadResponse(other, registersOf(other).map((v) => v ^ 0xffff)));
      } else if (pick < 0.75) parts.push(encodeReadResponse(req.slave, registersOf(req.slave)).subarray(0, 10)); // truncated
    }
    const outcome = rnd();
    const valid = outcome < 0.6;
    if (valid) {
      parts.push(encodeReadResponse(req.slave, registersOf(req.slave)));
    } else if (outcome < 0.7) parts.push(encodeException(req.slave, 3, 0x06));
    if (rnd() < 0.5) parts.push(noise());
    const bytes = Buffer.concat(parts);
    // random chunking, delivered asynchronously like a port would
    let at = 0;
    const chunks: Buffer[] = [];
    while (at < bytes.length) {
      const n = 1 + Math.floor(rnd() * 20);
      chunks.push(bytes.subarray(at, at + n));
      at += n;
    }
    // A frame that claims to come from slave X with valid CRC is X's answer to any master once X is
    // asked: if this answer is late (a loaded machine, a 3 ms timeout) and the bus has moved on, the
    // line is silent for it instead, or its lies about other slaves would be true answers.
    const mine = ++this.writes;
    setImmediate(() => {
      if (mine !== this.writes) return;
      if (valid) this.validSent++;
      for (const c of chunks) this.emit('data', Buffer.from(c));
    });
    return true;
  }
}

describe('ModbusBus fuzzed (in-memory link)', () => {
  it('survives thousands of hostile answers: every reading exact, every request accounted for', async () => {
    const link = new FuzzLink();
    const got: { slave: number; registers: number[] }[] = [];
    const bus = new ModbusBus({
      name: 'fuzz',
      link,
      slaves: [1, 2, 3, 17, 200],
      cycleMs: 0,
      timeoutMs: 3,
      gapMs: 0,
      probeAfter: 1000,
      onReading: (slave, registers) => got.push({ slave, registers }),
    });
    bus.start();
    await waitFor(() => bus.stats().slaves.reduce((n, s) => n + s.requests, 0) >= 2000, 20_000, '2000 requests');
    await bus.stop();
    await sleep(5);
    const st = bus.stats();
    expect(got.length).toBeGreaterThan(600);
    for (const g of got) expect(g.registers).toEqual(registersOf(g.slave));
    for (const s of st.slaves) {
      expect(accounted(s), `slave ${s.slave}`).toBe(s.requests);
      expect(s.crcErrors).toBeGreaterThan(0);
      expect(s.exceptions).toBeGreaterThan(0);
    }
    expect(got.length).toBeLessThanOrEqual(link.validSent);
    expect(st.garbageBytes).toBeGreaterThan(0);
  });
});

/**
 * Modbus poll cycle (DESIGN §8): one full cycle over 32 slaves at 9600 baud, polled back to back,
 * ÷ the theoretical frame time (request + response + inter-frame gaps on the wire). The simulated
 * slaves answer after the real wire time, so the ratio is the master's own overhead. Target ≤ 1.25.
 */
import { ModbusBus } from '../src/transport/modbus/index.js';
import { SimModbusBus } from '../sim/lift/modbus-slaves.js';
import { LiftModel } from '../sim/lift/model.js';
import { createPtyPair } from '../sim/pty.js';
import { rtuReadTime } from '../devices/codec/modbus-rtu.js';
import type { Result } from './lib.js';

export async function benchModbus(quick: boolean): Promise<Result> {
  const SLAVES = 32;
  const BAUD = 9600;
  const cycles = quick ? 3 : 10;
  const pair = await createPtyPair();
  const models = Array.from({ length: SLAVES }, (_, i) => new LiftModel({ seed: i + 1 }));
  const sim = new SimModbusBus({
    path: pair.devicePath,
    baud: BAUD,
    slaves: models.map((m, i) => ({ id: i + 1, registers: () => m.registers() })),
  });
  await sim.start();
  const times: number[] = [];
  let misses = 0;
  await new Promise<void>((resolve) => {
    const bus = new ModbusBus({
      name: 'bench',
      path: pair.gatewayPath,
      baud: BAUD,
      cycleMs: 0,
      slaves: Array.from({ length: SLAVES }, (_, i) => i + 1),
      onMiss: () => misses++,
      onCycle: (cycle, ms) => {
        if (cycle <= 1) return; // first cycle opens the port
        times.push(ms);
        if (times.length >= cycles) void bus.stop().then(() => resolve());
      },
    });
    bus.start();
  });
  await sim.stop();
  await pair.close();
  const theoretical = SLAVES * rtuReadTime(20, BAUD);
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  const ratio = median / theoretical;
  return {
    name: 'modbus poll cycle',
    value: median,
    unit: 'ms per cycle (32 slaves, 9600 baud)',
    ratio,
    baseline: `theoretical ${theoretical.toFixed(0)} ms`,
    target: '≤ 1.25',
    pass: ratio <= 1.25,
    notes: `median of ${times.length} cycles, ${misses} misses`,
  };
}

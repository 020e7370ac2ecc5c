/**
 * The bus over the shared reconnecting serial port (src/transport/serial/port.ts) through `linkFromPort`:
 * the swap the gateway will make once both are in. Same pty, same simulator, same unplug.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LiftModel } from '../../sim/lift/model.js';
import { ReconnectingPort } from '../../src/transport/serial/port.js';
import { linkFromPort } from '../../src/transport/modbus/link.js';
import { rig, waitFor, type Rig } from './helpers.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

describe('ModbusBus over the shared ReconnectingPort', () => {
  it('polls, and resumes within 2 s after an unplug', async () => {
    const model = new LiftModel({ auto: false, startFloor: 5 });
    r = await rig({
      slaves: [1, 2].map((id) => ({ id, registers: () => model.registers() })),
      bus: { baud: 19200, cycleMs: 200 },
      link: (path) => linkFromPort(new ReconnectingPort({ path, baudRate: 19200, autoStart: false })),
    });
    await waitFor(() => r!.readings(2).length >= 2, 5_000, 'readings');
    await r.unplug();
    await waitFor(() => !r!.bus.stats().open, 2_000, 'port closed');
    await waitFor(() => r!.misses(1).length >= 3, 3_000, '3 misses');
    const before = r.readings(1).length;
    const plugAt = Date.now();
    await r.replug();
    await waitFor(() => r!.readings(1).length > before, 2_000, 'polling again within 2 s');
    expect(Date.now() - plugAt).toBeLessThan(2_000);
    expect(r.bus.stats().slaves.every((s) => s.mode === 'poll')).toBe(true);
  });
});

/**
 * Serial seal events (DESIGN §8): events/s a SimSleeve gets acknowledged over a pty at 115200 baud,
 * through the whole gateway (SSP/1 link → seal rules → journal commit with synchronous=FULL → ACK),
 * ÷ what the wire can carry. SSP/1 is stop-and-wait (the next frame goes after the ACK of the
 * previous one), so the wire carries one event per (frame bytes + ACK bytes) × 10 bits / 115200 —
 * computed from the frames actually sent. A pty has no baud rate of its own: the ratio is how close
 * the gateway's per-event latency comes to the frame time. Target ≥ 0.8.
 */
import { join } from 'node:path';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { Gateway } from '../src/gateway/app.js';
import { openStore } from '../src/gateway/store.js';
import { encodeDown, encodeUp } from '../devices/seal-ssp1-serial.js';
import { cableAt } from '../sim/seal/devices.js';
import { SimSleeve, type SleeveFrame } from '../sim/seal/sleeve.js';
import { now, tmp, type Result } from './lib.js';

const BAUD = 115200;

export async function benchSerial(quick: boolean): Promise<Result> {
  const n = quick ? 600 : 5000;
  const t = tmp();
  const data = join(t.dir, 'data');
  const port = join(t.dir, 'seal-s1.tty');
  const env = { ...process.env, SEALIFT_DATA: data, SEALIFT_BROKER_PORT: '0', SEALIFT_HTTP_ENABLED: 'false', SEALIFT_GATEWAY_ID: 'bench' };
  const cfg = loadConfig({ env });
  const store = await openStore(cfg);
  await store.registry.addDevice({ id: 'seal-s1', profile: 'seal-ssp1-serial', port, baud: BAUD });
  await store.close();
  const cable = await cableAt(port);
  const gw = await new Gateway(cfg, createLogger('warn')).start();
  const sleeve = new SimSleeve({ path: cable.devicePath, id: 'seal-s1', baudRate: BAUD, bufferLimit: n + 100, historyLimit: n + 100, seed: 7, pollMs: 50 });
  try {
    sleeve.start();
    await sleeve.waitOpen(5000);
    await sleeve.whenIdle(10_000); // HELLO acknowledged
    await new Promise((r) => setTimeout(r, 300)); // the gateway's TIME command after a new boot
    await sleeve.whenIdle(10_000);

    const run = async (count: number): Promise<{ rate: number; frames: SleeveFrame[]; secs: number }> => {
      const from = sleeve.delivered.length;
      const t0 = now();
      // the realistic traffic of a sleeve at rest: status reports and fingerprint checks
      for (let i = 0; i < count; i++) {
        if (i % 4 === 3) sleeve.auth(1 + (i % 5), true);
        else sleeve.status();
      }
      await sleeve.whenIdle(120_000);
      const secs = (now() - t0) / 1000;
      return { rate: count / secs, frames: sleeve.delivered.slice(from), secs };
    };
    await run(Math.min(200, n)); // warm-up
    const { rate, frames, secs } = await run(n);
    const nacked = frames.filter((f) => f.nacked).length;
    const retransmits = frames.reduce((s, f) => s + f.tries - 1, 0);
    // bits on the wire per event: the frame as encoded + the gateway's ACK frame, 10 bits per byte (8N1)
    let bytes = 0;
    for (const f of frames) bytes += encodeUp(f.event, f.seq).length + encodeDown({ type: 'ack', ack: f.seq }, 0xffff).length;
    const wireSecs = (bytes * 10) / BAUD;
    const capacity = frames.length / wireSecs;
    const ratio = rate / capacity;
    const latency = (secs * 1000) / n;
    return {
      name: 'serial seal events',
      value: rate,
      unit: 'events/s (one sleeve, 115200 baud pty)',
      ratio,
      baseline: `wire ${Math.round(capacity)}/s`,
      target: '≥ 0.8',
      pass: ratio >= 0.8,
      notes:
        `${n} events (3 STATUS : 1 AUTH), ${(bytes / frames.length).toFixed(0)} wire bytes per event incl. ACK = ${((wireSecs * 1000) / frames.length).toFixed(2)} ms; ` +
        `gateway round trip ${latency.toFixed(2)} ms per event (stop-and-wait: one commit per event); ${retransmits} retransmits, ${nacked} NACKs`,
    };
  } finally {
    await sleeve.stop();
    await gw.stop();
    await cable.close();
    t.cleanup();
  }
}

/** Shared rig for the serial tests: a real socat pty pair, a gateway link, a simulated sleeve, a fake store. */
import { unlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createPtyPair, type PtyPair } from '../../sim/pty.js';
import { SimSleeve, type SimSleeveOptions } from '../../sim/seal/sleeve.js';
import { ReconnectingPort } from '../../src/transport/serial/port.js';
import { Ssp1Link, type LinkEvent, type Ssp1LinkOptions } from '../../src/transport/serial/ssp1-link.js';
import { createMetrics, type Metrics } from '../../src/core/metrics.js';

export interface Stored extends LinkEvent {
  /** performance.now() when the fake commit resolved. */
  committedAt: number;
}

/**
 * Stands in for the journal: commits after `delayMs`, keyed by (boot, seq) like the natural key.
 * `failing = true` makes every commit fail (storage down) without storing anything.
 */
export class FakeStore {
  readonly stored: Stored[] = [];
  readonly keys = new Set<string>();
  /** Calls for a key already stored (the link must never do that). */
  duplicates = 0;
  calls = 0;
  failures = 0;
  failing = false;

  constructor(private readonly delayMs = 2) {}

  readonly onEvent = async (e: LinkEvent): Promise<void> => {
    this.calls++;
    await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failing) {
      this.failures++;
      throw new Error('SQLITE_FULL: database or disk is full');
    }
    const key = `${e.boot}:${e.seq}`;
    if (this.keys.has(key)) this.duplicates++;
    this.keys.add(key);
    this.stored.push({ ...e, committedAt: performance.now() });
  };

  ofType(type: string): Stored[] {
    return this.stored.filter((s) => s.event.type === type);
  }
}

export interface Rig {
  pair: PtyPair;
  port: ReconnectingPort;
  link: Ssp1Link;
  sleeve: SimSleeve;
  store: FakeStore;
  metrics: Metrics;
  /** Unplug: kill socat and remove its stale links (as udev removes the device node). */
  unplug(): Promise<void>;
  /** Plug back at the same paths. */
  replug(): Promise<void>;
  close(): Promise<void>;
}

export async function rig(
  opts: {
    sleeve?: Partial<SimSleeveOptions>;
    link?: Partial<Omit<Ssp1LinkOptions, 'port' | 'onEvent'>>;
    commitDelayMs?: number;
    startSleeve?: boolean;
  } = {},
): Promise<Rig> {
  let pair = await createPtyPair();
  const { gatewayPath, devicePath } = pair;
  const metrics = createMetrics();
  const store = new FakeStore(opts.commitDelayMs ?? 2);
  const port = new ReconnectingPort({ path: gatewayPath, pollMs: 50, initialBackoffMs: 50 });
  const link = new Ssp1Link({ port, onEvent: store.onEvent, metrics, ackTimeoutMs: 50, deviceId: 'seal-1', ...opts.link });
  const sleeve = new SimSleeve({
    path: devicePath,
    id: 'seal-1',
    ackTimeoutMs: 40,
    retryPauseMs: 40,
    pollMs: 50,
    seed: 42,
    ...opts.sleeve,
  });
  await waitUntil(() => port.isOpen, 3000, 'gateway port open');
  if (opts.startSleeve ?? true) {
    sleeve.start();
    await sleeve.waitOpen(3000);
  }
  return {
    get pair() {
      return pair;
    },
    port,
    link,
    sleeve,
    store,
    metrics,
    async unplug() {
      await pair.close();
      for (const p of [gatewayPath, devicePath]) {
        try {
          unlinkSync(p);
        } catch {
          /* already gone */
        }
      }
    },
    async replug() {
      pair = await createPtyPair({ gatewayPath, devicePath });
    },
    async close() {
      link.close();
      await sleeve.stop();
      await port.close();
      await pair.close();
    },
  };
}

export async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

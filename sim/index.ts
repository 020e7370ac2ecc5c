/**
 * The simulator: plays every provisioned device it has a secret for (serial ones through socat
 * pseudo-terminals created at the device's configured port path), with the behaviour of the real
 * hardware. Used by `sealift sim` and `sealift demo`.
 */
import type { Logger } from 'pino';
import type { Device } from '../src/registry/schema.js';
import type { SimSecrets } from './secrets.js';
import { LiftSite } from './lift/scenarios.js';
import { startSimSeal, type SimSeal } from './seal/devices.js';
import { autoStamp } from './seal/scenarios.js';

export interface SimulatorOptions {
  brokerUrl: string;
  devices: Device[];
  secrets: SimSecrets;
  log: Logger;
  /** Sleeves stamp on their own whenever a grant arrives (the demo's keeper at the desk). */
  autoStamp?: boolean;
  /** Every this many ms one lift goes through a fault scenario (0 = never; default 45 s). */
  liftScenarioEveryMs?: number;
  /** Lifts that behave like old ones (frequent door faults). */
  oldLifts?: string[];
}

export class Simulator {
  readonly seals: SimSeal[] = [];
  lifts?: LiftSite;
  private stops: (() => void)[] = [];

  constructor(private readonly opts: SimulatorOptions) {}

  get deviceIds(): string[] {
    return [...this.seals.map((s) => s.id), ...(this.lifts ? [...this.lifts.lifts.keys()] : [])];
  }

  async start(): Promise<void> {
    const { log } = this.opts;
    for (const d of this.opts.devices) {
      const secret = this.opts.secrets[d.id];
      try {
        if (d.profile === 'seal-mqtt' || d.profile === 'seal-ssp1-serial') {
          const seal = await startSimSeal(d, { brokerUrl: this.opts.brokerUrl, secret, log });
          this.seals.push(seal);
          if (this.opts.autoStamp !== false) this.stops.push(autoStamp(seal, { log }));
        }
      } catch (err) {
        log.warn({ err, device: d.id }, 'could not simulate this device');
      }
    }
    // Lifts: controllers as Modbus slaves on pty buses (one per provisioned port), kits over MQTT.
    if (this.opts.devices.some((d) => d.profile === 'lift-modbus' || d.profile === 'lift-kit-mqtt')) {
      this.lifts = new LiftSite({
        devices: this.opts.devices,
        secrets: this.opts.secrets,
        brokerUrl: this.opts.brokerUrl,
        oldLifts: this.opts.oldLifts,
        log,
      });
      await this.lifts.start();
      const every = this.opts.liftScenarioEveryMs ?? 45_000;
      if (every > 0) this.lifts.startScenarios({ everyMs: every, holdMs: 60_000 });
    }
    log.info({ devices: this.deviceIds.length }, 'simulator started');
  }

  async stop(): Promise<void> {
    for (const s of this.stops) s();
    await Promise.all([...this.seals.map((s) => s.stop()), this.lifts?.stop()]);
  }
}

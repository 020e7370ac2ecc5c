/**
 * The simulator: plays every provisioned device it has a secret for (serial ones through socat
 * pseudo-terminals created at the device's configured port path), with the behaviour of the real
 * hardware. Used by `sealift sim` and `sealift demo`.
 */
import type { Logger } from 'pino';
import type { Device } from '../src/registry/schema.js';
import { SimMqttDevice } from './mqtt-device.js';
import type { SimSecrets } from './secrets.js';
import { startSimSeal, type SimSeal } from './seal/devices.js';
import { autoStamp } from './seal/scenarios.js';

export interface SimulatorOptions {
  brokerUrl: string;
  devices: Device[];
  secrets: SimSecrets;
  log: Logger;
  /** Sleeves stamp on their own whenever a grant arrives (the demo's keeper at the desk). */
  autoStamp?: boolean;
  statusEveryMs?: number;
}

export class Simulator {
  readonly seals: SimSeal[] = [];
  readonly mqttDevices: SimMqttDevice[] = [];
  private stops: (() => void)[] = [];

  constructor(private readonly opts: SimulatorOptions) {}

  get deviceIds(): string[] {
    return [...this.seals.map((s) => s.id), ...this.mqttDevices.map((d) => d.id)];
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
        } else if (d.profile === 'lift-kit-mqtt' && secret) {
          const dev = new SimMqttDevice({ id: d.id, secret, url: this.opts.brokerUrl, statusEveryMs: this.opts.statusEveryMs ?? 5000 });
          await dev.start();
          this.mqttDevices.push(dev);
        }
      } catch (err) {
        log.warn({ err, device: d.id }, 'could not simulate this device');
      }
    }
    log.info({ devices: this.deviceIds.length }, 'simulator started');
  }

  async stop(): Promise<void> {
    for (const s of this.stops) s();
    await Promise.all([...this.seals.map((s) => s.stop()), ...this.mqttDevices.map((d) => d.stop())]);
  }
}

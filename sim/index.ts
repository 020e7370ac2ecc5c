/** The simulator: plays every provisioned device it has a secret for. */
import type { Logger } from 'pino';
import type { Device } from '../src/registry/schema.js';
import { SimMqttDevice } from './mqtt-device.js';
import type { SimSecrets } from './secrets.js';

export interface SimulatorOptions {
  brokerUrl: string;
  devices: Device[];
  secrets: SimSecrets;
  log: Logger;
  statusEveryMs?: number;
}

export class Simulator {
  readonly devices: SimMqttDevice[] = [];

  constructor(private readonly opts: SimulatorOptions) {}

  async start(): Promise<void> {
    for (const d of this.opts.devices) {
      const secret = this.opts.secrets[d.id];
      if (!d.profile.endsWith('-mqtt') || !secret) continue;
      const dev = new SimMqttDevice({
        id: d.id,
        secret,
        url: this.opts.brokerUrl,
        statusEveryMs: this.opts.statusEveryMs ?? 5000,
      });
      await dev.start();
      this.devices.push(dev);
    }
    this.opts.log.info({ devices: this.devices.length }, 'simulator started');
  }

  async stop(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.stop()));
  }
}

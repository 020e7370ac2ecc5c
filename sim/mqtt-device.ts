/**
 * A simulated MQTT device: logs in with its own credentials, says hello, reports status
 * periodically with a per-boot sequence number, and retransmits until PUBACK (MQTT.js does that
 * for QoS 1). Device models with behaviour (seal sleeves, lift kits) build on this.
 */
import { randomInt } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';

export interface SimMqttDeviceOptions {
  id: string;
  secret: string;
  url: string;
  /** Period of status messages, ms. */
  statusEveryMs?: number;
  status?: () => Record<string, unknown>;
}

export class SimMqttDevice {
  readonly boot = randomInt(1, 2 ** 31);
  private seq = 0;
  private client?: MqttClient;
  private timer?: NodeJS.Timeout;
  published = 0;

  constructor(private readonly opts: SimMqttDeviceOptions) {}

  get id(): string {
    return this.opts.id;
  }

  async start(): Promise<void> {
    const { id, secret, url } = this.opts;
    this.client = mqtt.connect(url, {
      clientId: id,
      username: id,
      password: secret,
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
    });
    await new Promise<void>((resolve, reject) => {
      this.client!.once('connect', () => resolve());
      this.client!.once('error', reject);
    });
    await this.send('hello', { id, model: 'sim', fw: '1.0.0', time: Date.now() });
    this.timer = setInterval(() => {
      void this.send('status', { time: Date.now(), ...(this.opts.status?.() ?? {}) }).catch(() => undefined);
    }, this.opts.statusEveryMs ?? 5000);
  }

  /** Publishes QoS 1 to dev/{id}/up/{channel}; resolves at PUBACK (after the gateway's commit). */
  send(channel: string, body: Record<string, unknown>): Promise<void> {
    const payload = JSON.stringify({ seq: this.seq++, boot: this.boot, ...body });
    return new Promise((resolve, reject) =>
      this.client!.publish(`dev/${this.opts.id}/up/${channel}`, payload, { qos: 1 }, (err) =>
        err ? reject(err) : (this.published++, resolve()),
      ),
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.client?.endAsync();
  }
}

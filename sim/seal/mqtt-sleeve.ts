/**
 * `MqttSleeve`: a virtual 4G/Wi-Fi smart-seal sleeve speaking the MQTT model of DESIGN §5.2
 * through the same codec as the gateway (`devices/seal-mqtt.ts`: `encodeUp`, `decodeDown`). It
 * logs in like a real device (clientId = username = device id, password = device secret). What the
 * sleeve does — grants, stamps, alarms, power loss — is `SleeveCore` (sleeve-core.ts), as for the
 * serial `SimSleeve`; this is its network side:
 *
 *  - a per-boot `seq` (and the `boot`) on every up message; HELLO on every (re)connect;
 *  - GRANT / REVOKE / LOCK / TIME on `dev/{id}/down/*`, confirmed with `up/ack {ack: <command id>}`
 *    (a repeated command id is confirmed again, not applied twice);
 *  - every stamp's photo is uploaded to `up/photo` right after the stamp (unless `upload: false`);
 *  - up messages go out one at a time, in order, from the bounded outbox (flash-backed: it survives
 *    power loss and disconnection), each removed only after its PUBACK — i.e. after the gateway
 *    committed it. `goOffline()` / `goOnline()` cut and restore the network; what happens
 *    meanwhile is buffered and delivered in order on reconnect.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { decodeDown, encodeUp, type SealMqttCommand } from '../../devices/seal-mqtt.js';
import type { SealEvent } from '../../devices/seal-ssp1-serial.js';
import { SleeveCore, type SleeveCoreOptions, type SleevePhoto, type SleeveUpEvent, type StampOptions, type StampRefusal } from './sleeve-core.js';

export interface MqttSleeveOptions extends SleeveCoreOptions {
  secret: string;
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 */
  url: string;
}

export type MqttStampResult =
  | { ok: true; grant: string | null; n: number; counter: number; photo: SleevePhoto | null }
  | { ok: false; reason: StampRefusal };

interface OutMsg {
  subtopic: string;
  payload: Buffer;
  type: string;
  seq: number | null;
  boot: number;
}

export interface MqttSleeveEvents {
  command: [cmd: SealMqttCommand];
  acked: [msg: { type: string; seq: number | null; boot: number }];
  open: [];
  close: [];
}

export class MqttSleeve extends SleeveCore<MqttSleeveOptions, void, MqttSleeveEvents> {
  readonly transport = 'mqtt' as const;
  readonly stats = { published: 0, acked: 0, commandsApplied: 0, commandsRepeated: 0, commandsIgnored: 0, overflow: 0, powerLosses: 0 };

  private client?: MqttClient;
  private wantOnline = false;
  private connected = false;
  private pumping = false;
  private readonly outbox: OutMsg[] = [];

  constructor(opts: MqttSleeveOptions) {
    super(opts, { model: 'SIM-4G', component: 'sim-mqtt-sleeve', noun: 'mqtt sleeve' });
    // its first HELLO goes out on connect
    this.powerUp(false, { hello: false });
  }

  get pending(): number {
    return this.outbox.length;
  }
  get isOpen(): boolean {
    return this.connected;
  }

  // ---------------------------------------------------------------------------------------------
  // Network

  /** Connect (and keep reconnecting); resolves once connected. */
  async start(): Promise<void> {
    this.wantOnline = true;
    this.connect();
    await this.waitFor(() => this.connected, 'connected', 10_000);
  }

  async stop(): Promise<void> {
    this.wantOnline = false;
    const c = this.client;
    this.client = undefined;
    this.connected = false;
    await c?.endAsync(true).catch(() => undefined);
  }

  /** Cut the network (events are buffered until goOnline). */
  async goOffline(): Promise<void> {
    await this.stop();
    this.emit('close');
  }

  async goOnline(): Promise<void> {
    await this.start();
  }

  /** Network cut (buffered until reconnect). */
  disconnect(): Promise<void> {
    return this.goOffline();
  }

  reconnect(): Promise<void> {
    return this.goOnline();
  }

  /** Be told of every command applied; returns an unsubscribe. */
  onCommand(fn: (cmd: SealMqttCommand) => void): () => void {
    this.on('command', fn);
    return () => this.off('command', fn);
  }

  /** Press the seal (see `SleeveCore`); the photo is uploaded right after the stamp unless `upload: false`. */
  stamp(opts: StampOptions & { upload?: boolean } = {}): MqttStampResult {
    const r = this.press(opts);
    if (!r.ok) return r;
    if (r.photo && opts.upload !== false && this.admit('photo')) {
      this.push({ type: 'photo', sha256: r.photo.sha256, bytes: r.photo.bytes }, null);
      this.pump();
    }
    return { ok: true, grant: r.grant, n: r.n, counter: r.counter, photo: r.photo };
  }

  // ---------------------------------------------------------------------------------------------

  private connect(): void {
    const c = mqtt.connect(this.opts.url, {
      clientId: this.id,
      username: this.id,
      password: this.opts.secret,
      clean: true,
      reconnectPeriod: 300,
      connectTimeout: 5000,
    });
    this.client = c;
    c.on('connect', () => {
      if (this.client !== c) return;
      this.connected = true;
      c.subscribe(`dev/${this.id}/down/+`, { qos: 1 }, (err) => {
        if (err) this.log.warn({ err: err.message }, 'subscribe failed');
        // HELLO on every (re)connect, unless one of this boot is already waiting
        if (!this.outbox.some((m) => m.type === 'hello' && m.boot === this.boot)) this.hello();
        this.emit('open');
        this.pump();
      });
    });
    c.on('close', () => {
      if (this.client === c) this.connected = false;
    });
    c.on('error', (err) => this.log.debug({ err: err.message }, 'mqtt error'));
    c.on('message', (topic, payload) => {
      if (this.client === c) this.onMessage(topic, payload);
    });
  }

  protected queueUp(event: SleeveUpEvent, seq: number): void {
    this.push(event, seq);
  }

  /** Photos go unnumbered (`seq` null). */
  private push(event: SealEvent, seq: number | null): void {
    const { subtopic, payload } = encodeUp(event, seq ?? 0, this.boot);
    this.outbox.push({ subtopic, payload, type: event.type, seq, boot: this.boot });
  }

  protected pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void (async () => {
      try {
        while (this.connected && this.client && this.outbox.length > 0) {
          const head = this.outbox[0]!;
          const c = this.client;
          const ok = await new Promise<boolean>((resolve) => {
            c.publish(`dev/${this.id}/up/${head.subtopic}`, head.payload, { qos: 1 }, (err) => resolve(!err));
          });
          this.stats.published++;
          if (!ok || this.client !== c) {
            await new Promise((r) => setTimeout(r, 100));
            continue;
          }
          if (this.outbox[0] === head) this.outbox.shift();
          this.stats.acked++;
          this.emit('acked', { type: head.type, seq: head.seq, boot: head.boot });
        }
      } finally {
        this.pumping = false;
      }
      if (this.connected && this.outbox.length > 0) this.pump();
    })();
  }

  private onMessage(topic: string, payload: Buffer): void {
    const sub = topic.split('/')[3] ?? '';
    const d = decodeDown(sub, payload);
    if (!d.ok) {
      this.log.warn({ topic, errors: d.errors }, 'bad command');
      return;
    }
    const cmd = d.command;
    const ack = (): void => {
      this.client?.publish(`dev/${this.id}/up/ack`, JSON.stringify({ ack: cmd.id }), { qos: 1 });
    };
    if (this.command(cmd.id, cmd, ack)) this.emit('command', cmd);
  }
}

/**
 * `MqttSleeve`: a virtual 4G/Wi-Fi smart-seal sleeve speaking the MQTT model of DESIGN §5.2
 * through the same codec as the gateway (`devices/seal-mqtt.ts`: `encodeUp`, `decodeDown`). It
 * logs in like a real device (clientId = username = device id, password = device secret) and
 * behaves like the serial `SimSleeve`:
 *
 *  - a random uint32 `boot` per power-up, a per-boot `seq` on every up message, HELLO on every
 *    (re)connect, a lifetime stamp `counter`, its own clock (set by TIME);
 *  - GRANT / REVOKE / LOCK / TIME on `dev/{id}/down/*`, confirmed with `up/ack {ack: <command id>}`
 *    (a repeated command id is confirmed again, not applied twice);
 *  - never stamps without a live grant (unless `stampWithoutGrant`, or `bypass` on one stamp);
 *  - every stamp takes a photo (a real JPEG, see photo.ts) uploaded to `up/photo` right after the stamp;
 *  - up messages go out one at a time, in order, from a bounded outbox (flash-backed: it survives
 *    power loss and disconnection), each removed only after its PUBACK — i.e. after the gateway
 *    committed it. `goOffline()` / `goOnline()` cut and restore the network; what happens
 *    meanwhile is buffered and delivered in order on reconnect.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { decodeDown, encodeUp, type SealMqttCommand } from '../../devices/seal-mqtt.js';
import type { AlarmKind, SealEvent } from '../../devices/seal-ssp1-serial.js';
import { CLOCK_RESET_MS, type SleeveGrant, type StampRefusal } from './sleeve.js';
import { simulatedPhoto } from './photo.js';

export interface MqttSleeveOptions {
  id: string;
  secret: string;
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 */
  url: string;
  model?: string;
  fw?: string;
  /** Time base (default Date.now); TIME and power loss offset it. */
  clock?: () => number;
  counter?: number;
  seed?: number;
  /** Messages kept while unacknowledged (default 1000). */
  bufferLimit?: number;
  stampWithoutGrant?: boolean;
  /** Ignore commands entirely (not applied, not confirmed). */
  dropAcks?: boolean;
  clockInvalidAlarm?: boolean;
  alarmOnRefusedStamp?: boolean;
  log?: Logger;
}

export type MqttStampResult =
  | { ok: true; grant: string | null; n: number; counter: number; photo: { sha256: string; bytes: Buffer } | null }
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

const SILENT = pino({ level: 'silent' });

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class MqttSleeve extends EventEmitter<MqttSleeveEvents> {
  readonly id: string;
  readonly transport = 'mqtt' as const;
  stampWithoutGrant: boolean;
  dropAcks: boolean;
  readonly stats = { published: 0, acked: 0, commandsApplied: 0, commandsRepeated: 0, commandsIgnored: 0, overflow: 0, powerLosses: 0 };
  readonly photos = new Map<string, Buffer>();

  private readonly opts: MqttSleeveOptions;
  private readonly rand: () => number;
  private readonly log: Logger;
  private client?: MqttClient;
  private wantOnline = false;
  private connected = false;
  private pumping = false;
  private readonly outbox: OutMsg[] = [];
  private readonly recent: string[] = [];

  private _boot = 0;
  private _seq = 0;
  private _counter: number;
  private clockOffset = 0;
  private _grant?: SleeveGrant;
  private _locked = false;
  private _sleeveOpen = false;
  private ungrantedN = 0;

  constructor(opts: MqttSleeveOptions) {
    super();
    this.opts = opts;
    this.id = opts.id;
    this.stampWithoutGrant = opts.stampWithoutGrant ?? false;
    this.dropAcks = opts.dropAcks ?? false;
    this.rand = opts.seed !== undefined ? seeded(opts.seed) : Math.random;
    this.log = (opts.log ?? SILENT).child({ component: 'sim-mqtt-sleeve', device: opts.id });
    this._counter = opts.counter ?? 0;
    this.powerUp(false);
  }

  get boot(): number {
    return this._boot;
  }
  get seq(): number {
    return this._seq;
  }
  get counter(): number {
    return this._counter;
  }
  get locked(): boolean {
    return this._locked;
  }
  get sleeveOpen(): boolean {
    return this._sleeveOpen;
  }
  get grant(): Readonly<SleeveGrant> | undefined {
    return this._grant;
  }
  get pending(): number {
    return this.outbox.length;
  }
  get isOpen(): boolean {
    return this.connected;
  }
  now(): number {
    return this.baseNow() + this.clockOffset;
  }
  private baseNow(): number {
    return this.opts.clock ? this.opts.clock() : Date.now();
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
        if (!this.outbox.some((m) => m.type === 'hello' && m.boot === this._boot)) this.hello();
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

  private pump(): void {
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
    if (this.dropAcks) {
      this.stats.commandsIgnored++;
      return;
    }
    const ack = (): void => {
      this.client?.publish(`dev/${this.id}/up/ack`, JSON.stringify({ ack: cmd.id }), { qos: 1 });
    };
    if (this.recent.includes(cmd.id)) {
      this.stats.commandsRepeated++;
      ack();
      return;
    }
    this.recent.push(cmd.id);
    if (this.recent.length > 64) this.recent.shift();
    this.apply(cmd);
    this.stats.commandsApplied++;
    ack();
    this.emit('command', cmd);
  }

  private apply(cmd: SealMqttCommand): void {
    switch (cmd.type) {
      case 'grant':
        if (this._grant?.grant !== cmd.grant) {
          this._grant = { grant: cmd.grant, uses: cmd.uses, notBefore: cmd.notBefore, notAfter: cmd.notAfter, used: 0, revoked: false };
        }
        if (this._locked) {
          this._locked = false;
          this.status();
        }
        return;
      case 'revoke':
        if (this._grant?.grant === cmd.grant) this._grant.revoked = true;
        return;
      case 'lock':
        this._locked = true;
        this.status();
        return;
      case 'time':
        this.clockOffset = cmd.time - this.baseNow();
        return;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // What a person (or a fault) does

  stamp(opts: { impression?: boolean; photo?: boolean; bypass?: boolean; upload?: boolean } = {}): MqttStampResult {
    if (this.outbox.length >= (this.opts.bufferLimit ?? 1000)) {
      this.stats.overflow++;
      return { ok: false, reason: 'buffer_full' };
    }
    const now = this.now();
    const g = opts.bypass ? undefined : this._grant;
    let refusal: StampRefusal | undefined;
    if (this._locked) refusal = 'locked';
    else if (!g) refusal = 'no_grant';
    else if (g.revoked) refusal = 'revoked';
    else if (g.used >= g.uses) refusal = 'used_up';
    else if (now < g.notBefore || now > g.notAfter) refusal = 'outside_window';
    if (refusal && !this.stampWithoutGrant && !opts.bypass) {
      if (this.opts.alarmOnRefusedStamp ?? true) this.alarm('excess_attempt');
      return { ok: false, reason: refusal };
    }
    const n = g ? Math.min(0xffff, ++g.used) : (this.ungrantedN = Math.min(0xffff, this.ungrantedN + 1));
    this._counter = (this._counter + 1) >>> 0;
    const photo = opts.photo === false ? null : this.takePhoto();
    this.enqueue({ type: 'stamp', grant: g?.grant ?? null, n, counter: this._counter, time: now, photo: photo?.sha256 ?? null, impression: opts.impression ?? true });
    if (photo && opts.upload !== false) this.enqueue({ type: 'photo', sha256: photo.sha256, bytes: photo.bytes });
    return { ok: true, grant: g?.grant ?? null, n, counter: this._counter, photo };
  }

  hello(): void {
    this.enqueue({
      type: 'hello',
      id: this.id,
      model: this.opts.model ?? 'SIM-4G',
      fw: this.opts.fw ?? '1.0.0',
      boot: this._boot,
      counter: this._counter,
      time: this.now(),
    });
  }

  status(opts: { sealPresent?: boolean; battery?: number } = {}): void {
    this.enqueue({
      type: 'status',
      battery: opts.battery ?? 87,
      locked: this._locked,
      sleeveClosed: !this._sleeveOpen,
      sealPresent: opts.sealPresent ?? true,
      time: this.now(),
    });
  }

  alarm(kind: AlarmKind): void {
    this.enqueue({ type: 'alarm', kind, time: this.now() });
  }

  auth(operator: number | null, ok: boolean): void {
    this.enqueue({ type: 'auth', operator, ok, time: this.now() });
  }

  openSleeve(): void {
    this._sleeveOpen = true;
    this.enqueue({ type: 'sleeve', open: true, time: this.now() });
  }

  closeSleeve(): void {
    this._sleeveOpen = false;
    this.enqueue({ type: 'sleeve', open: false, time: this.now() });
  }

  counterJump(n: number): void {
    this._counter = (this._counter + n) >>> 0;
  }

  /** Firmware fault: the next `n` seqs are never sent. */
  skipSeq(n: number): void {
    this._seq += Math.max(0, Math.floor(n));
  }

  /** Power loss: the outbox, counter and lock survive; grant, clock and seq do not. */
  powerLoss(): void {
    this.stats.powerLosses++;
    this.powerUp(true);
    this.pump();
  }

  /** Be told of every command applied; returns an unsubscribe. */
  onCommand(fn: (cmd: SealMqttCommand) => void): () => void {
    this.on('command', fn);
    return () => this.off('command', fn);
  }

  /** Network cut (buffered until reconnect). */
  disconnect(): Promise<void> {
    return this.goOffline();
  }

  reconnect(): Promise<void> {
    return this.goOnline();
  }

  /** Resolves once every buffered message was acknowledged by the gateway. */
  whenIdle(timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => this.outbox.length === 0, 'idle', timeoutMs);
  }

  // ---------------------------------------------------------------------------------------------

  private powerUp(afterLoss: boolean): void {
    this._boot = 1 + Math.floor(this.rand() * 0xfffffffe);
    this._seq = 0;
    this._grant = undefined;
    this._sleeveOpen = false;
    this.ungrantedN = 0;
    this.recent.length = 0;
    if (afterLoss) this.clockOffset = CLOCK_RESET_MS - this.baseNow();
    if (afterLoss || this.connected) this.hello();
    if (afterLoss && (this.opts.clockInvalidAlarm ?? true)) this.alarm('clock_invalid');
  }

  private takePhoto(): { sha256: string; bytes: Buffer } {
    const { sha256, bytes } = simulatedPhoto(
      `sealift sim ${this.opts.id} stamp ${this._counter + 1} at ${new Date(this.now()).toISOString()} #${Math.floor(this.rand() * 2 ** 32)}`,
    );
    this.photos.set(sha256, bytes);
    const limit = 256;
    while (this.photos.size > limit) this.photos.delete(this.photos.keys().next().value!);
    return { sha256, bytes };
  }

  private enqueue(event: SealEvent): void {
    if (this.outbox.length >= (this.opts.bufferLimit ?? 1000)) {
      this.stats.overflow++;
      this.log.warn({ type: event.type }, 'outbox full; event refused');
      return;
    }
    const isPhoto = event.type === 'photo';
    const seq = isPhoto ? null : this._seq++;
    const { subtopic, payload } = encodeUp(event, seq ?? 0, this._boot);
    this.outbox.push({ subtopic, payload, type: event.type, seq, boot: this._boot });
    this.pump();
  }

  private waitFor(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (cond()) return resolve();
      const deadline = Date.now() + timeoutMs;
      const check = (): void => {
        if (cond()) return resolve();
        if (Date.now() > deadline) return reject(new Error(`mqtt sleeve ${this.id}: not ${what} after ${timeoutMs} ms (pending ${this.outbox.length})`));
        setTimeout(check, 5);
      };
      setTimeout(check, 5);
    });
  }
}

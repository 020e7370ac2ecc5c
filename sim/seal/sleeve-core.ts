/**
 * `SleeveCore`: what a simulated smart-seal sleeve does whatever carries its messages — the state
 * machine shared by the SSP/1 serial sleeve (`SimSleeve`, sleeve.ts) and the 4G/Wi-Fi MQTT sleeve
 * (`MqttSleeve`, mqtt-sleeve.ts), which add only their transport. As the hardware:
 *
 *  - a random uint32 `boot` per power-up; a per-boot `seq` on every up event (SSP/1 wraps it at
 *    16 bits, MQTT does not); a lifetime stamp `counter`; its own clock (`now()`), set by TIME;
 *  - GRANT (uses, notBefore/notAfter by its own clock), REVOKE, LOCK (refuses stamps until the next
 *    GRANT; reports a STATUS), TIME — each applied once under its key (SSP/1: the frame seq; MQTT:
 *    the command id) and confirmed every time it comes; with `dropAcks` neither applied nor confirmed;
 *  - never stamps without a live grant (unless `stampWithoutGrant`, which still names the grant it
 *    has, or `bypass` on one stamp); a refused attempt sends ALARM `excess_attempt` (unless
 *    `alarmOnRefusedStamp: false`); every stamp takes a photo (a real JPEG, see photo.ts);
 *  - unacknowledged events wait in a bounded buffer (`bufferLimit`, 1000). When it is full, new
 *    events are refused (a stamp returns `buffer_full` and does not stamp; other events are counted
 *    in `stats.overflow`) — the firmware cannot lose an audit event it has already taken;
 *  - power loss (`powerLoss()`), a sleeve with a flash-backed outbox: kept (flash) are the
 *    unacknowledged buffer, the lifetime counter and the lock; lost (RAM) are the grant, the open
 *    sleeve, the clock (restarts at 2017-01-01T00:00:00Z) and the seq (restarts at 0). The new boot's
 *    HELLO is queued behind the kept events, then ALARM `clock_invalid` (unless `clockInvalidAlarm: false`).
 *
 * A transport adapter extends it with `queueUp` (queue one numbered up event, returning its handle
 * on it, `Ref`), `pending` (events not yet acknowledged) and `pump` (send what it can now); it
 * feeds each gateway command to `command()` and says HELLO when its link comes up.
 */
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import type { AlarmKind, SealCommand, SealEvent } from '../../devices/seal-ssp1-serial.js';
import { seededRandom } from '../random.js';
import { simulatedPhoto } from './photo.js';

/** 2017-01-01T00:00:00Z: where a sleeve's clock restarts after a power loss. */
export const CLOCK_RESET_MS = Date.UTC(2017, 0, 1);

export interface SleeveCoreOptions {
  id: string;
  model?: string;
  fw?: string;
  /** Base clock of the sleeve (default Date.now); share an accelerated clock with the gateway in tests. TIME and power loss offset it. */
  clock?: () => number;
  /** Lifetime stamp counter at start (default 0). */
  counter?: number;
  /** Seed for boots and photos (and a serial line's noise) (default: Math.random). */
  seed?: number;
  /** Unacknowledged events kept (default 1000). */
  bufferLimit?: number;
  stampWithoutGrant?: boolean;
  /** Ignore gateway commands entirely (not applied, not confirmed). */
  dropAcks?: boolean;
  /** Send ALARM clock_invalid after a power loss (default true). */
  clockInvalidAlarm?: boolean;
  /** Send ALARM excess_attempt when a stamp is refused (default true). */
  alarmOnRefusedStamp?: boolean;
  /** Battery percentage reported in STATUS (default 87). */
  battery?: number;
  /** Photos kept by hash for the photo upload path (default 256). */
  photoLimit?: number;
  log?: Logger;
}

/** What sets one sleeve model apart from another, besides its transport. */
export interface SleeveModel {
  /** The model named in HELLO unless the options name one. */
  model: string;
  /** Logger component. */
  component: string;
  /** How errors name the sleeve. */
  noun: string;
  /** Mask applied to every seq (SSP/1: 0xffff, the seq wraps); none: the seq counts on. */
  seqMask?: number;
}

export interface SleeveGrant {
  grant: string;
  uses: number;
  notBefore: number;
  notAfter: number;
  used: number;
  revoked: boolean;
}

export type StampRefusal = 'locked' | 'no_grant' | 'revoked' | 'used_up' | 'outside_window' | 'buffer_full';

export interface StampOptions {
  /** The sensor saw ink (default true). */
  impression?: boolean;
  /** Take a photo (default true). */
  photo?: boolean;
  /** Mechanical bypass: stamp at once, naming no grant. */
  bypass?: boolean;
}

export interface SleevePhoto {
  sha256: string;
  bytes: Buffer;
}

/** A stamp, with the transport's handle on its up event (`frame`). */
export type CoreStampResult<Ref> =
  | {
      ok: true;
      frame: Ref;
      grant: string | null;
      n: number;
      counter: number;
      /** The photo taken (null when `photo: false`): its SHA-256 hex and its bytes. */
      photo: SleevePhoto | null;
    }
  | { ok: false; reason: StampRefusal };

/** The counters the core keeps; adapters add their transport's. */
export interface SleeveCoreStats {
  /** Events refused because the buffer was full. */
  overflow: number;
  commandsApplied: number;
  commandsRepeated: number;
  commandsIgnored: number;
  powerLosses: number;
}

/** The up events the core numbers and queues (ACKs and photo bytes are the transport's business). */
export type SleeveUpEvent = Exclude<SealEvent, { type: 'ack' } | { type: 'photo' }>;
/** The gateway commands the core applies (ACK/NACK are the transport's business). */
export type SleeveCommand = Exclude<SealCommand, { type: 'ack' } | { type: 'nack' }>;

const SILENT = pino({ level: 'silent' });

export abstract class SleeveCore<
  Opts extends SleeveCoreOptions,
  Ref,
  Events extends Record<keyof Events, unknown[]>,
> extends EventEmitter<Events> {
  readonly id: string;
  /** Fault injection switches; may be changed at any time. */
  stampWithoutGrant: boolean;
  dropAcks: boolean;
  /** Photos by SHA-256 hex, most recent `photoLimit`. */
  readonly photos = new Map<string, Buffer>();
  abstract readonly stats: SleeveCoreStats;

  protected readonly opts: Opts;
  protected readonly rand: () => number;
  protected readonly log: Logger;
  private readonly model: SleeveModel;

  private _boot = 0;
  private _seq = 0;
  private _counter: number;
  private clockOffset = 0;
  private _grant?: SleeveGrant;
  private _locked = false;
  private _sleeveOpen = false;
  private ungrantedN = 0;
  /** Keys of the gateway commands already applied (this boot), for repeats. */
  private readonly recentCommands: Array<number | string> = [];

  /** The subclass calls `powerUp(false, …)` once its own fields are set. */
  protected constructor(opts: Opts, model: SleeveModel) {
    super();
    this.opts = opts;
    this.model = model;
    this.id = opts.id;
    this.stampWithoutGrant = opts.stampWithoutGrant ?? false;
    this.dropAcks = opts.dropAcks ?? false;
    this.rand = opts.seed !== undefined ? seededRandom(opts.seed) : Math.random;
    this.log = (opts.log ?? SILENT).child({ component: model.component, device: opts.id });
    this._counter = opts.counter ?? 0;
  }

  // ---------------------------------------------------------------------------------------------
  // State

  get boot(): number {
    return this._boot;
  }
  /** Next seq. */
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
  /** Unacknowledged events (buffered or in flight). */
  abstract get pending(): number;

  /** The sleeve's own clock, epoch ms. */
  now(): number {
    return this.baseNow() + this.clockOffset;
  }

  private baseNow(): number {
    return this.opts.clock ? this.opts.clock() : Date.now();
  }

  /** Resolves once every queued event has been acknowledged. */
  whenIdle(timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => this.pending === 0, 'idle', timeoutMs);
  }

  // ---------------------------------------------------------------------------------------------
  // What a person (or a fault) does to the sleeve

  hello(): Ref | undefined {
    return this.send({
      type: 'hello',
      id: this.id,
      model: this.opts.model ?? this.model.model,
      fw: this.opts.fw ?? '1.0.0',
      boot: this._boot,
      counter: this._counter,
      time: this.now(),
    });
  }

  status(opts: { sealPresent?: boolean; battery?: number } = {}): Ref | undefined {
    return this.send({
      type: 'status',
      battery: opts.battery ?? this.opts.battery ?? 87,
      locked: this._locked,
      sleeveClosed: !this._sleeveOpen,
      sealPresent: opts.sealPresent ?? true,
      time: this.now(),
    });
  }

  alarm(kind: AlarmKind): Ref | undefined {
    return this.send({ type: 'alarm', kind, time: this.now() });
  }

  auth(operator: number | null, ok: boolean): Ref | undefined {
    return this.send({ type: 'auth', operator, ok, time: this.now() });
  }

  /** Open the sleeve (with or without a grant — the gateway judges). */
  openSleeve(): Ref | undefined {
    this._sleeveOpen = true;
    return this.send({ type: 'sleeve', open: true, time: this.now() });
  }

  closeSleeve(): Ref | undefined {
    this._sleeveOpen = false;
    return this.send({ type: 'sleeve', open: false, time: this.now() });
  }

  /** Stamps the gateway never saw: the lifetime counter jumps by `n` (shows in the next HELLO/STAMP). */
  counterJump(n: number): void {
    this._counter = (this._counter + n) >>> 0;
  }

  /** Firmware fault: the next `n` seqs are never sent (the gateway sees a SEQ_GAP). */
  skipSeq(n: number): void {
    this._seq = this.maskSeq(this._seq + Math.max(0, Math.floor(n)));
  }

  /** Power loss and restart; see the module comment for what survives. */
  powerLoss(): void {
    this.stats.powerLosses++;
    this.powerUp(true);
    this.pump();
  }

  // ---------------------------------------------------------------------------------------------
  // For the transport adapters

  /** Queue one up event, numbered `seq` in the current boot; returns the adapter's handle on it. */
  protected abstract queueUp(event: SleeveUpEvent, seq: number): Ref;
  /** Send what can be sent now. */
  protected abstract pump(): void;

  protected get bufferLimit(): number {
    return this.opts.bufferLimit ?? 1000;
  }

  /**
   * A power-up: a new boot; seqs from `seq`; grant, open sleeve and the memory of commands gone;
   * HELLO queued unless `hello: false`. After a loss the clock restarts in 2017 and ALARM
   * clock_invalid follows the HELLO.
   */
  protected powerUp(afterLoss: boolean, opts: { seq?: number; hello?: boolean } = {}): void {
    this._boot = 1 + Math.floor(this.rand() * 0xfffffffe);
    this._seq = this.maskSeq(opts.seq ?? 0);
    this._grant = undefined;
    this._sleeveOpen = false;
    this.ungrantedN = 0;
    this.recentCommands.length = 0;
    if (afterLoss) this.clockOffset = CLOCK_RESET_MS - this.baseNow();
    if (afterLoss || (opts.hello ?? true)) this.hello();
    if (afterLoss && (this.opts.clockInvalidAlarm ?? true)) this.alarm('clock_invalid');
  }

  /**
   * Press the seal. Stamps only with a live grant (unless `stampWithoutGrant`, which still names
   * the grant it has). `bypass`: a mechanical bypass — stamps at once, naming no grant.
   */
  protected press(opts: StampOptions): CoreStampResult<Ref> {
    if (this.pending >= this.bufferLimit) {
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
    const frame = this.send({
      type: 'stamp',
      grant: g?.grant ?? null,
      n,
      counter: this._counter,
      time: now,
      photo: photo?.sha256 ?? null,
      impression: opts.impression ?? true,
    })!;
    return { ok: true, frame, grant: g?.grant ?? null, n, counter: this._counter, photo };
  }

  /** Whether the buffer takes one more event; a refusal is counted and logged. */
  protected admit(type: string): boolean {
    if (this.pending < this.bufferLimit) return true;
    this.stats.overflow++;
    this.log.warn({ type, pending: this.pending }, 'sleeve buffer full; event refused');
    return false;
  }

  /** Number and queue an up event, then pump; undefined when the buffer refused it. */
  protected send(event: SleeveUpEvent): Ref | undefined {
    if (!this.admit(event.type)) return undefined;
    const ref = this.queueUp(event, this.takeSeq());
    this.pump();
    return ref;
  }

  protected takeSeq(): number {
    const s = this._seq;
    this._seq = this.maskSeq(this._seq + 1);
    return s;
  }

  /**
   * A gateway command under its key (SSP/1: the frame's seq; MQTT: the command id): applied once,
   * `confirm`ed every time it comes; with `dropAcks` neither. True when it was applied now.
   */
  protected command(key: number | string, cmd: SleeveCommand, confirm: () => void): boolean {
    if (this.dropAcks) {
      this.stats.commandsIgnored++;
      return false;
    }
    if (this.recentCommands.includes(key)) {
      this.stats.commandsRepeated++;
      confirm();
      return false;
    }
    this.recentCommands.push(key);
    if (this.recentCommands.length > 64) this.recentCommands.shift();
    this.apply(cmd);
    this.stats.commandsApplied++;
    confirm();
    return true;
  }

  protected waitFor(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (cond()) return resolve();
      const deadline = Date.now() + timeoutMs;
      const check = (): void => {
        if (cond()) return resolve();
        if (Date.now() > deadline) {
          return reject(new Error(`${this.model.noun} ${this.id}: not ${what} after ${timeoutMs} ms (pending ${this.pending})`));
        }
        setTimeout(check, 5);
      };
      setTimeout(check, 5);
    });
  }

  // ---------------------------------------------------------------------------------------------

  private apply(cmd: SleeveCommand): void {
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

  private maskSeq(seq: number): number {
    return this.model.seqMask === undefined ? seq : seq & this.model.seqMask;
  }

  private takePhoto(): SleevePhoto {
    const { sha256, bytes } = simulatedPhoto(
      `sealift sim ${this.id} stamp ${this._counter + 1} at ${new Date(this.now()).toISOString()} #${Math.floor(this.rand() * 2 ** 32)}`,
    );
    this.photos.set(sha256, bytes);
    const limit = this.opts.photoLimit ?? 256;
    while (this.photos.size > limit) this.photos.delete(this.photos.keys().next().value!);
    return { sha256, bytes };
  }
}

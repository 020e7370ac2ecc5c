/**
 * `SimSleeve`: a virtual smart-seal sleeve on the device end of a pty pair (sim/pty.ts), speaking
 * SSP/1 (DESIGN §5.1) through the same codec as the gateway (`encodeUp`, `decodeDown`, `Ssp1Decoder`).
 *
 * Behaviour, as the hardware:
 *  - a random uint32 `boot` per power-up; HELLO first in every boot and again after each (re)open;
 *  - a lifetime stamp `counter`; its own clock (`now()`), set by TIME;
 *  - GRANT (uses, notBefore/notAfter by its own clock), REVOKE, LOCK (refuses stamps until the next
 *    GRANT; reports a STATUS) — each gateway frame is ACKed, repeated frames (same seq) are ACKed again
 *    without being applied twice;
 *  - never stamps without a live grant (unless `stampWithoutGrant`); a refused attempt sends ALARM
 *    `excess_attempt` (unless `alarmOnRefusedStamp: false`);
 *  - up frames are sent stop-and-wait in order: the head frame is retransmitted unchanged every
 *    `ackTimeoutMs` (500) for `retries` (5) tries; when a round goes unanswered the sleeve pauses
 *    `retryPauseMs` and starts another round with the same seq — it never gives an event up, so a
 *    gateway whose storage is down for a while still gets every event once it recovers;
 *  - unacknowledged events wait in a bounded buffer (`bufferLimit`, 1000). When it is full, new
 *    events are refused (`stamp()` returns `buffer_full` and does not stamp; other events are counted
 *    in `stats.overflow`) — the firmware cannot lose an audit event it has already taken;
 *  - after an unplug the pty end is reopened as soon as its path is back (ReconnectingPort).
 *
 * Power loss (`powerLoss()`), my model of a sleeve with a flash-backed outbox:
 *  - kept (flash): the unacknowledged buffer with each frame's original seq (and so its old boot),
 *    the lifetime counter, the lock;
 *  - lost (RAM): the grant, the clock (restarts at 2017-01-01T00:00:00Z), the seq counter (restarts at 0);
 *  - the new boot's HELLO is queued *behind* the kept frames, so the gateway still attributes those to
 *    the old boot (its current boot until the new HELLO) and the (boot, seq) keys never collide;
 *    then ALARM `clock_invalid` (unless `clockInvalidAlarm: false`).
 *
 * Fault injection: `noise` (probability per byte of a flipped bit, both directions) with `garbage`
 * (probability per frame of 1–16 random bytes before it), `stampWithoutGrant`, `dropAcks` (the sleeve
 * ignores GRANT/REVOKE/LOCK/TIME entirely: not applied, not ACKed), `counterJump(n)`, `alarm(kind)`,
 * `openSleeve()`, `powerLoss()`, `skipSeq(n)`. A `seed` makes noise, boots and photos reproducible.
 * `clock` replaces Date.now as the sleeve's time base (an accelerated clock shared with the gateway).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';
import { Ssp1Decoder } from '../../devices/codec/ssp1.js';
import {
  decodeDown,
  encodeUp,
  type AlarmKind,
  type SealCommand,
  type SealSerialEvent,
} from '../../devices/seal-ssp1-serial.js';
import { ReconnectingPort } from '../../src/transport/serial/port.js';
import { simulatedPhoto } from './photo.js';

/** 2017-01-01T00:00:00Z: where a sleeve's clock restarts after a power loss. */
export const CLOCK_RESET_MS = Date.UTC(2017, 0, 1);

export interface SimSleeveOptions {
  /** Device end of the pty pair. */
  path: string;
  id: string;
  model?: string;
  fw?: string;
  baudRate?: number;
  /** Retransmit period of up frames, ms (default 500). */
  ackTimeoutMs?: number;
  /** Tries per round (default 5). */
  retries?: number;
  /** Pause between rounds of unanswered tries, ms (default 1000). */
  retryPauseMs?: number;
  /** Unacknowledged events kept (default 1000). */
  bufferLimit?: number;
  /** Probability per byte of corruption, both directions (default 0). */
  noise?: number;
  /** Probability per sent frame of random bytes before it (default 0.2 when noise > 0, else 0). */
  garbage?: number;
  /** Seed for noise, boots and photos (default: Math.random). */
  seed?: number;
  /** Lifetime stamp counter at start (default 0). */
  counter?: number;
  /** First frame seq of the first boot (default 0); e.g. 65530 to exercise the wrap. */
  initialSeq?: number;
  stampWithoutGrant?: boolean;
  dropAcks?: boolean;
  /** Send ALARM clock_invalid after a power loss (default true). */
  clockInvalidAlarm?: boolean;
  /** Send ALARM excess_attempt when a stamp is refused (default true). */
  alarmOnRefusedStamp?: boolean;
  /** Periodic STATUS, ms (default 0: only on demand). */
  statusEveryMs?: number;
  /** Battery percentage reported in STATUS (default 87). */
  battery?: number;
  /** Reopen poll of the pty path, ms (default 250). */
  pollMs?: number;
  /** Delivered-event history kept for inspection (default 10000). */
  historyLimit?: number;
  /** Base clock of the sleeve (default Date.now); share an accelerated clock with the gateway in tests. TIME and power loss offset it. */
  clock?: () => number;
  /** Photos kept by hash for the photo upload path (default 256). */
  photoLimit?: number;
  log?: Logger;
}

export interface SleeveGrant {
  grant: string;
  uses: number;
  notBefore: number;
  notAfter: number;
  used: number;
  revoked: boolean;
}

/** One up frame of the sleeve, from queueing to acknowledgement. */
export interface SleeveFrame {
  seq: number;
  boot: number;
  event: SealSerialEvent;
  /** Transmissions so far. */
  tries: number;
  /** performance.now() when queued / when the gateway's ACK (or NACK) was decoded. */
  queuedAt: number;
  ackedAt?: number;
  /** NACK reason, when the gateway refused the frame. */
  nacked?: string;
}

export type StampRefusal = 'locked' | 'no_grant' | 'revoked' | 'used_up' | 'outside_window' | 'buffer_full';
export type StampResult =
  | {
      ok: true;
      frame: SleeveFrame;
      grant: string | null;
      n: number;
      counter: number;
      /** The photo taken (null when `photo: false`): its SHA-256 hex and its bytes. */
      photo: { sha256: string; bytes: Buffer } | null;
    }
  | { ok: false; reason: StampRefusal };

export interface SleeveStats {
  framesSent: number;
  retransmits: number;
  acked: number;
  nacked: number;
  /** Events refused because the buffer was full. */
  overflow: number;
  commandsApplied: number;
  commandsRepeated: number;
  commandsIgnored: number;
  rxRejected: number;
  writeErrors: number;
  powerLosses: number;
}

export interface SleeveEvents {
  open: [];
  close: [];
  acked: [frame: SleeveFrame];
  nacked: [frame: SleeveFrame, reason: string];
  /** A gateway command was applied (not for repeats or ignored ones). */
  command: [cmd: SealCommand, seq: number];
}

const SILENT = pino({ level: 'silent' });

/** mulberry32: a small seeded PRNG in [0, 1). */
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

export class SimSleeve extends EventEmitter<SleeveEvents> {
  readonly id: string;
  /** Fault injection switches; may be changed at any time. */
  noise: number;
  garbage: number | undefined;
  stampWithoutGrant: boolean;
  dropAcks: boolean;

  readonly stats: SleeveStats = {
    framesSent: 0,
    retransmits: 0,
    acked: 0,
    nacked: 0,
    overflow: 0,
    commandsApplied: 0,
    commandsRepeated: 0,
    commandsIgnored: 0,
    rxRejected: 0,
    writeErrors: 0,
    powerLosses: 0,
  };
  /** Acknowledged (or NACKed) frames in order, most recent `historyLimit`. */
  readonly delivered: SleeveFrame[] = [];
  /** Photos by SHA-256 hex, most recent `photoLimit`. */
  readonly photos = new Map<string, Buffer>();

  private readonly opts: SimSleeveOptions;
  private readonly rand: () => number;
  private readonly log: Logger;
  private readonly decoder = new Ssp1Decoder();
  private port?: ReconnectingPort;

  private _boot = 0;
  private _seq = 0;
  private _counter: number;
  private clockOffset = 0;
  private _grant?: SleeveGrant;
  private _locked = false;
  private _sleeveOpen = false;
  private ungrantedN = 0;

  private readonly queue: Array<SleeveFrame & { bytes: Buffer }> = [];
  private roundTries = 0;
  private retransmitTimer?: NodeJS.Timeout;
  private pauseTimer?: NodeJS.Timeout;
  private statusTimer?: NodeJS.Timeout;
  /** Seqs of gateway commands already applied (this boot), for repeats. */
  private readonly recentCommands: number[] = [];
  private stopped = false;

  constructor(opts: SimSleeveOptions) {
    super();
    this.opts = opts;
    this.id = opts.id;
    this.noise = opts.noise ?? 0;
    this.garbage = opts.garbage;
    this.stampWithoutGrant = opts.stampWithoutGrant ?? false;
    this.dropAcks = opts.dropAcks ?? false;
    this.rand = opts.seed !== undefined ? seeded(opts.seed) : Math.random;
    this.log = (opts.log ?? SILENT).child({ component: 'sim-sleeve', device: opts.id });
    this._counter = opts.counter ?? 0;
    this.powerUp(opts.initialSeq ?? 0, false);
  }

  // ---------------------------------------------------------------------------------------------
  // State

  get boot(): number {
    return this._boot;
  }
  /** Next frame seq. */
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
  get pending(): number {
    return this.queue.length;
  }
  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }
  /** The sleeve's own clock, epoch ms. */
  now(): number {
    return this.baseNow() + this.clockOffset;
  }

  private baseNow(): number {
    return this.opts.clock ? this.opts.clock() : Date.now();
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /** Open the pty end (and keep reopening it). */
  start(): void {
    if (this.port) return;
    this.stopped = false;
    const pollMs = this.opts.pollMs ?? 250;
    this.port = new ReconnectingPort({
      path: this.opts.path,
      baudRate: this.opts.baudRate,
      pollMs,
      initialBackoffMs: Math.min(200, pollMs),
      log: this.log,
    });
    this.port.on('data', (chunk) => this.receive(chunk));
    this.port.on('open', () => this.onOpen());
    this.port.on('close', () => this.onClose());
    if (this.opts.statusEveryMs) {
      this.statusTimer = setInterval(() => {
        if (this.queue.length < (this.opts.bufferLimit ?? 1000) / 2) this.status();
      }, this.opts.statusEveryMs);
      this.statusTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    clearInterval(this.statusTimer);
    const port = this.port;
    this.port = undefined;
    await port?.close();
  }

  /** Resolves once the pty end is open. */
  waitOpen(timeoutMs = 5000): Promise<void> {
    return this.waitFor(() => this.isOpen, 'open', timeoutMs);
  }

  /** Resolves once every queued event has been acknowledged. */
  whenIdle(timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => this.queue.length === 0, 'idle', timeoutMs);
  }

  // ---------------------------------------------------------------------------------------------
  // What a person (or a fault) does to the sleeve

  /**
   * Press the seal. Stamps only with a live grant (unless `stampWithoutGrant`, which still names
   * the grant it has). `bypass`: a mechanical bypass — stamps at once, naming no grant.
   */
  stamp(opts: { impression?: boolean; photo?: boolean; bypass?: boolean } = {}): StampResult {
    if (this.queue.length >= this.bufferLimit) {
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
    let n: number;
    if (g) n = Math.min(0xffff, ++g.used);
    else n = this.ungrantedN = Math.min(0xffff, this.ungrantedN + 1);
    this._counter = (this._counter + 1) >>> 0;
    const photo = opts.photo === false ? null : this.takePhoto();
    const frame = this.enqueue({
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

  hello(): SleeveFrame | undefined {
    return this.enqueue({
      type: 'hello',
      id: this.id,
      model: this.opts.model ?? 'SIM-SSP1',
      fw: this.opts.fw ?? '1.0.0',
      boot: this._boot,
      counter: this._counter,
      time: this.now(),
    });
  }

  status(): SleeveFrame | undefined {
    return this.enqueue({
      type: 'status',
      battery: this.opts.battery ?? 87,
      locked: this._locked,
      sleeveClosed: !this._sleeveOpen,
      sealPresent: true,
      time: this.now(),
    });
  }

  alarm(kind: AlarmKind): SleeveFrame | undefined {
    return this.enqueue({ type: 'alarm', kind, time: this.now() });
  }

  auth(operator: number | null, ok: boolean): SleeveFrame | undefined {
    return this.enqueue({ type: 'auth', operator, ok, time: this.now() });
  }

  /** Open the sleeve (with or without a grant — the gateway judges). */
  openSleeve(): SleeveFrame | undefined {
    this._sleeveOpen = true;
    return this.enqueue({ type: 'sleeve', open: true, time: this.now() });
  }

  closeSleeve(): SleeveFrame | undefined {
    this._sleeveOpen = false;
    return this.enqueue({ type: 'sleeve', open: false, time: this.now() });
  }

  /** Stamps the gateway never saw: the lifetime counter jumps by `n` (shows in the next HELLO/STAMP). */
  counterJump(n: number): void {
    this._counter = (this._counter + n) >>> 0;
  }

  /** Firmware fault: the next `n` frame seqs are never sent (the gateway sees a SEQ_GAP). */
  skipSeq(n: number): void {
    this._seq = (this._seq + Math.max(0, Math.floor(n))) & 0xffff;
  }

  /** Power loss and restart; see the module comment for what survives. */
  powerLoss(): void {
    this.stats.powerLosses++;
    this.clearTimers();
    this.roundTries = 0;
    this.powerUp(0, true);
    this.pump();
  }

  // ---------------------------------------------------------------------------------------------

  private get bufferLimit(): number {
    return this.opts.bufferLimit ?? 1000;
  }

  private powerUp(seq: number, afterLoss: boolean): void {
    this._boot = 1 + Math.floor(this.rand() * 0xfffffffe);
    this._seq = seq & 0xffff;
    this._grant = undefined;
    this._sleeveOpen = false;
    this.ungrantedN = 0;
    this.recentCommands.length = 0;
    this.decoder.flush();
    if (afterLoss) this.clockOffset = CLOCK_RESET_MS - this.baseNow();
    this.hello();
    if (afterLoss && (this.opts.clockInvalidAlarm ?? true)) this.alarm('clock_invalid');
  }

  private takeSeq(): number {
    const s = this._seq;
    this._seq = (this._seq + 1) & 0xffff;
    return s;
  }

  private takePhoto(): { sha256: string; bytes: Buffer } {
    const { sha256, bytes } = simulatedPhoto(
      `sealift sim ${this.opts.id} stamp ${this._counter + 1} at ${new Date(this.now()).toISOString()} #${Math.floor(this.rand() * 2 ** 32)}`,
    );
    this.photos.set(sha256, bytes);
    const limit = this.opts.photoLimit ?? 256;
    while (this.photos.size > limit) this.photos.delete(this.photos.keys().next().value!);
    return { sha256, bytes };
  }

  private enqueue(event: SealSerialEvent): SleeveFrame | undefined {
    if (this.queue.length >= this.bufferLimit) {
      this.stats.overflow++;
      this.log.warn({ type: event.type, pending: this.queue.length }, 'sleeve buffer full; event refused');
      return undefined;
    }
    const seq = this.takeSeq();
    const entry = { seq, boot: this._boot, event, tries: 0, queuedAt: performance.now(), bytes: encodeUp(event, seq) };
    this.queue.push(entry);
    this.pump();
    return entry;
  }

  /** Send the head frame if nothing is in flight. */
  private pump(): void {
    if (this.stopped || !this.isOpen || this.retransmitTimer || this.pauseTimer) return;
    const head = this.queue[0];
    if (!head) return;
    this.transmit(head);
  }

  private transmit(head: SleeveFrame & { bytes: Buffer }): void {
    this.retransmitTimer = undefined;
    if (this.stopped || !this.isOpen || this.queue[0] !== head) return;
    if (this.roundTries >= (this.opts.retries ?? 5)) {
      // a whole round unanswered: pause, then another round (the event is never given up)
      this.roundTries = 0;
      this.pauseTimer = setTimeout(() => {
        this.pauseTimer = undefined;
        this.pump();
      }, this.opts.retryPauseMs ?? 1000);
      return;
    }
    if (head.tries > 0) this.stats.retransmits++;
    head.tries++;
    this.roundTries++;
    this.stats.framesSent++;
    this.write(head.bytes, true);
    this.retransmitTimer = setTimeout(() => this.transmit(head), this.opts.ackTimeoutMs ?? 500);
  }

  private write(bytes: Buffer, withGarbage: boolean): void {
    const port = this.port;
    if (!port?.isOpen) return;
    let out = this.corrupt(bytes);
    const garbageP = this.garbage ?? (this.noise > 0 ? 0.2 : 0);
    if (withGarbage && garbageP > 0 && this.rand() < garbageP) {
      const junk = Buffer.allocUnsafe(1 + Math.floor(this.rand() * 16));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(this.rand() * 256);
      out = Buffer.concat([junk, out]);
    }
    port.write(out).catch(() => this.stats.writeErrors++);
  }

  /** Flip one random bit in each byte with probability `noise` (returns a copy when anything changed). */
  private corrupt(buf: Buffer): Buffer {
    const p = this.noise;
    if (p <= 0) return buf;
    let out: Buffer | undefined;
    for (let i = 0; i < buf.length; i++) {
      if (this.rand() < p) {
        out ??= Buffer.from(buf);
        out[i] = (out[i] as number) ^ (1 << Math.floor(this.rand() * 8));
      }
    }
    return out ?? buf;
  }

  private receive(chunk: Buffer): void {
    for (const r of this.decoder.push(this.corrupt(chunk))) {
      if (!r.ok) {
        this.stats.rxRejected++;
        continue;
      }
      const d = decodeDown(r.frame);
      if (!d.ok) {
        this.stats.rxRejected++;
        continue;
      }
      this.handleCommand(d.command, d.seq);
    }
  }

  private handleCommand(cmd: SealCommand, seq: number): void {
    switch (cmd.type) {
      case 'ack':
        return this.answered(cmd.ack);
      case 'nack':
        return this.answered(cmd.ack, cmd.reason);
    }
    if (this.dropAcks) {
      this.stats.commandsIgnored++;
      return;
    }
    if (this.recentCommands.includes(seq)) {
      this.stats.commandsRepeated++;
      this.sendAck(seq);
      return;
    }
    this.recentCommands.push(seq);
    if (this.recentCommands.length > 64) this.recentCommands.shift();
    this.apply(cmd);
    this.stats.commandsApplied++;
    this.sendAck(seq);
    this.emit('command', cmd, seq);
  }

  private apply(cmd: Exclude<SealCommand, { type: 'ack' } | { type: 'nack' }>): void {
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

  private sendAck(ack: number): void {
    this.write(encodeUp({ type: 'ack', ack }, this.takeSeq()), false);
  }

  /** The gateway's ACK/NACK for `ack`: completes the head frame if it matches. */
  private answered(ack: number, nackReason?: string): void {
    const head = this.queue[0];
    if (!head || head.seq !== ack || head.tries === 0) return; // late or stray
    this.queue.shift();
    this.clearTimers();
    this.roundTries = 0;
    head.ackedAt = performance.now();
    const { bytes: _bytes, ...frame } = head;
    if (nackReason !== undefined) frame.nacked = nackReason;
    this.delivered.push(frame);
    if (this.delivered.length > (this.opts.historyLimit ?? 10_000)) this.delivered.shift();
    if (nackReason !== undefined) {
      this.stats.nacked++;
      this.log.warn({ seq: ack, reason: nackReason, type: frame.event.type }, 'gateway refused a frame');
      this.emit('nacked', frame, nackReason);
    } else {
      this.stats.acked++;
      this.emit('acked', frame);
    }
    this.pump();
  }

  private onOpen(): void {
    this.decoder.flush();
    // say hello on every (re)open, unless a HELLO of this boot is already waiting
    if (!this.queue.some((f) => f.event.type === 'hello' && f.boot === this._boot)) this.hello();
    this.emit('open');
    this.pump();
  }

  private onClose(): void {
    this.clearTimers();
    this.roundTries = 0;
    this.emit('close');
  }

  private clearTimers(): void {
    clearTimeout(this.retransmitTimer);
    clearTimeout(this.pauseTimer);
    this.retransmitTimer = undefined;
    this.pauseTimer = undefined;
  }

  private waitFor(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (cond()) return resolve();
      const deadline = Date.now() + timeoutMs;
      const check = (): void => {
        if (cond()) return resolve();
        if (Date.now() > deadline) {
          return reject(new Error(`sleeve ${this.id}: not ${what} after ${timeoutMs} ms (pending ${this.queue.length})`));
        }
        setTimeout(check, 5);
      };
      setTimeout(check, 5);
    });
  }
}

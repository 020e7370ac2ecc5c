/**
 * `SimSleeve`: a virtual smart-seal sleeve on the device end of a pty pair (sim/pty.ts), speaking
 * SSP/1 (DESIGN §5.1) through the same codec as the gateway (`encodeUp`, `decodeDown`, `Ssp1Decoder`).
 * What the sleeve does — grants, stamps, alarms, power loss — is `SleeveCore` (sleeve-core.ts); this
 * is its serial line:
 *
 *  - HELLO first in every boot and again after each (re)open; seqs are 16-bit and wrap;
 *  - each gateway frame is ACKed, repeated frames (same seq) are ACKed again without being applied
 *    twice; an ACK sent takes a seq of its own;
 *  - up frames are sent stop-and-wait in order: the head frame is retransmitted unchanged every
 *    `ackTimeoutMs` (500) for `retries` (5) tries; when a round goes unanswered the sleeve pauses
 *    `retryPauseMs` and starts another round with the same seq — it never gives an event up, so a
 *    gateway whose storage is down for a while still gets every event once it recovers;
 *  - after an unplug the pty end is reopened as soon as its path is back (ReconnectingPort);
 *  - after a power loss the kept frames keep their original seq (and so their old boot): the new
 *    boot's HELLO is queued behind them, so the gateway still attributes those to the old boot (its
 *    current boot until the new HELLO) and the (boot, seq) keys never collide.
 *
 * Fault injection: `noise` (probability per byte of a flipped bit, both directions) with `garbage`
 * (probability per frame of 1–16 random bytes before it), `stampWithoutGrant`, `dropAcks` (the sleeve
 * ignores GRANT/REVOKE/LOCK/TIME entirely: not applied, not ACKed), `counterJump(n)`, `alarm(kind)`,
 * `openSleeve()`, `powerLoss()`, `skipSeq(n)`. A `seed` makes noise, boots and photos reproducible.
 * `clock` replaces Date.now as the sleeve's time base (an accelerated clock shared with the gateway).
 */
import { performance } from 'node:perf_hooks';
import { Ssp1Decoder } from '../../devices/codec/ssp1.js';
import { decodeDown, encodeUp, type SealCommand, type SealSerialEvent } from '../../devices/seal-ssp1-serial.js';
import { ReconnectingPort } from '../../src/transport/serial/port.js';
import {
  SleeveCore,
  type CoreStampResult,
  type SleeveCoreOptions,
  type SleeveCoreStats,
  type SleeveUpEvent,
  type StampOptions,
} from './sleeve-core.js';

export { CLOCK_RESET_MS, type SleeveGrant, type StampRefusal } from './sleeve-core.js';

export interface SimSleeveOptions extends SleeveCoreOptions {
  /** Device end of the pty pair. */
  path: string;
  baudRate?: number;
  /** Retransmit period of up frames, ms (default 500). */
  ackTimeoutMs?: number;
  /** Tries per round (default 5). */
  retries?: number;
  /** Pause between rounds of unanswered tries, ms (default 1000). */
  retryPauseMs?: number;
  /** Probability per byte of corruption, both directions (default 0). */
  noise?: number;
  /** Probability per sent frame of random bytes before it (default 0.2 when noise > 0, else 0). */
  garbage?: number;
  /** First frame seq of the first boot (default 0); e.g. 65530 to exercise the wrap. */
  initialSeq?: number;
  /** Periodic STATUS, ms (default 0: only on demand). */
  statusEveryMs?: number;
  /** Reopen poll of the pty path, ms (default 250). */
  pollMs?: number;
  /** Delivered-event history kept for inspection (default 10000). */
  historyLimit?: number;
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

export type StampResult = CoreStampResult<SleeveFrame>;

export interface SleeveStats extends SleeveCoreStats {
  framesSent: number;
  retransmits: number;
  acked: number;
  nacked: number;
  rxRejected: number;
  writeErrors: number;
}

export interface SleeveEvents {
  open: [];
  close: [];
  acked: [frame: SleeveFrame];
  nacked: [frame: SleeveFrame, reason: string];
  /** A gateway command was applied (not for repeats or ignored ones). */
  command: [cmd: SealCommand, seq: number];
}

export class SimSleeve extends SleeveCore<SimSleeveOptions, SleeveFrame, SleeveEvents> {
  /** Fault injection switches; may be changed at any time. */
  noise: number;
  garbage: number | undefined;

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

  private readonly decoder = new Ssp1Decoder();
  private port?: ReconnectingPort;
  private readonly queue: Array<SleeveFrame & { bytes: Buffer }> = [];
  private roundTries = 0;
  private retransmitTimer?: NodeJS.Timeout;
  private pauseTimer?: NodeJS.Timeout;
  private statusTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(opts: SimSleeveOptions) {
    super(opts, { model: 'SIM-SSP1', component: 'sim-sleeve', noun: 'sleeve', seqMask: 0xffff });
    this.noise = opts.noise ?? 0;
    this.garbage = opts.garbage;
    this.powerUp(false, { seq: opts.initialSeq ?? 0 });
  }

  /** Unacknowledged events (buffered or in flight). */
  get pending(): number {
    return this.queue.length;
  }
  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
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
        if (this.queue.length < this.bufferLimit / 2) this.status();
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

  /**
   * Press the seal. Stamps only with a live grant (unless `stampWithoutGrant`, which still names
   * the grant it has). `bypass`: a mechanical bypass — stamps at once, naming no grant.
   */
  stamp(opts: StampOptions = {}): StampResult {
    return this.press(opts);
  }

  override powerLoss(): void {
    this.clearTimers();
    this.roundTries = 0;
    this.decoder.flush();
    super.powerLoss();
  }

  // ---------------------------------------------------------------------------------------------

  protected queueUp(event: SleeveUpEvent, seq: number): SleeveFrame {
    const entry = { seq, boot: this.boot, event, tries: 0, queuedAt: performance.now(), bytes: encodeUp(event, seq) };
    this.queue.push(entry);
    return entry;
  }

  /** Send the head frame if nothing is in flight. */
  protected pump(): void {
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
    if (this.command(seq, cmd, () => this.sendAck(seq))) this.emit('command', cmd, seq);
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
    if (!this.queue.some((f) => f.event.type === 'hello' && f.boot === this.boot)) this.hello();
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
}

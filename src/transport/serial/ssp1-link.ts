/**
 * `Ssp1Link`: the gateway side of one seal sleeve on one serial port (DESIGN §5.1, laws 1, 3, 5, 6).
 *
 * Bytes from the port go through the shared `Ssp1Decoder` (devices/codec/ssp1.ts) and the profile's
 * `decodeUp`; the link never frames or checks CRCs itself. Up frames are handled strictly one at a
 * time in arrival order:
 *
 *  1. the raw uint16 seq is extended to a monotonic per-boot seq (`SeqExtender`); the boot is the one
 *     of the last HELLO (`initialBoot` after a gateway restart, 0 before any is known);
 *  2. a frame already handled — same (boot, extended seq) — is answered again with its first answer
 *     (ACK or NACK) and not passed on (idempotent ingest, law 3);
 *  3. otherwise `onEvent` is awaited (the journal commit) and only then `ACK {ack: rawSeq}` is sent
 *     (ack after commit, law 1). A `Rejection` from `onEvent` answers `NACK {ack, reason}`; any other
 *     failure (storage) answers nothing, so the sleeve retransmits and the frame is tried again.
 *
 * Frames the decoder or the schema refuse are counted by reason (`metrics.rejected`, reason
 * `ssp1_<reason>`), logged throttled, and — when the frame itself was intact (valid CRC) and is not an
 * acknowledgement — NACKed so the sleeve stops retransmitting it. Frames of gateway → device types are
 * only counted, never NACKed: on a half-duplex RS-485 adapter they are our own echo.
 *
 * Commands (`send`) are numbered with the link's own uint16 counter (shared by the ACK/NACK frames it
 * sends, starting at a random value so a restarted gateway does not reuse recent numbers), sent one at
 * a time, and retransmitted unchanged (same seq) every `ackTimeoutMs` until the sleeve's ACK, at most
 * `retries` tries in all.
 *
 * Bounds (law 4): at most `maxPending` received frames wait for processing (beyond that, frames are
 * dropped unanswered — the sleeve retransmits them — and counted as `ssp1_overload`); at most
 * `maxCommands` commands wait (beyond that `send` resolves `{acked: false, tries: 0}` at once); the
 * dedupe memory keeps the answers of the last `dedupeWindow` frames.
 */
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import { pino, type Logger } from 'pino';
import {
  FrameType,
  Ssp1Decoder,
  isFrameType,
  isUpFrameType,
  needsAck,
  nextSeq,
  type DecodeResult,
  type Ssp1Frame,
} from '../../../devices/codec/ssp1.js';
import { decodeUp, encodeDown, type SealCommand, type SealSerialEvent } from '../../../devices/seal-ssp1-serial.js';
import { Rejection } from '../../core/errors.js';
import { child, throttledWarn } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { BytePort } from './port.js';
import { SeqExtender } from './seq.js';

/** Events a sleeve reports (every up frame type except its ACK). */
export type SealUpEvent = Exclude<SealSerialEvent, { type: 'ack' }>;
/** Commands the gateway sends and tracks to acknowledgement (ACK/NACK are the link's business). */
export type SealDownCommand = Exclude<SealCommand, { type: 'ack' } | { type: 'nack' }>;

export interface LinkEvent {
  event: SealUpEvent;
  /** Boot id of the sleeve (from the last HELLO; `initialBoot` or 0 before any). */
  boot: number;
  /** Monotonic per-boot seq (raw uint16 seq extended over wraps): the device seq of the natural key. */
  seq: number;
  /** The seq as on the wire. */
  rawSeq: number;
  /** Device seqs skipped right before this frame in this boot (a SEQ_GAP hint; 0 normally). */
  gap: number;
  /** Gateway clock (epoch ms) when the frame was decoded. */
  receivedAt: number;
}

export type LinkState = 'closed' | 'open' | 'hello_seen';

export interface SendResult {
  acked: boolean;
  tries: number;
}

export interface Ssp1LinkOptions {
  port: BytePort;
  /** Commit the event; resolve when durable. Reject with `Rejection` to NACK, otherwise to withhold the ACK. */
  onEvent: (e: LinkEvent) => Promise<void>;
  /** Device id, for logs. */
  deviceId?: string;
  /** Boot known from before a gateway restart (the journal's last boot for this sleeve). */
  initialBoot?: number;
  /** Highest extended seq already stored for `initialBoot` (restores the wrap count). */
  initialSeq?: number;
  /** Gateway-side frame counter start (default random uint16). */
  initialTxSeq?: number;
  /** Retransmit period of commands, ms (default 500). */
  ackTimeoutMs?: number;
  /** Tries per command in all (default 5). */
  retries?: number;
  /** Received frames waiting for processing (default 1024). */
  maxPending?: number;
  /** Commands waiting to be sent (default 256). */
  maxCommands?: number;
  /** Answers remembered for dedupe (default 4096 frames). */
  dedupeWindow?: number;
  metrics?: Metrics;
  log?: Logger;
}

export interface Ssp1LinkCounters {
  /** Intact frames received (any type, duplicates included). */
  framesIn: number;
  /** Frames written to the port (ACK, NACK, commands and their retransmissions). */
  framesOut: number;
  /** Up frames passed to onEvent, committed and ACKed (first delivery). */
  framesOk: number;
  /** Rejected inputs by reason (decoder reasons, schema, wrong_direction, overload, nack_<code>). */
  rejected: Record<string, number>;
  /** Bytes the decoder refused (garbage, bad CRC, …). */
  rejectedBytes: number;
  /** Frames received again (same boot and seq) after a first copy (ACK lost, commit failed or slow). */
  retransmitsSeen: number;
  /** Frames answered from the dedupe memory without calling onEvent. */
  duplicatesAnswered: number;
  acksSent: number;
  nacksSent: number;
  /** onEvent rejections other than `Rejection` (no answer sent). */
  storageFailures: number;
  commandsSent: number;
  commandsAcked: number;
  commandsFailed: number;
  /** Command frames sent again (tries beyond the first). */
  commandRetransmits: number;
  /** Device ACKs that matched no outstanding command. */
  strayAcks: number;
  /** Writes that failed (port closed or errored). */
  writeErrors: number;
}

export interface LinkEvents {
  state: [state: LinkState];
}

type Answer = { kind: 'ack' } | { kind: 'nack'; reason: string };
type Inbound = { frame: Ssp1Frame; receivedAt: number } | { bad: DecodeResult & { ok: false }; receivedAt: number };

interface Outgoing {
  cmd: SealDownCommand;
  resolve: (r: SendResult) => void;
}
interface Outstanding {
  seq: number;
  tries: number;
  bytes: Buffer;
  timer?: NodeJS.Timeout;
  resolve: (r: SendResult) => void;
}

const SILENT = pino({ level: 'silent' });
const NACK_REASON_MAX = 200;

export class Ssp1Link extends EventEmitter<LinkEvents> {
  readonly counters: Ssp1LinkCounters = {
    framesIn: 0,
    framesOut: 0,
    framesOk: 0,
    rejected: {},
    rejectedBytes: 0,
    retransmitsSeen: 0,
    duplicatesAnswered: 0,
    acksSent: 0,
    nacksSent: 0,
    storageFailures: 0,
    commandsSent: 0,
    commandsAcked: 0,
    commandsFailed: 0,
    commandRetransmits: 0,
    strayAcks: 0,
    writeErrors: 0,
  };

  private readonly port: BytePort;
  private readonly onEvent: (e: LinkEvent) => Promise<void>;
  private readonly ackTimeoutMs: number;
  private readonly retries: number;
  private readonly maxPending: number;
  private readonly maxCommands: number;
  private readonly dedupeWindow: number;
  private readonly metrics?: Metrics;
  private readonly log: Logger;
  private readonly warn: ReturnType<typeof throttledWarn>;

  private readonly decoder = new Ssp1Decoder();
  private _state: LinkState;
  private _boot: number;
  private _lastFrameAt?: number;
  private seqs: SeqExtender;
  private txSeq: number;
  /** (boot:seq) → the answer given, or null when seen but not answered (commit failed). Bounded. */
  private readonly answered = new Map<string, Answer | null>();

  private readonly inbound: Inbound[] = [];
  private processing = false;
  private readonly commands: Outgoing[] = [];
  private outstanding?: Outstanding;
  private closed = false;

  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onOpen = (): void => this.setState('open');
  private readonly onClose = (): void => {
    for (const r of this.decoder.flush()) this.countDecodeReject(r as DecodeResult & { ok: false });
    this.setState('closed');
  };

  constructor(opts: Ssp1LinkOptions) {
    super();
    this.port = opts.port;
    this.onEvent = opts.onEvent;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 500;
    this.retries = Math.max(1, opts.retries ?? 5);
    this.maxPending = opts.maxPending ?? 1024;
    this.maxCommands = opts.maxCommands ?? 256;
    this.dedupeWindow = opts.dedupeWindow ?? 4096;
    this.metrics = opts.metrics;
    this.log = child(opts.log ?? SILENT, 'ssp1-link', { device: opts.deviceId });
    this.warn = throttledWarn(this.log);
    this._boot = opts.initialBoot ?? 0;
    this.seqs = new SeqExtender(opts.initialBoot !== undefined ? opts.initialSeq : undefined);
    this.txSeq = (opts.initialTxSeq ?? randomInt(0, 0x10000)) & 0xffff;
    this._state = this.port.isOpen ? 'open' : 'closed';
    this.port.on('data', this.onData);
    this.port.on('open', this.onOpen);
    this.port.on('close', this.onClose);
  }

  get state(): LinkState {
    return this._state;
  }

  /** The sleeve's current boot id (0 until known). */
  get boot(): number {
    return this._boot;
  }

  /** Highest extended seq seen in the current boot. */
  get lastSeq(): number | undefined {
    return this.seqs.last;
  }

  /** Gateway time (epoch ms) of the last intact frame, for offline detection. */
  get lastFrameAt(): number | undefined {
    return this._lastFrameAt;
  }

  /** Received frames waiting for processing. */
  get pendingFrames(): number {
    return this.inbound.length;
  }

  /** Commands waiting or in flight. */
  get pendingCommands(): number {
    return this.commands.length + (this.outstanding ? 1 : 0);
  }

  /**
   * Send a command and track it to the sleeve's ACK. Resolves `{acked: false}` after the last
   * unanswered try (the caller raises GRANT_NOT_ACKED), when the queue is full or the link is closed.
   * Rejects only with `Rejection('schema')` for an invalid command (nothing is sent).
   */
  send(cmd: SealDownCommand): Promise<SendResult> {
    try {
      encodeDown(cmd, 0); // validate now, so a bad command fails its caller rather than the queue
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Rejection('schema', String(err)));
    }
    if (this.closed || this.pendingCommands >= this.maxCommands) {
      this.counters.commandsFailed++;
      this.warn('command_queue', { type: cmd.type, closed: this.closed }, 'SSP/1 command not queued');
      return Promise.resolve({ acked: false, tries: 0 });
    }
    return new Promise<SendResult>((resolve) => {
      this.commands.push({ cmd, resolve });
      this.nextCommand();
    });
  }

  /** Detach from the port and stop (the port's owner closes the port). Pending sends resolve unacked. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.off('data', this.onData);
    this.port.off('open', this.onOpen);
    this.port.off('close', this.onClose);
    this.inbound.length = 0;
    const out = this.outstanding;
    if (out) {
      clearTimeout(out.timer);
      this.outstanding = undefined;
      this.counters.commandsFailed++;
      out.resolve({ acked: false, tries: out.tries });
    }
    for (const c of this.commands.splice(0)) {
      this.counters.commandsFailed++;
      c.resolve({ acked: false, tries: 0 });
    }
    this.setState('closed');
  }

  // ---------------------------------------------------------------------------------------------
  // Receive path

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    const receivedAt = Date.now();
    let results: DecodeResult[];
    try {
      results = this.decoder.push(chunk);
    } catch (err) {
      // the decoder is total; this is a guard so a bug there never takes the daemon down
      this.count('decoder_error');
      this.log.error({ err }, 'SSP/1 decoder failed');
      this.decoder.flush();
      return;
    }
    for (const r of results) {
      if (r.ok) {
        this.counters.framesIn++;
        this._lastFrameAt = receivedAt;
        this.enqueue({ frame: r.frame, receivedAt });
      }
      else if (r.type !== undefined && r.seq !== undefined) this.enqueue({ bad: r, receivedAt });
      else this.countDecodeReject(r);
    }
    this.drain();
  }

  private enqueue(item: Inbound): void {
    if (this.inbound.length >= this.maxPending) {
      this.count('overload');
      this.warn('overload', { pending: this.inbound.length }, 'SSP/1 frame dropped unanswered: too many frames waiting');
      return;
    }
    this.inbound.push(item);
  }

  private drain(): void {
    if (this.processing) return;
    this.processing = true;
    void (async () => {
      try {
        while (!this.closed && this.inbound.length > 0) {
          const item = this.inbound.shift()!;
          try {
            if ('frame' in item) await this.handleFrame(item.frame, item.receivedAt);
            else this.handleBadFrame(item.bad);
          } catch (err) {
            // handleFrame catches onEvent itself; anything here is a bug, never a crash
            this.count('internal');
            this.log.error({ err }, 'SSP/1 frame handling failed');
          }
        }
      } finally {
        this.processing = false;
      }
    })();
  }

  /** A correctly framed frame whose body or type the decoder refused. */
  private handleBadFrame(bad: DecodeResult & { ok: false }): void {
    this.countDecodeReject(bad);
    const type = bad.type!;
    const rawSeq = bad.seq!;
    if (isFrameType(type) && !isUpFrameType(type)) return; // our own echo on a half-duplex bus
    this.seqs.observe(this.seqs.extend(rawSeq));
    // answer intact frames the sleeve would otherwise retransmit; never answer acks or gateway-type echoes
    if (!isFrameType(type) || (isUpFrameType(type) && needsAck(type))) {
      this.sendNack(rawSeq, bad.errors?.length ? `${bad.reason}: ${bad.errors.join('; ')}` : bad.reason);
    }
  }

  private async handleFrame(frame: Ssp1Frame, receivedAt: number): Promise<void> {
    if (frame.type === FrameType.DEV_ACK) {
      this.seqs.observe(this.seqs.extend(frame.seq));
      const r = decodeUp(frame);
      if (!r.ok) {
        this.reject(r.reason, { seq: frame.seq, type: 'ACK', errors: r.errors });
        return;
      }
      if (r.event.type === 'ack' && typeof r.event.ack === 'number') this.commandAcked(r.event.ack);
      return;
    }

    const r = decodeUp(frame);
    if (!r.ok) {
      this.reject(r.reason, { seq: frame.seq, type: frame.type, errors: r.errors });
      if (r.reason === 'wrong_direction') return; // our own echo on a half-duplex bus: never answer
      this.seqs.observe(this.seqs.extend(frame.seq));
      this.sendNack(frame.seq, `${r.reason}: ${r.errors.join('; ')}`);
      return;
    }
    const event = r.event as SealUpEvent;

    if (event.type === 'hello' && event.boot !== this._boot) {
      this.log.info({ boot: event.boot, previous: this._boot }, 'sleeve boot');
      this._boot = event.boot;
      this.seqs = new SeqExtender();
    }
    if (event.type === 'hello') this.setState('hello_seen');

    const rawSeq = frame.seq;
    const seq = this.seqs.extend(rawSeq);
    const gap = this.seqs.observe(seq);

    const key = `${this._boot}:${seq}`;
    const previous = this.answered.get(key);
    if (previous !== undefined) this.counters.retransmitsSeen++;
    if (previous) {
      this.counters.duplicatesAnswered++;
      if (previous.kind === 'ack') this.sendAck(rawSeq);
      else this.sendNack(rawSeq, previous.reason);
      return;
    }
    if (previous === undefined) this.remember(key, null); // seen, not answered yet

    const boot = this._boot;
    try {
      await this.onEvent({ event, boot, seq, rawSeq, gap, receivedAt });
    } catch (err) {
      if (err instanceof Rejection) {
        const reason = `${err.code}: ${err.message}`;
        this.remember(key, { kind: 'nack', reason });
        this.reject(`nack_${err.code}`, { seq, boot, type: event.type, reason: err.message });
        this.sendNack(rawSeq, reason);
      } else {
        this.counters.storageFailures++;
        this.warn(
          'storage',
          { err: err instanceof Error ? err.message : String(err), seq, boot, type: event.type },
          'SSP/1 event not committed; ACK withheld (the sleeve retransmits)',
        );
      }
      return;
    }
    this.remember(key, { kind: 'ack' });
    this.counters.framesOk++;
    this.sendAck(rawSeq);
  }

  private remember(key: string, answer: Answer | null): void {
    this.answered.set(key, answer);
    if (this.answered.size > this.dedupeWindow) {
      const oldest = this.answered.keys().next().value;
      if (oldest !== undefined) this.answered.delete(oldest);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Send path

  private takeTxSeq(): number {
    const s = this.txSeq;
    this.txSeq = nextSeq(this.txSeq);
    return s;
  }

  private sendAck(ack: number): void {
    this.counters.acksSent++;
    this.write(encodeDown({ type: 'ack', ack }, this.takeTxSeq()));
  }

  private sendNack(ack: number, reason: string): void {
    this.counters.nacksSent++;
    const text = reason.length > NACK_REASON_MAX ? `${reason.slice(0, NACK_REASON_MAX - 1)}…` : reason || 'rejected';
    this.write(encodeDown({ type: 'nack', ack, reason: text }, this.takeTxSeq()));
  }

  private write(bytes: Buffer): void {
    if (this.closed) return;
    this.port.write(bytes).then(
      () => void this.counters.framesOut++,
      (err: unknown) => {
        this.counters.writeErrors++;
        this.warn('write', { err: err instanceof Error ? err.message : String(err) }, 'SSP/1 write failed');
      },
    );
  }

  private nextCommand(): void {
    if (this.closed || this.outstanding) return;
    const next = this.commands.shift();
    if (!next) return;
    const seq = this.takeTxSeq();
    const out: Outstanding = { seq, tries: 0, bytes: encodeDown(next.cmd, seq), resolve: next.resolve };
    this.outstanding = out;
    this.counters.commandsSent++;
    this.log.debug({ seq, type: next.cmd.type }, 'SSP/1 command sent');
    this.tryCommand(out);
  }

  private tryCommand(out: Outstanding): void {
    if (this.outstanding !== out) return;
    if (out.tries >= this.retries) {
      this.outstanding = undefined;
      this.counters.commandsFailed++;
      this.warn('command_unacked', { seq: out.seq, tries: out.tries }, 'SSP/1 command not acknowledged by the sleeve');
      out.resolve({ acked: false, tries: out.tries });
      this.nextCommand();
      return;
    }
    if (out.tries > 0) this.counters.commandRetransmits++;
    out.tries++;
    this.write(out.bytes);
    out.timer = setTimeout(() => this.tryCommand(out), this.ackTimeoutMs);
  }

  private commandAcked(ack: number): void {
    const out = this.outstanding;
    if (!out || out.seq !== ack) {
      this.counters.strayAcks++;
      return;
    }
    clearTimeout(out.timer);
    this.outstanding = undefined;
    this.counters.commandsAcked++;
    out.resolve({ acked: true, tries: out.tries });
    this.nextCommand();
  }

  // ---------------------------------------------------------------------------------------------

  private setState(s: LinkState): void {
    if (this._state === s) return;
    this._state = s;
    this.emit('state', s);
  }

  private countDecodeReject(r: DecodeResult & { ok: false }): void {
    this.counters.rejectedBytes += r.bytes;
    this.reject(r.reason, { bytes: r.bytes, type: r.type, seq: r.seq, errors: r.errors });
  }

  private reject(reason: string, detail: Record<string, unknown>): void {
    this.count(reason);
    this.warn(reason, { reason, ...detail }, 'SSP/1 input rejected');
  }

  private count(reason: string): void {
    this.counters.rejected[reason] = (this.counters.rejected[reason] ?? 0) + 1;
    this.metrics?.rejected.inc({ reason: `ssp1_${reason}` });
  }
}

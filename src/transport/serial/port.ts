/**
 * A serial port that keeps itself open (DESIGN §4 law 6): `ReconnectingPort` opens a path, emits the
 * bytes it reads, and reopens with exponential backoff + jitter whenever the port is missing, closes
 * or errors (unplugged USB adapter, killed socat, a cut RS-485 converter). Nothing it does throws into
 * the caller: open failures are counted and logged, `write` rejects only its own promise.
 *
 * Reopen timing:
 *  - after a failed open of an existing path: 200 ms, 400 ms, … capped at 5 s, each ±20 % jitter;
 *  - the path is checked every 250 ms meanwhile: while it does not exist nothing is tried; as soon as
 *    it (re)appears, or points to a different device than at the last failure, it is opened at once
 *    and the backoff restarts — a replugged device is back within ~250 ms (the 2 s budget of §8);
 *  - after an open port closes or errors: first retry after the initial backoff;
 *  - while open, the path is checked at the same pace: a device node that vanished or now points to
 *    another device drops the port (the OS usually says so first, with a read error).
 *
 * Uses `serialport` (never `SerialPort.list()`: it needs udevadm). 8N1 at 115200 unless configured.
 */
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { pino, type Logger } from 'pino';
import { child, throttledWarn } from '../../core/logger.js';

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';
export type DataBits = 5 | 6 | 7 | 8;
export type StopBits = 1 | 1.5 | 2;

export interface SerialLineSettings {
  /** Default 115200. */
  baudRate?: number;
  /** Default 8. */
  dataBits?: DataBits;
  /** Default 'none'. */
  parity?: Parity;
  /** Default 1. */
  stopBits?: StopBits;
}

export interface ReconnectingPortOptions extends SerialLineSettings {
  path: string;
  /** First retry delay after a failure, ms (default 200). */
  initialBackoffMs?: number;
  /** Backoff cap, ms (default 5000). */
  maxBackoffMs?: number;
  /** Existence poll period while the path is missing and tick of the retry timer, ms (default 250). */
  pollMs?: number;
  /** ± fraction of random jitter applied to each backoff delay (default 0.2). */
  jitter?: number;
  log?: Logger;
  /** Open at construction (default true); otherwise call `start()`. */
  autoStart?: boolean;
}

export interface PortCounters {
  /** Successful opens. */
  opens: number;
  /** Failed open attempts (the path existed but could not be opened). */
  failures: number;
  /** Times an open port closed or errored (not counting `close()`). */
  drops: number;
  bytesIn: number;
  bytesOut: number;
  writeErrors: number;
}

/** Events: `open`, `close` (with a reason), `data` (each chunk read). */
export interface PortEvents {
  open: [];
  close: [reason: string];
  data: [chunk: Buffer];
}

/** The part of a port that an SSP/1 link (or a simulated device) needs; `ReconnectingPort` has it. */
export interface BytePort {
  readonly isOpen: boolean;
  write(buf: Buffer): Promise<void>;
  on<K extends keyof PortEvents>(event: K, listener: (...args: PortEvents[K]) => void): unknown;
  off<K extends keyof PortEvents>(event: K, listener: (...args: PortEvents[K]) => void): unknown;
}

/** Thrown (as a rejected write) when writing to a port that is not open. */
export class PortClosedError extends Error {
  constructor(path: string) {
    super(`serial port ${path} is not open`);
    this.name = 'PortClosedError';
  }
}

const SILENT = pino({ level: 'silent' });

type Phase = 'idle' | 'opening' | 'open' | 'waiting' | 'stopped';

export class ReconnectingPort extends EventEmitter<PortEvents> implements BytePort {
  readonly path: string;
  readonly counters: PortCounters = { opens: 0, failures: 0, drops: 0, bytesIn: 0, bytesOut: 0, writeErrors: 0 };

  private readonly settings: Required<SerialLineSettings>;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly pollMs: number;
  /** Identity (dev:ino:rdev) of the device node the open port was opened on. */
  private openId: string | undefined;
  private readonly jitter: number;
  private readonly log: Logger;
  private readonly warn: ReturnType<typeof throttledWarn>;

  private phase: Phase = 'idle';
  private port?: SerialPort;
  private attempt = 0;
  private retryAt = 0;
  /** Identity of the path when the last open failed or the port dropped (undefined: it was missing). */
  private failedId?: string;
  private missingLogged = false;
  private timer?: NodeJS.Timeout;
  private lastError?: string;
  private readonly pendingWrites = new Set<(err: Error) => void>();

  constructor(opts: ReconnectingPortOptions) {
    super();
    this.path = opts.path;
    this.settings = {
      baudRate: opts.baudRate ?? 115200,
      dataBits: opts.dataBits ?? 8,
      parity: opts.parity ?? 'none',
      stopBits: opts.stopBits ?? 1,
    };
    this.initialBackoffMs = opts.initialBackoffMs ?? 200;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
    this.pollMs = opts.pollMs ?? 250;
    this.jitter = opts.jitter ?? 0.2;
    this.log = child(opts.log ?? SILENT, 'serial-port', { path: opts.path });
    this.warn = throttledWarn(this.log);
    if (opts.autoStart ?? true) this.start();
  }

  get isOpen(): boolean {
    return this.phase === 'open' && this.port?.isOpen === true;
  }

  /** The reason of the last failure or drop, for health pages. */
  get lastFailure(): string | undefined {
    return this.lastError;
  }

  /** Begin opening (no-op if already started). */
  start(): void {
    if (this.phase !== 'idle') return;
    this.tryOpen();
  }

  /** Write bytes; resolves once handed to the OS, rejects (never throws) when closed or on a write error. */
  write(buf: Buffer): Promise<void> {
    const port = this.port;
    if (!this.isOpen || !port) return Promise.reject(new PortClosedError(this.path));
    return new Promise<void>((resolve, reject) => {
      // a write still queued in the stream when the port drops would never call back: fail it then
      const fail = (err: Error): void => {
        this.pendingWrites.delete(fail);
        this.counters.writeErrors++;
        reject(err);
      };
      this.pendingWrites.add(fail);
      try {
        port.write(buf, (err) => {
          if (!this.pendingWrites.has(fail)) return;
          if (err) return fail(err);
          this.pendingWrites.delete(fail);
          this.counters.bytesOut += buf.length;
          resolve();
        });
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  private failPendingWrites(): void {
    const err = new PortClosedError(this.path);
    for (const fail of [...this.pendingWrites]) fail(err);
  }

  /** Stop for good: close the port, cancel retries. Never rejects. */
  async close(): Promise<void> {
    if (this.phase === 'stopped') return;
    const wasOpen = this.isOpen;
    this.phase = 'stopped';
    this.clearTimer();
    const port = this.port;
    this.port = undefined;
    if (port) await closeQuietly(port);
    this.failPendingWrites();
    if (wasOpen) this.emit('close', 'closed');
  }

  // -------------------------------------------------------------------------------------------

  /** What the path currently is (device and inode of its target), or undefined when it is missing. */
  private identity(): string | undefined {
    try {
      const st = statSync(this.path);
      return `${st.dev}:${st.ino}:${st.rdev}`;
    } catch {
      return undefined;
    }
  }

  private tryOpen(): void {
    if (this.phase === 'stopped') return;
    this.clearTimer();
    const id = this.identity();
    if (id === undefined) {
      this.waitForPath();
      return;
    }
    this.missingLogged = false;
    this.phase = 'opening';
    let port: SerialPort;
    try {
      port = new SerialPort({ path: this.path, ...this.settings, autoOpen: false });
    } catch (err) {
      // invalid settings: config validation should have caught them; keep retrying, loudly
      this.openFailed(id, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    // a port instance must always have an error listener, even after we let go of it
    port.on('error', (err) => this.onPortError(port, err));
    port.open((err) => {
      if (this.phase === 'stopped') {
        if (!err) void closeQuietly(port);
        return;
      }
      if (err) {
        this.openFailed(id, err);
        return;
      }
      this.port = port;
      this.phase = 'open';
      this.openId = id;
      this.retryAt = Number.POSITIVE_INFINITY;
      this.attempt = 0;
      this.counters.opens++;
      port.on('data', (chunk: Buffer) => {
        if (this.port !== port) return;
        this.counters.bytesIn += chunk.length;
        this.emit('data', chunk);
      });
      port.on('close', (e: Error | null) => this.onPortClosed(port, e?.message ?? 'closed by the OS'));
      this.log.info({ opens: this.counters.opens }, 'serial port open');
      this.arm(); // watch the device node while open
      this.emit('open');
    });
  }

  private openFailed(id: string, err: Error): void {
    this.counters.failures++;
    this.lastError = err.message;
    this.failedId = id;
    this.warn(`open:${err.message}`, { err: err.message, attempt: this.attempt }, 'serial open failed; will retry');
    this.scheduleRetry();
  }

  /** The path is gone (unplugged): poll until it is back, then open at once. */
  private waitForPath(): void {
    if (!this.missingLogged) this.log.info('serial path missing; waiting for it to appear');
    this.missingLogged = true;
    this.lastError = 'path missing';
    this.failedId = undefined;
    this.phase = 'waiting';
    this.retryAt = Number.POSITIVE_INFINITY;
    this.arm();
  }

  private onPortError(port: SerialPort, err: Error): void {
    if (this.port !== port || this.phase !== 'open') return; // errors of a discarded instance
    this.warn(`error:${err.message}`, { err: err.message }, 'serial port error; reopening');
    this.lastError = err.message;
    this.drop(port, err.message);
  }

  private onPortClosed(port: SerialPort, reason: string): void {
    if (this.port !== port || this.phase !== 'open') return;
    this.drop(port, reason);
  }

  /** An open port went away: forget it, tell listeners, retry. */
  private drop(port: SerialPort, reason: string): void {
    this.port = undefined;
    this.counters.drops++;
    this.lastError = reason;
    this.log.warn({ reason }, 'serial port closed; reopening');
    if (port.isOpen) void closeQuietly(port);
    this.failPendingWrites();
    this.emit('close', reason);
    this.attempt = 0;
    this.failedId = this.identity();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.phase === 'stopped') return;
    const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.min(this.attempt, 20));
    const delay = Math.max(0, base * (1 + this.jitter * (2 * Math.random() - 1)));
    this.attempt++;
    this.retryAt = Date.now() + delay;
    this.phase = 'waiting';
    this.arm();
  }

  /** One timer: fires at the next retry time or the next existence poll, whichever is first. */
  private arm(): void {
    this.clearTimer();
    const wait = Math.min(this.pollMs, Math.max(0, this.retryAt - Date.now()));
    this.timer = setTimeout(() => this.tick(), wait);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.phase === 'open') {
      // The OS normally reports a vanished device as a read error at once; a loaded machine or a
      // driver may not. The device node gone or replaced (udev, a killed pty) is proof enough.
      const id = this.identity();
      if (this.port && id !== this.openId) return this.drop(this.port, id === undefined ? 'device removed' : 'device replaced');
      return this.arm();
    }
    if (this.phase !== 'waiting') return;
    const id = this.identity();
    if (id === undefined) return this.waitForPath();
    if (id !== this.failedId) {
      // the device (re)appeared or was replaced since the last failure: try now, backoff restarts
      this.attempt = 0;
      return this.tryOpen();
    }
    if (Date.now() >= this.retryAt) this.tryOpen();
    else this.arm();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function closeQuietly(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    try {
      port.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * The byte link under a Modbus bus, kept behind a tiny interface so the bus does not care whether it
 * talks to a serial port, the shared reconnecting port (src/transport/serial/) or a test double.
 *
 * `SerialLink` is a minimal reconnecting serial port: it opens the path, reopens with exponential
 * backoff when the port closes (cable or USB adapter unplugged, pty gone) and keeps trying while the
 * path is missing. It never throws at its user: failures are logged and retried (law 6).
 */
import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
import type { Logger } from '../../core/logger.js';

export type Parity = 'none' | 'even' | 'odd';

/**
 * What a bus needs from its port. Events: `open` (each time the port becomes usable), `data` (bytes
 * read, any chunking), `close` (the port went away; the link itself keeps trying to come back).
 */
export interface ModbusLink {
  readonly isOpen: boolean;
  /** Open and keep open (reopen with backoff) until `stop()`. */
  start(): void;
  /** Close for good. */
  stop(): Promise<void>;
  /** Queue bytes for the wire; false (and nothing queued) when the port is not open. */
  write(data: Uint8Array): boolean;
  on(event: 'open', listener: () => void): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: (err?: Error) => void): unknown;
  off(event: 'open', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'close', listener: (err?: Error) => void): unknown;
}

export interface SerialLinkOptions {
  path: string;
  baud: number;
  dataBits?: 7 | 8;
  parity?: Parity;
  stopBits?: 1 | 2;
  /** Reopen backoff: first delay, cap (ms). Defaults 100 / 1000, so a returning port is back within ~1 s. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  log?: Logger;
}

export class SerialLink extends EventEmitter implements ModbusLink {
  private port: SerialPort | null = null;
  private open_ = false;
  private running = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private delay: number;
  private lastError = '';
  /** Successful opens so far (the first one included). */
  opens = 0;
  /** Failed open attempts so far. */
  openFailures = 0;

  constructor(private readonly opts: SerialLinkOptions) {
    super();
    this.delay = opts.backoffMinMs ?? 100;
  }

  get isOpen(): boolean {
    return this.open_;
  }

  get path(): string {
    return this.opts.path;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tryOpen();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const port = this.port;
    this.port = null;
    const wasOpen = this.open_;
    this.open_ = false;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    port?.removeAllListeners();
    port?.on('error', () => {}); // late errors of a discarded port go nowhere
    if (wasOpen) this.emit('close');
  }

  write(data: Uint8Array): boolean {
    const port = this.port;
    if (!this.open_ || port === null) return false;
    port.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return true;
  }

  private tryOpen(): void {
    if (!this.running) return;
    const o = this.opts;
    const port = new SerialPort({
      path: o.path,
      baudRate: o.baud,
      dataBits: o.dataBits ?? 8,
      parity: o.parity ?? 'none',
      stopBits: o.stopBits ?? 1,
      autoOpen: false,
    });
    port.on('error', (err: Error) => o.log?.debug({ path: o.path, err: err.message }, 'serial port error'));
    port.open((err) => {
      if (!this.running) {
        if (!err) port.close(() => {});
        return;
      }
      if (err) {
        this.openFailures++;
        if (err.message !== this.lastError) o.log?.warn({ path: o.path, err: err.message }, 'serial port open failed; retrying');
        this.lastError = err.message;
        this.scheduleReopen();
        return;
      }
      this.lastError = '';
      this.delay = o.backoffMinMs ?? 100;
      this.port = port;
      this.open_ = true;
      this.opens++;
      port.on('data', (chunk: Buffer) => this.emit('data', chunk));
      port.on('close', (closeErr?: Error | null) => this.onPortClose(port, closeErr ?? undefined));
      o.log?.info({ path: o.path, baud: o.baud, opens: this.opens }, 'serial port open');
      this.emit('open');
    });
  }

  private onPortClose(port: SerialPort, err?: Error): void {
    if (port !== this.port) return;
    this.port = null;
    this.open_ = false;
    port.removeAllListeners();
    port.on('error', () => {});
    if (!this.running) return;
    this.opts.log?.warn({ path: this.opts.path, err: err?.message }, 'serial port closed; reopening');
    this.emit('close', err);
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (!this.running || this.retryTimer) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.opts.backoffMaxMs ?? 1000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.tryOpen();
    }, wait);
  }
}

/**
 * The shape of the shared reconnecting port (src/transport/serial/port.ts, `ReconnectingPort`), kept
 * structural so neither file imports the other: `new ModbusBus({ link: linkFromPort(port), … })`.
 */
export interface ReconnectingPortLike {
  readonly isOpen: boolean;
  start(): void;
  close(): Promise<void>;
  write(buf: Buffer): Promise<void>;
  on(event: 'open', listener: () => void): unknown;
  on(event: 'close', listener: (reason: string) => void): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'open', listener: () => void): unknown;
  off(event: 'close', listener: (reason: string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

/** A ModbusLink over a reconnecting port that does its own reopening; `stop()` closes the port for good. */
export class PortLink extends EventEmitter implements ModbusLink {
  private readonly onOpen = (): void => void this.emit('open');
  private readonly onClose = (reason: string): void => void this.emit('close', new Error(reason));
  private readonly onData = (chunk: Buffer): void => void this.emit('data', chunk);

  constructor(readonly port: ReconnectingPortLike) {
    super();
  }

  get isOpen(): boolean {
    return this.port.isOpen;
  }

  start(): void {
    this.port.on('open', this.onOpen);
    this.port.on('close', this.onClose);
    this.port.on('data', this.onData);
    this.port.start();
  }

  async stop(): Promise<void> {
    await this.port.close();
    this.port.off('open', this.onOpen);
    this.port.off('close', this.onClose);
    this.port.off('data', this.onData);
  }

  write(data: Uint8Array): boolean {
    if (!this.port.isOpen) return false;
    // a failed write drops the port (→ 'close') or leaves the request to time out
    this.port.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength)).catch(() => {});
    return true;
  }
}

export const linkFromPort = (port: ReconnectingPortLike): ModbusLink => new PortLink(port);

/**
 * The byte link under a Modbus bus, kept behind a tiny interface so the bus does not care whether it
 * talks to the shared reconnecting serial port (src/transport/serial/port.ts, which owns the one
 * reopen-with-backoff implementation of the daemon) or a test double. `linkFromPort` adapts the
 * former; a bus given only a path builds one itself.
 */
import { EventEmitter } from 'node:events';

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

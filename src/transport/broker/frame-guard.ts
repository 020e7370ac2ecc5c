/**
 * Packet-size guard in front of aedes. aedes (mqtt-packet) buffers a whole packet before it
 * parses it and has no size limit, so a single fixed header announcing 256 MB would make it
 * allocate and wait for 256 MB. This guard reads only the MQTT fixed headers (type byte +
 * remaining-length varint, tracked across chunk boundaries), skips bodies without buffering them,
 * and destroys the socket the moment a header announces more than `maxPacketBytes` — before the
 * body is read — or is malformed (a 5th length byte, reserved packet type 0).
 *
 * `GuardedConnection` is the Duplex handed to `aedes.handle`: reads come from the socket through
 * the scanner (with backpressure: the socket is paused while aedes has not read), writes go
 * straight to the socket.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export interface GuardViolation {
  reason: 'packet_too_large' | 'malformed_packet';
  detail: string;
}

const TYPE = 0;
const LENGTH = 1;
const BODY = 2;

/** Incremental MQTT fixed-header scanner. */
export class FrameScanner {
  private state = TYPE;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  /** Complete fixed headers seen (= packets received, the last one possibly still arriving). */
  packets = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Scan one chunk; returns the first violation, or null when the chunk is acceptable. */
  feed(chunk: Buffer): GuardViolation | null {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.state === BODY) {
        const take = Math.min(this.remaining, n - i);
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = TYPE;
        continue;
      }
      const b = chunk[i++]!;
      if (this.state === TYPE) {
        if (b >> 4 === 0) return { reason: 'malformed_packet', detail: 'reserved packet type 0' };
        this.state = LENGTH;
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      // LENGTH: remaining-length varint, at most 4 bytes (MQTT 3.1.1 §2.2.3)
      this.lengthBytes++;
      this.length += (b & 0x7f) * this.multiplier;
      // the value so far is a lower bound of the final value: refuse as early as possible
      if (this.length > this.maxPacketBytes) {
        return {
          reason: 'packet_too_large',
          detail: `packet announces ${b & 0x80 ? 'at least ' : ''}${this.length} bytes, limit ${this.maxPacketBytes}`,
        };
      }
      if (b & 0x80) {
        if (this.lengthBytes === 4) return { reason: 'malformed_packet', detail: 'remaining length longer than 4 bytes' };
        this.multiplier *= 128;
        continue;
      }
      this.packets++;
      if (this.length === 0) {
        this.state = TYPE;
      } else {
        this.remaining = this.length;
        this.state = BODY;
      }
    }
    return null;
  }
}

export class GuardedConnection extends Duplex {
  readonly scanner: FrameScanner;
  readonly remote: string;
  /** Armed by the listener until the CONNECT packet arrives. */
  connectTimer: NodeJS.Timeout | null = null;
  private violated = false;

  constructor(
    readonly socket: Socket,
    maxPacketBytes: number,
    private readonly onViolation: (v: GuardViolation, conn: GuardedConnection) => void,
  ) {
    super({ allowHalfOpen: false });
    this.scanner = new FrameScanner(maxPacketBytes);
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  /** The CONNECT packet arrived: stop the connect timer. */
  markConnected(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private onData(chunk: Buffer): void {
    if (this.violated) return;
    const v = this.scanner.feed(chunk);
    if (v) {
      this.violated = true;
      // destroy first: not one more byte of this connection is read or handed to aedes
      this.socket.destroy();
      this.onViolation(v, this);
      this.destroy();
      return;
    }
    if (!this.push(chunk)) this.socket.pause();
  }

  override _read(): void {
    if (this.socket.isPaused()) this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.socket.write(chunk)) cb();
    else this.socket.once('drain', () => cb());
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.socket.cork();
    let ok = true;
    for (const c of chunks) ok = this.socket.write(c.chunk);
    this.socket.uncork();
    if (ok) cb();
    else this.socket.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.markConnected();
    this.socket.destroy();
    cb(err);
  }

  /** Bytes accepted for writing but not yet handed to the kernel. */
  get pendingBytes(): number {
    return this.writableLength + this.socket.writableLength;
  }
}

/**
 * TCP side of the broker: the net.Server, the connection cap, the connect timeout and the frame
 * guard. Every accepted socket is wrapped in a GuardedConnection before aedes sees a byte.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { GuardedConnection, type GuardViolation } from './frame-guard.js';
import type { RefusalReason } from './types.js';

export interface ListenerOptions {
  host: string;
  port: number;
  maxConnections: number;
  maxPacketBytes: number;
  connectTimeoutMs: number;
  log: Logger;
  /** Hand a guarded connection to aedes. */
  onConnection: (conn: GuardedConnection) => void;
  /** `conn` is given when the refusal concerns an accepted connection. */
  refuse: (reason: RefusalReason, detail: string, remote: string, conn?: GuardedConnection) => void;
}

/** TCP keepalive so half-open device links (4G NAT drops) are eventually noticed by the OS. */
const TCP_KEEPALIVE_MS = 60_000;

export class SocketListener {
  readonly conns = new Set<GuardedConnection>();
  private server: Server | null = null;

  constructor(private readonly opts: ListenerOptions) {}

  /** Packets received on connections that have closed since start. */
  private closedPackets = 0;

  /** MQTT packets received so far, closed and open connections. */
  get packetsIn(): number {
    let n = this.closedPackets;
    for (const c of this.conns) n += c.scanner.packets;
    return n;
  }

  listen(): Promise<number> {
    const server = createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: TCP_KEEPALIVE_MS }, (s) =>
      this.accept(s),
    );
    this.server = server;
    server.on('error', (err) => this.opts.log.error({ err }, 'broker listener error'));
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', onError);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : this.opts.port);
      });
    });
  }

  /** Stop accepting (existing connections stay until closed). */
  stopAccepting(): Promise<void> {
    const server = this.server;
    if (!server || !server.listening) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  destroyAll(): void {
    for (const c of this.conns) c.destroy();
  }

  private accept(socket: Socket): void {
    const o = this.opts;
    if (this.conns.size >= o.maxConnections) {
      const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
      socket.destroy();
      o.refuse('max_connections', `already ${this.conns.size} connections`, remote);
      return;
    }
    const conn = new GuardedConnection(socket, o.maxPacketBytes, (v: GuardViolation, c) => o.refuse(v.reason, v.detail, c.remote, c));
    this.conns.add(conn);
    conn.connectTimer = setTimeout(() => {
      conn.connectTimer = null;
      o.refuse('connect_timeout', `no CONNECT within ${o.connectTimeoutMs} ms`, conn.remote, conn);
      conn.destroy();
    }, o.connectTimeoutMs);
    conn.connectTimer.unref();
    conn.once('close', () => {
      conn.markConnected();
      this.closedPackets += conn.scanner.packets;
      this.conns.delete(conn);
    });
    // a socket error is routed into the Duplex and from there to aedes; never unhandled
    conn.on('error', () => undefined);
    o.onConnection(conn);
  }
}

/**
 * How commands (GRANT, REVOKE, LOCK, TIME) reach a sleeve and are tracked to its acknowledgement:
 *  - serial sleeves: the SSP/1 link (`Ssp1Link.send`: same seq retransmitted every
 *    seal.commandRetryMs, seal.commandTries tries, resolved by the sleeve's ACK frame);
 *  - MQTT sleeves: `dev/{id}/down/{grant|revoke|lock|time}` QoS 1 with a command id, republished
 *    every seal.commandRetryMs until `dev/{id}/up/ack {ack: <id>}`, seal.commandTries tries.
 * Both resolve `{acked, tries}` and never reject for a transport problem.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { encodeDown as encodeMqttDown, type SealMqttCommand } from '../../devices/seal-mqtt.js';
import type { Metrics } from '../core/metrics.js';
import { ReconnectingPort } from '../transport/serial/port.js';
import { Ssp1Link, type LinkEvent, type SealDownCommand, type SendResult } from '../transport/serial/ssp1-link.js';

export type SleeveCommand = SealDownCommand;

export interface CommandChannel {
  send(cmd: SleeveCommand): Promise<SendResult>;
  /** The transport is up (serial port open / MQTT device seen recently). */
  readonly online: boolean;
  /** Since when `online` has its current value; null when not known (never up since the gateway started). */
  readonly since: number | null;
  close(): Promise<void>;
}

/** One serial sleeve: its reconnecting port and SSP/1 link. */
export class SerialChannel implements CommandChannel {
  readonly port: ReconnectingPort;
  readonly link: Ssp1Link;
  private lastTries = 0;
  private lastAcks = 0;
  /** Command tries whose acknowledgement frame we never received (each may have consumed a sleeve seq). */
  private ackCredit: number;
  private wasOnline = false;
  private changedAt: number | null = null;

  constructor(opts: {
    id: string;
    path: string;
    baud?: number | undefined;
    initialBoot?: number | undefined;
    initialSeq?: number | undefined;
    retryMs: number;
    tries: number;
    metrics?: Metrics;
    log: Logger;
    onEvent: (e: LinkEvent) => Promise<void>;
  }) {
    this.port = new ReconnectingPort({ path: opts.path, baudRate: opts.baud ?? 115200, log: opts.log });
    this.link = new Ssp1Link({
      port: this.port,
      onEvent: opts.onEvent,
      deviceId: opts.id,
      initialBoot: opts.initialBoot,
      initialSeq: opts.initialSeq,
      ackTimeoutMs: opts.retryMs,
      retries: opts.tries,
      metrics: opts.metrics,
      log: opts.log,
    });
    // After a gateway restart the sleeve's own ACK/NACKed frames since the last journaled one are unknown.
    this.ackCredit = opts.initialBoot !== undefined ? 8 : 0;
    this.link.on('state', () => {
      if (this.online === this.wasOnline) return;
      this.wasOnline = this.online;
      this.changedAt = Date.now();
    });
  }

  get online(): boolean {
    return this.link.state !== 'closed';
  }

  get since(): number | null {
    return this.changedAt;
  }

  send(cmd: SleeveCommand): Promise<SendResult> {
    return this.link.send(cmd);
  }

  /**
   * Of a seq gap the link reports, how many seqs are not explained by acknowledgement frames of
   * the sleeve we may have lost since its previous event (a sleeve numbers its ACK frames too; a
   * lost one is never resent, and shows as a gap right before the sleeve's next event).
   */
  unexplainedGap(gap: number): number {
    const c = this.link.counters;
    const tries = c.commandsSent + c.commandRetransmits;
    const acks = c.commandsAcked + c.strayAcks;
    const credit = Math.max(0, this.ackCredit + (tries - this.lastTries) - (acks - this.lastAcks));
    this.lastTries = tries;
    this.lastAcks = acks;
    this.ackCredit = 0;
    return Math.max(0, gap - credit);
  }

  async close(): Promise<void> {
    this.link.close();
    await this.port.close();
  }
}

/** Commands to an MQTT sleeve over the embedded broker. */
export class MqttChannel implements CommandChannel {
  private pending = new Map<string, { resolve: (r: SendResult) => void; timer?: NodeJS.Timeout; tries: number }>();
  private closed = false;
  private seenAt = 0;
  private onlineSince: number | null = null;

  constructor(
    private readonly opts: {
      id: string;
      publish: (topic: string, payload: Buffer) => Promise<void>;
      retryMs: number;
      tries: number;
      offlineAfterMs: number;
      now: () => number;
      log: Logger;
    },
  ) {}

  get online(): boolean {
    return this.seenAt > 0 && this.opts.now() - this.seenAt < this.opts.offlineAfterMs;
  }

  /** Gateway time of the sleeve's last message (0: none since the gateway started). */
  get lastSeen(): number {
    return this.seenAt;
  }

  get since(): number | null {
    if (this.online) return this.onlineSince;
    return this.seenAt > 0 ? this.seenAt + this.opts.offlineAfterMs : null;
  }

  /** A message from the sleeve arrived. */
  seen(at: number): void {
    if (!this.online) this.onlineSince = at;
    this.seenAt = at;
  }

  send(cmd: SleeveCommand): Promise<SendResult> {
    if (this.closed) return Promise.resolve({ acked: false, tries: 0 });
    const id = `c${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    let encoded: { subtopic: string; payload: Buffer };
    try {
      encoded = encodeMqttDown({ ...cmd, id } as SealMqttCommand);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const topic = `dev/${this.opts.id}/down/${encoded.subtopic}`;
    return new Promise<SendResult>((resolve) => {
      const entry: { resolve: (r: SendResult) => void; timer?: NodeJS.Timeout; tries: number } = { resolve, tries: 0 };
      this.pending.set(id, entry);
      const attempt = (): void => {
        if (!this.pending.has(id)) return;
        if (entry.tries >= this.opts.tries) {
          this.pending.delete(id);
          this.opts.log.warn({ device: this.opts.id, type: cmd.type, tries: entry.tries }, 'MQTT command not acknowledged by the sleeve');
          resolve({ acked: false, tries: entry.tries });
          return;
        }
        entry.tries++;
        this.opts.publish(topic, encoded.payload).catch((err: unknown) => this.opts.log.debug({ err, topic }, 'command publish failed'));
        entry.timer = setTimeout(attempt, this.opts.retryMs);
        entry.timer.unref();
      };
      attempt();
    });
  }

  /** `dev/{id}/up/ack {ack}` arrived; true when it matched a command in flight. */
  acked(id: string): boolean {
    const e = this.pending.get(id);
    if (!e) return false;
    clearTimeout(e.timer);
    this.pending.delete(id);
    e.resolve({ acked: true, tries: e.tries });
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [id, e] of this.pending) {
      clearTimeout(e.timer);
      this.pending.delete(id);
      e.resolve({ acked: false, tries: e.tries });
    }
  }
}

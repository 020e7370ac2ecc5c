/**
 * Counting and logging of refusals. Every refusal is counted (stats + `sealift_rejected_total`
 * with reason `broker_<reason>`), logged with its reason — at warn, but at most a few per reason
 * per window so an attacker cannot flood the log (the rest go to debug, and the number suppressed
 * is reported) — and passed to the optional `onRefusal` hook.
 */
import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { Rejection } from '../../core/errors.js';
import type { RefusalEvent, RefusalReason } from './types.js';

/** CONNACK return codes (MQTT 3.1.1 §3.2.2.3). */
export const CONNACK = {
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;

/** An error the broker raised itself (already counted); `returnCode` is used for CONNACK refusals. */
export class BrokerRefusal extends Rejection {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly returnCode?: number,
  ) {
    super(`broker_${reason}`, message);
    this.name = 'BrokerRefusal';
  }
}

export const REJECTED_METRIC = 'sealift_rejected_total';

/** Get or create the process-wide `sealift_rejected_total{reason}` counter in a registry. */
export function rejectedCounter(registry: Registry): Counter<'reason'> {
  const existing = registry.getSingleMetric(REJECTED_METRIC);
  if (existing) {
    if (!(existing instanceof Counter)) throw new Error(`${REJECTED_METRIC} is registered but is not a Counter`);
    return existing as Counter<'reason'>;
  }
  return new Counter({
    name: REJECTED_METRIC,
    help: 'Inputs rejected (bad frames, refused connections, denied topics, limits), by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
}

/** Reasons that are ordinary client mistakes rather than security or capacity events. */
const QUIET: ReadonlySet<RefusalReason> = new Set<RefusalReason>(['request_malformed', 'request_unknown']);

const LOG_WINDOW_MS = 10_000;
const LOG_PER_WINDOW = 10;

export class Refusals {
  readonly counts: Record<string, number> = Object.create(null) as Record<string, number>;
  private readonly prom: Counter<'reason'> | null;
  private readonly window = new Map<RefusalReason, { start: number; logged: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    registry: Registry | undefined,
    private readonly hook: ((e: RefusalEvent) => void) | undefined,
  ) {
    this.prom = registry ? rejectedCounter(registry) : null;
  }

  record(event: RefusalEvent): void {
    const key = `broker_${event.reason}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    this.prom?.inc({ reason: key });
    this.logIt(event);
    if (this.hook) {
      try {
        this.hook(event);
      } catch (err) {
        this.log.error({ err }, 'onRefusal hook threw');
      }
    }
  }

  private logIt(e: RefusalEvent): void {
    const fields = {
      reason: `broker_${e.reason}`,
      detail: e.detail,
      clientId: e.clientId,
      username: e.username,
      principal: e.principal ? `${e.principal.kind}:${e.principal.id}` : undefined,
      remote: e.remote,
    };
    if (QUIET.has(e.reason)) {
      this.log.debug(fields, 'broker refused');
      return;
    }
    const now = Date.now();
    let w = this.window.get(e.reason);
    if (!w || now - w.start >= LOG_WINDOW_MS) {
      if (w && w.suppressed > 0) {
        this.log.warn({ reason: `broker_${e.reason}`, suppressed: w.suppressed }, 'broker refusals not logged individually');
      }
      w = { start: now, logged: 0, suppressed: 0 };
      this.window.set(e.reason, w);
    }
    if (w.logged < LOG_PER_WINDOW) {
      w.logged++;
      this.log.warn(fields, 'broker refused');
    } else {
      w.suppressed++;
      this.log.debug(fields, 'broker refused');
    }
  }
}

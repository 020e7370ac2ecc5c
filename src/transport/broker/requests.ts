/**
 * Request/response over the local broker (DESIGN §5.5). A user publishes a JSON object
 * `{transaction, ...}` to `sealift/{gw}/request/{name}`; the answer goes to
 * `sealift/{gw}/response/{name}` as `{transaction, status: 'ok', data}` or
 * `{transaction, status: 'error', error: {code, message}}`.
 *
 * - malformed JSON / no transaction → error `bad_request` (transaction null if unknown)
 * - no handler for the name → error `unknown_request`
 * - a handler that throws a `Rejection` → error with its code and message
 * - any other throw → error `internal` (details logged, not sent)
 * - no answer within the timeout → error `timeout`
 * - more than `maxInflight` unanswered requests from one client → error `busy`
 * Handler failures never reach aedes or crash the broker.
 */
import type { Logger } from 'pino';
import { Rejection } from '../../core/errors.js';
import type { Principal, QoS, RefusalReason, RequestHandler } from './types.js';

export type Transaction = string | number | null;

export interface RequestError {
  code: string;
  message: string;
}

export type Response =
  | { transaction: Transaction; status: 'ok'; data: unknown }
  | { transaction: Transaction; status: 'error'; error: RequestError };

const MAX_TRANSACTION_LENGTH = 128;

/** Per-client count of unanswered requests. */
export interface RequestSlot {
  requests: number;
}

export interface RouterOptions {
  gw: string;
  log: Logger;
  timeoutMs: number;
  maxInflight: number;
  send: (topic: string, payload: string, qos: QoS) => Promise<void>;
  refuse: (reason: RefusalReason, detail: string) => void;
  answered: (status: 'ok' | 'error') => void;
}

export class RequestRouter {
  private readonly handlers = new Map<string, RequestHandler>();

  constructor(private readonly o: RouterOptions) {}

  /** Register a handler; returns a function that removes it. One handler per name. */
  on(name: string, handler: RequestHandler): () => void {
    if (name.length === 0 || /[/+#\0]/.test(name)) throw new Error(`invalid request name: ${JSON.stringify(name)}`);
    if (this.handlers.has(name)) throw new Error(`a handler for request "${name}" is already registered`);
    this.handlers.set(name, handler);
    return () => {
      if (this.handlers.get(name) === handler) this.handlers.delete(name);
    };
  }

  /** Handle one request in the background; never throws, never rejects. */
  dispatch(name: string, payload: Buffer, principal: Principal, qos: QoS, slot: RequestSlot): void {
    void this.run(name, payload, principal, qos, slot).catch((err: unknown) => {
      this.o.log.error({ err, request: name }, 'request dispatch failed');
    });
  }

  private async run(name: string, raw: Buffer, principal: Principal, qos: QoS, slot: RequestSlot): Promise<void> {
    const parsed = parseRequest(raw);
    const answer = (r: Response) => this.reply(name, r, qos);
    if (!parsed.ok) {
      this.o.refuse('request_malformed', `${name}: ${parsed.message}`);
      return answer({ transaction: parsed.transaction, status: 'error', error: { code: 'bad_request', message: parsed.message } });
    }
    const { transaction, body } = parsed;
    const handler = this.handlers.get(name);
    if (!handler) {
      this.o.refuse('request_unknown', `no handler for request "${name}"`);
      return answer({ transaction, status: 'error', error: { code: 'unknown_request', message: `unknown request "${name}"` } });
    }
    if (slot.requests >= this.o.maxInflight) {
      this.o.refuse('request_busy', `${slot.requests} requests unanswered`);
      return answer({ transaction, status: 'error', error: { code: 'busy', message: 'too many requests in progress' } });
    }
    slot.requests++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Rejection('timeout', `no answer within ${this.o.timeoutMs} ms`)), this.o.timeoutMs);
      });
      const data = await Promise.race([Promise.resolve().then(() => handler(body, principal)), timeout]);
      return await answer({ transaction, status: 'ok', data: data ?? null });
    } catch (err) {
      if (err instanceof Rejection) {
        return answer({ transaction, status: 'error', error: { code: err.code, message: err.message } });
      }
      this.o.log.warn({ err, request: name, principal: `${principal.kind}:${principal.id}` }, 'request handler failed');
      return answer({ transaction, status: 'error', error: { code: 'internal', message: 'internal error' } });
    } finally {
      clearTimeout(timer);
      slot.requests--;
    }
  }

  private async reply(name: string, response: Response, qos: QoS): Promise<void> {
    let text: string;
    try {
      text = JSON.stringify(response);
    } catch (err) {
      // e.g. a handler returned a BigInt or a cycle
      this.o.log.warn({ err, request: name }, 'request result is not JSON-serializable');
      response = { transaction: response.transaction, status: 'error', error: { code: 'internal', message: 'internal error' } };
      text = JSON.stringify(response);
    }
    this.o.answered(response.status);
    try {
      await this.o.send(`sealift/${this.o.gw}/response/${name}`, text, qos > 1 ? 1 : qos);
    } catch (err) {
      this.o.log.debug({ err, request: name }, 'response not delivered');
    }
  }
}

type Parsed =
  | { ok: true; transaction: Transaction; body: Record<string, unknown> }
  | { ok: false; transaction: Transaction; message: string };

export function parseRequest(raw: Buffer): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, transaction: null, message: 'payload is not valid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, transaction: null, message: 'payload must be a JSON object' };
  }
  const obj = body as Record<string, unknown>;
  const t = obj.transaction;
  const validTransaction =
    (typeof t === 'string' && t.length > 0 && t.length <= MAX_TRANSACTION_LENGTH) || (typeof t === 'number' && Number.isFinite(t));
  if (!validTransaction) {
    return {
      ok: false,
      transaction: null,
      message: `transaction must be a non-empty string (at most ${MAX_TRANSACTION_LENGTH} characters) or a number`,
    };
  }
  return { ok: true, transaction: t, body: obj };
}

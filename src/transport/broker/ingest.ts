/**
 * Ack after commit (DESIGN §4 law 1) for device publishes. aedes writes PUBACK right after
 * `authorizePublish` calls back and before its `published` hook, so the commit happens inside
 * `authorizePublish`: this pipeline starts `onDevicePublish` at once (so group commit can batch
 * many publishes), and releases each authorization only when its own commit AND every earlier
 * publish of the same client have committed — PUBACKs stay in the order the PUBLISHes arrived
 * (MQTT 3.1.1 §4.6) even if commits resolve out of order.
 *
 * At most `limit` commits per client may be unfinished; the caller closes the client beyond that.
 */
import type { QoS } from './types.js';

export type Commit = (subtopic: string, payload: Buffer, qos: QoS) => Promise<void>;

export class DeviceIngest {
  private inflight = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly commit: Commit,
    private readonly limit: number,
  ) {}

  get pending(): number {
    return this.inflight;
  }

  get full(): boolean {
    return this.inflight >= this.limit;
  }

  /**
   * Start committing one publish. The returned promise resolves when it may be acknowledged and
   * rejects with the commit's error. Callers must check `full` first.
   */
  submit(subtopic: string, payload: Buffer, qos: QoS): Promise<void> {
    this.inflight++;
    let committed: Promise<void>;
    try {
      committed = Promise.resolve(this.commit(subtopic, payload, qos));
    } catch (err) {
      committed = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const previous = this.tail;
    const done = committed.then(() => previous);
    // the chain never rejects: a failed commit closes the client, later ones settle on their own
    this.tail = done.then(noop, noop);
    return done.finally(() => {
      this.inflight--;
    });
  }
}

function noop(): void {}

/**
 * Topic ACL of the embedded broker. Built once per connection, checked per packet with prefix
 * comparisons (ids cannot contain '/', '+' or '#', so a prefix match is a level match).
 *
 * | principal | may publish                          | may subscribe                  |
 * |-----------|--------------------------------------|--------------------------------|
 * | device    | `dev/{id}/up/{subtopic…}`            | `dev/{id}/down[/…]`            |
 * | user      | `sealift/{gw}/request/{name}`        | `sealift/{gw}/…` (read-only)   |
 *
 * Nobody may subscribe to a filter with a wildcard above their own prefix (`#`, `+/#`, `dev/+/…`,
 * `sealift/+/…`), nor to `$`-topics (`$SYS/#`, `$share/…`). Topics deeper than `maxTopicLevels`
 * are refused for everyone.
 */
import type { Principal } from './types.js';

export type PublishDecision =
  | { ok: true; kind: 'device'; subtopic: string }
  | { ok: true; kind: 'request'; name: string }
  | { ok: false; reason: 'publish_denied' | 'topic_too_deep'; detail: string };

export type SubscribeDecision = { ok: true } | { ok: false; reason: 'subscribe_denied' | 'topic_too_deep'; detail: string };

export function topicLevels(topic: string): number {
  let n = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) n++;
  return n;
}

export class ClientAcl {
  private readonly pubPrefix: string;
  private readonly subRoot: string;

  constructor(
    readonly principal: Principal,
    gw: string,
    private readonly maxTopicLevels: number,
  ) {
    if (principal.kind === 'device') {
      this.pubPrefix = `dev/${principal.id}/up/`;
      this.subRoot = `dev/${principal.id}/down`;
    } else {
      this.pubPrefix = `sealift/${gw}/request/`;
      this.subRoot = `sealift/${gw}`;
    }
  }

  canPublish(topic: string): PublishDecision {
    if (topicLevels(topic) > this.maxTopicLevels) {
      return { ok: false, reason: 'topic_too_deep', detail: `topic has more than ${this.maxTopicLevels} levels` };
    }
    if (!topic.startsWith(this.pubPrefix) || topic.length === this.pubPrefix.length) {
      return { ok: false, reason: 'publish_denied', detail: `may not publish to ${clip(topic)}` };
    }
    const rest = topic.slice(this.pubPrefix.length);
    if (this.principal.kind === 'device') {
      // no empty levels (`dev/x/up//a`, `dev/x/up/a/`)
      if (rest.startsWith('/') || rest.endsWith('/') || rest.includes('//')) {
        return { ok: false, reason: 'publish_denied', detail: `empty topic level in ${clip(topic)}` };
      }
      return { ok: true, kind: 'device', subtopic: rest };
    }
    if (rest.includes('/')) {
      return { ok: false, reason: 'publish_denied', detail: `request name must be one level: ${clip(topic)}` };
    }
    return { ok: true, kind: 'request', name: rest };
  }

  canSubscribe(filter: string): SubscribeDecision {
    if (topicLevels(filter) > this.maxTopicLevels) {
      return { ok: false, reason: 'topic_too_deep', detail: `filter has more than ${this.maxTopicLevels} levels` };
    }
    // exact root (`dev/x/down`) or anything below it (`dev/x/down/#`, `sealift/gw/lift/+/state`);
    // `sealift/gw` itself carries nothing, so users need at least one level below it
    const root = this.subRoot;
    const ok =
      (filter.startsWith(root + '/') && filter.length > root.length + 1) ||
      (this.principal.kind === 'device' && filter === root);
    if (!ok) return { ok: false, reason: 'subscribe_denied', detail: `may not subscribe to ${clip(filter)}` };
    return { ok: true };
  }

  /** Would a delivery on this topic be inside this client's read scope? (defence in depth) */
  canRead(topic: string): boolean {
    return topic === this.subRoot || topic.startsWith(this.subRoot + '/');
  }
}

/** Topics in logs are attacker-controlled: keep them short. */
export function clip(s: string, max = 120): string {
  return s.length <= max ? s : `${s.slice(0, max)}…(${s.length} chars)`;
}

/** Device topics on the gateway's broker (DESIGN §5.2, §5.4): `dev/{id}/up/{sub}` and `dev/{id}/down/{sub}`. */
import { isSafeId } from './schema.js';

export type TopicDirection = 'up' | 'down';

export interface DeviceTopic {
  id: string;
  dir: TopicDirection;
  sub: string;
}

const SUB_RE = /^[a-z][a-z0-9_]{0,31}$/;

/** `dev/{id}/{dir}/{sub}`; throws on an id or subtopic that is not a single safe topic level. */
export function deviceTopic(id: string, dir: TopicDirection, sub: string): string {
  if (!isSafeId(id)) throw new RangeError(`device id ${JSON.stringify(id)} is not a safe topic level`);
  if (!SUB_RE.test(sub)) throw new RangeError(`subtopic ${JSON.stringify(sub)} is not valid`);
  return `dev/${id}/${dir}/${sub}`;
}

/** Parse `dev/{id}/{up|down}/{sub}`; null for anything else (wildcards, extra levels, unsafe ids). */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'dev') return null;
  const [, id, dir, sub] = parts as [string, string, string, string];
  if (!isSafeId(id) || (dir !== 'up' && dir !== 'down') || !SUB_RE.test(sub)) return null;
  return { id, dir, sub };
}

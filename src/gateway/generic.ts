/**
 * Fallback handler for MQTT device messages of profiles whose domain handler is not registered:
 * journals the JSON message as it came (device.hello / device.status / device.event) under its
 * natural key, so nothing a device reports is lost.
 */
import { Type } from '@sinclair/typebox';
import type { Journal } from '../store/journal.js';
import type { RecordKind } from '../core/kinds.js';
import { compile } from '../core/validate.js';
import { Rejection } from '../core/errors.js';
import type { DeviceHandler } from './ingest.js';

const Envelope = Type.Object({
  seq: Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 }),
  boot: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 })),
  time: Type.Optional(Type.Number()),
  ts: Type.Optional(Type.Number()),
});
const checkEnvelope = compile(Envelope);

const KIND: Record<string, RecordKind> = { hello: 'device.hello', status: 'device.status' };

export function parseJsonObject(payload: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new Rejection('bad_json', 'payload is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Rejection('not_object', 'payload is not a JSON object');
  }
  return value as Record<string, unknown>;
}

export function genericHandler(journal: Journal): DeviceHandler {
  return async ({ device, channel, payload }) => {
    if (!/^[a-z_]{1,32}$/.test(channel)) throw new Rejection('bad_channel', `unknown channel ${channel}`);
    const body = parseJsonObject(payload);
    const env = checkEnvelope(body);
    if (!env.ok) throw new Rejection('bad_payload', env.errors.join('; '));
    const { seq, boot = 0, time, ts } = env.value;
    const { seq: _s, boot: _b, ...data } = body;
    await journal.append({
      kind: KIND[channel] ?? 'device.event',
      subject: device.id,
      dev: { id: device.id, boot, seq, time: time ?? ts ?? 0 },
      data: { channel, ...data },
    });
  };
}

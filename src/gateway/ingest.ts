/**
 * Device messages enter here from every transport and leave as journal appends:
 * transport → device profile (decode) → domain handler → journal (durable) → ack.
 * Domain folders register one handler per device profile. A payload that fails to decode is
 * refused with a reason, counted, acknowledged (so the device stops retransmitting garbage) and
 * changes nothing. Only a storage failure rejects, so the transport withholds its ack.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../core/metrics.js';
import { throttledWarn } from '../core/logger.js';
import { Rejection } from '../core/errors.js';
import type { Registry } from '../registry/registry.js';
import type { Device } from '../registry/schema.js';
import type { DeviceLinks } from './devices.js';

export interface DeviceMessage {
  device: Device;
  /** MQTT subtopic below dev/{id}/up/, or a frame type name for serial transports. */
  channel: string;
  payload: Buffer;
}

export type DeviceHandler = (msg: DeviceMessage) => Promise<void>;

export class Ingest {
  private handlers = new Map<string, DeviceHandler>();
  private readonly warn: ReturnType<typeof throttledWarn>;

  constructor(
    private readonly registry: Registry,
    private readonly metrics: Metrics,
    log: Logger,
    /** Per-device counts of messages in and refused (the admin's device list). */
    private readonly links?: DeviceLinks,
  ) {
    this.warn = throttledWarn(log);
  }

  register(profile: string, handler: DeviceHandler): void {
    this.handlers.set(profile, handler);
  }

  /** Resolves once the message is durably handled (or refused); rejects only when storage failed. */
  async receive(deviceId: string, channel: string, payload: Buffer): Promise<void> {
    const device = this.registry.device(deviceId);
    if (!device) return this.refuse('unknown_device', `unknown device ${deviceId}`, deviceId);
    const handler = this.handlers.get(device.profile);
    this.links?.message(deviceId);
    if (!handler) return this.refuse('no_handler', `no handler for profile ${device.profile}`, deviceId);
    try {
      await handler({ device, channel, payload });
    } catch (err) {
      if (err instanceof Rejection) {
        this.links?.rejected(deviceId);
        return this.refuse(err.code, err.message, deviceId);
      }
      throw err;
    }
  }

  private refuse(code: string, message: string, deviceId: string): void {
    this.metrics.rejected.inc({ reason: `device_${code}` });
    this.warn(code, { device: deviceId, code, reason: message }, 'device message refused');
  }
}

/**
 * The lift feature (DESIGN §6.2): elevators end to end. `setup` registers the lift projections, the
 * `lift-kit-mqtt` ingest handler, the webhook outbox and the HTTP routes; `start` opens one Modbus bus
 * per serial port of the provisioned `lift-modbus` devices and starts the rule, escalation and
 * maintenance timers; `stop` closes everything.
 */
import type { Feature, GatewayContext } from '../gateway/feature.js';
import { registerLiftApi, type LiftApi } from './api.js';
import { LIFT_PROFILES, liftProjection } from './projection.js';
import { LiftService, type LiftServiceOptions } from './service.js';

export interface LiftFeature extends Feature {
  /** The running service (after setup), for the CLI, the simulator and tests. */
  readonly service: LiftService | null;
}

export function createLiftFeature(opts: LiftServiceOptions = {}): LiftFeature {
  let service: LiftService | null = null;
  let api: LiftApi | null = null;
  return {
    name: 'lift',
    get service() {
      return service;
    },
    setup(ctx: GatewayContext) {
      ctx.journal.registerProjection(liftProjection);
      service = new LiftService(ctx, opts);
      service.setup();
      const svc = service;
      ctx.deviceStatus.register(LIFT_PROFILES, (d) => svc.deviceStatus(d));
      ctx.ingest.register('lift-kit-mqtt', service.kitHandler);
      if (ctx.http && ctx.auth) api = registerLiftApi(ctx.http, ctx.auth, service, { tz: ctx.cfg.gateway.timezone, now: opts.now });
    },
    async start() {
      await service?.start();
    },
    async stop() {
      api?.close();
      api = null;
      await service?.stop();
    },
  };
}

/** The gateway's lift feature (one gateway per process). */
export const liftFeature = createLiftFeature();

/**
 * The seal feature (DESIGN §6.1): plugs the stamp workflow, the sleeves (serial and MQTT), the
 * anomaly rules, the photo store and the HTTP API into the gateway.
 *
 *   setup: projection `seal` (requests, grants, stamps, photos, anomalies, sleeve state), ingest
 *          handlers for `seal-mqtt` (and photo uploads of `seal-ssp1-serial` sleeves), HTTP routes,
 *          the broker request `seals`, the journal listener that publishes seal events and state
 *   start: one reconnecting port + SSP/1 link per serial sleeve, the timer, undelivered grants
 *   stop:  ports closed, pending work settled
 */
import { join } from 'node:path';
import { compile } from '../core/validate.js';
import { Rejection } from '../core/errors.js';
import { SealConfigSchema, type SealConfig } from './config.js';
import type { Feature, GatewayContext } from '../gateway/feature.js';
import { photosDir } from '../gateway/store.js';
import { Exports } from './exports.js';
import { sealProjection } from './projection.js';
import { registerSealRoutes } from './routes.js';
import { SEAL_PROFILES, SealService } from './service.js';
import { registerCommand, type CommandRequest } from '../sync/commands.js';
import { isProblem } from './workflow.js';

export interface SealFeatureOptions {
  /**
   * The clock the seal rules use (default Date.now): request windows, working hours, expiry,
   * deadlines and the gateway time of seal records. Tests and the simulator share an accelerated
   * clock with the simulated sleeves through it.
   */
  now?: () => number;
  /** Settings overriding the `seal` config section (tests). */
  config?: Partial<SealConfig>;
}

const checkSealConfig = compile(SealConfigSchema, { useDefaults: true });

export function createSealFeature(opts: SealFeatureOptions = {}): Feature & { service(): SealService | undefined } {
  let svc: SealService | undefined;
  return {
    name: 'seal',
    service: () => svc,
    setup(ctx: GatewayContext) {
      let cfg = ctx.cfg.seal as SealConfig;
      if (opts.config) {
        const merged = { ...cfg, ...opts.config };
        const r = checkSealConfig(merged);
        if (!r.ok) throw new Error(`invalid seal settings: ${r.errors.join('; ')}`);
        cfg = r.value;
      }
      ctx.journal.registerProjection(sealProjection);
      svc = new SealService(ctx, cfg, opts.now ?? Date.now, photosDir(ctx.cfg));
      svc.listen();
      ctx.ingest.register('seal-mqtt', svc.mqttHandler);
      ctx.ingest.register('seal-ssp1-serial', svc.mqttHandler);
      if (ctx.http && ctx.auth) {
        const exports = new Exports(join(ctx.cfg.data, 'exports'), ctx.journal, photosDir(ctx.cfg), cfg.exportsKeep);
        registerSealRoutes(ctx.http, ctx.auth, svc, { db: ctx.db, journal: ctx.journal, exports });
      }
      const service = svc;
      ctx.deviceStatus.register(SEAL_PROFILES, (d) => service.deviceStatus(d));
      registerRemoteCommands(ctx, service);
      ctx.broker?.onRequest('seals', async (_payload, principal) => {
        if (principal.kind !== 'user' || !['keeper', 'approver', 'inspector', 'admin'].includes(principal.role)) {
          throw new Rejection('forbidden', 'seal states are for keepers, approvers, inspectors and admins');
        }
        return { seals: service.sealDevices().map((d) => service.stateOf(d.id)) };
      });
    },
    async start() {
      await svc?.start();
    },
    async stop() {
      await svc?.stop();
    },
  };
}

/**
 * Hub → gateway commands (docs/upstream.md): `approve` {by, request, decision, comment?} — the
 * township approver decides a pending request; `lock` {by, seal, reason?} — remote lock. `by` must
 * be an approver provisioned on this gateway. Running one again answers the current state.
 */
function registerRemoteCommands(ctx: GatewayContext, svc: SealService): void {
  const approverOf = (req: CommandRequest) => {
    const by = typeof req.args.by === 'string' ? req.args.by : undefined;
    const user = by ? ctx.registry.user(by) : undefined;
    if (!user || user.role !== 'approver') throw new Rejection('forbidden', `${by ?? '(nobody)'} is not an approver on this gateway`);
    return { name: user.name, role: user.role };
  };
  registerCommand(ctx, 'approve', async (req) => {
    const actor = approverOf(req);
    const id = typeof req.args.request === 'string' ? req.args.request : '';
    const decision = req.args.decision;
    if (decision !== 'approve' && decision !== 'reject') throw new Rejection('bad_command', 'decision must be approve or reject');
    const before = svc.request(id);
    if (!before) throw new Rejection('not_found', `no request ${id}`);
    if (before.state !== 'requested' && before.decided_by) return { request: id, state: before.state, decidedBy: before.decided_by };
    const comment = typeof req.args.comment === 'string' ? req.args.comment : undefined;
    const r = decision === 'approve' ? await svc.approve(actor, id, comment ? `hub: ${comment}` : 'hub') : await svc.reject(actor, id, comment ?? 'rejected at the hub');
    if ('self' in r) throw new Rejection('self_approval', `${actor.name} filed request ${id} and may not decide it`);
    if (isProblem(r)) throw new Rejection(r.error, r.message);
    return { request: id, state: r.state, grant: r.grant_id };
  });
  registerCommand(ctx, 'lock', async (req) => {
    const actor = approverOf(req);
    const seal = typeof req.args.seal === 'string' ? req.args.seal : '';
    const r = await svc.lock(actor, seal, typeof req.args.reason === 'string' && req.args.reason ? req.args.reason : 'remote lock from the hub');
    if (isProblem(r)) throw new Rejection(r.error, r.message);
    return r;
  });
}

export const sealFeature = createSealFeature();

/**
 * The sync feature: the outbox drain to the upstream hub and remote commands (DESIGN §5.7).
 * Inert (no connection) while `upstream.url` is null; the command registry and its projection
 * exist either way so features can register their commands unconditionally.
 */
import type { Feature, GatewayContext } from '../gateway/feature.js';
import type { Journal } from '../store/journal.js';
import { CommandRunner, commandsOf, commandsProjection } from './commands.js';
import { Upstream, type UpstreamHealth } from './outbox.js';
import { parseCosignerKey } from './protocol.js';

const running = new WeakMap<Journal, Upstream>();

/**
 * Upstream health for /healthz and the retained health message: null when no upstream is
 * configured. Upstream trouble never makes the gateway unhealthy (store-and-forward).
 */
export function upstreamHealth(journal: Journal): UpstreamHealth | null {
  return running.get(journal)?.health() ?? null;
}

export function createSyncFeature(): Feature {
  const started = new Set<Upstream>();
  const created = new Map<Journal, Upstream>();
  return {
    name: 'sync',
    setup(ctx: GatewayContext) {
      const { journal, cfg, log } = ctx;
      journal.registerProjection(commandsProjection);
      const registry = commandsOf(ctx);
      registry.register('checkpoint', async () => {
        await journal.flush();
        const cp = journal.checkpoint('remote');
        return cp ? { size: cp.size, root: cp.root, note: cp.note } : null;
      });
      registry.register('evidence', async (req) => {
        const shas = req.args.sha256;
        const list = typeof shas === 'string' ? [shas] : Array.isArray(shas) ? shas.filter((s): s is string => typeof s === 'string') : [];
        const up = created.get(journal);
        return { requeued: up ? up.requeuePhotos(list) : 0 };
      });
      if (!cfg.upstream.url) return;
      const commands = new CommandRunner({
        gw: cfg.gateway.id,
        journal,
        registry,
        log,
        hubKey: cfg.upstream.hubKey ? parseCosignerKey(cfg.upstream.hubKey) : undefined,
      });
      if (!cfg.upstream.hubKey && cfg.upstream.commands) {
        log.warn('upstream.hubKey is not set: remote commands are trusted on the broker ACL alone and receipts are not signature-checked');
      }
      const up = new Upstream({ cfg, journal, log, commands, metrics: ctx.metrics.registry });
      created.set(journal, up);
      running.set(journal, up);
      if (ctx.http) {
        const route = { schema: { tags: ['sync'], summary: 'Upstream sync status (backlog, receipts, connection)' } };
        if (ctx.auth) ctx.http.get('/api/upstream', { ...route, preHandler: ctx.auth.require('admin', 'inspector') }, async () => up.health());
      }
    },
    async start(ctx: GatewayContext) {
      const up = created.get(ctx.journal);
      if (!up) return;
      up.start();
      started.add(up);
    },
    async stop() {
      // Feature objects are shared by every gateway of the process; stop the links this one started.
      for (const up of started) await up.stop();
      started.clear();
      created.clear();
    },
  };
}

export const syncFeature: Feature = createSyncFeature();

/** Admin pages' API: provisioned devices and users, and the effective config (read-only here; provisioning is journaled by the registry). */
import type { Feature } from '../gateway/feature.js';

/** Setting names that hold secrets: their values never leave the gateway. */
export const SECRET_KEY = /password|secret|token|key/i;
export const REDACTED = '••••';

/** A deep copy of `value` with every property whose name looks secret replaced by "••••". */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redactSecrets(v);
  return out;
}

export const adminFeature: Feature = {
  name: 'admin',
  setup(ctx) {
    const { http, auth, registry, cfg } = ctx;
    if (!http || !auth) return;
    http.get(
      '/api/admin/devices',
      { schema: { tags: ['admin'], summary: 'Provisioned devices' }, preHandler: auth.require('admin') },
      async () => ({ devices: registry.devices() }),
    );
    http.get(
      '/api/admin/users',
      { schema: { tags: ['admin'], summary: 'Users and their roles' }, preHandler: auth.require('admin') },
      async () => ({ users: registry.users() }),
    );
    http.get(
      '/api/admin/config',
      {
        schema: { tags: ['admin'], summary: 'The effective configuration, secrets replaced by "••••"' },
        preHandler: auth.require('admin'),
      },
      async () => ({ config: redactSecrets(cfg) }),
    );
  },
};

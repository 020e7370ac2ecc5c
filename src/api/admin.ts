/** Admin pages' API: provisioned devices and users (read-only here; provisioning is journaled by the registry). */
import type { Feature } from '../gateway/feature.js';

export const adminFeature: Feature = {
  name: 'admin',
  setup(ctx) {
    const { http, auth, registry } = ctx;
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
  },
};

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startInproc, Client } from '../helpers/inproc.js';
import type { Gateway } from '../../src/gateway/app.js';

describe('HTTP login, sessions and roles', () => {
  let gw: Gateway;
  let base: string;
  let stop: () => Promise<void>;
  const denials = () =>
    gw.store.db.prepare("SELECT bytes FROM journal WHERE kind = 'user.denied' ORDER BY seq").all().map((r) => JSON.parse((r as { bytes: Buffer }).bytes.toString()));

  beforeAll(async () => {
    ({ gw, base, stop } = await startInproc({ env: { SEALIFT_API_LOCKOUT_FAILURES: '3' } }));
    await gw.store.registry.addUser({ name: 'admin', role: 'admin' }, 'admin-pass-1');
    await gw.store.registry.addUser({ name: 'jiwei', role: 'inspector' }, 'inspector-pass-1');
    await gw.store.registry.addUser({ name: 'victim', role: 'keeper' }, 'keeper-pass-1');
  });
  afterAll(() => stop());

  it('logs in with the right password, journals the login, and knows who you are', async () => {
    const c = await new Client(base).login('admin', 'admin-pass-1');
    const me = await c.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'admin', role: 'admin' });
    const logins = gw.store.db.prepare("SELECT subject FROM journal WHERE kind = 'user.login'").all();
    expect(logins).toContainEqual({ subject: 'admin' });
    expect((await c.get('/api/admin/devices')).status).toBe(200);
  });

  it('refuses a wrong password with 401 and journals it; a device secret is not a login', async () => {
    const r = await new Client(base).post('/api/login', { username: 'admin', password: 'nope' });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('bad_credentials');
    expect(denials().at(-1)).toMatchObject({ subject: 'admin', data: { action: 'login', reason: 'bad_credentials' } });
  });

  it('locks a user out after repeated failures, even with the right password afterwards', async () => {
    const c = new Client(base);
    for (let i = 0; i < 3; i++) expect((await c.post('/api/login', { username: 'victim', password: 'x' })).status).toBe(401);
    const r = await c.post('/api/login', { username: 'victim', password: 'keeper-pass-1' });
    expect(r.status).toBe(429);
    expect(r.body.error).toBe('locked_out');
    expect(denials().at(-1)).toMatchObject({ subject: 'victim', data: { reason: 'locked_out' } });
  });

  it('refuses an inspector on admin routes with 403, journaled as user.denied', async () => {
    const c = await new Client(base).login('jiwei', 'inspector-pass-1');
    const r = await c.get('/api/admin/users');
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(/inspector/);
    expect(denials().at(-1)).toMatchObject({ subject: 'jiwei', actor: 'jiwei', data: { action: 'GET /api/admin/users' } });
  });

  it('without a session: 401; after logout the session no longer works', async () => {
    expect((await new Client(base).get('/api/me')).status).toBe(401);
    const c = await new Client(base).login('admin', 'admin-pass-1');
    expect((await c.post('/api/logout')).status).toBe(200);
    expect((await c.get('/api/me')).status).toBe(401);
  });

  it('rejects a malformed login body with 400 and a reason, writing nothing', async () => {
    const before = gw.store.journal.size;
    const r = await new Client(base).req('POST', '/api/login', '{"username": 5');
    expect(r.status).toBe(400);
    const r2 = await new Client(base).post('/api/login', { username: 'a', password: 'b', extra: 1 });
    expect(r2.status).toBe(400);
    expect(r2.body.message).toMatch(/extra|additional/i);
    expect(gw.store.journal.size).toBe(before);
  });

  it('publishes the OpenAPI description at /api/docs', async () => {
    const r = await new Client(base).get('/api/docs/json');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.paths)).toContain('/api/login');
  });
});

/**
 * How the gateway serves the web pages: every asset from itself (no internet needed), a strict
 * Content-Security-Policy that allows exactly the inline import map, revalidation by ETag,
 * nothing outside web/dist, the public site info, and the admin config view with secrets hidden.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startInproc, Client } from '../helpers/inproc.js';
import { ROOT } from '../helpers/cli.js';
import type { Gateway } from '../../src/gateway/app.js';
import { redactSecrets, REDACTED } from '../../src/api/admin.js';
import { findWebRoot } from '../../src/api/web.js';

describe('web pages served by the gateway', () => {
  let gw: Gateway;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'web/dist/main.js')), 'run `npm run build` first (builds web/dist)').toBe(true);
    ({ gw, base, stop } = await startInproc({ env: { SEALIFT_GATEWAY_NAME: '东风村' } }));
    await gw.store.registry.addUser({ name: 'admin', role: 'admin' }, 'admin-pass-1');
    await gw.store.registry.addUser({ name: 'jiwei', role: 'inspector' }, 'inspector-pass-1');
  });
  afterAll(() => stop());

  it('finds web/ from the source tree', () => {
    expect(findWebRoot()).toBe(join(ROOT, 'web'));
  });

  it('serves index.html with the import map, module preloads and a CSP that allows exactly that import map', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)!;
    expect(JSON.parse(map[1]!).imports).toEqual({
      preact: '/vendor/preact.mjs',
      'preact/hooks': '/vendor/hooks.mjs',
      'preact/jsx-runtime': '/vendor/jsxRuntime.mjs',
    });
    expect(html).toContain('<link rel="modulepreload" href="/app/main.js" />');
    expect(html).toContain('<link rel="modulepreload" href="/vendor/preact.mjs" />');
    const csp = res.headers.get('content-security-policy')!;
    const hash = createHash('sha256').update(map[1]!, 'utf8').digest('base64');
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // nothing in the page points outside the gateway
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves every module the pages import, from the gateway itself', async () => {
    for (const p of ['/app/main.js', '/app/ui/index.js', '/vendor/preact.mjs', '/vendor/hooks.mjs', '/vendor/jsxRuntime.mjs']) {
      const res = await fetch(base + p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type'), p).toMatch(/^text\/javascript/);
      const body = await res.text();
      // bare imports are only the three the import map resolves
      for (const m of body.matchAll(/\bfrom\s*"([^"]+)"/g)) {
        expect(['preact', 'preact/hooks', 'preact/jsx-runtime'].includes(m[1]!) || m[1]!.startsWith('./') || m[1]!.startsWith('../'), `${p}: ${m[1]}`).toBe(
          true,
        );
      }
    }
    for (const p of ['/styles.css', '/favicon.svg', '/browser-check.js']) expect((await fetch(base + p)).status, p).toBe(200);
  });

  it('answers a revalidation with 304 when nothing changed', async () => {
    const first = await fetch(`${base}/app/main.js`);
    const etag = first.headers.get('etag')!;
    expect(etag).toBeTruthy();
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await fetch(`${base}/app/main.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('serves nothing outside web/dist and only the three vendor modules', async () => {
    for (const p of [
      '/app/../package.json',
      '/app/%2e%2e/%2e%2e/package.json',
      '/app/..%2f..%2fsrc%2fapi%2fweb.ts',
      '/app/.tsbuildinfo',
      '/app/nope.js',
      '/vendor/constructor',
      '/vendor/__proto__',
      '/vendor/compat.mjs',
    ]) {
      const res = await fetch(base + p);
      expect(res.status, p).toBe(404);
    }
  });

  it('tells anyone the site name, gateway id, time zone and that it is a gateway (for the login page)', async () => {
    const r = await new Client(base).get('/api/site');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ name: '东风村', gatewayId: 'testgw', timezone: 'Asia/Shanghai', mode: 'gateway' });
  });

  it('shows the admin the effective config with secrets hidden; nobody else', async () => {
    const admin = await new Client(base).login('admin', 'admin-pass-1');
    const r = await admin.get('/api/admin/config');
    expect(r.status).toBe(200);
    expect(r.body.config.gateway).toEqual({ id: 'testgw', name: '东风村', timezone: 'Asia/Shanghai' });
    expect(r.body.config.api.lockoutFailures).toBe(5);
    expect(r.body.config).toEqual(JSON.parse(JSON.stringify(redactSecrets(gw.cfg))));
    const inspector = await new Client(base).login('jiwei', 'inspector-pass-1');
    expect((await inspector.get('/api/admin/config')).status).toBe(403);
    expect((await new Client(base).get('/api/admin/config')).status).toBe(401);
  });

  it('redacts every setting whose name says password, secret, token or key, at any depth', () => {
    const out = redactSecrets({
      upstream: { url: 'mqtts://hub', password: 'p', clientSecret: 's', nested: [{ apiToken: 't', keyFile: '/k', name: 'n' }] },
      broker: { maxPacketBytes: 1 },
      hubKey: { a: 1 },
    });
    expect(out).toEqual({
      upstream: { url: 'mqtts://hub', password: REDACTED, clientSecret: REDACTED, nested: [{ apiToken: REDACTED, keyFile: REDACTED, name: 'n' }] },
      broker: { maxPacketBytes: 1 },
      hubKey: REDACTED,
    });
  });
});

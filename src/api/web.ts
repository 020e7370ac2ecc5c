/**
 * The web pages (issue 6): served by the gateway itself so they work with no internet.
 *
 *   /                 web/index.html (import map + module preloads added, strict CSP)
 *   /styles.css       web/styles.css
 *   /favicon.svg      web/favicon.svg
 *   /browser-check.js web/browser-check.js (tells an old browser plainly that it is too old)
 *   /app/*            web/dist/** — the pages compiled by `tsc -p web/tsconfig.json`
 *   /vendor/*.mjs     Preact's ES modules from node_modules (preact, hooks, jsx-runtime)
 *   /api/site         public: the site's name, gateway id, time zone and mode (login page, times;
 *                     mode "hub" makes the app show the hub's pages for inspectors across sites)
 *
 * Files are read from disk on each request (they are small) with an ETag, so a rebuilt web/dist
 * is picked up without a restart and phones revalidate cheaply.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Feature } from '../gateway/feature.js';
import type { Http } from './server.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The directory holding `web/index.html`: the package root, found upwards from this file (src/api or dist/src/api). */
export function findWebRoot(from: string = import.meta.dirname): string | undefined {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'web', 'index.html'))) return join(dir, 'web');
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const requireFrom = createRequire(import.meta.url);
/** /vendor/<name> → the file in node_modules (resolved through the packages' exports). */
export const VENDOR: Record<string, string> = {
  'preact.mjs': requireFrom.resolve('preact'),
  'hooks.mjs': requireFrom.resolve('preact/hooks'),
  'jsxRuntime.mjs': requireFrom.resolve('preact/jsx-runtime'),
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Every module of the compiled pages, as URLs, for <link rel="modulepreload"> (saves round trips on a slow phone). */
function moduleUrls(dist: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) out.push(`/app/${relative(dist, p).split(sep).join('/')}`);
    }
  };
  walk(dist);
  return out.sort();
}

/** index.html with module preloads and the CSP allowing exactly its inline import map. */
export function renderIndex(html: string, modules: string[]): { html: string; csp: string } {
  const m = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  const hashes = m ? [`'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`] : [];
  const preload = [...Object.keys(VENDOR).map((f) => `/vendor/${f}`), ...modules]
    .map((u) => `<link rel="modulepreload" href="${u}" />`)
    .join('\n    ');
  const out = html.replace(/(\s*)<script type="module"/, `$1${preload}$1<script type="module"`);
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html: out, csp };
}

async function sendFile(req: FastifyRequest, reply: FastifyReply, file: string, type: string): Promise<FastifyReply> {
  let st;
  try {
    st = await stat(file);
  } catch {
    return reply.status(404).send({ error: 'not_found', message: 'no such file' });
  }
  if (!st.isFile()) return reply.status(404).send({ error: 'not_found', message: 'no such file' });
  const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  void reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache', etag });
  if (req.headers['if-none-match'] === etag) return reply.status(304).send();
  return reply.type(type).send(await readFile(file));
}

export interface SiteInfo {
  name: string;
  /** The gateway id; on a hub, the hub's key name. */
  gatewayId: string;
  timezone: string;
  /** Who serves the pages: a gateway (users log in by name and password) or a hub (inspectors across sites, with the hub's token). */
  mode: 'gateway' | 'hub';
}

/**
 * Mount the pages on an HTTP server: `/`, the static files, the modules, and `GET /api/site`.
 * The gateway does this (webFeature); the hub does the same for inspectors across sites (src/hub/http.ts).
 */
export function registerWebPages(http: Http, opts: { site: () => SiteInfo; log: Logger; webRoot?: string | undefined }): void {
  const root = opts.webRoot ?? findWebRoot();
  const dist = root ? join(root, 'dist') : undefined;
  const built = () => !!dist && existsSync(join(dist, 'main.js'));
  if (!built()) opts.log.warn({ web: root ?? null }, 'web pages are not built (run `npm run build`); / explains this');
  const hide = { schema: { hide: true } } as const;

  http.get('/api/site', { schema: { tags: ['web'], summary: 'Site name, gateway id, time zone and mode (public, for the login page)' } }, async () =>
    opts.site(),
  );

  http.get('/', hide, async (_req, reply) => {
    if (!root || !dist || !built()) {
      return reply
        .status(503)
        .headers(SECURITY_HEADERS)
        .type(TYPES['.html']!)
        .send(
          '<!doctype html><meta charset="utf-8"><title>sealift</title>' +
            '<p>网页尚未构建。请在网关上运行 <code>npm run build</code>。</p>' +
            '<p>The web pages are not built: run <code>npm run build</code>.</p>',
        );
    }
    const { html, csp } = renderIndex(await readFile(join(root, 'index.html'), 'utf8'), moduleUrls(dist));
    return reply
      .headers({ ...SECURITY_HEADERS, 'content-security-policy': csp, 'x-frame-options': 'DENY', 'cache-control': 'no-cache' })
      .type(TYPES['.html']!)
      .send(html);
  });
  http.get('/index.html', hide, async (_req, reply) => reply.redirect('/'));

  for (const name of ['styles.css', 'favicon.svg', 'browser-check.js']) {
    http.get(`/${name}`, hide, async (req, reply) => {
      if (!root) return reply.status(404).send({ error: 'not_found', message: 'web pages are not installed' });
      return sendFile(req, reply, join(root, name), TYPES[name.slice(name.lastIndexOf('.'))]!);
    });
  }

  http.get('/app/*', hide, async (req, reply) => {
    const rel = (req.params as { '*': string })['*'];
    // Only compiled modules, only inside web/dist.
    if (!dist || !rel.endsWith('.js') || rel.includes('\0')) {
      return reply.status(404).send({ error: 'not_found', message: 'no such file' });
    }
    const file = resolve(dist, rel);
    if (!file.startsWith(dist + sep)) return reply.status(404).send({ error: 'not_found', message: 'no such file' });
    return sendFile(req, reply, file, TYPES['.js']!);
  });

  http.get('/vendor/:file', hide, async (req, reply) => {
    const name = (req.params as { file: string }).file;
    const file = Object.hasOwn(VENDOR, name) ? VENDOR[name] : undefined;
    if (!file) return reply.status(404).send({ error: 'not_found', message: 'no such file' });
    return sendFile(req, reply, file, TYPES['.mjs']!);
  });
}

export const webFeature: Feature = {
  name: 'web',
  setup({ http, cfg, log }) {
    if (!http) return;
    registerWebPages(http, {
      log,
      site: () => ({ name: cfg.gateway.name, gatewayId: cfg.gateway.id, timezone: cfg.gateway.timezone, mode: 'gateway' }),
    });
  },
};

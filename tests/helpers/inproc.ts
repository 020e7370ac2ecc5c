/** An in-process gateway on a temp data dir and ephemeral loopback ports, for API tests. */
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { Gateway } from '../../src/gateway/app.js';
import type { Feature } from '../../src/gateway/feature.js';
import { FEATURES } from '../../src/gateway/features.js';
import { tmp } from './cli.js';

export async function startInproc(
  opts: { env?: NodeJS.ProcessEnv; features?: Feature[]; data?: string; provision?: (gw: Gateway) => Promise<void> } = {},
): Promise<{ gw: Gateway; cfg: Config; base: string; stop: () => Promise<void> }> {
  const data = opts.data ?? join(tmp(), 'data');
  const cfg = loadConfig({
    env: {
      SEALIFT_DATA: data,
      SEALIFT_GATEWAY_ID: 'testgw',
      SEALIFT_BROKER_PORT: '0',
      SEALIFT_HTTP_PORT: '0',
      SEALIFT_JOURNAL_GROUP_COMMIT_MS: '1',
      ...opts.env,
    },
  });
  const gw = new Gateway(cfg, createLogger((process.env.SEALIFT_TEST_LOG as 'debug') ?? 'silent'), opts.features ?? FEATURES);
  await gw.start();
  return { gw, cfg, base: `http://127.0.0.1:${gw.httpPort}`, stop: () => gw.stop() };
}

/** A tiny HTTP client keeping the session cookie, like a browser. */
export class Client {
  private cookie = '';
  constructor(readonly base: string) {}

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
  async req(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed };
  }

  get = (p: string) => this.req('GET', p);
  post = (p: string, b?: unknown) => this.req('POST', p, b ?? {});

  async login(username: string, password: string): Promise<this> {
    const r = await this.post('/api/login', { username, password });
    if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
    return this;
  }
}

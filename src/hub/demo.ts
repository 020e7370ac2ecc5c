/**
 * The demo's hub (`sealift demo` / `npm start`): a second embedded MQTT broker (aedes, loopback,
 * ephemeral port) standing in for the county's broker, and a hub attached to it with the demo
 * gateway's key registered. Point the demo gateway's `upstream.url` at the returned URL.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { child } from '../core/logger.js';
import { loadConfig } from '../core/config.js';
import { checkpointOrigin } from '../store/checkpoint.js';
import { loadOrCreateKey } from '../store/keys.js';
import { Hub } from './hub.js';
import { buildHubHttp } from './http.js';
import type { Http } from '../api/server.js';

export interface DemoHub {
  /** Broker URL for the gateway's upstream.url */
  url: string;
  /** The hub's inspector API */
  httpUrl: string;
  /** The hub's verifier key (for upstream.hubKey) */
  hubKey: string;
  hub: Hub;
  stop(): Promise<void>;
}

export async function startDemoHub(opts: { dataDir: string; log: Logger; gw?: string }): Promise<DemoHub> {
  const gw = opts.gw ?? 'demo';
  const log = child(opts.log, 'demo-hub');
  const broker = await Aedes.createBroker();
  const server: Server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cfg = loadConfig({
    env: {},
    overrides: [
      { path: ['data'], value: opts.dataDir },
      { path: ['hub', 'broker'], value: url },
      { path: ['hub', 'clientId'], value: `sealift-demo-hub-${gw}` },
      { path: ['hub', 'http', 'port'], value: 0 },
    ],
  });
  const hub = new Hub({ cfg, log });
  let http: Http | undefined;
  const stop = async (): Promise<void> => {
    await http?.close().catch(() => undefined);
    await hub.stop().catch(() => undefined);
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  };
  try {
    await hub.addGateway(gw, loadOrCreateKey(opts.dataDir, checkpointOrigin(gw)).vkey, { replace: true });
    await hub.connect(url);
    http = buildHubHttp(hub, log, null, { timezone: cfg.gateway.timezone });
    await http.listen({ host: '127.0.0.1', port: 0 });
  } catch (e) {
    await stop();
    throw e;
  }
  const addr = http.server.address() as AddressInfo;
  log.info({ url, http: addr.port, gw }, 'demo hub running');
  return { url, httpUrl: `http://127.0.0.1:${addr.port}`, hubKey: hub.key.vkey, hub, stop };
}

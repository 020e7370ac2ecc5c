/**
 * `sealift hub …`: run the upstream hub, register gateways, show the hub key, export a gateway.
 * The hub keeps its files in `hub.dir` (default `{data}/hub`): hub.db, keys/hub.key, photos/.
 */
import { ConfigError, loadConfig, type Config } from '../core/config.js';
import { child, createLogger } from '../core/logger.js';
import { userInfo } from 'node:os';
import { Rejection } from '../core/errors.js';
import { checkGatewayKey, hubDir, releaseGateway, siteNameOf, startHub } from '../hub/hub.js';
import { buildHubHttp } from '../hub/http.js';
import { SqliteHubStore } from '../hub/sqlite-store.js';
import { loadOrCreateHubKey } from '../hub/keys.js';
import { exportGateway } from '../hub/export.js';
import { exportFilter, type ExportOpts } from './export.js';
import { untilSignal } from './gateway.js';
import type { CommonOpts } from './main.js';

interface HubOpts extends CommonOpts {
  broker?: string;
}

function hubConfig(opts: HubOpts): Config {
  const overrides: { path: string[]; value: unknown }[] = [];
  if (opts.data) overrides.push({ path: ['data'], value: opts.data });
  if (opts.broker) overrides.push({ path: ['hub', 'broker'], value: opts.broker });
  return loadConfig({ file: opts.config, overrides });
}

async function withHubStore<T>(cfg: Config, fn: (s: SqliteHubStore) => Promise<T>): Promise<T> {
  const store = new SqliteHubStore(hubDir(cfg));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function runHub(opts: HubOpts): Promise<number> {
  const cfg = hubConfig(opts);
  const errors: string[] = [];
  cfg.hub.gateways.forEach((g, i) => {
    try {
      checkGatewayKey(g.id, g.key);
    } catch (e) {
      errors.push(`/hub/gateways/${i}/key: ${(e as Error).message}`);
    }
  });
  if (errors.length > 0) throw new ConfigError(`invalid configuration (${errors.length} error${errors.length > 1 ? 's' : ''})`, errors);
  const log = createLogger(cfg.log.level);
  const hub = await startHub(cfg, log);
  let port: number | undefined;
  const http = cfg.hub.http.enabled ? buildHubHttp(hub, child(log, 'http'), cfg.hub.http.token, { timezone: cfg.gateway.timezone }) : undefined;
  if (http) {
    await http.listen({ host: cfg.hub.http.host, port: cfg.hub.http.port });
    const addr = http.server.address();
    port = addr && typeof addr === 'object' ? addr.port : undefined;
  }
  const gateways = (await hub.store.listGateways()).length;
  log.info({ broker: cfg.hub.broker.replace(/\/\/[^@/]*@/, '//'), http: port ?? null, dir: hubDir(cfg), gateways, vkey: hub.key.vkey }, 'hub started');
  if (gateways === 0) log.warn('no gateway registered yet: everything will be refused (sealift hub gateway add GW --key VKEY)');
  return untilSignal(async () => {
    await http?.close();
    await hub.stop();
  });
}

export async function hubGatewayAdd(gw: string, opts: HubOpts & { key: string; replace?: boolean }): Promise<number> {
  const cfg = hubConfig(opts);
  try {
    checkGatewayKey(gw, opts.key);
  } catch (e) {
    throw new Rejection('usage', (e as Error).message);
  }
  return withHubStore(cfg, async (store) => {
    let r: string;
    try {
      r = await store.putGateway(gw, opts.key, { replace: opts.replace });
    } catch (e) {
      throw new Rejection('usage', (e as Error).message);
    }
    process.stdout.write(`gateway ${gw}: ${r === 'added' ? 'registered' : r === 'replaced' ? 'key replaced' : 'already registered with this key'}\n`);
    return 0;
  });
}

export async function hubGatewayList(opts: HubOpts & { json?: boolean }): Promise<number> {
  const cfg = hubConfig(opts);
  return withHubStore(cfg, async (store) => {
    const counts = await store.alarmCounts();
    const list = await Promise.all(
      (await store.listGateways()).map(async (g) => ({ ...g, frontier: undefined, name: await siteNameOf(store, g.gw), alarms: counts.get(g.gw) ?? 0 })),
    );
    if (opts.json) {
      process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      return 0;
    }
    if (list.length === 0) process.stdout.write('no gateways registered (sealift hub gateway add GW --key VKEY)\n');
    for (const g of list) {
      process.stdout.write(
        `${g.gw}\t${g.status === 'tampered' ? 'TAMPERED' : 'ok'}\tverified ${g.verified}/${g.held} records\t${g.online === null ? '' : g.online ? 'online' : 'offline'}\t${g.alarms} alarms\t${g.name ?? ''}\n`,
      );
    }
    return 0;
  });
}

export async function hubGatewayRelease(gw: string, opts: HubOpts & { reason?: string }): Promise<number> {
  const cfg = hubConfig(opts);
  return withHubStore(cfg, async (store) => {
    let a: Awaited<ReturnType<typeof releaseGateway>>;
    try {
      a = await releaseGateway(store, gw, { reason: opts.reason ?? '', by: operator() });
    } catch (e) {
      throw new Rejection('usage', (e as Error).message);
    }
    const verified = (a.detail as { verified: number }).verified;
    process.stdout.write(
      `gateway ${gw}: quarantine lifted (${a.message}).\n` +
        (a.discarded > 0 ? `${a.discarded} record(s) it sent after its last verified checkpoint were set aside (kept, not searchable).\n` : '') +
        `What it sends from now on is checked against the ${verified} verified records the hub holds; ` +
        `if it still sends a rewritten history it is quarantined again at once.\n`,
    );
    return 0;
  });
}

/** Who runs this command, for the record of a release. */
function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export async function hubKeyShow(opts: HubOpts): Promise<number> {
  const cfg = hubConfig(opts);
  const key = loadOrCreateHubKey(hubDir(cfg), cfg.hub.name);
  process.stdout.write(
    `hub key name  ${key.name}\nkey id        ${key.keyId.toString('hex')}\nverifier key  ${key.vkey}\n\nSet it on each gateway as upstream.hubKey (SEALIFT_UPSTREAM_HUB_KEY) so receipts and commands are signature-checked.\n`,
  );
  return 0;
}

export async function hubExport(gw: string, opts: HubOpts & ExportOpts): Promise<number> {
  const cfg = hubConfig(opts);
  const { from, to, kind } = exportFilter(opts);
  return withHubStore(cfg, async (store) => {
    const g = await store.getGateway(gw);
    if (!g) throw new Rejection('usage', `unknown gateway ${gw}`);
    const r = await exportGateway(store, gw, { out: opts.out, from, to: to === undefined ? undefined : to - 1, subject: opts.subject, kind });
    process.stdout.write(
      `exported ${r.count} records of ${gw} and ${r.photos} photos to ${r.out} (proven against checkpoint ${r.checkpoint.size}, verified by this hub)\n` +
        `  check it with: sealift verify --bundle ${r.out} --key '${g.vkey}'\n`,
    );
    return 0;
  });
}

/** Helpers of the upstream end-to-end tests: a real gateway process syncing to a hub in this process. */
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { join } from 'node:path';
import type { Hub } from '../../src/hub/hub.js';
import type { SqliteHubStore } from '../../src/hub/sqlite-store.js';
import { waitFor } from '../hub/helpers.js';

export const GW = 'testgw';

/** Gateway environment for a fast-moving test upstream. */
export const upstreamEnv = (url: string, hubKey: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  SEALIFT_UPSTREAM_URL: url,
  SEALIFT_UPSTREAM_HUB_KEY: hubKey,
  SEALIFT_UPSTREAM_CHECKPOINT_INTERVAL_SEC: '0.5',
  SEALIFT_UPSTREAM_RECEIPT_TIMEOUT_SEC: '3',
  SEALIFT_UPSTREAM_RECONNECT_MIN_MS: '200',
  SEALIFT_UPSTREAM_RECONNECT_MAX_MS: '1500',
  SEALIFT_JOURNAL_GROUP_COMMIT_MS: '2',
  ...extra,
});

export interface GatewayDb {
  size: number;
  receipted: number;
  rows: { seq: number; bytes: Buffer }[];
}

export function gatewayDb(data: string, withRows = false): GatewayDb {
  const db = new Database(join(data, 'sealift.db'), { readonly: true });
  try {
    const size = (db.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n;
    const receipted = (db.prepare('SELECT COALESCE(MAX(size), 0) AS n FROM receipts').get() as { n: number }).n;
    const rows = withRows ? (db.prepare('SELECT seq, bytes FROM journal ORDER BY seq').all() as GatewayDb['rows']) : [];
    return { size, receipted, rows };
  } finally {
    db.close();
  }
}

export function hubRows(hub: Hub, gw = GW): { seq: number; bytes: Buffer }[] {
  return (hub.store as SqliteHubStore).db.prepare('SELECT seq, bytes FROM hub_records WHERE gw = ? ORDER BY seq').all(gw) as { seq: number; bytes: Buffer }[];
}

/**
 * Wait until the hub verified the whole gateway journal and the gateway holds a receipt for all of
 * it — and it stays so for `settleMs`. A receipt that arrives is journaled (`sync.receipt`) a moment
 * after it is stored, and that record then needs a checkpoint and a receipt of its own: one look
 * can catch the gateway between the two.
 */
export async function converged(data: string, hub: Hub, timeoutMs = 45_000, settleMs = 1500): Promise<GatewayDb> {
  const at = async (): Promise<GatewayDb | undefined> => {
    const g = gatewayDb(data);
    const h = await hub.store.getGateway(GW);
    return g.size > 0 && g.receipted === g.size && h?.verified === g.size && h.held === g.size ? g : undefined;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const g = await waitFor(at, 'the hub to verify the whole journal and the gateway to hold a receipt for it', Math.max(1, deadline - Date.now()), 200);
    await new Promise((r) => setTimeout(r, settleMs));
    const again = await at();
    if (again && again.size === g.size) return again;
    if (Date.now() > deadline) throw new Error(`the journal kept moving: ${g.size} records, then ${gatewayDb(data).size}`);
  }
}

/** Compare the hub's copy with the gateway's journal: every seq once, in order, same bytes. */
export function sameLog(data: string, hub: Hub): { size: number } {
  const g = gatewayDb(data, true);
  const h = hubRows(hub);
  if (h.length !== g.rows.length) throw new Error(`hub holds ${h.length} records, gateway ${g.rows.length}`);
  h.forEach((r, i) => {
    if (r.seq !== i) throw new Error(`hub row ${i} has seq ${r.seq}`);
    if (!r.bytes.equals(g.rows[i]!.bytes)) throw new Error(`hub record ${i} differs from the gateway's`);
  });
  return { size: h.length };
}

/** MQTT seal devices publishing status events to the gateway broker until stopped; counts PUBACKs. */
export class Devices {
  private clients: MqttClient[] = [];
  private running = false;
  acked = 0;
  private loops: Promise<void>[] = [];

  static async connect(port: number, devices: { id: string; secret: string }[]): Promise<Devices> {
    const d = new Devices();
    for (const dev of devices) {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: dev.id, username: dev.id, password: dev.secret, reconnectPeriod: 0 });
      c.on('error', () => undefined);
      d.clients.push(c);
    }
    return d;
  }

  start(boot: number, everyMs = 2): void {
    this.running = true;
    this.loops = this.clients.map(async (c, k) => {
      const id = c.options.clientId!;
      let seq = 0;
      while (this.running) {
        const payload = JSON.stringify({ seq: seq++, boot: boot * 10 + k, battery: 80, locked: true, sleeveClosed: true, sealPresent: true, time: Date.now() });
        try {
          await c.publishAsync(`dev/${id}/up/status`, payload, { qos: 1 });
          this.acked++;
        } catch {
          return;
        }
        if (everyMs > 0) await new Promise((r) => setTimeout(r, everyMs));
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    // A publish to a gateway that died never completes: do not wait for it for ever.
    await Promise.race([Promise.all(this.loops), new Promise((r) => setTimeout(r, 3000))]);
  }

  async close(): Promise<void> {
    this.running = false;
    for (const c of this.clients) c.end(true);
    await this.stop();
  }
}

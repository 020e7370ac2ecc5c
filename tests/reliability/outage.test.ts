/**
 * The upstream broker (a real mosquitto) stopped and restarted under load, SEALIFT_SOAK_OUTAGES
 * times (CI 2, soak 20), each outage 0.5–3 s long, while MQTT sleeves keep publishing to the
 * gateway (a real `sealift gateway` process). Afterwards: every acknowledged device event is in
 * the journal, the hub holds every record once and in order with the same bytes, and the gateway
 * holds a receipt for all of it. Figures: records lost and duplicated at the hub, reconnects,
 * resends. (tests/sync/outage.test.ts is the single-outage case with the metrics checked.)
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { loadOrCreateKey } from '../../src/store/keys.js';
import type { SqliteHubStore } from '../../src/hub/sqlite-store.js';
import type { Hub } from '../../src/hub/hub.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { kill, provisioned, startGatewayProc, type RunningGateway } from '../helpers/gateway.js';
import { startTestHub } from '../hub/helpers.js';
import { Devices, GW, converged, gatewayDb, sameLog, upstreamEnv } from '../sync/helpers.js';
import { seededRandom } from '../../sim/random.js';
import { budget, count, report, SEED, sleep } from './soak.js';

const OUTAGES = count('OUTAGES', 2, 20);

describe('upstream broker outages under load', () => {
  it(
    `lose nothing and duplicate nothing at the hub (${OUTAGES} outages)`,
    async () => {
      const rand = seededRandom(SEED);
      const devs = [
        { id: 'seal-u1', secret: 'soak-outage-secret-01' },
        { id: 'seal-u2', secret: 'soak-outage-secret-02' },
        { id: 'seal-u3', secret: 'soak-outage-secret-03' },
      ];
      const data = provisioned(devs.map((d) => ({ id: d.id, profile: 'seal-mqtt', secret: d.secret })));
      const mosq = await Mosquitto.start();
      let hub: Hub | undefined;
      let gw: RunningGateway | undefined;
      let devices: Devices | undefined;
      const started = Date.now();
      try {
        hub = await startTestHub(mosq.url);
        await hub.addGateway(GW, loadOrCreateKey(data, `sealift/${GW}`).vkey);
        gw = await startGatewayProc(data, upstreamEnv(mosq.url, hub.key.vkey, { SEALIFT_UPSTREAM_BATCH_BYTES: '16384', SEALIFT_LOG_LEVEL: 'info' }));
        devices = await Devices.connect(gw.brokerPort, devs);
        devices.start(1);
        let downMs = 0;
        for (let i = 0; i < OUTAGES; i++) {
          await sleep(500 + Math.floor(rand() * 1500)); // records flowing
          await mosq.stop(); // the upstream broker dies…
          const out = 500 + Math.floor(rand() * 2500);
          downMs += out;
          await sleep(out); // …while the devices keep publishing to the gateway
          await mosq.restart();
        }
        await sleep(1000);
        await devices.stop();
        const final = await converged(data, hub, 90_000);

        const hubRows = (hub.store as SqliteHubStore).db.prepare('SELECT seq FROM hub_records WHERE gw = ? ORDER BY seq').all(GW) as { seq: number }[];
        const distinct = new Set(hubRows.map((r) => r.seq)).size;
        const g = gatewayDb(data, true);
        const statuses = g.rows.filter((r) => r.bytes.includes('"kind":"device.status"') && r.bytes.includes('"seal-u')).length;
        const metrics = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
        const metric = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? NaN);
        report('upstream outages', {
          outages: OUTAGES,
          seed: SEED,
          downSeconds: downMs / 1000,
          records: final.size,
          atHub: hubRows.length,
          lostAtHub: final.size - distinct,
          duplicatedAtHub: hubRows.length - distinct,
          ackedEvents: devices.acked,
          ackedNotInJournal: devices.acked - statuses,
          reconnects: metric('sealift_upstream_reconnects_total'),
          resends: metric('sealift_upstream_resends_total'),
          minutes: (Date.now() - started) / 60_000,
        });
        expect(sameLog(data, hub).size).toBe(final.size); // every seq once, in order, same bytes
        expect(hubRows.length).toBe(distinct);
        expect(statuses).toBe(devices.acked);
        expect(await hub.store.alarms({ gw: GW, kind: 'tamper', limit: 5 })).toHaveLength(0);
        // the gateway's journal itself is intact
        const db = new Database(`${data}/sealift.db`, { readonly: true });
        expect((db.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n).toBe(final.size);
        db.close();
      } finally {
        await devices?.close();
        if (gw && gw.proc.exitCode === null) await kill(gw);
        await hub?.stop();
        await mosq.stop();
      }
    },
    budget(OUTAGES, 8000, 120_000),
  );
});

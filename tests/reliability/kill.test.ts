/**
 * kill -9 at random points of mixed seal + lift ingest (DESIGN §8, law 1 and law 3), SEALIFT_SOAK_KILLS
 * rounds (CI 3, soak 200). Each round starts the real `sealift gateway` process on the same data dir
 * and feeds it at once from
 *   - two MQTT sleeves (status, fingerprint and sleeve events; an open sleeve without a grant is an
 *     anomaly, so some events take the decided, non-pipelined path with a checkpoint),
 *   - a serial sleeve over a socat pty (SSP/1, stop-and-wait; it keeps its unacknowledged frames and
 *     retransmits them to the next gateway),
 *   - two lift kits (camera events with their natural key, and alarm-button presses and releases
 *     that raise and clear LIFT_ALARM_BUTTON),
 * several publishes in flight per client, and SIGKILLs it after a random time. In the end every
 * acknowledged event (PUBACK, serial ACK) must be in the journal, none twice, and `sealift verify`
 * must pass. (tests/gateway/ack-after-commit.test.ts kills at the moment of a PUBACK; this one at
 * random points of a mixed load.)
 */
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openStore } from '../../src/gateway/store.js';
import { cableAt } from '../../sim/seal/devices.js';
import { SimSleeve } from '../../sim/seal/sleeve.js';
import { sealift, tmp } from '../helpers/cli.js';
import { journalRows, kill, startGatewayProc } from '../helpers/gateway.js';
import { seededRandom } from '../../sim/random.js';
import { budget, count, report, SEED, sleep } from './soak.js';

const KILLS = count('KILLS', 3, 200);
const IN_FLIGHT = 6;

interface Dev {
  id: string;
  profile: string;
  secret: string;
}

const MQTT_SEALS: Dev[] = [
  { id: 'seal-m1', profile: 'seal-mqtt', secret: 'soak-kill-seal-m1-secret' },
  { id: 'seal-m2', profile: 'seal-mqtt', secret: 'soak-kill-seal-m2-secret' },
];
const KITS: Dev[] = [
  { id: 'kit-1', profile: 'lift-kit-mqtt', secret: 'soak-kill-kit-1-secret' },
  { id: 'kit-2', profile: 'lift-kit-mqtt', secret: 'soak-kill-kit-2-secret' },
];

/** Keep `window` QoS 1 publishes in flight until stopped; `acked` gets the key of each PUBACKed one. */
function feed(c: MqttClient, window: number, next: () => { topic: string; payload: string; key?: string }, acked: Set<string>): { stop(): void } {
  let running = true;
  const one = (): void => {
    if (!running || !c.connected) return;
    const m = next();
    c.publish(m.topic, m.payload, { qos: 1 }, (err) => {
      if (err || !running) return;
      if (m.key) acked.add(m.key);
      one();
    });
  };
  for (let i = 0; i < window; i++) one();
  return { stop: () => (running = false) };
}

describe('kill -9 at random points of mixed seal + lift ingest', () => {
  it(
    `loses no acknowledged event, stores none twice, and the journal verifies (${KILLS} kills)`,
    async () => {
      const rand = seededRandom(SEED);
      const dir = tmp('sealift-soak-kill-');
      const data = join(dir, 'data');
      const port = join(dir, 'seal-s1.tty');
      const store = await openStore(loadConfig({ env: { SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: 'testgw' } }));
      for (const d of [...MQTT_SEALS, ...KITS]) await store.registry.addDevice({ id: d.id, profile: d.profile }, { secret: d.secret });
      await store.registry.addDevice({ id: 'seal-s1', profile: 'seal-ssp1-serial', port }, { secret: 'soak-kill-seal-s1-secret' });
      await store.close();

      const cable = await cableAt(port);
      const sleeve = new SimSleeve({ path: cable.devicePath, id: 'seal-s1', ackTimeoutMs: 100, retryPauseMs: 200, pollMs: 50, bufferLimit: 100_000, historyLimit: 1e7, seed: SEED });
      sleeve.start();
      const acked = new Set<string>();
      let sent = 0;
      const started = Date.now();
      try {
        for (let round = 1; round <= KILLS; round++) {
          const gw = await startGatewayProc(data, { SEALIFT_LOG_LEVEL: 'info' });
          const boot = round;
          const clients = await Promise.all(
            [...MQTT_SEALS, ...KITS].map((d) => mqtt.connectAsync(`mqtt://127.0.0.1:${gw.brokerPort}`, { clientId: d.id, username: d.id, password: d.secret, reconnectPeriod: 0 })),
          );
          for (const c of clients) c.on('error', () => undefined);
          const seqs = new Map<string, number>();
          const nextSeq = (id: string): number => {
            const s = (seqs.get(id) ?? 0) + 1;
            seqs.set(id, s);
            sent++;
            return s;
          };
          const feeds = clients.map((c, i) => {
            if (i < MQTT_SEALS.length) {
              const id = MQTT_SEALS[i]!.id;
              return feed(
                c,
                IN_FLIGHT,
                () => {
                  const seq = nextSeq(id);
                  const r = rand();
                  const time = Date.now();
                  const [sub, body] =
                    r < 0.6
                      ? ['status', { battery: 80, locked: true, sleeveClosed: true, sealPresent: true }]
                      : r < 0.9
                        ? ['auth', { operator: 1 + Math.floor(rand() * 5), ok: true }]
                        : ['sleeve', { open: rand() < 0.5 }];
                  return { topic: `dev/${id}/up/${sub}`, payload: JSON.stringify({ seq, boot, time, ...body }), key: `${id}|${boot}|${seq}` };
                },
                acked,
              );
            }
            const id = KITS[i - MQTT_SEALS.length]!.id;
            let pressed = false;
            return feed(
              c,
              IN_FLIGHT,
              () => {
                const seq = nextSeq(id);
                if (rand() < 0.5) {
                  return { topic: `dev/${id}/up/event`, payload: JSON.stringify({ seq, boot, ts: Date.now(), kind: rand() < 0.5 ? 'ebike' : 'crowding' }), key: `${id}|${boot}|${seq}` };
                }
                if (rand() < 0.2) pressed = !pressed;
                const status = { seq, ts: Date.now(), running: 0, dir: 0, zone: 1, floor: '1', door: 0, person: 2, mode: 1, power: 1, topLimit: 2, bottomLimit: 2, alarmButton: pressed ? 1 : 2 };
                return { topic: `dev/${id}/up/status`, payload: JSON.stringify(status) };
              },
              acked,
            );
          });
          const serial = setInterval(() => {
            if (sleeve.pending >= 50) return;
            if (rand() < 0.8) sleeve.status();
            else sleeve.auth(1, true);
          }, 5);
          await sleep(50 + Math.floor(rand() * 700)); // a random point of the load
          gw.proc.kill('SIGKILL');
          await kill(gw);
          clearInterval(serial);
          for (const f of feeds) f.stop();
          for (const c of clients) c.end(true);
        }
      } finally {
        await sleeve.stop();
        await cable.close();
      }
      for (const f of sleeve.delivered) if (!f.nacked) acked.add(`seal-s1|${f.boot}|${f.seq}`);

      // What the journal holds: every device event by its natural key (serial seqs compared as on the wire).
      const stored = new Map<string, number>();
      for (const r of journalRows(data)) {
        if (r.dev_seq === null) continue;
        const dev = (JSON.parse(r.bytes.toString('utf8')) as { dev: { id: string; boot: number; seq: number } }).dev;
        const key = `${dev.id}|${dev.boot}|${dev.id === 'seal-s1' ? dev.seq & 0xffff : dev.seq}`;
        stored.set(key, (stored.get(key) ?? 0) + 1);
      }
      const lost = [...acked].filter((k) => !stored.has(k));
      const duplicated = [...stored].filter(([, n]) => n > 1).map(([k]) => k);
      const v = sealift(['verify', '--data', data]);
      const serialAcked = sleeve.delivered.filter((f) => !f.nacked).length;
      report('kill-9 mixed ingest', {
        kills: KILLS,
        seed: SEED,
        sent,
        acked: acked.size,
        serialAcked,
        stored: stored.size,
        lost: lost.length,
        duplicated: duplicated.length,
        verify: v.code === 0 ? 'clean' : 'FAILED',
        minutes: (Date.now() - started) / 60_000,
      });
      expect(lost, `acknowledged events lost (seed ${SEED})`).toEqual([]);
      expect(duplicated, 'events stored twice').toEqual([]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      expect(acked.size).toBeGreaterThan(KILLS * 10);
      expect(serialAcked).toBeGreaterThan(0);
    },
    budget(KILLS, 6000, 60_000),
  );
});

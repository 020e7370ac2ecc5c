/**
 * Broker attacks (DESIGN §8) against a real `sealift gateway` process, SEALIFT_SOAK_ATTACKS rounds
 * (CI 20, soak 2,000) of each: an anonymous CONNECT, a wrong secret, a clientId takeover of a
 * connected device, a publish to another device's topic, a `#` subscription, an oversized packet
 * (a PUBLISH header announcing 10 MB, and one before any CONNECT), a 200-level topic and a 50-level
 * filter. Each must be refused every time (the refusal counted by reason), the attacked device must
 * stay connected and served, nothing must reach the journal, and the gateway's resident memory must
 * stay bounded. (tests/broker/*.test.ts check each refusal once against the broker alone.)
 */
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openStore } from '../../src/gateway/store.js';
import { tmp } from '../helpers/cli.js';
import { journalRows, kill, startGatewayProc } from '../helpers/gateway.js';
import { connectPacket, readBytes, socketClosed, varint } from '../broker/helpers.js';
import { budget, count, report, rssMb, sleep } from './soak.js';

const ROUNDS = count('ATTACKS', 20, 2000);

/** Granted QoS per filter; MQTT.js turns a 0x80 grant into an error carrying the SUBACK. */
async function granted(c: MqttClient, filter: string): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filter, { qos: 0 })).map((g) => g.qos);
  } catch (err) {
    const packet = (err as { packet?: { granted?: number[] } }).packet;
    if (packet?.granted) return packet.granted;
    throw err;
  }
}

const VICTIM = { id: 'atk-victim', secret: 'soak-attack-victim-secret' };
const ATTACKER = { id: 'atk-device', secret: 'soak-attack-device-secret' };
const USER = { name: 'atk-user', password: 'soak-attack-user-password' };

describe('broker attacks', () => {
  it(
    `are all refused, every time, with memory bounded (${ROUNDS} rounds of 9 attacks)`,
    async () => {
      const data = join(tmp('sealift-soak-attack-'), 'data');
      const store = await openStore(loadConfig({ env: { SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: 'testgw' } }));
      for (const d of [VICTIM, ATTACKER]) await store.registry.addDevice({ id: d.id, profile: 'seal-mqtt' }, { secret: d.secret });
      await store.registry.addUser({ name: USER.name, role: 'inspector' }, USER.password);
      await store.close();
      const gw = await startGatewayProc(data, { SEALIFT_LOG_LEVEL: 'info', SEALIFT_BROKER_MAX_PACKET_BYTES: String(64 * 1024) });
      const url = `mqtt://127.0.0.1:${gw.brokerPort}`;
      const clients = new Set<MqttClient>();
      const connect = (opts: IClientOptions): Promise<MqttClient> => {
        const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
        clients.add(c);
        c.on('error', () => undefined);
        return new Promise((resolve, reject) => {
          c.once('connect', () => resolve(c));
          c.once('error', (e) => reject(e));
          c.once('close', () => reject(new Error('closed before CONNACK')));
        });
      };
      const refusedWith = async (opts: IClientOptions): Promise<number> => {
        try {
          const c = await connect(opts);
          c.end(true);
          return 0;
        } catch (e) {
          return (e as { code?: number }).code ?? -1;
        }
      };
      const closed = (c: MqttClient): Promise<void> =>
        new Promise((resolve, reject) => {
          if (!c.connected) return resolve();
          const t = setTimeout(() => reject(new Error('connection not closed')), 3000);
          c.once('close', () => {
            clearTimeout(t);
            resolve();
          });
        });
      const raw = async (): Promise<Socket> => {
        const s = netConnect(gw.brokerPort, '127.0.0.1');
        s.on('error', () => undefined);
        await new Promise<void>((r, j) => s.once('connect', () => r()).once('error', j));
        return s;
      };
      const metric = async (): Promise<Record<string, number>> => {
        const text = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
        const out: Record<string, number> = {};
        for (const m of text.matchAll(/^sealift_rejected_total\{reason="(broker_[a-z_]+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
        return out;
      };

      const outcomes: Record<string, { refused: number; tries: number }> = {};
      const tally = (name: string, refused: boolean): void => {
        const o = (outcomes[name] ??= { refused: 0, tries: 0 });
        o.tries++;
        if (refused) o.refused++;
      };
      const victim = await connect({ clientId: VICTIM.id, username: VICTIM.id, password: VICTIM.secret });
      const round = async (): Promise<void> => {
        tally('anonymous', (await refusedWith({ clientId: 'anon' })) !== 0);
        tally('wrong secret', (await refusedWith({ clientId: VICTIM.id, username: VICTIM.id, password: 'not-the-secret-at-all' })) === 4);
        tally('clientId takeover', (await refusedWith({ clientId: VICTIM.id, username: VICTIM.id, password: VICTIM.secret })) === 2 && victim.connected);
        // an authenticated device publishing as another one: closed, nothing stored
        const a = await connect({ clientId: ATTACKER.id, username: ATTACKER.id, password: ATTACKER.secret });
        a.publish(`dev/${VICTIM.id}/up/status`, JSON.stringify({ seq: 1, boot: 666, battery: 1, locked: false, sleeveClosed: false, sealPresent: false, time: Date.now() }), { qos: 1 });
        tally('publish to another device', await closed(a).then(() => true, () => false));
        // `#` and a 50-level filter: SUBACK 0x80, connection kept
        const u = await connect({ clientId: USER.name, username: USER.name, password: USER.password });
        tally('# subscribe', (await granted(u, '#'))[0] === 128 && u.connected);
        tally('deep filter', (await granted(u, `sealift/testgw/${'x/'.repeat(47)}y`))[0] === 128 && u.connected);
        u.end(true);
        // a 200-level topic: closed
        const d = await connect({ clientId: ATTACKER.id, username: ATTACKER.id, password: ATTACKER.secret });
        d.publish(`dev/${ATTACKER.id}/up/${'a/'.repeat(200)}b`, '{}', { qos: 1 });
        tally('deep topic', await closed(d).then(() => true, () => false));
        // a PUBLISH announcing 10 MB after CONNECT, and a header before any CONNECT: closed before the body
        const s = await raw();
        const ack = readBytes(s, 4);
        s.write(connectPacket(ATTACKER.id, ATTACKER.id, ATTACKER.secret));
        await ack;
        s.write(Buffer.concat([Buffer.from([0x32]), varint(10 * 1024 * 1024), Buffer.alloc(1024)]));
        tally('oversized packet', await socketClosed(s, 3000).then(() => true, () => false));
        const s2 = await raw();
        s2.write(Buffer.concat([Buffer.from([0x30]), varint(200 * 1024 * 1024)]));
        tally('oversized before CONNECT', await socketClosed(s2, 3000).then(() => true, () => false));
        s.destroy();
        s2.destroy();
      };

      try {
        await round(); // warm-up: code loaded, caches filled
        await sleep(500);
        const rssBefore = await rssMb(gw.proc.pid!);
        const before = await metric();
        const started = Date.now();
        let rssMid = rssBefore;
        const rssTrend: number[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          await round();
          if (i % 50 === 49) for (const c of clients) if (!c.connected) clients.delete(c);
          if (i === Math.floor(ROUNDS / 2)) rssMid = await rssMb(gw.proc.pid!);
          if ((i + 1) % Math.max(1, Math.floor(ROUNDS / 8)) === 0) rssTrend.push(Math.round(await rssMb(gw.proc.pid!)));
        }
        const attackSecs = (Date.now() - started) / 1000;
        await sleep(1000);
        const rssAfter = await rssMb(gw.proc.pid!);
        const after = await metric();
        const counted = Object.fromEntries(Object.keys(after).map((k) => [k.replace('broker_', ''), after[k]! - (before[k] ?? 0)]).filter(([, n]) => (n as number) > 0));
        // the victim is still connected and served
        await victim.publishAsync(`dev/${VICTIM.id}/up/status`, JSON.stringify({ seq: 1, boot: 1, battery: 90, locked: true, sleeveClosed: true, sealPresent: true, time: Date.now() }), { qos: 1 });
        const forged = journalRows(data).filter((r) => r.bytes.includes('"boot":666') || r.subject === 'anon').length;
        report('broker attacks', {
          rounds: ROUNDS,
          attacks: Object.fromEntries(Object.entries(outcomes).map(([k, o]) => [k, `${o.refused}/${o.tries}`])),
          counted,
          victimConnected: victim.connected,
          forgedRecords: forged,
          rssBeforeMb: rssBefore,
          rssMidMb: rssMid,
          rssAfterMb: rssAfter,
          rssTrendMb: rssTrend.join('/'),
          seconds: attackSecs,
        });
        for (const [name, o] of Object.entries(outcomes)) expect(o.refused, name).toBe(o.tries);
        expect(victim.connected).toBe(true);
        expect(forged).toBe(0);
        expect(counted.publish_denied ?? 0).toBeGreaterThanOrEqual(ROUNDS);
        expect(counted.takeover ?? 0).toBeGreaterThanOrEqual(ROUNDS);
        expect(counted.packet_too_large ?? 0).toBeGreaterThanOrEqual(2 * ROUNDS);
        // bounded: no per-attack state kept. The first wrong secrets grow RSS once (scrypt's 16 MiB
        // working set kept by glibc per thread-pool thread, see docs/performance.md); after that, flat.
        expect(rssAfter - rssBefore).toBeLessThan(100);
        // (the heap breathes: compare the peaks of the two halves, not two single samples)
        const half = Math.floor(rssTrend.length / 2);
        if (ROUNDS >= 100) expect(Math.max(...rssTrend.slice(half)) - Math.max(...rssTrend.slice(0, half)), 'RSS grew over the second half of the attacks').toBeLessThan(25);
      } finally {
        for (const c of clients) c.end(true);
        await kill(gw);
      }
    },
    budget(ROUNDS, 1500, 60_000),
  );
});

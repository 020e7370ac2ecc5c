/**
 * Fuzzed device input (DESIGN §8, law 5): SEALIFT_SOAK_FUZZ inputs (CI 100,000, soak 1,000,000) to
 * the codecs — SSP/1 streams through the decoder and the seal profile, seal and kit MQTT payloads
 * through their profiles, Modbus responses through the master's decoder and the register map — and
 * SEALIFT_SOAK_FUZZ_LIVE (CI 400, soak 20,000) through a running gateway: SSP/1 bytes written into
 * a sleeve's pty, MQTT publishes by a sleeve and a kit on the real broker. Figures: crashes (an
 * exception out of a decoder or the gateway), hangs (slowest input; a PUBACK that never comes),
 * rejected and accepted-by-chance counts; the gateway must count every refusal and keep serving.
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { Ssp1Decoder } from '../../devices/codec/ssp1.js';
import { ResponseDecoder } from '../../devices/codec/modbus-rtu.js';
import { decodeUp as decodeSerialUp, encodeUp } from '../../devices/seal-ssp1-serial.js';
import { decodeUp as decodeSealMqtt } from '../../devices/seal-mqtt.js';
import { decodeUp as decodeKit } from '../../devices/lift-kit-mqtt.js';
import { decodeRegisters } from '../../devices/lift-modbus.js';
import { decodeDown } from '../../devices/seal-ssp1-serial.js';
import { loadConfig } from '../../src/core/config.js';
import { openStore } from '../../src/gateway/store.js';
import { adminFeature } from '../../src/api/admin.js';
import { createSealFeature } from '../../src/seal/feature.js';
import { createLiftFeature } from '../../src/lift/feature.js';
import { ReconnectingPort } from '../../src/transport/serial/port.js';
import { cableAt } from '../../sim/seal/devices.js';
import { tmp } from '../helpers/cli.js';
import { startInproc } from '../helpers/inproc.js';
import { kitInput, modbusInput, sealMqttInput, ssp1Input } from './fuzz.js';
import { seededRandom } from '../../sim/random.js';
import { budget, count, report, SEED, sleep } from './soak.js';

const FUZZ = count('FUZZ', 100_000, 1_000_000);
const LIVE = count('FUZZ_LIVE', 400, 20_000);

describe('fuzzed frames and payloads', () => {
  it(
    `the codecs refuse what is wrong, without crashing or hanging (${FUZZ.toLocaleString('en')} inputs)`,
    () => {
      const rand = seededRandom(SEED);
      const tally = { ssp1: { n: 0, rejected: 0, accepted: 0 }, sealMqtt: { n: 0, rejected: 0, accepted: 0 }, kit: { n: 0, rejected: 0, accepted: 0 }, modbus: { n: 0, rejected: 0, accepted: 0 } };
      const crashes: string[] = [];
      let slowest = 0;
      const started = performance.now();
      for (let i = 0; i < FUZZ; i++) {
        const kind = (['ssp1', 'ssp1', 'sealMqtt', 'kit', 'modbus'] as const)[i % 5]!;
        const t0 = performance.now();
        let accepted = false;
        try {
          if (kind === 'ssp1') {
            const dec = new Ssp1Decoder();
            for (const r of dec.push(ssp1Input(rand, i))) if (r.ok && decodeSerialUp(r.frame).ok) accepted = true;
          } else if (kind === 'sealMqtt') {
            const m = sealMqttInput(rand, i);
            accepted = decodeSealMqtt(m.subtopic, m.payload).ok;
          } else if (kind === 'kit') {
            const m = kitInput(rand, i);
            accepted = decodeKit(m.subtopic, m.payload).ok;
          } else {
            const dec = new ResponseDecoder();
            const slave = 1 + (i % 247);
            dec.expect({ slave, fn: 3, count: 20 });
            for (const r of dec.push(modbusInput(rand, slave, rand() < 0.8 ? 20 : 1 + Math.floor(rand() * 40)))) {
              if (r.ok && r.kind === 'response' && decodeRegisters(r.registers).ok) accepted = true;
            }
          }
        } catch (e) {
          crashes.push(`${kind} #${i}: ${(e as Error).message}`);
        }
        slowest = Math.max(slowest, performance.now() - t0);
        tally[kind].n++;
        tally[kind][accepted ? 'accepted' : 'rejected']++;
      }
      const total = Object.values(tally).reduce((s, t) => s + t.n, 0);
      const rejected = Object.values(tally).reduce((s, t) => s + t.rejected, 0);
      report('fuzz codecs', {
        inputs: FUZZ,
        seed: SEED,
        crashes: crashes.length,
        slowestMs: slowest,
        rejected,
        acceptedByChance: total - rejected,
        ssp1: tally.ssp1,
        sealMqtt: tally.sealMqtt,
        kit: tally.kit,
        modbus: tally.modbus,
        seconds: (performance.now() - started) / 1000,
      });
      expect(crashes.slice(0, 5)).toEqual([]);
      expect(total).toBe(FUZZ);
      expect(slowest).toBeLessThan(250); // no input takes the event loop away
      expect(rejected / FUZZ).toBeGreaterThan(0.8);
    },
    budget(FUZZ, 0.2, 60_000),
  );

  it(
    `a running gateway counts every refusal and keeps serving (${LIVE.toLocaleString('en')} inputs)`,
    async () => {
      const rand = seededRandom(SEED + 1);
      const dir = tmp('sealift-soak-fuzz-');
      const data = join(dir, 'data');
      const port = join(dir, 'fz-s.tty');
      const env = { SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: 'testgw' };
      const store = await openStore(loadConfig({ env }));
      await store.registry.addDevice({ id: 'fz-s', profile: 'seal-ssp1-serial', port }, { secret: 'soak-fuzz-serial-secret' });
      await store.registry.addDevice({ id: 'fz-m', profile: 'seal-mqtt' }, { secret: 'soak-fuzz-mqtt-secret' });
      await store.registry.addDevice({ id: 'fz-k', profile: 'lift-kit-mqtt' }, { secret: 'soak-fuzz-kit-secret' });
      await store.close();
      const cable = await cableAt(port);
      const seal = createSealFeature();
      const { gw, stop } = await startInproc({ data, features: [adminFeature, seal, createLiftFeature()] });
      const dev = new ReconnectingPort({ path: cable.devicePath, pollMs: 50 });
      const rejectedNow = async (): Promise<number> => (await gw.metrics.rejected.get()).values.reduce((s, v) => s + v.value, 0);
      try {
        await waitUntil(() => dev.isOpen && !!seal.service()?.serial('fz-s')?.port.isOpen, 5000);
        const link = seal.service()!.serial('fz-s')!.link;
        const answers: string[] = [];
        const down = new Ssp1Decoder();
        dev.on('data', (chunk: Buffer) => {
          for (const r of down.push(chunk)) if (r.ok) {
            const d = decodeDown(r.frame);
            if (d.ok) answers.push(d.command.type);
          }
        });

        // SSP/1 bytes into the sleeve's end of the cable, paced like a line
        const recordsBefore = gw.store.journal.size;
        const serialN = Math.floor(LIVE / 2);
        for (let i = 0; i < serialN; i++) {
          await dev.write(ssp1Input(rand, 40_000 + i));
          if (i % 20 === 19) await sleep(5);
        }
        await sleep(500);
        const lc = link.counters;
        const serialRejected = Object.values(lc.rejected).reduce((s, n) => s + n, 0);

        // MQTT publishes by a sleeve and a kit: refused payloads are acknowledged (so the device
        // stops resending them) and counted; a PUBACK that never comes would be a hang
        const before = await rejectedNow();
        const clients = await Promise.all(
          [
            ['fz-m', 'soak-fuzz-mqtt-secret'],
            ['fz-k', 'soak-fuzz-kit-secret'],
          ].map(([id, secret]) => mqtt.connectAsync(`mqtt://127.0.0.1:${gw.brokerPort}`, { clientId: id, username: id, password: secret, reconnectPeriod: 0 })),
        );
        let codecRejected = 0;
        const mqttN = LIVE - serialN;
        const pending = new Set<Promise<unknown>>();
        for (let i = 0; i < mqttN; i++) {
          const kit = i % 2 === 1;
          const m = kit ? kitInput(rand, 50_000 + i) : sealMqttInput(rand, 50_000 + i);
          const ok = kit ? decodeKit(m.subtopic, m.payload).ok : decodeSealMqtt(m.subtopic, m.payload).ok;
          if (!ok) codecRejected++;
          const c = clients[kit ? 1 : 0]!;
          const p = withTimeout(c.publishAsync(`dev/${kit ? 'fz-k' : 'fz-m'}/up/${m.subtopic}`, m.payload, { qos: 1 }), 10_000, `PUBACK of fuzz input ${i}`);
          pending.add(p);
          void p.finally(() => pending.delete(p)).catch(() => undefined);
          if (pending.size >= 16) await Promise.race(pending);
        }
        await Promise.all(pending);
        const mqttRejected = (await rejectedNow()) - before;
        const stillConnected = clients.every((c) => c.connected);

        // still serving: a valid event over each transport is journaled
        const size = gw.store.journal.size;
        await clients[0]!.publishAsync('dev/fz-m/up/status', JSON.stringify({ seq: 999_999, boot: 99, battery: 80, locked: true, sleeveClosed: true, sealPresent: true, time: Date.now() }), { qos: 1 });
        await dev.write(encodeUp({ type: 'status', battery: 80, locked: true, sleeveClosed: true, sealPresent: true, time: Date.now() }, 60_001));
        await waitUntil(() => gw.store.journal.size >= size + 2, 5000);
        for (const c of clients) await c.endAsync();

        report('fuzz live gateway', {
          inputs: LIVE,
          seed: SEED + 1,
          serialInputs: serialN,
          serialRejected,
          serialRejectedBytes: lc.rejectedBytes,
          serialAccepted: lc.framesOk,
          nacks: lc.nacksSent,
          mqttInputs: mqttN,
          mqttCodecRejected: codecRejected,
          mqttCountedRejected: mqttRejected,
          stillConnected,
          recordsWritten: gw.store.journal.size - recordsBefore,
          crashes: 0,
        });
        expect(mqttRejected).toBeGreaterThanOrEqual(codecRejected); // every refusal counted
        expect(stillConnected).toBe(true);
        expect(serialRejected).toBeGreaterThan(serialN / 4);
        expect(answers).toContain('ack');
      } finally {
        await dev.close();
        await stop();
        await cable.close();
      }
    },
    budget(LIVE, 20, 60_000),
  );
});

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out');
    await sleep(10);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`hang: no ${what} within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

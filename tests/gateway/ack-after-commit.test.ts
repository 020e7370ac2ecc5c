/**
 * Law 1: a device event is acknowledged only after its journal record is committed.
 * The gateway process is SIGKILLed the moment a PUBACK arrives; after a restart every
 * acknowledged event must be in the journal, exactly once.
 */
import { describe, it, expect } from 'vitest';
import mqtt from 'mqtt';
import { randomInt } from 'node:crypto';
import { provisioned, startGatewayProc, kill, journalRows } from '../helpers/gateway.js';
import { sealift } from '../helpers/cli.js';

const ROUNDS = Number(process.env.SEALIFT_TEST_KILL_ROUNDS ?? 12);
const SECRET = 'kill-test-secret-0001';

describe('ack after commit', () => {
  it(`every PUBACKed event survives SIGKILL at the moment of the PUBACK (${ROUNDS} rounds)`, async () => {
    const data = provisioned([{ id: 'seal-k', profile: 'seal-mqtt', secret: SECRET }]);
    const acked = new Set<string>();
    let seq = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const gw = await startGatewayProc(data);
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.brokerPort}`, {
        clientId: 'seal-k',
        username: 'seal-k',
        password: SECRET,
        reconnectPeriod: 0,
      });
      client.on('error', () => undefined);
      // several publishes in flight at once so the kill lands at different points of a group commit
      const killAfter = randomInt(1, 40);
      let n = 0;
      let killed = false;
      await new Promise<void>((resolve) => {
        const boot = round + 1;
        const sendNext = () => {
          if (killed) return;
          const s = seq++;
          client.publish(
            'dev/seal-k/up/status',
            JSON.stringify({ seq: s, boot, battery: 90, locked: true, sleeveClosed: true, sealPresent: true, time: Date.now() }),
            { qos: 1 },
            (err) => {
              if (err || killed) return;
              acked.add(`${boot}:${s}`);
              if (++n >= killAfter) {
                killed = true;
                gw.proc.kill('SIGKILL');
                resolve();
              } else sendNext();
            },
          );
        };
        for (let i = 0; i < 8; i++) sendNext();
      });
      await kill(gw);
      client.end(true);
    }
    const rows = journalRows(data).filter((r) => r.subject === 'seal-k' && r.dev_seq !== null);
    const stored = rows.map((r) => {
      const rec = JSON.parse(r.bytes.toString()) as { dev: { boot: number; seq: number } };
      return `${rec.dev.boot}:${rec.dev.seq}`;
    });
    for (const key of acked) expect(stored, `acknowledged event ${key} lost`).toContain(key);
    expect(new Set(stored).size).toBe(stored.length);
    expect(acked.size).toBeGreaterThan(ROUNDS);
    const v = sealift(['verify', '--data', data]);
    expect(v.stdout + v.stderr).toMatch(/ok|完整/i);
    expect(v.code).toBe(0);
  });
});

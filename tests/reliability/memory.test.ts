/**
 * Memory over a long run of the full demo site (DESIGN §8): the real `sealift demo` process (the
 * gateway, its simulator — 12 Modbus lifts on two pty buses, 2 kits, a serial and an MQTT sleeve,
 * a lift fault scenario every 45 s — and the hub on a second broker) for SEALIFT_SOAK_MINUTES
 * (CI 1, soak 60), with a keeper filing a stamp request and an approver approving it every
 * 20 s (the sleeve stamps, photos go over MQTT, the hub receives it all). Figures: resident size
 * at start (after a warm-up), half-way and at the end, its peak, and records written.
 */
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { exited, sealiftBg, tmp } from '../helpers/cli.js';
import { Client } from '../helpers/inproc.js';
import { count, FULL, report, rssMb, sleep } from './soak.js';

const MINUTES = count('MINUTES', 1, 60);

describe('memory of the demo site over a long run', () => {
  it(
    `stays bounded (${MINUTES} min)`,
    async () => {
      const data = join(tmp('sealift-soak-mem-'), 'data');
      const env = { SEALIFT_DATA: data, SEALIFT_BROKER_PORT: '0', SEALIFT_HTTP_PORT: '0', SEALIFT_LOG_LEVEL: 'warn' };
      const started = await sealiftBg(['demo'], { env, ready: /What happens on the site/, timeoutMs: 60_000 });
      const proc: ChildProcess = started.proc;
      try {
        const base = /web pages\s+(http:\/\/\S+?)\/\s/.exec(started.output())![1]!;
        const keeper = await new Client(base).login('wenshu', 'sealift-demo');
        const approver = await new Client(base).login('shuji', 'sealift-demo');
        let requests = 0;
        const office = async (): Promise<void> => {
          const now = Date.now();
          const f = await keeper.post('/api/seal/requests', { seal: requests % 2 ? 'seal-1' : 'seal-2', matter: '证明', title: `soak ${requests}`, count: 1, notBefore: now, notAfter: now + 3600_000 });
          if (f.status === 201) {
            await approver.post(`/api/seal/requests/${f.body.id}/approve`, { note: 'ok' });
            requests++;
          }
        };
        await sleep(10_000); // warm-up: every device connected, first cycles polled
        const pid = proc.pid!;
        const samples: { at: number; mb: number }[] = [];
        const t0 = Date.now();
        const end = t0 + MINUTES * 60_000;
        let nextOffice = t0;
        while (Date.now() < end) {
          if (proc.exitCode !== null) throw new Error(`the demo exited (${proc.exitCode}):\n${started.output().slice(-2000)}`);
          samples.push({ at: Date.now() - t0, mb: await rssMb(pid) });
          if (Date.now() >= nextOffice) {
            await office().catch(() => undefined);
            nextOffice += 20_000;
          }
          await sleep(Math.min(5000, Math.max(500, end - Date.now())));
        }
        samples.push({ at: Date.now() - t0, mb: await rssMb(pid) });
        const db = new Database(join(data, 'sealift.db'), { readonly: true });
        const records = (db.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n;
        const stamps = (db.prepare("SELECT COUNT(*) AS n FROM journal WHERE kind = 'seal.stamp'").get() as { n: number }).n;
        const faults = (db.prepare("SELECT COUNT(*) AS n FROM journal WHERE kind = 'lift.fault.raise'").get() as { n: number }).n;
        db.close();
        const first = samples[0]!.mb;
        const mid = samples[Math.floor(samples.length / 2)]!.mb;
        const last = samples.at(-1)!.mb;
        const peak = Math.max(...samples.map((s) => s.mb));
        report('demo memory', {
          minutes: MINUTES,
          rssStartMb: first,
          rssMidMb: mid,
          rssEndMb: last,
          rssPeakMb: peak,
          records,
          stampRequests: requests,
          stamps,
          liftFaults: faults,
        });
        expect(proc.exitCode).toBeNull();
        expect(peak).toBeLessThan(400); // the demo process holds gateway, simulator and hub
        // a leak shows as a second half that peaks higher than the first (which holds the start-up)
        const half = Math.floor(samples.length / 2);
        const peakOf = (xs: { mb: number }[]) => Math.max(...xs.map((x) => x.mb));
        if (FULL || MINUTES >= 10) expect(peakOf(samples.slice(half)) - peakOf(samples.slice(0, half)), 'RSS grew over the second half of the run').toBeLessThan(30);
      } finally {
        proc.kill('SIGINT');
        const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited(proc);
        clearTimeout(t);
      }
    },
    MINUTES * 60_000 + 120_000,
  );
});

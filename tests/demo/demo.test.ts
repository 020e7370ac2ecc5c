/**
 * What `npm start` gives a newcomer, run as the real `sealift demo` process on a fresh data dir
 * (ephemeral ports): a keeper files a request, the approver approves it, the simulated sleeve
 * stamps with photos, the inspector finds the stamps; the maintainer sees every lift live; the hub
 * holds the journal; after Ctrl+C the journal verifies.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { sealift, sealiftBg, exited, tmp } from '../helpers/cli.js';
import { Client } from '../helpers/inproc.js';
import type { ChildProcess } from 'node:child_process';

async function waitFor<T>(fn: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('sealift demo (npm start)', () => {
  let proc: ChildProcess | undefined;
  afterAll(() => {
    if (proc && proc.exitCode === null) process.kill(-proc.pid!, 'SIGKILL');
  });

  it('runs a live site end to end, and its journal verifies after Ctrl+C', async () => {
    const data = join(tmp(), 'data');
    const env = { SEALIFT_DATA: data, SEALIFT_BROKER_PORT: '0', SEALIFT_HTTP_PORT: '0', SEALIFT_LOG_LEVEL: 'warn' };
    const started = await sealiftBg(['demo'], { env, ready: /What happens on the site/, timeoutMs: 60_000, group: true });
    proc = started.proc;
    const out = started.output();
    const base = /web pages\s+(http:\/\/\S+?)\/\s/.exec(out)![1]!;
    const hubUrl = /hub\s+(http:\/\/\S+?)\/api\/hub\/gateways/.exec(out)![1]!;
    expect(out).toMatch(/simulator\s+16 devices/);

    const keeper = await new Client(base).login('wenshu', 'sealift-demo');
    const approver = await new Client(base).login('shuji', 'sealift-demo');
    const inspector = await new Client(base).login('jiwei', 'sealift-demo');
    const maintainer = await new Client(base).login('weibao', 'sealift-demo');

    const now = Date.now();
    const f = await keeper.post('/api/seal/requests', {
      seal: 'seal-2',
      matter: '证明',
      title: '村民居住证明',
      count: 2,
      notBefore: now,
      notAfter: now + 3600_000,
    });
    expect(f.status, JSON.stringify(f.body)).toBe(201);
    const a = await approver.post(`/api/seal/requests/${f.body.id}/approve`, { note: '同意' });
    expect(a.status, JSON.stringify(a.body)).toBe(200);

    // the serial sleeve (on a pty) receives the grant and stamps twice, with photos over MQTT
    const detail = await waitFor(
      async () => {
        const d = await inspector.get(`/api/seal/requests/${f.body.id}`);
        return d.body.stamps?.length === 2 && d.body.stamps.every((s: { photoReceived: boolean }) => s.photoReceived) ? d : undefined;
      },
      30_000,
      'two stamps with photos',
    );
    expect(detail.body.request.state).toBe('completed');
    const stamps = await inspector.get('/api/seal/stamps?seal=seal-2');
    expect(stamps.body.total).toBeGreaterThanOrEqual(2);

    // every lift of the site is live for the maintainer
    const lifts = await waitFor(
      async () => {
        const r = await maintainer.get('/api/lifts');
        return r.body.lifts?.filter((l: { online: boolean }) => l.online).length === 14 ? r : undefined;
      },
      30_000,
      '14 lifts online',
    );
    expect(lifts.body.lifts).toHaveLength(14);

    // the hub holds the journal
    await waitFor(
      async () => {
        const g = (await (await fetch(`${hubUrl}/api/hub/gateways`)).json()) as { gateways: { gw: string; verified: number }[] };
        return g.gateways.find((x) => x.gw === 'demo' && x.verified > 20);
      },
      30_000,
      'the hub to verify the journal',
    );

    // Ctrl+C in a terminal: SIGINT to the whole foreground process group (the simulator's socat
    // included); the gateway closes its ports before the cables go, so the stop is clean
    const before = started.output().length;
    process.kill(-proc.pid!, 'SIGINT');
    const { code } = await exited(proc);
    expect(code).toBe(0);
    const stopping = started.output().slice(before);
    expect(stopping).toMatch(/SIGINT received/);
    expect(stopping.split('\n').filter((l) => /"level":(40|50|60)/.test(l))).toEqual([]);
    const v = sealift(['verify', '--data', data]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/完整，未被篡改/);
  });
});

/**
 * The hub from the command line (DESIGN §5.8): `sealift hub gateway add|list`, `sealift hub key`,
 * `sealift hub --broker URL`, a gateway started with `--upstream URL`, and `sealift hub export`
 * whose bundle `sealift verify --bundle` accepts.
 */
import { describe, it, expect, afterAll } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.js';
import { provisioned, gwEnv } from '../helpers/gateway.js';
import { exited, sealift, sealiftBg, tmp } from '../helpers/cli.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import { waitFor } from './helpers.js';
import { checkGatewayKey } from '../../src/hub/hub.js';

describe('sealift hub (CLI)', () => {
  let mosq: Mosquitto | undefined;
  const procs: ChildProcess[] = [];

  afterAll(async () => {
    for (const p of procs) {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGKILL');
        await exited(p);
      }
    }
    await mosq?.stop();
  });

  it('registers gateways, verifies what they send, exports what `verify --bundle` accepts', async () => {
    const hubData = tmp('sealift-hubcli-');
    const env = { SEALIFT_DATA: hubData };
    const data = provisioned([{ id: 'seal-h1', profile: 'seal-mqtt', secret: 'hub-cli-secret-001' }]);
    const vkey = loadOrCreateKey(data, 'sealift/testgw').vkey;

    const bad = sealift(['hub', 'gateway', 'add', 'testgw', '--key', 'not-a-key'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/verifier key/);
    expect(() => checkGatewayKey('othergw', vkey)).toThrow(/must be named sealift\/othergw/);
    const add = sealift(['hub', 'gateway', 'add', 'testgw', '--key', vkey, '--data', hubData]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/registered/);
    const key = sealift(['hub', 'key'], { env });
    expect(key.code).toBe(0);
    const hubKey = /verifier key\s+(\S+)/.exec(key.stdout)![1]!;

    mosq = await Mosquitto.start();
    const hub = await sealiftBg(['hub', '--broker', mosq.url], {
      env: { ...env, SEALIFT_HUB_HTTP_PORT: '0', SEALIFT_HUB_CLIENT_ID: `cli-hub-${process.pid}` },
      ready: /"msg":"hub started"/,
    });
    procs.push(hub.proc);
    const gw = await sealiftBg(['gateway', '--upstream', mosq.url], {
      env: gwEnv(data, { SEALIFT_UPSTREAM_HUB_KEY: hubKey, SEALIFT_UPSTREAM_CHECKPOINT_INTERVAL_SEC: '0.5', SEALIFT_GATEWAY_NAME: '东湖村' }),
      ready: /"msg":"gateway started"/,
    });
    procs.push(gw.proc);

    const port = (JSON.parse(hub.output().split('\n').find((l) => l.includes('"hub started"'))!) as { http: number }).http;
    const listed = await waitFor(
      async () => {
        const r = (await (await fetch(`http://127.0.0.1:${port}/api/hub/gateways`)).json()) as { gateways: { gw: string; name: string | null; verified: number; held: number; status: string; online: boolean }[] };
        const g = r.gateways.find((x) => x.gw === 'testgw');
        return g && g.verified > 0 && g.verified === g.held ? g : undefined;
      },
      'the hub to verify the gateway',
      30_000,
      100,
    );
    expect(listed).toMatchObject({ status: 'ok', online: true, name: '东湖村' }); // the site's name, from its gateway.start record
    const human = sealift(['hub', 'gateway', 'list'], { env });
    expect(human.stdout).toMatch(/testgw\tok\tverified \d+\/\d+ records\tonline\t\d+ alarms\t东湖村\n/);

    const out = join(tmp(), 'hub-bundle');
    const ex = sealift(['hub', 'export', 'testgw', '--out', out], { env });
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toMatch(/exported \d+ records of testgw/);
    const v = sealift(['verify', '--bundle', out, '--key', vkey]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/bundle ok/);

    gw.proc.kill('SIGTERM');
    expect((await exited(gw.proc)).code).toBe(0);
    hub.proc.kill('SIGTERM');
    expect((await exited(hub.proc)).code).toBe(0);
  });
});

/**
 * Fault latency (DESIGN §8): a kit's reading in → the fault published on the local broker, beyond
 * the rule's own timer; target p99 ≤ 10 ms. LIFT_ALARM_BUTTON (critical: its raise also signs a
 * checkpoint) and LIFT_POWER_LOSS (major) have no timer (lift.rules.confirmMs 0, the default),
 * alternately; clears are measured with lift.rules.clearMs = 0. The path: PUBLISH → broker auth/ACL → kit decode → rules → journal commit
 * (synchronous=FULL) → PUBACK and the `sealift/{gw}/lift/{id}/fault` message. Kits and the watching
 * maintainer run in another process (fault-client.ts); 16 kits, the others reporting in the
 * background while one presses its button.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { Gateway } from '../src/gateway/app.js';
import type { FaultJob, FaultSamples } from './fault-client.js';
import { percentile, tmp, type Result } from './lib.js';

const KITS = 16;

export async function benchFault(quick: boolean): Promise<Result> {
  const samples = quick ? 300 : 2000;
  const t = tmp();
  const cfg = loadConfig({
    env: {
      ...process.env,
      SEALIFT_DATA: join(t.dir, 'data'),
      SEALIFT_BROKER_PORT: '0',
      SEALIFT_HTTP_ENABLED: 'false',
      SEALIFT_GATEWAY_ID: 'bench',
      SEALIFT_LIFT_RULES_CLEAR_MS: '0',
    },
  });
  const gw = await new Gateway(cfg, createLogger('warn')).start();
  try {
    const kits = Array.from({ length: KITS }, (_, i) => ({ id: `kit-${i + 1}`, secret: `bench-kit-secret-${i + 1}` }));
    for (const k of kits) await gw.store.registry.addDevice({ id: k.id, profile: 'lift-kit-mqtt', ratedSpeed: 1000, floors: { lo: 1, hi: 6 } }, { secret: k.secret });
    const user = { name: 'weibao', password: 'bench-password-1' };
    await gw.store.registry.addUser({ name: user.name, role: 'maintainer' }, user.password);
    const job: FaultJob = { url: `mqtt://127.0.0.1:${gw.brokerPort}`, gw: 'bench', kits, user, samples, backgroundHz: 5 };
    const child = fork(new URL('./fault-client.js', import.meta.url), [], { stdio: 'inherit' });
    child.send(job);
    const r = await new Promise<FaultSamples>((resolve, reject) =>
      child.once('message', (m: FaultSamples & { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m))),
    );
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const raise = sorted([...r.alarm, ...r.power]);
    const alarm = sorted(r.alarm);
    const power = sorted(r.power);
    const clear = sorted(r.clear);
    const p99 = percentile(raise, 99);
    const fmt = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} / p95 ${percentile(xs, 95).toFixed(1)} / p99 ${percentile(xs, 99).toFixed(1)} / max ${xs.at(-1)!.toFixed(1)}`;
    const stats = gw.store.journal.stats();
    const commitMs = await meanCommitMs(gw);
    return {
      name: 'fault latency',
      value: p99,
      unit: 'ms p99 (reading → fault.raise on the local broker)',
      ratio: p99 / 10,
      baseline: 'target 10 ms',
      target: 'p99 ≤ 10 ms',
      pass: p99 <= 10,
      notes:
        `${samples} raises while ${KITS} kits report 5/s each: all ${fmt(raise)} ms; LIFT_ALARM_BUTTON (critical, + checkpoint) ${fmt(alarm)}; ` +
        `LIFT_POWER_LOSS (major) ${fmt(power)}; clears ${fmt(clear)}; mean commit ${commitMs.toFixed(1)} ms (${stats.commits} commits)`,
    };
  } finally {
    await gw.stop();
    t.cleanup();
  }
}

async function meanCommitMs(gw: Gateway): Promise<number> {
  const values = (await gw.metrics.commitSeconds.get()).values;
  const pick = (suffix: string) => values.find((v) => v.metricName?.endsWith(suffix))?.value ?? 0;
  return (pick('_sum') * 1000) / Math.max(1, pick('_count'));
}

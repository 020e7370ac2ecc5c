/** `sealift sim`: play the devices provisioned in DIR against a running gateway (creates the ptys it needs). */
import { configFrom, type CommonOpts } from './main.js';
import { untilSignal } from './gateway.js';
import { withStore } from '../gateway/store.js';
import { Simulator } from '../../sim/index.js';
import { readSimSecrets, secretsPath } from '../../sim/secrets.js';
import { child, createLogger } from '../core/logger.js';
import { Rejection } from '../core/errors.js';

export async function runSim(opts: CommonOpts & { broker?: string; autoStamp?: boolean }): Promise<number> {
  const cfg = configFrom(opts);
  const devices = await withStore(cfg, async ({ registry }) => registry.devices());
  const secrets = readSimSecrets(cfg.data);
  if (devices.length === 0) throw new Rejection('usage', `no devices provisioned in ${cfg.data} (sealift device add …)`);
  const missing = devices.filter((d) => d.profile.endsWith('-mqtt') && !secrets[d.id]).map((d) => d.id);
  if (missing.length) {
    process.stderr.write(`sealift sim: no secret in ${secretsPath(cfg.data)} for ${missing.join(', ')}: those devices are not simulated\n`);
  }
  const log = createLogger(cfg.log.level);
  const host = cfg.broker.host === '0.0.0.0' ? '127.0.0.1' : cfg.broker.host;
  const sim = new Simulator({
    brokerUrl: opts.broker ?? `mqtt://${host}:${cfg.broker.port}`,
    devices,
    secrets,
    log: child(log, 'sim'),
    autoStamp: opts.autoStamp !== false,
  });
  await sim.start();
  process.stdout.write(`simulating ${sim.deviceIds.length} devices: ${sim.deviceIds.join(', ')} (Ctrl+C to stop)\n`);
  return untilSignal(() => sim.stop());
}

/**
 * `sealift demo` (what `npm start` runs): a gateway on embedded defaults with a demo site
 * provisioned on first run and the simulator attached, printing where to look.
 */
import { configFrom, type CommonOpts } from './main.js';
import { startGateway, untilSignal } from './gateway.js';
import { withStore } from '../gateway/store.js';
import { Simulator } from '../../sim/index.js';
import { readSimSecrets, writeSimSecrets } from '../../sim/secrets.js';
import { child, createLogger } from '../core/logger.js';
import type { Config } from '../core/config.js';
import { printActivity } from './activity.js';

export const DEMO_PASSWORD = 'sealift-demo';

export const DEMO_USERS = [
  { name: 'wenshu', role: 'keeper', displayName: '王文书' },
  { name: 'shuji', role: 'approver', displayName: '李书记' },
  { name: 'zhenli', role: 'approver', displayName: '赵镇审批' },
  { name: 'jiwei', role: 'inspector', displayName: '陈纪委' },
  { name: 'weibao', role: 'maintainer', displayName: '刘维保' },
  { name: 'admin', role: 'admin', displayName: '管理员' },
] as const;

export const DEMO_DEVICES = [
  { id: 'seal-1', profile: 'seal-mqtt', name: '村委会公章' },
  { id: 'kit-1', profile: 'lift-kit-mqtt', name: '3号楼1单元电梯', ratedSpeed: 1000, floors: { lo: -1, hi: 11 } },
  { id: 'kit-2', profile: 'lift-kit-mqtt', name: '3号楼2单元电梯', ratedSpeed: 1000, floors: { lo: -1, hi: 11 } },
] as const;

/** Provisions the demo site once; later runs reuse it. */
export async function provisionDemo(cfg: Config): Promise<void> {
  await withStore(cfg, async ({ registry }) => {
    const secrets = readSimSecrets(cfg.data);
    for (const d of DEMO_DEVICES) {
      if (registry.device(d.id)) continue;
      const { secret } = await registry.addDevice({ ...d }, { actor: 'demo' });
      secrets[d.id] = secret;
    }
    writeSimSecrets(cfg.data, secrets);
    for (const u of DEMO_USERS) {
      if (!registry.user(u.name)) await registry.addUser({ ...u }, DEMO_PASSWORD, { actor: 'demo' });
    }
    return 0;
  });
}

export async function runDemo(opts: CommonOpts): Promise<number> {
  const cfg = configFrom(opts);
  await provisionDemo(cfg);
  const gw = await startGateway(cfg);
  const sim = new Simulator({
    brokerUrl: `mqtt://127.0.0.1:${gw.brokerPort}`,
    devices: gw.store.registry.devices(),
    secrets: readSimSecrets(cfg.data),
    log: child(createLogger(cfg.log.level), 'sim'),
  });
  await sim.start();
  const http = `http://${cfg.http.host}:${gw.httpPort}`;
  process.stdout.write(
    [
      '',
      `sealift demo site "${cfg.gateway.name}" (gateway ${cfg.gateway.id}) is running.`,
      '',
      `  health        ${http}/healthz`,
      `  metrics       ${http}/metrics`,
      `  MQTT broker   mqtt://${cfg.broker.host}:${gw.brokerPort}  (log in as a user below to watch sealift/${cfg.gateway.id}/#)`,
      `  data          ${cfg.data}  (journal: ${gw.store.journal.size} records)`,
      `  simulator     ${sim.devices.length} devices: ${sim.devices.map((d) => d.id).join(', ')}`,
      '',
      `  demo users (password "${DEMO_PASSWORD}"): ${DEMO_USERS.map((u) => `${u.name} (${u.role})`).join(', ')}`,
      '',
      `  verify the journal:   npx sealift verify --data ${cfg.data}`,
      `  export evidence:      npx sealift export --data ${cfg.data} --out ./evidence`,
      '',
      'Press Ctrl+C to stop (a final checkpoint is signed). What happens on the site:',
      '',
    ].join('\n'),
  );
  const stopActivity = printActivity(gw.store.journal);
  return untilSignal(async () => {
    stopActivity();
    await sim.stop();
    await gw.stop();
  });
}

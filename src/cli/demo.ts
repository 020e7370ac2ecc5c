/**
 * `sealift demo` (what `npm start` runs): a gateway on embedded defaults with a demo site
 * provisioned on first run, the simulator attached and a hub on a second embedded broker receiving
 * the journal, printing where to look and what happens.
 */
import { join } from 'node:path';
import { configFrom, type CommonOpts } from './main.js';
import { startGateway, untilSignal } from './gateway.js';
import { withStore } from '../gateway/store.js';
import { Simulator } from '../../sim/index.js';
import { readSimSecrets, writeSimSecrets } from '../../sim/secrets.js';
import { child, createLogger } from '../core/logger.js';
import type { Config } from '../core/config.js';
import { startDemoHub } from '../hub/demo.js';
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

/** Serial devices of the demo talk through pseudo-terminals the simulator creates under the data dir. */
export const demoTty = (cfg: Config, name: string): string => join(cfg.data, 'sim', 'tty', name);

export function demoDevices(cfg: Config): Record<string, unknown>[] {
  return [
    { id: 'seal-1', profile: 'seal-mqtt', name: '村委会公章' },
    { id: 'seal-2', profile: 'seal-ssp1-serial', name: '党支部印章', port: demoTty(cfg, 'seal-2'), baud: 115200 },
    // 12 controllers on two RS-485 buses (Modbus RTU), the street's renewed old lifts
    ...Array.from({ length: 12 }, (_, i) => {
      const bus = i < 6 ? 1 : 2;
      const building = Math.floor(i / 2) + 1;
      return {
        id: `lift-${String(i + 1).padStart(2, '0')}`,
        profile: 'lift-modbus',
        name: `${building}号楼${(i % 2) + 1}单元电梯`,
        port: demoTty(cfg, `bus${bus}`),
        baud: 9600,
        slave: (i % 6) + 1,
        ratedSpeed: 1000,
        floors: { lo: i % 3 === 0 ? -1 : 1, hi: 6 + (i % 4) * 3 },
      };
    }),
    { id: 'kit-1', profile: 'lift-kit-mqtt', name: '7号楼1单元电梯', ratedSpeed: 1000, floors: { lo: -1, hi: 11 } },
    { id: 'kit-2', profile: 'lift-kit-mqtt', name: '7号楼2单元电梯', ratedSpeed: 1000, floors: { lo: -1, hi: 11 } },
  ];
}

/** Provisions the demo site once; later runs reuse it. */
export async function provisionDemo(cfg: Config): Promise<void> {
  await withStore(cfg, async ({ registry }) => {
    const secrets = readSimSecrets(cfg.data);
    for (const d of demoDevices(cfg)) {
      if (registry.device(String(d.id))) continue;
      const { secret } = await registry.addDevice(d, { actor: 'demo' });
      secrets[String(d.id)] = secret;
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
  const log = createLogger(cfg.log.level);
  // The hub on its own embedded broker, unless the config points the gateway at a real upstream.
  const hub = cfg.upstream.url ? undefined : await startDemoHub({ dataDir: cfg.data, log, gw: cfg.gateway.id });
  if (hub) {
    cfg.upstream.url = hub.url;
    cfg.upstream.hubKey = hub.hubKey;
  }
  const gw = await startGateway(cfg);
  const sim = new Simulator({
    brokerUrl: `mqtt://127.0.0.1:${gw.brokerPort}`,
    devices: gw.store.registry.devices(),
    secrets: readSimSecrets(cfg.data),
    log: child(log, 'sim'),
    oldLifts: ['lift-03'],
  });
  await sim.start();
  const http = `http://${cfg.http.host}:${gw.httpPort}`;
  process.stdout.write(
    [
      '',
      `sealift demo site "${cfg.gateway.name}" (gateway ${cfg.gateway.id}) is running.`,
      '',
      `  web pages     ${http}/   (中文; English switch at the top)`,
      `  API           ${http}/api/docs`,
      `  health        ${http}/healthz    metrics ${http}/metrics`,
      `  MQTT broker   mqtt://${cfg.broker.host}:${gw.brokerPort}  (log in as a user below to watch sealift/${cfg.gateway.id}/#)`,
      ...(hub
        ? [
            `  hub           ${hub.httpUrl}/api/hub/gateways  (receives the journal over ${hub.url})`,
            `  hub pages     ${hub.httpUrl}/   (上级平台: every site verified, stamps across sites, alarms; no token in the demo)`,
          ]
        : [`  upstream      ${cfg.upstream.url}`]),
      `  data          ${cfg.data}  (journal: ${gw.store.journal.size} records)`,
      `  simulator     ${sim.deviceIds.length} devices: ${sim.deviceIds.join(', ')}`,
      '',
      `  demo users (password "${DEMO_PASSWORD}"): ${DEMO_USERS.map((u) => `${u.name} (${u.role})`).join(', ')}`,
      '  try: log in as wenshu and file a stamp request, approve it as shuji, watch the sleeve stamp,',
      '       find the stamps and their photos as jiwei; as weibao follow the lift faults the simulator',
      '       injects (one every 45 s) from raise to close.',
      '',
      `  verify the journal:   npx sealift verify --data ${cfg.data}`,
      `  export evidence:      npx sealift export --data ${cfg.data} --out ./evidence`,
      '',
      'Press Ctrl+C to stop (a final checkpoint is signed). What happens on the site:',
      '',
    ].join('\n'),
  );
  const stopActivity = printActivity(gw.store.journal, cfg.gateway.timezone);
  return untilSignal(async () => {
    stopActivity();
    await gw.stop(); // first: it closes its serial ports before the simulator pulls the cables
    await sim.stop();
    await hub?.stop();
  });
}

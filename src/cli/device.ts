import { configFrom, type CommonOpts } from './main.js';
import { withStore } from '../gateway/store.js';
import { Rejection } from '../core/errors.js';

interface AddOpts extends CommonOpts {
  profile: string;
  name?: string;
  port?: string;
  baud?: string;
  slave?: string;
  secret?: string;
  ratedSpeed?: string;
  floors?: string;
}

const int = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new Rejection('usage', `${what} must be a whole number, got "${v}"`);
  return Number(v);
};

export async function deviceAdd(id: string, opts: AddOpts): Promise<number> {
  const cfg = configFrom(opts);
  let floors: { lo: number; hi: number } | undefined;
  if (opts.floors !== undefined) {
    const m = /^(-?\d+)\.\.(-?\d+)$/.exec(opts.floors);
    if (!m || Number(m[1]) > Number(m[2])) throw new Rejection('usage', `--floors must look like -1..18, got "${opts.floors}"`);
    floors = { lo: Number(m[1]), hi: Number(m[2]) };
  }
  const spec = Object.fromEntries(
    Object.entries({
      id,
      profile: opts.profile,
      name: opts.name,
      port: opts.port,
      baud: int(opts.baud, '--baud'),
      slave: int(opts.slave, '--slave'),
      ratedSpeed: int(opts.ratedSpeed, '--rated-speed'),
      floors,
    }).filter(([, v]) => v !== undefined),
  );
  return withStore(cfg, async ({ registry }) => {
    const { device, secret } = await registry.addDevice(spec, { secret: opts.secret });
    process.stdout.write(`added ${device.id} (${device.profile})\n`);
    if (device.profile.endsWith('-mqtt')) {
      process.stdout.write(`MQTT login: clientId = username = ${device.id}, password = ${secret}\n`);
    } else if (device.profile === 'seal-ssp1-serial') {
      process.stdout.write(`MQTT login for its photo uploads: clientId = username = ${device.id}, password = ${secret}\n`);
    }
    return 0;
  });
}

export async function deviceList(opts: CommonOpts & { json?: boolean }): Promise<number> {
  const cfg = configFrom(opts);
  return withStore(cfg, async ({ registry, db }) => {
    const devices = registry.devices().map((d) => {
      const last = db
        .prepare("SELECT ts, kind FROM journal WHERE subject = ? AND kind <> 'config.change' ORDER BY seq DESC LIMIT 1")
        .get(d.id) as { ts: number; kind: string } | undefined;
      return { ...d, lastRecordAt: last ? new Date(last.ts).toISOString() : null, lastRecord: last?.kind ?? null };
    });
    if (opts.json) {
      process.stdout.write(JSON.stringify(devices, null, 2) + '\n');
      return 0;
    }
    if (devices.length === 0) {
      process.stdout.write('no devices provisioned (add one with: sealift device add ID --profile P)\n');
      return 0;
    }
    const rows = devices.map((d) => [
      d.id,
      d.profile,
      d.port ? `${d.port}${d.slave ? `#${d.slave}` : ''}` : 'mqtt',
      d.name ?? '',
      d.lastRecordAt ? `${d.lastRecordAt.slice(0, 19).replace('T', ' ')}Z ${d.lastRecord}` : 'nothing yet',
    ]);
    const head = ['ID', 'PROFILE', 'LINK', 'NAME', 'LAST RECORD'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [head, ...rows]) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
    return 0;
  });
}

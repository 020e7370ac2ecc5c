/** Shared helpers of the benchmarks: timing, MQTT load, temp dirs, result lines. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';

export interface Result {
  name: string;
  value: number;
  unit: string;
  /** value ÷ baseline (or the figure compared with the target, for absolute targets). */
  ratio: number | null;
  baseline: string;
  target: string;
  pass: boolean | null;
  notes?: string;
}

export function line(r: Result): string {
  const v = r.value >= 100 ? Math.round(r.value).toLocaleString('en') : r.value.toFixed(r.value < 1 ? 3 : 2);
  const ratio = r.ratio === null ? '' : `${r.ratio.toFixed(2)} × ${r.baseline}, `;
  const verdict = r.pass === null ? '' : r.pass ? ' ✓' : ' ✗ MISSED';
  return `${r.name}: ${v} ${r.unit} (${ratio}target ${r.target})${verdict}`;
}

export function machine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** The 1-minute load average: how busy the machine was besides the benchmark. */
export const load = (): string => loadavg()[0]!.toFixed(1);

export function tmp(prefix = 'sealift-bench-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const now = (): number => performance.now();

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * QoS 1 load from `devices` MQTT clients, each keeping `window` publishes in flight; resolves
 * with events/s measured from the first publish to the last PUBACK.
 */
export async function mqttLoad(opts: {
  url: string;
  devices: { id: string; secret?: string }[];
  perDevice: number;
  window: number;
  topic: (id: string) => string;
  payload: (id: string, seq: number) => string;
}): Promise<number> {
  const clients = await Promise.all(
    opts.devices.map((d) =>
      mqtt.connectAsync(opts.url, {
        clientId: d.id,
        username: d.secret ? d.id : undefined,
        password: d.secret,
        reconnectPeriod: 0,
        clean: true,
      }),
    ),
  );
  const t0 = now();
  await Promise.all(
    clients.map(
      (c, i) =>
        new Promise<void>((resolve, reject) => {
          const id = opts.devices[i]!.id;
          let sent = 0;
          let done = 0;
          const next = () => {
            if (sent >= opts.perDevice) return;
            const seq = sent++;
            c.publish(opts.topic(id), opts.payload(id, seq), { qos: 1 }, (err) => {
              if (err) return reject(err);
              if (++done === opts.perDevice) resolve();
              else next();
            });
          };
          for (let k = 0; k < opts.window; k++) next();
        }),
    ),
  );
  const secs = (now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  return (opts.devices.length * opts.perDevice) / secs;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

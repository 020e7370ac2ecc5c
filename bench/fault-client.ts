/**
 * The device and watcher side of the fault-latency benchmark, run as its own process (forked by
 * fault.ts): lift kits over MQTT and a maintainer subscribed to `sealift/{gw}/lift/+/fault`. One kit
 * at a time presses its alarm button (LIFT_ALARM_BUTTON, critical, no confirm timer) and releases it;
 * (or loses mains power: LIFT_POWER_LOSS, major) and recovers, the others keep reporting in the
 * background. Answers with the latencies (ms) from the PUBLISH of the reading to the arrival of the
 * fault.raise / fault.clear message.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { performance } from 'node:perf_hooks';

export interface FaultJob {
  url: string;
  gw: string;
  kits: { id: string; secret: string }[];
  user: { name: string; password: string };
  samples: number;
  /** Background status reports per kit per second. */
  backgroundHz: number;
}

export type Fault = 'alarm' | 'power' | null;

const status = (seq: number, fault: Fault, floor: number): string =>
  JSON.stringify({
    seq,
    ts: Date.now(),
    running: 0,
    dir: 0,
    zone: 1,
    floor: String(floor),
    door: 0,
    person: 2,
    mode: 1,
    power: fault === 'power' ? 2 : 1,
    topLimit: 2,
    bottomLimit: 2,
    alarmButton: fault === 'alarm' ? 1 : 2,
  });

export interface FaultSamples {
  /** LIFT_ALARM_BUTTON (critical: its raise also signs a checkpoint) */
  alarm: number[];
  /** LIFT_POWER_LOSS (major) */
  power: number[];
  clear: number[];
}

async function run(job: FaultJob): Promise<FaultSamples> {
  const opts = { reconnectPeriod: 0, clean: true } as const;
  const watcher = await mqtt.connectAsync(job.url, { ...opts, clientId: job.user.name, username: job.user.name, password: job.user.password });
  await watcher.subscribeAsync(`sealift/${job.gw}/lift/+/fault`, { qos: 1 });
  const kits: MqttClient[] = await Promise.all(job.kits.map((k) => mqtt.connectAsync(job.url, { ...opts, clientId: k.id, username: k.id, password: k.secret })));
  const seqs = kits.map(() => 1);
  const waiting = new Map<string, (at: number) => void>();
  watcher.on('message', (_topic, payload) => {
    const at = performance.now();
    const m = JSON.parse(payload.toString()) as { event: string; lift: { id: string } };
    waiting.get(`${m.lift.id}:${m.event}`)?.(at);
  });
  const publish = (i: number, fault: Fault) =>
    new Promise<void>((resolve, reject) =>
      kits[i]!.publish(`dev/${job.kits[i]!.id}/up/status`, status(seqs[i]!++, fault, 1 + (seqs[i]! % 5)), { qos: 1 }, (err) => (err ? reject(err) : resolve())),
    );
  /** Publish a reading and time it until its fault message arrives. */
  const timed = async (i: number, fault: Fault): Promise<number> => {
    const key = `${job.kits[i]!.id}:${fault ? 'fault.raise' : 'fault.clear'}`;
    const arrived = new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${key} within 5 s`)), 5000);
      waiting.set(key, (at) => {
        clearTimeout(t);
        waiting.delete(key);
        resolve(at);
      });
    });
    const t0 = performance.now();
    await publish(i, fault);
    return (await arrived) - t0;
  };
  // everyone online first (their first message journals device.online)
  await Promise.all(kits.map((_, i) => publish(i, null)));
  let bg: NodeJS.Timeout | undefined;
  let active = -1;
  if (job.backgroundHz > 0) {
    let k = 0;
    bg = setInterval(() => {
      for (let n = 0; n < Math.max(1, Math.round((kits.length * job.backgroundHz) / 100)); n++) {
        k = (k + 1) % kits.length;
        if (k !== active) void publish(k, null).catch(() => undefined);
      }
    }, 10);
  }
  const out: FaultSamples = { alarm: [], power: [], clear: [] };
  for (let s = 0; s < job.samples; s++) {
    active = s % kits.length;
    const fault = s % 2 === 0 ? 'alarm' : 'power';
    out[fault].push(await timed(active, fault));
    out.clear.push(await timed(active, null));
    await new Promise((r) => setTimeout(r, 5 + (s % 7)));
  }
  clearInterval(bg);
  await Promise.all([...kits, watcher].map((c) => c.endAsync()));
  return out;
}

process.once('message', (job: FaultJob) => {
  run(job).then(
    (r) => process.send!(r, () => process.exit(0)),
    (err: unknown) => process.send!({ error: String(err) }, () => process.exit(1)),
  );
});

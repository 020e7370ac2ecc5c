/**
 * MQTT load generator run as its own process (like a fleet of real devices), so the broker under
 * test does not share its event loop with the client. Started by the benchmarks with fork();
 * receives its job over IPC and answers with the measured events/s.
 */
import { mqttLoad } from './lib.js';

type Job = Parameters<typeof mqttLoad>[0] extends infer J ? Omit<J & object, 'topic' | 'payload'> & { kind: 'seal-status'; boot?: number } : never;

process.once('message', (job: Job) => {
  const topic = (id: string) => `dev/${id}/up/status`;
  const payload = (_id: string, seq: number) =>
    JSON.stringify({ seq, boot: job.boot ?? 1, battery: 87, locked: true, sleeveClosed: true, sealPresent: true, time: Date.now() });
  mqttLoad({ url: job.url, devices: job.devices, perDevice: job.perDevice, window: job.window, topic, payload }).then(
    (rate) => process.send!({ rate }, () => process.exit(0)),
    (err: unknown) => process.send!({ error: String(err) }, () => process.exit(1)),
  );
});

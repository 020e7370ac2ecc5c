/** A throwaway mosquitto (the upstream broker of the drain benchmark) on a free loopback port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tmp } from './lib.js';

export const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/opt/homebrew/sbin/mosquitto'].find(existsSync);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

export async function startMosquitto(): Promise<{ url: string; proc: ChildProcess; stop(): Promise<void> }> {
  if (!MOSQUITTO) throw new Error('mosquitto not found (apt-get install mosquitto)');
  const t = tmp('sealift-bench-mosq-');
  const port = await freePort();
  const conf = join(t.dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 100000', 'log_dest stderr', 'log_type error', ''].join('\n'));
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const until = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited ${proc.exitCode}: ${log}`);
    if (await canConnect(port)) break;
    if (Date.now() > until) throw new Error(`mosquitto did not listen: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve(t.cleanup());
        proc.once('exit', () => resolve(t.cleanup()));
        proc.kill('SIGTERM');
      }),
  };
}

/**
 * Resident memory with 256 lifts + 16 seals live (DESIGN §8, ≤ 120 MB): a real `sealift gateway`
 * process with 256 Modbus controllers provisioned on 8 RS-485 buses (32 slaves each, 9600 baud,
 * polled continuously) and 16 sleeves (8 serial SSP/1, 8 MQTT), all played by `sealift sim` in a
 * separate process (socat ptys, the simulated lift site with its traffic and fault scenarios, the
 * sleeves). After a warm-up with every lift polled and every sleeve connected, the gateway's VmRSS
 * (/proc/<pid>/status); the ratio is against a bare `node -e` process's RSS measured the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/core/config.js';
import { openStore } from '../src/gateway/store.js';
import { writeSimSecrets } from '../sim/secrets.js';
import { tmp, type Result } from './lib.js';
import { daemonNodeFlags } from './node-flags.js';

const BIN = resolve(import.meta.dirname, '../../bin/sealift.js');
const BUSES = 8;
const SLAVES = 32;
const SEALS = 16;

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start `sealift <args>`; resolves with the process and its output once `ready` shows. */
function sealift(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, nodeFlags: string[] = [], timeoutMs = 60_000): Promise<{ proc: ChildProcess; out: () => string }> {
  const proc = spawn(process.execPath, [...nodeFlags, BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`sealift ${args[0]} not ready:\n${out.slice(-2000)}`)), timeoutMs);
    const on = (d: Buffer) => {
      out += d.toString();
      if (out.length > 1e6) out = out.slice(-100_000);
      if (ready.test(out)) {
        clearTimeout(t);
        res({ proc, out: () => out });
      }
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.once('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`sealift ${args[0]} exited ${code}:\n${out.slice(-2000)}`));
    });
  });
}

async function stop(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/** A data dir with 256 Modbus lifts on 8 buses and 16 sleeves; the simulator's secrets beside it. */
export async function provisionSite(dir: string): Promise<{ data: string; env: NodeJS.ProcessEnv }> {
  const data = join(dir, 'data');
  const env = { SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: 'bench', SEALIFT_BROKER_PORT: '0', SEALIFT_HTTP_PORT: '0', SEALIFT_LOG_LEVEL: 'info' };
  const store = await openStore(loadConfig({ env: { ...process.env, ...env } }));
  const secrets: Record<string, string> = {};
  const specs: Record<string, unknown>[] = [];
  for (let b = 0; b < BUSES; b++) {
    for (let s = 1; s <= SLAVES; s++) {
      specs.push({ id: `lift-${b + 1}-${s}`, profile: 'lift-modbus', port: join(dir, 'tty', `bus${b + 1}`), baud: 9600, slave: s, ratedSpeed: 1000, floors: { lo: -1, hi: 6 + (s % 12) } });
    }
  }
  for (let i = 1; i <= SEALS; i++) {
    specs.push(i <= SEALS / 2 ? { id: `seal-${i}`, profile: 'seal-ssp1-serial', port: join(dir, 'tty', `seal-${i}`), baud: 115200 } : { id: `seal-${i}`, profile: 'seal-mqtt' });
  }
  try {
    // scrypt per secret: a few at a time on the thread pool
    for (let i = 0; i < specs.length; i += 8) {
      const done = await Promise.all(specs.slice(i, i + 8).map((d) => store.registry.addDevice(d, { actor: 'bench' })));
      for (const { device, secret } of done) secrets[device.id] = secret;
    }
  } finally {
    await store.close();
  }
  writeSimSecrets(data, secrets);
  return { data, env };
}

/** Every lift answered a poll and every sleeve said hello (journal read from another connection). */
function live(data: string, metrics: string): { lifts: number; seals: number } {
  const lifts = new Set<string>();
  for (const m of metrics.matchAll(/sealift_modbus_requests_total\{[^}]*slave="(\d+)"[^}]*result="ok"[^}]*\} (\d+)/g)) if (Number(m[2]) > 0) lifts.add(m[0].replace(/result.*/, ''));
  const db = new Database(join(data, 'sealift.db'), { readonly: true });
  try {
    const seals = (db.prepare("SELECT COUNT(DISTINCT subject) AS n FROM journal WHERE kind = 'device.hello'").get() as { n: number }).n;
    return { lifts: lifts.size, seals };
  } finally {
    db.close();
  }
}

export async function benchMemory(quick: boolean): Promise<Result> {
  const warmupMs = quick ? 20_000 : 90_000;
  const t = tmp();
  let gw: ChildProcess | undefined;
  let sim: ChildProcess | undefined;
  let bare: ChildProcess | undefined;
  try {
    const { data, env } = await provisionSite(t.dir);
    // as deployed (npm start, the Dockerfile, the systemd unit): with the executable's node flags
    const flags = [...daemonNodeFlags(BIN), ...(process.env.SEALIFT_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
    const g = await sealift(['gateway'], env, /"msg":"gateway started"/, flags);
    gw = g.proc;
    const info = JSON.parse(g.out().split('\n').find((l) => l.includes('"gateway started"'))!) as { broker: number; http: number };
    const s = await sealift(['sim', '--data', data, '--broker', `mqtt://127.0.0.1:${info.broker}`], { ...env, SEALIFT_LOG_LEVEL: 'warn' }, /simulating \d+ devices/);
    sim = s.proc;
    const t0 = Date.now();
    let state = { lifts: 0, seals: 0 };
    while (Date.now() - t0 < 60_000) {
      state = live(data, await (await fetch(`http://127.0.0.1:${info.http}/metrics`)).text());
      if (state.lifts >= BUSES * SLAVES && state.seals >= SEALS) break;
      await sleep(1000);
    }
    if (state.lifts < BUSES * SLAVES || state.seals < SEALS) throw new Error(`site not live after 60 s: ${state.lifts} lifts polled, ${state.seals} sleeves`);
    const liveAfter = (Date.now() - t0) / 1000;
    const samples: number[] = [];
    for (let at = Date.now(); Date.now() - at < warmupMs; ) {
      await sleep(1000);
      samples.push(rssMb(gw.pid!));
    }
    const last = samples.slice(-5);
    const value = Math.max(...last);
    const peak = Math.max(...samples);

    bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await sleep(1000);
    const baseline = rssMb(bare.pid!);
    return {
      name: 'resident memory',
      value,
      unit: `MB RSS (${BUSES * SLAVES} lifts + ${SEALS} seals live)`,
      ratio: value / baseline,
      baseline: `bare node ${baseline.toFixed(0)} MB`,
      target: '≤ 120 MB',
      pass: value <= 120,
      notes: `gateway process (HTTP, broker, 8 buses × 32 slaves at 9600 baud, 8 serial + 8 MQTT sleeves) after ${(liveAfter + warmupMs / 1000).toFixed(0)} s; peak ${peak.toFixed(0)} MB; the simulator runs in its own process`,
    };
  } finally {
    bare?.kill('SIGKILL');
    await stop(sim);
    await stop(gw);
    t.cleanup();
  }
}

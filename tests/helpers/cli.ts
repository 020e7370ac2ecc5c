/** Run the built `sealift` executable as a user would. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { daemonNodeFlags } from '../../bench/node-flags.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/sealift.js');
/** `node <flags> bin/sealift.js`: as `sealift` runs it (the node flags on the executable's first line). */
const NODE_ARGS = [...daemonNodeFlags(BIN), BIN];

export function tmp(prefix = 'sealift-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function sealift(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunResult {
  const r = spawnSync(process.execPath, [...NODE_ARGS, ...args], {
    input: opts.input ?? '',
    env: { ...process.env, SEALIFT_LOG_LEVEL: 'warn', ...opts.env },
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `sealift <args>` in the background; resolves once `ready` matches a line on stderr or stdout. */
export function sealiftBg(
  args: string[],
  /** group: in a process group of its own, as a terminal's foreground job (Ctrl+C = SIGINT to -pid). */
  opts: { env?: NodeJS.ProcessEnv; ready?: RegExp; timeoutMs?: number; group?: boolean } = {},
): Promise<{ proc: ChildProcess; output: () => string }> {
  const proc = spawn(process.execPath, [...NODE_ARGS, ...args], {
    env: { ...process.env, SEALIFT_LOG_LEVEL: 'info', ...opts.env },
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.group ?? false,
  });
  let out = '';
  const ready = opts.ready ?? /gateway started/;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time:\n${out}`)), opts.timeoutMs ?? 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolvePromise({ proc, output: () => out });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ready:\n${out}`));
    });
  });
}

export function exited(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  }
  return new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
}

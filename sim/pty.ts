/**
 * A pair of connected pseudo-terminals made by socat: the gateway opens one end as its "serial
 * port", the simulated device the other. Killing the socat process is unplugging the cable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface PtyPair {
  /** The end the gateway opens (a stable symlink path). */
  gatewayPath: string;
  /** The end the simulated device opens. */
  devicePath: string;
  proc: ChildProcess;
  /** Unplug: kill socat (both ends vanish). */
  close(): Promise<void>;
}

/** socat processes still running: killed when this process exits without closing them. */
const live = new Set<ChildProcess>();
let exitHook = false;

export function socatPath(): string {
  for (const p of ['/usr/bin/socat', '/usr/local/bin/socat', '/opt/homebrew/bin/socat']) if (existsSync(p)) return p;
  return 'socat';
}

/**
 * Creates the pair and resolves once both links exist. Pass fixed paths to recreate a pair at
 * the same place after an unplug (the gateway keeps its configured port path).
 */
export async function createPtyPair(paths?: { gatewayPath: string; devicePath: string }): Promise<PtyPair> {
  const dir = paths ? undefined : mkdtempSync(join(tmpdir(), 'sealift-pty-'));
  const gatewayPath = paths?.gatewayPath ?? join(dir!, 'gateway');
  const devicePath = paths?.devicePath ?? join(dir!, 'device');
  for (const p of [gatewayPath, devicePath]) mkdirSync(dirname(p), { recursive: true });
  const proc = spawn(
    socatPath(),
    ['-d', '-d', `pty,raw,echo=0,link=${gatewayPath}`, `pty,raw,echo=0,link=${devicePath}`],
    // its own process group: Ctrl+C in a terminal (SIGINT to the foreground group) must not pull
    // the cables before the gateway has closed its ports; whoever made the pair closes it
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const p of live) p.kill('SIGKILL');
    });
  }
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 5000;
    const check = () => {
      if (proc.exitCode !== null) return reject(new Error(`socat exited: ${err}`));
      if (/starting data transfer loop/.test(err) && existsSync(gatewayPath) && existsSync(devicePath)) return resolve();
      if (Date.now() > deadline) return reject(new Error(`socat did not start: ${err}`));
      setTimeout(check, 10);
    };
    proc.once('error', reject);
    check();
  });
  return {
    gatewayPath,
    devicePath,
    proc,
    // Like udev removing the device node: the links go with the cable, so a stale link can never
    // point at a /dev/pts/N that another pair reuses. The folder stays: a replug may reuse the paths.
    close: () =>
      new Promise<void>((resolve) => {
        const cleanup = () => {
          for (const p of [gatewayPath, devicePath]) rmSync(p, { force: true });
          resolve();
        };
        if (proc.exitCode !== null || proc.signalCode !== null) return cleanup();
        proc.once('exit', cleanup);
        proc.kill('SIGKILL');
      }),
  };
}

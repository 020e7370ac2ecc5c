/** Start a real gateway process on ephemeral loopback ports against a temp data dir. */
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { sealift, sealiftBg, exited, tmp } from './cli.js';

export interface RunningGateway {
  proc: ChildProcess;
  brokerPort: number;
  httpPort: number;
  output: () => string;
}

export const gwEnv = (data: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  SEALIFT_DATA: data,
  SEALIFT_BROKER_PORT: '0',
  SEALIFT_HTTP_PORT: '0',
  SEALIFT_GATEWAY_ID: 'testgw',
  ...extra,
});

export async function startGatewayProc(data: string, extra: NodeJS.ProcessEnv = {}): Promise<RunningGateway> {
  const { proc, output } = await sealiftBg(['gateway'], { env: gwEnv(data, extra), ready: /"msg":"gateway started"/ });
  const line = output()
    .split('\n')
    .find((l) => l.includes('"gateway started"'))!;
  const info = JSON.parse(line) as { broker: number; http: number };
  return { proc, brokerPort: info.broker, httpPort: info.http, output };
}

export async function kill(g: RunningGateway, signal: NodeJS.Signals = 'SIGKILL') {
  g.proc.kill(signal);
  return exited(g.proc);
}

/** A data dir with one provisioned MQTT device. */
export function provisioned(devices: { id: string; profile: string; secret?: string; extra?: string[] }[]): string {
  const data = join(tmp(), 'data');
  for (const d of devices) {
    const r = sealift(
      ['device', 'add', d.id, '--profile', d.profile, ...(d.secret ? ['--secret', d.secret] : []), ...(d.extra ?? [])],
      { env: { SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: 'testgw' } },
    );
    if (r.code !== 0) throw new Error(`device add failed: ${r.stderr}`);
  }
  return data;
}

export function journalRows(data: string): { seq: number; kind: string; subject: string; dev_seq: number | null; bytes: Buffer }[] {
  const db = new Database(join(data, 'sealift.db'), { readonly: true });
  try {
    return db.prepare('SELECT seq, kind, subject, dev_seq, bytes FROM journal ORDER BY seq').all() as never;
  } finally {
    db.close();
  }
}

import { configFrom, type CommonOpts } from './main.js';
import { withStore } from '../gateway/store.js';
import { Rejection } from '../core/errors.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export async function userAdd(name: string, opts: CommonOpts & { role: string; displayName?: string }): Promise<number> {
  const cfg = configFrom(opts);
  const password = await readStdin();
  if (!password) throw new Rejection('usage', 'no password on stdin (e.g. echo "$PASSWORD" | sealift user add NAME --role ROLE)');
  return withStore(cfg, async ({ registry }) => {
    const user = await registry.addUser(
      { name, role: opts.role, ...(opts.displayName ? { displayName: opts.displayName } : {}) },
      password,
    );
    process.stdout.write(`added user ${user.name} (${user.role})\n`);
    return 0;
  });
}

/**
 * The simulator plays provisioned devices, so it needs their secrets. The demo (and tests) keep
 * them in `{data}/sim/secrets.json`, mode 0600. A real site has no such file.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

export type SimSecrets = Record<string, string>;

export function secretsPath(dataDir: string): string {
  return join(dataDir, 'sim', 'secrets.json');
}

export function readSimSecrets(dataDir: string): SimSecrets {
  const p = secretsPath(dataDir);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as SimSecrets) : {};
}

export function writeSimSecrets(dataDir: string, secrets: SimSecrets): void {
  mkdirSync(join(dataDir, 'sim'), { recursive: true, mode: 0o700 });
  const p = secretsPath(dataDir);
  writeFileSync(p, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  chmodSync(p, 0o600);
}

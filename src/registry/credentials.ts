/**
 * Secrets never enter the journal (it is synced upstream). They live in the `credentials` table,
 * hashed with scrypt (DESIGN §7). People's passwords get the full cost (N=2^14, 16 MiB a check):
 * they may be guessable. Device secrets are machine-made (144 random bits, or at least 12
 * characters given by an operator) and checked at every device (re)connect, so they get N=2^10
 * (1 MiB): a 16 MiB scrypt block per libuv thread stays in glibc's arenas for the life of the
 * process (+≈ 64 MB resident), which a gateway on a small box cannot spare for nothing.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';

const scrypt = (pw: BinaryLike, salt: BinaryLike, len: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );

/** scrypt cost of each kind of secret. */
export const COST = {
  password: { N: 16384, r: 8, p: 1 },
  device: { N: 1024, r: 8, p: 1 },
} as const;
export type SecretKind = keyof typeof COST;

/** `scrypt$N$r$p$salt$hash` (base64). */
export async function hashSecret(secret: string | Buffer, kind: SecretKind = 'password'): Promise<string> {
  const params = COST[kind];
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, 32, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether a stored hash was made with other parameters than `kind` uses now (rehash it after the next good check). */
export function outdated(stored: string, kind: SecretKind): boolean {
  const p = COST[kind];
  return !stored.startsWith(`scrypt$${p.N}$${p.r}$${p.p}$`);
}

export async function checkSecret(secret: string | Buffer, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(secret, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export function generateSecret(): string {
  return randomBytes(18).toString('base64url');
}

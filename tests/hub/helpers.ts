/** Shared pieces of the hub and sync tests: a hub in this process, fake gateway journals, polling. */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { Hub } from '../../src/hub/hub.js';
import { Journal } from '../../src/store/journal.js';
import { loadOrCreateKey, signerFromPrivateKey } from '../../src/store/keys.js';
import { checkpointOrigin } from '../../src/store/checkpoint.js';
import { encodeBatch } from '../../src/sync/protocol.js';
import { generateKeyPairSync } from 'node:crypto';
import { tmp } from '../helpers/cli.js';

export const testLog = (): Logger => createLogger((process.env.SEALIFT_TEST_LOG as 'debug') ?? 'silent');

export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 30_000, everyMs = 50): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A hub on the given broker with its own temp directory. */
export async function startTestHub(brokerUrl: string, opts: { connect?: boolean } = {}): Promise<Hub> {
  const dir = tmp('sealift-hub-');
  const cfg = loadConfig({
    env: {},
    overrides: [
      { path: ['data'], value: dir },
      { path: ['hub', 'broker'], value: brokerUrl },
      { path: ['hub', 'clientId'], value: `test-hub-${process.pid}-${Math.random().toString(36).slice(2, 8)}` },
    ],
  });
  const hub = new Hub({ cfg, log: testLog() });
  if (opts.connect !== false) await hub.connect(brokerUrl);
  return hub;
}

/** A gateway journal in a temp dir (no daemon), to craft what a gateway would send. */
export function fakeGateway(gw: string, opts: { foreignKey?: boolean } = {}): { journal: Journal; dir: string } {
  const dir = tmp(`sealift-fake-${gw}-`);
  const key = opts.foreignKey
    ? signerFromPrivateKey(checkpointOrigin(gw), generateKeyPairSync('ed25519').privateKey)
    : loadOrCreateKey(dir, checkpointOrigin(gw));
  const journal = Journal.open({ path: join(dir, 'sealift.db'), gw, key, groupCommitMs: 0 });
  return { journal, dir };
}

export async function appendN(j: Journal, n: number, subject = 'dev-1'): Promise<void> {
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) all.push(j.append({ kind: 'device.status', subject, data: { i, battery: 90 } }));
  await Promise.all(all);
}

/** The batch payload of records from..to (inclusive) of a journal. */
export function batch(j: Journal, from: number, to: number): string {
  return encodeBatch(
    j.gw,
    from,
    [...j.range(from, to)].map((r) => JSON.stringify(r.bytes.toString('utf8'))),
  );
}

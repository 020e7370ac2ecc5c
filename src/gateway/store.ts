/** Opens the site's store (journal + projections + registry) for the daemon and the CLI verbs. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { Journal, DB_FILE } from '../store/journal.js';
import { openDb, type Db } from '../store/db.js';
import { Registry, registryProjection } from '../registry/registry.js';

export interface Store {
  db: Db;
  journal: Journal;
  registry: Registry;
  close(): Promise<void>;
}

export const dbPath = (cfg: Config): string => join(cfg.data, DB_FILE);
export const photosDir = (cfg: Config): string => join(cfg.data, 'photos');

export async function openStore(cfg: Config, log?: Logger, metrics?: Metrics): Promise<Store> {
  const journal = Journal.fromConfig(cfg, log, {
    onCommit: metrics
      ? (ms, count) => {
          metrics.commitSeconds.observe(ms / 1000);
          metrics.commitBatch.observe(count);
        }
      : undefined,
  });
  journal.registerProjection(registryProjection);
  const registry = new Registry(journal.db, journal);
  return { db: journal.db, journal, registry, close: () => journal.close() };
}

/** For one-shot CLI verbs: open, run, always close (which flushes and checkpoints). */
export async function withStore<T>(cfg: Config, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await openStore(cfg, createLogger(cfg.log.level === 'info' ? 'warn' : cfg.log.level));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export const hasJournal = (cfg: Config): boolean => existsSync(dbPath(cfg));

/**
 * The gateway id this data dir's journal belongs to (from its first record), else the configured
 * one. Lets `verify` and `keys show` work on a copied data dir without its config file.
 */
export function journalGw(cfg: Config): string {
  if (!hasJournal(cfg)) return cfg.gateway.id;
  const db = openDb(dbPath(cfg), { readonly: true });
  try {
    const row = db.prepare('SELECT bytes FROM journal WHERE seq = 0').get() as { bytes: Buffer } | undefined;
    return row ? (JSON.parse(row.bytes.toString('utf8')) as { gw: string }).gw : cfg.gateway.id;
  } finally {
    db.close();
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import Database from 'better-sqlite3';
import { Journal, type JournalOpenOptions } from '../../src/store/journal.js';
import { signerFromSeed, type NoteSigner } from '../../src/store/keys.js';
import type { AppendInput } from '../../src/store/types.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the test. */
export function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'sealift-store-'));
  dirs.push(d);
  return d;
}

export const GW = 'test-gw';
export const key = (gw = GW, seedByte = 7): NoteSigner => signerFromSeed(`sealift/${gw}`, Buffer.alloc(32, seedByte));

export function openJournal(dir: string, opts: Partial<JournalOpenOptions> = {}): Journal {
  return Journal.open({ path: join(dir, 'sealift.db'), gw: GW, key: key(), groupCommitMs: 0, ...opts });
}

export const stamp = (i: number, extra: Partial<AppendInput> = {}): AppendInput => ({
  kind: 'seal.stamp',
  subject: `seal-${i % 3}`,
  actor: 'clerk-1',
  dev: { id: `seal-${i % 3}`, boot: 1, seq: i, time: 1_700_000_000_000 + i },
  data: { n: i, note: `第${i}次用印`, photo: undefined },
  ts: 1_700_000_000_000 + i * 1000,
  ...extra,
});

/** A second connection without the append-only triggers, to play the attacker. */
export function tamper(dir: string, fn: (db: Database.Database) => void): void {
  const db = new Database(join(dir, 'sealift.db'));
  for (const t of ['journal_no_update', 'journal_no_delete', 'checkpoints_no_update', 'checkpoints_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
  try {
    fn(db);
  } finally {
    db.close();
  }
}

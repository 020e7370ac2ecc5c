/**
 * `sealift verify` checks the rows' content in a worker thread beside the tree rebuild on
 * multi-core machines (src/store/verify.ts, `workers`). The CLI (compiled, so the worker is there)
 * must name exactly what the one-thread verification names, on a 30,000-record journal (above the
 * worker's threshold) left intact and tampered with in the ways a forger would: a byte flipped, a
 * record rewritten with its leaf, a row deleted, an early record and a later checkpoint at once.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/store/journal.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import { leafHash } from '../../src/store/merkle.js';
import { verifyJournal, type VerifyResult } from '../../src/store/verify.js';
import { sealift, tmp } from '../helpers/cli.js';

const N = 30_000;
let clean: string;

beforeAll(async () => {
  clean = join(tmp('sealift-verify-worker-'), 'data');
  const key = loadOrCreateKey(clean, 'sealift/testgw');
  const j = Journal.open({ path: join(clean, 'sealift.db'), gw: 'testgw', key, groupCommitMs: 0, maxBatch: 5000, maxPending: 1e6 });
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    all.push(
      j.append({
        kind: 'seal.stamp',
        subject: `seal-${i % 3}`,
        dev: { id: `seal-${i % 3}`, boot: 1, seq: i, time: 1_700_000_000_000 + i },
        data: { n: i, note: `第${i}次用印` },
        ts: 1_700_000_000_000 + i * 1000,
      }),
    );
    if (i === 9_999 || i === 19_999) {
      await Promise.all(all.splice(0));
      j.checkpoint();
    }
  }
  await Promise.all(all);
  await j.close();
}, 120_000);

/** A copy of the clean data dir, tampered with by a connection without the append-only triggers. */
function forged(fn: (db: Database.Database) => void): string {
  const data = join(tmp('sealift-verify-forged-'), 'data');
  cpSync(clean, data, { recursive: true });
  const db = new Database(join(data, 'sealift.db'));
  for (const t of ['journal_no_update', 'journal_no_delete', 'checkpoints_no_update', 'checkpoints_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
  fn(db);
  db.close();
  return data;
}

const rewrite = (db: Database.Database, seq: number, withLeaf: boolean): void => {
  const { bytes } = db.prepare('SELECT bytes FROM journal WHERE seq = ?').get(seq) as { bytes: Buffer };
  const i = bytes.indexOf(`"n":${seq}`) + 4;
  bytes[i] = bytes[i] === 0x39 ? 0x38 : bytes[i]! + 1; // another digit: still canonical JSON
  db.prepare('UPDATE journal SET bytes = ?, leaf = ? WHERE seq = ?').run(bytes, withLeaf ? leafHash(bytes) : (db.prepare('SELECT leaf FROM journal WHERE seq = ?').get(seq) as { leaf: Buffer }).leaf, seq);
};

/** One thread in this process, and the CLI with its worker: the same verdict. */
function both(data: string): { single: VerifyResult; cli: string; code: number | null } {
  const key = loadOrCreateKey(data, 'sealift/testgw');
  const single = verifyJournal(join(data, 'sealift.db'), key.vkey, { workers: 0 });
  const r = sealift(['verify', '--data', data]);
  return { single, cli: r.stdout + r.stderr, code: r.code };
}

describe('verify with a worker thread', () => {
  it('passes the intact journal with the same counts', () => {
    const { single, cli, code } = both(clean);
    expect(single).toMatchObject({ ok: true, checked: N, size: N, checkpoints: 3 });
    expect(code).toBe(0);
    expect(cli).toContain(`journal ok: ${N} records checked (tree size ${N}), 3 checkpoints verified`);
  });

  const cases: [string, (db: Database.Database) => void, RegExp][] = [
    ['a flipped byte', (db) => rewrite(db, 25_123, false), /record 25123: stored leaf hash does not match/],
    ['a record rewritten with its leaf', (db) => rewrite(db, 12_345, true), /checkpoint 20000 \(records 10000\.\.19999\)/],
    ['a deleted row', (db) => db.prepare('DELETE FROM journal WHERE seq = 21000').run(), /record 21000 is missing/],
    [
      'an early record and a later checkpoint',
      (db) => {
        rewrite(db, 2_000, false);
        db.prepare('UPDATE checkpoints SET root = ? WHERE size = 20000').run('AAAA');
      },
      /record 2000: stored leaf hash/,
    ],
    ['a record in the last chunk', (db) => rewrite(db, N - 1, false), new RegExp(`record ${N - 1}: stored leaf hash`)],
  ];
  for (const [name, fn, reason] of cases) {
    it(`names the same first problem: ${name}`, () => {
      const { single, cli, code } = both(forged(fn));
      expect(single.ok).toBe(false);
      expect(single.firstBad!.reason).toMatch(reason);
      expect(code).toBe(1);
      expect(cli).toContain(`journal FAILED at record seq ${single.firstBad!.seq}: ${single.firstBad!.reason}`);
    });
  }
});

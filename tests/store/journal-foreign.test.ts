/**
 * Records another process appends to the same database (the CLI provisioning while the daemon
 * runs): the journal notices them by `PRAGMA data_version` on its watch interval or before its
 * next commit, takes their leaves into its frontier and hands them to its listeners, flagged
 * `foreign`, in seq order with its own — projections are not applied twice.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Journal } from '../../src/store/journal.js';
import { rootOf } from '../../src/store/merkle.js';
import type { Committed, Projection } from '../../src/store/types.js';
import { verifyJournal } from '../../src/store/verify.js';
import { key, openJournal, stamp, tmp } from './helpers.js';

const seen = (j: Journal): Committed[][] => {
  const calls: Committed[][] = [];
  j.onRecords((recs) => calls.push(recs));
  return calls;
};

/** Counts every record it is applied to. */
const applied: Projection = {
  name: 'applied',
  migrations: [{ version: 1, sql: 'CREATE TABLE applied (seq INTEGER PRIMARY KEY)' }],
  apply: (db, rec) => void db.prepare('INSERT INTO applied (seq) VALUES (?)').run(rec.seq),
  reset: (db) => void db.exec('DELETE FROM applied'),
};

describe('records appended by another process', () => {
  it('are found by checkForeign (one cheap look when there are none) and told to the listeners, flagged foreign', async () => {
    const dir = tmp();
    const daemon = openJournal(dir, { watchMs: 0 });
    daemon.registerProjection(applied);
    const calls = seen(daemon);
    await daemon.append(stamp(0));
    expect(daemon.checkForeign()).toBe(0); // our own commit does not count

    const cli = openJournal(dir, { watchMs: 0 });
    cli.registerProjection(applied);
    await cli.append({ kind: 'config.change', subject: 'seal-9', actor: 'cli', data: { op: 'device.add', device: { id: 'seal-9', profile: 'seal-mqtt' } } });
    await cli.append(stamp(1));
    await cli.close(); // signs a checkpoint: not a record

    expect(daemon.size).toBe(1);
    expect(daemon.checkForeign()).toBe(2);
    expect(daemon.checkForeign()).toBe(0);
    expect(daemon.size).toBe(3);
    expect(daemon.root()).toEqual(rootOf(daemon.leaves()));
    expect(calls.map((c) => c.map((x) => [x.seq, x.foreign ?? false]))).toEqual([[[0, false]], [[1, true], [2, true]]]);
    expect(calls[1]![0]!.record).toMatchObject({ kind: 'config.change', subject: 'seal-9', data: { op: 'device.add' } });
    // applied once, by the process that wrote it
    expect((daemon.db.prepare('SELECT count(*) AS n FROM applied').get() as { n: number }).n).toBe(3);

    expect((await daemon.append(stamp(2))).seq).toBe(3);
    await daemon.close();
    expect(verifyJournal(join(dir, 'sealift.db'), key().vkey)).toMatchObject({ ok: true, checked: 4 });
  });

  it('are taken in before the next commit: listeners get them first, then the commit, in seq order', async () => {
    const dir = tmp();
    const daemon = openJournal(dir, { watchMs: 0 });
    const calls = seen(daemon);
    await daemon.append(stamp(0));
    const cli = openJournal(dir, { watchMs: 0 });
    await cli.append(stamp(1));
    await cli.close();
    const c = await daemon.append(stamp(2));
    expect(c.seq).toBe(2);
    expect(calls.map((x) => x.map((r) => [r.seq, r.foreign ?? false]))).toEqual([[[0, false]], [[1, true]], [[2, false]]]);
    expect(daemon.checkForeign()).toBe(0); // already taken: not told twice
    await daemon.close();
  });

  it('are noticed on the watch interval while someone listens, and not after the last listener left', async () => {
    const dir = tmp();
    const daemon = openJournal(dir, { watchMs: 50 });
    const got: Committed[] = [];
    const off = daemon.onRecords((recs) => got.push(...recs));
    const cli = openJournal(dir, { watchMs: 0 });
    await cli.append(stamp(0));
    await expect.poll(() => got.length, { timeout: 2000, interval: 20 }).toBe(1);
    expect(got[0]).toMatchObject({ seq: 0, foreign: true, record: { kind: 'seal.stamp' } });
    expect(daemon.size).toBe(1);

    off();
    await cli.append(stamp(1));
    await new Promise((r) => setTimeout(r, 200));
    expect(daemon.size).toBe(1); // nobody listens: found before the next commit instead
    expect((await daemon.append(stamp(2))).seq).toBe(2);
    await cli.close();
    await daemon.close();
  });
});

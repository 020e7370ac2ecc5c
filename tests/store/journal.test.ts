import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import canonicalizeModule from 'canonicalize';
import { setMaxPageCount } from '../../src/store/db.js';
import type { Journal } from '../../src/store/journal.js';
import { rootOf } from '../../src/store/merkle.js';
import { canonicalJson } from '../../src/store/record.js';
import type { JournalRecord, Projection } from '../../src/store/types.js';
import { verifyJournal } from '../../src/store/verify.js';
import { GW, key, openJournal, stamp, tamper, tmp } from './helpers.js';

const canonicalize = canonicalizeModule as unknown as (v: unknown) => string;

/** Per-subject stamp counter: a minimal derived table. */
const counter = (failOn?: (r: JournalRecord) => boolean): Projection => ({
  name: 'counter',
  migrations: [{ version: 1, sql: 'CREATE TABLE counter (subject TEXT PRIMARY KEY, n INTEGER NOT NULL, last_seq INTEGER NOT NULL)' }],
  apply(db, rec) {
    db.prepare('INSERT INTO counter VALUES (?, 1, ?) ON CONFLICT (subject) DO UPDATE SET n = n + 1, last_seq = excluded.last_seq').run(rec.subject, rec.seq);
    if (failOn?.(rec)) throw new Error('refused by rule');
  },
  reset(db) {
    db.exec('DELETE FROM counter');
  },
});
const counterRows = (j: Journal): unknown[] => j.db.prepare('SELECT * FROM counter ORDER BY subject').all();
const rows = (j: Journal): number => (j.db.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n;

describe('journal append', () => {
  it('round-trips: gapless seq, canonical bytes, leaf, and a clean verify after reopen', async () => {
    const dir = tmp();
    const j = openJournal(dir);
    const done = await Promise.all(Array.from({ length: 50 }, (_, i) => j.append(stamp(i))));
    expect(done.map((c) => c.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(done.every((c) => !c.duplicate)).toBe(true);
    const r = j.get(7)!;
    expect(r.bytes.toString()).toBe(canonicalize(r.record));
    expect(r.record).toEqual(done[7]!.record);
    expect(r.record).toMatchObject({ v: 1, gw: GW, seq: 7, kind: 'seal.stamp', actor: 'clerk-1', dev: { id: 'seal-1', boot: 1, seq: 7 } });
    expect('photo' in r.record.data).toBe(false);
    expect([...j.range(10, 12)].map((x) => x.seq)).toEqual([10, 11, 12]);
    expect(rootOf(j.leaves())).toEqual(j.root());
    const cp = j.checkpoint('test')!;
    expect(cp.size).toBe(50);
    expect(j.checkpoint()).toEqual(cp); // did not grow: the same one
    await j.close();

    const j2 = openJournal(dir);
    expect(j2.size).toBe(50);
    const next = await j2.append(stamp(50));
    expect(next.seq).toBe(50);
    await j2.close(); // final checkpoint at 51
    const res = verifyJournal(join(dir, 'sealift.db'), key().vkey);
    expect(res).toMatchObject({ ok: true, checked: 51, size: 51, checkpoints: 2 });
  });

  it('omits absent optional fields and encodes exactly like canonicalize', async () => {
    const j = openJournal(tmp());
    const c = await j.append({ kind: 'user.login', subject: 'u1', data: { z: 1, a: [1, 'é', { y: null, b: true }], '10': 'x', '9': 'y', '\u00e9': 2, e: 1e21, f: 0.1 } });
    const bytes = j.get(c.seq)!.bytes.toString();
    expect(bytes).toBe(canonicalize(c.record));
    expect(bytes).not.toMatch(/"actor"|"dev"/);
    await j.close();
  });

  it('group commit: 500 concurrent appends share a handful of transactions', async () => {
    const commits: number[] = [];
    const j2 = openJournal(tmp(), { groupCommitMs: 5, maxBatch: 200, onCommit: (_ms, n) => commits.push(n) });
    const all = await Promise.all(Array.from({ length: 500 }, (_, i) => j2.append(stamp(i))));
    expect(new Set(all.map((c) => c.seq)).size).toBe(500);
    const s = j2.stats();
    expect(s.commits).toBeLessThanOrEqual(5);
    expect(s.commits).toBeGreaterThanOrEqual(3); // maxBatch 200
    expect(commits.reduce((a, b) => a + b, 0)).toBe(500);
    expect(s.size).toBe(500);
    await j2.close();
  });

  it('stores a retransmitted device event once (same batch and later)', async () => {
    const j = openJournal(tmp(), { groupCommitMs: 5 });
    const [a, b] = await Promise.all([j.append(stamp(1)), j.append(stamp(1, { data: { n: 'retransmit' } }))]);
    expect(a.duplicate).toBe(false);
    expect(b).toMatchObject({ duplicate: true, seq: a.seq });
    expect(b.record).toEqual(a.record);
    const c = await j.append(stamp(1));
    expect(c).toMatchObject({ duplicate: true, seq: a.seq });
    const d = await j.append(stamp(1, { dev: { id: 'seal-1', boot: 2, seq: 1, time: 0 } })); // new boot: a new event
    expect(d.duplicate).toBe(false);
    expect(rows(j)).toBe(2);
    expect(j.stats().duplicates).toBe(2);
    await j.close();
  });

  it('refuses bad input with a clear error and writes nothing', async () => {
    const j = openJournal(tmp());
    const bad: [unknown, RegExp][] = [
      [{ ...stamp(0), kind: 'seal.bogus' }, /kind: "seal.bogus" is not a journal record kind/],
      [{ ...stamp(0), data: [] }, /data: must be a JSON object/],
      [{ ...stamp(0), data: { x: NaN } }, /data.x: NaN is not a finite number/],
      [{ ...stamp(0), data: { x: [1, Infinity] } }, /data.x\[1\]: Infinity/],
      [{ ...stamp(0), data: { when: new Date() } }, /data.when: a Date is not plain JSON/],
      [{ ...stamp(0), data: { big: 1n } }, /data.big: a bigint is not JSON/],
      [{ ...stamp(0), data: { s: '\ud800' } }, /lone surrogate/],
      [{ ...stamp(0), subject: '' }, /subject/],
      [{ ...stamp(0), dev: { id: 'x', boot: -1, seq: 0, time: 0 } }, /dev.boot/],
      [{ ...stamp(0), ts: 1.5 }, /ts: 1.5/],
      [{ ...stamp(0), data: { blob: 'x'.repeat(70_000) } }, /more than the 65536 allowed/],
    ];
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    bad.push([{ ...stamp(0), data: circular }, /deeper than 32 levels \(or circular\)/]);
    for (const [input, re] of bad) await expect(j.append(input as never)).rejects.toThrow(re);
    expect(j.stats().invalid).toBe(bad.length);
    expect(rows(j)).toBe(0);
    await j.close();
  });

  it('refuses appends beyond maxPending at once, and counts them', async () => {
    const j = openJournal(tmp(), { groupCommitMs: 50, maxPending: 10 });
    const ps = Array.from({ length: 15 }, (_, i) => j.append(stamp(i)).then(
      () => 'ok',
      (e: Error) => e.message,
    ));
    const out = await Promise.all(ps);
    expect(out.filter((x) => x === 'ok')).toHaveLength(10);
    expect(out.filter((x) => /^journal busy: 10 appends already wait/.test(x))).toHaveLength(5);
    expect(j.stats().refusals).toBe(5);
    await j.close();
  });

  it('closes cleanly: pending appends commit, a final checkpoint is signed, later appends refused', async () => {
    const j = openJournal(tmp(), { groupCommitMs: 100 });
    const p = j.append(stamp(0));
    await j.close();
    await expect(p).resolves.toMatchObject({ seq: 0 });
    await expect(j.append(stamp(1))).rejects.toThrow(/closed/);
  });

  it('checkpoints on a timer only while the log grows, and refuses another gateway\'s database', async () => {
    const dir = tmp();
    const j = openJournal(dir);
    const stop = j.startCheckpointTimer(20);
    await j.append(stamp(0));
    await vi.waitFor(() => expect(j.checkpoints().map((c) => c.size)).toEqual([1]), { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 60)); // more ticks, no growth: no new checkpoint
    expect(j.checkpoints()).toHaveLength(1);
    await j.append(stamp(1));
    await vi.waitFor(() => expect(j.checkpoints().map((c) => c.size)).toEqual([1, 2]), { timeout: 5000 });
    stop();
    await j.close();
    expect(() => openJournal(dir, { gw: 'other', key: key('other') })).toThrow(/journal of gateway "test-gw", not "other"/);
  });

  it('rebuilds the frontier when merkle_state disagrees with the rows', async () => {
    const dir = tmp();
    const j = openJournal(dir);
    for (let i = 0; i < 9; i++) await j.append(stamp(i));
    const root = j.root();
    await j.close();
    tamper(dir, (db) => db.prepare('UPDATE merkle_state SET size = 3').run());
    const j2 = openJournal(dir);
    expect(j2.root()).toEqual(root);
    expect((await j2.append(stamp(9))).seq).toBe(9);
    await j2.close();
  });
});

describe('append-only', () => {
  it('UPDATE and DELETE are refused by triggers', async () => {
    const j = openJournal(tmp());
    await j.append(stamp(0));
    j.checkpoint();
    expect(() => j.db.prepare("UPDATE journal SET subject = 'x'").run()).toThrow(/journal is append-only/);
    expect(() => j.db.prepare('DELETE FROM journal').run()).toThrow(/journal is append-only/);
    expect(() => j.db.prepare("UPDATE checkpoints SET root = 'x'").run()).toThrow(/checkpoints is append-only/);
    expect(() => j.db.prepare('DELETE FROM checkpoints').run()).toThrow(/checkpoints is append-only/);
    await j.close();
  });
});

describe('projections', () => {
  it('apply inside the commit; rebuild from the journal equals the live tables', async () => {
    const j = openJournal(tmp(), { groupCommitMs: 2 });
    j.registerProjection(counter());
    await Promise.all(Array.from({ length: 30 }, (_, i) => j.append(stamp(i))));
    const live = counterRows(j);
    expect(live).toHaveLength(3);
    j.rebuild();
    expect(counterRows(j)).toEqual(live);
    await j.close();
  });

  it('a projection that throws rolls back only its append; seq stays gapless', async () => {
    const j = openJournal(tmp(), { groupCommitMs: 5 });
    j.registerProjection(counter((r) => r.data.n === 3));
    const out = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => j.append(stamp(i))));
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((out[3] as PromiseRejectedResult).reason.message).toMatch(/projection counter failed: refused by rule/);
    expect(out.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<{ seq: number }>).value.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(j.stats().commits).toBe(1);
    // the failed record's projection write was undone with it
    expect((j.db.prepare('SELECT SUM(n) AS n FROM counter').get() as { n: number }).n).toBe(5);
    j.checkpoint();
    expect(verifyJournal(j.db, key().vkey).ok).toBe(true);
    await j.close();
  });

  it('a projection registered on an existing journal is caught up', async () => {
    const j = openJournal(tmp());
    for (let i = 0; i < 7; i++) await j.append(stamp(i));
    j.registerProjection(counter());
    expect((j.db.prepare('SELECT SUM(n) AS n FROM counter').get() as { n: number }).n).toBe(7);
    expect(j.db.prepare("SELECT id FROM schema_migrations WHERE id = 'counter:1'").get()).toBeTruthy();
    await j.close();
  });
});

describe('commit failure (disk full via max_page_count)', () => {
  it('rejects the batch clearly, writes nothing, recovers when the limit is raised', async () => {
    const dir = tmp();
    const j = openJournal(dir, { groupCommitMs: 2 });
    for (let i = 0; i < 5; i++) await j.append(stamp(i));
    const rootBefore = j.root();
    const pages = j.db.pragma('page_count', { simple: true }) as number;
    setMaxPageCount(j.db, pages);
    const big = (i: number) => stamp(100 + i, { data: { blob: 'x'.repeat(30_000) } });
    const out = await Promise.allSettled([0, 1, 2].map((i) => j.append(big(i))));
    for (const o of out) {
      expect(o.status).toBe('rejected');
      expect((o as PromiseRejectedResult).reason.message).toMatch(/^journal full: .*3 appends refused, nothing written/);
    }
    expect(j.stats()).toMatchObject({ full: true, size: 5, failedCommits: 1 });
    expect(rows(j)).toBe(5);
    expect(j.root()).toEqual(rootBefore);

    setMaxPageCount(j.db, 0);
    const ok = await j.append(big(0));
    expect(ok.seq).toBe(5);
    expect(j.stats().full).toBe(false);
    await j.close();
    expect(verifyJournal(join(dir, 'sealift.db'), key().vkey)).toMatchObject({ ok: true, size: 6 });
  });
});

describe('record encoding', () => {
  it('canonicalJson equals canonicalize on tricky values', () => {
    const values: unknown[] = [
      { b: 1, a: 2, A: 3, '': 4, '\u20ac': 5, '\ud83d\ude00': 6, '\u0080': 7 },
      [1e21, 1e-7, -0, 0.1 + 0.2, 5e-324, 2 ** 53, -1.5],
      { s: 'quote " backslash \\ ctrl \u0001 \n tab \t emoji 😀 中文 \u2028' },
      { nested: { z: [{ y: 1, x: [] }], a: {} } },
      { '10': 1, '9': 2, '1': 3, a: null, t: true, f: false },
    ];
    for (const v of values) expect(canonicalJson(v)).toBe(canonicalize(v));
  });

  it('a second connection sees WAL, FULL sync and foreign keys', async () => {
    const dir = tmp();
    const j = openJournal(dir);
    expect(j.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(j.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(j.db.pragma('foreign_keys', { simple: true })).toBe(1);
    await j.close();
    const db = new Database(join(dir, 'sealift.db'), { readonly: true });
    expect(db.prepare('SELECT id FROM schema_migrations').all()).toEqual([{ id: 'store:1' }]);
    db.close();
  });
});

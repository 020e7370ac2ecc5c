/** `sealift verify` and `sealift export` as an inspector uses them, against tampered copies. */
import { describe, it, expect, beforeAll } from 'vitest';
import Database from 'better-sqlite3';
import { cpSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sealift, tmp } from '../helpers/cli.js';
import { provisioned } from '../helpers/gateway.js';

const env = (data: string) => ({ SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: 'testgw' });

/** A copy of the data dir whose SQLite file is edited behind the journal's back (triggers dropped). */
function tamperedCopy(src: string, edit: (db: Database.Database) => void): string {
  const dst = join(tmp(), 'data');
  cpSync(src, dst, { recursive: true });
  const db = new Database(join(dst, 'sealift.db'));
  db.exec('DROP TRIGGER IF EXISTS journal_no_update; DROP TRIGGER IF EXISTS journal_no_delete;');
  for (const t of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'").all() as { name: string }[]) {
    db.exec(`DROP TRIGGER "${t.name}"`);
  }
  edit(db);
  db.close();
  return dst;
}

describe('sealift verify / export', () => {
  let data: string;

  beforeAll(() => {
    data = provisioned([
      { id: 'seal-1', profile: 'seal-mqtt' },
      { id: 'seal-2', profile: 'seal-mqtt' },
      { id: 'kit-1', profile: 'lift-kit-mqtt' },
    ]);
    for (const u of ['wenshu', 'shuji', 'jiwei']) {
      expect(sealift(['user', 'add', u, '--role', 'keeper'], { input: 'password-123\n', env: env(data) }).code).toBe(0);
    }
  });

  it('accepts an untouched journal', () => {
    const r = sealift(['verify'], { env: env(data) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/完整，未被篡改/);
    expect(r.stdout).toMatch(/6 records checked/);
  });

  it('names the seq of a record with one changed byte', () => {
    const bad = tamperedCopy(data, (db) => {
      const row = db.prepare('SELECT bytes FROM journal WHERE seq = 3').get() as { bytes: Buffer };
      const b = Buffer.from(row.bytes);
      const i = b.indexOf('seal-2');
      b[i + 5] = '9'.charCodeAt(0);
      db.prepare('UPDATE journal SET bytes = ? WHERE seq = 3').run(b);
    });
    const r = sealift(['verify'], { env: env(bad) });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED at record seq 3/);
  });

  it('names a deleted row', () => {
    const bad = tamperedCopy(data, (db) => db.prepare('DELETE FROM journal WHERE seq = 2').run());
    const r = sealift(['verify'], { env: env(bad) });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED at record seq 2/);
  });

  it('names the first of two swapped rows', () => {
    const bad = tamperedCopy(data, (db) => {
      const a = db.prepare('SELECT * FROM journal WHERE seq = 1').get() as Record<string, unknown>;
      const b = db.prepare('SELECT * FROM journal WHERE seq = 4').get() as Record<string, unknown>;
      const upd = db.prepare('UPDATE journal SET ts = ?, kind = ?, subject = ?, bytes = ?, leaf = ? WHERE seq = ?');
      upd.run(b.ts, b.kind, b.subject, b.bytes, b.leaf, 1);
      upd.run(a.ts, a.kind, a.subject, a.bytes, a.leaf, 4);
    });
    const r = sealift(['verify'], { env: env(bad) });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED at record seq 1/);
  });

  it('exports a bundle that verifies offline, and fails when a record in it is altered', () => {
    const out = join(tmp(), 'bundle');
    const e = sealift(['export', '--out', out, '--kind', 'config.'], { env: env(data) });
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/exported 6 records/);
    const files = readdirSync(out);
    for (const f of ['manifest.json', 'records.jsonl', 'proofs.jsonl', 'records.csv']) expect(files).toContain(f);
    expect(readFileSync(join(out, 'records.csv')).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));

    const keys = sealift(['keys', 'show'], { env: env(data) });
    const vkey = /verifier key (\S+)/.exec(keys.stdout)![1]!;
    const ok = sealift(['verify', '--bundle', out, '--key', vkey]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/6 records/);

    // the export itself is journaled
    const v = sealift(['verify'], { env: env(data) });
    expect(v.stdout).toMatch(/7 records checked/);

    const lines = readFileSync(join(out, 'records.jsonl'), 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"keeper"'));
    lines[i] = lines[i]!.replace('"keeper"', '"admin"'); // a keeper made admin after the fact
    expect(i).toBeGreaterThanOrEqual(0);
    writeFileSync(join(out, 'records.jsonl'), lines.join('\n'));
    const bad = sealift(['verify', '--bundle', out, '--key', vkey]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAILED/);
  });

  it('refuses a bundle signed by another key when the inspector pins the gateway key', () => {
    const other = provisioned([{ id: 'x-1', profile: 'seal-mqtt' }]);
    const out = join(tmp(), 'bundle');
    expect(sealift(['export', '--out', out], { env: env(other) }).code).toBe(0);
    const vkey = /verifier key (\S+)/.exec(sealift(['keys', 'show'], { env: env(data) }).stdout)![1]!;
    const r = sealift(['verify', '--bundle', out, '--key', vkey]);
    expect(r.code).toBe(1);
  });

  it('usage errors exit 2 with a reason', () => {
    expect(sealift(['export', '--out', join(tmp(), 'b'), '--from', 'yesterday'], { env: env(data) }).code).toBe(2);
    expect(sealift(['verify', '--from', 'x'], { env: env(data) }).code).toBe(2);
    expect(sealift(['device', 'add', 'bad/id', '--profile', 'seal-mqtt'], { env: env(data) }).code).toBe(2);
    const dup = sealift(['device', 'add', 'seal-1', '--profile', 'seal-mqtt'], { env: env(data) });
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/already in use/);
    expect(sealift(['nonsense'], { env: env(data) }).code).toBe(2);
  });
});

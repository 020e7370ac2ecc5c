import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { beijingTime, exportBundle, verifyBundle, type BundleManifest } from '../../src/store/export.js';
import type { Journal } from '../../src/store/journal.js';
import { key, openJournal, stamp, tmp } from './helpers.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** A journal of 20 stamps (every 4th with a photo on disk, one with a missing photo) and a login. */
async function setup(): Promise<{ j: Journal; dir: string; photos: string }> {
  const dir = tmp();
  const photos = join(dir, 'photos');
  mkdirSync(photos);
  const j = openJournal(dir);
  for (let i = 0; i < 20; i++) {
    const img = Buffer.from(`jpeg bytes of stamp ${i}`);
    const data: Record<string, unknown> = { n: i, note: i === 3 ? '=HYPERLINK("x"),"quoted"' : `第${i}次` };
    if (i % 4 === 0) {
      writeFileSync(join(photos, sha(img)), img);
      data.photo = sha(img);
    }
    if (i === 5) data.photo = sha('never stored');
    await j.append(stamp(i, { data }));
    if (i === 7) j.checkpoint();
  }
  await j.append({ kind: 'user.login', subject: 'inspector-1', actor: 'inspector-1', data: {}, ts: 1_700_000_000_000 + 30_000 });
  return { j, dir, photos };
}

/** Rewrite a bundle file and fix its manifest hash, as a careful forger would. */
function forge(out: string, path: string, edit: (b: Buffer) => Buffer): void {
  const b = edit(readFileSync(join(out, path)));
  writeFileSync(join(out, path), b);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as BundleManifest;
  for (const f of m.files) if (f.path === path) f.sha256 = sha(b);
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(m));
}

describe('evidence bundle', () => {
  it('exports everything and verifies offline', async () => {
    const { j, dir, photos } = await setup();
    const out = join(dir, 'bundle');
    const res = await exportBundle(j, { out, photosDir: photos });
    expect(res).toMatchObject({ count: 21, checkpoint: { size: 21 }, photos: 5, photosMissing: [sha('never stored')] });
    expect(readdirSync(join(out, 'checkpoints')).sort()).toEqual(['21.note', '8.note']);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as BundleManifest;
    expect(m).toMatchObject({ format: 'sealift-bundle/1', gw: 'test-gw', vkey: key().vkey, count: 21 });
    expect(m.files.map((f) => f.path)).toEqual(expect.arrayContaining(['records.jsonl', 'proofs.jsonl', 'records.csv', 'receipts.json', 'checkpoints/8.note']));
    expect(JSON.parse(readFileSync(join(out, 'receipts.json'), 'utf8'))).toEqual([]);
    // records.jsonl holds the exact stored bytes
    const lines = readFileSync(join(out, 'records.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines[3]).toBe(j.get(3)!.bytes.toString());

    const v = verifyBundle(out);
    expect(v).toMatchObject({ ok: true, count: 21, photos: 5, keyId: key().keyId.toString('hex'), keyName: 'sealift/test-gw', keyFromBundle: true });
    expect(verifyBundle(out, { vkey: key().vkey })).toMatchObject({ ok: true, keyFromBundle: false });
    expect(verifyBundle(out, { vkey: key('test-gw', 1).vkey })).toMatchObject({ ok: false, firstBad: { file: 'checkpoints/21.note' } });
    await j.close();
  });

  it('writes a CSV for Excel: BOM, Chinese headers, Beijing time, formulas neutralized', async () => {
    const { j, dir } = await setup();
    const out = join(dir, 'b');
    await exportBundle(j, { out, kind: 'seal.*', subject: 'seal-0' });
    const csv = readFileSync(join(out, 'records.csv'));
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = csv.toString('utf8').slice(1).split('\r\n');
    expect(text[0]).toBe('序号,时间 (北京时间),类型,对象,操作人,设备,内容');
    expect(text[1]).toBe(`0,2023-11-15 06:13:20,seal.stamp,seal-0,clerk-1,seal-0 (boot 1 #0),"{""n"":0,""note"":""第0次"",""photo"":""${sha('jpeg bytes of stamp 0')}""}"`);
    expect(beijingTime(Date.UTC(2024, 0, 31, 16, 30, 5))).toBe('2024-02-01 00:30:05');
    expect(verifyBundle(out)).toMatchObject({ ok: true, count: 7 });
    await j.append({ kind: 'user.denied', subject: '=SUM(A1)', actor: '@evil', data: {} });
    await exportBundle(j, { out: join(dir, 'c'), kind: 'user.denied' });
    const row = readFileSync(join(dir, 'c', 'records.csv'), 'utf8').split('\r\n')[1]!;
    expect(row).toMatch(/,user\.denied,'=SUM\(A1\),'@evil,,\{\}$/);
    await j.close();
  });

  it('filters by time, subject and kind', async () => {
    const { j, dir } = await setup();
    const t0 = 1_700_000_000_000;
    expect((await exportBundle(j, { out: join(dir, 'a'), from: t0 + 5000, to: t0 + 9000 })).count).toBe(5);
    expect((await exportBundle(j, { out: join(dir, 'b'), kind: 'user.login' })).count).toBe(1);
    expect((await exportBundle(j, { out: join(dir, 'c'), subject: 'seal-2' })).count).toBe(6);
    for (const d of ['a', 'b', 'c']) expect(verifyBundle(join(dir, d)).ok).toBe(true);
    await expect(exportBundle(j, { out: join(dir, 'a') })).rejects.toThrow(/not empty/);
    await j.close();
  });

  it('fails when a record line is changed, even with a fixed-up manifest', async () => {
    const { j, dir } = await setup();
    const out = join(dir, 'bundle');
    await exportBundle(j, { out });
    await j.close();
    const lines = readFileSync(join(out, 'records.jsonl'), 'utf8').split('\n');
    const changed = lines.map((l, i) => (i === 6 ? l.replace('"n":6', '"n":7') : l)).join('\n');
    writeFileSync(join(out, 'records.jsonl'), changed);
    expect(verifyBundle(out).firstBad).toMatchObject({ file: 'records.jsonl', reason: expect.stringMatching(/SHA-256 mismatch/) });
    forge(out, 'records.jsonl', () => Buffer.from(changed));
    expect(verifyBundle(out).firstBad).toMatchObject({ file: 'records.jsonl', line: 7, seq: 6, reason: 'record 6 is not in the signed log (altered, or its proof is)' });
  });

  it('fails when a photo is changed', async () => {
    const { j, dir, photos } = await setup();
    const out = join(dir, 'bundle');
    await exportBundle(j, { out, photosDir: photos });
    await j.close();
    const name = readdirSync(join(out, 'photos'))[0]!;
    forge(out, `photos/${name}`, () => Buffer.from('another picture'));
    expect(verifyBundle(out)).toMatchObject({ ok: false, firstBad: { file: `photos/${name}`, reason: expect.stringMatching(/not its name/) } });
  });

  it('exports from a bare database up to the newest checkpoint', async () => {
    const { j, dir } = await setup();
    j.checkpoint();
    await j.append(stamp(99));
    const db = new Database(join(dir, 'sealift.db'), { readonly: true });
    const res = await exportBundle(db, { out: join(dir, 'x'), vkey: key().vkey });
    expect(res).toMatchObject({ count: 21, excludedAfter: 21 });
    expect(verifyBundle(join(dir, 'x'))).toMatchObject({ ok: true, count: 21 });
    db.close();
    await j.close();
  });
});

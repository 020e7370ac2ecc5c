import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leafHash } from '../../src/store/merkle.js';
import { verifyJournal } from '../../src/store/verify.js';
import { key, openJournal, stamp, tamper, tmp } from './helpers.js';

/** A closed journal of n records with checkpoints at 10, 20 and n. */
async function build(n = 30): Promise<string> {
  const dir = tmp();
  const j = openJournal(dir);
  for (let i = 0; i < n; i++) {
    await j.append(stamp(i));
    if (i === 9 || i === 19) j.checkpoint();
  }
  await j.close();
  return dir;
}
const verify = (dir: string, opts = {}) => verifyJournal(join(dir, 'sealift.db'), key().vkey, opts);

describe('verify', () => {
  it('passes an untouched journal', async () => {
    const dir = await build();
    expect(verify(dir)).toMatchObject({ ok: true, checked: 30, size: 30, checkpoints: 3 });
    expect(verify(dir, { from: 10, to: 19 })).toMatchObject({ ok: true, checked: 10, size: 20, checkpoints: 2 });
  });

  it('names a record with one flipped byte', async () => {
    const dir = await build();
    tamper(dir, (db) => {
      const { bytes } = db.prepare('SELECT bytes FROM journal WHERE seq = 17').get() as { bytes: Buffer };
      const i = bytes.indexOf('"n":17') + 5;
      bytes[i] = '8'.charCodeAt(0); // "n":17 -> "n":18: still valid, canonical JSON
      db.prepare('UPDATE journal SET bytes = ? WHERE seq = 17').run(bytes);
    });
    const r = verify(dir);
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ seq: 17, reason: expect.stringMatching(/record 17: stored leaf hash does not match/) });
  });

  it('names a record whose bytes are no longer canonical or not JSON', async () => {
    const dir = await build();
    tamper(dir, (db) => {
      const { bytes } = db.prepare('SELECT bytes FROM journal WHERE seq = 4').get() as { bytes: Buffer };
      db.prepare('UPDATE journal SET bytes = ? WHERE seq = 4').run(Buffer.from(bytes.toString().replace('{', '{ ')));
      db.prepare("UPDATE journal SET bytes = X'7b7b' WHERE seq = 8").run();
    });
    expect(verify(dir).firstBad).toMatchObject({ seq: 4, reason: expect.stringMatching(/not the canonical/) });
    expect(verify(dir, { from: 5 }).firstBad).toMatchObject({ seq: 8, reason: expect.stringMatching(/not valid JSON/) });
  });

  it('names invalid UTF-8, a malformed leaf and a row without bytes', async () => {
    const dir = await build();
    tamper(dir, (db) => {
      const { bytes } = db.prepare('SELECT bytes FROM journal WHERE seq = 3').get() as { bytes: Buffer };
      bytes[bytes.indexOf('"n":3') + 4] = 0xff;
      db.prepare('UPDATE journal SET bytes = ? WHERE seq = 3').run(bytes);
      db.prepare("UPDATE journal SET leaf = X'00' WHERE seq = 6").run();
    });
    expect(verify(dir).firstBad).toMatchObject({ seq: 3, reason: 'record 3: bytes are not valid UTF-8 (altered)' });
    expect(verify(dir, { from: 4 }).firstBad).toMatchObject({ seq: 6, reason: 'stored leaf of record 6 is not a 32-byte hash' });
  });

  it('passes bytes stored under another SQLite type but identical, and checks a large log chunk by chunk', async () => {
    const dir = tmp();
    const j = openJournal(dir, { maxBatch: 5000 });
    await Promise.all(Array.from({ length: 5000 }, (_, i) => j.append(stamp(i))));
    await j.close();
    tamper(dir, (db) => db.prepare('UPDATE journal SET bytes = CAST(bytes AS TEXT) WHERE seq = 4500').run());
    expect(verify(dir)).toMatchObject({ ok: true, checked: 5000, checkpoints: 1 });
    tamper(dir, (db) => db.prepare('DELETE FROM journal WHERE seq = 4097').run());
    expect(verify(dir).firstBad).toMatchObject({ seq: 4097, reason: expect.stringMatching(/record 4097 is missing/) });
    tamper(dir, (db) => db.prepare('DELETE FROM journal WHERE seq BETWEEN 2048 AND 4095').run());
    expect(verify(dir).firstBad).toMatchObject({ seq: 2048, reason: 'record 2048 is missing (deleted): the next stored row is 4096' });
  });

  it('names a deleted row', async () => {
    const dir = await build();
    tamper(dir, (db) => db.prepare('DELETE FROM journal WHERE seq = 12').run());
    expect(verify(dir).firstBad).toMatchObject({ seq: 12, reason: expect.stringMatching(/record 12 is missing \(deleted\): the next stored row is 13/) });
  });

  it('names rows cut off the end', async () => {
    const dir = await build();
    tamper(dir, (db) => db.prepare('DELETE FROM journal WHERE seq >= 25').run());
    expect(verify(dir).firstBad).toMatchObject({ seq: 25, checkpoint: 30, reason: expect.stringMatching(/records 25..29 are missing/) });
  });

  it('names the first of two swapped rows', async () => {
    const dir = await build();
    tamper(dir, (db) => {
      const a = db.prepare('SELECT bytes, leaf FROM journal WHERE seq = 5').get() as { bytes: Buffer; leaf: Buffer };
      const b = db.prepare('SELECT bytes, leaf FROM journal WHERE seq = 22').get() as { bytes: Buffer; leaf: Buffer };
      db.prepare('UPDATE journal SET bytes = ?, leaf = ? WHERE seq = 5').run(b.bytes, b.leaf);
      db.prepare('UPDATE journal SET bytes = ?, leaf = ? WHERE seq = 22').run(a.bytes, a.leaf);
    });
    expect(verify(dir).firstBad).toMatchObject({ seq: 5, reason: 'row 5 holds the record of seq 22 (rows swapped or moved)' });
  });

  it('catches a record rewritten together with its leaf through the signed checkpoint', async () => {
    const dir = await build();
    tamper(dir, (db) => {
      const { bytes } = db.prepare('SELECT bytes FROM journal WHERE seq = 14').get() as { bytes: Buffer };
      const forged = Buffer.from(bytes.toString().replace('"n":14', '"n":99'));
      db.prepare('UPDATE journal SET bytes = ?, leaf = ? WHERE seq = 14').run(forged, leafHash(forged));
    });
    expect(verify(dir).firstBad).toMatchObject({ seq: 10, checkpoint: 20, reason: expect.stringMatching(/checkpoint 20 \(records 10..19\): the records no longer produce the signed root/) });
  });

  it('fails on an altered checkpoint signature, or the wrong key', async () => {
    const dir = await build();
    expect(verifyJournal(join(dir, 'sealift.db'), key('test-gw', 9).vkey).firstBad).toMatchObject({ checkpoint: 10, reason: expect.stringMatching(/no signature by sealift\/test-gw/) });
    tamper(dir, (db) => {
      const { note } = db.prepare('SELECT note FROM checkpoints WHERE size = 20').get() as { note: string };
      const sig = note.trimEnd().split(' ').pop()!;
      const raw = Buffer.from(sig, 'base64');
      raw[10]! ^= 1;
      db.prepare('UPDATE checkpoints SET note = ? WHERE size = 20').run(note.replace(sig, raw.toString('base64')));
    });
    expect(verify(dir).firstBad).toMatchObject({ seq: 10, checkpoint: 20, reason: expect.stringMatching(/checkpoint 20 .*signature does not verify/) });
  });
});

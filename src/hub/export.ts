/**
 * Hub exports: one gateway's verified records as the same evidence bundle a gateway writes
 * (`sealift export`), so `sealift verify --bundle DIR` checks a hub export with the gateway's key.
 * The bundle is written by the store's own exportBundle from a temporary SQLite file holding the
 * gateway's verified records, its checkpoints and the hub's receipts (works for any HubStore).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { exportBundle, type ExportFilters, type ExportResult } from '../store/export.js';
import { migrateStore } from '../store/migrations.js';
import type { HubStore } from './store.js';

const PAGE = 5000;

export async function exportGateway(store: HubStore, gw: string, opts: ExportFilters & { out: string }): Promise<ExportResult> {
  const g = await store.getGateway(gw);
  if (!g) throw new Error(`unknown gateway ${gw}`);
  if (g.verified === 0) throw new Error(`nothing verified yet for gateway ${gw}`);
  const file = join(tmpdir(), `sealift-hub-export-${randomBytes(6).toString('hex')}.db`);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    migrateStore(db);
    const insert = db.prepare(
      'INSERT INTO journal (seq, ts, kind, subject, actor, dev_id, dev_boot, dev_seq, bytes, leaf) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?)',
    );
    for (let from = 0; from < g.verified; ) {
      const rows = (await store.records(gw, from, PAGE)).filter((r) => r.seq < g.verified);
      if (rows.length === 0) throw new Error(`the hub holds only ${from} of the ${g.verified} verified records of ${gw}`);
      db.transaction(() => {
        for (const r of rows) insert.run(r.seq, r.ts, r.kind, r.subject, r.actor, r.bytes, r.leaf);
      })();
      from = rows[rows.length - 1]!.seq + 1;
    }
    const cpIns = db.prepare('INSERT INTO checkpoints (size, root, note, ts) VALUES (?, ?, ?, ?)');
    for (const c of await store.checkpoints(gw)) if (c.size <= g.verified) cpIns.run(c.size, c.root, c.note, c.ts);
    const rIns = db.prepare('INSERT INTO receipts (size, root, cosignature, time, note) VALUES (?, ?, ?, ?, ?)');
    for (const r of await store.receipts(gw)) rIns.run(r.size, r.root, r.cosignature, r.time, r.note);
    return await exportBundle(db, { ...opts, vkey: g.vkey, photosDir: store.photosDir() });
  } finally {
    db.close();
    rmSync(file, { force: true });
  }
}

/**
 * Evidence bundles made over HTTP: `exportBundle` (src/store/export.ts) writes the bundle to
 * `{data}/exports/<id>/`; the API then serves its CSV, its manifest and the whole directory as one
 * `.tar`. Every export is journaled (`audit.export`) with who asked and what was selected. Only
 * the newest `seal.exportsKeep` bundles are kept on the gateway (they can be made again any time:
 * the journal is the source).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Journal } from '../store/journal.js';
import { exportBundle, type BundleManifest, type ExportFilters, type ExportResult } from '../store/export.js';

export const EXPORT_ID = /^E-\d{8}T\d{6}-[0-9a-f]{6}$/;

export interface ExportInfo {
  id: string;
  created: string;
  count: number;
  photos: number;
  photosMissing: string[];
  checkpoint: { size: number; root: string };
  filters: ExportFilters;
  files: { csv: string; tar: string; manifest: string };
}

export class Exports {
  constructor(
    readonly dir: string,
    private readonly journal: Journal,
    private readonly photosDir: string,
    private readonly keep: number,
  ) {}

  path(id: string): string | undefined {
    if (!EXPORT_ID.test(id)) return undefined;
    const p = join(this.dir, id);
    return existsSync(join(p, 'manifest.json')) ? p : undefined;
  }

  async create(filters: ExportFilters, actor: string, now: number): Promise<ExportInfo> {
    const stamp = new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15);
    const id = `E-${stamp}-${randomBytes(3).toString('hex')}`;
    const out = join(this.dir, id);
    let r: ExportResult;
    try {
      r = await exportBundle(this.journal, { ...filters, out, photosDir: this.photosDir, now: () => now });
    } catch (e) {
      rmSync(out, { recursive: true, force: true });
      throw e;
    }
    await this.journal.append({
      kind: 'audit.export',
      subject: this.journal.gw,
      actor,
      ts: now,
      data: {
        export: id,
        via: 'api',
        filters: { from: filters.from ?? null, to: filters.to ?? null, subject: filters.subject ?? null, kind: filters.kind ?? null },
        count: r.count,
        photos: r.photos,
        checkpoint: r.checkpoint,
      },
    });
    this.prune();
    return this.info(id)!;
  }

  info(id: string): ExportInfo | undefined {
    const p = this.path(id);
    if (!p) return undefined;
    const m = JSON.parse(readFileSync(join(p, 'manifest.json'), 'utf8')) as BundleManifest;
    return {
      id,
      created: m.created,
      count: m.count,
      photos: m.files.filter((f) => f.path.startsWith('photos/')).length,
      photosMissing: m.photosMissing,
      checkpoint: m.checkpoint,
      filters: m.filters,
      files: { csv: `/api/exports/${id}/records.csv`, tar: `/api/exports/${id}/bundle.tar`, manifest: `/api/exports/${id}/manifest.json` },
    };
  }

  list(): ExportInfo[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((n) => EXPORT_ID.test(n))
      .sort()
      .reverse()
      .map((n) => this.info(n))
      .filter((x): x is ExportInfo => x !== undefined);
  }

  private prune(): void {
    const all = readdirSync(this.dir)
      .filter((n) => EXPORT_ID.test(n))
      .map((n) => ({ n, t: statSync(join(this.dir, n)).mtimeMs }))
      .sort((a, b) => b.t - a.t || (a.n < b.n ? 1 : -1));
    for (const old of all.slice(this.keep)) rmSync(join(this.dir, old.n), { recursive: true, force: true });
  }
}

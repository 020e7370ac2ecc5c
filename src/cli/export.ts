import { configFrom, type CommonOpts } from './main.js';
import { withStore, photosDir } from '../gateway/store.js';
import { exportBundle } from '../store/export.js';
import { Rejection } from '../core/errors.js';
import { isRecordKind } from '../core/kinds.js';

/** `--out` and the record filters of `sealift export` and `sealift hub export`. */
export interface ExportOpts extends CommonOpts {
  out: string;
  from?: string;
  to?: string;
  subject?: string;
  kind?: string;
}

/** ISO 8601 date or date-time; a bare date or a time without zone means Beijing time (UTC+8). */
export function parseTime(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  let s = v.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00+08:00';
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += '+08:00';
  const ms = Date.parse(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(ms)) {
    throw new Rejection('usage', `${name} must be an ISO 8601 date or time (e.g. 2026-11-01 or 2026-11-01T08:00+08:00), got "${v}"`);
  }
  return ms;
}

/** The time range and kind of `--from`, `--to`, `--kind` (`seal.` means `seal.*`); usage errors as Rejection. */
export function exportFilter(opts: Pick<ExportOpts, 'from' | 'to' | 'kind'>): { from: number | undefined; to: number | undefined; kind: string | undefined } {
  const from = parseTime(opts.from, '--from');
  const to = parseTime(opts.to, '--to');
  if (from !== undefined && to !== undefined && from > to) throw new Rejection('usage', '--from is after --to');
  if (opts.kind && !isRecordKind(opts.kind) && !/^[a-z]+\.(\*)?$/.test(opts.kind)) {
    throw new Rejection('usage', `--kind must be a record kind (see docs/journal.md) or a prefix like seal.*, got "${opts.kind}"`);
  }
  return { from, to, kind: opts.kind?.endsWith('.') ? `${opts.kind}*` : opts.kind };
}

export async function runExport(opts: ExportOpts): Promise<number> {
  const cfg = configFrom(opts);
  const { from, to, kind } = exportFilter(opts);
  return withStore(cfg, async ({ journal }) => {
    const r = await exportBundle(journal, {
      out: opts.out,
      from,
      to: to === undefined ? undefined : to - 1,
      subject: opts.subject,
      kind,
      photosDir: photosDir(cfg),
    });
    await journal.append({
      kind: 'audit.export',
      subject: cfg.gateway.id,
      actor: process.env.USER ? `cli:${process.env.USER}` : 'cli',
      data: { filters: { from: from ?? null, to: to ?? null, subject: opts.subject ?? null, kind: kind ?? null }, count: r.count, checkpoint: r.checkpoint },
    });
    process.stdout.write(
      `exported ${r.count} records and ${r.photos} photos to ${r.out} (proven against checkpoint ${r.checkpoint.size})\n` +
        (r.photosMissing.length ? `  ${r.photosMissing.length} referenced photos are not on this gateway yet\n` : '') +
        `  records.csv opens in Excel; check the bundle with: sealift verify --bundle ${r.out}\n`,
    );
    return 0;
  });
}

/**
 * What `sealift demo` prints while it runs: one plain line per record a person cares about
 * (requests, decisions, stamps, anomalies, faults, devices coming and going, hub receipts),
 * never the routine status traffic, at most a few lines a second (anomalies and faults always).
 */
import type { Journal } from '../store/journal.js';
import type { JournalRecord } from '../store/types.js';
import { zonedParts } from '../core/time.js';

/** HH:MM:SS in the site's zone. */
function time(ms: number, tz: string): string {
  const p = zonedParts(ms, tz);
  return `${p.hour}:${p.minute}:${p.second}`;
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** A human line for a record, or null for routine traffic. */
export function describe(r: JournalRecord): string | null {
  const d = r.data;
  const who = r.actor ? ` by ${r.actor}` : '';
  switch (r.kind) {
    case 'seal.request':
      return `用印申请 request ${r.subject}: ${str(d.title ?? d.documentTitle)} ×${str(d.count ?? d.stamps)}${who}`;
    case 'seal.decision':
      return `审批 decision on ${str(d.request ?? r.subject)}: ${str(d.decision)}${who}`;
    case 'seal.grant':
      return `授权 grant sent to ${r.subject}: ${str(d.uses)} uses`;
    case 'seal.grant.acked':
      return `授权已确认 grant acknowledged by ${r.subject}`;
    case 'seal.stamp':
      return `盖章 stamp on ${r.subject}: #${str(d.n)} of grant ${str(d.grant)}`;
    case 'seal.anomaly':
      return `⚠ 异常 anomaly ${str(d.code)} on ${r.subject}`;
    case 'lift.fault.raise':
      return `⚠ 故障 fault ${str(d.code)} raised on ${r.subject}`;
    case 'lift.fault.clear':
      return `故障恢复 fault ${str(d.code)} cleared on ${r.subject}`;
    case 'lift.fault.step':
      return `故障处理 ${str(d.step)} for ${str(d.faultId ?? r.subject)}${who}`;
    case 'device.online':
      return `上线 ${r.subject} online`;
    case 'device.offline':
      return `离线 ${r.subject} offline`;
    case 'sync.receipt':
      return `上级回执 hub receipt: ${str(d.size)} records held upstream`;
    case 'user.login':
      return `登录 ${r.subject} logged in`;
    case 'user.denied':
      return `拒绝 ${r.subject}: ${str(d.action)} (${str(d.reason)})`;
    default:
      return null;
  }
}

export function printActivity(journal: Journal, tz: string, out: (s: string) => void = (s) => process.stdout.write(s)): () => void {
  let budget = 5;
  const refill = setInterval(() => (budget = 5), 1000);
  refill.unref();
  let skipped = 0;
  const off = journal.onRecords((written) => {
    for (const c of written) {
      const text = describe(c.record);
      if (!text) continue;
      const urgent = c.record.kind === 'seal.anomaly' || c.record.kind === 'lift.fault.raise';
      if (budget <= 0 && !urgent) {
        skipped++;
        continue;
      }
      budget--;
      if (skipped > 0) {
        out(`  … ${skipped} more events (see the journal)\n`);
        skipped = 0;
      }
      out(`${time(c.record.ts, tz)}  ${text}\n`);
    }
  });
  return () => {
    clearInterval(refill);
    off();
  };
}

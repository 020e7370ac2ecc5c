/**
 * Times and durations for people. The journal stores UTC epoch milliseconds; pages show them in
 * the site's zone (Asia/Shanghai unless the gateway's config says otherwise), as
 * "2025-11-22 09:30:05", and relative ones as "3 分钟前".
 */
import { t } from './i18n.js';

let zone = 'Asia/Shanghai';
let formatters = build(zone);

function build(timeZone: string) {
  const opts = { timeZone, hourCycle: 'h23' } as const;
  return {
    dateTime: new Intl.DateTimeFormat('zh-CN', {
      ...opts,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }),
    date: new Intl.DateTimeFormat('zh-CN', { ...opts, year: 'numeric', month: '2-digit', day: '2-digit' }),
    time: new Intl.DateTimeFormat('zh-CN', { ...opts, hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  };
}

/** Use the site's zone for every formatted time (from GET /api/site). Unknown zones are ignored. */
export function setTimeZone(timeZone: string): void {
  try {
    formatters = build(timeZone);
    zone = timeZone;
  } catch {
    /* keep the previous zone */
  }
}

export function timeZone(): string {
  return zone;
}

function parts(f: Intl.DateTimeFormat, ms: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) out[p.type] = p.value;
  return out;
}

/** "2025-11-22 09:30:05" in the site's zone. */
export function formatDateTime(ms: number, opts: { seconds?: boolean } = {}): string {
  const p = parts(formatters.dateTime, ms);
  const time = opts.seconds === false ? `${p.hour}:${p.minute}` : `${p.hour}:${p.minute}:${p.second}`;
  return `${p.year}-${p.month}-${p.day} ${time}`;
}

/** "2025-11-22" in the site's zone. */
export function formatDate(ms: number): string {
  const p = parts(formatters.date, ms);
  return `${p.year}-${p.month}-${p.day}`;
}

/** "09:30:05" in the site's zone. */
export function formatTime(ms: number): string {
  const p = parts(formatters.time, ms);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** "3 分钟前" / "5 分钟后", relative to `now`. */
export function formatRelative(ms: number, now = Date.now()): string {
  const d = now - ms;
  const past = d >= 0;
  const a = Math.abs(d);
  const s = Math.floor(a / 1000);
  if (s < 10) return t('time.justNow');
  if (s < 60) return t(past ? 'time.secondsAgo' : 'time.inSeconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t(past ? 'time.minutesAgo' : 'time.inMinutes', { n: m });
  const h = Math.floor(m / 60);
  if (h < 48) return t(past ? 'time.hoursAgo' : 'time.inHours', { n: h });
  return t(past ? 'time.daysAgo' : 'time.inDays', { n: Math.floor(h / 24) });
}

/** An elapsed time: "45 秒", "2 分 30 秒", "1 小时 5 分", "2 天 3 小时". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('duration.s', { s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('duration.ms', { m, s: s % 60 });
  const h = Math.floor(m / 60);
  if (h < 48) return t('duration.hm', { h, m: m % 60 });
  return t('duration.dh', { d: Math.floor(h / 24), h: h % 24 });
}

/** The wall-clock time of `ms` in the site's zone as epoch ms of the same wall time in UTC (for offsets). */
function wallAsUtc(ms: number): number {
  const p = parts(formatters.dateTime, ms);
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute), Number(p.second));
}

/** "2025-11-22T09:30" for an <input type="datetime-local">, in the site's zone. */
export function toDateTimeInput(ms: number): string {
  const p = parts(formatters.dateTime, ms);
  return `${p.year}-${p.month}-${p.day}T${p.hour === '24' ? '00' : p.hour}:${p.minute}`;
}

/** "2025-11-22" for an <input type="date">, in the site's zone. */
export function toDateInput(ms: number): string {
  return formatDate(ms);
}

/**
 * The instant of a wall-clock time in the site's zone: "2025-11-22T09:30" (datetime-local) or
 * "2025-11-22" (a date: its midnight). NaN when unreadable.
 */
export function fromZonedInput(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value.trim());
  if (!m) return NaN;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  // first guess with the offset at the wall time read as UTC, then once more at the result (zone changes)
  let ms = wall - (wallAsUtc(wall) - wall);
  ms = wall - (wallAsUtc(ms) - ms);
  return ms;
}

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

/**
 * Wall-clock time in a zone: read off Date's local fields when the zone is the process's own (no
 * Intl locale data loaded), through Intl otherwise; both must give the same fields.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { adoptTimeZone, isTimeZone, zonedParts } from '../../src/core/time.js';
import { seededRandom } from '../../sim/random.js';

const ZONES = ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];

function viaIntl(ms: number, tz: string): Record<string, string> {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p: Record<string, string> = {};
  for (const { type, value } of f.formatToParts(new Date(ms))) if (type !== 'literal') p[type] = value;
  return p;
}

describe('zonedParts', () => {
  const saved = process.env.TZ;
  afterEach(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it.each(ZONES)('%s: the process-zone path and the Intl path agree, across DST changes', (tz) => {
    const rand = seededRandom(7);
    const instants = [Date.UTC(2026, 2, 29, 0, 59, 59), Date.UTC(2026, 2, 29, 1, 0, 0), Date.UTC(2026, 9, 25, 0, 59, 59), Date.UTC(2026, 9, 25, 1, 0, 0), Date.UTC(2026, 2, 8, 7, 0, 0), Date.UTC(2026, 10, 1, 6, 0, 0)];
    for (let i = 0; i < 2000; i++) instants.push(Date.UTC(2000, 0, 1) + Math.floor(rand() * 40 * 365 * 86_400_000));
    process.env.TZ = 'UTC';
    const other = instants.map((ms) => zonedParts(ms, tz)); // Intl: not the process's zone
    process.env.TZ = tz;
    const local = instants.map((ms) => zonedParts(ms, tz)); // Date's local fields
    for (let i = 0; i < instants.length; i++) {
      expect(local[i], new Date(instants[i]!).toISOString()).toEqual(viaIntl(instants[i]!, tz));
      expect(other[i]).toEqual(local[i]);
    }
    // spot check: 2026-11-22 09:30 in Shanghai is a Sunday
    if (tz === 'Asia/Shanghai') expect(zonedParts(Date.UTC(2026, 10, 22, 1, 30), tz)).toEqual({ year: '2026', month: '11', day: '22', hour: '09', minute: '30', second: '00', weekday: 'Sun' });
  });

  it('adoptTimeZone makes the site zone the process zone, unless the process was given one', () => {
    delete process.env.TZ;
    adoptTimeZone('Asia/Shanghai');
    expect(process.env.TZ).toBe('Asia/Shanghai');
    expect(new Date(Date.UTC(2026, 0, 1, 16)).getHours()).toBe(0); // 16:00 UTC is midnight in Shanghai
    process.env.TZ = 'Europe/Berlin';
    adoptTimeZone('Asia/Shanghai');
    expect(process.env.TZ).toBe('Europe/Berlin');
    expect(zonedParts(Date.UTC(2026, 0, 1, 16), 'Asia/Shanghai').hour).toBe('00'); // still right, through Intl
  });

  it('isTimeZone knows IANA names and their aliases, and nothing else', () => {
    for (const tz of ['Asia/Shanghai', 'UTC', 'Etc/UTC', 'Asia/Chongqing', 'PRC', 'America/Argentina/Buenos_Aires']) expect(isTimeZone(tz), tz).toBe(true);
    for (const tz of ['Asia/Shanghia', 'Beijing', '', '+08:00x', 'Mars/Olympus']) expect(isTimeZone(tz), tz).toBe(false);
  });
});

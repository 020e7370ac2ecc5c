import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { Journal } from '../../src/store/journal.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import { printActivity, describe as describeRecord } from '../../src/cli/activity.js';
import { tmp } from '../helpers/cli.js';

describe('demo activity lines', () => {
  it('prints faults and stamps, not routine status, caps the rate but never holds back an anomaly', async () => {
    const dir = tmp();
    const j = Journal.open({ path: join(dir, 'sealift.db'), gw: 'g', key: loadOrCreateKey(dir, 'sealift/g'), groupCommitMs: 0 });
    const lines: string[] = [];
    const started = Date.now();
    const stop = printActivity(j, 'Asia/Shanghai', (s) => lines.push(s));
    await j.append({ kind: 'device.status', subject: 'kit-1', data: { battery: 90 } });
    await j.append({ kind: 'lift.fault.raise', subject: 'lift-3', data: { code: 'LIFT_TRAPPED' } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => j.append({ kind: 'seal.stamp', subject: 'seal-1', data: { n: i, grant: 'g1' } })));
    await j.append({ kind: 'seal.anomaly', subject: 'seal-1', data: { code: 'TAMPER' } });
    stop();
    await j.close();
    expect(lines.join('')).not.toMatch(/battery|kit-1/);
    expect(lines[0]).toMatch(/LIFT_TRAPPED raised on lift-3/);
    // each line starts with the time of its record in the site's zone
    const hour = (ms: number) => new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', hour: '2-digit', hourCycle: 'h23' }).format(ms);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}/);
    expect([hour(started), hour(Date.now())]).toContain(lines[0]!.slice(0, 2));
    expect(lines.filter((l) => l.includes('stamp on')).length).toBeLessThanOrEqual(4);
    expect(lines.join('')).toMatch(/more events/);
    expect(lines.at(-1)).toMatch(/TAMPER on seal-1/); // anomalies are never held back
    expect(describeRecord({ v: 1, gw: 'g', seq: 0, ts: 0, kind: 'seal.anomaly', subject: 's', data: { code: 'TAMPER' } })).toMatch(/TAMPER/);
  });
});

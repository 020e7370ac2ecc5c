/**
 * The log at info says what an operator should know, not every routine step: checkpoints signed
 * every few seconds for the upstream and on the schedule are debug lines; those signed for an
 * anomaly, a remote command or a shutdown are info lines.
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { Journal } from '../../src/store/journal.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import { tmp } from '../helpers/cli.js';

describe('checkpoint log lines', () => {
  it('routine checkpoints (upstream, interval, requested) stay out of the info log; the ones a person cares about are in it', async () => {
    const lines: { level: number; msg: string; reason?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as (typeof lines)[number]);
        done();
      },
    });
    const dir = tmp();
    const j = Journal.open({ path: join(dir, 'sealift.db'), gw: 'g', key: loadOrCreateKey(dir, 'sealift/g'), groupCommitMs: 0, log: createLogger('info', sink) });
    for (const reason of ['upstream', 'interval', 'requested', 'anomaly', 'remote']) {
      await j.append({ kind: 'device.status', subject: 'kit-1', data: { n: reason } });
      expect(j.checkpoint(reason)?.size).toBe(j.size);
    }
    await j.close();
    await new Promise((r) => setImmediate(r));
    const signed = lines.filter((l) => l.msg === 'checkpoint signed');
    expect(signed.map((l) => [l.reason, l.level])).toEqual([
      ['anomaly', 30],
      ['remote', 30],
    ]);
  });
});

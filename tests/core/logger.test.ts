/** Log lines are JSON with one `component`: nested components are named with dots. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { child, createLogger } from '../../src/core/logger.js';

function capture() {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { root: createLogger('info', dest), lines };
}

/** The keys of a JSON line as written (JSON.parse would keep only the last of repeated keys). */
const keysOf = (line: string): string[] => [...line.matchAll(/[{,]"([^"]+)":/g)].map((m) => m[1]!);

describe('child loggers', () => {
  it('a component inside a component: one `component` key, named with dots; bindings kept', () => {
    const { root, lines } = capture();
    const seal = child(root, 'seal');
    const sleeve = seal.child({ device: 'seal-1' });
    const link = child(sleeve, 'ssp1-link', { device: 'seal-1' });
    const port = child(link, 'serial-port', { path: '/dev/ttyS1' });
    seal.info('a');
    link.info({ seq: 3 }, 'b');
    port.warn('c');
    child(root, 'journal').info('d');
    expect(lines).toHaveLength(4);
    for (const l of lines) {
      expect(keysOf(l).filter((k) => k === 'component')).toHaveLength(1);
      expect(keysOf(l).filter((k) => k === 'device').length).toBeLessThanOrEqual(1);
    }
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({ component: 'seal', msg: 'a' });
    expect(parsed[1]).toMatchObject({ component: 'seal.ssp1-link', device: 'seal-1', seq: 3, msg: 'b' });
    expect(parsed[2]).toMatchObject({ component: 'seal.ssp1-link.serial-port', device: 'seal-1', path: '/dev/ttyS1', level: 40 });
    expect(parsed[3]).toMatchObject({ component: 'journal' });
    expect(port.bindings()).toEqual({ component: 'seal.ssp1-link.serial-port', device: 'seal-1', path: '/dev/ttyS1' });
    // the parents are unchanged
    expect(seal.bindings()).toEqual({ component: 'seal' });
    expect(link.bindings()).toEqual({ component: 'seal.ssp1-link', device: 'seal-1' });
  });

  it('keeps the level and redaction of the parent', () => {
    const { root, lines } = capture();
    const quiet = child(root, 'seal');
    quiet.level = 'warn';
    const inner = child(quiet, 'link');
    inner.info('not written');
    inner.warn({ secret: 'hunter2-secret' }, 'written');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ component: 'seal.link', secret: '[redacted]' });
  });
});

/** Unplugging the cable (killing socat) and plugging it back; the reconnecting port on its own. */
import { mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { createPtyPair, type PtyPair } from '../../sim/pty.js';
import { PortClosedError, ReconnectingPort } from '../../src/transport/serial/port.js';
import { rig, sleep, waitUntil, type Rig } from './helpers.js';

let r: Rig | undefined;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await r?.close();
  r = undefined;
  for (const c of cleanup.splice(0).reverse()) await c();
});

test('after an unplug the link reopens within 2 s and buffered events arrive in order', async () => {
  r = await rig({ link: {}, sleeve: {} });
  const { port, link, sleeve, store } = r;
  await sleeve.whenIdle(3000);
  const states: string[] = [];
  link.on('state', (s) => states.push(s));
  const expected: string[] = [];

  for (let cycle = 0; cycle < 3; cycle++) {
    await r.unplug();
    await waitUntil(() => link.state === 'closed' && !sleeve.isOpen, 2000, 'both ends closed');
    expect(link.state).toBe('closed');
    for (let i = 0; i < 5; i++) {
      const f = i % 2 ? sleeve.alarm('moved') : sleeve.status();
      expected.push(`${f!.event.type}:${f!.seq}`);
    }
    expect(sleeve.pending).toBe(5);
    await sleep(400); // unplugged for a while: the gateway polls for the path

    const t0 = Date.now();
    await r.replug();
    await waitUntil(() => port.isOpen, 2000, 'gateway port reopened');
    expect(Date.now() - t0).toBeLessThan(2000);
    await sleeve.whenIdle(5000);
    expected.push(`hello:${sleeve.delivered.at(-1)!.seq}`); // a HELLO follows each reopen
  }

  const got = store.stored.slice(1).map((s) => `${s.event.type}:${s.rawSeq}`);
  expect(got).toEqual(expected);
  expect(store.stored.every((s) => s.boot === sleeve.boot)).toBe(true);
  expect(store.duplicates).toBe(0);
  expect(port.counters.opens).toBe(4);
  expect(port.counters.drops).toBe(3);
  expect(states.filter((s) => s === 'closed')).toHaveLength(3);
  expect(link.state).toBe('hello_seen');
});

test('a port opened before its device exists opens within 2 s of it appearing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealift-serial-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const gatewayPath = join(dir, 'gw');
  const devicePath = join(dir, 'dev');
  const port = new ReconnectingPort({ path: gatewayPath });
  cleanup.push(() => port.close());
  const opened: number[] = [];
  port.on('open', () => opened.push(Date.now()));
  await sleep(600);
  expect(port.isOpen).toBe(false);
  expect(port.counters.failures).toBe(0); // a missing path is waited for, not hammered
  await expect(port.write(Buffer.from([1]))).rejects.toBeInstanceOf(PortClosedError);

  const t0 = Date.now();
  const pair: PtyPair = await createPtyPair({ gatewayPath, devicePath });
  cleanup.push(() => pair.close());
  await waitUntil(() => port.isOpen, 2000, 'port open');
  expect(opened[0]! - t0).toBeLessThan(2000);

  // bytes flow both ways through the pair
  const device = new ReconnectingPort({ path: devicePath, pollMs: 50 });
  cleanup.push(() => device.close());
  await waitUntil(() => device.isOpen, 2000, 'device open');
  const got: Buffer[] = [];
  port.on('data', (c) => got.push(c));
  await device.write(Buffer.from('ping'));
  await waitUntil(() => Buffer.concat(got).toString() === 'ping', 2000, 'data');
  expect(port.counters.bytesIn).toBe(4);

  await port.close();
  await port.close(); // idempotent
  expect(port.isOpen).toBe(false);
});

test('an existing path that cannot be opened is retried with backoff, not hammered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealift-serial-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'not-a-tty');
  writeFileSync(path, 'plain file');
  const port = new ReconnectingPort({ path });
  cleanup.push(() => port.close());
  await sleep(1000);
  // attempts at ~0, ~200, ~600 ms (±20 %), the next at ~1400 ms
  expect(port.counters.failures).toBeGreaterThanOrEqual(2);
  expect(port.counters.failures).toBeLessThanOrEqual(4);
  expect(port.isOpen).toBe(false);
  expect(port.lastFailure).toBeTruthy();
});

test('a device node that vanishes or is replaced while open drops the port, even without a read error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealift-serial-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  // the gateway's path is a stable name (like /dev/serial/by-id/…) linking to the pty: the pty
  // itself lives on (no read error), only its name goes — as when udev removes the node first
  const pair: PtyPair = await createPtyPair({ gatewayPath: join(dir, 'pty-a'), devicePath: join(dir, 'dev-a') });
  cleanup.push(() => pair.close());
  const other: PtyPair = await createPtyPair({ gatewayPath: join(dir, 'pty-b'), devicePath: join(dir, 'dev-b') });
  cleanup.push(() => other.close());
  const stable = join(dir, 'by-id');
  symlinkSync(realpathSync(pair.gatewayPath), stable);
  const port = new ReconnectingPort({ path: stable });
  cleanup.push(() => port.close());
  const closes: string[] = [];
  port.on('close', (why) => closes.push(why));
  await waitUntil(() => port.isOpen, 2000, 'port open');

  unlinkSync(stable);
  await waitUntil(() => !port.isOpen, 2000, 'dropped once its node is gone');
  expect(closes).toEqual(['device removed']);
  expect(port.counters.drops).toBe(1);
  await sleep(400);
  expect(port.counters.failures).toBe(0); // waits for the path, does not hammer

  symlinkSync(realpathSync(pair.gatewayPath), stable);
  await waitUntil(() => port.isOpen, 2000, 'reopened when it is back');
  // the name now points at another device: that is a different device, not ours
  unlinkSync(stable);
  symlinkSync(realpathSync(other.gatewayPath), stable);
  await waitUntil(() => closes.length === 2, 2000, 'dropped when replaced');
  expect(closes[1]).toBe('device replaced');
  await waitUntil(() => port.isOpen, 2000, 'opened on the new device');
  expect(port.counters.opens).toBe(3);
});

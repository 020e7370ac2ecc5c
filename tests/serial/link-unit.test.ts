/** Ssp1Link against a scripted in-memory port: seq arithmetic, answers, bounds, fuzz. */
import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import { FrameType, Ssp1Decoder, encodeFrame, encodeRawFrame } from '../../devices/codec/ssp1.js';
import { decodeDown, encodeDown, encodeUp, type SealCommand, type SealSerialEvent } from '../../devices/seal-ssp1-serial.js';
import { Rejection } from '../../src/core/errors.js';
import { createMetrics } from '../../src/core/metrics.js';
import type { BytePort, PortEvents } from '../../src/transport/serial/port.js';
import { SeqExtender } from '../../src/transport/serial/seq.js';
import { Ssp1Link, type LinkEvent, type Ssp1LinkOptions } from '../../src/transport/serial/ssp1-link.js';
import { sleep, waitUntil } from './helpers.js';

class FakePort extends EventEmitter<PortEvents> implements BytePort {
  isOpen = true;
  readonly out: Array<{ seq: number; command: SealCommand }> = [];
  private readonly decoder = new Ssp1Decoder();
  write(buf: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(new Error('closed'));
    for (const r of this.decoder.push(buf)) {
      if (!r.ok) throw new Error(`link wrote a bad frame: ${r.reason}`);
      const d = decodeDown(r.frame);
      if (!d.ok) throw new Error(`link wrote a bad command: ${d.errors.join()}`);
      this.out.push({ seq: d.seq, command: d.command });
    }
    return Promise.resolve();
  }
  feed(buf: Buffer): void {
    this.emit('data', buf);
  }
  answers(): string[] {
    return this.out.flatMap((o) =>
      o.command.type === 'ack' ? [`ack:${o.command.ack}`] : o.command.type === 'nack' ? [`nack:${o.command.ack}`] : [],
    );
  }
}

const T = 1_700_000_000_000;
const hello = (boot: number): SealSerialEvent => ({ type: 'hello', id: 'seal-1', model: 'm', fw: '1', boot, counter: 0, time: T });
const status = (): SealSerialEvent => ({ type: 'status', battery: 50, locked: false, sleeveClosed: true, sealPresent: true, time: T });

function setup(opts: Partial<Ssp1LinkOptions> = {}, onEvent?: (e: LinkEvent) => Promise<void>) {
  const port = new FakePort();
  const events: LinkEvent[] = [];
  const metrics = createMetrics();
  const link = new Ssp1Link({
    port,
    metrics,
    ackTimeoutMs: 20,
    onEvent: onEvent ?? (async (e) => void events.push(e)),
    ...opts,
  });
  return { port, link, events, metrics };
}
const settle = () => sleep(10);

describe('SeqExtender', () => {
  test('extends across wraps, places late frames in the right lap, reports gaps', () => {
    const x = new SeqExtender();
    const feed = (raw: number) => {
      const e = x.extend(raw);
      return [e, x.observe(e)];
    };
    expect(feed(65534)).toEqual([65534, 0]);
    expect(feed(65535)).toEqual([65535, 0]);
    expect(feed(0)).toEqual([65536, 0]);
    expect(feed(65535)).toEqual([65535, 0]); // late retransmission from before the wrap
    expect(feed(3)).toEqual([65539, 2]); // 65537 and 65538 never seen
    // many laps
    const y = new SeqExtender();
    let last = -1;
    for (let i = 0; i < 5 * 65536; i += 7919) {
      const e = y.extend(i & 0xffff);
      y.observe(e);
      expect(e).toBe(i);
      expect(e).toBeGreaterThan(last);
      last = e;
    }
    // resumed after a gateway restart
    expect(new SeqExtender(3 * 65536 + 65530).extend(4)).toBe(4 * 65536 + 4);
  });
});

describe('Ssp1Link (in-memory port)', () => {
  test('frames before any HELLO use boot 0 (or initialBoot/initialSeq); HELLO switches the boot', async () => {
    const a = setup();
    a.port.feed(encodeUp(status(), 9));
    await settle();
    expect(a.events[0]).toMatchObject({ boot: 0, seq: 9, rawSeq: 9 });
    expect(a.link.state).toBe('open');
    a.port.feed(encodeUp(hello(1234), 0));
    a.port.feed(encodeUp(status(), 1));
    await settle();
    expect(a.events.slice(1).map((e) => [e.boot, e.seq])).toEqual([
      [1234, 0],
      [1234, 1],
    ]);
    expect(a.link.state).toBe('hello_seen');

    const b = setup({ initialBoot: 77, initialSeq: 2 * 65536 + 65535 });
    b.port.feed(encodeUp(status(), 0));
    await settle();
    expect(b.events[0]).toMatchObject({ boot: 77, seq: 3 * 65536, rawSeq: 0, gap: 0 });
  });

  test('frames are handled one at a time in arrival order; ACK follows each commit', async () => {
    let active = 0;
    let maxActive = 0;
    const order: number[] = [];
    const { port } = setup({}, async (e) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(e.rawSeq % 2 ? 1 : 8); // uneven commit times
      order.push(e.rawSeq);
      expect(port.answers()).not.toContain(`ack:${e.rawSeq}`);
      active--;
    });
    port.feed(Buffer.concat(Array.from({ length: 10 }, (_, i) => encodeUp(status(), i))));
    await waitUntil(() => order.length === 10, 2000, 'all frames');
    await settle();
    expect(order).toEqual([...Array(10).keys()]);
    expect(maxActive).toBe(1);
    expect(port.answers()).toEqual([...Array(10).keys()].map((i) => `ack:${i}`));
  });

  test('a retransmission is ACKed again without a second onEvent', async () => {
    const { port, link, events } = setup();
    port.feed(encodeUp(hello(5), 100));
    port.feed(encodeUp(status(), 101));
    port.feed(encodeUp(status(), 101));
    port.feed(encodeUp(hello(5), 100));
    await settle();
    expect(events.map((e) => e.rawSeq)).toEqual([100, 101]);
    expect(port.answers()).toEqual(['ack:100', 'ack:101', 'ack:101', 'ack:100']);
    expect(link.counters).toMatchObject({ framesOk: 2, duplicatesAnswered: 2, retransmitsSeen: 2 });
  });

  test('Rejection → NACK (remembered); other failure → no answer, then retried', async () => {
    let fail: 'reject' | 'storage' | undefined = 'reject';
    const calls: number[] = [];
    const { port, link, metrics } = setup({}, async (e) => {
      calls.push(e.rawSeq);
      if (fail === 'reject') throw new Rejection('unknown_device', 'seal-1 is not provisioned');
      if (fail === 'storage') throw new Error('SQLITE_BUSY');
    });
    port.feed(encodeUp(status(), 1));
    await settle();
    expect(port.out.at(-1)!.command).toEqual({ type: 'nack', ack: 1, reason: 'unknown_device: seal-1 is not provisioned' });
    port.feed(encodeUp(status(), 1)); // the sleeve did not get the NACK
    await settle();
    expect(calls).toEqual([1]);
    expect(port.answers()).toEqual(['nack:1', 'nack:1']);

    fail = 'storage';
    port.feed(encodeUp(status(), 2));
    await settle();
    expect(port.answers()).toEqual(['nack:1', 'nack:1']);
    expect(link.counters.storageFailures).toBe(1);
    fail = undefined;
    port.feed(encodeUp(status(), 2));
    await settle();
    expect(calls).toEqual([1, 2, 2]);
    expect(port.answers()).toEqual(['nack:1', 'nack:1', 'ack:2']);
    const m = await metrics.rejected.get();
    expect(m.values.find((v) => v.labels.reason === 'ssp1_nack_unknown_device')?.value).toBe(1);
  });

  test('refused frames are counted by reason; intact ones are NACKed, echoes and acks are not', async () => {
    const { port, link, events, metrics } = setup();
    const body = (s: string) => Buffer.from(s, 'utf8');
    port.feed(encodeRawFrame({ type: FrameType.STATUS, seq: 1, body: body('{not json') })); // bad_json → NACK
    port.feed(encodeRawFrame({ type: FrameType.STATUS, seq: 2, body: body('[1]') })); // not_object → NACK
    port.feed(encodeRawFrame({ type: 0x55, seq: 3, body: body('{}') })); // unknown_type → NACK
    port.feed(encodeFrame({ type: FrameType.STATUS, seq: 4, payload: { battery: 'full' } })); // schema → NACK
    port.feed(encodeDown({ type: 'grant', grant: 'g', uses: 1, notBefore: T, notAfter: T + 1 }, 5)); // echo
    port.feed(encodeDown({ type: 'ack', ack: 9 }, 6)); // echo of our ACK
    port.feed(encodeRawFrame({ type: FrameType.DEV_ACK, seq: 7, body: body('{"ack":"x"}') })); // bad ack: count only
    port.feed(encodeRawFrame({ type: FrameType.STATUS, seq: 8, body: body('{}'), corruptCrc: true })); // bad_crc
    port.feed(Buffer.from('line noise \x00\xff'));
    port.feed(encodeUp(status(), 9)); // and a good frame after all that
    await settle();
    expect(events.map((e) => e.rawSeq)).toEqual([9]);
    expect(port.answers()).toEqual(['nack:1', 'nack:2', 'nack:3', 'nack:4', 'ack:9']);
    expect(port.out[3]!.command).toMatchObject({ type: 'nack', reason: expect.stringContaining('/battery') });
    expect(link.counters.rejected).toMatchObject({
      bad_json: 1,
      not_object: 1,
      unknown_type: 1,
      schema: 2,
      wrong_direction: 2,
      bad_crc: 1,
    });
    expect(link.counters.rejected.garbage).toBeGreaterThanOrEqual(1);
    const m = await metrics.rejected.get();
    expect(m.values.find((v) => v.labels.reason === 'ssp1_wrong_direction')?.value).toBe(2);
  });

  test('fuzz: random bytes and damaged frames never crash the link; good frames still get through', async () => {
    const { port, link, events } = setup({ maxPending: 100_000 });
    let rnd = 12345;
    const rand = () => ((rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let good = 0;
    for (let i = 0; i < 3000; i++) {
      const pick = rand();
      if (pick < 0.4) {
        const junk = Buffer.alloc(1 + Math.floor(rand() * 64));
        for (let j = 0; j < junk.length; j++) junk[j] = rand() < 0.1 ? 0xa5 : Math.floor(rand() * 256);
        port.feed(junk);
      } else if (pick < 0.7) {
        const f = encodeUp(status(), i & 0xffff);
        const k = Math.floor(rand() * f.length);
        f[k] = f[k]! ^ (1 << Math.floor(rand() * 8));
        port.feed(f.subarray(0, Math.floor(rand() * (f.length + 1))));
      } else {
        // an intact frame, split at a random point
        const f = encodeUp(status(), i & 0xffff);
        const cut = Math.floor(rand() * f.length);
        port.feed(f.subarray(0, cut));
        port.feed(f.subarray(cut));
        good++;
      }
    }
    await waitUntil(() => link.pendingFrames === 0, 5000, 'drained');
    await settle();
    const total = Object.values(link.counters.rejected).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(500);
    // every intact frame survives the garbage and the truncated frames around it (seeded, deterministic)
    expect(events.length).toBe(good);
    expect(link.counters.framesOk).toBe(events.length);
  });

  test('when too many frames wait, new ones are dropped unanswered and counted', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { port, link } = setup({ maxPending: 3 }, () => gate);
    for (let i = 0; i < 10; i++) port.feed(encodeUp(status(), i));
    expect(link.counters.rejected.overload).toBe(6); // 1 in onEvent, 3 waiting
    release();
    await settle();
    expect(port.answers()).toEqual(['ack:0', 'ack:1', 'ack:2', 'ack:3']);
  });

  test('send: retries the same frame, one command at a time; device ACK resolves it; close resolves the rest', async () => {
    const { port, link } = setup({ initialTxSeq: 0xfffe, retries: 3 });
    const g = { type: 'grant', grant: 'g-1', uses: 1, notBefore: T, notAfter: T + 1000 } as const;
    const first = link.send(g);
    const second = link.send({ type: 'lock' });
    await sleep(30); // past one ack timeout
    expect(port.out.map((o) => [o.seq, o.command.type])).toEqual([
      [0xfffe, 'grant'],
      [0xfffe, 'grant'],
    ]);
    port.feed(encodeUp({ type: 'ack', ack: 0x1234 }, 50)); // stray
    port.feed(encodeUp({ type: 'ack', ack: 0xfffe }, 51));
    expect(await first).toEqual({ acked: true, tries: 2 });
    await settle();
    expect(port.out.at(-1)).toEqual({ seq: 0xffff, command: { type: 'lock' } });
    expect(link.counters.strayAcks).toBe(1);
    const third = link.send({ type: 'time', time: T });
    link.close();
    expect(await second).toEqual({ acked: false, tries: 1 });
    expect(await third).toEqual({ acked: false, tries: 0 });
    expect(await link.send({ type: 'lock' })).toEqual({ acked: false, tries: 0 });
    expect(link.state).toBe('closed');
  });

  test('state follows the port', async () => {
    const { port, link } = setup();
    const seen: string[] = [];
    link.on('state', (s) => seen.push(s));
    port.feed(encodeUp(hello(1), 0));
    await settle();
    port.isOpen = false;
    port.feed(encodeUp(status(), 1).subarray(0, 5)); // a partial frame, lost with the port
    port.emit('close', 'gone');
    port.isOpen = true;
    port.emit('open');
    expect(seen).toEqual(['hello_seen', 'closed', 'open']);
    expect(link.counters.rejected.garbage).toBe(1);
  });
});

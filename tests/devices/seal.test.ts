import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { FrameType, Ssp1Decoder, encodeFrame, type Ssp1Frame } from '../../devices/codec/ssp1.js';
import {
  decodeDown,
  decodeUp,
  encodeDown,
  encodeUp,
  sealSsp1Serial,
  type SealSerialEvent,
} from '../../devices/seal-ssp1-serial.js';
import * as mqtt from '../../devices/seal-mqtt.js';
import { T0, downCommands, upEvents } from './samples.js';

function frameOf(bytes: Buffer): Ssp1Frame {
  const rs = new Ssp1Decoder().push(bytes);
  const r = rs[0];
  if (rs.length !== 1 || !r?.ok) throw new Error(`not one good frame: ${JSON.stringify(rs)}`);
  return r.frame;
}

describe('seal-ssp1-serial profile', () => {
  it('round-trips every device → gateway event through bytes', () => {
    upEvents.forEach((ev, i) => {
      const r = decodeUp(frameOf(encodeUp(ev, 100 + i)));
      expect(r).toEqual({ ok: true, seq: 100 + i, event: ev });
    });
  });

  it('round-trips every gateway → device command through bytes', () => {
    downCommands.forEach((cmd, i) => {
      const r = decodeDown(frameOf(encodeDown(cmd, i)));
      expect(r).toEqual({ ok: true, seq: i, command: cmd });
    });
  });

  it('uses the documented frame types', () => {
    const types = (bytes: Buffer) => bytes[3];
    expect(types(encodeUp(upEvents[0]!, 1))).toBe(FrameType.HELLO);
    expect(types(encodeUp({ type: 'ack', ack: 1 }, 1))).toBe(FrameType.DEV_ACK);
    expect(types(encodeDown({ type: 'ack', ack: 1 }, 1))).toBe(FrameType.ACK);
    expect(types(encodeDown({ type: 'nack', ack: 1, reason: 'x' }, 1))).toBe(FrameType.NACK);
    expect(types(encodeDown({ type: 'lock' }, 1))).toBe(FrameType.LOCK);
    expect(frameOf(encodeDown({ type: 'lock' }, 1)).payload).toEqual({});
  });

  it('rejects payloads that break the schema, listing every error with its path', () => {
    const r = decodeUp({
      type: FrameType.STAMP,
      seq: 5,
      payload: { grant: 'g 1', n: 0, counter: -1, time: 1.5, photo: 'xyz', impression: 'yes', extra: 1 },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('schema');
    for (const path of ['/grant', '/n', '/counter', '/time', '/photo', '/impression', '/extra']) {
      expect(r.errors.some((e) => e.startsWith(`${path}:`)), `${path} in ${r.errors.join(' | ')}`).toBe(true);
    }
    const missing = decodeUp({ type: FrameType.HELLO, seq: 1, payload: { id: 'seal-01' } });
    expect(missing.ok === false && missing.errors).toEqual(
      expect.arrayContaining(['/model: is required', '/boot: is required', '/time: is required']),
    );
    const alarm = decodeUp({ type: FrameType.ALARM, seq: 1, payload: { kind: 'fire', time: T0 } });
    expect(alarm.ok === false && alarm.errors[0]).toMatch(/^\/kind: /);
    const boot = decodeUp({ type: FrameType.HELLO, seq: 1, payload: { id: 'seal-01', model: 'm', fw: '1', boot: 2 ** 32, counter: 0, time: T0 } });
    expect(boot.ok === false && boot.errors).toEqual(['/boot: must be <= 4294967295']);
  });

  it('rejects frames sent in the wrong direction and checks grant windows', () => {
    const wrong = decodeUp({ type: FrameType.GRANT, seq: 1, payload: {} });
    expect(wrong).toMatchObject({ ok: false, reason: 'wrong_direction' });
    const wrong2 = decodeDown({ type: FrameType.STAMP, seq: 1, payload: {} });
    expect(wrong2).toMatchObject({ ok: false, reason: 'wrong_direction' });
    const window = decodeDown({ type: FrameType.GRANT, seq: 1, payload: { grant: 'g', uses: 1, notBefore: 10, notAfter: 5 } });
    expect(window).toEqual({ ok: false, reason: 'schema', errors: ['/notAfter: must not be before notBefore'] });
  });

  it('normalizes photo digests to lower case', () => {
    const upper = 'ABCDEF'.repeat(10) + 'ABCD';
    const r = decodeUp(
      frameOf(encodeFrame({ type: FrameType.STAMP, seq: 1, payload: { grant: 'g', n: 1, counter: 1, time: 1, photo: upper, impression: true } })),
    );
    expect(r.ok && r.event.type === 'stamp' && r.event.photo).toBe(upper.toLowerCase());
  });

  it('refuses to encode invalid messages', () => {
    expect(() => encodeUp({ type: 'alarm', kind: 'fire', time: 1 } as unknown as SealSerialEvent, 1)).toThrow(/\/kind/);
    expect(() => encodeUp({ type: 'ack', ack: 'cmd-1' }, 1)).toThrow(/\/ack/);
    expect(() => encodeDown({ type: 'grant', grant: 'g', uses: 0, notBefore: 0, notAfter: 1 }, 1)).toThrow(/\/uses/);
    expect(() => encodeDown({ type: 'time', time: 1 }, 70000)).toThrow(RangeError);
  });

  it('is described by its profile object', () => {
    expect(sealSsp1Serial).toMatchObject({ id: 'seal-ssp1-serial', kind: 'seal', transport: 'serial', defaults: { baud: 115200 } });
    expect(sealSsp1Serial.createDecoder()).toBeInstanceOf(Ssp1Decoder);
  });
});

describe('seal-mqtt profile', () => {
  it('round-trips every device → gateway event with seq and boot', () => {
    for (const ev of upEvents) {
      const event = ev.type === 'ack' ? { type: 'ack' as const, ack: 'cmd-7' } : ev;
      const { subtopic, payload } = mqtt.encodeUp(event, 41, 0xabc);
      expect(subtopic).toBe(event.type);
      const body = JSON.parse(payload.toString()) as Record<string, unknown>;
      expect(body.seq).toBe(41);
      expect(body.type).toBeUndefined();
      const r = mqtt.decodeUp(subtopic, payload);
      const boot = event.type === 'hello' ? event.boot : 0xabc;
      expect(r).toEqual({ ok: true, event, seq: 41, boot });
    }
  });

  it('hashes photos', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    const sha256 = createHash('sha256').update(jpeg).digest('hex');
    const { subtopic, payload } = mqtt.encodeUp({ type: 'photo', sha256, bytes: jpeg }, 1, 1);
    expect(subtopic).toBe('photo');
    expect(mqtt.decodeUp(subtopic, payload)).toEqual({ ok: true, event: { type: 'photo', sha256, bytes: jpeg }, seq: null, boot: null });
    expect(mqtt.decodeUp('photo', Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'empty' });
    expect(mqtt.decodeUp('photo', jpeg, { maxPhotoBytes: 4 })).toMatchObject({ ok: false, reason: 'too_long' });
  });

  it('round-trips every command with its id', () => {
    const cmds: mqtt.SealMqttCommand[] = [
      { type: 'grant', id: 'c1', grant: 'g-42', uses: 2, notBefore: T0, notAfter: T0 + 1 },
      { type: 'revoke', id: 'c2', grant: 'g-42' },
      { type: 'lock', id: 'c3' },
      { type: 'time', id: 'c4', time: T0 },
    ];
    for (const cmd of cmds) {
      const { subtopic, payload } = mqtt.encodeDown(cmd);
      expect(subtopic).toBe(cmd.type);
      expect(mqtt.decodeDown(subtopic, payload)).toEqual({ ok: true, command: cmd });
    }
  });

  it('rejects bad JSON, non-objects, unknown subtopics and schema errors with paths', () => {
    expect(mqtt.decodeUp('stamp', Buffer.from('{'))).toMatchObject({ ok: false, reason: 'bad_json' });
    expect(mqtt.decodeUp('stamp', Buffer.from('[]'))).toMatchObject({ ok: false, reason: 'not_object' });
    expect(mqtt.decodeUp('stamp', Buffer.alloc(3000, 0x20))).toMatchObject({ ok: false, reason: 'too_long' });
    expect(mqtt.decodeUp('grant', Buffer.from('{}'))).toMatchObject({ ok: false, reason: 'unknown_subtopic' });
    expect(mqtt.decodeDown('stamp', Buffer.from('{}'))).toMatchObject({ ok: false, reason: 'unknown_subtopic' });
    const noSeq = mqtt.decodeUp('sleeve', Buffer.from(JSON.stringify({ open: true, time: T0, boot: 1 })));
    expect(noSeq).toEqual({ ok: false, reason: 'schema', errors: ['/seq: is required'] });
    const bad = mqtt.decodeDown('grant', Buffer.from(JSON.stringify({ id: 'c/1', grant: 'g', uses: 1, notBefore: 0 })));
    expect(bad.ok === false && bad.errors).toEqual(expect.arrayContaining(['/notAfter: is required', expect.stringMatching(/^\/id: /)]));
  });

  it('builds and parses device topics', () => {
    expect(mqtt.sealMqtt.topic('seal-01', 'up', 'stamp')).toBe('dev/seal-01/up/stamp');
    expect(mqtt.sealMqtt.parseTopic('dev/seal-01/down/grant')).toEqual({ id: 'seal-01', dir: 'down', sub: 'grant' });
    expect(mqtt.sealMqtt.parseTopic('dev/+/up/stamp')).toBeNull();
    expect(mqtt.sealMqtt.parseTopic('dev/a/up/stamp/x')).toBeNull();
    expect(() => mqtt.sealMqtt.topic('a/b', 'up', 'stamp')).toThrow(RangeError);
    expect(mqtt.sealMqtt).toMatchObject({ id: 'seal-mqtt', kind: 'seal', transport: 'mqtt' });
  });
});

import { describe, it, expect } from 'vitest';
import { simulatedPhoto } from '../../sim/seal/photo.js';

describe('simulated sleeve camera', () => {
  it('takes a real JPEG each time, each with its own SHA-256, naming the sleeve and the stamp', () => {
    const a = simulatedPhoto('sealift sim seal-1 stamp 1');
    const b = simulatedPhoto('sealift sim seal-1 stamp 2');
    expect(a.sha256).not.toBe(b.sha256);
    for (const p of [a, b]) {
      expect([...p.bytes.subarray(0, 4)]).toEqual([0xff, 0xd8, 0xff, 0xfe]); // SOI, then our comment
      expect([...p.bytes.subarray(-2)]).toEqual([0xff, 0xd9]); // EOI
      // after the comment the picture's own segments follow (JFIF/quantization tables), intact
      const comLen = p.bytes.readUInt16BE(4);
      expect(p.bytes[4 + comLen]).toBe(0xff);
      expect(p.bytes.length).toBeGreaterThan(4000);
    }
    expect(a.bytes.toString('latin1')).toContain('seal-1 stamp 1');
  });
});

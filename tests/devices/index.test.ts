import { describe, expect, it } from 'vitest';
import { PROFILE_IDS, getProfile, isProfileId, profiles } from '../../devices/index.js';

describe('device profile registry', () => {
  it('holds the four documented profiles keyed by id', () => {
    expect(PROFILE_IDS.sort()).toEqual(['lift-kit-mqtt', 'lift-modbus', 'seal-mqtt', 'seal-ssp1-serial']);
    for (const id of PROFILE_IDS) expect(profiles[id].id).toBe(id);
    expect(getProfile('lift-modbus').registers).toEqual({ start: 0, count: 20 });
    expect(getProfile('seal-ssp1-serial').defaults.baud).toBe(115200);
    expect(getProfile('nope')).toBeUndefined();
    expect(isProfileId('toString')).toBe(false);
    expect(getProfile('seal-mqtt')).toMatchObject({ kind: 'seal', transport: 'mqtt' });
    expect(getProfile('lift-kit-mqtt')).toMatchObject({ kind: 'lift', transport: 'mqtt' });
  });
});

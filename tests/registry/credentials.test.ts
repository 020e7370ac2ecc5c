/**
 * Credentials: people's passwords at full scrypt cost, device secrets at the device cost (they are
 * checked at every reconnect), a device hash of an older cost upgraded once the secret is seen right.
 */
import { describe, it, expect } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openStore } from '../../src/gateway/store.js';
import { COST, hashSecret } from '../../src/registry/credentials.js';
import { tmp } from '../store/helpers.js';

const hashOf = (db: { prepare(sql: string): { get(...a: unknown[]): unknown } }, principal: string) =>
  (db.prepare('SELECT hash FROM credentials WHERE principal = ?').get(principal) as { hash: string }).hash;

describe('credentials', () => {
  it('hashes passwords at the password cost and device secrets at the device cost', async () => {
    const store = await openStore(loadConfig({ overrides: [{ path: ['data'], value: tmp() }] }));
    try {
      const { registry, db } = store;
      const { secret } = await registry.addDevice({ id: 'seal-c1', profile: 'seal-mqtt' });
      await registry.addUser({ name: 'clerk', role: 'keeper' }, 'correct horse');
      expect(hashOf(db, 'device:seal-c1')).toMatch(new RegExp(`^scrypt\\$${COST.device.N}\\$8\\$1\\$`));
      expect(hashOf(db, 'user:clerk')).toMatch(new RegExp(`^scrypt\\$${COST.password.N}\\$8\\$1\\$`));
      expect(await registry.authenticate('seal-c1', secret)).toEqual({ kind: 'device', id: 'seal-c1' });
      expect(await registry.authenticate('seal-c1', secret + 'x')).toBeNull();
      expect(await registry.authenticate('clerk', 'correct horse')).toEqual({ kind: 'user', id: 'clerk', role: 'keeper' });
      expect(await registry.authenticate('clerk', 'wrong horse')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('upgrades a device hash made at the old cost after a right secret, never after a wrong one', async () => {
    const store = await openStore(loadConfig({ overrides: [{ path: ['data'], value: tmp() }] }));
    try {
      const { registry, db } = store;
      await registry.addDevice({ id: 'seal-c2', profile: 'seal-mqtt' }, { secret: 'an-old-device-secret' });
      const old = await hashSecret('an-old-device-secret', 'password'); // what earlier versions stored
      db.prepare('UPDATE credentials SET hash = ? WHERE principal = ?').run(old, 'device:seal-c2');
      expect(await registry.authenticate('seal-c2', 'not-the-secret')).toBeNull();
      expect(hashOf(db, 'device:seal-c2')).toBe(old);
      expect(await registry.authenticate('seal-c2', 'an-old-device-secret')).toEqual({ kind: 'device', id: 'seal-c2' });
      const now = hashOf(db, 'device:seal-c2');
      expect(now).not.toBe(old);
      expect(now).toMatch(new RegExp(`^scrypt\\$${COST.device.N}\\$`));
      expect(await registry.authenticate('seal-c2', 'an-old-device-secret')).toEqual({ kind: 'device', id: 'seal-c2' });
      expect(await registry.authenticate('seal-c2', 'not-the-secret')).toBeNull();
    } finally {
      await store.close();
    }
  });
});

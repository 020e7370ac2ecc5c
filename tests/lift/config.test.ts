/** The `lift` section of the configuration: defaults, per-lift overrides, refusals with paths. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config.js';
import { DEFAULT_TIMERS } from '../../src/lift/config.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmp } from '../helpers/cli.js';

const file = (lift: unknown): string => {
  const f = join(tmp(), 'c.json');
  writeFileSync(f, JSON.stringify({ lift }));
  return f;
};

const load = (env: Record<string, string>) => loadConfig({ env });

describe('lift configuration', () => {
  it('has the §6.2 defaults', () => {
    const c = load({}).lift;
    expect(c.rules).toEqual(DEFAULT_TIMERS);
    expect(c.rules).toMatchObject({ trappedAtLevelMs: 60_000, trappedOutsideZoneMs: 20_000, stopOutsideZoneMs: 45_000, clearMs: 2000, doorReopenCount: 10, overspeedFactor: 1.15, commLostMisses: 3, frozenAliveMs: 5000, kitOfflineMs: 90_000 });
    expect(c).toMatchObject({ escalateAfterSec: 180, ratedSpeedMmS: 1000, webhooks: [], contacts: { primary: [], escalation: [] }, lifts: {} });
    expect(c.maintenance).toMatchObject({ checkCron: '0 8 * * *', intervalDays: { half_monthly: 15, quarterly: 90, half_yearly: 180, yearly: 365 } });
    expect(c.repeat).toEqual({ shortDays: 7, shortCount: 3, longDays: 30, longCount: 5 });
    expect(c.targets).toEqual({ responseSec: 180, arrivalSec: 900 });
  });

  it('takes environment overrides and per-lift overrides without filling their defaults', () => {
    const c = load({ SEALIFT_LIFT_RULES_CLEAR_MS: '3000', SEALIFT_LIFT_ESCALATE_AFTER_SEC: '60' }).lift;
    expect(c.rules.clearMs).toBe(3000);
    expect(c.escalateAfterSec).toBe(60);
  });

  it('per-lift overrides keep only what they set; unknown settings are refused', () => {
    const c = loadConfig({ env: {}, file: file({ lifts: { 'lift-a1': { ratedSpeedMmS: 1600, rules: { trappedAtLevelMs: 45_000 } } } }) }).lift;
    expect(c.lifts['lift-a1']).toEqual({ ratedSpeedMmS: 1600, rules: { trappedAtLevelMs: 45_000 } });
    expect(() => loadConfig({ env: {}, file: file({ lifts: { 'lift-a1': { rules: { trappedMs: 1 } } } }) })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, file: file({ webhooks: [{ url: 'ftp://x', secret: 'short' }] }) })).toThrow(ConfigError);
  });

  it('refuses bad values with their paths', () => {
    const bad = (env: Record<string, string>): string[] => {
      try {
        load(env);
      } catch (e) {
        return (e as ConfigError).errors;
      }
      return [];
    };
    expect(bad({ SEALIFT_LIFT_RULES_OVERSPEED_FACTOR: '0.5' }).join()).toMatch(/overspeedFactor/);
    expect(bad({ SEALIFT_LIFT_RULES_CLEAR_MS: '-1' }).join()).toMatch(/clearMs/);
    expect(bad({ SEALIFT_LIFT_MODBUS_RETRIES: '9' }).join()).toMatch(/retries/);
  });
});

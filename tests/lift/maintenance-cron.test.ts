/**
 * The maintenance schedule is checked on the configured cron schedule, not only at start-up: a
 * visit that falls overdue while the gateway runs is alerted at the next tick, once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config.js';
import { liftRig, sleep, waitFor, type LiftRig } from './helpers.js';

const FLOORS = { lo: 1, hi: 10 };
let rig: LiftRig;

beforeAll(async () => {
  rig = await liftRig({
    devices: [{ id: 'k1', profile: 'lift-kit-mqtt', ratedSpeed: 2000, floors: FLOORS }],
    // a half-monthly visit every 3 s, checked every second
    lift: { maintenance: { checkCron: '* * * * * *', dueSoonDays: 0, intervalDays: { half_monthly: 3 / 86_400 } } },
  });
});
afterAll(async () => {
  await rig?.stop();
});

describe('maintenance cron', () => {
  it('alerts a visit that falls overdue while the gateway runs at the next tick, once', async () => {
    const overdue = () => rig.records(['lift.maintenance.alert']).filter((r) => r.subject === 'k1' && r.data.type === 'half_monthly' && r.data.status === 'overdue');
    expect(overdue()).toEqual([]); // not yet at start-up
    await waitFor(() => overdue().length > 0, 8000, 'overdue alert from the cron');
    await sleep(2500); // two more ticks
    expect(overdue()).toHaveLength(1);
  });

  it('a configuration whose schedule is not a cron expression is refused, naming the setting', () => {
    let err: unknown;
    try {
      loadConfig({ env: { SEALIFT_LIFT_MAINTENANCE_CHECK_CRON: 'every morning' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).errors).toEqual(['/lift/maintenance/checkCron: must match format "cron"']);
    expect(loadConfig({ env: { SEALIFT_LIFT_MAINTENANCE_CHECK_CRON: '30 7 1,16 * *' } }).lift.maintenance.checkCron).toBe('30 7 1,16 * *');
  });
});

/** The demo's hub (startDemoHub): an embedded broker + hub, with a gateway syncing to it in-process. */
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { tmp } from '../helpers/cli.js';
import { startInproc } from '../helpers/inproc.js';
import { startDemoHub } from '../../src/hub/demo.js';
import { upstreamHealth } from '../../src/sync/feature.js';
import { testLog, waitFor } from './helpers.js';

describe('demo hub', () => {
  it('takes the demo gateway’s journal and sends receipts back, with nothing installed', async () => {
    const data = join(tmp(), 'data');
    const demo = await startDemoHub({ dataDir: data, log: testLog(), gw: 'testgw' });
    const g = await startInproc({
      data,
      env: {
        SEALIFT_UPSTREAM_URL: demo.url,
        SEALIFT_UPSTREAM_HUB_KEY: demo.hubKey,
        SEALIFT_UPSTREAM_CHECKPOINT_INTERVAL_SEC: '0.2',
      },
    });
    try {
      for (let i = 0; i < 5; i++) await g.gw.store.journal.append({ kind: 'device.event', subject: 'demo-dev', data: { i } });
      const state = await waitFor(async () => {
        const s = await demo.hub.store.getGateway('testgw');
        const h = upstreamHealth(g.gw.store.journal);
        return s && h && s.verified >= 6 && h.lastReceipt && h.lastReceipt.size >= 6 ? { s, h } : undefined;
      }, 'records at the demo hub and a receipt back');
      expect(state.h).toMatchObject({ connected: true });
      const api = (await (await fetch(`${demo.httpUrl}/api/hub/gateways`)).json()) as { gateways: { gw: string; verified: number }[] };
      expect(api.gateways[0]!.gw).toBe('testgw');
    } finally {
      await g.stop();
      await demo.stop();
    }
  });
});

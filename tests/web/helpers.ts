/**
 * What the web page tests share: the pages a test opens (checked for problems and closed after
 * it), locators for the page's heading and dialog, real JPEG photos drawn by the browser, a seal
 * feature where every hour is working time, and a simulated sleeve that stamps every grant with
 * those photos.
 */
import { createHash } from 'node:crypto';
import { afterEach, expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createSealFeature } from '../../src/seal/feature.js';
import type { Gateway } from '../../src/gateway/app.js';
import { startSimSeal, type SimSeal } from '../../sim/seal/devices.js';
import { autoStamp } from '../../sim/seal/scenarios.js';
import { openPage, type TestPage, type ViewportName } from '../helpers/browser.js';

/** The page's title (its one h1). */
export const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name });
export const dialog = (page: Page) => page.getByRole('dialog');
/** The navigation: the side bar on a desktop, the tab bar on a phone (one element). */
export const mainNav = (page: Page) => page.getByRole('navigation', { name: '主导航' });

/**
 * Opens pages for the tests of a file or describe block (on the server at `base` unless told
 * otherwise); after each test every page it opened is closed, and any console error, uncaught exception or request leaving the server on them fails it.
 */
export function pageOpener(at: () => { browser: Browser; base: string }) {
  const pages: TestPage[] = [];
  afterEach(async () => {
    const problems = pages.flatMap((p) => p.problems());
    for (const p of pages.splice(0)) await p.close();
    expect(problems).toEqual([]);
  });
  return async (vp: ViewportName, opts: { lang?: 'zh' | 'en'; base?: string } = {}): Promise<TestPage> => {
    const { browser, base } = at();
    const tp = await openPage(browser, opts.base ?? base, vp, opts.lang ? { lang: opts.lang } : {});
    pages.push(tp);
    return tp;
  };
}

/** A screenshot without the toasts of earlier actions floating over the page. */
export async function snap(tp: TestPage, name: string, opts?: { fullPage?: boolean }): Promise<void> {
  for (const b of await tp.page.locator('.toast-close').all()) await b.click().catch(() => undefined);
  await tp.page.locator('.toast').first().waitFor({ state: 'detached' }).catch(() => undefined);
  await tp.shot(name, opts);
}

/** The seal feature with short timeouts, every hour working time (no out-of-hours anomaly whenever a test runs). */
export const allHoursSeal = () =>
  createSealFeature({
    config: {
      photoWaitSec: 3,
      grantAckTimeoutSec: 5,
      commandRetryMs: 100,
      tickMs: 200,
      workingHours: { timezone: 'Asia/Shanghai', days: '1-7', start: '00:00', end: '24:00', holidays: [], workdays: [] },
    },
  });

/**
 * The gateway's MQTT sleeve `id`, simulated: its camera takes `photos` in turn, and the keeper at
 * the seal stamps every grant as soon as it arrives.
 */
export async function stampingSleeve(gw: Gateway, id: string, secret: string, photos: Buffer[]): Promise<{ sleeve: SimSeal; stopStamping: () => void }> {
  const sleeve = await startSimSeal(gw.store.registry.device(id)!, { brokerUrl: `mqtt://127.0.0.1:${gw.brokerPort}`, secret });
  const camera = sleeve as unknown as { takePhoto: () => { sha256: string; bytes: Buffer }; photos: Map<string, Buffer> };
  let next = 0;
  camera.takePhoto = () => {
    const bytes = photos[next++ % photos.length]!;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    camera.photos.set(sha256, bytes);
    return { sha256, bytes };
  };
  sleeve.status();
  await sleeve.whenIdle(10_000);
  return { sleeve, stopStamping: autoStamp(sleeve, { delayMs: 300, intervalMs: 300 }) };
}

/** Real JPEG photos of a stamped document, drawn by the browser (the simulator's own photos are random bytes). */
export async function drawPhotos(browser: Browser, n: number): Promise<Buffer[]> {
  const page = await browser.newPage();
  try {
    const urls = (await page.evaluate(`(async (n) => {
      const out = [];
      for (let i = 1; i <= n; i++) {
        const c = document.createElement('canvas');
        c.width = 640; c.height = 480;
        const g = c.getContext('2d');
        g.fillStyle = '#7a5a3a'; g.fillRect(0, 0, 640, 480);
        g.save(); g.translate(320, 240); g.rotate(-0.03 * (i % 5));
        g.fillStyle = '#fbfaf6'; g.fillRect(-230, -220, 460, 440);
        g.fillStyle = '#222'; g.font = 'bold 26px sans-serif'; g.textAlign = 'center';
        g.fillText('村民居住证明', 0, -170);
        g.fillStyle = '#555';
        for (let l = 0; l < 8; l++) g.fillRect(-190, -130 + l * 26, l === 7 ? 220 : 380, 6);
        g.strokeStyle = 'rgba(200, 20, 30, 0.85)'; g.lineWidth = 7;
        g.beginPath(); g.arc(90, 120, 70, 0, Math.PI * 2); g.stroke();
        g.fillStyle = 'rgba(200, 20, 30, 0.85)';
        g.beginPath();
        for (let k = 0; k < 10; k++) { const r = k % 2 ? 12 : 28; const a = -Math.PI / 2 + k * Math.PI / 5; g.lineTo(90 + r * Math.cos(a), 120 + r * Math.sin(a)); }
        g.closePath(); g.fill();
        g.font = 'bold 15px sans-serif'; g.fillText('东风村村民委员会', 90, 170);
        g.restore();
        g.fillStyle = 'rgba(0,0,0,0.55)'; g.fillRect(0, 444, 640, 36);
        g.fillStyle = '#fff'; g.font = '16px monospace'; g.textAlign = 'left';
        g.fillText('seal-01  #' + i, 12, 468);
        out.push(c.toDataURL('image/jpeg', 0.82));
      }
      return out;
    })(${n})`)) as string[];
    return urls.map((u) => Buffer.from(u.slice(u.indexOf(',') + 1), 'base64'));
  } finally {
    await page.close();
  }
}

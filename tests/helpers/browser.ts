/**
 * Real headless Chromium (Debian's `chromium`, driven by playwright-core — never downloaded) for
 * the browser tests of the web pages. Every page opened here:
 *   - may only talk to the gateway under test: any other request (a CDN, a web font) is blocked
 *     and reported by `problems()`, which also collects console errors and uncaught exceptions;
 *   - has the viewport of a phone (390×844, touch) or a desktop (1280×800).
 * Screenshots go to test-artifacts/screenshots/<name>.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './cli.js';

export const CHROMIUM = process.env.SEALIFT_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'screenshots');

export const VIEWPORTS = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  desktop: { viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface TestPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, page errors and blocked off-gateway requests seen so far. */
  problems: () => string[];
  /** Save a screenshot of the whole page (or only what is on screen) as test-artifacts/screenshots/<name>.png. */
  shot: (name: string, opts?: { fullPage?: boolean }) => Promise<string>;
  close: () => Promise<void>;
}

/** A fresh browser context (own cookies and storage) on the gateway at `base`. */
export async function openPage(browser: Browser, base: string, viewport: ViewportName, opts: { lang?: 'zh' | 'en' } = {}): Promise<TestPage> {
  const context = await browser.newContext({
    ...VIEWPORTS[viewport],
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    baseURL: base,
  });
  const problems: string[] = [];
  const origin = new URL(base).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    problems.push(`request outside the gateway: ${url}`);
    return route.abort('blockedbyclient');
  });
  if (opts.lang) await context.addInitScript(`localStorage.setItem('sealift.lang', '${opts.lang}')`);
  const page = await context.newPage();
  page.on('console', (m) => {
    // Chromium logs every refused request (4xx: validation, login, permissions) as a failed
    // resource; the pages handle those. A 5xx or a script error is a problem.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    page,
    context,
    problems: () => [...problems],
    shot: async (name, opts = {}) => {
      const path = join(SCREENSHOTS, `${name}.png`);
      // let fonts and the last render settle
      await page.evaluate('document.fonts.ready');
      // The whole page, as on a screen tall enough for it: fixed bars (the phone's tab bar)
      // stay at the bottom instead of floating in the middle of a stitched full-page image.
      const size = page.viewportSize()!;
      const height = opts.fullPage === false ? 0 : ((await page.evaluate('document.documentElement.scrollHeight')) as number);
      if (height > size.height) await page.setViewportSize({ width: size.width, height });
      try {
        await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
      } finally {
        if (height > size.height) await page.setViewportSize(size);
      }
      return path;
    },
    close: () => context.close(),
  };
}

/** Log in through the login form (the user must exist) and wait for the shell. */
export async function loginAs(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel(/^(用户名|User name)$/).fill(username);
  await page.getByLabel(/^(密码|Password)$/).fill(password);
  await page.getByRole('button', { name: /^(登录|Log in)$/ }).click();
  await page.locator('.topbar').waitFor();
}

/**
 * The shared UI pieces the role pages are built from, in a real browser: time formatting in the
 * site's zone, the error and validation messages mapped from the API, the live-feed helper (SSE),
 * confirmation dialogs, toasts, forms with inline messages, and the table that becomes cards on a
 * phone. The reference page #/dev/ui shows them all and is saved as a screenshot.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { startInproc } from '../helpers/inproc.js';
import { launchBrowser, loginAs, type ViewportName } from '../helpers/browser.js';
import { pageOpener } from './helpers.js';
import type { Gateway } from '../../src/gateway/app.js';
import type { Feature } from '../../src/gateway/feature.js';
import { FEATURES } from '../../src/gateway/features.js';

/** A live feed for the test: `tick` events every 50 ms to a signed-in user. */
const liveFeature: Feature = {
  name: 'test-live',
  setup({ http, auth }) {
    if (!http || !auth) return;
    http.get('/api/test/live', { preHandler: auth.require() }, (req, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      let n = 0;
      const timer = setInterval(() => reply.raw.write(`event: tick\ndata: ${JSON.stringify({ n: ++n })}\n\n`), 50);
      req.raw.on('close', () => clearInterval(timer));
    });
  },
};

describe.each(['phone', 'desktop'] as ViewportName[])('shared UI pieces on a %s', (vp) => {
  let gw: Gateway;
  let base: string;
  let stop: () => Promise<void>;
  let browser: Browser;
  const openPage = pageOpener(() => ({ browser, base }));

  beforeAll(async () => {
    ({ gw, base, stop } = await startInproc({ features: [...FEATURES, liveFeature] }));
    await gw.store.registry.addUser({ name: 'admin', role: 'admin', displayName: '李管理' }, 'admin-pass-1');
    await gw.store.registry.addUser({ name: 'jiwei', role: 'inspector' }, 'inspector-pass-1');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stop?.();
  });

  it('formats times in Asia/Shanghai, relative times and durations, in Chinese and English', async () => {
    const tp = await openPage(vp);
    const { page } = tp;
    await page.goto('/');
    await page.getByLabel('用户名').waitFor();
    const r = await page.evaluate(`(async () => {
      const f = await import('/app/format.js');
      const i = await import('/app/i18n.js');
      const now = Date.UTC(2025, 10, 22, 1, 30, 5);
      const zh = [f.formatDateTime(now), f.formatDate(Date.UTC(2025, 11, 31, 17, 0)), f.formatTime(now),
        f.formatRelative(now - 3 * 60000, now), f.formatRelative(now - 5000, now), f.formatRelative(now - 2 * 3600000, now),
        f.formatRelative(now + 10 * 60000, now), f.formatDuration(150000), f.formatDuration(45000), f.formatDuration(3 * 86400000 + 7200000)];
      i.setLang('en');
      const en = [f.formatRelative(now - 3 * 60000, now), f.formatDuration(150000)];
      i.setLang('zh');
      return { zh, en };
    })()`);
    expect(r).toEqual({
      zh: ['2025-11-22 09:30:05', '2026-01-01', '09:30:05', '3 分钟前', '刚刚', '2 小时前', '10 分钟后', '2 分 30 秒', '45 秒', '3 天 2 小时'],
      en: ['3 min ago', '2 min 30 s'],
    });
  });

  it('maps API errors to words: validation errors per field, 403 with the role, lockout minutes, no network', async () => {
    const tp = await openPage(vp);
    const { page } = tp;
    await loginAs(page, 'jiwei', 'inspector-pass-1');
    const r = await page.evaluate(`(async () => {
      const api = await import('/app/api.js');
      const out = {};
      try { await api.request('/api/login', { method: 'POST', body: { username: '', password: '' }, allow401: true }); }
      catch (e) { out.fields = api.fieldErrors(e); out.validation = api.errorText(e); out.code = e.code; }
      try { await api.get('/api/admin/users'); } catch (e) { out.forbidden = api.errorText(e); out.status = e.status; }
      out.locked = api.errorText(new api.ApiError(429, 'locked_out', 'x', { retryAt: Date.now() + 14 * 60000 + 1000 }));
      out.network = api.errorText(new api.ApiError(0, 'network', 'Failed to fetch'));
      out.server = api.errorText(new api.ApiError(500, 'error', 'internal error'));
      out.other = api.errorText(new api.ApiError(409, 'grant_expired', 'the grant expired at 10:00'));
      out.missing = api.fieldErrors(new api.ApiError(400, 'invalid_request', "body must have required property 'count', body/title must NOT have more than 5 characters, body/kind must be equal to one of the allowed values"));
      return out;
    })()`);
    expect(r).toEqual({
      code: 'invalid_request',
      fields: { username: '至少 1 个字符', password: '至少 1 个字符' },
      validation: '提交的内容有误，请检查后再试',
      status: 403,
      forbidden: '无权访问：您的角色（纪检监察）不能查看或执行此操作。',
      locked: '登录失败次数过多，请 15 分钟后再试',
      network: '无法连接网关，请检查网络后重试',
      server: '网关出错了，请稍后再试（500）',
      other: '操作失败：the grant expired at 10:00',
      missing: { count: '此项必填', title: '最多 5 个字符', kind: '请选择一个有效的选项' },
    });
  });

  it('live feed: delivers events as JSON; when the session ends it returns to the login page', async () => {
    const tp = await openPage(vp);
    const { page } = tp;
    await loginAs(page, 'admin', 'admin-pass-1');
    const got = await page.evaluate(`(async () => {
      const sse = await import('/app/sse.js');
      const states = [];
      const events = await new Promise((resolve) => {
        const seen = [];
        const stop = sse.subscribe('/api/test/live', { tick: (d) => { seen.push(d); if (seen.length === 3) { stop(); resolve(seen); } } }, (s) => states.push(s));
      });
      return { events, states };
    })()`);
    expect(got).toEqual({ events: [{ n: 1 }, { n: 2 }, { n: 3 }], states: ['connecting', 'open'] });

    // a feed refused because the session ended: the helper checks the session → login page
    await page.evaluate(`import('/app/sse.js').then((sse) => { window.__stopLive = sse.subscribe('/api/test/live', {}); })`);
    await page.evaluate(`fetch('/api/logout', { method: 'POST' })`);
    await page.evaluate(`window.__stopLive()`);
    await page.evaluate(`import('/app/sse.js').then((sse) => { window.__stopLive = sse.subscribe('/api/test/live', {}); })`);
    await page.getByText('登录已过期，请重新登录。').waitFor();
    await page.evaluate(`window.__stopLive()`);
  });

  it('reference page: forms, dialogs, toasts, badges and the table', async () => {
    const tp = await openPage(vp);
    const { page, shot } = tp;
    await loginAs(page, 'admin', 'admin-pass-1');
    await page.goto('/#/dev/ui');
    await page.getByRole('heading', { level: 1, name: '界面组件' }).waitFor();
    await page.getByText('2025-11-22 09:30:05').waitFor();
    await page.getByText('3 分钟前').first().waitFor();
    await page.getByText('2 分 30 秒').waitFor();
    await shot(`ui-gallery-${vp}`);

    // a form checks its fields before sending, and says what is wrong next to each one
    await page.getByRole('button', { name: '保存' }).click();
    const fieldMsg = (id: string) => page.locator(`#${id}-msg`);
    expect(await fieldMsg('title').innerText()).toBe('此项必填');
    expect(await fieldMsg('kind').innerText()).toBe('此项必填');
    expect(await fieldMsg('count').innerText()).toBe('不能小于 1');
    expect(await page.getByLabel('文件标题').getAttribute('aria-invalid')).toBe('true');
    await shot(`ui-form-errors-${vp}`);
    await page.getByLabel('文件标题').fill('关于修缮村道的请示');
    await page.getByLabel('用印次数').fill('2');
    await page.getByLabel('事项类型').selectOption('a');
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByRole('status').filter({ hasText: '已保存' }).waitFor();
    expect(await page.locator('.field-error').count()).toBe(0);

    // confirmation: cancel, then confirm (Escape cancels too)
    await page.getByRole('button', { name: '危险操作' }).click();
    const dialog = page.getByRole('dialog', { name: '确定要继续吗？' });
    await dialog.waitFor();
    await shot(`ui-dialog-${vp}`, { fullPage: false });
    await dialog.getByRole('button', { name: '取消' }).click();
    await page.getByRole('status').filter({ hasText: '已取消' }).waitFor();
    await page.getByRole('button', { name: '危险操作' }).click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 5000 });
    expect(await dialog.count()).toBe(0);
    await page.getByRole('button', { name: '危险操作' }).click();
    await dialog.getByRole('button', { name: '确认' }).click();
    await page.getByRole('status').filter({ hasText: '已确认' }).waitFor();

    // a dialog asking for a reason will not close empty
    await page.getByRole('button', { name: '填写理由' }).click();
    const ask = page.getByRole('dialog', { name: '驳回申请' });
    await ask.getByRole('button', { name: '确认' }).click();
    await ask.getByText('此项必填').waitFor();
    await ask.getByLabel('理由').fill('材料不全');
    await ask.getByRole('button', { name: '确认' }).click();
    await page.getByRole('status').filter({ hasText: '理由: 材料不全' }).waitFor();

    // an error toast is an alert
    await page.getByRole('button', { name: '错误提示' }).click();
    await page.getByRole('alert').filter({ hasText: '操作失败，请重试' }).waitFor();

    // the table: a header row on a desktop, one card per row on a phone
    const table = page.getByRole('table', { name: '表格' });
    await table.locator('tr', { hasText: 'A-03' }).getByText('告警').waitFor();
    const header = await table.locator('thead').boundingBox();
    if (vp === 'phone') expect(header!.width).toBeLessThanOrEqual(1);
    else expect(header!.width).toBeGreaterThan(500);
    const cell = await table.locator('tr', { hasText: 'A-01' }).locator('td').nth(1).boundingBox();
    const firstCell = await table.locator('tr', { hasText: 'A-01' }).locator('td').first().boundingBox();
    // on a phone the cells stack (same x, next line); on a desktop they sit side by side
    if (vp === 'phone') expect(cell!.y).toBeGreaterThan(firstCell!.y);
    else expect(cell!.x).toBeGreaterThan(firstCell!.x);
  });

  it('every button, link and field of the shell is a large touch target (40 px or more)', async () => {
    const tp = await openPage(vp);
    const { page } = tp;
    await loginAs(page, 'admin', 'admin-pass-1');
    await page.getByRole('heading', { level: 1, name: '设备' }).waitFor();
    const small = await page.evaluate(`[...document.querySelectorAll('button, a, input, select')]
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0 && (r.height < 40 || r.width < 40))
      .map(({ el, r }) => el.outerHTML.slice(0, 80) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))`);
    expect(small).toEqual([]);
  });
});

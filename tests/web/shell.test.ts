/**
 * The pages in a real browser (headless Chromium), on a phone (390×844) and a desktop (1280×800):
 * logging in and the errors a person can meet there, the admin pages, the language switch, role
 * navigation and refusal, logout and an expired session. Every page is saved as a screenshot in
 * test-artifacts/screenshots/<page>-<phone|desktop>.png. Any console error, uncaught exception or
 * request leaving the gateway fails the test.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startInproc } from '../helpers/inproc.js';
import { launchBrowser, loginAs, type ViewportName } from '../helpers/browser.js';
import { heading, pageOpener } from './helpers.js';
import type { Gateway } from '../../src/gateway/app.js';
import type { Role } from '../../src/registry/schema.js';

const USERS: { name: string; role: Role; displayName: string; password: string }[] = [
  { name: 'admin', role: 'admin', displayName: '李管理', password: 'admin-pass-1' },
  { name: 'wenshu', role: 'keeper', displayName: '王文书', password: 'keeper-pass-1' },
  { name: 'shuji', role: 'approver', displayName: '张书记', password: 'approver-pass-1' },
  { name: 'jiwei', role: 'inspector', displayName: '赵纪委', password: 'inspector-pass-1' },
  { name: 'weibao', role: 'maintainer', displayName: '刘师傅', password: 'maintainer-pass-1' },
];
const user = (role: Role) => USERS.find((u) => u.role === role)!;

/** Each role's navigation, in order: [hash path, Chinese label, screenshot name]. */
const NAV: Record<Role, [string, string, string][]> = {
  keeper: [['/keeper/requests', '用印申请', 'keeper-requests']],
  approver: [
    ['/approver/pending', '待审批', 'approver-pending'],
    ['/approver/seals', '印章状态', 'approver-seals'],
    // approvers read the stamp logs too (DESIGN §7)
    ['/inspector/logs', '用印记录', 'approver-logs'],
    ['/inspector/anomalies', '异常', 'approver-anomalies'],
    ['/inspector/verify', '导出与校验', 'approver-verify'],
  ],
  inspector: [
    ['/inspector/logs', '用印记录', 'inspector-logs'],
    ['/inspector/anomalies', '异常', 'inspector-anomalies'],
    ['/inspector/verify', '导出与校验', 'inspector-verify'],
  ],
  maintainer: [
    ['/maintainer/board', '电梯看板', 'maintainer-board'],
    ['/maintainer/faults', '故障', 'maintainer-faults'],
    ['/maintainer/stats', '统计', 'maintainer-stats'],
    ['/maintainer/schedule', '维保计划', 'maintainer-schedule'],
  ],
  admin: [
    ['/admin/devices', '设备', 'admin-devices'],
    ['/admin/users', '用户', 'admin-users'],
    ['/admin/config', '配置', 'admin-config'],
  ],
};
const ROLE_ZH: Record<Role, string> = { keeper: '文书', approver: '书记(审批)', inspector: '纪检监察', maintainer: '维保', admin: '管理员' };

/** The navigation: the side bar on a desktop, the tab bar on a phone (same element). */
const nav = (page: Page) => page.getByRole('navigation');

describe.each(['phone', 'desktop'] as ViewportName[])('web pages on a %s', (vp) => {
  let gw: Gateway;
  let base: string;
  let stop: () => Promise<void>;
  let browser: Browser;
  const openPage = pageOpener(() => ({ browser, base }));
  const open = (opts: { lang?: 'zh' | 'en' } = {}) => openPage(vp, opts);

  beforeAll(async () => {
    // one gateway per viewport: the lockout journey counts failed logins per address
    ({ gw, base, stop } = await startInproc({ env: { SEALIFT_GATEWAY_NAME: '东风村村委会', SEALIFT_API_LOCKOUT_FAILURES: '3' } }));
    const reg = gw.store.registry;
    for (const u of USERS) await reg.addUser({ name: u.name, role: u.role, displayName: u.displayName }, u.password);
    await reg.addUser({ name: 'careless', role: 'keeper' }, 'careless-pass-1');
    await reg.addDevice({ id: 'seal-01', profile: 'seal-ssp1-serial', name: '村委会公章', port: '/dev/ttyUSB0', baud: 115200 });
    await reg.addDevice({ id: 'seal-02', profile: 'seal-mqtt', name: '党支部印章' });
    await reg.addDevice({ id: 'lift-01', profile: 'lift-modbus', name: '1号楼1单元', port: '/dev/ttyUSB1', slave: 1, floors: { lo: -1, hi: 18 } });
    await reg.addDevice({ id: 'lift-02', profile: 'lift-modbus', name: '1号楼2单元', port: '/dev/ttyUSB1', slave: 2, floors: { lo: -1, hi: 18 }, ratedSpeed: 1750 });
    await reg.addDevice({ id: 'lift-kit-03', profile: 'lift-kit-mqtt', name: '3号楼电梯' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stop?.();
  });

  it('login page: asks for what is missing, says when the password is wrong', async () => {
    const { page, shot } = await open();
    await page.goto('/');
    await expect.poll(() => page.title()).toBe('东风村村委会');
    await heading(page, '东风村村委会').waitFor();
    await page.getByRole('heading', { name: '登录' }).waitFor();
    await shot(`login-${vp}`);

    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('请输入用户名').waitFor();
    await page.getByText('请输入密码').waitFor();
    expect(await page.getByLabel('用户名').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('用户名').fill('admin');
    await page.getByLabel('密码').fill('wrong-password');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor();
    await expect.poll(() => page.getByText('请输入用户名').count()).toBe(0);
    await shot(`login-error-${vp}`);

    // the password can be shown to check what was typed
    await page.getByRole('button', { name: '显示' }).click();
    expect(await page.getByLabel('密码').getAttribute('type')).toBe('text');
  });

  it('login page: after repeated failures says how many minutes to wait', async () => {
    const { page, shot } = await open();
    await page.goto('/');
    await page.getByLabel('用户名').fill('careless');
    for (let i = 0; i < 4; i++) {
      await page.getByLabel('密码').fill(`guess-${i}`);
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByRole('alert').filter({ hasText: /用户名或密码错误|登录失败次数过多/ }).waitFor();
    }
    // the lockout holds even for the right password
    await page.getByLabel('密码').fill('careless-pass-1');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('alert').filter({ hasText: '登录失败次数过多，请 15 分钟后再试' }).waitFor();
    await shot(`login-locked-${vp}`);
  });

  it('admin: sees the devices, the users and the config; switches to English and back; logs out', async () => {
    const { page, shot } = await open();
    const a = user('admin');
    await loginAs(page, a.name, a.password);
    await page.waitForURL(/#\/admin\/devices$/);

    // header: site, the person and their role in Chinese
    const header = page.locator('.topbar');
    await header.getByText('东风村村委会').waitFor();
    await header.getByText('李管理').waitFor();
    await header.getByText('管理员').waitFor();
    expect(await nav(page).getByRole('link').allInnerTexts()).toEqual(['设备', '用户', '配置']);

    // 设备
    await heading(page, '设备').waitFor();
    const devices = page.getByRole('table', { name: '设备' });
    await devices.getByText('lift-kit-03').waitFor();
    expect(await devices.locator('tbody tr').count()).toBe(5);
    const lift2 = devices.locator('tr', { hasText: 'lift-02' });
    await lift2.getByText('电梯控制器(Modbus)').waitFor();
    await lift2.getByText('/dev/ttyUSB1').waitFor();
    await lift2.getByText('从站 2').waitFor();
    await devices.locator('tr', { hasText: 'seal-01' }).getByText('串口智能印章').waitFor();
    await devices.locator('tr', { hasText: 'seal-02' }).getByText('4G智能印章').waitFor();
    await devices.locator('tr', { hasText: 'seal-02' }).getByText('MQTT（网络）').waitFor();
    await devices.locator('tr', { hasText: 'lift-kit-03' }).getByText('电梯传感器套件').waitFor();
    await page.locator('.stat', { hasText: '智能印章' }).getByText('2', { exact: true }).waitFor();
    await page.locator('.stat', { hasText: '电梯设备' }).getByText('3', { exact: true }).waitFor();
    await shot(`admin-devices-${vp}`);

    // 用户
    await nav(page).getByRole('link', { name: '用户' }).click();
    await page.waitForURL(/#\/admin\/users$/);
    await heading(page, '用户').waitFor();
    const users = page.getByRole('table', { name: '用户' });
    for (const u of USERS) await users.locator('tr', { hasText: u.displayName }).getByText(ROLE_ZH[u.role], { exact: true }).waitFor();
    await users.locator('tr', { hasText: 'careless' }).getByText('文书').waitFor();
    await shot(`admin-users-${vp}`);

    // 配置
    await nav(page).getByRole('link', { name: '配置' }).click();
    await heading(page, '配置').waitFor();
    await page.getByText('站点').first().waitFor();
    await page.getByText('testgw').waitFor();
    await page.getByText('登录与会话').waitFor();
    await shot(`admin-config-${vp}`);

    // English, remembered across a reload; then back to Chinese
    await page.getByRole('button', { name: /Switch language/ }).click();
    await heading(page, 'Configuration').waitFor();
    expect(await nav(page).getByRole('link').allInnerTexts()).toEqual(['Devices', 'Users', 'Configuration']);
    await header.getByText('Administrator').waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    await page.reload();
    await heading(page, 'Configuration').waitFor();
    await shot(`admin-config-en-${vp}`);
    await nav(page).getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('table', { name: 'Devices' }).getByText('Lift controller (Modbus)').first().waitFor();
    await shot(`admin-devices-en-${vp}`);
    await page.getByRole('button', { name: /Switch language/ }).click();
    await heading(page, '设备').waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');

    // log out: back to the login page, and the session is gone on the gateway
    await page.getByRole('button', { name: /账号菜单/ }).click();
    await shot(`menu-${vp}`, { fullPage: false });
    await page.getByRole('menuitem', { name: '退出登录' }).click();
    await page.getByText('您已退出登录。').waitFor();
    await page.getByRole('heading', { name: '登录' }).waitFor();
    expect(await page.evaluate("fetch('/api/me').then((r) => r.status)")).toBe(401);
    await shot(`logged-out-${vp}`);
  });

  it('inspector: sees only their own pages; an admin page opened by its address is refused', async () => {
    const { page, shot } = await open();
    const i = user('inspector');
    await loginAs(page, i.name, i.password);
    await page.waitForURL(/#\/inspector\/logs$/);
    await page.locator('.topbar').getByText('纪检监察').waitFor();
    expect(await nav(page).getByRole('link').allInnerTexts()).toEqual(['用印记录', '异常', '导出与校验']);
    for (const text of ['设备', '用户', '配置', '待审批', '电梯看板']) expect(await nav(page).getByText(text, { exact: true }).count()).toBe(0);

    await page.goto('/#/admin/devices');
    await page.getByRole('alert').filter({ hasText: '无权访问' }).waitFor();
    await page.getByText('您的角色（纪检监察）不能查看或执行此操作。').waitFor();
    expect(await page.getByRole('table').count()).toBe(0);
    // and the gateway refuses the data too
    expect(await page.evaluate("fetch('/api/admin/devices').then((r) => r.status)")).toBe(403);
    await shot(`inspector-forbidden-${vp}`);

    await page.goto('/#/no/such/page');
    await page.getByText('页面不存在').waitFor();
    await page.getByRole('button', { name: '返回首页' }).click();
    await page.waitForURL(/#\/inspector\/logs$/);
  });

  it('a session that ends on the gateway returns to the login page with "登录已过期", then back to the same page', async () => {
    const { page, shot } = await open();
    const a = user('admin');
    await loginAs(page, a.name, a.password);
    await heading(page, '设备').waitFor();
    // the session ends on the gateway (as after the idle timeout); the next request gets 401
    const token = (await page.context().cookies()).find((c) => c.name === 'sealift_session')!.value;
    const r = await fetch(`${base}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    // Go on to another page: its request meets the ended session. (Not a click on the navigation:
    // the page may find out first — a background refresh — and the navigation is gone by then.)
    await page.evaluate("location.hash = '#/admin/users'");
    await page.getByText('登录已过期，请重新登录。').waitFor();
    await shot(`login-expired-${vp}`);
    await page.getByLabel('用户名').fill(a.name);
    await page.getByLabel('密码').fill(a.password);
    await page.getByRole('button', { name: '登录' }).click();
    await heading(page, '用户').waitFor();
    expect(page.url()).toMatch(/#\/admin\/users$/);
  });

  for (const role of ['keeper', 'approver', 'inspector', 'maintainer'] as Role[]) {
    it(`${role}: every page of the role opens from the navigation`, async () => {
      const { page, shot } = await open();
      const u = user(role);
      await loginAs(page, u.name, u.password);
      await page.locator('.topbar').getByText(u.displayName).waitFor();
      await page.locator('.topbar').getByText(ROLE_ZH[role], { exact: true }).waitFor();
      const entries = NAV[role];
      if (entries.length > 1) expect(await nav(page).getByRole('link').allInnerTexts()).toEqual(entries.map((e) => e[1]));
      else expect(await nav(page).count()).toBe(0); // one page: no navigation needed
      for (const [path, label, name] of entries) {
        if (entries.length > 1) await nav(page).getByRole('link', { name: label }).click();
        await page.waitForURL(new RegExp(`#${path}$`));
        await heading(page, label).waitFor();
        // every page is built: none is a placeholder any more
        expect(await page.getByText('即将上线').count()).toBe(0);
        await expect.poll(() => page.title(), { timeout: 5000 }).toBe(`${label} · 东风村村委会`);
        await shot(`${name}-${vp}`);
      }
    });
  }
});

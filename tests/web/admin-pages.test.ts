/**
 * The admin pages in a real browser (headless Chromium), on a phone (390×844) and a desktop
 * (1280×800), against an in-process gateway with every feature and a live site: a serial seal
 * sleeve on a socat pty (the simulator's), two Modbus lift controllers on a pty RS-485 bus (the
 * simulator's slaves), and a sensor kit that never connects.
 *
 *   - 设备: the live state and counters of each device; 添加设备 with the mistakes a person makes
 *     first (no type chosen, an id already taken), fields that follow the type; an MQTT seal added
 *     from the page, its password read from the dialog (and copied), the simulated sleeve logs in
 *     with it and the page shows it online; the device's details;
 *   - 用户: 添加用户 (the person then logs in and lands on their role's page), 改角色 (their
 *     session ends, they come back with the new role), 重置密码, 停用 (they cannot log in, and are
 *     told so), and the admin's own row offers no 停用.
 *
 * Every step is saved as test-artifacts/screenshots/admin-<what>-<phone|desktop>.png. Any console
 * error, uncaught exception or request leaving the gateway fails the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Gateway } from '../../src/gateway/app.js';
import { startSimSeal, type SimSeal } from '../../sim/seal/devices.js';
import { createPtyPair, type PtyPair } from '../../sim/pty.js';
import { SimModbusBus } from '../../sim/lift/modbus-slaves.js';
import { LiftModel } from '../../sim/lift/model.js';
import { startInproc } from '../helpers/inproc.js';
import { launchBrowser, loginAs, type TestPage, type ViewportName } from '../helpers/browser.js';
import { dialog, heading, pageOpener } from './helpers.js';

const ADMIN = { name: 'admin', password: 'admin-pass-1', displayName: '李管理' };

let gw: Gateway;
let base: string;
let stop: () => Promise<void>;
let browser: Browser;
let dir: string;
let bus: PtyPair;
let busSim: SimModbusBus;
const sleeves: SimSeal[] = [];

const nav = (page: Page) => page.getByRole('navigation');

/** A screenshot without the toasts of earlier actions floating over the page. */
async function snap(tp: TestPage, name: string, opts?: { fullPage?: boolean }): Promise<void> {
  // all at once, from the page itself (a dialog's backdrop may cover them)
  await tp.page.evaluate("document.querySelectorAll('.toast-close').forEach((b) => b.click())");
  await tp.page.locator('.toast').first().waitFor({ state: 'detached', timeout: 2000 }).catch(() => undefined);
  await tp.shot(name, opts);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sealift-web-admin-'));
  ({ gw, base, stop } = await startInproc({
    env: { SEALIFT_GATEWAY_NAME: '东风村村委会', SEALIFT_LIFT_MODBUS_CYCLE_MS: '500' },
  }));
  const reg = gw.store.registry;
  await reg.addUser({ name: ADMIN.name, role: 'admin', displayName: ADMIN.displayName }, ADMIN.password);
  await reg.addUser({ name: 'wenshu', role: 'keeper', displayName: '王文书' }, 'keeper-pass-1');
  await reg.addUser({ name: 'shuji', role: 'approver', displayName: '张书记' }, 'approver-pass-1');

  // a live site: a serial sleeve, two lift controllers on one bus, a kit that never connects
  const { secret } = await reg.addDevice({ id: 'seal-01', profile: 'seal-ssp1-serial', name: '村委会公章', port: join(dir, 'seal-01.tty'), baud: 115200 });
  bus = await createPtyPair({ gatewayPath: join(dir, 'bus1'), devicePath: join(dir, 'bus1.sim') });
  const clock = () => Date.now();
  busSim = new SimModbusBus({
    path: bus.devicePath,
    baud: 9600,
    slaves: [1, 2].map((id) => ({ id, registers: new LiftModel({ lowest: -1, highest: 18, auto: true, seed: id, startMs: clock() }).provider(clock) })),
  });
  await busSim.start();
  await reg.addDevice({ id: 'lift-01', profile: 'lift-modbus', name: '1号楼1单元电梯', port: bus.gatewayPath, slave: 1, baud: 9600, floors: { lo: -1, hi: 18 }, ratedSpeed: 1750 });
  await reg.addDevice({ id: 'lift-02', profile: 'lift-modbus', name: '1号楼2单元电梯', port: bus.gatewayPath, slave: 2, baud: 9600, floors: { lo: -1, hi: 18 }, ratedSpeed: 1750 });
  await reg.addDevice({ id: 'kit-03', profile: 'lift-kit-mqtt', name: '3号楼电梯', floors: { lo: 1, hi: 11 } });
  sleeves.push(await startSimSeal(reg.device('seal-01')!, { brokerUrl: `mqtt://127.0.0.1:${gw.brokerPort}`, secret }));
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const s of sleeves) await s.stop().catch(() => undefined);
  await busSim?.stop();
  await bus?.close();
  await browser?.close();
  await stop?.();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(['phone', 'desktop'] as ViewportName[])('admin pages on a %s', (vp) => {
  const openPage = pageOpener(() => ({ browser, base }));
  const open = () => openPage(vp);
  const tag = vp === 'phone' ? 'p' : 'd';

  it('设备: live state and counters; adds an MQTT seal whose sleeve logs in with the password shown once', { timeout: 120_000 }, async () => {
    const tp = await open();
    const { page } = tp;
    await tp.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await loginAs(page, ADMIN.name, ADMIN.password);
    await page.waitForURL(/#\/admin\/devices$/);
    await heading(page, '设备').waitFor();
    const table = page.getByRole('table', { name: '设备' });

    // what runs now: the serial sleeve and both controllers online with their counters, the kit not
    const row = (id: string) => table.locator('tr', { hasText: id });
    await row('seal-01').getByText('在线', { exact: true }).waitFor({ timeout: 15_000 });
    await row('seal-01').getByText('串口已打开').waitFor();
    await row('lift-01').getByText('在线', { exact: true }).waitFor({ timeout: 15_000 });
    await row('lift-02').getByText('在线', { exact: true }).waitFor({ timeout: 15_000 });
    await row('lift-02').getByText('从站 2').waitFor();
    await row('kit-03').getByText('离线', { exact: true }).waitFor();
    // never connected: "尚未连接过" until the lift rules declare it offline ("… 离线")
    await row('kit-03').locator('.presence-since').filter({ hasText: /尚未连接过|离线$/ }).waitFor();
    await expect.poll(async () => Number((await row('lift-01').locator('.counter', { hasText: '应答' }).first().locator('strong').innerText()).replace(/,/g, ''))).toBeGreaterThan(0);
    await page.locator('.stat', { hasText: '离线' }).getByText('1', { exact: true }).waitFor();
    await snap(tp, `admin-devices-live-${vp}`);

    // 添加设备: nothing chosen, then a Modbus lift (its fields), an id already taken
    await page.getByRole('button', { name: '添加设备', exact: true }).click();
    const dlg = dialog(page);
    await dlg.getByRole('heading', { name: '添加设备' }).waitFor();
    await dlg.getByRole('button', { name: '添加', exact: true }).click();
    await dlg.locator('.field-error', { hasText: '请选择设备类型' }).waitFor();
    await dlg.getByText('此项必填').waitFor();
    await dlg.getByLabel('设备类型').selectOption('lift-modbus');
    await dlg.getByLabel('串口').waitFor();
    await dlg.getByLabel('从站地址').waitFor();
    await dlg.getByLabel('最低层（可不填）').waitFor();
    expect(await dlg.getByLabel('波特率').inputValue()).toBe('9600');
    await dlg.getByLabel('设备编号').fill('lift-01');
    await dlg.getByRole('button', { name: /bus1/ }).click(); // the known bus: port and baud filled in, next free slave
    expect(await dlg.getByLabel('串口').inputValue()).toBe(bus.gatewayPath);
    expect(await dlg.getByLabel('从站地址').inputValue()).toBe('3');
    await dlg.getByLabel('最低层（可不填）').fill('5');
    await dlg.getByLabel('最高层（可不填）').fill('2');
    await dlg.getByRole('button', { name: '添加', exact: true }).click();
    await dlg.getByText('已有编号为 lift-01 的设备').waitFor();
    await dlg.getByText('最低层不能高于最高层').waitFor();
    await snap(tp, `admin-add-device-lift-${vp}`);

    // a 4G seal: no serial fields; added, its login shown once
    await dlg.getByLabel('设备类型').selectOption('seal-mqtt');
    expect(await dlg.getByLabel('串口').count()).toBe(0);
    expect(await dlg.getByLabel('从站地址').count()).toBe(0);
    const id = `seal-4g-${tag}`;
    await dlg.getByLabel('设备编号').fill(id);
    await dlg.getByLabel('名称（可不填）').fill(`党支部印章${tag}`);
    await dlg.getByRole('button', { name: '添加', exact: true }).click();
    await dlg.getByRole('heading', { name: `已添加：党支部印章${tag}` }).waitFor();
    await dlg.getByText('密码只显示这一次').waitFor();
    const password = (await dlg.locator('[data-field="password"]').innerText()).trim();
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(await dlg.locator('[data-field="clientId"]').innerText()).toBe(id);
    expect(await dlg.locator('[data-field="username"]').innerText()).toBe(id);
    await dlg.getByRole('button', { name: '复制密码' }).click();
    await page.getByText('密码已复制').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(password);
    await snap(tp, `admin-device-login-${vp}`);
    // closing by the cross asks first; "back" keeps the login on screen
    await dlg.getByRole('button', { name: '关闭', exact: true }).click();
    await page.getByRole('dialog', { name: '确定关闭吗？' }).getByRole('button', { name: '返回查看' }).click();
    await dlg.locator('[data-field="password"]').waitFor();
    await dlg.getByRole('button', { name: '我已记下，关闭' }).click();
    await dlg.waitFor({ state: 'detached' });
    await row(id).getByText('尚未连接过').waitFor();
    expect(await page.content()).not.toContain(password);

    // the sleeve logs in with that password: the page shows it online, connected, with its messages
    const device = gw.store.registry.device(id)!;
    sleeves.push(await startSimSeal(device, { brokerUrl: `mqtt://127.0.0.1:${gw.brokerPort}`, secret: password }));
    await row(id).getByText('在线', { exact: true }).waitFor({ timeout: 10_000 });
    await row(id).getByText('已连接').waitFor();
    await row(id).getByText(/上线$/).waitFor();

    // its details
    await row(id).click();
    const detail = dialog(page);
    await detail.getByRole('heading', { name: `党支部印章${tag}（${id}）` }).waitFor();
    await detail.getByText('网络连接（MQTT）').waitFor();
    await detail.locator('.kv-row', { hasText: '收到消息' }).waitFor();
    await snap(tp, `admin-device-detail-${vp}`);
    await detail.locator('.kv-row', { hasText: '最近记录' }).getByText(/设备上线报到|状态上报|校时/).waitFor();
    await detail.locator('.kv-row', { hasText: '添加' }).getByText(/由 admin 添加/).waitFor();
    await detail.getByRole('button', { name: '关闭', exact: true }).click();
    await detail.waitFor({ state: 'detached' });

    // a Modbus controller's details: the bus counters
    await row('lift-01').click();
    await dialog(page).getByText('RS-485 总线（Modbus）').waitFor();
    await dialog(page).locator('.kv-row', { hasText: '成功读取' }).waitFor();
    await snap(tp, `admin-device-detail-lift-${vp}`);
    await page.keyboard.press('Escape');
    await dialog(page).waitFor({ state: 'detached' });
    await snap(tp, `admin-devices-added-${vp}`);
  });

  it('用户: adds a user who logs in on their page; changes the role, resets the password, disables the account', { timeout: 120_000 }, async () => {
    const tp = await open();
    const { page } = tp;
    await loginAs(page, ADMIN.name, ADMIN.password);
    await nav(page).getByRole('link', { name: '用户' }).click();
    await heading(page, '用户').waitFor();
    const table = page.getByRole('table', { name: '用户' });
    const mine = table.locator('tr', { hasText: ADMIN.displayName });
    await mine.getByText('当前账号').waitFor();
    expect(await mine.getByRole('button', { name: '停用' }).count()).toBe(0);

    // 添加用户: the mistakes first
    const name = `wanger-${tag}`;
    const display = `王二${tag}`;
    await page.getByRole('button', { name: '添加用户', exact: true }).click();
    const dlg = dialog(page);
    await dlg.getByRole('button', { name: '添加', exact: true }).click();
    await dlg.getByText('请选择角色').waitFor();
    await dlg.getByLabel('用户名').fill('wenshu');
    await dlg.getByLabel('姓名').fill(display);
    await dlg.getByRole('radio', { name: /^文书/ }).check();
    await dlg.getByLabel('密码', { exact: true }).fill('short');
    await dlg.getByLabel('再次输入密码').fill('other');
    await dlg.getByRole('button', { name: '添加', exact: true }).click();
    await dlg.getByText('这个用户名已被使用').waitFor();
    await dlg.getByText('密码至少 8 个字符').first().waitFor();
    await dlg.getByLabel('用户名').fill(name);
    await dlg.getByLabel('密码', { exact: true }).fill('wanger-pass-1');
    await dlg.getByLabel('再次输入密码').fill('wanger-pass-2');
    await dlg.getByRole('button', { name: '添加', exact: true }).click();
    await dlg.getByText('两次输入的密码不一样').waitFor();
    await dlg.getByLabel('再次输入密码').fill('wanger-pass-1');
    await snap(tp, `admin-add-user-${vp}`);
    await dlg.getByRole('button', { name: '添加', exact: true }).click();
    await dlg.waitFor({ state: 'detached' });
    await page.getByText(`已添加 ${display}（文书）`).waitFor();
    const row = table.locator('tr', { hasText: name });
    await row.getByText('文书', { exact: true }).waitFor();
    await row.getByText('正常', { exact: true }).waitFor();

    // the new person logs in and lands on the keeper's page
    const other = await open();
    await loginAs(other.page, name, 'wanger-pass-1');
    await other.page.waitForURL(/#\/keeper\/requests$/);
    await other.page.locator('.topbar').getByText(display).waitFor();

    // 改角色 → 维保: their session ends; logged in again they land on the lift board
    await row.getByRole('button', { name: '改角色' }).click();
    await dlg.getByRole('heading', { name: `修改 ${display} 的角色` }).waitFor();
    await dlg.getByRole('radio', { name: /^维保/ }).check();
    await snap(tp, `admin-role-${vp}`);
    await dlg.getByRole('button', { name: '确认修改' }).click();
    await dlg.waitFor({ state: 'detached' });
    await row.getByText('维保', { exact: true }).waitFor();
    await other.page.reload();
    await other.page.getByRole('heading', { name: '登录' }).waitFor();
    await other.page.getByLabel('用户名').fill(name);
    await other.page.getByLabel('密码').fill('wanger-pass-1');
    await other.page.getByRole('button', { name: '登录' }).click();
    await other.page.waitForURL(/#\/maintainer\/board$/);

    // 重置密码: the old one no longer works, the new one does
    await row.getByRole('button', { name: '重置密码' }).click();
    await dlg.getByLabel('新密码').fill('wanger-new-pass');
    await dlg.getByLabel('再次输入密码').fill('wanger-new-pass');
    await dlg.getByRole('button', { name: '重置密码' }).click();
    await dlg.waitFor({ state: 'detached' });
    await page.getByText(`${display} 的密码已重置`).waitFor();
    expect(await other.page.evaluate(`fetch('/api/me').then((r) => r.status)`)).toBe(401);
    const relog = await open();
    await relog.page.goto('/');
    await relog.page.getByLabel('用户名').fill(name);
    await relog.page.getByLabel('密码').fill('wanger-pass-1');
    await relog.page.getByRole('button', { name: '登录' }).click();
    await relog.page.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor();
    await relog.page.getByLabel('密码').fill('wanger-new-pass');
    await relog.page.getByRole('button', { name: '登录' }).click();
    await relog.page.waitForURL(/#\/maintainer\/board$/);

    // 停用: confirmed with an optional reason; logged out at once, and cannot log in again
    await row.getByRole('button', { name: '停用' }).click();
    const confirm = page.getByRole('dialog', { name: `停用 ${display} 的账号？` });
    await confirm.getByLabel('停用原因（可不填）').fill('调离本村');
    await snap(tp, `admin-disable-confirm-${vp}`);
    await confirm.getByRole('button', { name: '停用' }).click();
    await row.getByText('已停用', { exact: true }).waitFor();
    await row.getByRole('button', { name: '启用' }).waitFor();
    expect(await relog.page.evaluate(`fetch('/api/me').then((r) => r.status)`)).toBe(401);
    await snap(tp, `admin-users-manage-${vp}`);

    const denied = await open();
    await denied.page.goto('/');
    await denied.page.getByLabel('用户名').fill(name);
    await denied.page.getByLabel('密码').fill('wanger-new-pass');
    await denied.page.getByRole('button', { name: '登录' }).click();
    await denied.page.getByRole('alert').filter({ hasText: '此账号已停用，不能登录' }).waitFor();
    await denied.shot(`admin-login-disabled-${vp}`);
    expect(denied.page.url()).not.toMatch(/#\/maintainer/);
  });
});

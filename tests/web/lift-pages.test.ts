/**
 * The maintainer pages in a real browser (headless Chromium), on a phone (390×844) and a desktop
 * (1280×800), against an in-process gateway whose lifts are the simulator's: three Modbus
 * controllers on one simulated RS-485 bus (one of them never answers: offline) and an MQTT sensor
 * kit. The site has a month of history (faults worked through, maintenance visits), written into
 * the journal with their times before the gateway starts.
 *
 *   - a maintainer (维保) logs in, sees the board live; an entrapment is injected on a simulated
 *     lift (a Modbus controller on the phone, the kit on the desktop); the board shows it first,
 *     red; it escalates; from the fault page the maintainer acknowledges, dispatches (the
 *     assignee is required), marks arrived and resolved, cannot close while the passenger is
 *     still inside, closes once it has cleared — and the journal has each step, by whom;
 *   - one lift's page; the statistics (charts, repeat faults, worst lifts); the maintenance plan:
 *     overdue and due visits, a visit started (maintenance mode) and closed with its items.
 *
 * Every page is saved as test-artifacts/screenshots/lift-<page>-<phone|desktop>.png. Any console
 * error, uncaught exception or request leaving the gateway fails the test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { Gateway } from '../../src/gateway/app.js';
import { webFeature } from '../../src/api/web.js';
import { adminFeature } from '../../src/api/admin.js';
import { createLiftFeature, type LiftFeature } from '../../src/lift/feature.js';
import { liftProjection } from '../../src/lift/projection.js';
import { localMidnight } from '../../src/lift/stats.js';
import { DB_FILE, Journal } from '../../src/store/journal.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import { checkpointOrigin } from '../../src/store/checkpoint.js';
import { Registry, registryProjection } from '../../src/registry/registry.js';
import type { JournalRecord } from '../../src/store/types.js';
import { injectScenario, LiftSite } from '../../sim/lift/scenarios.js';
import { tmp } from '../helpers/cli.js';
import { launchBrowser, loginAs, type TestPage, type ViewportName } from '../helpers/browser.js';
import { dialog, heading, mainNav, pageOpener } from './helpers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const PASSWORD = 'maintainer-pass-1';
const FLOORS = { lo: -1, hi: 18 };


/** A screenshot without the toasts of earlier actions floating over the page. */
async function snap(tp: TestPage, name: string, opts?: { fullPage?: boolean }): Promise<void> {
  const close = tp.page.locator('.toast-close');
  for (let i = 0; i < 10 && (await close.count()) > 0; i++) await close.first().click({ timeout: 2000 }).catch(() => undefined);
  await tp.page.locator('.toast').first().waitFor({ state: 'detached', timeout: 5000 });
  await tp.shot(name, opts);
}

let gw: Gateway;
let base: string;
let browser: Browser;
let site: LiftSite;
let feature: LiftFeature;

const records = (kinds: string[], from = 0): JournalRecord[] =>
  (
    gw.store.db.prepare(`SELECT bytes FROM journal WHERE seq >= ? AND kind IN (${kinds.map(() => '?').join(', ')}) ORDER BY seq`).all(from, ...kinds) as {
      bytes: Buffer;
    }[]
  ).map((r) => JSON.parse(r.bytes.toString('utf8')) as JournalRecord);

/**
 * A month of the site's history, with its own times: the lifts were connected 40 days ago, faults
 * were raised and worked through (some late), a false alarm, a repeat door fault, maintenance visits.
 */
async function seedHistory(data: string): Promise<void> {
  const now = Date.now();
  let clock = now - 40 * DAY;
  const journal = Journal.open({ path: join(data, DB_FILE), gw: 'testgw', key: loadOrCreateKey(data, checkpointOrigin('testgw')), groupCommitMs: 0, now: () => clock });
  try {
    journal.registerProjection(registryProjection);
    journal.registerProjection(liftProjection);
    const reg = new Registry(journal.db, journal);
    await reg.addUser({ name: 'weibao', role: 'maintainer', displayName: '刘师傅' }, PASSWORD);
    await reg.addUser({ name: 'admin', role: 'admin', displayName: '李管理' }, 'admin-pass-1');
    await reg.addDevice({ id: 'm1', name: '1号楼1单元', profile: 'lift-modbus', port: join(data, '..', 'tty', 'bus1'), slave: 1, baud: 19200, ratedSpeed: 1750, floors: FLOORS });
    await reg.addDevice({ id: 'm2', name: '1号楼2单元', profile: 'lift-modbus', port: join(data, '..', 'tty', 'bus1'), slave: 2, baud: 19200, ratedSpeed: 1750, floors: FLOORS });
    await reg.addDevice({ id: 'm3', name: '5号楼电梯', profile: 'lift-modbus', port: join(data, '..', 'tty', 'bus1'), slave: 3, baud: 19200, floors: { lo: 1, hi: 11 } });
    await reg.addDevice({ id: 'k1', name: '3号楼电梯', profile: 'lift-kit-mqtt', ratedSpeed: 1000, floors: { lo: 1, hi: 11 } }, { secret: 'secret-of-k1-0123' });
    clock = now;

    let n = 0;
    const fault = async (lift: string, code: string, severity: string, at: number, steps: [string, number, string?][], clearedAfter?: number) => {
      const faultId = `Fhist${++n}`;
      await journal.append({ kind: 'lift.fault.raise', subject: lift, ts: at, data: { faultId, code, gb: null, severity, source: lift === 'k1' ? 'kit' : 'modbus', reading: null, detail: {} } });
      for (const [step, after, assignee] of steps) {
        await journal.append({ kind: 'lift.fault.step', subject: lift, actor: 'weibao', ts: at + after, data: { faultId, code, step, ...(assignee ? { assignee } : {}) } });
      }
      if (clearedAfter !== undefined) await journal.append({ kind: 'lift.fault.clear', subject: lift, ts: at + clearedAfter, data: { faultId, code } });
    };
    const worked = (ack: number, arrive: number, resolve: number): [string, number, string?][] => [
      ['acknowledged', ack * MIN],
      ['dispatched', (ack + 1) * MIN, '王师傅'],
      ['arrived', arrive * MIN],
      ['resolved', resolve * MIN],
      ['closed', (resolve + 5) * MIN],
    ];
    // within this month (whatever the day): the last 12 hours, or since the month began
    const part = (type: string) => Number(new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric' }).formatToParts(now).find((p) => p.type === type)!.value);
    const [y, m] = [part('year'), part('month')];
    const span = Math.min(12 * HOUR, now - localMidnight('Asia/Shanghai', y, m, 1));
    const recent = (hoursAgo: number) => now - (span * hoursAgo) / 12;
    await fault('m2', 'LIFT_STOP_OUTSIDE_ZONE', 'major', recent(10), worked(4, 19, 35), 33 * MIN);
    await fault('k1', 'LIFT_ALARM_BUTTON', 'critical', recent(5), [['false_alarm', 2 * MIN]], 1 * MIN);
    await fault('k1', 'LIFT_LONG_DOOR_OPEN', 'minor', recent(7), worked(2, 11, 14), 12 * MIN);
    await fault('m2', 'LIFT_POWER_LOSS', 'major', recent(3), worked(1, 12, 20), 19 * MIN);
    // a door that keeps failing: a repeat fault
    for (const d of [6, 4, 2]) await fault('m1', 'LIFT_DOOR_CLOSE_FAULT', 'minor', now - d * DAY, worked(1, 25, 50), 45 * MIN);
    // an earlier entrapment on m1: the one injected today makes it a repeat entrapment
    await fault('m1', 'LIFT_TRAPPED', 'critical', now - 20 * DAY, worked(2, 14, 30), 28 * MIN);

    const visit = async (lift: string, type: string, closedAt: number, items: string[]) => {
      const visitId = `Vhist-${lift}-${type}`;
      await journal.append({ kind: 'lift.maintenance', subject: lift, actor: 'weibao', ts: closedAt - 2 * HOUR, data: { op: 'open', visitId, type, technicians: ['王师傅', '李师傅'] } });
      await journal.append({ kind: 'lift.maintenance', subject: lift, actor: 'weibao', ts: closedAt, data: { op: 'close', visitId, type, items, result: 'ok' } });
    };
    await visit('m1', 'half_monthly', now - 20 * DAY, ['轿厢照明、风扇、应急照明', '层门门锁电气触点', '制动器间隙']); // overdue by 5 days
    await visit('m2', 'half_monthly', now - 13 * DAY, ['轿厢照明、风扇、应急照明', '层门门锁电气触点']); // due in 2 days
    await visit('k1', 'yearly', now - 5 * DAY, ['限速器安全钳联动试验', '导电回路绝缘性能测试']);
    // m3 never had a visit: overdue since 15 days after it was connected
  } finally {
    await journal.close();
  }
}

beforeAll(async () => {
  const dir = tmp('sealift-web-lift-');
  const data = join(dir, 'data');
  mkdirSync(join(dir, 'tty'), { recursive: true });
  mkdirSync(data, { recursive: true });
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      data,
      gateway: { id: 'testgw', name: '阳光社区' },
      log: { level: (process.env.SEALIFT_TEST_LOG as string) ?? 'silent' },
      journal: { groupCommitMs: 1 },
      broker: { port: 0 },
      http: { port: 0 },
      lift: {
        // an entrapment in a second and a half; unacknowledged critical faults escalate after 3 s
        rules: { trappedAtLevelMs: 1500, trappedOutsideZoneMs: 1000, personDebounceMs: 800, clearMs: 300 },
        escalateAfterSec: 3,
        modbus: { cycleMs: 200, probeMs: 1000 },
      },
    }),
  );
  await seedHistory(data);
  const cfg = loadConfig({ file, env: {} });
  feature = createLiftFeature();
  gw = new Gateway(cfg, createLogger(cfg.log.level), [webFeature, adminFeature, feature]);
  await gw.start();
  base = `http://127.0.0.1:${gw.httpPort}`;
  // m3 is provisioned but not simulated: its controller never answers
  const devices = gw.store.registry.devices().filter((d) => d.id !== 'm3');
  site = new LiftSite({ devices, secrets: { k1: 'secret-of-k1-0123' }, brokerUrl: `mqtt://127.0.0.1:${gw.brokerPort}`, auto: false, accel: 4, seed: 7, kit: { sampleMs: 50, heartbeatMs: 1000 } });
  await site.start();
  // the lifts at work: at different floors, one in inspection
  site.lift('m1').model.call(7);
  site.lift('k1').model.call(4);
  site.lift('m2').model.setMode('inspection');
  for (const deadline = Date.now() + 15_000; feature.service!.states().filter((s) => s.online).length < 3; ) {
    if (Date.now() > deadline) throw new Error('the simulated lifts did not come online');
    await new Promise((r) => setTimeout(r, 50));
  }
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await gw?.stop();
});

describe.each(['phone', 'desktop'] as ViewportName[])('maintainer pages on a %s', (vp) => {
  const openTracked = pageOpener(() => ({ browser, base }));
  const open = async (opts: { lang?: 'zh' | 'en' } = {}) => {
    const tp = await openTracked(vp, opts);
    await loginAs(tp.page, 'weibao', PASSWORD);
    return tp;
  };
  // the phone works an entrapment on a Modbus controller, the desktop one on the sensor kit
  const trapped = vp === 'phone' ? { id: 'm1', name: '1号楼1单元' } : { id: 'k1', name: '3号楼电梯' };

  it('board → an injected entrapment → acknowledged, dispatched, arrived, resolved, closed from the fault page; the journal has each step', { timeout: 120_000 }, async () => {
    const tp = await open();
    const { page } = tp;
    await page.waitForURL(/#\/maintainer\/board$/);
    await heading(page, '电梯看板').waitFor();
    expect(await page.title()).toBe('电梯看板 · 阳光社区');
    expect(await mainNav(page).getByRole('link').allInnerTexts()).toEqual(['电梯看板', '故障', '统计', '维保计划']);
    await page.getByRole('status').filter({ hasText: '实时' }).waitFor();
    const tiles = page.locator('.lift-tile');
    await expect.poll(() => tiles.count()).toBe(4);
    const tile = (name: string) => page.locator('.lift-tile', { hasText: name });
    await tile('5号楼电梯').getByText('离线').waitFor();
    await tile('5号楼电梯').getByText('通讯中断').waitFor({ timeout: 15_000 });
    await tile('1号楼2单元').getByText('检修').waitFor();
    await tile(trapped.name).getByText('在线').waitFor();
    if (vp === 'phone') await expect.poll(() => tile('1号楼1单元').locator('.lift-floor').innerText(), { timeout: 15_000 }).toBe('7');
    await snap(tp, `lift-board-${vp}`);

    // ---- a passenger is trapped: the board shows it first, in red, with how long it has lasted
    const from = gw.store.journal.size;
    const undo = await injectScenario('trapped_at_level', site.lift(trapped.id), site.clock);
    await page.locator('.lift-alarm').getByText('1 个紧急故障，请立即处理').waitFor({ timeout: 15_000 });
    await tiles.first().getByText(trapped.name).waitFor();
    await tiles.first().locator('.lift-fault-badge', { hasText: '困人' }).waitFor();
    await tiles.first().getByText('有人').waitFor();
    await snap(tp, `lift-board-alarm-${vp}`);

    // ---- 故障: the case, its timers, escalation, then each step
    await page.getByRole('button', { name: '去处理故障' }).click();
    await page.waitForURL(/#\/maintainer\/faults$/);
    await heading(page, '故障').waitFor();
    const card = page.getByRole('article', { name: `困人 · ${trapped.name}` });
    await card.waitFor();
    await card.getByText('待确认', { exact: true }).waitFor();
    await card.getByRole('timer', { name: /^响应 .*目标 3 分钟，计时中$/ }).waitFor();
    await card.getByRole('timer', { name: /^到场 .*目标 15 分钟，计时中$/ }).waitFor();
    // nobody acknowledged within escalateAfterSec: escalated, and it says so
    await card.getByText('已升级', { exact: true }).waitFor({ timeout: 10_000 });
    await snap(tp, `lift-faults-${vp}`);

    const step = async (button: string, fill?: { label: string; value: string }, status?: string) => {
      await card.getByRole('button', { name: button, exact: true }).click();
      if (fill) await dialog(page).getByLabel(fill.label).fill(fill.value);
      await dialog(page).getByRole('button', { name: button, exact: true }).click();
      await page.getByRole('status').filter({ hasText: `已记录“${button}”：${trapped.name} 困人` }).first().waitFor();
      if (status) await card.getByText(status, { exact: true }).waitFor();
    };
    await step('确认', { label: '备注（可不填）', value: '已电话安抚乘客' }, '已确认');
    await card.getByRole('timer', { name: /^响应 .*目标 3 分钟，达标$/ }).waitFor();
    // dispatch needs a name
    await card.getByRole('button', { name: '派工', exact: true }).click();
    await dialog(page).getByRole('button', { name: '派工', exact: true }).click();
    await dialog(page).getByText('此项必填').waitFor();
    if (vp === 'phone') await snap(tp, `lift-dispatch-dialog-${vp}`, { fullPage: false });
    await dialog(page).getByLabel('派给谁（维修人员姓名）').fill('王师傅');
    await dialog(page).getByRole('button', { name: '派工', exact: true }).click();
    await card.getByText('已派工', { exact: true }).waitFor();
    await card.getByText('维修人员：王师傅').waitFor();
    await step('到达', undefined, '已到场');
    await card.getByRole('timer', { name: /^到场 .*目标 15 分钟，达标$/ }).waitFor();
    await step('修复', { label: '备注（可不填）', value: '松闸救援，乘客已安全离开' }, '已修复');
    // the passenger sensor still says someone is in the car: not closable yet
    const close = card.getByRole('button', { name: '关闭', exact: true });
    expect(await close.isDisabled()).toBe(true);
    await card.getByText('故障仍然存在，消除后才能关闭').waitFor();
    await snap(tp, `lift-faults-resolved-${vp}`);
    await undo();
    await card.getByText('已消除', { exact: true }).waitFor({ timeout: 15_000 });
    await expect.poll(() => close.isDisabled()).toBe(false);
    await step('关闭');
    await card.waitFor({ state: 'detached' });

    // the journal: each step, by the maintainer, in order
    const raise = records(['lift.fault.raise'], from).find((r) => r.subject === trapped.id && r.data.code === 'LIFT_TRAPPED')!;
    const id = String(raise.data.faultId);
    const steps = records(['lift.fault.step'], from).filter((r) => r.data.faultId === id);
    expect(steps.map((s) => [s.data.step, s.actor])).toEqual([
      ['acknowledged', 'weibao'],
      ['dispatched', 'weibao'],
      ['arrived', 'weibao'],
      ['resolved', 'weibao'],
      ['closed', 'weibao'],
    ]);
    expect(steps[0]!.data.note).toBe('已电话安抚乘客');
    expect(steps[1]!.data.assignee).toBe('王师傅');
    expect(records(['lift.fault.escalate'], from).some((r) => r.data.faultId === id)).toBe(true);

    // the recent faults, and the case's whole record
    await page.getByRole('button', { name: '最近的故障' }).click();
    const done = page.getByRole('article', { name: `困人 · ${trapped.name}` }).first();
    await done.getByText('已关闭', { exact: true }).waitFor();
    await snap(tp, `lift-faults-recent-${vp}`);
    await done.getByRole('link', { name: '困人' }).click();
    await page.waitForURL(new RegExp(`#/maintainer/faults/${id}$`));
    await heading(page, '困人').waitFor();
    const log = page.locator('.lift-tl');
    for (const s of ['发生故障：困人', '超时无人确认，已升级', '已确认', '已派工', '已到场', '已修复', '故障消除（电梯恢复）', '已关闭']) {
      await log.getByText(s, { exact: true }).waitFor();
    }
    await log.getByText('维修人员：王师傅').waitFor();
    await log.getByText('备注：松闸救援，乘客已安全离开').waitFor();
    expect(await page.locator('.lift-steps').count()).toBe(0);
    await snap(tp, `lift-fault-detail-${vp}`);
  });

  it('one lift: live state, open faults, recent faults, maintenance', { timeout: 60_000 }, async () => {
    const tp = await open();
    const { page } = tp;
    await page.locator('.lift-tile', { hasText: '1号楼1单元' }).click();
    await page.waitForURL(/#\/maintainer\/board\/m1$/);
    await heading(page, '1号楼1单元').waitFor();
    await page.getByText('m1 · 控制器').waitFor();
    for (const label of ['楼层', '运行方向', '门', '轿厢内', '主电源', '安全回路', '门锁回路']) {
      await page.locator('.kv dt', { hasText: new RegExp(`^${label}$`) }).first().waitFor();
    }
    await page.getByRole('table', { name: '最近的故障' }).getByText('关门故障').first().waitFor();
    await page.locator('.lift-sched').getByText('半月维保').waitFor();
    await page.locator('.lift-sched').getByText(vp === 'phone' ? '已逾期' : '按计划').first().waitFor();
    await snap(tp, `lift-detail-${vp}`);
    // the offline one says so
    await mainNav(page).getByRole('link', { name: '电梯看板' }).click();
    await page.locator('.lift-tile', { hasText: '5号楼电梯' }).click();
    await heading(page, '5号楼电梯').waitFor();
    await page.getByText('还没有收到这部电梯的数据').waitFor();
    await page.getByRole('article', { name: '通讯中断 · 5号楼电梯' }).waitFor();
  });

  it('statistics: this month by fault and per lift, times against the targets, repeat faults, worst lifts', { timeout: 60_000 }, async () => {
    const tp = await open();
    const { page } = tp;
    await mainNav(page).getByRole('link', { name: '统计' }).click();
    await heading(page, '统计').waitFor();
    const charts = page.getByRole('img');
    await page.locator('.stat', { hasText: '故障次数' }).waitFor();
    await expect.poll(() => page.getByRole('img', { name: /^按故障类型：/ }).getAttribute('aria-label')).toMatch(/停电 1 次/);
    await page.getByRole('img', { name: /^各电梯平均响应用时（目标 3 分钟）：/ }).waitFor();
    await page.getByRole('img', { name: /^各电梯平均到场用时（目标 15 分钟）：/ }).waitFor();
    expect(await charts.count()).toBeGreaterThanOrEqual(5);
    const repeats = page.getByRole('table', { name: '重复故障（近 30 天）' });
    await repeats.locator('tr', { hasText: '关门故障' }).getByText('7 天内 3 次以上').waitFor();
    await repeats.locator('tr', { hasText: '困人' }).getByText('30 天内再次困人').waitFor();
    await page.getByRole('img', { name: /^近 30 天故障最多的电梯：1号楼1单元/ }).waitFor();
    await page.getByRole('table', { name: /^每部电梯明细/ }).locator('tr', { hasText: '1号楼2单元' }).waitFor();
    await snap(tp, `lift-stats-${vp}`);
    // one lift
    await page.getByLabel('电梯', { exact: true }).selectOption({ label: '1号楼2单元' });
    await expect.poll(() => page.getByRole('img', { name: /^按故障类型：/ }).getAttribute('aria-label')).toMatch(/^按故障类型：(停电 1 次，非平层停梯 1 次|非平层停梯 1 次，停电 1 次)$/);
    // last month is there too
    await page.getByRole('button', { name: '上个月' }).click();
    await page.locator('.lift-month-label').filter({ hasText: /年/ }).waitFor();
  });

  it('maintenance plan: overdue and due visits, a visit started (maintenance mode) and closed with its items', { timeout: 90_000 }, async () => {
    const tp = await open();
    const { page } = tp;
    await mainNav(page).getByRole('link', { name: '维保计划' }).click();
    await heading(page, '维保计划').waitFor();
    const todo = page.getByRole('list', { name: '逾期和即将到期' });
    // (the phone's visit below brings 1号楼1单元 up to date for the desktop)
    if (vp === 'phone') await todo.locator('li', { hasText: '1号楼1单元' }).getByText('已逾期 5 天').waitFor();
    await todo.locator('li', { hasText: '1号楼2单元' }).getByText('2 天后到期').waitFor();
    await todo.locator('li', { hasText: '5号楼电梯' }).getByText(/已逾期 2\d 天/).waitFor();
    await page.getByRole('grid', { name: '维保日历' }).waitFor();
    await page.getByRole('table', { name: '各电梯下次维保日期' }).locator('tr', { hasText: '3号楼电梯' }).waitFor();
    await page.getByRole('table', { name: '维保记录' }).getByText('年度维保').waitFor();
    await snap(tp, `lift-schedule-${vp}`);

    // start a visit on the lift worked above: it says the lift goes into maintenance mode
    const lift = trapped;
    const row = page.getByRole('table', { name: '各电梯下次维保日期' }).locator('tr', { hasText: lift.name });
    await row.getByRole('button', { name: '开始维保' }).click();
    await dialog(page).getByText(`开始后，${lift.name} 进入维保模式`).waitFor();
    await dialog(page).getByLabel('维保人员').fill('王师傅，李师傅');
    if (vp === 'phone') await snap(tp, `lift-visit-start-${vp}`, { fullPage: false });
    await dialog(page).getByRole('button', { name: '开始维保' }).click();
    await page.getByRole('status').filter({ hasText: `已开始维保，${lift.name} 已进入维保模式` }).waitFor();
    const openCard = page.locator('.card', { hasText: '正在维保（1）' });
    await openCard.getByText(lift.name).waitFor();
    await expect.poll(() => feature.service!.state(lift.id)!.maintenance).not.toBeNull();

    // the board shows it too
    await mainNav(page).getByRole('link', { name: '电梯看板' }).click();
    await page.locator('.lift-tile', { hasText: lift.name }).getByText('维保中').waitFor();
    await mainNav(page).getByRole('link', { name: '维保计划' }).click();

    // close it: at least one item
    await page.locator('.card', { hasText: '正在维保（1）' }).getByRole('button', { name: '结束维保' }).click();
    const d = dialog(page);
    await d.getByText(`结束维保：${lift.name}`).waitFor();
    await d.getByRole('button', { name: '结束维保' }).click();
    await d.getByText('请至少勾选或填写一项已完成的项目').waitFor();
    for (const item of ['机房、滑轮间环境', '制动器间隙', '轿内报警装置、对讲系统', '层门门锁电气触点']) await d.getByLabel(item, { exact: true }).check();
    await d.getByLabel('其他项目（可不填）').fill('更换轿厢照明灯管');
    await snap(tp, `lift-visit-close-${vp}`, { fullPage: false });
    const before = gw.store.journal.size;
    await d.getByRole('button', { name: '结束维保' }).click();
    await page.getByRole('status').filter({ hasText: `已结束维保，${lift.name} 恢复正常监测` }).waitFor();
    await expect.poll(() => feature.service!.state(lift.id)!.maintenance).toBeNull();
    const closed = records(['lift.maintenance'], before).find((r) => r.subject === lift.id && r.data.op === 'close')!;
    expect(closed.actor).toBe('weibao');
    expect(closed.data.items).toEqual(['机房、滑轮间环境', '制动器间隙', '轿内报警装置、对讲系统', '层门门锁电气触点', '更换轿厢照明灯管']);
    await page.getByRole('table', { name: '维保记录' }).locator('tr', { hasText: lift.name }).getByText('5 项').first().waitFor();
  });
  it('in English too: the board, the faults, the statistics and the plan', { timeout: 60_000 }, async () => {
    const tp = await open({ lang: 'en' });
    const { page } = tp;
    await heading(page, 'Lift board').waitFor();
    await page.locator('.lift-tile', { hasText: '5号楼电梯' }).getByText('Offline').waitFor();
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Faults' }).click();
    await heading(page, 'Faults').waitFor();
    await page.getByRole('article', { name: 'Controller not answering · 5号楼电梯' }).getByRole('button', { name: 'Acknowledge', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Recent faults' }).click();
    await page.getByRole('article', { name: 'Passenger trapped · 1号楼1单元' }).first().getByText('Closed', { exact: true }).waitFor();
    if (vp === 'desktop') await snap(tp, `lift-faults-en-${vp}`);
    await page.goto('/#/maintainer/stats');
    await heading(page, 'Statistics').waitFor();
    await page.getByRole('img', { name: /^By fault: / }).waitFor();
    await page.goto('/#/maintainer/schedule');
    await heading(page, 'Maintenance plan').waitFor();
    await page.getByRole('list', { name: 'Overdue and due soon' }).getByText(/overdue by \d+ days/).first().waitFor();
    if (vp === 'desktop') await snap(tp, `lift-schedule-en-${vp}`);
  });
});

/**
 * The seal pages in a real browser (headless Chromium), on a phone (390×844) and a desktop
 * (1280×800), against an in-process gateway whose seal sleeve is the simulator's MQTT sleeve
 * (`startSimSeal` + `autoStamp`: it stamps every grant it receives, with a photo):
 *
 *   - the main journey, clicked through: a keeper (村文书) files a request → the approver (书记)
 *     approves it → the sleeve stamps with photos → the keeper sees it completed → the sleeve is
 *     forced (a stamp without grant) → the inspector (纪委) finds the stamps with their photos,
 *     drills down to the request, sees the anomaly explained, exports and reads "完整，未被篡改";
 *   - reject with a reason; withdraw; the seals page (live state, remote lock, break-glass);
 *   - approvers read the inspector pages; the names endpoint (GET /api/seal/people).
 *
 * Every page is saved as test-artifacts/screenshots/seal-<page>-<phone|desktop>.png. Any console
 * error, uncaught exception or request leaving the gateway fails the test.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/core/config.js';
import { openStore } from '../../src/gateway/store.js';
import { webFeature } from '../../src/api/web.js';
import { adminFeature } from '../../src/api/admin.js';
import type { Gateway } from '../../src/gateway/app.js';
import type { Role } from '../../src/registry/schema.js';
import type { SimSeal } from '../../sim/seal/devices.js';
import { tmp } from '../helpers/cli.js';
import { Client, startInproc } from '../helpers/inproc.js';
import { launchBrowser, loginAs, openPage, type ViewportName } from '../helpers/browser.js';
import { allHoursSeal, dialog, drawPhotos, heading, mainNav, pageOpener, snap, stampingSleeve } from './helpers.js';

const USERS: { name: string; role: Role; displayName: string; password: string }[] = [
  { name: 'wenshu', role: 'keeper', displayName: '王文书', password: 'keeper-pass-1' },
  { name: 'shuji', role: 'approver', displayName: '张书记', password: 'approver-pass-1' },
  { name: 'zhenli', role: 'approver', displayName: '李镇长', password: 'township-pass-1' },
  { name: 'jiwei', role: 'inspector', displayName: '赵纪委', password: 'inspector-pass-1' },
  { name: 'admin', role: 'admin', displayName: '管理员', password: 'admin-pass-1' },
];
const user = (name: string) => USERS.find((u) => u.name === name)!;

/** An <img> as the browser sees it (the tests compile without the DOM library). */
type Img = { naturalWidth: number; complete: boolean };


/** "2025-11-22T09:30" in Beijing time, as a datetime-local input takes it. */
function beijingInput(ms: number): string {
  const p: Record<string, string> = {};
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}


let gw: Gateway;
let data: string;
let base: string;
let stop: () => Promise<void>;
let browser: Browser;
let sleeve: SimSeal;
let stopStamping: () => void;

beforeAll(async () => {
  data = join(tmp('sealift-web-seal-'), 'data');
  const env = { SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: 'testgw', SEALIFT_GATEWAY_NAME: '东风村村委会', SEALIFT_BROKER_PORT: '0', SEALIFT_HTTP_PORT: '0', SEALIFT_JOURNAL_GROUP_COMMIT_MS: '1' };
  const store = await openStore(loadConfig({ env }));
  let secret: string;
  try {
    for (const u of USERS) await store.registry.addUser({ name: u.name, role: u.role, displayName: u.displayName }, u.password);
    ({ secret } = await store.registry.addDevice({ id: 'seal-01', profile: 'seal-mqtt', name: '村委会公章' }));
    await store.registry.addDevice({ id: 'seal-02', profile: 'seal-mqtt', name: '党支部印章' }); // never connects: offline
  } finally {
    await store.close();
  }
  ({ gw, base, stop } = await startInproc({ data, env, features: [webFeature, adminFeature, allHoursSeal()] }));
  browser = await launchBrowser();

  ({ sleeve, stopStamping } = await stampingSleeve(gw, 'seal-01', secret, await drawPhotos(browser, 24)));
}, 120_000);

afterAll(async () => {
  stopStamping?.();
  await sleeve?.stop();
  await browser?.close();
  await stop?.();
});

describe('GET /api/seal/people', () => {
  it('names keepers and approvers for the pages; inspectors and keepers may read it, admins may not', async () => {
    const c = await new Client(base).login('jiwei', user('jiwei').password);
    const r = await c.get('/api/seal/people');
    expect(r.status).toBe(200);
    expect(r.body.people).toEqual([
      { name: 'wenshu', displayName: '王文书', role: 'keeper' },
      { name: 'shuji', displayName: '张书记', role: 'approver' },
      { name: 'zhenli', displayName: '李镇长', role: 'approver' },
    ]);
    const k = await new Client(base).login('wenshu', user('wenshu').password);
    expect((await k.get('/api/seal/people')).status).toBe(200);
    const a = await new Client(base).login('admin', user('admin').password);
    expect((await a.get('/api/seal/people')).status).toBe(403);
  });
});

describe.each(['phone', 'desktop'] as ViewportName[])('seal pages on a %s', (vp) => {
  const openTracked = pageOpener(() => ({ browser, base }));
  const open = async (who: string, opts: { lang?: 'zh' | 'en' } = {}) => {
    const tp = await openTracked(vp, opts);
    const u = user(who);
    await loginAs(tp.page, u.name, u.password);
    return tp;
  };
  const title = (what: string) => `${what}（${vp === 'phone' ? '手机' : '电脑'}）`;

  it('keeper files → approver approves → the sleeve stamps with photos → inspector finds them, the anomaly, exports and verifies', { timeout: 180_000 }, async () => {
    const docTitle = title('村民居住证明');

    // ---- 文书: a request, with the mistakes a person makes first
    const keeper = await open('wenshu');
    const kp = keeper.page;
    await kp.waitForURL(/#\/keeper\/requests$/);
    await heading(kp, '用印申请').waitFor();
    expect(await kp.title()).toBe('用印申请 · 东风村村委会');
    const form = kp.getByRole('form', { name: '新的用印申请' });
    await form.getByRole('button', { name: '提交申请' }).click();
    const fieldError = (text: string) => form.getByRole('alert').filter({ hasText: text });
    await fieldError('请选择印章').waitFor();
    await fieldError('请选择事项类型').waitFor();
    await fieldError('此项必填').waitFor();
    // offline seals are marked as such
    expect(await form.getByLabel('印章').locator('option').allInnerTexts()).toEqual(['请选择印章', '村委会公章', '党支部印章（离线）']);
    await form.getByLabel('印章').selectOption({ label: '村委会公章' });
    await form.getByLabel('事项类型').selectOption({ label: '证明' });
    await form.getByLabel('文件标题').fill(docTitle);
    await form.getByLabel('用印次数').fill('60');
    await form.getByRole('button', { name: '提交申请' }).click();
    await fieldError('一次最多 50 次').waitFor();
    // a window the gateway refuses: its reason lands on the field, in Chinese
    await form.getByLabel('用印次数').fill('2');
    const far = Date.now() + 40 * 86_400_000;
    await form.getByLabel('开始时间').fill(beijingInput(far));
    await form.getByLabel('结束时间').fill(beijingInput(far + 2 * 3600_000));
    await form.getByRole('button', { name: '提交申请' }).click();
    await fieldError('开始时间最多提前 30 天').waitFor();
    expect(await form.getByLabel('开始时间').getAttribute('aria-invalid')).toBe('true');
    await snap(keeper, `seal-keeper-form-errors-${vp}`);
    // the default window (from now, 4 hours) is fine
    await kp.reload();
    await heading(kp, '用印申请').waitFor();
    await form.getByLabel('印章').selectOption({ label: '村委会公章' });
    await form.getByLabel('事项类型').selectOption({ label: '证明' });
    await form.getByLabel('文件标题').fill(docTitle);
    await form.getByLabel('用印次数').fill('2');
    await form.getByRole('button', { name: '提交申请' }).click();
    await kp.getByRole('status').filter({ hasText: `已提交“${docTitle}”，等待书记审批` }).waitFor();
    const myRow = kp.getByRole('table', { name: '我的申请' }).locator('tr', { hasText: docTitle });
    await myRow.getByText('待审批', { exact: true }).waitFor();
    await myRow.getByText('等待书记审批').waitFor();
    await myRow.getByText('0 / 2 次').waitFor();
    await snap(keeper, `seal-keeper-requests-${vp}`);

    // ---- 书记: the queue has everything needed to decide
    const approver = await open('shuji');
    const ap = approver.page;
    await ap.waitForURL(/#\/approver\/pending$/);
    expect(await mainNav(ap).getByRole('link').allInnerTexts()).toEqual(['待审批', '印章状态', '用印记录', '异常', '导出与校验']);
    const card = ap.getByRole('article', { name: docTitle });
    await card.waitFor();
    for (const text of ['王文书', '村委会公章', '证明', '2 次']) await card.getByText(text, { exact: true }).first().waitFor();
    await card.getByText(/刚刚|秒前|分钟前/).waitFor();
    await snap(approver, `seal-approver-pending-${vp}`);
    await card.getByRole('button', { name: '批准' }).click();
    await dialog(ap).getByText('批准此用印申请？').waitFor();
    await dialog(ap).getByText(/授权立即发送到“村委会公章”/).waitFor();
    await dialog(ap).getByLabel('审批意见（可不填）').fill('同意');
    if (vp === 'phone') await snap(approver, `seal-approver-approve-dialog-${vp}`, { fullPage: false });
    await dialog(ap).getByRole('button', { name: '批准' }).click();
    await ap.getByRole('status').filter({ hasText: '已批准，授权已发送到印章' }).waitFor();
    await card.waitFor({ state: 'detached' });

    // ---- the sleeve stamps twice (autoStamp); the keeper's list follows by itself
    await myRow.getByText('已完成', { exact: true }).waitFor({ timeout: 30_000 });
    await myRow.getByText('2 / 2 次').waitFor();
    await snap(keeper, `seal-keeper-requests-done-${vp}`);
    await myRow.click();
    await kp.waitForURL(/#\/keeper\/requests\/R-/);
    await heading(kp, docTitle).waitFor();
    for (const step of ['提交申请', '批准', '授权发送到“村委会公章”', '印章确认收到授权', '第 1 次盖章（共批准 2 次）', '第 2 次盖章（共批准 2 次）', '已盖完 2 次，授权结束']) {
      await kp.locator('.timeline').getByText(step, { exact: true }).waitFor();
    }
    await kp.locator('.timeline').getByText('意见：同意').waitFor();
    await expect.poll(() => kp.locator('.timeline img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as Img).naturalWidth))).toEqual([640, 640]);
    await snap(keeper, `seal-keeper-request-detail-${vp}`);
    const requestId = /#\/keeper\/requests\/(R-[\w-]+)$/.exec(kp.url())![1]!;

    // ---- someone forces the sleeve: a stamp naming no grant
    const before = (gw.store.db.prepare("SELECT COUNT(*) AS n FROM seal_anomalies WHERE code = 'STAMP_WITHOUT_GRANT'").get() as { n: number }).n;
    expect(sleeve.stamp({ bypass: true }).ok).toBe(true);
    await sleeve.whenIdle(10_000);
    await expect.poll(() => (gw.store.db.prepare("SELECT COUNT(*) AS n FROM seal_anomalies WHERE code = 'STAMP_WITHOUT_GRANT'").get() as { n: number }).n).toBe(before + 1);

    // ---- 纪委: the stamp log, each stamp with its photo
    const inspector = await open('jiwei');
    const ip = inspector.page;
    await ip.waitForURL(/#\/inspector\/logs$/);
    await heading(ip, '用印记录').waitFor();
    const log = ip.getByRole('table', { name: '用印记录' });
    const rows = log.locator('tbody tr', { hasText: docTitle });
    await expect.poll(() => rows.count()).toBe(2);
    await rows.first().getByText('王文书').waitFor();
    await rows.first().getByText('张书记').waitFor();
    const forced = log.locator('tbody tr', { hasText: '无申请（未经授权）' }).first();
    await forced.getByText('无授权盖章').waitFor();
    await expect.poll(() => log.locator('img').evaluateAll((imgs) => imgs.every((i) => (i as unknown as Img).complete && (i as unknown as Img).naturalWidth === 640))).toBe(true);
    await snap(inspector, `seal-inspector-logs-${vp}`);

    // a stamp opens with both clocks and its photo
    await rows.last().click();
    const modal = dialog(ip);
    await modal.getByText(`盖章详情：${docTitle}`).waitFor();
    await modal.getByText('网关记录时间').waitFor();
    await modal.getByText('印章时间').waitFor();
    await modal.getByText('第 1 次', { exact: true }).waitFor();
    await expect.poll(() => modal.getByRole('img', { name: '第 1 次盖章的照片' }).evaluate((i) => (i as unknown as Img).naturalWidth)).toBe(640);
    const photoUrl = await modal.getByRole('link', { name: '第 1 次盖章的照片' }).getAttribute('href');
    expect(photoUrl).toMatch(/^\/api\/seal\/photos\/[0-9a-f]{64}$/);
    await snap(inspector, `seal-inspector-stamp-${vp}`, { fullPage: false });
    // … and from there the whole request: request → decision → grant → each stamp → photo
    await modal.getByRole('button', { name: '查看申请全过程' }).click();
    await ip.waitForURL(new RegExp(`#/inspector/logs/${requestId}$`));
    await heading(ip, docTitle).waitFor();
    await ip.getByText(`申请编号 ${requestId}`).waitFor();
    for (const step of ['提交申请', '批准', '印章确认收到授权', '第 1 次盖章（共批准 2 次）', '第 2 次盖章（共批准 2 次）', '已盖完 2 次，授权结束']) {
      await ip.locator('.timeline').getByText(step, { exact: true }).waitFor();
    }
    await ip.locator('.timeline').getByText('王文书').first().waitFor();
    await expect.poll(() => ip.locator('.timeline img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as Img).naturalWidth))).toEqual([640, 640]);
    await snap(inspector, `seal-inspector-request-${vp}`);
    // nothing there for an inspector to change
    expect(await ip.getByRole('button', { name: /批准|驳回|撤回|撤销授权/ }).count()).toBe(0);

    // searching: only the stamps with that anomaly
    await mainNav(ip).getByRole('link', { name: '用印记录' }).click();
    await heading(ip, '用印记录').waitFor();
    // on a phone the search form starts folded away
    if (vp === 'phone') await ip.locator('summary', { hasText: '查询条件' }).click();
    await ip.getByLabel('异常', { exact: true }).selectOption({ label: '无授权盖章' });
    await ip.getByRole('button', { name: '查询', exact: true }).click();
    await ip.waitForURL(/anomaly=STAMP_WITHOUT_GRANT/);
    await expect.poll(() => log.locator('tbody tr', { hasText: docTitle }).count()).toBe(0);
    await log.locator('tbody tr', { hasText: '无授权盖章' }).first().waitFor();
    await snap(inspector, `seal-inspector-logs-filtered-${vp}`);

    // ---- 异常: counts per kind, each explained
    await mainNav(ip).getByRole('link', { name: '异常' }).click();
    await heading(ip, '异常').waitFor();
    const count = ip.locator('.code-count', { hasText: '无授权盖章' });
    await count.getByText('印章在没有任何有效授权时盖了章').waitFor();
    expect(Number(await count.locator('.code-count-n').innerText())).toBeGreaterThanOrEqual(1);
    await ip.getByRole('table', { name: '异常' }).getByText('无授权盖章').first().waitFor();
    await snap(inspector, `seal-inspector-anomalies-${vp}`);

    // ---- 导出与校验: "完整，未被篡改", an evidence bundle and its CSV
    await mainNav(ip).getByRole('link', { name: '导出与校验' }).click();
    await heading(ip, '导出与校验').waitFor();
    await ip.getByText('完整，未被篡改').waitFor();
    await ip.getByText(/已逐条核对全部 \d+ 条记录和 \d+ 个签名检查点/).waitFor();
    await ip.getByText('本网关未配置上级平台同步，没有回执。').waitFor();
    await ip.getByRole('button', { name: '生成证据包' }).click();
    await ip.getByText(/证据包 E-\d{8}T\d{6}-[0-9a-f]{6} 已生成/).waitFor();
    const [csv] = await Promise.all([ip.waitForEvent('download'), ip.getByRole('link', { name: '下载表格 (CSV)' }).click()]);
    const text = readFileSync((await csv.path())!, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toContain(docTitle);
    const [tar] = await Promise.all([ip.waitForEvent('download'), ip.getByRole('link', { name: '下载证据包 (.tar)' }).click()]);
    expect(tar.suggestedFilename()).toMatch(/^E-.*\.tar$/);
    await ip.getByRole('table', { name: '网关上保存的证据包' }).locator('tbody tr').first().waitFor();
    await snap(inspector, `seal-inspector-verify-${vp}`);
  });

  it('approver rejects with a reason; the keeper reads it', { timeout: 120_000 }, async () => {
    const docTitle = title('宅基地建房申请');
    const k = await new Client(base).login('wenshu', user('wenshu').password);
    expect((await k.post('/api/seal/requests', { seal: 'seal-01', matter: '建房', title: docTitle, count: 1 })).status).toBe(201);

    const approver = await open('shuji');
    const ap = approver.page;
    const card = ap.getByRole('article', { name: docTitle });
    await card.getByRole('button', { name: '驳回' }).click();
    await dialog(ap).getByText('驳回此用印申请').waitFor();
    await dialog(ap).getByRole('button', { name: '驳回' }).click();
    await dialog(ap).getByText('此项必填').waitFor(); // the reason is required
    await dialog(ap).getByLabel('驳回理由（必填）').fill('材料不全，请补充户口本复印件');
    await snap(approver, `seal-approver-reject-dialog-${vp}`, { fullPage: false });
    await dialog(ap).getByRole('button', { name: '驳回' }).click();
    await ap.getByRole('status').filter({ hasText: '已驳回' }).waitFor();
    await card.waitFor({ state: 'detached' });

    const keeper = await open('wenshu');
    const row = keeper.page.getByRole('table', { name: '我的申请' }).locator('tr', { hasText: docTitle });
    await row.getByText('已驳回', { exact: true }).waitFor();
    await row.getByText('张书记 驳回：材料不全，请补充户口本复印件').waitFor();
    expect(await row.getByRole('button', { name: '撤回' }).count()).toBe(0);
    await snap(keeper, `seal-keeper-rejected-${vp}`);
  });

  it('approver revokes a live grant; the keeper sees it revoked', { timeout: 120_000 }, async () => {
    const docTitle = title('村集体资产租赁合同');
    // a window starting in half an hour: the grant stays live (the sleeve waits for it)
    const k = await new Client(base).login('wenshu', user('wenshu').password);
    const from = Date.now() + 30 * 60_000;
    const filed = await k.post('/api/seal/requests', { seal: 'seal-01', matter: '合同', title: docTitle, count: 3, notBefore: from, notAfter: from + 2 * 3600_000 });
    expect(filed.status).toBe(201);
    const s = await new Client(base).login('zhenli', user('zhenli').password);
    expect((await s.post(`/api/seal/requests/${filed.body.id}/approve`, { note: '同意' })).status).toBe(200);

    const approver = await open('shuji');
    const ap = approver.page;
    const row = ap.getByRole('table', { name: '正在使用的授权' }).locator('tr', { hasText: docTitle });
    await row.getByText('0 / 3 次').waitFor();
    await row.getByText('印章已确认').waitFor({ timeout: 15_000 });
    await snap(approver, `seal-approver-active-${vp}`);
    await row.getByRole('button', { name: '撤销授权' }).click();
    await dialog(ap).getByText('撤销授权？').waitFor();
    await dialog(ap).getByLabel('撤销原因（必填）').fill('合同条款需要修改');
    await dialog(ap).getByRole('button', { name: '撤销授权' }).click();
    await ap.getByRole('status').filter({ hasText: '授权已撤销' }).waitFor();
    await row.waitFor({ state: 'detached' });

    const keeper = await open('wenshu');
    const mine = keeper.page.getByRole('table', { name: '我的申请' }).locator('tr', { hasText: docTitle });
    await mine.getByText('已撤销', { exact: true }).waitFor();
    await mine.getByText('授权已被撤销，不能再盖章').waitFor();
    await mine.click();
    await keeper.page.locator('.timeline').getByText('授权被撤销', { exact: true }).waitFor();
    await keeper.page.locator('.timeline').getByText('理由：合同条款需要修改').waitFor();
    await keeper.page.locator('.timeline').getByText('批准（镇审批）').or(keeper.page.locator('.timeline').getByText('批准', { exact: true })).first().waitFor();
  });

  it('keeper withdraws a request after confirming', { timeout: 120_000 }, async () => {
    const docTitle = title('土地承包合同');
    const keeper = await open('wenshu');
    const kp = keeper.page;
    const form = kp.getByRole('form', { name: '新的用印申请' });
    await form.getByLabel('印章').selectOption({ label: '村委会公章' });
    await form.getByLabel('事项类型').selectOption({ label: '土地承包' });
    await form.getByLabel('文件标题').fill(docTitle);
    await form.getByRole('button', { name: '提交申请' }).click();
    const row = kp.getByRole('table', { name: '我的申请' }).locator('tr', { hasText: docTitle });
    await row.getByText('待审批', { exact: true }).waitFor();
    await row.getByRole('button', { name: '撤回' }).click();
    await dialog(kp).getByText(`撤回“${docTitle}”？`).waitFor();
    await snap(keeper, `seal-keeper-withdraw-dialog-${vp}`, { fullPage: false });
    // changing one's mind keeps it
    await dialog(kp).getByRole('button', { name: '不撤回' }).click();
    await row.getByText('待审批', { exact: true }).waitFor();
    await row.getByRole('button', { name: '撤回' }).click();
    await dialog(kp).getByLabel('撤回原因（可不填）').fill('文件有误，重新申请');
    await dialog(kp).getByRole('button', { name: '撤回', exact: true }).click();
    await kp.getByRole('status').filter({ hasText: '申请已撤回' }).waitFor();
    await row.getByText('已撤回', { exact: true }).waitFor();
    // gone from the approver's queue
    const s = await new Client(base).login('shuji', user('shuji').password);
    expect((await s.get('/api/seal/queue')).body.items.map((r: { title: string }) => r.title)).not.toContain(docTitle);
  });

  it('approver: seals live; remote lock with a reason; the emergency unlock asks why and raises an anomaly', { timeout: 120_000 }, async () => {
    const approver = await open('shuji');
    const ap = approver.page;
    await mainNav(ap).getByRole('link', { name: '印章状态' }).click();
    await heading(ap, '印章状态').waitFor();
    const s1 = ap.getByRole('article', { name: '村委会公章' });
    const s2 = ap.getByRole('article', { name: '党支部印章' });
    await s1.getByText('在线', { exact: true }).waitFor();
    await s1.locator('.tile', { hasText: '电量' }).getByText('87%').waitFor();
    await s1.locator('.tile', { hasText: '印套' }).getByText(/已关闭|已打开/).waitFor(); // open while the keeper waits for a grant's window
    await s1.getByText(/最近联系/).waitFor();
    await s2.getByText('离线', { exact: true }).waitFor();
    await s2.getByText('从未联系过网关').waitFor();
    await snap(approver, `seal-approver-seals-${vp}`);

    // remote lock: a reason, then the sleeve reports itself locked
    await s1.getByRole('button', { name: '远程锁定' }).click();
    await dialog(ap).getByText('远程锁定“村委会公章”？').waitFor();
    await dialog(ap).getByLabel('锁定原因（必填）').fill('印章疑似被挪用');
    await dialog(ap).getByRole('button', { name: '远程锁定' }).click();
    await ap.getByRole('status').filter({ hasText: '“村委会公章”已锁定' }).waitFor();
    await s1.locator('.tile', { hasText: '锁定' }).getByText('已上锁').waitFor({ timeout: 15_000 });
    await expect.poll(() => sleeve.locked).toBe(true);

    // break-glass: clearly an emergency, a real reason required, always an anomaly
    await s1.getByRole('button', { name: '紧急开锁' }).click();
    const bg = s1.getByRole('region', { name: '紧急开锁（不经审批）' });
    await bg.getByText(/纪检监察会看到每一次使用/).waitFor();
    await bg.getByLabel('紧急原因（必填，至少 10 个字）').fill('防汛');
    await bg.getByRole('button', { name: '确认紧急开锁' }).click();
    await bg.getByText('请写清紧急原因，至少 10 个字').waitFor();
    await bg.getByLabel('盖章次数').fill('5');
    await bg.getByRole('button', { name: '确认紧急开锁' }).click();
    await bg.getByText('一次最多 3 次').waitFor();
    await snap(approver, `seal-approver-break-glass-${vp}`);
    await bg.getByLabel('紧急原因（必填，至少 10 个字）').fill('防汛紧急通知需立即盖章，镇审批人联系不上');
    await bg.getByLabel('文件标题（可不填）').fill(title('防汛紧急通知'));
    await bg.getByLabel('盖章次数').fill('1');
    await bg.getByRole('button', { name: '确认紧急开锁' }).click();
    await dialog(ap).getByText('确定紧急开锁？').waitFor();
    await dialog(ap).getByRole('button', { name: '紧急开锁' }).click();
    await ap.getByRole('status').filter({ hasText: '已紧急开锁“村委会公章”，已记录为异常' }).waitFor();
    await bg.waitFor({ state: 'detached' });
    // the grant unlocked the sleeve, which stamped once (autoStamp)
    await s1.locator('.tile', { hasText: '锁定' }).getByText('未上锁').waitFor({ timeout: 15_000 });

    // approvers read the anomalies too: the emergency is there
    await mainNav(ap).getByRole('link', { name: '异常' }).click();
    await heading(ap, '异常').waitFor();
    await ap.locator('.code-count', { hasText: '紧急开锁' }).getByText('审批人使用了紧急开锁').waitFor();
    await ap.getByRole('table', { name: '异常' }).locator('tr', { hasText: '紧急开锁' }).first().getByText('张书记').waitFor();
    await snap(approver, `seal-approver-anomalies-${vp}`);
    // its request shows the emergency from beginning to end
    await ap.getByRole('table', { name: '异常' }).locator('tr', { hasText: '紧急开锁' }).first().click();
    await heading(ap, title('防汛紧急通知')).waitFor();
    await ap.locator('.timeline').getByText('紧急开锁', { exact: true }).waitFor();
    await ap.locator('.timeline').getByText('理由：防汛紧急通知需立即盖章，镇审批人联系不上').waitFor();
    await ap.locator('.timeline').getByText('第 1 次盖章（共批准 1 次）').waitFor({ timeout: 15_000 });
  });

  // a phone-only check: defined for the phone viewport alone (never a skipped test on the desktop)
  if (vp === 'phone') it('on a phone, every button, link and field of the seal pages is a large touch target (40 px or more)', async () => {
    const small = (page: Page) =>
      page.evaluate(`[...document.querySelectorAll('main button, main a, main input, main select, main summary')]
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.width > 0 && r.height > 0 && (r.height < 40 || r.width < 40))
        .map(({ el, r }) => el.outerHTML.slice(0, 90) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))`);
    const keeper = await open('wenshu');
    await keeper.page.getByRole('table', { name: '我的申请' }).waitFor();
    expect(await small(keeper.page)).toEqual([]);
    await keeper.page.getByRole('table', { name: '我的申请' }).locator('tbody tr').first().click();
    await keeper.page.locator('.timeline').waitFor();
    expect(await small(keeper.page)).toEqual([]);
    const approver = await open('shuji');
    const ap = approver.page;
    for (const [label, ready] of [
      ['待审批', () => ap.getByRole('table', { name: '正在使用的授权' }).or(ap.getByText('目前没有生效的授权')).first().waitFor()],
      ['印章状态', () => ap.getByRole('article', { name: '村委会公章' }).waitFor()],
      ['用印记录', () => ap.getByRole('table', { name: '用印记录' }).waitFor()],
      ['异常', () => ap.getByRole('table', { name: '异常' }).waitFor()],
      ['导出与校验', () => ap.getByText('完整，未被篡改').waitFor()],
    ] as const) {
      await mainNav(ap).getByRole('link', { name: label }).click();
      await heading(ap, label).waitFor();
      await ready();
      expect(await small(ap), label).toEqual([]);
    }
  });

  it('the pages in English; an inspector may not open the approver pages', async () => {
    const keeper = await open('wenshu', { lang: 'en' });
    const kp = keeper.page;
    await heading(kp, 'Stamp requests').waitFor();
    await kp.getByRole('form', { name: 'New stamp request' }).getByLabel('Matter').waitFor();
    await kp.getByRole('table', { name: 'My requests' }).getByText('Completed').first().waitFor();
    await snap(keeper, `seal-keeper-requests-en-${vp}`);

    const inspector = await open('jiwei');
    const ip = inspector.page;
    expect(await mainNav(ip).getByRole('link').allInnerTexts()).toEqual(['用印记录', '异常', '导出与校验']);
    await ip.goto('/#/approver/pending');
    await ip.getByRole('alert').filter({ hasText: '无权访问' }).waitFor();
    expect(await ip.evaluate("fetch('/api/seal/queue').then((r) => r.status)")).toBe(403);
  });
});

describe('a tampered journal', () => {
  let seq: number;
  beforeAll(() => {
    // the attacker edits a stamp request on the disk, behind the gateway's back ("count":2 → 3)
    const db = new Database(join(data, 'sealift.db'));
    try {
      for (const t of ['journal_no_update', 'journal_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
      const row = db.prepare("SELECT seq, bytes FROM journal WHERE kind = 'seal.request' AND CAST(bytes AS TEXT) LIKE '%\"count\":2%' ORDER BY seq LIMIT 1").get() as { seq: number; bytes: Buffer };
      seq = row.seq;
      const i = row.bytes.indexOf('"count":2') + 8;
      row.bytes[i] = '3'.charCodeAt(0);
      db.prepare('UPDATE journal SET bytes = ? WHERE seq = ?').run(row.bytes, seq);
    } finally {
      db.close();
    }
  });

  it.each(['phone', 'desktop'] as ViewportName[])('the verify page says which record fails, in red (%s)', async (vp) => {
    const tp = await openPage(browser, base, vp);
    try {
      await loginAs(tp.page, 'jiwei', user('jiwei').password);
      await tp.page.goto('/#/inspector/verify');
      const verdict = tp.page.getByRole('alert').filter({ hasText: `校验失败：第 ${seq} 条记录与签名不符` });
      await verdict.waitFor();
      expect(await verdict.evaluate((el) => (globalThis as unknown as { getComputedStyle: (e: unknown) => { color: string } }).getComputedStyle(el).color)).toBe('rgb(192, 41, 27)');
      expect(await tp.page.getByText('完整，未被篡改').count()).toBe(0);
      await snap(tp, `seal-inspector-verify-failed-${vp}`);
      expect(tp.problems()).toEqual([]);
    } finally {
      await tp.close();
    }
  });
});

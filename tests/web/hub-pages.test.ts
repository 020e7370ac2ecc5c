/**
 * The hub's pages (上级平台) in a real browser (headless Chromium), on a phone (390×844) and a
 * desktop (1280×800), against real parts: a real mosquitto as the upstream broker, a gateway
 * (in this process) whose MQTT seal sleeve is the simulator's, syncing its journal — requests,
 * approvals, stamps and their photos — to a hub protected by an access token; and a second
 * village whose journal is sent by hand over the same broker.
 *
 *   - an inspector (纪委) enters the token (a wrong one first), sees both sites 完整，未被篡改,
 *     finds the stamps by site, seal and date, opens one with its photo and its request from
 *     beginning to end, and downloads the site's evidence bundle (which `sealift verify --bundle`
 *     accepts); the token lasts for the tab, 退出 forgets it;
 *   - then somebody rewrites the gateway's history (edits a receipted record in its SQLite file,
 *     rebuilds the tree, re-signs the checkpoint) and restarts it: the inspector sees the site
 *     quarantined and the tamper alarm in words, counted per kind and per site;
 *   - a hub without a token opens its pages directly.
 *
 * Every page is saved as test-artifacts/screenshots/hub-<page>-<phone|desktop>.png. Any console
 * error, uncaught exception or request leaving the hub fails the test.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/core/config.js';
import { openStore } from '../../src/gateway/store.js';
import { syncFeature } from '../../src/sync/feature.js';
import type { Gateway } from '../../src/gateway/app.js';
import { buildHubHttp } from '../../src/hub/http.js';
import type { Hub } from '../../src/hub/hub.js';
import type { Http } from '../../src/api/server.js';
import { loadOrCreateKey } from '../../src/store/keys.js';
import { signCheckpoint } from '../../src/store/checkpoint.js';
import { leafHash, MerkleTree } from '../../src/store/merkle.js';
import { canonicalJson } from '../../src/store/record.js';
import { topics } from '../../src/sync/protocol.js';
import type { SimSeal } from '../../sim/seal/devices.js';
import { sealift, tmp } from '../helpers/cli.js';
import { Client, startInproc } from '../helpers/inproc.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { launchBrowser, type ViewportName } from '../helpers/browser.js';
import { allHoursSeal, drawPhotos, heading, mainNav, pageOpener, snap, stampingSleeve } from './helpers.js';
import { batch, fakeGateway, startTestHub, testLog, waitFor } from '../hub/helpers.js';
import { upstreamEnv } from '../sync/helpers.js';

const GW = 'dongfeng';
const OTHER = 'xinhe';
const TOKEN = 'county-jiwei-2025';
const DOC = '村民居住证明（张三）';
const USERS = [
  { name: 'wenshu', role: 'keeper' as const, displayName: '王文书', password: 'keeper-pass-1' },
  { name: 'shuji', role: 'approver' as const, displayName: '张书记', password: 'approver-pass-1' },
];

/** An <img> as the browser sees it (the tests compile without the DOM library). */
type Img = { naturalWidth: number };


/** "2025-11-22" in Beijing time, as a date input takes it. */
const beijingDate = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

let mosq: Mosquitto;
let hub: Hub;
let http: Http;
let base: string;
let data: string;
let env: NodeJS.ProcessEnv;
let gw: Gateway;
let stopGateway: () => Promise<void>;
let browser: Browser;
let sleeve: SimSeal | undefined;
let stopStamping: (() => void) | undefined;
let photos: Buffer[];
let vkey: string;

const gatewayFeatures = () => [allHoursSeal(), syncFeature];
const open = pageOpener(() => ({ browser, base }));

/** The hub verified everything the gateway journaled, and holds every photo it took. */
async function synced(): Promise<void> {
  await waitFor(
    async () => {
      const size = gw.store.journal.size;
      const s = await hub.store.getGateway(GW);
      if (!s || s.held !== size || s.verified !== size) return false;
      const shas = (gw.store.db.prepare('SELECT photo FROM seal_stamps WHERE photo IS NOT NULL').all() as { photo: string }[]).map((r) => r.photo);
      return shas.every((sha) => readdirSync(hub.store.photosDir()).includes(sha));
    },
    'the hub to verify the whole journal and hold every photo',
    60_000,
    200,
  );
}

beforeAll(async () => {
  mosq = await Mosquitto.start();
  hub = await startTestHub(mosq.url);
  http = buildHubHttp(hub, testLog(), TOKEN, { timezone: 'Asia/Shanghai' });
  await http.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(http.server.address() as { port: number }).port}`;
  browser = await launchBrowser();
  photos = await drawPhotos(browser, 3);

  // ---- 东风村: a gateway syncing to the hub, its sleeve stamping every grant with a photo
  data = join(tmp('sealift-web-hub-'), 'data');
  env = { SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: GW, SEALIFT_GATEWAY_NAME: '东风村村委会', SEALIFT_BROKER_PORT: '0', SEALIFT_HTTP_PORT: '0', ...upstreamEnv(mosq.url, hub.key.vkey) };
  const store = await openStore(loadConfig({ env }));
  let secret: string;
  try {
    for (const u of USERS) await store.registry.addUser({ name: u.name, role: u.role, displayName: u.displayName }, u.password);
    ({ secret } = await store.registry.addDevice({ id: 'seal-01', profile: 'seal-mqtt', name: '村委会公章' }));
  } finally {
    await store.close();
  }
  vkey = loadOrCreateKey(data, `sealift/${GW}`).vkey;
  await hub.addGateway(GW, vkey);
  let gwBase: string;
  ({ gw, base: gwBase, stop: stopGateway } = await startInproc({ data, env, features: gatewayFeatures() }));
  // the first two photos are the sleeve's, the third the other village's
  ({ sleeve, stopStamping } = await stampingSleeve(gw, 'seal-01', secret, photos.slice(0, 2)));

  // the keeper files a request for 2 stamps, the secretary approves it, the sleeve stamps twice
  const keeper = await new Client(gwBase).login('wenshu', USERS[0]!.password);
  const filed = await keeper.post('/api/seal/requests', { seal: 'seal-01', matter: '证明', title: DOC, count: 2 });
  expect(filed.status, JSON.stringify(filed.body)).toBe(201);
  const approver = await new Client(gwBase).login('shuji', USERS[1]!.password);
  expect((await approver.post(`/api/seal/requests/${filed.body.id}/approve`, { note: '同意' })).status).toBe(200);
  await waitFor(
    async () => {
      const d = await keeper.get(`/api/seal/requests/${filed.body.id}`);
      return d.body.request?.state === 'completed' && d.body.stamps.length === 2 && d.body.stamps.every((s: { photoReceived: boolean }) => s.photoReceived);
    },
    'two stamps with their photos at the gateway',
  );
  // and somebody forces the sleeve: a stamp naming no grant (an anomaly)
  expect(sleeve.stamp({ bypass: true }).ok).toBe(true);
  await sleeve.whenIdle(10_000);

  // ---- 新河村: another village's journal, sent over the same broker
  const { journal: j } = fakeGateway(OTHER);
  await hub.addGateway(OTHER, j.key.vkey);
  const now = Date.now();
  await j.append({ kind: 'config.change', subject: 'seal-01', actor: 'cli', data: { op: 'device.add', device: { id: 'seal-01', profile: 'seal-mqtt', name: '新河村村委会公章' } } });
  await j.append({ kind: 'config.change', subject: 'lisi', actor: 'cli', data: { op: 'user.add', user: { name: 'lisi', role: 'keeper', displayName: '李文书' } } });
  await j.append({ kind: 'config.change', subject: 'zhao', actor: 'cli', data: { op: 'user.add', user: { name: 'zhao', role: 'approver', displayName: '赵书记' } } });
  const req = { request: 'R-XH-0001', seal: 'seal-01', matter: '合同', title: '土地流转合同', count: 1, notBefore: now, notAfter: now + 3600_000 };
  await j.append({ kind: 'seal.request', subject: req.request, actor: 'lisi', data: { ...req, note: null, escalated: false } });
  await j.append({ kind: 'seal.decision', subject: req.request, actor: 'zhao', data: { decision: 'approve', request: req.request, seal: 'seal-01', note: null, escalated: false } });
  const sha = createHash('sha256').update(photos[2]!).digest('hex');
  await j.append({
    kind: 'seal.stamp',
    subject: 'seal-01',
    data: { stamp: 'seal-01:3:9', seal: 'seal-01', grant: 'G-XH-1', request: req.request, n: 1, counter: 88, photo: sha, impression: true, decisionTime: now, timeBasis: 'gateway', outOfHours: false, counted: true },
  });
  const client = await mqtt.connectAsync(mosq.url, { clientId: `test-xinhe-${process.pid}` });
  try {
    await client.publishAsync(topics.journal(OTHER), batch(j, 0, j.size - 1), { qos: 1 });
    await client.publishAsync(topics.checkpoint(OTHER), j.checkpoint('test')!.note, { qos: 1 });
    await client.publishAsync(topics.evidence(OTHER, sha), photos[2]!, { qos: 1 });
  } finally {
    await client.endAsync();
  }
  await waitFor(async () => (await hub.store.getGateway(OTHER))?.verified === j.size, 'the second village verified');
  await synced();
}, 180_000);

afterAll(async () => {
  stopStamping?.();
  await sleeve?.stop();
  await browser?.close();
  await stopGateway?.();
  await http?.close();
  await hub?.stop();
  await mosq?.stop();
});


/** The token page, then the sites. */
async function enter(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('heading', { name: '输入访问口令' }).waitFor();
  await page.getByLabel('访问口令', { exact: true }).fill(TOKEN);
  await page.getByRole('button', { name: '进入' }).click();
  await heading(page, '站点').waitFor();
}

const naturalWidths = (page: Page, selector: string) =>
  page.locator(selector).evaluateAll((imgs) => imgs.map((i) => (i as unknown as Img).naturalWidth));

describe.each(['phone', 'desktop'] as ViewportName[])('hub pages on a %s', (vp) => {
  it('token → both sites complete → the stamps by site, seal and date with photos → one stamp and its request → the evidence bundle', { timeout: 120_000 }, async () => {
    const tp = await open(vp);
    const { page } = tp;

    // ---- the access token: missing, wrong, right
    await page.goto('/');
    await page.getByRole('heading', { name: '输入访问口令' }).waitFor();
    await heading(page, '上级平台').waitFor();
    expect(await page.title()).toBe('上级平台');
    await page.getByRole('button', { name: '进入' }).click();
    await page.getByText('请输入访问口令').waitFor();
    await page.getByLabel('访问口令', { exact: true }).fill('guess-1234');
    await page.getByRole('button', { name: '进入' }).click();
    await page.getByText('访问口令不正确，请核对后重新输入').waitFor();
    expect(await page.getByLabel('访问口令', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await snap(tp, `hub-login-${vp}`);
    await page.getByLabel('访问口令', { exact: true }).fill(TOKEN);
    await page.getByRole('button', { name: '进入' }).click();

    // ---- 站点: both villages complete
    await heading(page, '站点').waitFor();
    await page.waitForURL(/#\/hub\/sites$/);
    expect(await page.title()).toBe('站点 · 上级平台');
    expect(await mainNav(page).getByRole('link').allInnerTexts()).toEqual(['站点', '用印记录', '告警']);
    const site = page.getByRole('article', { name: GW });
    await site.getByText('完整，未被篡改').waitFor();
    await site.getByText('在线').waitFor();
    // each site by its name (from the gateway's own records), the id beside it; a site whose name
    // has not arrived is shown by its id
    await site.getByRole('link', { name: '东风村村委会', exact: true }).waitFor();
    await site.getByText(GW, { exact: true }).waitFor();
    await page.getByRole('article', { name: OTHER }).getByRole('link', { name: OTHER, exact: true }).waitFor();
    await site.getByText(/上级平台已逐条核验收到的全部 \d+ 条记录/).waitFor();
    await page.getByRole('article', { name: OTHER }).getByText('完整，未被篡改').waitFor();
    await snap(tp, `hub-sites-${vp}`);
    // the English switch, and back
    await page.getByRole('button', { name: '切换语言 / Switch language' }).click();
    await site.getByText('Complete, not tampered with').waitFor();
    await page.getByRole('button', { name: '切换语言 / Switch language' }).click();
    await site.getByText('完整，未被篡改').waitFor();

    // ---- 用印记录: all sites' stamps, newest first, then narrowed to one site, one seal, one day
    await mainNav(page).getByRole('link', { name: '用印记录' }).click();
    await heading(page, '用印记录').waitFor();
    const table = page.getByRole('table', { name: '用印记录', exact: true });
    await table.locator('tbody tr', { hasText: '土地流转合同' }).getByText(OTHER, { exact: true }).waitFor();
    await table.locator('tbody tr').getByText(`东风村村委会 · ${GW}`).first().waitFor();
    if (vp === 'phone') await page.locator('summary', { hasText: '查询条件' }).click();
    const yesterday = beijingDate(Date.now() - 86_400_000);
    const today = beijingDate(Date.now());
    await page.getByLabel('站点').selectOption(GW);
    await page.getByLabel('印章').selectOption({ label: '村委会公章' });
    await page.getByLabel('开始日期').fill(yesterday);
    await page.getByLabel('结束日期').fill(yesterday);
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await page.getByText('没有符合条件的记录').waitFor();
    await page.getByLabel('开始日期').fill(today);
    await page.getByLabel('结束日期').fill(today);
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await page.waitForURL(new RegExp(`gw=${GW}&seal=seal-01&from=${today}&to=${today}`));
    const rows = table.locator('tbody tr', { hasText: DOC });
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    for (const text of ['王文书', '张书记', '已核验', '第 1 次']) await rows.last().getByText(text).first().waitFor();
    await rows.first().getByText('村委会公章').waitFor();
    const forced = table.locator('tbody tr', { hasText: '无申请（未经授权）' });
    await forced.getByText(`东风村村委会 · ${GW}`, { exact: true }).waitFor();
    await forced.getByText('无授权盖章').waitFor();
    await rows.first().getByText('正常').waitFor();
    expect(await table.locator('tbody tr', { hasText: '土地流转合同' }).count()).toBe(0);
    await expect.poll(() => naturalWidths(page, `table[aria-label="用印记录"] tbody tr:has-text("${DOC}") img`)).toEqual([640, 640]);
    await snap(tp, `hub-logs-${vp}`);

    // ---- one stamp: its photo, both clocks, and its request from beginning to end
    await rows.last().click();
    await page.waitForURL(new RegExp(`#/hub/logs/${GW}/\\d+$`));
    await heading(page, '盖章详情').waitFor();
    await page.getByText(/^已核验$/).first().waitFor();
    await expect.poll(() => naturalWidths(page, '.stamp-detail img')).toEqual([640]);
    await page.locator('.stamp-detail').getByText(DOC).waitFor();
    await page.locator('.stamp-detail').getByText('第 1 次').waitFor();
    for (const step of ['提交申请', '批准', '授权发送到“村委会公章”', '印章确认收到授权', '第 1 次盖章（共批准 2 次）', '第 2 次盖章（共批准 2 次）', '已盖完 2 次，授权结束']) {
      await page.locator('.timeline').getByText(step, { exact: true }).waitFor();
    }
    await page.locator('.timeline').getByText('意见：同意').waitFor();
    // (photos load lazily: as on a phone, scroll down to them)
    for (const img of await page.locator('.timeline img').all()) await img.scrollIntoViewIfNeeded();
    await expect.poll(() => naturalWidths(page, '.timeline img')).toEqual([640, 640]);
    await snap(tp, `hub-stamp-${vp}`);
    // back to the same search
    await page.getByRole('link', { name: '返回用印记录' }).click();
    await page.waitForURL(new RegExp(`#/hub/logs\\?gw=${GW}&seal=seal-01&from=${today}&to=${today}$`));
    await expect.poll(() => rows.count()).toBe(2);

    // ---- the approvals of that seal: the decision names the request, not the seal, and is found all the same
    // (the search card is open: a search is set)
    await page.getByLabel('记录类型').selectOption({ label: '审批（批准或驳回）' });
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await page.getByRole('heading', { name: '审批记录' }).waitFor();
    const decision = table.locator('tbody tr', { hasText: DOC });
    await expect.poll(() => decision.count()).toBe(1);
    await decision.getByText('审批：批准').waitFor();
    await decision.getByText('张书记').waitFor();
    await decision.click();
    await heading(page, '审批').waitFor();
    await page.getByText(`用印申请：${DOC}`).waitFor();
    await page.locator('.timeline').getByText('第 2 次盖章（共批准 2 次）').waitFor();
    await page.locator('summary', { hasText: '原始记录' }).click();
    await page.locator('.hub-raw').getByText('"decision": "approve"').waitFor();
    await snap(tp, `hub-record-${vp}`);

    // ---- the site: details and the evidence bundle
    await mainNav(page).getByRole('link', { name: '站点' }).click();
    await page.getByRole('article', { name: GW }).getByRole('link', { name: '详情与导出' }).click();
    await heading(page, `东风村村委会 · ${GW}`).waitFor();
    await page.getByText('完整，未被篡改').waitFor();
    await page.getByText(/已确认收到前 \d+ 条记录/).waitFor();
    await page.getByText(`sealift verify --bundle bundle --key '${vkey}'`).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出证据包 (.tar)' }).click()]);
    expect(download.suggestedFilename()).toBe(`sealift-${GW}-export.tar`);
    const dir = tmp('sealift-hub-bundle-');
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    await page.getByText(`已下载 sealift-${GW}-export.tar`).waitFor();
    const entries = spawnSync('tar', ['tf', file], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    const manifest = entries.find((e) => /(^|\/)manifest\.json$/.test(e));
    expect(manifest, entries.join(', ')).toBeDefined();
    expect(entries.some((e) => /(^|\/)records\.jsonl$/.test(e))).toBe(true);
    // what the page says to do works: unpack, then verify with the gateway's key
    const out = join(dir, 'bundle');
    mkdirSync(out);
    expect(spawnSync('tar', ['xf', file, '-C', out]).status).toBe(0);
    const v = sealift(['verify', '--bundle', join(out, dirname(manifest!)), '--key', vkey]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    await snap(tp, `hub-site-${vp}`);

    // ---- the token lasts for this tab; 退出 forgets it
    await page.reload();
    await heading(page, GW).waitFor();
    await page.getByRole('button', { name: /^退出/ }).click();
    await page.getByText('您已退出。').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: '输入访问口令' }).waitFor();
  });
});

describe('after the gateway’s history is rewritten', () => {
  beforeAll(async () => {
    stopStamping?.();
    await sleeve?.stop();
    sleeve = undefined;
    await stopGateway();
    // The rewrite: the title of the request the hub verified, changed in the gateway's file, the
    // tree rebuilt and the checkpoint re-signed with the gateway's own key.
    const db = new Database(join(data, 'sealift.db'));
    const target = db.prepare("SELECT seq, bytes FROM journal WHERE kind = 'seal.request' LIMIT 1").get() as { seq: number; bytes: Buffer };
    const rec = JSON.parse(target.bytes.toString()) as { data: Record<string, unknown> };
    rec.data.title = '村民居住证明（李四）';
    const forged = Buffer.from(canonicalJson(rec, 'record'));
    db.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; DROP TRIGGER checkpoints_no_update; DROP TRIGGER checkpoints_no_delete');
    db.prepare('UPDATE journal SET bytes = ?, leaf = ? WHERE seq = ?').run(forged, leafHash(forged), target.seq);
    const leaves = (db.prepare('SELECT leaf FROM journal ORDER BY seq').raw(true).all() as [Buffer][]).map((r) => r[0]);
    const tree = new MerkleTree(leaves);
    db.exec('DELETE FROM checkpoints; DELETE FROM merkle_state');
    db.prepare('INSERT INTO checkpoints (size, root, note, ts) VALUES (?, ?, ?, ?)').run(
      leaves.length,
      tree.root().toString('base64'),
      signCheckpoint(loadOrCreateKey(data, `sealift/${GW}`), leaves.length, tree.root()),
      Date.now(),
    );
    db.close();
    ({ gw, stop: stopGateway } = await startInproc({ data, env, features: gatewayFeatures() }));
    await waitFor(async () => (await hub.store.getGateway(GW))?.status === 'tampered', 'the tamper alarm at the hub', 60_000);
  }, 120_000);

  describe.each(['phone', 'desktop'] as ViewportName[])('on a %s', (vp) => {
    it('shows the site quarantined and the tamper alarm in words, per kind and per site', { timeout: 60_000 }, async () => {
      const tp = await open(vp);
      const { page } = tp;
      await enter(page);
      const site = page.getByRole('article', { name: GW });
      await site.getByText('历史记录被改写，已隔离').waitFor();
      await page.getByRole('article', { name: OTHER }).getByText('完整，未被篡改').waitFor();
      // the quarantined site comes first
      expect(await page.locator('article.hub-site').first().getAttribute('aria-label')).toBe(GW);
      await snap(tp, `hub-sites-tampered-${vp}`);

      // 告警: counted per kind and per site, each in plain words
      await mainNav(page).getByRole('link', { name: '告警' }).click();
      await heading(page, '告警').waitFor();
      const kind = page.getByRole('button', { name: /历史记录被改写/ });
      await kind.waitFor();
      await page.getByRole('table', { name: /各站点告警/ }).locator('tbody tr', { hasText: GW }).getByText(/历史记录被改写 × 1/).waitFor();
      const list = page.getByRole('table', { name: '告警', exact: true });
      const row = list.locator('tbody tr', { hasText: '历史记录被改写' });
      await row.getByText(/站点已隔离/).waitFor();
      await row.getByText('严重').waitFor();
      await snap(tp, `hub-alarms-${vp}`);
      await kind.click();
      await page.waitForURL(/#\/hub\/alarms\?kind=tamper$/);
      await page.getByText('只看“历史记录被改写”').waitFor();

      // the site: what happened, what to do, the alarm; what was verified can still be exported
      await row.getByRole('link', { name: GW }).click();
      await heading(page, GW).waitFor();
      await page.getByText('历史记录被改写，已隔离').waitFor();
      await page.getByText(/请保存本页截图，导出证据包/).waitFor();
      await page.getByRole('table', { name: '告警', exact: true }).getByText('历史记录被改写').waitFor();
      await page.getByRole('button', { name: '导出证据包 (.tar)' }).waitFor();
      await snap(tp, `hub-site-tampered-${vp}`);
    });
  });

  it('an operator lifts the quarantine: the alarm says who and why, the site says it was released', { timeout: 60_000 }, async () => {
    // the gateway is examined (stopped), then released from the command line next to the hub
    await stopGateway();
    stopGateway = async () => undefined;
    const r = sealift(['hub', 'gateway', 'release', GW, '--reason', '县纪委现场检查完毕', '--data', dirname(hub.dir)]);
    expect(r.code, r.stderr).toBe(0);
    const tp = await open('desktop');
    const { page } = tp;
    await enter(page);
    await page.getByRole('article', { name: GW }).getByText('完整，未被篡改').waitFor();
    await mainNav(page).getByRole('link', { name: '告警' }).click();
    await heading(page, '告警').waitFor();
    await page.getByRole('button', { name: /已解除隔离/ }).waitFor();
    const row = page.getByRole('table', { name: '告警', exact: true }).locator('tbody tr', { hasText: '已解除隔离' });
    await row.getByText(/解除了隔离，原因：县纪委现场检查完毕/).waitFor();
    await row.getByRole('link', { name: `东风村村委会 · ${GW}` }).click();
    await heading(page, `东风村村委会 · ${GW}`).waitFor();
    await page.getByText(/由 \S+ 解除隔离，原因：县纪委现场检查完毕/).waitFor();
    expect(await page.getByText(/请保存本页截图/).count()).toBe(0);
    await snap(tp, 'hub-site-released-desktop');
  });
});

describe('a hub without a token', () => {
  it('opens its pages directly, with nothing to log out of', async () => {
    const open2 = buildHubHttp(hub, testLog(), null, { timezone: 'Asia/Shanghai' });
    await open2.listen({ host: '127.0.0.1', port: 0 });
    try {
      const tp = await open('desktop', { base: `http://127.0.0.1:${(open2.server.address() as { port: number }).port}` });
      await tp.page.goto('/');
      await heading(tp.page, '站点').waitFor();
      await tp.page.getByRole('article', { name: OTHER }).waitFor();
      expect(await tp.page.getByRole('button', { name: /^退出/ }).count()).toBe(0);
    } finally {
      await open2.close();
    }
  });
});

/**
 * The seal HTTP API: roles (each refusal a clear error and a `user.denied` record), input
 * validation (4xx with a reason, nothing written), and the full journey — keeper files, approver
 * approves, the simulated sleeves (serial and MQTT) receive the grant and stamp with photos, the
 * inspector finds the stamps, their photos and the anomalies, exports a bundle, downloads it as a
 * .tar, and verifyBundle accepts it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyBundle } from '../../src/store/export.js';
import { autoStamp } from '../../sim/seal/scenarios.js';
import { nextLocalTime } from '../../sim/seal/clock.js';
import { tmp } from '../helpers/cli.js';
import type { Client } from '../helpers/inproc.js';
import { sealRig, waitFor, type SealRig } from './helpers.js';

describe('seal HTTP API', () => {
  let r: SealRig;
  let keeper: Client;
  let keeper2: Client;
  let approver: Client;
  let township: Client;
  let inspector: Client;
  let admin: Client;
  const denials = () => r.records('user.denied');
  const window = () => ({ notBefore: r.clock.now(), notAfter: r.clock.now() + 3600_000 });

  beforeAll(async () => {
    // a Tuesday-like working morning on the shared clock, whenever the test runs
    r = await sealRig({ serial: ['s1'], mqtt: ['m1'], clockStart: nextLocalTime(Date.now(), 10, 0, { weekday: true }) });
    [keeper, keeper2, approver, township, inspector, admin] = (await Promise.all(
      (['keeper', 'keeper2', 'approver', 'township', 'inspector', 'admin'] as const).map((w) => r.client(w)),
    )) as [Client, Client, Client, Client, Client, Client];
  });
  afterAll(() => r?.stop());

  describe('roles', () => {
    let id: string;
    beforeAll(async () => {
      const res = await keeper.post('/api/seal/requests', { seal: 's1', matter: '证明', title: '低保证明', count: 1, ...window() });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      id = res.body.id;
    });

    it('a keeper cannot approve: 403 with a clear message, journaled', async () => {
      const res = await keeper.post(`/api/seal/requests/${id}/approve`, {});
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'forbidden' });
      expect(res.body.message).toMatch(/keeper.*approver/);
      expect(denials().at(-1)).toMatchObject({ actor: 'wenshu', data: { action: 'POST /api/seal/requests/:id/approve' } });
    });

    it('an approver cannot approve their own request: refused, SELF_APPROVAL, escalated to another approver', async () => {
      const mine = await approver.post('/api/seal/requests', { seal: 's1', matter: '合同', title: '村集体合同', count: 1, ...window() });
      expect(mine.status).toBe(201);
      expect(mine.body.escalated).toBe(true); // filed by an approver: another must decide
      expect((await approver.get('/api/seal/queue')).body.items.map((x: { id: string }) => x.id)).not.toContain(mine.body.id);
      const res = await approver.post(`/api/seal/requests/${mine.body.id}/approve`, {});
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('self_approval');
      expect(res.body.message).toMatch(/escalated/);
      expect(denials().at(-1)).toMatchObject({ actor: 'shuji', data: { action: 'seal.approve' } });
      const anomaly = r.records('seal.anomaly').at(-1)!;
      expect(anomaly).toMatchObject({ actor: 'shuji', data: { code: 'SELF_APPROVAL', request: mine.body.id } });
      expect((await township.get('/api/seal/queue')).body.items.map((x: { id: string }) => x.id)).toContain(mine.body.id);
      // the township approver decides it; the decision records the escalation
      const ok = await township.post(`/api/seal/requests/${mine.body.id}/reject`, { reason: '材料不全' });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ state: 'rejected', decidedBy: 'zhenli', reason: '材料不全' });
    });

    it('an inspector cannot change anything: every write refused and journaled', async () => {
      const writes: [string, unknown][] = [
        ['/api/seal/requests', { seal: 's1', matter: '证明', title: 'x', count: 1 }],
        [`/api/seal/requests/${id}/approve`, {}],
        [`/api/seal/requests/${id}/reject`, { reason: 'no' }],
        [`/api/seal/requests/${id}/withdraw`, {}],
        ['/api/seal/grants/G-x/revoke', { reason: 'no' }],
        ['/api/seal/seals/s1/lock', { reason: 'no' }],
        ['/api/seal/seals/s1/break-glass', { reason: 'a long enough reason' }],
      ];
      const before = denials().length;
      for (const [path, body] of writes) {
        const res = await inspector.post(path, body);
        expect(res.status, path).toBe(403);
        expect(res.body.message).toMatch(/inspector/);
      }
      expect(denials().length).toBe(before + writes.length);
      expect(denials().slice(-writes.length).every((d) => d.actor === 'jiwei')).toBe(true);
    });

    it('a keeper sees and withdraws only their own requests; an admin cannot approve', async () => {
      const other = await keeper2.get(`/api/seal/requests/${id}`);
      expect(other.status).toBe(403);
      expect(denials().at(-1)).toMatchObject({ actor: 'wenshu2' });
      expect((await keeper2.get('/api/seal/requests')).body.items).toEqual([]);
      const w = await keeper2.post(`/api/seal/requests/${id}/withdraw`, {});
      expect(w.status).toBe(403);
      expect(w.body.message).toMatch(/only the requester/);
      expect(denials().at(-1)).toMatchObject({ actor: 'wenshu2', data: { action: 'seal.withdraw' } });
      expect((await admin.post(`/api/seal/requests/${id}/approve`, {})).status).toBe(403);
      const mine = await keeper.post(`/api/seal/requests/${id}/withdraw`, { reason: '不需要了' });
      expect(mine.status).toBe(200);
      expect(mine.body.state).toBe('withdrawn');
      expect((await approver.post(`/api/seal/requests/${id}/approve`, {})).status).toBe(409);
    });

    it('without a session: 401', async () => {
      const { Client: C } = await import('../helpers/inproc.js');
      expect((await new C(r.base).get('/api/seal/stamps')).status).toBe(401);
    });
  });

  describe('input validation: 4xx with a reason, nothing written', () => {
    const cases: [string, unknown, RegExp][] = [
      ['malformed JSON', '{"seal": "s1", ', /json|body/i],
      ['not an object', '[1,2]', /object/i],
      ['unknown field', { seal: 's1', matter: '证明', title: 't', count: 1, extra: true }, /extra|additional/i],
      ['missing title', { seal: 's1', matter: '证明', count: 1 }, /title/],
      ['unknown matter type', { seal: 's1', matter: '买菜', title: 't', count: 1 }, /matter/],
      ['unknown seal', { seal: 'nope', matter: '证明', title: 't', count: 1 }, /no seal sleeve "nope"/],
      ['count 0', { seal: 's1', matter: '证明', title: 't', count: 0 }, /count/],
      ['negative count', { seal: 's1', matter: '证明', title: 't', count: -3 }, /count/],
      ['absurdly many stamps', { seal: 's1', matter: '证明', title: 't', count: 1_000_000 }, /count.*more than the 50/],
      ['fractional count', { seal: 's1', matter: '证明', title: 't', count: 1.5 }, /count/],
      ['window in the past', { seal: 's1', matter: '证明', title: 't', count: 1, notBefore: '2020-01-01T08:00:00+08:00', notAfter: '2020-01-01T18:00:00+08:00' }, /past/],
      ['window ending before it starts', { seal: 's1', matter: '证明', title: 't', count: 1, notBefore: Date.now() + 7200_000, notAfter: Date.now() + 3600_000 }, /end after it starts/],
      ['absurdly long window', { seal: 's1', matter: '证明', title: 't', count: 1, notAfter: Date.now() + 400 * 24 * 3600_000 }, /longer than 72 hours/],
      ['unreadable time', { seal: 's1', matter: '证明', title: 't', count: 1, notBefore: 'tomorrow-ish' }, /notBefore/],
      ['blank title', { seal: 's1', matter: '证明', title: '   ', count: 1 }, /title/],
    ];
    it.each(cases)('%s', async (_what, body, reason) => {
      const before = r.gw.store.journal.size;
      const res = await keeper.req('POST', '/api/seal/requests', body);
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.message).toMatch(reason);
      expect(r.gw.store.journal.size).toBe(before);
    });

    it('other endpoints validate too: reject without a reason, unknown request, bad query, lock unknown seal', async () => {
      const before = r.gw.store.journal.size;
      expect((await approver.post('/api/seal/requests/R-1/reject', {})).status).toBe(400);
      expect((await approver.post('/api/seal/requests/R-1/approve', {})).status).toBe(404);
      expect((await approver.post('/api/seal/seals/nope/lock', { reason: 'test lock' })).status).toBe(404);
      expect((await approver.post('/api/seal/seals/s1/break-glass', { reason: 'short' })).status).toBe(400);
      expect((await approver.post('/api/seal/seals/s1/break-glass', { reason: 'a long enough reason', uses: 99 })).status).toBe(400);
      expect((await inspector.get('/api/seal/stamps?pageSize=100000')).status).toBe(400);
      expect((await inspector.get('/api/seal/stamps?from=yesterday')).status).toBe(400);
      expect((await inspector.get('/api/seal/anomalies?code=NOT_A_CODE')).status).toBe(400);
      expect((await inspector.get('/api/seal/photos/abc')).status).toBe(400);
      expect((await inspector.post('/api/exports', { kind: 'nonsense.kind' })).status).toBe(400);
      expect(r.gw.store.journal.size).toBe(before);
    });
  });

  describe('the full journey', () => {
    const requests: Record<string, string> = {};

    it('keeper files for both sleeves, approver approves, the sleeves receive the grants and stamp with photos', async () => {
      const stops = r.sleeves.map((s) => autoStamp(s, { delayMs: 20, intervalMs: 30 }));
      try {
        for (const seal of ['s1', 'm1']) {
          const f = await keeper.post('/api/seal/requests', { seal, matter: '土地承包', title: `土地承包合同 ${seal}`, count: 2, note: '第二轮延包', ...window() });
          expect(f.status).toBe(201);
          expect(f.body).toMatchObject({ state: 'requested', requester: 'wenshu', count: 2, seal });
          requests[seal] = f.body.id;
          const queue = await approver.get('/api/seal/queue');
          expect(queue.body.items.map((x: { id: string }) => x.id)).toContain(f.body.id);
          const a = await approver.post(`/api/seal/requests/${f.body.id}/approve`, { note: '同意' });
          expect(a.status).toBe(200);
          expect(a.body).toMatchObject({ state: 'approved', decidedBy: 'shuji', grant: expect.stringMatching(/^G-/) });
        }
        for (const seal of ['s1', 'm1']) {
          await waitFor(async () => (await keeper.get(`/api/seal/requests/${requests[seal]}`)).body.request.state === 'completed', 10_000, `${seal} completed`);
        }
        for (const s of r.sleeves) await s.whenIdle(5000);
      } finally {
        for (const s of stops) s();
      }
      const mine = await keeper.get('/api/seal/requests');
      expect(mine.body.items.filter((x: { state: string }) => x.state === 'completed').map((x: { id: string }) => x.id)).toEqual(
        expect.arrayContaining([requests.s1, requests.m1]),
      );
    });

    it('the inspector drills down request → decision → grant → each stamp → photo', async () => {
      for (const seal of ['s1', 'm1']) {
        const d = await waitFor(async () => {
          const res = await inspector.get(`/api/seal/requests/${requests[seal]}`);
          return res.body.stamps.every((s: { photoReceived: boolean }) => s.photoReceived) ? res : undefined;
        }, 5000, 'photos linked');
        expect(d.status).toBe(200);
        expect(d.body.records.map((x: { kind: string }) => x.kind)).toEqual(['seal.request', 'seal.decision', 'seal.grant', 'seal.grant.acked', 'seal.complete']);
        expect(d.body.grants[0]).toMatchObject({ uses: 2, used: 2, state: 'completed' });
        expect(d.body.stamps).toHaveLength(2);
        for (const st of d.body.stamps) {
          expect(st).toMatchObject({ seal, requester: 'wenshu', approver: 'shuji', matter: '土地承包', impression: true, anomalies: [] });
          const photo = await fetch(r.base + st.photoUrl, { headers: { cookie: (inspector as unknown as { cookie: string }).cookie } });
          expect(photo.status).toBe(200);
          expect(photo.headers.get('content-type')).toBe('image/jpeg');
          const bytes = Buffer.from(await photo.arrayBuffer());
          expect(createHash('sha256').update(bytes).digest('hex')).toBe(st.photo);
        }
        expect(d.body.anomalies).toEqual([]);
      }
    });

    it('the inspector searches stamp logs by date, seal, person, matter, anomaly and out-of-hours, with paging', async () => {
      const all = await inspector.get('/api/seal/stamps?pageSize=1');
      expect(all.status).toBe(200);
      expect(all.body.total).toBeGreaterThanOrEqual(4);
      expect(all.body.items).toHaveLength(1);
      const q = (s: string) => inspector.get(`/api/seal/stamps?${s}`).then((x) => x.body);
      expect((await q('seal=m1&matter=土地承包')).total).toBe(2);
      expect((await q('person=shuji')).total).toBeGreaterThanOrEqual(4);
      expect((await q('person=nobody')).total).toBe(0);
      expect((await q('outOfHours=true')).total).toBe(0);
      expect((await q(`from=${r.clock.now() - 3600_000}&to=${r.clock.now() + 1000}`)).total).toBeGreaterThanOrEqual(4);
      expect((await q(`to=${r.clock.now() - 24 * 3600_000}`)).total).toBe(0);
      expect((await q('anomalous=false&page=2&pageSize=2')).items).toHaveLength(2);
      // an anomaly shows up: a bypassed stamp
      r.sleeves[0]!.stamp({ bypass: true });
      await r.sleeves[0]!.whenIdle(5000);
      const bad = await q('anomaly=STAMP_WITHOUT_GRANT');
      expect(bad.total).toBe(1);
      expect(bad.items[0].anomalies).toContain('STAMP_WITHOUT_GRANT');
      const an = await inspector.get('/api/seal/anomalies');
      expect(an.body.counts).toMatchObject({ STAMP_WITHOUT_GRANT: 1, SELF_APPROVAL: 1 });
      expect(an.body.items[0]).toMatchObject({ code: 'STAMP_WITHOUT_GRANT', seal: 's1' });
      // keepers see only their own stamps
      expect((await keeper2.get('/api/seal/stamps')).body.total).toBe(0);
      const seals = await inspector.get('/api/seal/seals');
      expect(seals.body.seals.map((s: { id: string }) => s.id).sort()).toEqual(['m1', 's1']);
      expect(seals.body.seals.find((s: { id: string }) => s.id === 's1')).toMatchObject({ online: true, clockOk: true, sealPresent: null });
    });

    it('the inspector exports a bundle (journaled), downloads it as .tar and CSV, and verifyBundle accepts it; verify says the journal is intact', async () => {
      const e = await inspector.post('/api/exports', { kind: 'seal.*' });
      expect(e.status, JSON.stringify(e.body)).toBe(201);
      expect(e.body.count).toBeGreaterThan(10);
      expect(e.body.photos).toBeGreaterThanOrEqual(4);
      expect(r.records('audit.export').at(-1)).toMatchObject({ actor: 'jiwei', data: { export: e.body.id, count: e.body.count } });
      const cookie = (inspector as unknown as { cookie: string }).cookie;
      const tar = await fetch(r.base + e.body.files.tar, { headers: { cookie } });
      expect(tar.status).toBe(200);
      expect(tar.headers.get('content-type')).toBe('application/x-tar');
      const dir = tmp('sealift-bundle-');
      const file = join(dir, 'b.tar');
      writeFileSync(file, Buffer.from(await tar.arrayBuffer()));
      mkdirSync(join(dir, 'x'));
      execFileSync('tar', ['-xf', file, '-C', join(dir, 'x')]);
      const v = verifyBundle(join(dir, 'x', e.body.id), { vkey: r.gw.store.journal.key.vkey });
      expect(v, JSON.stringify(v.firstBad)).toMatchObject({ ok: true, count: e.body.count });
      expect(v.photos).toBe(e.body.photos);
      const csv = await fetch(r.base + e.body.files.csv, { headers: { cookie } });
      expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
      const raw = Buffer.from(await csv.arrayBuffer());
      expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM: Excel opens it as UTF-8
      const text = raw.toString('utf8');
      expect(text.slice(1).startsWith('序号')).toBe(true);
      expect(text).toContain('seal.stamp');
      expect((await keeper.post('/api/exports', {})).status).toBe(403);
      const ver = await inspector.get('/api/verify');
      expect(ver.status).toBe(200);
      expect(ver.body).toMatchObject({ ok: true, records: r.gw.store.journal.size });
      expect(ver.body.lastCheckpoint.size).toBeGreaterThan(0);
    });

    it('revoke and remote lock reach the sleeve', async () => {
      const s = r.sleeves.find((x) => x.id === 'm1')!;
      const f = await keeper.post('/api/seal/requests', { seal: 'm1', matter: '建房', title: '建房审批表', count: 3, ...window() });
      const a = await approver.post(`/api/seal/requests/${f.body.id}/approve`, {});
      await waitFor(() => s.grant?.grant === a.body.grant, 5000, 'grant');
      const rv = await approver.post(`/api/seal/grants/${a.body.grant}/revoke`, { reason: '申请人撤回材料' });
      expect(rv.status).toBe(200);
      expect(rv.body.state).toBe('revoked');
      await waitFor(() => s.grant?.revoked === true, 5000, 'revoked on the sleeve');
      expect(s.stamp().ok).toBe(false); // the sleeve refuses
      const lk = await approver.post('/api/seal/seals/m1/lock', { reason: '印章保管检查' });
      expect(lk.status).toBe(200);
      await waitFor(() => s.locked, 5000, 'locked');
      await s.whenIdle(5000);
      expect((await inspector.get('/api/seal/seals/m1')).body.locked).toBe(true);
    });

    it('hub commands: the township approver decides an escalated request remotely; a repeat answers the state', async () => {
      const { commandsOf } = await import('../../src/sync/commands.js');
      const run = (name: string, args: Record<string, unknown>) =>
        Promise.resolve(commandsOf({ journal: r.gw.store.journal }).get(name)!({ id: 'c1', name, gw: 'testgw', args, by: args.by as string, log: r.gw.log }));
      const f = await approver.post('/api/seal/requests', { seal: 's1', matter: 'other', title: '镇审批', count: 1, ...window() });
      expect(f.body.escalated).toBe(true);
      await expect(run('approve', { by: 'wenshu', request: f.body.id, decision: 'approve' })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(run('approve', { by: 'shuji', request: f.body.id, decision: 'approve' })).rejects.toMatchObject({ code: 'self_approval' });
      const ok = (await run('approve', { by: 'zhenli', request: f.body.id, decision: 'approve', comment: '同意' })) as { state: string };
      expect(ok.state).toBe('approved');
      const again = (await run('approve', { by: 'zhenli', request: f.body.id, decision: 'approve' })) as { state: string; decidedBy: string };
      expect(again.decidedBy).toBe('zhenli');
      expect(r.records('seal.decision').filter((d) => d.subject === f.body.id)).toHaveLength(1);
      expect(r.records('seal.decision').at(-1)).toMatchObject({ actor: 'zhenli', data: { escalated: true } });
      const lk = (await run('lock', { by: 'zhenli', seal: 's1' })) as { id: string };
      expect(lk.id).toBe('s1');
    });

    it('publishes the seal API in the OpenAPI description', async () => {
      const doc = await inspector.get('/api/docs/json');
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/seal/requests', '/api/seal/requests/{id}/approve', '/api/seal/stamps', '/api/exports']));
    });
  });
});

/**
 * A maintainer follows faults over the HTTP API on a live simulated site (pty Modbus bus + MQTT kit):
 * live feed, fault list and detail, the lifecycle from raise to close with its times, escalation of an
 * unacknowledged critical fault, false alarms, roles, clear 4xx errors, maintenance visits that
 * suppress the rules, the calendar, statistics, repeat faults and the worst lifts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../helpers/inproc.js';
import { injectScenario } from '../../sim/lift/scenarios.js';
import type { LiftSite } from '../../sim/lift/scenarios.js';
import { liftRig, PASSWORD, sleep, waitFor, watcher, type LiftRig } from './helpers.js';

const FLOORS = { lo: -1, hi: 8 };
let rig: LiftRig;
let site: LiftSite;
let weibao: Client;
let admin: Client;
let jiwei: Client;
let mqttWatch: Awaited<ReturnType<typeof watcher>>;

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** The live feed as a browser's EventSource would read it. */
async function openStream(base: string, token: string): Promise<{ events: SseEvent[]; close: () => void }> {
  const ctl = new AbortController();
  const res = await fetch(`${base}/api/lifts/stream`, { headers: { authorization: `Bearer ${token}` }, signal: ctl.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  void (async () => {
    let buf = '';
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return { events, close: () => ctl.abort() };
}

beforeAll(async () => {
  rig = await liftRig({
    devices: [
      { id: 'm1', name: '1号楼1单元', profile: 'lift-modbus', port: 'bus1', slave: 1, baud: 19200, ratedSpeed: 2000, floors: FLOORS },
      { id: 'm2', name: '1号楼2单元', profile: 'lift-modbus', port: 'bus1', slave: 2, baud: 19200, ratedSpeed: 2000, floors: FLOORS },
      { id: 'k1', name: '2号楼1单元', profile: 'lift-kit-mqtt', ratedSpeed: 2000, floors: FLOORS },
    ],
    lift: {
      escalateAfterSec: 2,
      contacts: { primary: [{ name: '刘维保', phone: '13800000000' }], escalation: [{ name: '张站长', phone: '13900000000' }] },
    },
  });
  site = await rig.startSite({ kit: { sampleMs: 40, heartbeatMs: 1000 } });
  weibao = await new Client(rig.base).login('weibao', PASSWORD);
  admin = await new Client(rig.base).login('admin', PASSWORD);
  jiwei = await new Client(rig.base).login('jiwei', PASSWORD);
  mqttWatch = await watcher(rig.brokerUrl, 'weibao', ['sealift/testgw/lift/+/fault', 'sealift/testgw/lift/+/state', 'sealift/testgw/lift/+/maintenance']);
  await waitFor(() => rig.service.states().every((s) => s.online), 8000, 'lifts online');
});
afterAll(async () => {
  await mqttWatch?.client.endAsync();
  await rig?.stop();
});

const raisedFault = (lift: string, code: string, from: number) => rig.faults(lift, from).find((f) => f.kind === 'raise' && f.code === code);

describe('live state', () => {
  it('lists the lifts with their normalized state, for maintainers and (read-only) admins, not for others', async () => {
    const r = await weibao.get('/api/lifts');
    expect(r.status).toBe(200);
    expect(r.body.lifts.map((l: { lift: string }) => l.lift)).toEqual(['k1', 'm1', 'm2']);
    const m1 = r.body.lifts.find((l: { lift: string }) => l.lift === 'm1');
    expect(m1).toMatchObject({ name: '1号楼1单元', source: 'modbus', slave: 1, online: true, mode: 'normal', maintenance: null, faults: [] });
    expect(m1.reading).toMatchObject({ door: 'closed', mainsOk: true, safetyCircuit: true });
    expect(m1.reading.alive).toBeUndefined();
    expect((await admin.get('/api/lifts')).status).toBe(200);
    expect((await jiwei.get('/api/lifts')).status).toBe(403);
    expect((await new Client(rig.base).get('/api/lifts')).status).toBe(401);
    // the same state is retained on the local broker
    const k1 = mqttWatch.messages.filter((m) => m.topic === 'sealift/testgw/lift/k1/state').at(-1)!.body as Record<string, unknown>;
    expect(k1).toMatchObject({ lift: 'k1', source: 'kit', online: true });
  });

  it('refuses unknown lifts and bad queries with a clear 4xx', async () => {
    expect((await weibao.get('/api/lifts/nope')).body).toMatchObject({ error: 'no_such_lift' });
    expect((await weibao.get('/api/lifts/faults?status=weird')).status).toBe(400);
    const bad = await weibao.get('/api/lifts/faults?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'bad_time' });
    expect((await weibao.get('/api/lifts/faults/nope')).status).toBe(404);
    expect((await weibao.get('/api/lifts/stats?month=2025-13')).status).toBe(400);
  });

  it('names the targets a fault case is judged against (response, arrival, escalation)', async () => {
    const r = await weibao.get('/api/lifts/targets');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ responseSec: 180, arrivalSec: 900, escalateAfterSec: 2 });
    expect((await admin.get('/api/lifts/targets')).status).toBe(200);
    expect((await jiwei.get('/api/lifts/targets')).status).toBe(403);
  });

  it('describes every lift route in the OpenAPI document', async () => {
    const r = await weibao.get('/api/docs/json');
    const paths = Object.keys(r.body.paths);
    for (const p of ['/api/lifts', '/api/lifts/stream', '/api/lifts/targets', '/api/lifts/faults', '/api/lifts/faults/{faultId}', '/api/lifts/faults/{faultId}/steps', '/api/lifts/stats', '/api/lifts/repeat-faults', '/api/lifts/worst', '/api/lifts/maintenance', '/api/lifts/maintenance/visits', '/api/lifts/{id}/maintenance/visits', '/api/lifts/maintenance/visits/{visitId}/close']) {
      expect(paths, p).toContain(p);
    }
  });
});

describe('a fault from raise to close', () => {
  it('is followed by a maintainer: acknowledged, dispatched, arrived, resolved, closed — with its times', async () => {
    const login = await fetch(`${rig.base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'weibao', password: PASSWORD }) });
    const stream = await openStream(rig.base, ((await login.json()) as { token: string }).token);
    await waitFor(() => stream.events.find((e) => e.event === 'snapshot'), 3000, 'snapshot');
    expect((stream.events[0]!.data.lifts as unknown[]).length).toBe(3);

    const from = rig.gw.store.journal.size;
    const undo = await injectScenario('trapped_at_level', site.lift('m1'), site.clock);
    const raised = await waitFor(() => raisedFault('m1', 'LIFT_TRAPPED', from), 6000, 'entrapment raised');
    const id = raised.faultId;
    // a critical raise is sealed by a signed checkpoint at once
    expect(rig.gw.store.journal.latestCheckpoint()!.size).toBeGreaterThan(raised.seq);
    const ack = await weibao.post(`/api/lifts/faults/${id}/steps`, { step: 'acknowledged', note: '已电话安抚乘客' });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ faultId: id, status: 'acknowledged', acknowledgedBy: 'weibao', code: 'LIFT_TRAPPED', gb: 93, severity: 'critical', active: true });

    // the live feed and the fault topic saw it
    await waitFor(() => stream.events.find((e) => e.event === 'fault' && (e.data.fault as { faultId: string }).faultId === id), 3000, 'sse fault');
    await waitFor(() => stream.events.find((e) => e.event === 'state' && e.data.lift === 'm1' && (e.data.faults as unknown[]).length === 1), 3000, 'sse state');
    const onTopic = mqttWatch.messages.filter((m) => m.topic === 'sealift/testgw/lift/m1/fault').map((m) => m.body as { event: string; fault: { faultId: string } });
    expect(onTopic.find((m) => m.event === 'fault.raise')?.fault.faultId).toBe(id);

    // the admin reads but may not act, and that denial is journaled
    const denied = await admin.post(`/api/lifts/faults/${id}/steps`, { step: 'dispatched', assignee: 'x' });
    expect(denied.status).toBe(403);
    expect(rig.records(['user.denied']).at(-1)).toMatchObject({ subject: 'admin', data: { action: 'POST /api/lifts/faults/:faultId/steps' } });

    // order is enforced, with reasons
    expect((await weibao.post(`/api/lifts/faults/${id}/steps`, { step: 'acknowledged' })).body).toMatchObject({ error: 'step_out_of_order' });
    expect((await weibao.post(`/api/lifts/faults/${id}/steps`, { step: 'dispatched' })).body).toMatchObject({ error: 'assignee_required' });
    expect((await weibao.post(`/api/lifts/faults/${id}/steps`, { step: 'teleported' })).status).toBe(400);
    expect((await weibao.post(`/api/lifts/faults/${id}/steps`, { step: 'closed' })).body).toMatchObject({ error: 'not_resolved' });

    await sleep(50);
    expect((await weibao.post(`/api/lifts/faults/${id}/steps`, { step: 'dispatched', assignee: '王师傅' })).body).toMatchObject({ status: 'dispatched', assignee: '王师傅' });
    await sleep(50);
    expect((await weibao.post(`/api/lifts/faults/${id}/steps`, { step: 'arrived' })).body.status).toBe('arrived');
    await sleep(50);
    expect((await weibao.post(`/api/lifts/faults/${id}/steps`, { step: 'resolved', note: '松闸救援，乘客已安全离开' })).body.status).toBe('resolved');
    // still active: cannot be closed until the condition is gone
    expect((await weibao.post(`/api/lifts/faults/${id}/steps`, { step: 'closed' })).body).toMatchObject({ error: 'still_active' });
    await undo();
    await waitFor(() => rig.faults('m1', from).find((f) => f.kind === 'clear' && f.faultId === id), 5000, 'cleared');
    const closed = await weibao.post(`/api/lifts/faults/${id}/steps`, { step: 'closed' });
    expect(closed.status).toBe(200);
    expect((await weibao.post(`/api/lifts/faults/${id}/steps`, { step: 'false_alarm' })).body).toMatchObject({ error: 'case_closed' });

    // times from the journal's own timestamps
    const steps = rig.records(['lift.fault.step'], from).filter((r) => r.data.faultId === id);
    expect(steps.map((s) => [s.data.step, s.actor])).toEqual([
      ['acknowledged', 'weibao'],
      ['dispatched', 'weibao'],
      ['arrived', 'weibao'],
      ['resolved', 'weibao'],
      ['closed', 'weibao'],
    ]);
    const at = (step: string) => steps.find((s) => s.data.step === step)!.ts;
    const d = (await weibao.get(`/api/lifts/faults/${id}`)).body;
    expect(d).toMatchObject({
      status: 'closed',
      active: false,
      raisedAt: raised.ts,
      responseSec: Math.round((at('acknowledged') - raised.ts) / 100) / 10,
      arrivalSec: Math.round((at('arrived') - raised.ts) / 100) / 10,
      repairSec: Math.round((at('resolved') - at('arrived')) / 100) / 10,
      closedBy: 'weibao',
      escalatedAt: null,
    });
    expect(d.steps.map((s: { step: string; by: string }) => `${s.step}:${s.by}`)).toEqual([
      'acknowledged:weibao',
      'dispatched:weibao',
      'arrived:weibao',
      'resolved:weibao',
      'closed:weibao',
    ]);
    expect(d.steps[1].assignee).toBe('王师傅');
    expect(d.reading).toMatchObject({ person: true, door: 'closed', running: false });
    stream.close();

    const list = await weibao.get('/api/lifts/faults?lift=m1&status=closed');
    expect(list.body.faults.map((f: { faultId: string }) => f.faultId)).toContain(id);
  });

  it('escalates a critical fault nobody acknowledges, once, to the escalation contacts', async () => {
    const from = rig.gw.store.journal.size;
    const undo = await injectScenario('alarm_button', site.lift('m2'), site.clock);
    const raised = await waitFor(() => raisedFault('m2', 'LIFT_ALARM_BUTTON', from), 5000, 'alarm raised');
    const esc = await waitFor(() => rig.records(['lift.fault.escalate'], from).find((r) => r.data.faultId === raised.faultId), 5000, 'escalation');
    expect(esc.ts - raised.ts).toBeGreaterThanOrEqual(2000);
    expect(esc.data).toMatchObject({ code: 'LIFT_ALARM_BUTTON', contacts: ['张站长'] });
    const msg = await waitFor(
      () => mqttWatch.messages.find((m) => m.topic === 'sealift/testgw/lift/m2/fault' && (m.body as { event: string }).event === 'fault.escalate'),
      2000,
      'escalation on the fault topic',
    );
    expect(msg.body).toMatchObject({ escalation: { afterSec: 2, to: ['张站长'] }, fault: { faultId: raised.faultId } });
    const d = (await weibao.get(`/api/lifts/faults/${raised.faultId}`)).body;
    expect(d.escalatedAt).toBe(esc.ts);
    // it was a child playing: a false alarm closes the case
    const fa = await weibao.post(`/api/lifts/faults/${raised.faultId}/steps`, { step: 'false_alarm', note: '小孩误按' });
    expect(fa.body).toMatchObject({ status: 'false_alarm', closedBy: 'weibao' });
    await undo();
    await sleep(500);
    expect(rig.records(['lift.fault.escalate'], from)).toHaveLength(1);
    // the acknowledged entrapment of the previous test was never escalated
    expect(rig.records(['lift.fault.escalate']).every((r) => r.data.code !== 'LIFT_TRAPPED')).toBe(true);
  });
});

describe('maintenance', () => {
  it('an open visit puts the lift in maintenance mode (rules suppressed but power and alarm) until it is closed', async () => {
    const open = await weibao.post('/api/lifts/m2/maintenance/visits', { type: 'half_monthly', technicians: ['王师傅', '李师傅'] });
    expect(open.status).toBe(200);
    const visitId = open.body.visitId as string;
    expect(open.body).toMatchObject({ lift: 'm2', type: 'half_monthly', open: true, openedBy: 'weibao', technicians: ['王师傅', '李师傅'] });
    expect(rig.service.state('m2')!.maintenance).toBe(visitId);
    expect((await weibao.post('/api/lifts/m2/maintenance/visits', { type: 'quarterly' })).body).toMatchObject({ error: 'visit_open' });
    expect((await admin.post('/api/lifts/m2/maintenance/visits', { type: 'quarterly' })).status).toBe(403);
    expect((await weibao.post('/api/lifts/nope/maintenance/visits', { type: 'quarterly' })).status).toBe(404);

    const from = rig.gw.store.journal.size;
    const undo = await injectScenario('door_open_fault', site.lift('m2'), site.clock);
    await sleep(2000);
    expect(rig.faults('m2', from)).toEqual([]);
    const alarm = await injectScenario('alarm_button', site.lift('m2'), site.clock);
    await waitFor(() => raisedFault('m2', 'LIFT_ALARM_BUTTON', from), 3000, 'alarm during maintenance');
    await alarm();
    await undo();

    expect((await weibao.post(`/api/lifts/maintenance/visits/${visitId}/close`, { items: [] })).status).toBe(400);
    const closed = await weibao.post(`/api/lifts/maintenance/visits/${visitId}/close`, { items: ['轿厢照明', '层门门锁', '制动器'], result: 'ok' });
    expect(closed.body).toMatchObject({ open: false, closedBy: 'weibao', items: ['轿厢照明', '层门门锁', '制动器'], result: 'ok' });
    expect(rig.service.state('m2')!.maintenance).toBeNull();
    expect((await weibao.post(`/api/lifts/maintenance/visits/${visitId}/close`, { items: ['x'] })).body).toMatchObject({ error: 'visit_closed' });
    const recs = rig.records(['lift.maintenance']).filter((r) => r.data.visitId === visitId);
    expect(recs.map((r) => [r.data.op, r.actor])).toEqual([
      ['open', 'weibao'],
      ['close', 'weibao'],
    ]);

    // the calendar counts from this visit; the visit records list it
    const cal = await weibao.get('/api/lifts/maintenance?lift=m2');
    const hm = cal.body.schedule.find((e: { type: string }) => e.type === 'half_monthly');
    expect(hm).toMatchObject({ lastVisitId: visitId, lastDoneAt: closed.body.closedAt, dueAt: closed.body.closedAt + 15 * 86_400_000, status: 'ok' });
    const q = cal.body.schedule.find((e: { type: string }) => e.type === 'quarterly');
    expect(q.lastDoneAt).toBeNull();
    const visits = await admin.get('/api/lifts/maintenance/visits?lift=m2');
    expect(visits.body.visits[0]).toMatchObject({ visitId, items: ['轿厢照明', '层门门锁', '制动器'] });
  });

  it('alerts due and overdue visits once each (the cron schedule runs the same check daily)', async () => {
    const from = rig.gw.store.journal.size;
    const in20days = Date.now() + 20 * 86_400_000;
    const n = await rig.service.maintenanceCheck(in20days);
    // every lift's half-monthly visit is overdue by then; m2 was visited today, so its one too
    const alerts = rig.records(['lift.maintenance.alert'], from);
    expect(n).toBe(alerts.length);
    expect(alerts.filter((a) => a.data.type === 'half_monthly' && a.data.status === 'overdue').map((a) => a.subject).sort()).toEqual(['k1', 'm1', 'm2']);
    expect(await rig.service.maintenanceCheck(in20days)).toBe(0);
    await waitFor(() => mqttWatch.messages.find((m) => m.topic === 'sealift/testgw/lift/m1/maintenance'), 2000, 'maintenance alert published');
  });
});

describe('statistics', () => {
  it('per lift per month, repeat faults and the worst lifts', async () => {
    // the kit's car overruns the top landing three times: a repeat fault (≥ 3 in 7 days)
    for (let i = 0; i < 3; i++) {
      const from = rig.gw.store.journal.size;
      const undo = await injectScenario('top_overtravel', site.lift('k1'), site.clock);
      await waitFor(() => raisedFault('k1', 'LIFT_TOP_OVERTRAVEL', from), 3000, 'overtravel');
      await undo();
      await waitFor(() => rig.faults('k1', from).find((f) => f.kind === 'clear'), 3000, 'cleared');
    }
    // a second entrapment on m1 within 30 days
    const from = rig.gw.store.journal.size;
    const undo = await injectScenario('trapped_at_level', site.lift('m1'), site.clock);
    await waitFor(() => raisedFault('m1', 'LIFT_TRAPPED', from), 5000, 'second entrapment');
    await undo();

    const rep = (await weibao.get('/api/lifts/repeat-faults')).body.repeats as { lift: string; code: string; reasons: string[]; shortCount: number }[];
    expect(rep.find((r) => r.lift === 'k1' && r.code === 'LIFT_TOP_OVERTRAVEL')).toMatchObject({ reasons: ['same_code_short'], shortCount: 3 });
    expect(rep.find((r) => r.lift === 'm1' && r.code === 'LIFT_TRAPPED')?.reasons).toEqual(['repeat_entrapment']);
    // the false alarm of m2 does not count
    expect(rep.find((r) => r.lift === 'm2' && r.code === 'LIFT_ALARM_BUTTON')).toBeUndefined();

    const st = (await weibao.get('/api/lifts/stats')).body;
    const m1 = st.lifts.find((l: { lift: string }) => l.lift === 'm1');
    expect(m1).toMatchObject({ entrapments: 2, byCode: { LIFT_TRAPPED: 2 }, falseAlarms: 0 });
    expect(m1.faults).toBe(2);
    expect(m1.mtbfHours).toBeGreaterThan(0);
    const first = (await weibao.get('/api/lifts/faults?lift=m1&code=LIFT_TRAPPED&status=closed')).body.faults[0];
    expect(m1.meanResponseSec).toBe(first.responseSec);
    expect(m1.meanArrivalSec).toBe(first.arrivalSec);
    expect(m1.meanRepairSec).toBe(first.repairSec);
    const m2 = st.lifts.find((l: { lift: string }) => l.lift === 'm2');
    // the false alarm is not a failure; the alarm pressed during the maintenance visit is
    expect(m2).toMatchObject({ falseAlarms: 1, faults: 1, byCode: { LIFT_ALARM_BUTTON: 1 } });

    const worst = (await weibao.get('/api/lifts/worst?n=2')).body.lifts as { lift: string; faults: number }[];
    expect(worst.map((w) => w.lift)).toEqual(['k1', 'm1']);
    expect(worst[0]!.faults).toBeGreaterThanOrEqual(3);
  });
});

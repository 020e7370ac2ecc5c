/**
 * The admin API against a real in-process gateway (SQLite journal, aedes broker, HTTP, the seal and
 * lift features): provisioning devices and users, roles, passwords, disabling; who may do it; bad
 * input refused with a reason, counted, and nothing written; no secret ever in the journal; the
 * tables rebuilt from the journal are the same. And a device provisioned while the gateway runs
 * works at once: an MQTT sleeve logs in with the secret the API returned, Modbus controllers on a
 * real socat pty bus are polled (one added through the API, one by the CLI in another process).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt from 'mqtt';
import { startInproc, Client } from '../helpers/inproc.js';
import { BIN } from '../helpers/cli.js';
import { waitFor } from '../modbus/helpers.js';
import type { Gateway } from '../../src/gateway/app.js';
import { createPtyPair, type PtyPair } from '../../sim/pty.js';
import { SimModbusBus } from '../../sim/lift/modbus-slaves.js';
import { LiftModel } from '../../sim/lift/model.js';
import { startSimSeal } from '../../sim/seal/devices.js';

const run = promisify(execFile);

const ADMIN = { name: 'admin', password: 'admin-pass-1' };

let gw: Gateway;
let base: string;
let stop: () => Promise<void>;
let data: string;
let admin: Client;

const records = (kind?: string) =>
  (gw.store.db.prepare(`SELECT bytes FROM journal ${kind ? 'WHERE kind = ?' : ''} ORDER BY seq`).all(...(kind ? [kind] : [])) as { bytes: Buffer }[]).map(
    (r) => JSON.parse(r.bytes.toString('utf8')) as { seq: number; kind: string; subject: string; actor?: string; data: Record<string, unknown> },
  );
/** Records since `from` other than what the running devices write (online/offline, lift faults): what a request wrote. */
const written = (from: number) => records().filter((r) => r.seq >= from && !/^(device|lift)\./.test(r.kind));
const count = (table: string) => (gw.store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const allJournalText = () => (gw.store.db.prepare('SELECT bytes FROM journal').all() as { bytes: Buffer }[]).map((r) => r.bytes.toString('utf8')).join('\n');

async function rejected(reason: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^sealift_rejected_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Every password and secret used in this file: none may ever appear in the journal. */
const SECRETS: string[] = [ADMIN.password];

beforeAll(async () => {
  ({ gw, base, stop } = await startInproc({
    env: { SEALIFT_LIFT_MODBUS_CYCLE_MS: '200', SEALIFT_LIFT_MODBUS_PROBE_MS: '1000' },
  }));
  data = gw.cfg.data;
  await gw.store.registry.addUser({ name: ADMIN.name, role: 'admin', displayName: '李管理' }, ADMIN.password);
  await gw.store.registry.addUser({ name: 'wenshu', role: 'keeper' }, 'keeper-pass-1');
  SECRETS.push('keeper-pass-1');
  admin = await new Client(base).login(ADMIN.name, ADMIN.password);
});
afterAll(async () => {
  await stop?.();
});

describe('who may use the admin API', () => {
  const CALLS: [string, string, unknown?][] = [
    ['GET', '/api/admin/devices'],
    ['POST', '/api/admin/devices', { id: 'x-1', profile: 'seal-mqtt' }],
    ['GET', '/api/admin/users'],
    ['POST', '/api/admin/users', { name: 'x-user', role: 'keeper', password: 'long-enough-1' }],
    ['POST', '/api/admin/users/wenshu/role', { role: 'admin' }],
    ['POST', '/api/admin/users/wenshu/password', { password: 'hijacked-pass-1' }],
    ['POST', '/api/admin/users/admin/disable', {}],
    ['POST', '/api/admin/users/admin/enable', {}],
  ];

  it('without a session: 401; as a keeper: 403, journaled as user.denied; nothing provisioned', async () => {
    const changes = records('config.change').length;
    const anon = new Client(base);
    const keeper = await new Client(base).login('wenshu', 'keeper-pass-1');
    for (const [method, path, body] of CALLS) {
      const a = await anon.req(method, path, body);
      expect(a.status, `${method} ${path} anonymous`).toBe(401);
      const k = await keeper.req(method, path, body);
      expect(k.status, `${method} ${path} as keeper`).toBe(403);
      expect(k.body.error).toBe('forbidden');
    }
    expect(records('config.change')).toHaveLength(changes);
    const denied = records('user.denied').filter((r) => r.subject === 'wenshu');
    expect(denied.map((r) => r.data.action)).toEqual(expect.arrayContaining(['POST /api/admin/devices', 'POST /api/admin/users/:name/role']));
    // the keeper's own password still works: nothing changed
    await new Client(base).login('wenshu', 'keeper-pass-1');
  });
});

describe('provisioning devices', () => {
  it('adds an MQTT sleeve: the login comes back once, the journal names the admin and holds no secret', async () => {
    const r = await admin.post('/api/admin/devices', { id: 'seal-new', profile: 'seal-mqtt', name: '新公章' });
    expect(r.status).toBe(201);
    expect(r.body.device).toMatchObject({ id: 'seal-new', profile: 'seal-mqtt', name: '新公章', addedBy: 'admin', online: false });
    expect(r.body.login).toMatchObject({ clientId: 'seal-new', username: 'seal-new', brokerPort: gw.brokerPort });
    const secret = r.body.login.password as string;
    expect(secret.length).toBeGreaterThanOrEqual(20);
    SECRETS.push(secret);

    const rec = records('config.change').at(-1)!;
    expect(rec).toMatchObject({ subject: 'seal-new', actor: 'admin', data: { op: 'device.add', device: { id: 'seal-new', profile: 'seal-mqtt' } } });
    expect(allJournalText()).not.toContain(secret);
    // never readable again
    const list = await admin.get('/api/admin/devices');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(list.body.devices.find((d: { id: string }) => d.id === 'seal-new')).toMatchObject({ online: false, lastRecord: null, links: [{ kind: 'mqtt', connected: false, connects: 0 }] });
  });

  it('bad input: 400 with the reason, counted, and nothing written (journal, devices, credentials)', async () => {
    // (before any lift is provisioned: nothing else writes to the journal meanwhile)
    const before = { journal: gw.store.journal.size, devices: count('devices'), credentials: count('credentials') };
    const validation = await rejected('api_validation');
    const refused = await rejected('api_400');
    const cases: [unknown, RegExp, string][] = [
      [{ id: 'seal-x' }, /profile/, 'invalid_request'],
      [{ id: 'seal-x', profile: 'seal-usb' }, /profile/, 'invalid_request'],
      [{ id: 'seal/x', profile: 'seal-mqtt' }, /id/, 'invalid_request'],
      [{ id: 'seal-x', profile: 'seal-mqtt', colour: 'red' }, /colour|additional/, 'invalid_request'],
      [{ id: 'lift-x', profile: 'lift-modbus', port: '/dev/ttyUSB7', slave: 300 }, /slave/, 'invalid_request'],
      [{ id: 'seal-x', profile: 'seal-mqtt', secret: 'short' }, /secret/, 'invalid_request'],
      [{ id: 'seal-x', profile: 'seal-ssp1-serial' }, /port/, 'invalid_device'],
      [{ id: 'lift-x', profile: 'lift-modbus', port: '/dev/ttyUSB7' }, /slave/, 'invalid_device'],
      [{ id: 'seal-x', profile: 'seal-mqtt', port: '/dev/ttyUSB7' }, /MQTT: port does not apply/, 'invalid_device'],
      [{ id: 'seal-x', profile: 'seal-mqtt', floors: { lo: 1, hi: 5 } }, /not a lift/, 'invalid_device'],
      [{ id: 'lift-x', profile: 'lift-kit-mqtt', floors: { lo: 9, hi: 2 } }, /lowest floor \(9\) is above the highest \(2\)/, 'invalid_device'],
    ];
    for (const [body, reason, code] of cases) {
      const r = await admin.post('/api/admin/devices', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error, JSON.stringify(body)).toBe(code);
      expect(r.body.message, JSON.stringify(body)).toMatch(reason);
    }
    expect({ journal: gw.store.journal.size, devices: count('devices'), credentials: count('credentials') }).toEqual(before);
    expect((await rejected('api_validation')) - validation).toBe(6);
    expect((await rejected('api_400')) - refused).toBe(5);
  });

  it('a given secret is used as the login; a Modbus lift gets no MQTT login', async () => {
    const r = await admin.post('/api/admin/devices', { id: 'kit-new', profile: 'lift-kit-mqtt', secret: 'a-given-kit-secret-1', ratedSpeed: 1000, floors: { lo: -1, hi: 11 } });
    expect(r.status).toBe(201);
    expect(r.body.login.password).toBe('a-given-kit-secret-1');
    SECRETS.push('a-given-kit-secret-1');
    const m = await admin.post('/api/admin/devices', { id: 'lift-nobus', profile: 'lift-modbus', port: join(data, 'no-such-tty'), slave: 9, baud: 9600 });
    expect(m.status).toBe(201);
    expect(m.body.login).toBeNull();
    expect(m.body.device.links[0]).toMatchObject({ kind: 'modbus', slave: 9, portOpen: false });
  });

  it('duplicate ids and bus conflicts: 409 with the reason, nothing written', async () => {
    const bus = join(data, 'tty-conflict');
    expect((await admin.post('/api/admin/devices', { id: 'lift-c1', profile: 'lift-modbus', port: bus, slave: 1, baud: 19200 })).status).toBe(201);
    const from = gw.store.journal.size;
    const before = { devices: count('devices'), credentials: count('credentials') };
    const cases: [unknown, string, RegExp][] = [
      [{ id: 'seal-new', profile: 'seal-mqtt' }, 'duplicate_id', /seal-new/],
      [{ id: 'wenshu', profile: 'seal-mqtt' }, 'duplicate_id', /wenshu/], // a user's name
      [{ id: 'seal-c', profile: 'seal-ssp1-serial', port: bus }, 'port_in_use', /lift-c1/],
      [{ id: 'lift-c2', profile: 'lift-modbus', port: bus, slave: 1, baud: 19200 }, 'slave_in_use', /slave 1 .* lift-c1/],
      [{ id: 'lift-c2', profile: 'lift-modbus', port: bus, slave: 2 }, 'baud_mismatch', /19200/],
    ];
    for (const [body, code, reason] of cases) {
      const r = await admin.post('/api/admin/devices', body);
      expect(r.status, JSON.stringify(body)).toBe(409);
      expect(r.body).toMatchObject({ error: code });
      expect(r.body.message).toMatch(reason);
    }
    expect({ devices: count('devices'), credentials: count('credentials') }).toEqual(before);
    expect(written(from)).toEqual([]);
    // two lifts on one bus with the same baud rate are fine
    expect((await admin.post('/api/admin/devices', { id: 'lift-c2', profile: 'lift-modbus', port: bus, slave: 2, baud: 19200 })).status).toBe(201);
  });
});

describe('users and roles', () => {
  it('adds a user who can then log in with their role; a weak password or a taken name is refused', async () => {
    const r = await admin.post('/api/admin/users', { name: 'zhaojw', role: 'inspector', displayName: '赵纪委', password: 'inspector-pass-9' });
    SECRETS.push('inspector-pass-9');
    expect(r.status).toBe(201);
    expect(r.body.user).toMatchObject({ name: 'zhaojw', role: 'inspector', displayName: '赵纪委', disabled: false, addedBy: 'admin' });
    const c = await new Client(base).login('zhaojw', 'inspector-pass-9');
    expect((await c.get('/api/me')).body).toMatchObject({ name: 'zhaojw', role: 'inspector', displayName: '赵纪委' });

    const from = gw.store.journal.size;
    const before = { users: count('users'), credentials: count('credentials') };
    const weak = await admin.post('/api/admin/users', { name: 'weak', role: 'keeper', password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.message).toMatch(/password/);
    const badRole = await admin.post('/api/admin/users', { name: 'boss', role: 'superuser', password: 'long-enough-1' });
    expect(badRole.status).toBe(400);
    expect(badRole.body.message).toMatch(/role/);
    const taken = await admin.post('/api/admin/users', { name: 'seal-new', role: 'keeper', password: 'long-enough-1' });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toBe('duplicate_id');
    expect({ users: count('users'), credentials: count('credentials') }).toEqual(before);
    expect(written(from)).toEqual([]);
  });

  it('a role change ends the user’s sessions; at the next login they have the new role', async () => {
    await admin.post('/api/admin/users', { name: 'liwb', role: 'keeper', displayName: '李文博', password: 'liwb-pass-001' });
    SECRETS.push('liwb-pass-001');
    const c = await new Client(base).login('liwb', 'liwb-pass-001');
    const r = await admin.post('/api/admin/users/liwb/role', { role: 'maintainer' });
    expect(r.status).toBe(200);
    expect(r.body.user).toMatchObject({ name: 'liwb', role: 'maintainer' });
    expect((await c.get('/api/me')).status).toBe(401);
    const again = await new Client(base).login('liwb', 'liwb-pass-001');
    expect((await again.get('/api/me')).body.role).toBe('maintainer');
    expect(records('config.change').at(-1)).toMatchObject({ subject: 'liwb', actor: 'admin', data: { op: 'user.role', role: 'maintainer', previous: 'keeper' } });
    // the same role again: nothing to record
    const from = gw.store.journal.size;
    expect((await admin.post('/api/admin/users/liwb/role', { role: 'maintainer' })).status).toBe(200);
    expect(written(from)).toEqual([]);
    expect((await admin.post('/api/admin/users/nobody/role', { role: 'keeper' })).status).toBe(404);
  });

  it('a password reset: the old password stops working, the new one works, only the fact is journaled', async () => {
    const c = await new Client(base).login('liwb', 'liwb-pass-001');
    const r = await admin.post('/api/admin/users/liwb/password', { password: 'liwb-new-pass-2' });
    SECRETS.push('liwb-new-pass-2');
    expect(r.status).toBe(200);
    expect((await c.get('/api/me')).status).toBe(401);
    expect((await new Client(base).post('/api/login', { username: 'liwb', password: 'liwb-pass-001' })).status).toBe(401);
    await new Client(base).login('liwb', 'liwb-new-pass-2');
    const rec = records('config.change').at(-1)!;
    expect(rec).toMatchObject({ subject: 'liwb', actor: 'admin', data: { op: 'user.password' } });
    expect(Object.keys(rec.data)).toEqual(['op']);
    expect((await admin.post('/api/admin/users/liwb/password', { password: '1234567' })).status).toBe(400);
  });

  it('a disabled user cannot log in (told so) and their sessions end; enabled again, they can', async () => {
    const c = await new Client(base).login('liwb', 'liwb-new-pass-2');
    const dashboard = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'liwb', password: 'liwb-new-pass-2', clientId: 'liwb:board', reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => dashboard.once('close', () => resolve()));
    const r = await admin.post('/api/admin/users/liwb/disable', { reason: '调离本村' });
    expect(r.status).toBe(200);
    expect(r.body.user).toMatchObject({ name: 'liwb', disabled: true });
    expect((await c.get('/api/me')).status).toBe(401);
    await closed; // their MQTT connection too
    dashboard.end(true);
    const login = await new Client(base).post('/api/login', { username: 'liwb', password: 'liwb-new-pass-2' });
    expect(login.status).toBe(403);
    expect(login.body.error).toBe('account_disabled');
    // a wrong password still says only "wrong user name or password"
    expect((await new Client(base).post('/api/login', { username: 'liwb', password: 'guess-guess' })).body.error).toBe('bad_credentials');
    expect(records('user.denied').at(-2)).toMatchObject({ subject: 'liwb', data: { action: 'login', reason: 'disabled' } });
    // nor on the MQTT broker
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${gw.brokerPort}`, { username: 'liwb', password: 'liwb-new-pass-2', clientId: 'liwb', reconnectPeriod: 0 })).rejects.toThrow();

    expect((await admin.post('/api/admin/users/liwb/enable')).body.user.disabled).toBe(false);
    await new Client(base).login('liwb', 'liwb-new-pass-2');
    expect(records('config.change').slice(-2).map((x) => x.data)).toEqual([{ op: 'user.disable', reason: '调离本村' }, { op: 'user.enable' }]);
  });

  it('an admin cannot disable themselves, and the last admin keeps the role and the account', async () => {
    const from = gw.store.journal.size;
    const self = await admin.post('/api/admin/users/admin/disable', {});
    expect(self.status).toBe(409);
    expect(self.body.error).toBe('self_disable');
    const demote = await admin.post('/api/admin/users/admin/role', { role: 'keeper' });
    expect(demote.status).toBe(409);
    expect(demote.body).toMatchObject({ error: 'last_admin' });
    expect(written(from)).toEqual([]);
    // with a second admin, the first may step down; the second may not then be disabled
    await admin.post('/api/admin/users', { name: 'admin2', role: 'admin', password: 'admin2-pass-1' });
    SECRETS.push('admin2-pass-1');
    const second = await new Client(base).login('admin2', 'admin2-pass-1');
    expect((await second.post('/api/admin/users/admin/role', { role: 'approver' })).status).toBe(200);
    expect((await admin.get('/api/admin/users')).status).toBe(401); // the demoted admin's session ended
    const last = await second.post('/api/admin/users/admin2/role', { role: 'keeper' });
    expect(last.body.error).toBe('last_admin');
    // restore: admin is admin again for the tests that follow
    expect((await second.post('/api/admin/users/admin/role', { role: 'admin' })).status).toBe(200);
    admin = await new Client(base).login(ADMIN.name, ADMIN.password);
    expect((await admin.post('/api/admin/users/admin2/disable', {})).status).toBe(200);
    expect((await second.get('/api/me')).status).toBe(401);
  });

  it('lists users with their state', async () => {
    const r = await admin.get('/api/admin/users');
    expect(r.status).toBe(200);
    const byName = Object.fromEntries(r.body.users.map((u: { name: string }) => [u.name, u]));
    expect(byName.admin2).toMatchObject({ role: 'admin', disabled: true });
    expect(byName.liwb).toMatchObject({ role: 'maintainer', disabled: false, displayName: '李文博' });
    expect(JSON.stringify(r.body)).not.toMatch(/scrypt|password/);
  });
});

describe('the journal', () => {
  it('holds no password or secret anywhere', () => {
    const text = allJournalText();
    for (const s of SECRETS) expect(text, s).not.toContain(s);
    expect(text).not.toContain('scrypt$');
  });

  it('rebuilt from scratch gives the same users and devices', () => {
    const before = { users: gw.store.registry.accounts(), devices: gw.store.registry.deviceEntries() };
    expect(before.users.length).toBeGreaterThan(4);
    gw.store.journal.rebuild();
    expect({ users: gw.store.registry.accounts(), devices: gw.store.registry.deviceEntries() }).toEqual(before);
  });
});

describe('a device provisioned while the gateway runs works without a restart', () => {
  let dir: string;
  let pair: PtyPair;
  let sim: SimModbusBus;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sealift-admin-bus-'));
    pair = await createPtyPair({ gatewayPath: join(dir, 'bus1'), devicePath: join(dir, 'bus1.sim') });
    const clock = () => Date.now();
    const slaves = [5, 6, 7].map((id) => ({ id, registers: new LiftModel({ lowest: 1, highest: 6, auto: false, seed: id, startMs: clock() }).provider(clock) }));
    sim = new SimModbusBus({ path: pair.devicePath, baud: 9600, slaves });
    await sim.start();
  });
  afterAll(async () => {
    await sim?.stop();
    await pair?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deviceOf = async (id: string) => (await admin.get('/api/admin/devices')).body.devices.find((d: { id: string }) => d.id === id);

  it('an MQTT sleeve logs in with the secret from the API, publishes, and shows online with its counters', async () => {
    const r = await admin.post('/api/admin/devices', { id: 'seal-live', profile: 'seal-mqtt', name: '临时公章' });
    const { clientId, username, password } = r.body.login as { clientId: string; username: string; password: string };
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.brokerPort}`, { clientId, username, password, reconnectPeriod: 0 });
    try {
      await c.publishAsync('dev/seal-live/up/hello', JSON.stringify({ seq: 1, boot: 42, id: 'seal-live', fw: '1.0', model: 'SL-4G', counter: 0, time: Date.now() }), { qos: 1 });
      await c.publishAsync('dev/seal-live/up/status', 'not json', { qos: 1 });
      const d = await deviceOf('seal-live');
      expect(d).toMatchObject({ online: true, lastRecord: { kind: 'device.hello' } });
      expect(d.links[0]).toMatchObject({ kind: 'mqtt', connected: true, connects: 1, messagesIn: 2, rejected: 1 });
      expect(d.since).toBeGreaterThan(Date.now() - 10_000);
      const seals = (await admin.get('/api/seal/seals')).body.seals;
      expect(seals.find((s: { id: string }) => s.id === 'seal-live')).toMatchObject({ online: true, boot: 42 });
    } finally {
      await c.endAsync();
    }
    await waitFor(() => gw.ctx.links.mqttOf('seal-live').connected === false, 5000, 'disconnect counted');
    // a wrong secret for the same id is counted for the device
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${gw.brokerPort}`, { clientId, username, password: 'wrong-secret-123', reconnectPeriod: 0 })).rejects.toThrow();
    expect((await deviceOf('seal-live')).links[0]).toMatchObject({ connected: false, authFailures: 1 });
  });

  it('a serial sleeve added through the API: its port is opened, its frames counted, its photo uplink logs in', async () => {
    const r = await admin.post('/api/admin/devices', { id: 'seal-tty', profile: 'seal-ssp1-serial', name: '串口公章', port: join(dir, 'seal-tty'), baud: 115200 });
    expect(r.status).toBe(201);
    expect(r.body.login).toMatchObject({ username: 'seal-tty' });
    const sleeve = await startSimSeal(gw.store.registry.device('seal-tty')!, { brokerUrl: `mqtt://127.0.0.1:${gw.brokerPort}`, secret: r.body.login.password });
    try {
      await waitFor(() => {
        const s = gw.ctx.deviceStatus.statusOf(gw.store.registry.device('seal-tty')!);
        const serial = s.links[0];
        // frames out: the gateway's ACK of each event, written once the event is committed
        return s.online === true && serial?.kind === 'serial' && serial.framesIn > 0 && serial.framesOut > 0 && s.links[1]?.kind === 'mqtt' && s.links[1].connected;
      }, 10_000, 'the serial sleeve online, its frames counted both ways, its uplink connected');
      const d = await deviceOf('seal-tty');
      expect(d).toMatchObject({ online: true, links: [{ kind: 'serial', portOpen: true, port: join(dir, 'seal-tty'), crcErrors: 0 }, { kind: 'mqtt', connected: true }] });
      const seal = (await admin.get('/api/seal/seals/seal-tty')).body;
      expect(seal).toMatchObject({ online: true });
    } finally {
      await sleeve.stop();
    }
  });

  it('a Modbus controller added through the API is polled on a new bus, and one more joins that bus', async () => {
    const r = await admin.post('/api/admin/devices', { id: 'lift-live5', profile: 'lift-modbus', name: '9号楼电梯', port: pair.gatewayPath, slave: 5, baud: 9600, floors: { lo: 1, hi: 6 } });
    expect(r.status).toBe(201);
    let d: { online: boolean; links: { kind: string; portOpen: boolean; pollsOk: number }[] } | undefined;
    const deadline = Date.now() + 10_000;
    while (!(d?.online && d.links[0]!.pollsOk > 2) && Date.now() < deadline) {
      d = await deviceOf('lift-live5');
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(d).toMatchObject({ online: true, links: [{ kind: 'modbus', portOpen: true, slave: 5, mode: 'poll' }] });
    expect(records('device.online').some((x) => x.subject === 'lift-live5')).toBe(true);

    expect((await admin.post('/api/admin/devices', { id: 'lift-live6', profile: 'lift-modbus', port: pair.gatewayPath, slave: 6, baud: 9600 })).status).toBe(201);
    await waitFor(() => gw.ctx.deviceStatus.statusOf(gw.store.registry.device('lift-live6')!).online === true, 10_000, 'lift-live6 online');
    // the maintainer's board has both
    const states = (await admin.get('/api/lifts')).body;
    expect(JSON.stringify(states)).toContain('lift-live6');
  });

  it('a controller added by `sealift device add` in another process is attached within about a second and polled', async () => {
    const env = { ...process.env, SEALIFT_DATA: data, SEALIFT_GATEWAY_ID: 'testgw', SEALIFT_LOG_LEVEL: 'warn' };
    let attached = false;
    const off = gw.bus.on('device.added', (e) => {
      if (e.device.id === 'lift-cli7') attached = true;
    });
    const out = await run(process.execPath, [BIN, 'device', 'add', 'lift-cli7', '--profile', 'lift-modbus', '--port', pair.gatewayPath, '--slave', '7', '--baud', '9600'], { env });
    expect(out.stdout).toMatch(/added lift-cli7/);
    // the journal notices the other process's record within about a second
    await waitFor(() => attached, 2000, 'lift-cli7 attached');
    off();
    await waitFor(() => gw.ctx.deviceStatus.statusOf(gw.store.registry.device('lift-cli7')!).online === true, 10_000, 'lift-cli7 online');
    const d = await deviceOf('lift-cli7');
    expect(d).toMatchObject({ online: true, addedBy: 'cli', links: [{ kind: 'modbus', slave: 7, portOpen: true }] });
    expect(d.links[0].pollsOk).toBeGreaterThan(0);
  });
});

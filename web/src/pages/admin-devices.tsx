/**
 * 设备 (admin): every provisioned seal sleeve and lift device with its live state (在线/离线, since
 * when, its newest record) and link counters, refreshed every few seconds (GET /api/admin/devices).
 * 添加设备 provisions one (POST /api/admin/devices): the form asks only what the chosen type needs,
 * and for a device that logs in over MQTT shows its login once, with copy buttons. A row opens the
 * device's details.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { isKey, t, type Key } from '../i18n.js';
import { ApiError, fieldErrors, post } from '../api.js';
import { formatRelative } from '../format.js';
import {
  Badge,
  Button,
  Card,
  confirmDialog,
  DataTable,
  Field,
  FormDialog,
  Icon,
  KeyValues,
  Loaded,
  Modal,
  Notice,
  NumberInput,
  Page,
  RefreshButton,
  Select,
  Stat,
  Stats,
  StatusBadge,
  TextInput,
  Time,
  toast,
  useApi,
  useNow,
  usePolling,
  useSubmit,
  type Column,
} from '../ui/index.js';

export type Profile = 'seal-ssp1-serial' | 'seal-mqtt' | 'lift-modbus' | 'lift-kit-mqtt';
export const PROFILES: readonly Profile[] = ['seal-ssp1-serial', 'seal-mqtt', 'lift-modbus', 'lift-kit-mqtt'];

export interface Device {
  id: string;
  profile: Profile;
  name?: string;
  port?: string;
  baud?: number;
  slave?: number;
  ratedSpeed?: number;
  floors?: { lo: number; hi: number };
}

export interface MqttLink {
  kind: 'mqtt';
  connected: boolean;
  since: number | null;
  connects: number;
  messagesIn: number;
  rejected: number;
  authFailures: number;
  lastMessageAt: number | null;
}
export interface SerialLink {
  kind: 'serial';
  port: string;
  portOpen: boolean;
  lastFailure: string | null;
  framesIn: number;
  framesOut: number;
  crcErrors: number;
  garbage: number;
  rejectedBytes: number;
  rejected: number;
  retransmitsIn: number;
  retransmitsOut: number;
  reconnects: number;
  lastFrameAt: number | null;
}
export interface ModbusLink {
  kind: 'modbus';
  port: string;
  slave: number;
  portOpen: boolean;
  mode: 'poll' | 'probe';
  pollsOk: number;
  pollsMissed: number;
  timeouts: number;
  crcErrors: number;
  exceptions: number;
  consecutiveMisses: number;
  lastOkAt: number | null;
  cycleMs: number | null;
}
export type Link = MqttLink | SerialLink | ModbusLink;

/** A device as the admin API lists it: the provisioned device, its live state and link counters. */
export interface DeviceRow extends Device {
  addedAt: number | null;
  addedBy: string | null;
  online: boolean | null;
  since: number | null;
  links: Link[];
  lastRecord: { ts: number; kind: string } | null;
}

interface DeviceLogin {
  clientId: string;
  username: string;
  password: string;
  brokerPort: number;
}

export const isSeal = (p: Profile) => p.startsWith('seal-');
const SERIAL: readonly Profile[] = ['seal-ssp1-serial', 'lift-modbus'];
const isLift = (p: Profile) => p.startsWith('lift-');
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const BAUDS = ['9600', '19200', '38400', '57600', '115200'] as const;
const DEFAULT_BAUD: Partial<Record<Profile, string>> = { 'seal-ssp1-serial': '115200', 'lift-modbus': '9600' };
const fmt = (n: number) => n.toLocaleString('zh-CN');

/** The device's type in words, with a seal or lift icon. */
export function ProfileLabel({ profile }: { profile: Profile }) {
  return (
    <span class="with-icon">
      <Icon name={isSeal(profile) ? 'seal' : 'lift'} size={18} />
      {t(`profile.${profile}`)}
    </span>
  );
}

/** How the gateway reaches it: a serial port (and Modbus slave address), or MQTT over the network. */
export function LinkLabel({ d }: { d: Device }) {
  if (!d.port) return <Badge tone="info">{t('devices.link.mqtt')}</Badge>;
  return (
    <span class="link-label">
      <code>{d.port}</code>
      {d.slave !== undefined && <span class="muted"> · {t('devices.link.slave', { slave: d.slave })}</span>}
    </span>
  );
}

function details(d: Device): string {
  const out: string[] = [];
  if (d.baud) out.push(t('devices.detail.baud', { baud: d.baud }));
  if (d.floors) out.push(t('devices.detail.floors', { lo: d.floors.lo, hi: d.floors.hi }));
  if (d.ratedSpeed) out.push(t('devices.detail.speed', { speed: d.ratedSpeed }));
  return out.join(t('common.listSep'));
}

/** Who provisioned a device: a user name, or the command line on the gateway. */
const actorName = (a: string | null) => (a === null ? '—' : a === 'cli' ? t('devices.byCli') : a);

/** The name of a journal record kind in words (the raw kind when it has none). */
function recordKind(kind: string) {
  const key = `recordKind.${kind}`;
  return isKey(key) ? t(key as Key) : <code>{kind}</code>;
}

/** 在线 / 离线 / 未知, and since when in words ("3 分钟前上线", "从未连接"). */
function Presence({ d, compact }: { d: DeviceRow; compact?: boolean }) {
  // the list is fetched again every few seconds: the times stay current without a timer per row
  const now = Date.now();
  const label = d.online === null ? t('devices.state.unknown') : d.online ? t('devices.state.online') : t('devices.state.offline');
  const since =
    d.since === null
      ? d.online
        ? null
        : t('devices.since.never')
      : t(d.online ? 'devices.since.online' : 'devices.since.offline', { ago: formatRelative(d.since, now) });
  return (
    <span class="presence">
      <StatusBadge status={d.online ? 'ok' : 'offline'} label={label} />
      {since && (
        <span class="presence-since muted" title={d.since ? new Date(d.since).toLocaleString() : undefined}>
          {since}
        </span>
      )}
      {!compact && d.lastRecord && (
        <span class="presence-since muted">
          {t('devices.lastRecord')}
          {recordKind(d.lastRecord.kind)} · {formatRelative(d.lastRecord.ts, now)}
        </span>
      )}
    </span>
  );
}

/** One counter: "收 12 条"; shown amber when it counts trouble. */
function Count(props: { label: string; n: number; bad?: boolean }) {
  return (
    <span class={`counter${props.bad && props.n > 0 ? ' counter-bad' : ''}`}>
      {props.label} <strong>{fmt(props.n)}</strong>
    </span>
  );
}

/** The link counters that matter at a glance, on one or two lines. */
function LinkSummary({ link }: { link: Link | undefined }) {
  if (!link) return <span class="muted">—</span>;
  switch (link.kind) {
    case 'mqtt':
      return (
        <span class="counters">
          <span class={`counter-state${link.connected ? ' is-up' : ''}`}>{link.connected ? t('link.mqtt.connected') : t('link.mqtt.notConnected')}</span>
          <Count label={t('link.in')} n={link.messagesIn} />
          <Count label={t('link.rejected')} n={link.rejected} bad />
          {link.authFailures > 0 && <Count label={t('link.authFailures')} n={link.authFailures} bad />}
        </span>
      );
    case 'serial':
      return (
        <span class="counters">
          <span class={`counter-state${link.portOpen ? ' is-up' : ''}`}>{link.portOpen ? t('link.port.open') : t('link.port.closed')}</span>
          <Count label={t('link.framesIn')} n={link.framesIn} />
          <Count label={t('link.framesOut')} n={link.framesOut} />
          <Count label={t('link.crc')} n={link.crcErrors} bad />
          {link.reconnects > 0 && <Count label={t('link.reconnects')} n={link.reconnects} bad />}
        </span>
      );
    case 'modbus':
      return (
        <span class="counters">
          <span class={`counter-state${link.portOpen ? ' is-up' : ''}`}>{link.portOpen ? t('link.port.open') : t('link.port.closed')}</span>
          <Count label={t('link.pollsOk')} n={link.pollsOk} />
          <Count label={t('link.pollsMissed')} n={link.pollsMissed} bad />
          {link.mode === 'probe' && <span class="counter counter-bad">{t('link.probing')}</span>}
        </span>
      );
  }
}

/** Every counter of a link, with its meaning. */
function LinkDetails({ link }: { link: Link }) {
  const now = useNow(15_000);
  const ago = (ms: number | null) => (ms === null ? t('link.never') : formatRelative(ms, now));
  const yesNo = (v: boolean, yes: Key, no: Key) => <Badge tone={v ? 'ok' : 'offline'}>{t(v ? yes : no)}</Badge>;
  const n = (v: number) => fmt(v);
  let items: { label: string; value: ComponentChildren }[];
  let title: string;
  switch (link.kind) {
    case 'mqtt':
      title = t('link.title.mqtt');
      items = [
        { label: t('link.connection'), value: yesNo(link.connected, 'link.mqtt.connected', 'link.mqtt.notConnected') },
        { label: link.connected ? t('link.connectedSince') : t('link.disconnectedSince'), value: ago(link.since) },
        { label: t('link.connects'), value: n(link.connects) },
        { label: t('link.messagesIn'), value: n(link.messagesIn) },
        { label: t('link.lastMessage'), value: ago(link.lastMessageAt) },
        { label: t('link.rejectedLong'), value: n(link.rejected) },
        { label: t('link.authFailuresLong'), value: n(link.authFailures) },
      ];
      break;
    case 'serial':
      title = t('link.title.serial');
      items = [
        { label: t('link.port'), value: <code>{link.port}</code> },
        { label: t('link.connection'), value: yesNo(link.portOpen, 'link.port.open', 'link.port.closed') },
        ...(link.lastFailure ? [{ label: t('link.lastFailure'), value: <code>{link.lastFailure}</code> }] : []),
        { label: t('link.framesInLong'), value: n(link.framesIn) },
        { label: t('link.framesOutLong'), value: n(link.framesOut) },
        { label: t('link.lastFrame'), value: ago(link.lastFrameAt) },
        { label: t('link.crcLong'), value: n(link.crcErrors) },
        { label: t('link.garbage'), value: n(link.garbage) },
        { label: t('link.rejectedFrames'), value: n(link.rejected) },
        { label: t('link.retransmitsIn'), value: n(link.retransmitsIn) },
        { label: t('link.retransmitsOut'), value: n(link.retransmitsOut) },
        { label: t('link.reconnectsLong'), value: n(link.reconnects) },
      ];
      break;
    case 'modbus':
      title = t('link.title.modbus');
      items = [
        { label: t('link.port'), value: <code>{link.port}</code> },
        { label: t('link.slave'), value: n(link.slave) },
        { label: t('link.connection'), value: yesNo(link.portOpen, 'link.port.open', 'link.port.closed') },
        { label: t('link.mode'), value: link.mode === 'poll' ? t('link.mode.poll') : <Badge tone="warn">{t('link.probing')}</Badge> },
        { label: t('link.pollsOkLong'), value: n(link.pollsOk) },
        { label: t('link.lastOk'), value: ago(link.lastOkAt) },
        { label: t('link.pollsMissedLong'), value: n(link.pollsMissed) },
        { label: t('link.timeouts'), value: n(link.timeouts) },
        { label: t('link.crcLong'), value: n(link.crcErrors) },
        { label: t('link.exceptions'), value: n(link.exceptions) },
        { label: t('link.cycle'), value: link.cycleMs === null ? '—' : t('link.cycleValue', { s: (link.cycleMs / 1000).toFixed(1) }) },
      ];
      break;
  }
  return (
    <section class="device-section">
      <h3 class="device-section-title">{title}</h3>
      <KeyValues items={items} />
    </section>
  );
}

function DeviceDetail({ d, onClose }: { d: DeviceRow; onClose: () => void }) {
  const now = useNow(15_000);
  return (
    <Modal wide title={d.name ? `${d.name}（${d.id}）` : d.id} onClose={onClose} label={t('devices.detailTitle')}>
      <section class="device-section">
        <h3 class="device-section-title">{t('devices.section.state')}</h3>
        <KeyValues
          items={[
            { label: t('devices.col.state'), value: <Presence d={d} compact /> },
            {
              label: t('devices.lastRecordLabel'),
              value: d.lastRecord ? (
                <>
                  {recordKind(d.lastRecord.kind)} · <Time ms={d.lastRecord.ts} />
                </>
              ) : (
                t('devices.noRecord')
              ),
            },
            { label: t('devices.added'), value: d.addedAt ? t('devices.addedValue', { ago: formatRelative(d.addedAt, now), by: actorName(d.addedBy) }) : '—' },
          ]}
        />
      </section>
      <section class="device-section">
        <h3 class="device-section-title">{t('devices.section.settings')}</h3>
        <KeyValues
          items={[
            { label: t('devices.col.profile'), value: <ProfileLabel profile={d.profile} /> },
            { label: t('devices.col.link'), value: <LinkLabel d={d} /> },
            ...(d.baud ? [{ label: t('addDevice.baud'), value: t('devices.detail.baud', { baud: d.baud }) }] : []),
            ...(d.floors ? [{ label: t('addDevice.floors'), value: t('devices.detail.floorsValue', { lo: d.floors.lo, hi: d.floors.hi }) }] : []),
            ...(d.ratedSpeed ? [{ label: t('addDevice.speed'), value: t('devices.detail.speedValue', { speed: d.ratedSpeed }) }] : []),
          ]}
        />
      </section>
      {d.links.map((l) => (
        <LinkDetails key={l.kind} link={l} />
      ))}
    </Modal>
  );
}

// ------------------------------------------------------------------------------------- adding

interface Draft {
  profile: Profile | '';
  id: string;
  name: string;
  port: string;
  baud: string;
  slave: number | '';
  lo: number | '';
  hi: number | '';
  speed: number | '';
}
const EMPTY: Draft = { profile: '', id: '', name: '', port: '', baud: '', slave: '', lo: '', hi: '', speed: '' };

/** Lift buses already provisioned: port → its baud and the slave addresses in use. */
function busesOf(devices: DeviceRow[]): Map<string, { baud: number; slaves: Map<number, string> }> {
  const out = new Map<string, { baud: number; slaves: Map<number, string> }>();
  for (const d of devices) {
    if (d.profile !== 'lift-modbus' || !d.port) continue;
    let b = out.get(d.port);
    if (!b) out.set(d.port, (b = { baud: d.baud ?? 9600, slaves: new Map() }));
    if (d.slave !== undefined) b.slaves.set(d.slave, d.id);
  }
  return out;
}

/** The API's refusals on the field they concern, in words. */
function addDeviceFieldErrors(e: unknown): Record<string, string> {
  if (!(e instanceof ApiError)) return {};
  if (e.code === 'invalid_request') {
    const f = fieldErrors(e);
    if (f.floors) f.lo = f.floors;
    if (f.ratedSpeed) f.speed = f.ratedSpeed;
    return f;
  }
  const byCode: Record<string, [string, Key]> = {
    duplicate_id: ['id', 'error.duplicate_id'],
    port_in_use: ['port', 'error.port_in_use'],
    slave_in_use: ['slave', 'error.slave_in_use'],
    baud_mismatch: ['baud', 'error.baud_mismatch'],
  };
  const hit = byCode[e.code];
  if (hit) return { [hit[0]]: t(hit[1]) };
  if (e.code === 'invalid_device') {
    for (const [re, field] of [
      [/port/, 'port'],
      [/slave/, 'slave'],
      [/floor/, 'lo'],
      [/ratedSpeed/, 'speed'],
    ] as const) {
      if (re.test(e.message)) return { [field]: t('error.invalid_device') };
    }
  }
  return {};
}

/** Copy text to the clipboard (also over plain http on the site network, where the Clipboard API is off). */
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall back below */
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

function CopyButton({ text, label }: { text: string; label: string }) {
  return (
    <Button
      small
      icon="copy"
      aria-label={t('devLogin.copyOne', { what: label })}
      onClick={async () => {
        if (await copyText(text)) toast(t('devLogin.copied', { what: label }), 'ok');
        else toast(t('devLogin.copyFailed'), 'warn');
      }}
    >
      {t('devLogin.copy')}
    </Button>
  );
}

/** The new device's MQTT login, shown once. */
function LoginView({ device, login }: { device: DeviceRow; login: DeviceLogin }) {
  const rows: [string, string, string][] = [
    [t('devLogin.clientId'), login.clientId, 'clientId'],
    [t('devLogin.username'), login.username, 'username'],
    [t('devLogin.password'), login.password, 'password'],
  ];
  const all = `${t('devLogin.brokerPort')}: ${login.brokerPort}\nclientId: ${login.clientId}\nusername: ${login.username}\npassword: ${login.password}`;
  return (
    <div class="device-login">
      <Notice tone="warn">{t('devLogin.once')}</Notice>
      <p class="muted device-login-lead">{device.profile === 'seal-ssp1-serial' ? t('devLogin.leadSerial') : t('devLogin.lead')}</p>
      <dl class="login-rows">
        <div class="login-row">
          <dt>{t('devLogin.brokerPort')}</dt>
          <dd>
            <code class="login-value">{login.brokerPort}</code>
          </dd>
        </div>
        {rows.map(([label, value, key]) => (
          <div class="login-row" key={key}>
            <dt>{label}</dt>
            <dd>
              <code class={`login-value${key === 'password' ? ' login-secret' : ''}`} data-field={key}>
                {value}
              </code>
              <CopyButton text={value} label={label} />
            </dd>
          </div>
        ))}
      </dl>
      <Button
        icon="copy"
        block
        onClick={async () => {
          if (await copyText(all)) toast(t('devLogin.copiedAll'), 'ok');
          else toast(t('devLogin.copyFailed'), 'warn');
        }}
      >
        {t('devLogin.copyAll')}
      </Button>
    </div>
  );
}

function AddDeviceModal({ devices, onClose, onAdded }: { devices: DeviceRow[]; onClose: () => void; onAdded: () => void }) {
  const [d, setD] = useState<Draft>(EMPTY);
  const [done, setDone] = useState<{ device: DeviceRow; login: DeviceLogin } | undefined>(undefined);
  const buses = busesOf(devices);
  const profile = d.profile || undefined;
  const serial = profile !== undefined && SERIAL.includes(profile);
  const lift = profile !== undefined && isLift(profile);
  const set = (p: Partial<Draft>) => setD({ ...d, ...p });

  const f = useSubmit(
    async () => {
      const body: Record<string, unknown> = { id: d.id.trim(), profile: d.profile };
      if (d.name.trim()) body.name = d.name.trim();
      if (serial) {
        body.port = d.port.trim();
        body.baud = Number(d.baud || DEFAULT_BAUD[profile!]);
      }
      if (profile === 'lift-modbus') body.slave = d.slave;
      if (lift && d.lo !== '' && d.hi !== '') body.floors = { lo: d.lo, hi: d.hi };
      if (lift && d.speed !== '') body.ratedSpeed = d.speed;
      return post<{ device: DeviceRow; login: DeviceLogin | null }>('/api/admin/devices', body);
    },
    () => {
      const out: Record<string, string> = {};
      const id = d.id.trim();
      if (!d.profile) out.profile = t('addDevice.chooseProfile');
      if (!id) out.id = t('field.required');
      else if (!ID_PATTERN.test(id)) out.id = t('addDevice.idPattern');
      else if (devices.some((x) => x.id === id)) out.id = t('addDevice.idTaken', { id });
      if (serial) {
        const port = d.port.trim();
        const bus = buses.get(port);
        const user = devices.find((x) => x.port === port && (x.profile !== 'lift-modbus' || profile !== 'lift-modbus'));
        if (!port) out.port = t('addDevice.portRequired');
        else if (user) out.port = t('addDevice.portTaken', { id: user.id });
        if (profile === 'lift-modbus') {
          if (d.slave === '') out.slave = t('field.required');
          else if (!Number.isInteger(d.slave) || d.slave < 1 || d.slave > 247) out.slave = t('addDevice.slaveRange');
          else if (bus?.slaves.has(d.slave)) out.slave = t('addDevice.slaveTaken', { slave: d.slave, id: bus.slaves.get(d.slave)! });
          if (bus && Number(d.baud || DEFAULT_BAUD[profile]) !== bus.baud) out.baud = t('addDevice.baudBus', { baud: bus.baud });
        }
      }
      if (lift) {
        if ((d.lo === '') !== (d.hi === '')) out.lo = t('addDevice.floorsBoth');
        else if (d.lo !== '' && d.hi !== '') {
          if (!Number.isInteger(d.lo) || !Number.isInteger(d.hi) || d.lo < -20 || d.hi > 200) out.lo = t('addDevice.floorsRange');
          else if (d.lo > d.hi) out.lo = t('addDevice.floorsOrder');
        }
        if (d.speed !== '' && (!Number.isInteger(d.speed) || d.speed < 100 || d.speed > 10000)) out.speed = t('addDevice.speedRange');
      }
      if (d.name.length > 100) out.name = t('field.maxLength', { n: 100 });
      return out;
    },
    addDeviceFieldErrors,
  );
  const submit = async () => {
    const r = await f.submit();
    if (!r) return;
    onAdded();
    const name = r.device.name || r.device.id;
    if (r.login) {
      setDone({ device: r.device, login: r.login });
      toast(t('addDevice.added', { name }), 'ok');
    } else {
      toast(t('addDevice.addedSerial', { name }), 'ok', 6000);
      onClose();
    }
  };

  if (done) {
    const close = async () => {
      const ok = await confirmDialog({ title: t('devLogin.closeTitle'), message: t('devLogin.closeMessage'), confirmLabel: t('devLogin.closeConfirm'), cancelLabel: t('devLogin.closeCancel') });
      if (ok) onClose();
    };
    return (
      <Modal
        title={t('devLogin.title', { name: done.device.name || done.device.id })}
        onClose={() => void close()}
        actions={
          <Button variant="primary" icon="check" onClick={onClose}>
            {t('devLogin.done')}
          </Button>
        }
      >
        <LoginView device={done.device} login={done.login} />
      </Modal>
    );
  }

  const busChips = profile === 'lift-modbus' && buses.size > 0 && (
    <span class="bus-chips">
      {t('addDevice.knownBuses')}
      {[...buses].map(([port, b]) => (
        <button
          type="button"
          key={port}
          class={`chip${d.port.trim() === port ? ' is-on' : ''}`}
          onClick={() => set({ port, baud: String(b.baud), slave: d.slave === '' ? nextSlave(b.slaves) : d.slave })}
        >
          <code>{port}</code> · {t('addDevice.busLifts', { n: b.slaves.size })}
        </button>
      ))}
    </span>
  );

  return (
    <FormDialog title={t('addDevice.title')} onClose={onClose} form={f} onSubmit={submit} submitLabel={t('addDevice.submit')} icon="plus" class="add-device-form">
      <Field id="dev-profile" label={t('addDevice.profile')} error={f.fields.profile} hint={profile ? t(`addDevice.profileHint.${profile}`) : t('addDevice.profileHint')}>
        <Select
          id="dev-profile"
          value={d.profile}
          placeholder={t('addDevice.chooseProfile')}
          options={PROFILES.map((p) => ({ value: p, label: t(`profile.${p}`) }))}
          onValue={(p) => set({ profile: p, baud: DEFAULT_BAUD[p] ?? '' })}
          invalid={!!f.fields.profile}
        />
      </Field>
      <div class="form-row">
        <Field id="dev-id" label={t('addDevice.id')} error={f.fields.id} hint={t('addDevice.idHint')}>
          <TextInput
            id="dev-id"
            value={d.id}
            maxLength={64}
            autoComplete="off"
            autoCapitalize="off"
            spellcheck={false}
            placeholder={profile ? (isSeal(profile) ? 'seal-03' : 'lift-12') : 'seal-03'}
            onValue={(v) => set({ id: v })}
            invalid={!!f.fields.id}
          />
        </Field>
        <Field id="dev-name" label={t('addDevice.name')} error={f.fields.name} hint={t('addDevice.nameHint')}>
          <TextInput id="dev-name" value={d.name} maxLength={100} placeholder={profile && isLift(profile) ? t('addDevice.namePlaceholderLift') : t('addDevice.namePlaceholderSeal')} onValue={(v) => set({ name: v })} invalid={!!f.fields.name} />
        </Field>
      </div>
      {serial && (
        <>
          <Field id="dev-port" label={t('addDevice.port')} error={f.fields.port} hint={<>{profile === 'lift-modbus' ? t('addDevice.portHintLift') : t('addDevice.portHintSeal')}{busChips}</>}>
            <TextInput id="dev-port" value={d.port} maxLength={255} autoComplete="off" autoCapitalize="off" spellcheck={false} placeholder="/dev/ttyUSB0" onValue={(v) => set({ port: v })} invalid={!!f.fields.port} />
          </Field>
          <div class="form-row">
            {profile === 'lift-modbus' && (
              <Field id="dev-slave" label={t('addDevice.slave')} error={f.fields.slave} hint={t('addDevice.slaveHint')}>
                <NumberInput id="dev-slave" value={d.slave} min={1} max={247} step={1} onValue={(v) => set({ slave: v })} invalid={!!f.fields.slave} />
              </Field>
            )}
            <Field id="dev-baud" label={t('addDevice.baud')} error={f.fields.baud} hint={profile === 'lift-modbus' ? t('addDevice.baudHintLift') : t('addDevice.baudHintSeal')}>
              <Select id="dev-baud" value={d.baud} options={BAUDS.map((b) => ({ value: b, label: t('devices.detail.baud', { baud: b }) }))} onValue={(v) => set({ baud: v })} invalid={!!f.fields.baud} />
            </Field>
          </div>
        </>
      )}
      {lift && (
        <>
          <div class="form-row">
            <Field id="dev-lo" label={t('addDevice.floorLo')} error={f.fields.lo} hint={t('addDevice.floorsHint')}>
              <NumberInput id="dev-lo" value={d.lo} min={-20} max={200} step={1} placeholder="-1" onValue={(v) => set({ lo: v })} invalid={!!f.fields.lo} />
            </Field>
            <Field id="dev-hi" label={t('addDevice.floorHi')} error={f.fields.hi}>
              <NumberInput id="dev-hi" value={d.hi} min={-20} max={200} step={1} placeholder="18" onValue={(v) => set({ hi: v })} invalid={!!f.fields.lo} />
            </Field>
          </div>
          <Field id="dev-speed" label={t('addDevice.speedLabel')} error={f.fields.speed} hint={t('addDevice.speedHint')}>
            <NumberInput id="dev-speed" value={d.speed} min={100} max={10000} step={50} placeholder="1000" onValue={(v) => set({ speed: v })} invalid={!!f.fields.speed} />
          </Field>
        </>
      )}
      {profile && !serial && <Notice tone="info">{t(profile === 'seal-mqtt' ? 'addDevice.mqttNoticeSeal' : 'addDevice.mqttNoticeKit')}</Notice>}
    </FormDialog>
  );
}

function nextSlave(used: Map<number, string>): number {
  for (let s = 1; s <= 247; s++) if (!used.has(s)) return s;
  return 1;
}

// ------------------------------------------------------------------------------------- the page

export function DevicesPage() {
  const state = useApi<{ devices: DeviceRow[] }>('/api/admin/devices');
  usePolling(state.reload, 3000);
  const [adding, setAdding] = useState(false);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const columns: Column<DeviceRow>[] = [
    {
      key: 'id',
      label: t('devices.col.device'),
      primary: true,
      width: '17%',
      render: (d) => (
        <span class="device-name">
          <span>{d.name || d.id}</span>
          {d.name && <code class="muted device-id">{d.id}</code>}
        </span>
      ),
    },
    { key: 'profile', label: t('devices.col.profile'), render: (d) => <ProfileLabel profile={d.profile} /> },
    {
      key: 'link',
      label: t('devices.col.link'),
      render: (d) => (
        <span class="link-cell">
          <LinkLabel d={d} />
          {details(d) && <span class="muted link-details">{details(d)}</span>}
        </span>
      ),
    },
    { key: 'state', label: t('devices.col.state'), render: (d) => <Presence d={d} /> },
    { key: 'counters', label: t('devices.col.counters'), render: (d) => <LinkSummary link={d.links[0]} /> },
  ];
  const list = state.data?.devices;
  const shown = open ? list?.find((d) => d.id === open) : undefined;
  return (
    <Page
      title={t('devices.title')}
      subtitle={t('devices.subtitle')}
      actions={
        <>
          <RefreshButton state={state} />
          <Button variant="primary" icon="plus" onClick={() => setAdding(true)} disabled={!list}>
            {t('addDevice.open')}
          </Button>
        </>
      }
    >
      <Loaded state={state}>
        {({ devices }) => {
          const online = devices.filter((d) => d.online).length;
          const offline = devices.filter((d) => d.online === false).length;
          return (
            <>
              <Stats>
                <Stat icon="seal" label={t('devices.stat.seal')} value={devices.filter((d) => isSeal(d.profile)).length} />
                <Stat icon="lift" label={t('devices.stat.lift')} value={devices.filter((d) => !isSeal(d.profile)).length} />
                <Stat icon="check" label={t('devices.stat.online')} value={online} tone={online > 0 ? 'ok' : undefined} />
                <Stat icon="alert" label={t('devices.stat.offline')} value={offline} tone={offline > 0 ? 'offline' : undefined} />
              </Stats>
              <Card flush title={t('common.total', { n: devices.length })}>
                <DataTable
                  label={t('devices.title')}
                  columns={columns}
                  rows={devices}
                  rowKey={(d) => d.id}
                  onRowClick={(d) => setOpen(d.id)}
                  rowTone={(d) => (d.online === false ? 'offline' : undefined)}
                  empty={{ title: t('devices.empty'), hint: t('devices.emptyHint') }}
                />
              </Card>
            </>
          );
        }}
      </Loaded>
      {adding && list && <AddDeviceModal devices={list} onClose={() => setAdding(false)} onAdded={state.reload} />}
      {shown && <DeviceDetail d={shown} onClose={() => setOpen(undefined)} />}
    </Page>
  );
}

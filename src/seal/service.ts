/**
 * The seal domain at run time: device events in (serial link or MQTT) → rules (workflow.ts) →
 * journal → acknowledgement; workflow actions from the HTTP API; commands out to the sleeves,
 * tracked to their acknowledgement; timers for expiry, photo deadlines and unacknowledged grants.
 *
 * Every change concerning one seal runs in that seal's lane (one at a time, in arrival order), so
 * rules always see the state left by the previous event, and a device event and the anomalies it
 * shows are appended together (one group commit). State is read from the projection tables
 * (projection.ts), never kept only in memory, so a restart resumes where the journal ends.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import { decodeUp as decodeMqttUp } from '../../devices/seal-mqtt.js';
import { Rejection } from '../core/errors.js';
import type { GatewayContext } from '../gateway/feature.js';
import type { DeviceStatus, SerialLinkStats } from '../gateway/devices.js';
import type { DeviceMessage } from '../gateway/ingest.js';
import type { Device } from '../registry/schema.js';
import type { AppendInput, Committed, DevRef, JournalRecord } from '../store/types.js';
import type { LinkEvent, SealUpEvent } from '../transport/serial/ssp1-link.js';
import { MqttChannel, SerialChannel, type CommandChannel, type SleeveCommand } from './channels.js';
import type { SealConfig } from './config.js';
import { ALARM_ANOMALY, LIVE_GRANT_STATES, type AnomalyCode, type FileRequestBody, type SealStateView } from './model.js';
import { PhotoStore } from './photos.js';
import type { GrantRow, RequestRow } from './projection.js';
import {
  checkNewRequest,
  clockProblem,
  counterFinding,
  decisionCheck,
  grantLive,
  isProblem,
  isWorkingTime,
  judgeTime,
  localTime,
  problem,
  stampFindings,
  withdrawCheck,
  type Finding,
  type GrantFacts,
  type Problem,
} from './workflow.js';

export const SEAL_PROFILES = ['seal-ssp1-serial', 'seal-mqtt'] as const;
export const isSealProfile = (p: string): boolean => (SEAL_PROFILES as readonly string[]).includes(p);

/** Bus events of the seal feature (a live feed for pages and alerts). */
export interface SealRecordEvent {
  seal: string;
  record: JournalRecord;
}
export interface SealAnomalyEvent {
  seal: string;
  code: AnomalyCode;
  record: JournalRecord;
}

declare module '../gateway/feature.js' {
  interface GatewayEvents {
    /** Any committed record about a seal (request, decision, grant, stamp, alarm, anomaly, …). */
    'seal.record': SealRecordEvent;
    /** A seal anomaly was committed (also on `sealift/{gw}/seal/{id}/event`). */
    'seal.anomaly': SealAnomalyEvent;
    /** The state of a seal changed (also retained on `sealift/{gw}/seal/{id}/state`). */
    'seal.state': SealStateView;
  }
}

export interface Actor {
  name: string;
  role: string;
}

interface DeviceRow {
  seal: string;
  boot: number | null;
  last_seq: number | null;
  counter: number | null;
  locked: number | null;
  sleeve_open: number | null;
  seal_present: number | null;
  battery: number | null;
  clock_ok: number | null;
  clock_boot: number | null;
  last_dev_time: number | null;
  last_ts: number | null;
  anomalies: number;
}

const grantFacts = (g: GrantRow): GrantFacts => ({
  id: g.id,
  seal: g.seal,
  request: g.request,
  uses: g.uses,
  used: g.used,
  notBefore: g.not_before,
  notAfter: g.not_after,
  state: g.state,
});

const MQTT_REASON: Record<string, string> = {
  bad_json: 'bad_json',
  not_object: 'bad_json',
  schema: 'bad_payload',
  too_long: 'too_long',
  empty: 'photo_empty',
  unknown_subtopic: 'bad_channel',
};

export class SealService {
  readonly photos: PhotoStore;
  private readonly db: Database;
  private readonly log: Logger;
  private readonly lanes = new Map<string, Promise<unknown>>();
  private readonly channels = new Map<string, CommandChannel>();
  private readonly mqttSeq = new Map<string, { boot: number; seq: number }>();
  /** Commits queued but not yet settled, per seal and per natural key (see deviceEvent). */
  private readonly inflight = new Map<string, Set<Promise<void>>>();
  private readonly pendingKeys = new Map<string, Promise<void>>();
  private readonly stateDirty = new Set<string>();
  private stateTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly background = new Set<Promise<unknown>>();
  private reserved = new Set<string>();
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private offAdded: (() => void) | undefined;

  constructor(
    private readonly ctx: GatewayContext,
    readonly cfg: SealConfig,
    readonly now: () => number,
    photosDir: string,
  ) {
    this.db = ctx.db;
    this.log = ctx.log;
    this.photos = new PhotoStore(photosDir, cfg.maxPhotoBytes);
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /** Listen to committed records: publish seal events and state, checkpoint after anomalies. */
  listen(): void {
    this.unsubscribe = this.ctx.journal.onRecords((recs) => this.onCommitted(recs));
  }

  /** Open serial sleeves, create MQTT channels, start the timer, catch up on undelivered grants. */
  async start(): Promise<void> {
    for (const d of this.sealDevices()) this.channelOf(d);
    // provisioned while running: open the serial sleeve's port / be ready for the MQTT sleeve now
    this.offAdded = this.ctx.bus.on('device.added', ({ device }) => this.attach(device));
    this.tickTimer = setInterval(() => void this.tick(), this.cfg.tickMs);
    this.tickTimer.unref();
    // grants issued before a restart and never acknowledged: try again (the sleeve may be back)
    for (const g of this.db.prepare<[], GrantRow>("SELECT * FROM seal_grants WHERE state = 'sent'").all()) this.deliverGrant(g.id);
    for (const d of this.sealDevices()) this.markState(d.id);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.offAdded?.();
    clearInterval(this.tickTimer);
    clearTimeout(this.stateTimer);
    for (const c of this.channels.values()) await c.close();
    this.channels.clear();
    await Promise.allSettled([...this.background]);
    await Promise.allSettled([...this.lanes.values()]);
    this.unsubscribe?.();
  }

  /** A sleeve provisioned while the gateway runs (idempotent: a known sleeve keeps its channel). */
  attach(d: Device): void {
    if (this.stopped || !isSealProfile(d.profile) || this.channels.has(d.id)) return;
    this.channelOf(d);
    this.markState(d.id);
  }

  /** Live state and link counters of a sleeve, for the admin's device list. */
  deviceStatus(d: Device): DeviceStatus {
    const mqtt = this.ctx.links.mqttOf(d.id);
    const ch = this.channels.get(d.id);
    if (!(ch instanceof SerialChannel)) return { online: ch?.online ?? false, since: ch?.since ?? null, links: [mqtt] };
    const c = ch.link.counters;
    const serial: SerialLinkStats = {
      kind: 'serial',
      port: ch.port.path,
      portOpen: ch.port.isOpen,
      lastFailure: ch.port.isOpen ? null : (ch.port.lastFailure ?? null),
      framesIn: c.framesIn,
      framesOut: c.framesOut,
      crcErrors: c.rejected.bad_crc ?? 0,
      garbage: c.rejected.garbage ?? 0,
      rejectedBytes: c.rejectedBytes,
      rejected: Object.values(c.rejected).reduce((a, b) => a + b, 0),
      retransmitsIn: c.retransmitsSeen,
      retransmitsOut: c.commandRetransmits,
      reconnects: Math.max(0, ch.port.counters.opens - 1),
      lastFrameAt: ch.link.lastFrameAt ?? null,
    };
    // a serial sleeve uploads its photos over MQTT (SSP/1 frames are too small for them)
    return { online: ch.online, since: ch.since, links: [serial, mqtt] };
  }

  /** The serial link of a sleeve (tests, health). */
  serial(id: string): SerialChannel | undefined {
    const c = this.channels.get(id);
    return c instanceof SerialChannel ? c : undefined;
  }

  private channelOf(d: Device): CommandChannel | undefined {
    const existing = this.channels.get(d.id);
    if (existing || this.stopped) return existing;
    let ch: CommandChannel | undefined;
    if (d.profile === 'seal-ssp1-serial' && d.port) {
      const st = this.deviceRow(d.id);
      ch = new SerialChannel({
        id: d.id,
        path: d.port,
        baud: d.baud,
        initialBoot: st?.boot ?? undefined,
        initialSeq: st?.boot !== null && st?.boot !== undefined ? (st.last_seq ?? undefined) : undefined,
        retryMs: this.cfg.commandRetryMs,
        tries: this.cfg.commandTries,
        metrics: this.ctx.metrics,
        log: this.log.child({ device: d.id }),
        onEvent: (e) => this.serialEvent(d, e),
      });
      (ch as SerialChannel).link.on('state', () => this.markState(d.id));
    } else if (d.profile === 'seal-mqtt') {
      ch = new MqttChannel({
        id: d.id,
        publish: async (topic, payload) => {
          if (!this.ctx.broker) throw new Error('no broker');
          await this.ctx.broker.publish(topic, payload, { qos: 1 });
        },
        retryMs: Math.max(this.cfg.commandRetryMs, 200),
        tries: this.cfg.commandTries,
        offlineAfterMs: 10 * 60_000,
        now: this.now,
        log: this.log,
      });
    }
    if (ch) this.channels.set(d.id, ch);
    return ch;
  }

  // ---------------------------------------------------------------------------------------------
  // Lanes and appends

  /** Run fn after everything queued for `key`, one at a time. */
  lane<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.lanes.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.lanes.set(key, tail);
    void tail.then(() => {
      if (this.lanes.get(key) === tail) this.lanes.delete(key);
    });
    return run;
  }

  /** Append records in one group commit (appends are queued synchronously, in order). */
  private async commit(inputs: AppendInput[]): Promise<Committed[]> {
    const ts = this.now();
    return Promise.all(inputs.map((i) => this.ctx.journal.append({ ts, ...i })));
  }

  private anomaly(
    seal: string,
    code: AnomalyCode,
    detail: Record<string, unknown>,
    refs: { request?: string | null | undefined; grant?: string | null | undefined; stamp?: string | null | undefined; actor?: string | undefined } = {},
  ): AppendInput {
    return {
      kind: 'seal.anomaly',
      subject: seal,
      actor: refs.actor,
      data: {
        ...detail,
        code,
        seal,
        ...(refs.request ? { request: refs.request } : {}),
        ...(refs.grant ? { grant: refs.grant } : {}),
        ...(refs.stamp ? { stamp: refs.stamp } : {}),
      },
    };
  }

  private bg(p: Promise<unknown>): void {
    const t = p.catch((err: unknown) => this.log.error({ err }, 'seal background task failed'));
    this.background.add(t);
    void t.finally(() => this.background.delete(t));
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  sealDevices(): Device[] {
    return this.ctx.registry.devices().filter((d) => isSealProfile(d.profile));
  }

  sealDevice(id: string): Device | undefined {
    const d = this.ctx.registry.device(id);
    return d && isSealProfile(d.profile) ? d : undefined;
  }

  request(id: string): RequestRow | undefined {
    return this.q('SELECT * FROM seal_requests WHERE id = ?').get(id) as RequestRow | undefined;
  }

  grant(id: string): GrantRow | undefined {
    return this.q('SELECT * FROM seal_grants WHERE id = ?').get(id) as GrantRow | undefined;
  }

  /** The sleeve's row of the projection; cached until the next committed record about the seal. */
  deviceRow(seal: string): DeviceRow | undefined {
    if (this.rowCache.has(seal)) return this.rowCache.get(seal) ?? undefined;
    const row = this.q('SELECT * FROM seal_devices WHERE seal = ?').get(seal) as DeviceRow | undefined;
    this.rowCache.set(seal, row ?? null);
    return row;
  }
  private readonly rowCache = new Map<string, DeviceRow | null>();

  private liveGrants(seal: string): GrantRow[] {
    // cached statement: this runs for every state publish (each ~20 ms while a sleeve reports)
    return this.q("SELECT * FROM seal_grants WHERE seal = ? AND state IN ('sent', 'acked') ORDER BY seq").all(seal) as GrantRow[];
  }

  private hasKey(id: string, boot: number, seq: number): boolean {
    return this.q('SELECT 1 FROM journal WHERE dev_id = ? AND dev_boot = ? AND dev_seq = ?').get(id, boot, seq) !== undefined;
  }

  private readonly stmts = new Map<string, Statement>();
  /** A cached prepared statement. */
  private q(sql: string): Statement {
    let st = this.stmts.get(sql);
    if (!st) this.stmts.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  stateOf(seal: string): SealStateView | undefined {
    const d = this.sealDevice(seal);
    if (!d) return undefined;
    const st = this.deviceRow(seal);
    const now = this.now();
    const live = this.liveGrants(seal).find((g) => grantLive(grantFacts(g), now));
    const ch = this.channels.get(seal);
    const b = (v: number | null | undefined): boolean | null => (v === null || v === undefined ? null : v === 1);
    return {
      id: d.id,
      name: d.name ?? null,
      profile: d.profile,
      online: ch?.online ?? false,
      lastSeen: st?.last_ts ?? null,
      boot: st?.boot ?? null,
      counter: st?.counter ?? null,
      locked: b(st?.locked),
      sleeveOpen: b(st?.sleeve_open),
      sealPresent: b(st?.seal_present),
      battery: st?.battery ?? null,
      clockOk: st && st.clock_boot === st.boot ? b(st.clock_ok) : null,
      liveGrant: live?.id ?? null,
      anomalies: st?.anomalies ?? 0,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Device input

  private async serialEvent(device: Device, e: LinkEvent): Promise<void> {
    const tail = await this.lane(device.id, async () => {
      const ch = this.serial(device.id);
      const gap = ch ? ch.unexplainedGap(e.gap) : e.gap;
      return this.deviceEvent(device, e.event, e.boot, e.seq, gap);
    });
    await tail.wait;
  }

  /** Ingest handler for both seal profiles (MQTT; serial sleeves may upload photos over MQTT only). */
  readonly mqttHandler = async ({ device, channel, payload }: DeviceMessage): Promise<void> => {
    const r = decodeMqttUp(channel, payload, { maxPhotoBytes: this.cfg.maxPhotoBytes });
    if (!r.ok) throw new Rejection(MQTT_REASON[r.reason] ?? r.reason, `${r.reason}: ${r.errors.join('; ')}`);
    const ev = r.event;
    if (device.profile === 'seal-ssp1-serial' && ev.type !== 'photo') {
      throw new Rejection('wrong_transport', `${device.id} is a serial sleeve: only photos come over MQTT`);
    }
    const ch = this.channelOf(device);
    if (ch instanceof MqttChannel) ch.seen(this.now());
    if (ev.type === 'photo') return this.lane(device.id, () => this.photo(device, ev.sha256, ev.bytes));
    if (ev.type === 'ack') {
      if (r.seq !== null && r.boot !== null) this.noteMqttSeq(device.id, r.boot, r.seq);
      if (!(ch instanceof MqttChannel) || !ch.acked(String(ev.ack))) this.log.debug({ device: device.id, ack: ev.ack }, 'stray command ack');
      return;
    }
    if (r.seq === null || r.boot === null) throw new Rejection('bad_payload', 'seq and boot are required');
    const boot = r.boot;
    const seq = r.seq;
    const tail = await this.lane(device.id, async () => {
      const gap = this.noteMqttSeq(device.id, boot, seq);
      return this.deviceEvent(device, ev as SealUpEvent, boot, seq, gap);
    });
    await tail.wait;
  };

  /** Record the highest seq seen of a boot; returns the seqs skipped before `seq` (0 if none or unknown). */
  private noteMqttSeq(seal: string, boot: number, seq: number): number {
    let last = this.mqttSeq.get(seal);
    if (!last) {
      const st = this.deviceRow(seal);
      if (st?.boot !== null && st?.boot !== undefined && st.last_seq !== null) last = { boot: st.boot, seq: st.last_seq };
    }
    if (!last || last.boot !== boot) {
      this.mqttSeq.set(seal, { boot, seq });
      return 0;
    }
    if (seq <= last.seq) return 0;
    this.mqttSeq.set(seal, { boot, seq });
    return seq - last.seq - 1;
  }

  /** One device event (in its seal's lane): dedupe, rules, records, follow-up commands. */
  /**
   * One device event, in its seal's lane: dedupe, rules, records, follow-up commands. Returns the
   * commit still to be awaited (outside the lane) for a pipelined event as `wait`.
   *
   * Pipelining: an event that changes nothing the rules read (a STATUS, SLEEVE, AUTH or ALARM
   * showing no anomaly) is only queued for the group commit, so a flood of status reports from a
   * sleeve shares commits instead of waiting for one commit each. Any other event (HELLO, STAMP,
   * anything with an anomaly) first waits for the sleeve's queued commits, then is decided on
   * committed state and committed before the lane moves on.
   */
  private async deviceEvent(device: Device, ev: SealUpEvent, boot: number, seq: number, gap: number): Promise<{ wait?: Promise<void> }> {
    const seal = device.id;
    const key = `${seal}:${boot}:${seq}`;
    const pending = this.pendingKeys.get(key);
    if (pending) return { wait: pending }; // a retransmission of an event still being committed
    const pipelinable = ev.type === 'status' || ev.type === 'sleeve' || ev.type === 'auth' || ev.type === 'alarm';
    if (!pipelinable) await this.drain(seal);
    // a retransmission: stored once, acknowledged again (a lone device record the journal dedupes itself)
    const known = (): boolean => this.hasKey(seal, boot, seq);
    if (!pipelinable && known()) return {};
    const now = this.now();
    const st = this.deviceRow(seal);
    const dev: DevRef = { id: seal, boot, seq, time: ev.time };
    const records: AppendInput[] = [];
    const add = (f: Finding, refs: Parameters<SealService['anomaly']>[3] = {}): void => {
      records.push(this.anomaly(seal, f.code, { ...f.detail, boot, devSeq: seq, deviceTime: ev.time }, refs));
    };
    const flaggedForBoot = st?.clock_ok === 0 && st.clock_boot === boot;
    const trusted = st?.clock_ok === 1 && st.clock_boot === boot;
    const clock = clockProblem(ev.time, now, this.cfg, ev.type === 'hello');
    const after: Array<() => void> = [];
    const findings: Finding[] = [];
    if (gap > 0) findings.push({ code: 'SEQ_GAP', detail: { missing: gap, from: seq - gap, to: seq - 1 } });
    if (clock && !flaggedForBoot && !(ev.type === 'alarm' && ev.kind === 'clock_invalid')) {
      findings.push({ code: 'CLOCK_INVALID', detail: { reason: clock, gatewayTime: now } });
    }
    const base = { profile: device.profile };

    switch (ev.type) {
      case 'hello': {
        const newBoot = st?.boot !== boot;
        const cf = st?.counter !== null && st?.counter !== undefined ? counterFinding(ev.counter, st.counter, false) : null;
        if (cf) findings.push(cf);
        records.push({
          kind: 'device.hello',
          subject: seal,
          dev,
          data: {
            ...base,
            channel: 'hello',
            model: ev.model,
            fw: ev.fw,
            boot: ev.boot,
            counter: ev.counter,
            clockOk: clock === null,
            skewMs: ev.time - now,
            ...(clock ? { clockProblem: clock } : {}),
            ...(ev.id !== seal ? { reportedId: ev.id } : {}),
          },
        });
        after.push(() => this.afterHello(seal, boot, newBoot, clock !== null));
        break;
      }
      case 'status': {
        if (!ev.sealPresent && st?.seal_present !== 0) findings.push({ code: 'SEAL_REMOVED', detail: { source: 'status' } });
        records.push({
          kind: 'device.status',
          subject: seal,
          dev,
          data: { ...base, channel: 'status', battery: ev.battery, locked: ev.locked, sleeveClosed: ev.sleeveClosed, sealPresent: ev.sealPresent },
        });
        break;
      }
      case 'stamp': {
        const stampId = `${seal}:${boot}:${seq}`;
        const g = ev.grant ? this.grant(ev.grant) : undefined;
        const jt = judgeTime(ev.time, now, { trusted: trusted && !clock }, this.cfg);
        const own = g && g.seal === seal ? g : undefined;
        const counted = own !== undefined && own.state !== 'revoked';
        const stampF = stampFindings(
          { seal, grant: ev.grant, n: ev.n, photo: ev.photo, impression: ev.impression, time: jt.time },
          g ? grantFacts(g) : undefined,
          this.cfg,
        );
        const cf = st?.counter !== null && st?.counter !== undefined ? counterFinding(ev.counter, st.counter, true) : null;
        records.push({
          kind: 'seal.stamp',
          subject: seal,
          dev,
          data: {
            stamp: stampId,
            seal,
            grant: ev.grant,
            request: own?.request ?? null,
            n: ev.n,
            counter: ev.counter,
            photo: ev.photo,
            impression: ev.impression,
            decisionTime: jt.time,
            timeBasis: jt.basis,
            outOfHours: !isWorkingTime(jt.time, this.cfg.workingHours),
            counted,
          },
        });
        const refs = { request: own?.request, grant: ev.grant, stamp: stampId };
        for (const f of [...findings.splice(0), ...(cf ? [cf] : []), ...stampF]) add(f, refs);
        if (counted && LIVE_GRANT_STATES.includes(own.state) && own.used + 1 >= own.uses) {
          records.push({
            kind: 'seal.complete',
            subject: own.request,
            data: { request: own.request, grant: own.id, seal, stamps: own.used + 1, uses: own.uses },
          });
        }
        break;
      }
      case 'sleeve': {
        const live = this.liveGrants(seal).find((g) => grantLive(grantFacts(g), now));
        if (ev.open && !live) findings.push({ code: 'SLEEVE_OPEN_WITHOUT_GRANT', detail: {} });
        records.push({ kind: 'seal.sleeve', subject: seal, dev, data: { seal, open: ev.open, grant: live?.id ?? null } });
        break;
      }
      case 'alarm': {
        const code = ALARM_ANOMALY[ev.kind];
        if (code && !(code === 'CLOCK_INVALID' && flaggedForBoot)) findings.push({ code, detail: { source: 'alarm', alarm: ev.kind } });
        records.push({ kind: 'seal.alarm', subject: seal, dev, data: { seal, kind: ev.kind } });
        break;
      }
      case 'auth':
        records.push({ kind: 'seal.auth', subject: seal, dev, data: { seal, operator: ev.operator, ok: ev.ok } });
        break;
    }
    for (const f of findings) add(f);
    // a STATUS that changes seal presence (read by the next STATUS's rule) is not pipelined
    const changesState = ev.type === 'status' && (st?.seal_present ?? null) !== (ev.sealPresent ? 1 : 0);
    if (pipelinable && !changesState && records.length === 1 && after.length === 0) {
      const p = this.commit(records).then(() => undefined);
      this.track(seal, key, p);
      return { wait: p }; // wrapped: a promise returned as is would be awaited by the lane
    }
    if (pipelinable) {
      await this.drain(seal); // an anomaly after pipelined events: keep the order of decisions
      if (known()) return {};
    }
    await this.commit(records);
    for (const fn of after) fn();
    return {};
  }

  /** Remember a queued (pipelined) commit until it settles. */
  private track(seal: string, key: string, p: Promise<void>): void {
    let set = this.inflight.get(seal);
    if (!set) this.inflight.set(seal, (set = new Set()));
    this.pendingKeys.set(key, p);
    set.add(p);
    const done = (): void => {
      set.delete(p);
      if (set.size === 0 && this.inflight.get(seal) === set) this.inflight.delete(seal);
      if (this.pendingKeys.get(key) === p) this.pendingKeys.delete(key);
    };
    p.then(done, done);
  }

  /** Wait until every queued commit of this seal has settled. */
  private async drain(seal: string): Promise<void> {
    const set = this.inflight.get(seal);
    if (set?.size) await Promise.allSettled([...set]);
  }

  /** After a HELLO: set the clock on a new boot or a bad clock; bring back the live grant and a pending lock. */
  private afterHello(seal: string, boot: number, newBoot: boolean, clockBad: boolean): void {
    if (newBoot || clockBad) this.sendTime(seal, boot);
    const live = this.liveGrants(seal).filter((g) => g.not_after > this.now() && g.used < g.uses);
    for (const g of live) if (newBoot || g.state === 'sent') this.deliverGrant(g.id, newBoot);
    const st = this.deviceRow(seal);
    if (newBoot && live.length === 0 && st?.locked === 1) this.bg(this.command(seal, { type: 'lock' }));
  }

  private async command(seal: string, cmd: SleeveCommand): Promise<{ acked: boolean; tries: number }> {
    const d = this.sealDevice(seal);
    const ch = d && this.channelOf(d);
    if (!ch) return { acked: false, tries: 0 };
    return ch.send(cmd);
  }

  private sendTime(seal: string, boot: number): void {
    const time = this.now();
    this.bg(
      this.command(seal, { type: 'time', time }).then(async (r) => {
        if (r.acked) await this.lane(seal, () => this.commit([{ kind: 'seal.time', subject: seal, data: { seal, boot, time, tries: r.tries } }]));
        else this.log.warn({ seal, tries: r.tries }, 'TIME not acknowledged by the sleeve');
      }),
    );
  }

  /** Send (or send again) a grant with its remaining uses; journal its acknowledgement, or GRANT_NOT_ACKED. */
  deliverGrant(grantId: string, resend = false): void {
    const g = this.grant(grantId);
    if (!g || !LIVE_GRANT_STATES.includes(g.state) || g.used >= g.uses) return;
    const cmd: SleeveCommand = { type: 'grant', grant: g.id, uses: g.uses - g.used, notBefore: g.not_before, notAfter: g.not_after };
    this.bg(
      this.command(g.seal, cmd).then((r) =>
        this.lane(g.seal, async () => {
          const cur = this.grant(grantId);
          // stopping: the link gave up because we closed it, not because the sleeve did not answer
          if (!cur || this.stopped) return;
          if (r.acked) {
            if (cur.state === 'sent') {
              await this.commit([{ kind: 'seal.grant.acked', subject: cur.request, data: { grant: cur.id, request: cur.request, seal: cur.seal, tries: r.tries } }]);
            }
            return;
          }
          if (cur.state === 'sent' && cur.ack_failed === 0) {
            await this.commit([
              this.anomaly(cur.seal, 'GRANT_NOT_ACKED', { tries: r.tries, reason: `the sleeve did not acknowledge the grant after ${r.tries} tries`, resend }, { request: cur.request, grant: cur.id }),
            ]);
          } else {
            this.log.warn({ grant: cur.id, tries: r.tries, resend }, 'grant re-send not acknowledged');
          }
        }),
      ),
    );
  }

  /** A photo over MQTT: stored by hash, journaled once, linked to the stamp naming it. */
  private async photo(device: Device, sha256: string, bytes: Buffer): Promise<void> {
    if (this.db.prepare('SELECT 1 FROM seal_photos WHERE sha256 = ?').get(sha256)) {
      if (!this.photos.has(sha256)) this.photos.put(bytes, sha256); // file lost: restore it
      return;
    }
    this.photos.put(bytes, sha256);
    const stamp = this.db
      .prepare<[string], { id: string; request: string | null; anomalies: string }>('SELECT id, request, anomalies FROM seal_stamps WHERE photo = ? ORDER BY seq LIMIT 1')
      .get(sha256);
    await this.commit([
      {
        kind: 'seal.photo',
        subject: device.id,
        data: {
          seal: device.id,
          sha256,
          bytes: bytes.length,
          stamp: stamp?.id ?? null,
          request: stamp?.request ?? null,
          ...(stamp?.anomalies.includes(',STAMP_NO_PHOTO,') ? { late: true } : {}),
        },
      },
    ]);
  }

  // ---------------------------------------------------------------------------------------------
  // Workflow actions (HTTP)

  private nextRequestId(now: number): string {
    const day = localTime(now, this.ctx.cfg.gateway.timezone).date.replaceAll('-', '');
    const prefix = `R-${day}-`;
    const row = this.db.prepare<[string], { id: string }>('SELECT id FROM seal_requests WHERE id LIKE ? ORDER BY id DESC LIMIT 1').get(`${prefix}%`);
    let n = row ? Number(row.id.slice(prefix.length)) + 1 : 1;
    while (this.reserved.has(`${prefix}${String(n).padStart(4, '0')}`)) n++;
    const id = `${prefix}${String(n).padStart(4, '0')}`;
    this.reserved.add(id);
    return id;
  }

  /** A keeper (or an approver, escalated at once) files a request. */
  fileRequest(actor: Actor, body: FileRequestBody): Promise<RequestRow | Problem> {
    return this.lane('requests', async () => {
      const now = this.now();
      const r = checkNewRequest(body, { cfg: this.cfg, now, sealKnown: (id) => this.sealDevice(id) !== undefined });
      if (isProblem(r)) return r;
      const id = this.nextRequestId(now);
      const escalated = actor.role === 'approver';
      try {
        await this.commit([
          {
            kind: 'seal.request',
            subject: id,
            actor: actor.name,
            data: {
              request: id,
              seal: r.seal,
              matter: r.matter,
              title: r.title,
              count: r.count,
              notBefore: r.notBefore,
              notAfter: r.notAfter,
              note: r.note,
              escalated,
              ...(escalated ? { escalation: 'filed by an approver: another approver (township) must decide' } : {}),
            },
          },
        ]);
      } finally {
        this.reserved.delete(id);
      }
      return this.request(id)!;
    });
  }

  withdraw(actor: Actor, id: string, reason: string | undefined): Promise<RequestRow | Problem> {
    const req0 = this.request(id);
    if (!req0) return Promise.resolve(problem(404, 'not_found', `no request ${id}`));
    return this.lane(req0.seal, async () => {
      const req = this.request(id)!;
      const c = withdrawCheck(this.facts(req), actor.name);
      if (c !== 'ok') return c;
      const g = req.grant_id ? this.grant(req.grant_id) : undefined;
      const live = g && LIVE_GRANT_STATES.includes(g.state) ? g : undefined;
      await this.commit([
        { kind: 'seal.withdraw', subject: id, actor: actor.name, data: { request: id, seal: req.seal, reason: reason ?? null, ...(live ? { grant: live.id } : {}) } },
      ]);
      if (live) this.bg(this.command(req.seal, { type: 'revoke', grant: live.id }));
      return this.request(id)!;
    });
  }

  private facts(req: RequestRow) {
    return { id: req.id, requester: req.requester, state: req.state, escalated: req.escalated === 1, notAfter: req.not_after };
  }

  /**
   * Approve: the decision and the grant in one commit, then the grant goes to the sleeve. The
   * requester approving their own request is refused: SELF_APPROVAL, and the request escalates.
   */
  approve(actor: Actor, id: string, note: string | undefined): Promise<RequestRow | Problem | { self: true; request: RequestRow }> {
    const req0 = this.request(id);
    if (!req0) return Promise.resolve(problem(404, 'not_found', `no request ${id}`));
    return this.lane(req0.seal, async () => {
      const req = this.request(id)!;
      const now = this.now();
      const c = decisionCheck(this.facts(req), actor.name, now);
      if (c === 'self') {
        await this.commit([
          this.anomaly(req.seal, 'SELF_APPROVAL', { reason: `${actor.name} tried to approve a request they filed`, action: 'approve' }, { request: id, actor: actor.name }),
          ...(req.escalated
            ? []
            : [{ kind: 'seal.escalate' as const, subject: id, actor: actor.name, data: { request: id, seal: req.seal, reason: 'the approver is the requester: another approver (township) must decide' } }]),
        ]);
        return { self: true as const, request: this.request(id)! };
      }
      if (isProblem(c)) return c;
      const grant = `G${id.slice(1)}`;
      await this.commit([
        { kind: 'seal.decision', subject: id, actor: actor.name, data: { decision: 'approve', request: id, seal: req.seal, note: note ?? null, escalated: req.escalated === 1 } },
        { kind: 'seal.grant', subject: id, actor: actor.name, data: { grant, request: id, seal: req.seal, uses: req.count, notBefore: req.not_before, notAfter: req.not_after } },
      ]);
      this.deliverGrant(grant);
      return this.request(id)!;
    });
  }

  reject(actor: Actor, id: string, reason: string): Promise<RequestRow | Problem | { self: true; request: RequestRow }> {
    const req0 = this.request(id);
    if (!req0) return Promise.resolve(problem(404, 'not_found', `no request ${id}`));
    return this.lane(req0.seal, async () => {
      const req = this.request(id)!;
      const c = decisionCheck(this.facts(req), actor.name, this.now());
      if (c === 'self') return { self: true as const, request: req };
      if (isProblem(c)) return c;
      await this.commit([{ kind: 'seal.decision', subject: id, actor: actor.name, data: { decision: 'reject', request: id, seal: req.seal, reason } }]);
      return this.request(id)!;
    });
  }

  revoke(actor: Actor, grantId: string, reason: string): Promise<GrantRow | Problem> {
    const g0 = this.grant(grantId);
    if (!g0) return Promise.resolve(problem(404, 'not_found', `no grant ${grantId}`));
    return this.lane(g0.seal, async () => {
      const g = this.grant(grantId)!;
      if (!LIVE_GRANT_STATES.includes(g.state)) return problem(409, 'invalid_state', `grant ${grantId} is ${g.state}; only a live grant can be revoked`);
      await this.commit([{ kind: 'seal.revoke', subject: g.request, actor: actor.name, data: { grant: g.id, request: g.request, seal: g.seal, reason } }]);
      this.bg(this.command(g.seal, { type: 'revoke', grant: g.id }));
      return this.grant(grantId)!;
    });
  }

  /** Remote lock: every live grant of the seal is revoked and the sleeve is told to LOCK. */
  lock(actor: Actor, seal: string, reason: string): Promise<SealStateView | Problem> {
    if (!this.sealDevice(seal)) return Promise.resolve(problem(404, 'not_found', `no seal sleeve ${seal}`));
    return this.lane(seal, async () => {
      const live = this.liveGrants(seal);
      await this.commit([
        { kind: 'seal.lock', subject: seal, actor: actor.name, data: { seal, reason, revoked: live.map((g) => g.id) } },
        ...live.map((g) => ({ kind: 'seal.revoke' as const, subject: g.request, actor: actor.name, data: { grant: g.id, request: g.request, seal, reason: `sleeve locked: ${reason}` } })),
      ]);
      this.bg(
        this.command(seal, { type: 'lock' }).then((r) => {
          if (!r.acked) this.log.warn({ seal, tries: r.tries }, 'LOCK not acknowledged by the sleeve; sent again when it says HELLO');
        }),
      );
      return this.stateOf(seal)!;
    });
  }

  /**
   * Break-glass: an approver (or admin) unlocks a seal in an emergency with a mandatory reason. It
   * creates a request and grant at once, decided by the same person, and always raises BREAK_GLASS.
   */
  breakGlass(
    actor: Actor,
    seal: string,
    body: { reason: string; title?: string | undefined; matter?: string | undefined; uses?: number | undefined; minutes?: number | undefined },
  ): Promise<RequestRow | Problem> {
    if (!this.sealDevice(seal)) return Promise.resolve(problem(404, 'not_found', `no seal sleeve ${seal}`));
    const uses = body.uses ?? 1;
    const minutes = body.minutes ?? this.cfg.breakGlassMaxMin;
    if (uses > this.cfg.breakGlassMaxUses) return Promise.resolve(problem(400, 'invalid_count', `uses: at most ${this.cfg.breakGlassMaxUses} stamps in an emergency`));
    if (minutes > this.cfg.breakGlassMaxMin) return Promise.resolve(problem(400, 'invalid_window', `minutes: an emergency grant lasts at most ${this.cfg.breakGlassMaxMin} minutes`));
    return this.lane('requests', () =>
      this.lane(seal, async () => {
        const now = this.now();
        const id = this.nextRequestId(now);
        const grant = `G${id.slice(1)}`;
        const notBefore = now;
        const notAfter = now + minutes * 60_000;
        try {
          await this.commit([
            {
              kind: 'seal.request',
              subject: id,
              actor: actor.name,
              data: { request: id, seal, matter: body.matter ?? 'other', title: body.title ?? `紧急用印 (break-glass): ${body.reason}`.slice(0, 200), count: uses, notBefore, notAfter, note: body.reason, escalated: false, breakGlass: true },
            },
            { kind: 'seal.decision', subject: id, actor: actor.name, data: { decision: 'approve', request: id, seal, breakGlass: true, reason: body.reason } },
            { kind: 'seal.grant', subject: id, actor: actor.name, data: { grant, request: id, seal, uses, notBefore, notAfter, breakGlass: true } },
            this.anomaly(seal, 'BREAK_GLASS', { reason: body.reason, uses, minutes, role: actor.role }, { request: id, grant, actor: actor.name }),
          ]);
        } finally {
          this.reserved.delete(id);
        }
        this.deliverGrant(grant);
        return this.request(id)!;
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Timers

  /** Expire undecided requests and ended grants; raise STAMP_NO_PHOTO and GRANT_NOT_ACKED at their deadlines. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const now = this.now();
      for (const r of this.db.prepare<[number], RequestRow>("SELECT * FROM seal_requests WHERE state = 'requested' AND not_after <= ?").all(now)) {
        await this.lane(r.seal, async () => {
          const cur = this.request(r.id);
          if (cur?.state !== 'requested') return;
          await this.commit([{ kind: 'seal.expire', subject: r.id, data: { request: r.id, seal: r.seal, reason: 'not decided before its window ended' } }]);
        });
      }
      for (const g of this.db.prepare<[number], GrantRow>("SELECT * FROM seal_grants WHERE state IN ('sent', 'acked') AND not_after <= ?").all(now)) {
        await this.lane(g.seal, async () => {
          const cur = this.grant(g.id);
          if (!cur || !LIVE_GRANT_STATES.includes(cur.state)) return;
          await this.commit([{ kind: 'seal.expire', subject: g.request, data: { request: g.request, grant: g.id, seal: g.seal, used: cur.used, uses: cur.uses, reason: 'the grant window ended' } }]);
        });
      }
      const waitMs = this.cfg.photoWaitSec * 1000;
      const missing = this.db
        .prepare<[number, number], { id: string; seal: string; request: string | null; grant_id: string | null; photo: string; ts: number }>(
          `SELECT id, seal, request, grant_id, photo, ts FROM seal_stamps s
           WHERE s.photo IS NOT NULL AND s.ts <= ? AND s.ts >= ? AND s.anomalies NOT LIKE '%,STAMP_NO_PHOTO,%'
             AND NOT EXISTS (SELECT 1 FROM seal_photos p WHERE p.sha256 = s.photo)`,
        )
        .all(now - waitMs, now - waitMs - 7 * 24 * 3600_000);
      for (const s of missing) {
        await this.lane(s.seal, async () => {
          const cur = this.db.prepare<[string], { anomalies: string }>('SELECT anomalies FROM seal_stamps WHERE id = ?').get(s.id);
          if (!cur || cur.anomalies.includes(',STAMP_NO_PHOTO,')) return;
          if (this.db.prepare('SELECT 1 FROM seal_photos WHERE sha256 = ?').get(s.photo)) return;
          await this.commit([
            this.anomaly(s.seal, 'STAMP_NO_PHOTO', { photo: s.photo, reason: `the photo did not arrive within ${this.cfg.photoWaitSec} s` }, { request: s.request, grant: s.grant_id, stamp: s.id }),
          ]);
        });
      }
      const ackMs = this.cfg.grantAckTimeoutSec * 1000;
      for (const g of this.db.prepare<[number], GrantRow>("SELECT * FROM seal_grants WHERE state = 'sent' AND ack_failed = 0 AND ts <= ?").all(now - ackMs)) {
        await this.lane(g.seal, async () => {
          const cur = this.grant(g.id);
          if (cur?.state !== 'sent' || cur.ack_failed !== 0) return;
          await this.commit([
            this.anomaly(g.seal, 'GRANT_NOT_ACKED', { reason: `the sleeve did not acknowledge the grant within ${this.cfg.grantAckTimeoutSec} s` }, { request: g.request, grant: g.id }),
          ]);
        });
      }
    } catch (err) {
      this.log.error({ err }, 'seal timer failed');
    } finally {
      this.ticking = false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Live feed

  private sealOf(rec: JournalRecord): string | undefined {
    if (rec.kind === 'device.hello' || rec.kind === 'device.status') {
      return typeof rec.data.profile === 'string' && rec.data.profile.startsWith('seal-') ? rec.subject : undefined;
    }
    if (!rec.kind.startsWith('seal.')) return undefined;
    if (typeof rec.data.seal === 'string') return rec.data.seal;
    return rec.kind === 'seal.stamp' || rec.kind === 'seal.lock' || rec.kind === 'seal.anomaly' ? rec.subject : undefined;
  }

  private onCommitted(recs: Committed[]): void {
    const gw = this.ctx.cfg.gateway.id;
    let anomalies = 0;
    for (const { record } of recs) {
      const seal = this.sealOf(record);
      if (!seal) continue;
      this.rowCache.delete(seal);
      // status reports and HELLOs show in the retained state; the event topic carries seal.* records
      if (record.kind.startsWith('seal.')) {
        const event = { kind: record.kind, seq: record.seq, ts: record.ts, subject: record.subject, actor: record.actor ?? null, dev: record.dev ?? null, data: record.data };
        this.ctx.publish(`sealift/${gw}/seal/${seal}/event`, JSON.stringify(event), { qos: 1 });
        this.ctx.bus.emit('seal.record', { seal, record });
      }
      if (record.kind === 'seal.anomaly') {
        anomalies++;
        this.ctx.bus.emit('seal.anomaly', { seal, code: record.data.code as AnomalyCode, record });
        this.log.warn({ seal, code: record.data.code, seq: record.seq }, 'seal anomaly');
      }
      this.markState(seal);
    }
    if (anomalies > 0) {
      try {
        this.ctx.journal.checkpoint('anomaly');
      } catch (err) {
        this.log.error({ err }, 'checkpoint after an anomaly failed');
      }
    }
  }

  private markState(seal: string): void {
    this.stateDirty.add(seal);
    if (this.stateTimer || this.stopped) return;
    this.stateTimer = setTimeout(() => {
      this.stateTimer = undefined;
      const gw = this.ctx.cfg.gateway.id;
      for (const s of [...this.stateDirty]) {
        this.stateDirty.delete(s);
        const view = this.stateOf(s);
        if (!view) continue;
        this.ctx.publish(`sealift/${gw}/seal/${s}/state`, JSON.stringify(view), { retain: true, qos: 1 });
        this.ctx.bus.emit('seal.state', view);
      }
    }, 20);
    this.stateTimer.unref();
  }
}

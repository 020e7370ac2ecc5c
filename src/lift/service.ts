/**
 * The lift domain at run time: readings in (Modbus buses, sensor kits over MQTT), normalized state
 * out (retained on `sealift/{gw}/lift/{id}/state`, live feed), rule evaluation with one timer per
 * lift, fault records, the fault lifecycle with escalation, maintenance visits and schedule, and
 * alerts (MQTT fault topic, live feed, webhooks) derived from the committed journal records.
 *
 * What is journaled: fault raise/clear, lifecycle steps, escalations, service-mode changes, online/
 * offline transitions, maintenance visits and due/overdue alerts, kit camera events. Not every poll.
 */
import { EventEmitter } from 'node:events';
import type { Statement } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { Cron } from 'croner';
import { isProcessZone } from '../core/time.js';
import { liftKitMqtt } from '../../devices/lift-kit-mqtt.js';
import { faultInfo as controllerFaultInfo, liftModbus } from '../../devices/lift-modbus.js';
import type { LiftReading } from '../../devices/types.js';
import { Rejection, StorageError } from '../core/errors.js';
import { child, throttledWarn } from '../core/logger.js';
import type { GatewayContext } from '../gateway/feature.js';
import type { DeviceStatus, LinkStats } from '../gateway/devices.js';
import type { DeviceHandler } from '../gateway/ingest.js';
import type { Device } from '../registry/schema.js';
import type { AppendInput, Committed, JournalRecord } from '../store/types.js';
import { ModbusBus, type BusStats } from '../transport/modbus/bus.js';
import { FAULTS, isFaultCode, type FaultCode, type Severity } from './catalog.js';
import { DEFAULT_TIMERS, type AlertEvent, type LiftConfig, type RuleTimers, type VisitType } from './config.js';
import { scheduleFor, type ScheduleEntry } from './maintenance.js';
import { LIFECYCLE, LIFT_PROFILES, type FaultRow, type Step, type StepRow, type VisitRow } from './projection.js';
import { isFresh, newMemory, ruleConfig, step, type FaultEvent, type LiftMemory, type LiftSource, type Observation, type OpenFault, type RuleConfig } from './rules.js';
import { byId, faultTimes, type FaultTimes, type LiftRef } from './stats.js';
import { WebhookOutbox, type WebhookAlert } from './webhooks.js';

/** An HTTP-facing refusal: status code, stable code, human reason. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type PublicReading = Omit<LiftReading, 'alive'>;

export interface LiftState {
  lift: string;
  name: string | null;
  profile: string;
  source: LiftSource;
  bus: string | null;
  slave: number | null;
  /** Data is fresh: the controller answers / the kit is online. */
  online: boolean;
  /** Open maintenance visit id (the lift is in maintenance mode), or null. */
  maintenance: string | null;
  mode: string | null;
  /** Gateway time of the reading. */
  ts: number | null;
  reading: PublicReading | null;
  faults: { faultId: string; code: string; severity: Severity; raisedAt: number }[];
}

export interface FaultView extends FaultTimes {
  faultId: string;
  lift: string;
  liftName: string | null;
  code: string;
  zh: string | null;
  en: string | null;
  gb: number | null;
  severity: string;
  category: string | null;
  source: string | null;
  status: string;
  /** The fault condition is still present (not cleared). */
  active: boolean;
  raisedAt: number;
  clearedAt: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  dispatchedAt: number | null;
  dispatchedBy: string | null;
  assignee: string | null;
  arrivedAt: number | null;
  arrivedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  closedAt: number | null;
  closedBy: string | null;
  escalatedAt: number | null;
}

export interface VisitView {
  visitId: string;
  lift: string;
  type: string;
  open: boolean;
  openedAt: number;
  openedBy: string | null;
  technicians: string[];
  closedAt: number | null;
  closedBy: string | null;
  items: string[];
  note: string | null;
  result: string | null;
}

export interface Alert extends WebhookAlert {
  event: AlertEvent;
  gw: string;
  seq: number;
  ts: number;
  lift: { id: string; name: string | null };
}

interface LiftRuntime {
  id: string;
  device: Device;
  source: LiftSource;
  cfg: RuleConfig;
  mem: LiftMemory;
  timer: NodeJS.Timeout | null;
  bus: string | null;
  slave: number | null;
  visit: string | null;
  journaledMode: string | null;
  journaledOnline: boolean | null;
  kitLast: { seq: number; ts: number } | null;
  lastPublished: string | null;
}

export interface LiftServiceOptions {
  now?: () => number;
}

const newId = (prefix: string, now: number): string => `${prefix}${now.toString(36)}${randomBytes(3).toString('hex')}`;

function bootOf(payload: Buffer): number {
  try {
    const b = (JSON.parse(payload.toString('utf8')) as { boot?: unknown }).boot;
    return typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 0xffffffff ? b : 0;
  } catch {
    return 0;
  }
}

export class LiftService {
  readonly events = new EventEmitter<{ state: [LiftState]; alert: [Alert] }>();
  readonly cfg: LiftConfig;
  private readonly timers: RuleTimers;
  private readonly lifts = new Map<string, LiftRuntime>();
  private readonly buses: ModbusBus[] = [];
  /** The bus of each serial port and its lifts by slave address (lifts provisioned later join it). */
  private readonly busByPort = new Map<string, { bus: ModbusBus; bySlave: Map<number, LiftRuntime> }>();
  private offAdded: (() => void) | null = null;
  private onlineStmt: Statement<[string], { online: number | null; online_at: number | null }> | undefined;
  private readonly escalations = new Map<string, NodeJS.Timeout>();
  private readonly stepsInFlight = new Set<string>();
  private readonly now: () => number;
  private readonly log;
  private readonly warn;
  private readonly outbox: WebhookOutbox;
  private unsubscribe: (() => void) | null = null;
  private cronTask: Cron | null = null;
  private started = false;
  private stopped = false;

  constructor(
    private readonly ctx: GatewayContext,
    opts: LiftServiceOptions = {},
  ) {
    this.cfg = ctx.cfg.lift;
    this.timers = { ...DEFAULT_TIMERS, ...this.cfg.rules };
    this.now = opts.now ?? Date.now;
    this.log = ctx.log;
    this.warn = throttledWarn(ctx.log);
    this.outbox = new WebhookOutbox({
      db: ctx.db,
      journal: ctx.journal,
      cfg: this.cfg,
      log: child(ctx.log, 'webhooks'),
      registry: ctx.metrics.registry,
      alertOf: (rec) => this.alertOf(rec),
      now: this.now,
    });
  }

  get db() {
    return this.ctx.db;
  }

  // -------------------------------------------------------------------------------------------
  // Life cycle

  /** Before anything listens: lifts from the registry, their open faults and visits; alerts follow the journal. */
  setup(): void {
    for (const d of this.ctx.registry.devices()) if (this.isLift(d)) this.runtime(d);
    this.unsubscribe = this.ctx.journal.onRecords((recs) => this.onCommitted(recs));
    this.outbox.start();
  }

  /** Once the gateway serves: Modbus buses, rule timers, escalation timers, the maintenance cron. */
  async start(): Promise<void> {
    this.started = true;
    const groups = new Map<string, LiftRuntime[]>();
    for (const l of this.lifts.values()) {
      if (l.source !== 'modbus' || !l.device.port || l.slave === null) continue;
      const g = groups.get(l.device.port);
      if (g) g.push(l);
      else groups.set(l.device.port, [l]);
    }
    for (const [port, ls] of groups) this.startBus(port, ls);
    for (const l of this.lifts.values()) {
      this.publishState(l);
      void this.evaluate(l, {}).catch((err: unknown) => this.log.error({ err, lift: l.id }, 'lift evaluation failed'));
    }
    // provisioned while running: a controller joins its bus (or gets a new one), a kit is expected
    this.offAdded = this.ctx.bus.on('device.added', ({ device }) => this.attach(device));
    for (const d of this.ctx.registry.devices()) this.attach(d);
    const due = this.ctx.db
      .prepare<[], { fault_id: string; raised_at: number }>("SELECT fault_id, raised_at FROM lift_faults WHERE severity = 'critical' AND status = 'raised' AND escalated_at IS NULL")
      .all();
    for (const f of due) this.scheduleEscalation(f.fault_id, f.raised_at);
    if (this.cfg.maintenance.enabled) {
      // in the gateway's zone: read off Date's local fields when that is the process's zone (the
      // daemon adopts it; no Intl locale data loaded), through Intl otherwise
      const tz = this.ctx.cfg.gateway.timezone;
      this.cronTask = new Cron(
        this.cfg.maintenance.checkCron,
        { ...(isProcessZone(tz) ? {} : { timezone: tz }), protect: true, catch: (err) => this.log.error({ err }, 'maintenance check failed') },
        async () => {
          await this.maintenanceCheck();
        },
      );
      void this.maintenanceCheck().catch((err: unknown) => this.log.error({ err }, 'maintenance check failed'));
    }
    this.log.info(
      { lifts: this.lifts.size, buses: this.buses.length, kits: [...this.lifts.values()].filter((l) => l.source === 'kit').length },
      'lift feature started',
    );
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.offAdded?.();
    this.cronTask?.stop();
    this.cronTask = null;
    await Promise.all(this.buses.map((b) => b.stop()));
    for (const l of this.lifts.values()) if (l.timer) clearTimeout(l.timer);
    for (const t of this.escalations.values()) clearTimeout(t);
    this.escalations.clear();
    this.unsubscribe?.();
    await this.outbox.stop();
    this.events.removeAllListeners();
  }

  private isLift(d: Device): boolean {
    return (LIFT_PROFILES as readonly string[]).includes(d.profile);
  }

  private runtime(d: Device): LiftRuntime {
    const have = this.lifts.get(d.id);
    if (have) return have;
    const source: LiftSource = d.profile === 'lift-modbus' ? 'modbus' : 'kit';
    const over = this.cfg.lifts[d.id];
    const cfg = ruleConfig(source, this.timers, {
      ratedSpeedMmS: over?.ratedSpeedMmS ?? d.ratedSpeed ?? this.cfg.ratedSpeedMmS,
      overrides: over?.rules,
      controllerSeverity: (code) => (controllerFaultInfo(code).critical ? 'critical' : 'major'),
    });
    const open: Partial<Record<FaultCode, OpenFault>> = {};
    const rows = this.ctx.db
      .prepare<[string], { fault_id: string; code: string; raised_at: number; severity: Severity }>(
        'SELECT fault_id, code, raised_at, severity FROM lift_faults WHERE lift_id = ? AND cleared_at IS NULL ORDER BY raised_at',
      )
      .all(d.id);
    for (const r of rows) {
      if (!isFaultCode(r.code)) continue;
      open[r.code] = { faultId: r.fault_id, raisedAt: r.raised_at, absentSince: null };
      this.severityCache.set(r.fault_id, r.severity);
    }
    const st = this.ctx.db
      .prepare<[string], { mode: string | null; online: number | null }>('SELECT mode, online FROM lift_state WHERE lift_id = ?')
      .get(d.id);
    const visit = this.ctx.db
      .prepare<[string], { visit_id: string }>('SELECT visit_id FROM lift_visits WHERE lift_id = ? AND closed_at IS NULL ORDER BY opened_at DESC LIMIT 1')
      .get(d.id);
    const l: LiftRuntime = {
      id: d.id,
      device: d,
      source,
      cfg,
      mem: newMemory(source, this.now(), open),
      timer: null,
      bus: source === 'modbus' ? (d.port ?? null) : null,
      slave: source === 'modbus' ? (d.slave ?? null) : null,
      visit: visit?.visit_id ?? null,
      journaledMode: st?.mode ?? null,
      journaledOnline: st?.online === null || st?.online === undefined ? null : st.online === 1,
      kitLast: null,
      lastPublished: null,
    };
    this.lifts.set(d.id, l);
    if (this.started) this.publishState(l);
    return l;
  }

  /**
   * A lift provisioned while the gateway runs (or found in the registry at start): its runtime, and
   * for a controller its place on its bus. Idempotent.
   */
  attach(d: Device): void {
    if (this.stopped || !this.started || !this.isLift(d)) return;
    const known = this.lifts.has(d.id);
    const l = this.runtime(d);
    const port = l.source === 'modbus' ? l.device.port : undefined;
    if (port && l.slave !== null) {
      const onBus = this.busByPort.get(port);
      if (!onBus) this.startBus(port, [l]);
      else if (onBus.bySlave.get(l.slave) !== l) {
        if (onBus.bySlave.has(l.slave)) {
          this.log.error({ lift: l.id, port, slave: l.slave, other: onBus.bySlave.get(l.slave)!.id }, 'slave address already polled on this bus');
          return;
        }
        onBus.bus.addSlave(l.slave);
        onBus.bySlave.set(l.slave, l);
      } else if (known) return;
    } else if (known) return;
    this.log.info({ lift: l.id, source: l.source, port: port ?? null, slave: l.slave }, 'lift attached');
    void this.evaluate(l, {}).catch((err: unknown) => this.log.error({ err, lift: l.id }, 'lift evaluation failed'));
  }

  /** Live state and link counters of a lift, for the admin's device list. */
  deviceStatus(d: Device): DeviceStatus | undefined {
    const l = this.lift(d.id);
    if (!l) return undefined;
    const now = this.now();
    const online = isFresh(l.mem, now, l.cfg);
    this.onlineStmt ??= this.ctx.db.prepare<[string], { online: number | null; online_at: number | null }>('SELECT online, online_at FROM lift_state WHERE lift_id = ?');
    const st = this.onlineStmt.get(l.id);
    const since = st && st.online !== null && st.online === (online ? 1 : 0) ? st.online_at : null;
    const links: LinkStats[] = [];
    if (l.source === 'kit') links.push(this.ctx.links.mqttOf(l.id));
    else if (l.device.port && l.slave !== null) {
      const onBus = this.busByPort.get(l.device.port);
      const s = onBus?.bus.slaveStats(l.slave);
      links.push({
        kind: 'modbus',
        port: l.device.port,
        slave: l.slave,
        portOpen: onBus?.bus.isOpen ?? false,
        mode: s?.mode ?? 'poll',
        pollsOk: s?.ok ?? 0,
        pollsMissed: s?.misses ?? 0,
        timeouts: s?.timeouts ?? 0,
        crcErrors: s?.crcErrors ?? 0,
        exceptions: s?.exceptions ?? 0,
        consecutiveMisses: s?.consecutiveMisses ?? 0,
        lastOkAt: s?.lastOkAt ?? null,
        cycleMs: s?.cycleMs ?? null,
      });
    }
    return { online, since, links };
  }

  private startBus(port: string, ls: LiftRuntime[]): void {
    const bauds = new Set(ls.map((l) => l.device.baud ?? liftModbus.defaults.baud));
    const baud = ls[0]!.device.baud ?? liftModbus.defaults.baud;
    if (bauds.size > 1) this.log.error({ port, bauds: [...bauds], using: baud }, 'lifts on one bus are provisioned with different baud rates');
    const bySlave = new Map(ls.map((l) => [l.slave!, l]));
    const m = this.cfg.modbus;
    const bus = new ModbusBus({
      name: port,
      path: port,
      baud,
      slaves: ls.map((l) => l.slave!),
      cycleMs: m.cycleMs,
      timeoutMs: m.timeoutMs > 0 ? m.timeoutMs : undefined,
      retries: m.retries,
      probeMs: m.probeMs,
      probeAfter: Math.max(1, Math.min(...ls.map((l) => l.cfg.commLostMisses))),
      registry: this.ctx.metrics.registry,
      log: child(this.log, 'modbus'),
      onReading: (slave, regs) => {
        const l = bySlave.get(slave);
        if (l) this.onModbusReading(l, regs);
      },
      onMiss: (slave, _kind, consecutive) => {
        const l = bySlave.get(slave);
        if (l) this.fire(l, { misses: consecutive });
      },
    });
    bus.start();
    this.buses.push(bus);
    this.busByPort.set(port, { bus, bySlave });
  }

  // -------------------------------------------------------------------------------------------
  // Readings in

  private onModbusReading(l: LiftRuntime, regs: number[]): void {
    const d = liftModbus.decodeRegisters(regs, l.mem.reading ?? undefined);
    if (!d.ok) {
      this.ctx.metrics.rejected.inc({ reason: `lift_modbus_${d.reason}` });
      this.warn(`regs:${l.id}`, { lift: l.id, reason: d.reason, errors: d.errors }, 'lift controller registers refused');
      return;
    }
    if (d.warnings.length > 0) this.log.debug({ lift: l.id, warnings: d.warnings }, 'lift controller register warnings');
    this.fire(l, { reading: d.reading });
  }

  /** Evaluate without waiting (Modbus path): failures are logged, the next reading retries. */
  private fire(l: LiftRuntime, obs: Observation): void {
    void this.evaluate(l, obs).catch((err: unknown) => this.warn(`eval:${l.id}`, { lift: l.id, err }, 'lift records could not be journaled'));
  }

  /** The `lift-kit-mqtt` ingest handler: resolves once what the message changed is committed. */
  readonly kitHandler: DeviceHandler = async ({ device, channel, payload }) => {
    // stopping: not acknowledged, the kit sends it again to the next run
    if (this.stopped) throw new StorageError('lift.stopped', 'the lift feature is stopping');
    const l = this.runtime(device);
    const r = liftKitMqtt.decodeUp(channel, payload, l.mem.reading ?? undefined);
    if (!r.ok) throw new Rejection(`kit_${r.reason}`, r.errors.join('; '));
    const m = r.message;
    if (m.type === 'status') {
      const repeat = l.kitLast !== null && l.kitLast.seq === m.seq && l.kitLast.ts === m.ts;
      l.kitLast = { seq: m.seq, ts: m.ts };
      return this.evaluate(l, repeat ? { seen: true } : { reading: m.reading });
    }
    if (m.type === 'event') {
      await this.ctx.journal.append({
        kind: 'lift.event',
        subject: device.id,
        dev: { id: device.id, boot: bootOf(payload), seq: m.seq, time: m.ts },
        data: { kind: m.kind, profile: device.profile },
      });
      return this.evaluate(l, { seen: true });
    }
    return this.evaluate(l, { online: m.online });
  };

  /** Run the rules on an observation; resolves when the records it produced are committed. */
  private evaluate(l: LiftRuntime, obs: Observation): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const now = this.now();
    const res = step(l.mem, obs, now, l.cfg, { maintenance: l.visit !== null, newId: () => newId('F', now) });
    l.mem = res.mem;
    this.arm(l, res.nextAt, now);
    const jobs: Promise<unknown>[] = [];
    const profile = l.device.profile;

    const mode = l.mem.reading?.mode ?? null;
    if (mode !== null && mode !== l.journaledMode) {
      const prev = l.journaledMode;
      l.journaledMode = mode;
      jobs.push(
        this.append({ kind: 'lift.mode', subject: l.id, data: { mode, prev, profile } }).catch((err: unknown) => {
          if (l.journaledMode === mode) l.journaledMode = prev;
          throw err;
        }),
      );
    }

    const fresh = isFresh(l.mem, now, l.cfg);
    const offline =
      l.source === 'modbus' ? l.mem.misses >= l.cfg.commLostMisses : !l.mem.online || now - l.mem.lastSeenAt >= l.cfg.kitOfflineMs;
    const online = fresh ? true : offline ? false : null;
    if (online !== null && online !== l.journaledOnline) {
      const prev = l.journaledOnline;
      l.journaledOnline = online;
      const reason = online ? 'data' : l.source === 'modbus' ? 'comm_lost' : !l.mem.online ? 'last_will' : 'silent';
      jobs.push(
        this.append({ kind: online ? 'device.online' : 'device.offline', subject: l.id, data: { profile, reason } }).catch((err: unknown) => {
          if (l.journaledOnline === online) l.journaledOnline = prev;
          throw err;
        }),
      );
    }

    for (const ev of res.events) jobs.push(this.journalFault(l, ev));
    this.publishState(l, now);
    return Promise.all(jobs).then(() => undefined);
  }

  private journalFault(l: LiftRuntime, ev: FaultEvent): Promise<unknown> {
    if (ev.type === 'raise') {
      const reading = ev.reading ? publicReading(ev.reading) : null;
      return this.append({
        kind: 'lift.fault.raise',
        subject: l.id,
        data: { faultId: ev.faultId, code: ev.code, gb: ev.gb, severity: ev.severity, source: l.source, reading, detail: ev.detail },
      }).catch((err: unknown) => {
        // not journaled: forget it so the next evaluation raises it again
        if (l.mem.open[ev.code]?.faultId === ev.faultId) {
          const open = { ...l.mem.open };
          delete open[ev.code];
          l.mem = { ...l.mem, open };
        }
        throw err;
      });
    }
    return this.append({
      kind: 'lift.fault.clear',
      subject: l.id,
      data: { faultId: ev.faultId, code: ev.code, durationMs: ev.durationMs },
    }).catch((err: unknown) => {
      if (!l.mem.open[ev.code]) l.mem = { ...l.mem, open: { ...l.mem.open, [ev.code]: { faultId: ev.faultId, raisedAt: ev.raisedAt, absentSince: null } } };
      throw err;
    });
  }

  private append(input: AppendInput): Promise<Committed> {
    return this.ctx.journal.append(input);
  }

  private arm(l: LiftRuntime, nextAt: number | null, now: number): void {
    if (l.timer) clearTimeout(l.timer);
    l.timer = null;
    if (nextAt === null || this.stopped) return;
    l.timer = setTimeout(
      () => {
        l.timer = null;
        this.fire(l, {});
      },
      Math.max(0, nextAt - now),
    );
    l.timer.unref();
  }

  // -------------------------------------------------------------------------------------------
  // State out

  stateOf(l: LiftRuntime, now = this.now()): LiftState {
    const r = l.mem.reading;
    const severities = this.openSeverities(l);
    return {
      lift: l.id,
      name: l.device.name ?? null,
      profile: l.device.profile,
      source: l.source,
      bus: l.bus,
      slave: l.slave,
      online: isFresh(l.mem, now, l.cfg),
      maintenance: l.visit,
      mode: r?.mode ?? null,
      ts: l.mem.readingAt,
      reading: r ? publicReading(r) : null,
      faults: Object.entries(l.mem.open).map(([code, f]) => ({
        faultId: f!.faultId,
        code,
        severity: severities.get(f!.faultId) ?? FAULTS[code as FaultCode].severity,
        raisedAt: f!.raisedAt,
      })),
    };
  }

  private severityCache = new Map<string, Severity>();
  private openSeverities(l: LiftRuntime): Map<string, Severity> {
    const out = new Map<string, Severity>();
    for (const f of Object.values(l.mem.open)) {
      const s = this.severityCache.get(f!.faultId);
      if (s) out.set(f!.faultId, s);
    }
    return out;
  }

  private publishState(l: LiftRuntime, now = this.now()): void {
    const s = this.stateOf(l, now);
    const key = JSON.stringify({ ...s, ts: null });
    if (key === l.lastPublished) return;
    l.lastPublished = key;
    this.ctx.publish(`sealift/${this.ctx.cfg.gateway.id}/lift/${l.id}/state`, JSON.stringify(s), { retain: true, qos: 1 });
    this.events.emit('state', s);
  }

  /** Every lift provisioned (kits and controllers added after start included). */
  states(): LiftState[] {
    for (const d of this.ctx.registry.devices()) if (this.isLift(d) && !this.lifts.has(d.id)) this.runtime(d);
    return [...this.lifts.values()].map((l) => this.stateOf(l)).sort((a, b) => byId(a.lift, b.lift));
  }

  state(id: string): LiftState | undefined {
    const l = this.lift(id);
    return l ? this.stateOf(l) : undefined;
  }

  private lift(id: string): LiftRuntime | undefined {
    const have = this.lifts.get(id);
    if (have) return have;
    const d = this.ctx.registry.device(id);
    return d && this.isLift(d) ? this.runtime(d) : undefined;
  }

  liftRefs(): LiftRef[] {
    this.states();
    return [...this.lifts.values()].map((l) => ({ id: l.id, name: l.device.name ?? null, addedAt: this.addedAt(l.id) }));
  }

  busStats(): BusStats[] {
    return this.buses.map((b) => b.stats());
  }

  webhookStats() {
    return this.outbox.stats();
  }

  private addedCache = new Map<string, number>();
  /** When the device was provisioned (journal time of its config.change). */
  addedAt(id: string): number {
    const have = this.addedCache.get(id);
    if (have !== undefined) return have;
    const row = this.ctx.db
      .prepare<[string], { ts: number }>('SELECT j.ts FROM devices d JOIN journal j ON j.seq = d.added_seq WHERE d.id = ?')
      .get(id);
    const at = row?.ts ?? this.now();
    this.addedCache.set(id, at);
    return at;
  }

  // -------------------------------------------------------------------------------------------
  // Alerts: from committed records to the MQTT fault topic, the live feed and (via the outbox) webhooks

  private onCommitted(recs: Committed[]): void {
    for (const { record: rec } of recs) {
      if (!rec.kind.startsWith('lift.') || rec.kind === 'lift.mode' || rec.kind === 'lift.event' || rec.kind === 'lift.maintenance') continue;
      const d = rec.data;
      if (rec.kind === 'lift.fault.raise' && typeof d.faultId === 'string') {
        this.severityCache.set(d.faultId, d.severity as Severity);
        if (d.severity === 'critical') {
          this.ctx.journal.checkpoint('critical fault');
          this.scheduleEscalation(d.faultId, rec.ts);
        }
      }
      if (rec.kind === 'lift.fault.clear' && typeof d.faultId === 'string') this.severityCache.delete(d.faultId);
      // any step means somebody took the case: no escalation
      if (rec.kind === 'lift.fault.step' && typeof d.faultId === 'string') this.cancelEscalation(d.faultId);
      let alert: Alert | null = null;
      try {
        alert = this.alertOf(rec);
      } catch (err) {
        this.log.error({ err, seq: rec.seq }, 'building a lift alert failed');
      }
      if (!alert) continue;
      const { contacts: _c, ...pub } = alert;
      const topic = alert.event.startsWith('maintenance.') ? 'maintenance' : 'fault';
      this.ctx.publish(`sealift/${this.ctx.cfg.gateway.id}/lift/${rec.subject}/${topic}`, JSON.stringify(pub), { qos: 1 });
      this.events.emit('alert', alert);
      if (rec.kind === 'lift.fault.escalate') this.log.warn({ lift: rec.subject, fault: d.faultId, code: d.code }, 'critical fault not acknowledged: escalated');
    }
  }

  /** The alert a committed record raises (null for records that are not alerts). */
  alertOf(rec: JournalRecord): Alert | null {
    const gw = this.ctx.cfg.gateway.id;
    const d = rec.data;
    const base = {
      id: `${gw}/${rec.seq}`,
      gw,
      seq: rec.seq,
      ts: rec.ts,
      lift: { id: rec.subject, name: this.ctx.registry.device(rec.subject)?.name ?? null },
    };
    const primary = this.cfg.contacts.primary;
    if (rec.kind === 'lift.maintenance.alert') {
      const status = d.status === 'overdue' ? 'overdue' : 'due';
      return { ...base, event: `maintenance.${status}`, maintenance: { type: d.type, status, dueAt: d.dueAt }, contacts: primary };
    }
    const events: Record<string, AlertEvent> = {
      'lift.fault.raise': 'fault.raise',
      'lift.fault.clear': 'fault.clear',
      'lift.fault.step': 'fault.step',
      'lift.fault.escalate': 'fault.escalate',
    };
    const event = events[rec.kind];
    if (!event || typeof d.faultId !== 'string') return null;
    const row = this.faultRow(d.faultId);
    const fault = row ? this.faultView(row) : { faultId: d.faultId, code: d.code };
    const severity = (row?.severity ?? d.severity) as Severity | undefined;
    const alert: Alert = { ...base, event, severity, fault, contacts: event === 'fault.escalate' ? this.cfg.contacts.escalation : primary };
    if (event === 'fault.raise') alert.reading = d.reading ?? null;
    if (event === 'fault.step') alert.step = { step: d.step, by: rec.actor ?? null, note: d.note ?? null, assignee: d.assignee ?? null };
    if (event === 'fault.escalate') alert.escalation = { afterSec: Math.round(Number(d.afterMs ?? 0) / 1000), to: this.cfg.contacts.escalation.map((c) => c.name) };
    return alert;
  }

  // -------------------------------------------------------------------------------------------
  // Fault lifecycle

  private scheduleEscalation(faultId: string, raisedAt: number): void {
    if (this.escalations.has(faultId) || this.stopped) return;
    const delay = Math.max(0, raisedAt + this.cfg.escalateAfterSec * 1000 - this.now());
    const t = setTimeout(() => {
      this.escalations.delete(faultId);
      void this.escalate(faultId).catch((err: unknown) => this.log.error({ err, faultId }, 'escalation could not be journaled'));
    }, delay);
    t.unref();
    this.escalations.set(faultId, t);
  }

  private cancelEscalation(faultId: string): void {
    const t = this.escalations.get(faultId);
    if (t) clearTimeout(t);
    this.escalations.delete(faultId);
  }

  private async escalate(faultId: string): Promise<void> {
    const f = this.faultRow(faultId);
    if (!f || f.status !== 'raised' || f.escalated_at !== null || this.stopped) return;
    await this.append({
      kind: 'lift.fault.escalate',
      subject: f.lift_id,
      data: {
        faultId,
        code: f.code,
        severity: f.severity,
        afterMs: this.now() - f.raised_at,
        contacts: this.cfg.contacts.escalation.map((c) => c.name),
      },
    });
  }

  faultRow(faultId: string): FaultRow | undefined {
    return this.ctx.db.prepare<[string], FaultRow>('SELECT * FROM lift_faults WHERE fault_id = ?').get(faultId);
  }

  faultView(f: FaultRow): FaultView {
    const info = isFaultCode(f.code) ? FAULTS[f.code] : null;
    return {
      faultId: f.fault_id,
      lift: f.lift_id,
      liftName: this.ctx.registry.device(f.lift_id)?.name ?? null,
      code: f.code,
      zh: info?.zh ?? null,
      en: info?.en ?? null,
      gb: f.gb,
      severity: f.severity,
      category: info?.category ?? null,
      source: f.source,
      status: f.status,
      active: f.cleared_at === null,
      raisedAt: f.raised_at,
      clearedAt: f.cleared_at,
      acknowledgedAt: f.acknowledged_at,
      acknowledgedBy: f.acknowledged_by,
      dispatchedAt: f.dispatched_at,
      dispatchedBy: f.dispatched_by,
      assignee: f.assignee,
      arrivedAt: f.arrived_at,
      arrivedBy: f.arrived_by,
      resolvedAt: f.resolved_at,
      resolvedBy: f.resolved_by,
      closedAt: f.closed_at,
      closedBy: f.closed_by,
      escalatedAt: f.escalated_at,
      ...faultTimes(f),
    };
  }

  faultDetail(faultId: string) {
    const f = this.faultRow(faultId);
    if (!f) return undefined;
    const steps = this.ctx.db.prepare<[string], StepRow>('SELECT * FROM lift_fault_steps WHERE fault_id = ? ORDER BY seq').all(faultId);
    const snap = JSON.parse(f.detail) as { reading: unknown; detail: Record<string, unknown> };
    return {
      ...this.faultView(f),
      reading: snap.reading ?? null,
      detail: snap.detail ?? {},
      steps: steps.map((s) => ({ seq: s.seq, step: s.step, at: s.at, by: s.actor, note: s.note, ...(JSON.parse(s.data) as Record<string, unknown>) })),
    };
  }

  /** Record a lifecycle step by a maintainer. Throws ApiError (404/409) with the reason. */
  async recordStep(faultId: string, s: Step, actor: string, body: { note?: string | undefined; assignee?: string | undefined }) {
    const f = this.faultRow(faultId);
    if (!f) throw new ApiError(404, 'no_such_fault', `no fault ${faultId}`);
    if (this.stepsInFlight.has(faultId)) throw new ApiError(409, 'busy', 'another step of this fault is being recorded; retry');
    if (f.status === 'closed' || f.status === 'false_alarm') {
      throw new ApiError(409, 'case_closed', `fault ${faultId} is already ${f.status === 'closed' ? 'closed' : 'marked a false alarm'}`);
    }
    if (s !== 'false_alarm') {
      const cur = LIFECYCLE.indexOf(f.status as (typeof LIFECYCLE)[number]);
      const next = LIFECYCLE.indexOf(s);
      if (next <= cur) throw new ApiError(409, 'step_out_of_order', `fault ${faultId} is already ${f.status}: "${s}" cannot come after it`);
      if (s === 'closed' && f.status !== 'resolved') throw new ApiError(409, 'not_resolved', 'a fault is closed only after it is resolved');
      if (s === 'closed' && f.cleared_at === null) {
        throw new ApiError(409, 'still_active', `the ${f.code} condition is still present on ${f.lift_id}; close the case once it has cleared`);
      }
    }
    if (s === 'dispatched' && !body.assignee) throw new ApiError(400, 'assignee_required', 'say who is dispatched (assignee)');
    this.stepsInFlight.add(faultId);
    try {
      await this.append({
        kind: 'lift.fault.step',
        subject: f.lift_id,
        actor,
        data: {
          faultId,
          code: f.code,
          step: s,
          ...(body.note ? { note: body.note } : {}),
          ...(s === 'dispatched' ? { assignee: body.assignee } : {}),
        },
      });
    } finally {
      this.stepsInFlight.delete(faultId);
    }
    return this.faultDetail(faultId)!;
  }

  // -------------------------------------------------------------------------------------------
  // Maintenance

  visitView(v: VisitRow): VisitView {
    return {
      visitId: v.visit_id,
      lift: v.lift_id,
      type: v.type,
      open: v.closed_at === null,
      openedAt: v.opened_at,
      openedBy: v.opened_by,
      technicians: JSON.parse(v.technicians) as string[],
      closedAt: v.closed_at,
      closedBy: v.closed_by,
      items: v.items ? (JSON.parse(v.items) as string[]) : [],
      note: v.note,
      result: v.result,
    };
  }

  visit(visitId: string): VisitView | undefined {
    const v = this.ctx.db.prepare<[string], VisitRow>('SELECT * FROM lift_visits WHERE visit_id = ?').get(visitId);
    return v ? this.visitView(v) : undefined;
  }

  visits(q: { lift?: string | undefined; from?: number | undefined; to?: number | undefined; open?: boolean | undefined; limit: number }): VisitView[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.lift) {
      where.push('lift_id = ?');
      args.push(q.lift);
    }
    if (q.from !== undefined) {
      where.push('opened_at >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('opened_at < ?');
      args.push(q.to);
    }
    if (q.open !== undefined) where.push(q.open ? 'closed_at IS NULL' : 'closed_at IS NOT NULL');
    const sql = `SELECT * FROM lift_visits ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY opened_at DESC LIMIT ?`;
    return this.ctx.db
      .prepare<(string | number)[], VisitRow>(sql)
      .all(...args, q.limit)
      .map((v) => this.visitView(v));
  }

  async openVisit(liftId: string, actor: string, body: { type: VisitType; technicians?: string[] | undefined; note?: string | undefined }): Promise<VisitView> {
    const l = this.lift(liftId);
    if (!l) throw new ApiError(404, 'no_such_lift', `no lift ${liftId}`);
    if (l.visit) throw new ApiError(409, 'visit_open', `lift ${liftId} already has an open visit ${l.visit}; close it first`);
    const visitId = newId('V', this.now());
    l.visit = visitId;
    try {
      await this.append({
        kind: 'lift.maintenance',
        subject: liftId,
        actor,
        data: { op: 'open', visitId, type: body.type, technicians: body.technicians ?? [actor], ...(body.note ? { note: body.note } : {}) },
      });
    } catch (err) {
      if (l.visit === visitId) l.visit = null;
      throw err;
    }
    await this.evaluate(l, {});
    return this.visit(visitId)!;
  }

  async closeVisit(visitId: string, actor: string, body: { items: string[]; note?: string | undefined; result?: string | undefined }): Promise<VisitView> {
    const v = this.visit(visitId);
    if (!v) throw new ApiError(404, 'no_such_visit', `no maintenance visit ${visitId}`);
    if (!v.open) throw new ApiError(409, 'visit_closed', `visit ${visitId} was already closed`);
    const l = this.lift(v.lift);
    await this.append({
      kind: 'lift.maintenance',
      subject: v.lift,
      actor,
      data: { op: 'close', visitId, type: v.type, items: body.items, ...(body.note ? { note: body.note } : {}), ...(body.result ? { result: body.result } : {}) },
    });
    if (l && l.visit === visitId) {
      l.visit = null;
      await this.evaluate(l, {});
    }
    return this.visit(visitId)!;
  }

  schedule(liftId: string, now = this.now()): ScheduleEntry[] {
    const visits = this.ctx.db
      .prepare<[string], { visit_id: string; type: string; closed_at: number }>(
        'SELECT visit_id, type, closed_at FROM lift_visits WHERE lift_id = ? AND closed_at IS NOT NULL',
      )
      .all(liftId);
    return scheduleFor(liftId, visits, this.addedAt(liftId), now, this.cfg.maintenance);
  }

  /** Journal a `lift.maintenance.alert` for each visit newly due or overdue (once per due date and status). */
  async maintenanceCheck(now = this.now()): Promise<number> {
    // one check at a time (cron, start-up and tests may overlap): the "already alerted" test reads the projection
    const prev = this.checking;
    let done!: () => void;
    this.checking = new Promise<void>((r) => (done = r));
    await prev;
    try {
      return await this.checkOnce(now);
    } finally {
      done();
    }
  }

  private checking: Promise<void> = Promise.resolve();

  private async checkOnce(now: number): Promise<number> {
    const seen = this.ctx.db.prepare<[string, string, number, string], { seq: number }>(
      'SELECT seq FROM lift_maint_alerts WHERE lift_id = ? AND type = ? AND due_at = ? AND status = ?',
    );
    const jobs: Promise<unknown>[] = [];
    for (const l of this.liftRefs()) {
      for (const e of this.schedule(l.id, now)) {
        if (e.status === 'ok' || seen.get(e.lift, e.type, e.dueAt, e.status)) continue;
        jobs.push(this.append({ kind: 'lift.maintenance.alert', subject: e.lift, data: { type: e.type, status: e.status, dueAt: e.dueAt, lastDoneAt: e.lastDoneAt } }));
      }
    }
    await Promise.all(jobs);
    return jobs.length;
  }
}

function publicReading(r: LiftReading): PublicReading {
  const { alive: _a, ...rest } = r;
  return rest;
}

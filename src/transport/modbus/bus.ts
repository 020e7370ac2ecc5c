/**
 * Modbus RTU master for one RS-485 bus (DESIGN §5.3): one serial path, many slaves, one request in
 * flight. Each poll cycle reads holding registers 0x0000–0x0013 (function 03) from every slave in turn.
 *
 * - Responses are delimited by length and CRC (devices/codec/modbus-rtu.ts), never by timing; line
 *   noise, our own echo and late answers of other slaves are counted as garbage and skipped.
 * - Each slave has a timeout (default 3 × the theoretical transaction time + 20 ms) and the bus a
 *   retry policy (timeouts and CRC errors are retried, exceptions are a definite answer and are not).
 * - A poll that ends without registers is a miss ('timeout' | 'exception' | 'crc'); misses are
 *   counted per slave and reported with the number of consecutive misses (3 raise LIFT_COMM_LOST).
 * - A slave whose last `probeAfter` polls (default 3) all timed out is moved to a slower probe
 *   cadence: one attempt, no retry, every `probeMs`, fitted into the cycle's slack (at least one
 *   probe per cycle). Past those first polls, dead slaves together cost the healthy ones at most one
 *   timeout per cycle, usually nothing. Any answer (even an exception) puts a slave back in the cycle.
 * - A timeout timer that fires late because our own event loop stalled is extended once, so a
 *   busy gateway does not blame its slaves.
 * - The port (the shared `ReconnectingPort` of src/transport/serial/) reopens with backoff when it goes
 *   away; while it is closed every slave takes one 'timeout' miss per cycle (no request can reach
 *   it), so a long unplug raises comm-lost.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { encodeReadRequest, ResponseDecoder, rtuFrameTime, rtuReadTime, type ResponseResult } from '../../../devices/codec/modbus-rtu.js';
import { LIFT_REGISTER_COUNT } from '../../../devices/lift-modbus.js';
import { throttledWarn, type Logger } from '../../core/logger.js';
import { ReconnectingPort } from '../serial/port.js';
import { linkFromPort, type ModbusLink, type Parity } from './link.js';

export type MissKind = 'timeout' | 'exception' | 'crc';
/** `poll`: read every cycle; `probe`: presumed dead, tried every `probeMs`. */
export type SlaveMode = 'poll' | 'probe';

export interface ModbusSlaveOptions {
  id: number;
  /** Overrides the bus timeout for this slave (a slow retrofit box, a long cable). */
  timeoutMs?: number;
}

export interface ModbusBusOptions {
  /** Bus label for logs and metrics, e.g. "bus1". */
  name: string;
  /** Serial device path; ignored when `link` is given. */
  path?: string;
  /** A ready link (e.g. the shared reconnecting serial port, or a test double); the bus starts and stops it. */
  link?: ModbusLink;
  /** 9600 (default) or 19200; any rate works. */
  baud?: number;
  parity?: Parity;
  stopBits?: 1 | 2;
  slaves: readonly (number | ModbusSlaveOptions)[];
  /** Poll cycle period; 0 = back to back, as fast as the bus allows. Default 1000. */
  cycleMs?: number;
  /** Default per-slave timeout; default `ceil(3 × rtuReadTime(count, baud) + 20)` (207 ms at 9600 for 20 registers). */
  timeoutMs?: number;
  /** Extra attempts after a timeout or CRC error within one poll (default 1). Probes are never retried. */
  retries?: number;
  /** Consecutive all-timeout polls before a slave moves to the probe cadence (default 3). */
  probeAfter?: number;
  /** Interval between probes of one presumed-dead slave (default 5000). */
  probeMs?: number;
  /** Line silence kept before each request (default the 3.5-character inter-frame gap). */
  gapMs?: number;
  /** Registers read; default 0x0000, 20 (the lift profile). */
  start?: number;
  count?: number;
  /** Port reopen backoff (used when the bus opens `path` itself with the shared ReconnectingPort). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Registers `sealift_modbus_*` metrics here when given (shared by all buses of the process). */
  registry?: Registry;
  log?: Logger;
  /** Clock for reading timestamps (`at`, `lastOkAt`; epoch ms). Scheduling always uses the monotonic clock. */
  now?: () => number;
  onReading?: (slave: number, registers: number[], at: number) => void;
  onMiss?: (slave: number, kind: MissKind, consecutive: number) => void;
  /** A slave answered again after `afterMisses` consecutive misses. */
  onRecover?: (slave: number, afterMisses: number) => void;
  /** A poll cycle ended (`ms`: its duration, waiting time excluded). */
  onCycle?: (cycle: number, ms: number) => void;
}

export interface SlaveStats {
  slave: number;
  mode: SlaveMode;
  timeoutMs: number;
  /** Requests put on the wire (retries and probes included). */
  requests: number;
  ok: number;
  /** Polls that ended without registers (after their retries), the port being closed included. */
  misses: number;
  timeouts: number;
  crcErrors: number;
  exceptions: number;
  /** Last exception code received, if any. */
  lastException: number | null;
  /** Polls lost because the port was closed (also reported to `onMiss` as 'timeout'). */
  linkDown: number;
  consecutiveMisses: number;
  lastOkAt: number | null;
  /** Time between this slave's last two readings: the cycle it actually gets. */
  cycleMs: number | null;
}

export interface BusStats {
  bus: string;
  open: boolean;
  cycles: number;
  /** Duration of the last complete cycle (waiting excluded). */
  lastCycleMs: number | null;
  /** Bytes skipped: noise, echo, late answers, remnants of corrupt frames. */
  garbageBytes: number;
  slaves: SlaveStats[];
}

type Attempt =
  | { kind: 'ok'; registers: number[]; at: number }
  | { kind: 'exception'; code: number }
  | { kind: 'timeout' }
  | { kind: 'crc' }
  | { kind: 'down' };

interface SlaveState extends SlaveStats {
  request: Buffer;
  consecutiveTimeouts: number;
  nextProbeAt: number;
  removed: boolean;
}

interface Pending {
  slave: SlaveState;
  timer: NodeJS.Timeout;
  resolve: (a: Attempt) => void;
  /** monotonic time the timeout is due */
  due: number;
  /** the timeout was already extended once for an event-loop stall */
  extended: boolean;
}

const slaveStats = (s: SlaveState): SlaveStats => ({
  slave: s.slave,
  mode: s.mode,
  timeoutMs: s.timeoutMs,
  requests: s.requests,
  ok: s.ok,
  misses: s.misses,
  timeouts: s.timeouts,
  crcErrors: s.crcErrors,
  exceptions: s.exceptions,
  lastException: s.lastException,
  linkDown: s.linkDown,
  consecutiveMisses: s.consecutiveMisses,
  lastOkAt: s.lastOkAt,
  cycleMs: s.cycleMs,
});

/** A timeout timer firing this much later than due means our process, not the slave, was stalled. */
const STALL_MS = 20;

type RequestResult = 'ok' | 'timeout' | 'exception' | 'crc' | 'link_down';

interface BusMetrics {
  requests: Counter<'bus' | 'slave' | 'result'>;
  garbage: Counter<'bus'>;
  cycle: Gauge<'bus'>;
  linkUp: Gauge<'bus'>;
}

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

function busMetrics(registry: Registry): BusMetrics {
  const registers = [registry];
  return {
    requests: metric(
      registry,
      'sealift_modbus_requests_total',
      () =>
        new Counter({
          name: 'sealift_modbus_requests_total',
          help: 'Modbus requests sent, by bus, slave and result (ok, timeout, exception, crc, link_down)',
          labelNames: ['bus', 'slave', 'result'] as const,
          registers,
        }),
    ),
    garbage: metric(
      registry,
      'sealift_modbus_garbage_bytes_total',
      () =>
        new Counter({
          name: 'sealift_modbus_garbage_bytes_total',
          help: 'Bytes skipped on a Modbus bus (noise, echo, late answers, corrupt frames)',
          labelNames: ['bus'] as const,
          registers,
        }),
    ),
    cycle: metric(
      registry,
      'sealift_modbus_cycle_seconds',
      () =>
        new Gauge({
          name: 'sealift_modbus_cycle_seconds',
          help: 'Duration of the last complete poll cycle of a Modbus bus',
          labelNames: ['bus'] as const,
          registers,
        }),
    ),
    linkUp: metric(
      registry,
      'sealift_modbus_link_up',
      () =>
        new Gauge({
          name: 'sealift_modbus_link_up',
          help: '1 when the serial port of a Modbus bus is open',
          labelNames: ['bus'] as const,
          registers,
        }),
    ),
  };
}

/** Default per-slave timeout: three times the theoretical transaction time plus 20 ms of OS/USB latency. */
export function defaultTimeoutMs(count: number, baud: number, bitsPerChar = 10): number {
  return Math.ceil(3 * rtuReadTime(count, baud, { bitsPerChar }) + 20);
}

export class ModbusBus {
  readonly name: string;
  private readonly link: ModbusLink;
  private readonly decoder = new ResponseDecoder();
  private readonly slaves = new Map<number, SlaveState>();
  private readonly now: () => number;
  private readonly mono = (): number => performance.now();
  private readonly cycleMs: number;
  private readonly defaultTimeout: number;
  private readonly retries: number;
  private readonly probeAfter: number;
  private readonly probeMs: number;
  private readonly gapMs: number;
  private readonly start_: number;
  private readonly count: number;
  private readonly metrics: BusMetrics | null;
  private readonly warn: ReturnType<typeof throttledWarn> | null;

  private running = false;
  private loopDone: Promise<void> | null = null;
  private pending: Pending | null = null;
  private wake: (() => void) | null = null;
  private lastLineAt = 0;
  private cycles = 0;
  private lastCycleMs: number | null = null;
  private garbageBytes = 0;

  private readonly onData = (chunk: Buffer): void => this.handleData(chunk);
  private readonly onOpen = (): void => {
    this.metrics?.linkUp.set({ bus: this.name }, 1);
    this.wake?.();
  };
  private readonly onClose = (): void => {
    this.metrics?.linkUp.set({ bus: this.name }, 0);
    this.countGarbage(this.decoder.reset());
    this.finish({ kind: 'down' });
  };

  constructor(private readonly opts: ModbusBusOptions) {
    this.name = opts.name;
    const baud = opts.baud ?? 9600;
    const bitsPerChar = 1 + 8 + (opts.parity && opts.parity !== 'none' ? 1 : 0) + (opts.stopBits ?? 1);
    this.start_ = opts.start ?? 0;
    this.count = opts.count ?? LIFT_REGISTER_COUNT;
    this.cycleMs = opts.cycleMs ?? 1000;
    this.defaultTimeout = opts.timeoutMs ?? defaultTimeoutMs(this.count, baud, bitsPerChar);
    this.retries = opts.retries ?? 1;
    this.probeAfter = opts.probeAfter ?? 3;
    this.probeMs = opts.probeMs ?? 5000;
    this.gapMs = opts.gapMs ?? rtuFrameTime(0, baud, { bitsPerChar });
    this.now = opts.now ?? Date.now;
    for (const [k, v] of Object.entries({ cycleMs: this.cycleMs, timeoutMs: this.defaultTimeout, retries: this.retries, probeMs: this.probeMs, gapMs: this.gapMs })) {
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${k} ${v} must be a non-negative number`);
    }
    if (!(Number.isInteger(this.probeAfter) && this.probeAfter >= 1)) throw new RangeError(`probeAfter ${this.probeAfter} must be ≥ 1`);
    encodeReadRequest(1, this.start_, this.count); // validates start/count
    if (opts.link) this.link = opts.link;
    else {
      if (!opts.path) throw new Error(`bus ${opts.name}: a path or a link is required`);
      this.link = linkFromPort(
        new ReconnectingPort({
          path: opts.path,
          baudRate: baud,
          dataBits: 8,
          parity: opts.parity ?? 'none',
          stopBits: opts.stopBits ?? 1,
          initialBackoffMs: opts.backoffMinMs,
          maxBackoffMs: opts.backoffMaxMs,
          log: opts.log,
          autoStart: false,
        }),
      );
    }
    this.metrics = opts.registry ? busMetrics(opts.registry) : null;
    this.warn = opts.log ? throttledWarn(opts.log) : null;
    for (const s of opts.slaves) this.addSlave(s);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Add a slave (takes effect from the next cycle). */
  addSlave(s: number | ModbusSlaveOptions): void {
    const o = typeof s === 'number' ? { id: s } : s;
    if (this.slaves.has(o.id)) throw new Error(`bus ${this.name}: slave ${o.id} is already on the bus`);
    const timeoutMs = o.timeoutMs ?? this.defaultTimeout;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`timeoutMs ${timeoutMs} must be positive`);
    this.slaves.set(o.id, {
      slave: o.id,
      request: encodeReadRequest(o.id, this.start_, this.count), // validates the address
      mode: 'poll',
      timeoutMs,
      requests: 0,
      ok: 0,
      misses: 0,
      timeouts: 0,
      crcErrors: 0,
      exceptions: 0,
      lastException: null,
      linkDown: 0,
      consecutiveMisses: 0,
      consecutiveTimeouts: 0,
      lastOkAt: null,
      cycleMs: null,
      nextProbeAt: 0,
      removed: false,
    });
  }

  removeSlave(id: number): boolean {
    const s = this.slaves.get(id);
    if (!s) return false;
    s.removed = true;
    this.slaves.delete(id);
    return true;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.link.on('data', this.onData);
    this.link.on('open', this.onOpen);
    this.link.on('close', this.onClose);
    this.link.start();
    this.metrics?.linkUp.set({ bus: this.name }, this.link.isOpen ? 1 : 0);
    this.loopDone = this.loop().catch((err: unknown) => {
      // The loop catches callback errors itself; reaching here is a bug, never a crash of the daemon.
      this.opts.log?.error({ bus: this.name, err }, 'modbus poll loop failed');
      this.running = false;
    });
  }

  async stop(): Promise<void> {
    if (!this.running && this.loopDone === null) return;
    this.running = false;
    this.wake?.();
    await this.loopDone; // the request in flight, if any, completes or times out first: every request has an outcome
    this.loopDone = null;
    this.link.off('data', this.onData);
    this.link.off('open', this.onOpen);
    this.link.off('close', this.onClose);
    await this.link.stop();
    this.metrics?.linkUp.set({ bus: this.name }, 0);
  }

  stats(): BusStats {
    return {
      bus: this.name,
      open: this.link.isOpen,
      cycles: this.cycles,
      lastCycleMs: this.lastCycleMs,
      garbageBytes: this.garbageBytes,
      slaves: [...this.slaves.values()].map(slaveStats),
    };
  }

  /** One slave's counters (undefined when it is not on the bus). */
  slaveStats(id: number): SlaveStats | undefined {
    const s = this.slaves.get(id);
    return s ? slaveStats(s) : undefined;
  }

  get isOpen(): boolean {
    return this.link.isOpen;
  }

  // -------------------------------------------------------------------------------------------
  // The poll loop

  private async loop(): Promise<void> {
    while (this.running) {
      if (!this.link.isOpen) {
        await this.downCycle();
        continue;
      }
      const cycleStart = this.mono();
      let polled = 0;
      for (const s of [...this.slaves.values()]) {
        if (!this.running || !this.link.isOpen) break;
        if (s.removed || s.mode !== 'poll') continue;
        await this.poll(s, this.retries);
        polled++;
      }
      // Presumed-dead slaves: the most overdue first, as many as fit in the cycle's slack, at least one.
      const due = [...this.slaves.values()]
        .filter((s) => s.mode === 'probe' && s.nextProbeAt <= this.mono())
        .sort((a, b) => a.nextProbeAt - b.nextProbeAt);
      let probes = 0;
      for (const s of due) {
        if (!this.running || !this.link.isOpen || s.removed) break;
        if (probes > 0 && cycleStart + this.cycleMs - this.mono() < s.timeoutMs) break;
        await this.poll(s, 0);
        probes++;
      }
      if (!this.running) break;
      const ms = Math.round((this.mono() - cycleStart) * 10) / 10;
      this.cycles++;
      this.lastCycleMs = ms;
      this.metrics?.cycle.set({ bus: this.name }, ms / 1000);
      this.call('onCycle', () => this.opts.onCycle?.(this.cycles, ms));

      if (polled + probes === 0) {
        // Nothing to do now (no slaves, or all presumed dead and not yet due): wait for the next probe.
        const next = Math.min(...[...this.slaves.values()].map((s) => s.nextProbeAt));
        const wait = Number.isFinite(next) ? next - this.mono() : this.cycleMs || 1000;
        await this.sleep(Math.max(this.cycleMs - ms, Math.min(Math.max(wait, 10), this.probeMs)));
      } else if (this.cycleMs > 0) {
        await this.sleep(cycleStart + this.cycleMs - this.mono());
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  /** Port closed: wait for it, and if a whole cycle passes without it, every slave misses that cycle. */
  private async downCycle(): Promise<void> {
    const period = this.cycleMs > 0 ? this.cycleMs : 1000;
    await this.sleep(period);
    if (!this.running || this.link.isOpen) return;
    for (const s of [...this.slaves.values()]) this.miss(s, 'timeout', true);
  }

  /** One poll of a slave: up to 1 + retries attempts; a reading or exactly one miss. */
  private async poll(s: SlaveState, retries: number): Promise<void> {
    let kind: MissKind = 'timeout';
    for (let attempt = 0; attempt <= retries; attempt++) {
      const gap = this.lastLineAt + this.gapMs - this.mono();
      if (gap > 0) await this.sleep(gap);
      if (!this.running) return;
      const a = await this.transact(s);
      this.lastLineAt = this.mono();
      switch (a.kind) {
        case 'down':
          this.miss(s, 'timeout', true);
          return;
        case 'ok':
          this.success(s, a.registers, a.at);
          return;
        case 'exception':
          this.miss(s, 'exception');
          return; // a definite answer: retrying would get the same
        case 'timeout':
        case 'crc':
          kind = a.kind;
          break;
      }
    }
    this.miss(s, kind);
  }

  private transact(s: SlaveState): Promise<Attempt> {
    return new Promise<Attempt>((resolve) => {
      this.countGarbage(this.decoder.expect({ slave: s.slave, count: this.count }));
      // expect before writing: a link may deliver the answer before write() returns
      const pending: Pending = {
        slave: s,
        timer: setTimeout(() => this.onTimeout(pending), s.timeoutMs),
        resolve,
        due: this.mono() + s.timeoutMs,
        extended: false,
      };
      this.pending = pending;
      if (this.link.write(s.request)) {
        s.requests++;
        return;
      }
      if (this.pending === pending) {
        // never sent (port closed): nothing to count as a request
        clearTimeout(pending.timer);
        this.pending = null;
        this.decoder.reset();
        resolve({ kind: 'down' });
      }
    });
  }

  /**
   * If the timer fires late, the event loop was stalled (GC, CPU starvation) and an answer that came
   * in time may still sit unread in the port: give the line as long again as we were away (at most
   * one timeout, once) before calling it a timeout. Bus time, not process time, decides.
   */
  private onTimeout(p: Pending): void {
    if (this.pending !== p) return;
    const late = this.mono() - p.due;
    if (late > STALL_MS && !p.extended) {
      p.extended = true;
      p.timer = setTimeout(() => this.onTimeout(p), Math.min(late, p.slave.timeoutMs));
      return;
    }
    this.finish({ kind: 'timeout' });
  }

  /** Ends the transaction in flight, if any, counting its result. */
  private finish(a: Attempt): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    const s = p.slave;
    let result: RequestResult;
    switch (a.kind) {
      case 'ok':
        s.ok++;
        result = 'ok';
        break;
      case 'timeout':
        s.timeouts++;
        result = 'timeout';
        this.countGarbage(this.decoder.reset()); // a partial frame is dropped
        break;
      case 'crc':
        s.crcErrors++;
        result = 'crc';
        this.warn?.(`crc:${this.name}`, { bus: this.name, slave: s.slave, crcErrors: s.crcErrors }, 'modbus response with bad CRC');
        break;
      case 'exception':
        s.exceptions++;
        s.lastException = a.code;
        result = 'exception';
        this.warn?.(`exc:${this.name}:${s.slave}`, { bus: this.name, slave: s.slave, code: a.code }, 'modbus exception response');
        break;
      case 'down':
        result = 'link_down';
        break;
    }
    this.metrics?.requests.inc({ bus: this.name, slave: String(s.slave), result });
    p.resolve(a);
  }

  private handleData(chunk: Buffer): void {
    this.lastLineAt = this.mono();
    let badCrc = false;
    for (const r of this.decoder.push(chunk)) this.onResult(r, () => (badCrc = true));
    // A corrupt frame ends the attempt (the slave has answered; waiting longer only delays the retry),
    // unless a good response came in the same chunk.
    if (badCrc) this.finish({ kind: 'crc' });
  }

  private onResult(r: ResponseResult, badCrc: () => void): void {
    if (!r.ok) {
      if (r.reason === 'bad_crc') badCrc();
      else this.countGarbage([r]);
      return;
    }
    const p = this.pending;
    if (!p || r.slave !== p.slave.slave) return; // the decoder only yields the expected slave's frames
    if (r.kind === 'response') this.finish({ kind: 'ok', registers: r.registers, at: this.now() });
    else this.finish({ kind: 'exception', code: r.code });
  }

  private countGarbage(results: readonly ResponseResult[]): void {
    let n = 0;
    for (const r of results) if (!r.ok && r.reason === 'garbage') n += r.bytes;
    if (n === 0) return;
    this.garbageBytes += n;
    this.metrics?.garbage.inc({ bus: this.name }, n);
    this.warn?.(`garbage:${this.name}`, { bus: this.name, bytes: n, total: this.garbageBytes }, 'modbus bus: garbage bytes skipped');
  }

  private success(s: SlaveState, registers: number[], at: number): void {
    const after = s.consecutiveMisses;
    s.consecutiveMisses = 0;
    s.consecutiveTimeouts = 0;
    if (s.lastOkAt !== null) s.cycleMs = at - s.lastOkAt;
    s.lastOkAt = at;
    if (s.mode === 'probe') {
      s.mode = 'poll';
      this.opts.log?.info({ bus: this.name, slave: s.slave }, 'modbus slave answers again; back to the poll cycle');
    }
    if (after > 0) this.call('onRecover', () => this.opts.onRecover?.(s.slave, after));
    this.call('onReading', () => this.opts.onReading?.(s.slave, registers, at));
  }

  private miss(s: SlaveState, kind: MissKind, linkDown = false): void {
    s.misses++;
    s.consecutiveMisses++;
    if (linkDown) s.linkDown++;
    else if (kind === 'timeout') s.consecutiveTimeouts++;
    else s.consecutiveTimeouts = 0; // it answered something: alive
    if (linkDown) {
      // not the slave's fault: its mode and probe schedule stay as they were
    } else if (s.mode === 'probe') {
      if (kind === 'timeout') s.nextProbeAt = this.mono() + this.probeMs;
      else s.mode = 'poll'; // it answers (an exception, a corrupt frame): alive, back in the cycle
    } else if (s.consecutiveTimeouts >= this.probeAfter) {
      s.mode = 'probe';
      s.nextProbeAt = this.mono() + this.probeMs;
      this.opts.log?.warn(
        { bus: this.name, slave: s.slave, timeouts: s.consecutiveTimeouts, probeMs: this.probeMs },
        'modbus slave not answering; probing it at a slower cadence',
      );
    }
    this.opts.log?.debug({ bus: this.name, slave: s.slave, kind, consecutive: s.consecutiveMisses, linkDown }, 'modbus miss');
    this.call('onMiss', () => this.opts.onMiss?.(s.slave, kind, s.consecutiveMisses));
  }

  /** Runs a user callback; its failure is logged, never allowed to stop the bus. */
  private call(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.log?.error({ bus: this.name, err, callback: name }, 'modbus bus callback threw');
    }
  }

  /** Interruptible sleep: `stop()` and a port reopening wake it early. */
  private sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

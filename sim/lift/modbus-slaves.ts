/**
 * Simulated RS-485 bus of Modbus RTU elevator controllers (DESIGN §5.3): opens the device end of a pty
 * and answers function-03 requests for several slave addresses, each backed by a register provider.
 *
 * Timing: a real bus at `baud` would deliver the request and carry the answer in a known time; the
 * simulator waits that long before writing the whole answer at once (no byte pacing), so poll cycles
 * measured against it are realistic. Per-slave fault injection: dead, silent, slowMs, exception,
 * crcErrorRate, garbageRate.
 */
import { SerialPort } from 'serialport';
import {
  FC_READ_HOLDING,
  ModbusException,
  RequestDecoder,
  encodeException,
  encodeReadResponse,
  rtuFrameTime,
  type RtuRequest,
} from '../../devices/codec/modbus-rtu.js';
import { seededRandom } from '../random.js';

export interface SimSlaveFaults {
  /** Never answers (a controller that is off or not wired). */
  dead: boolean;
  /** Does not answer while set: toggle it to make a slave drop out and come back. */
  silent: boolean;
  /** Extra delay before answering. */
  slowMs: number;
  /** Answer every read with this exception code instead of registers (null: no exception). */
  exception: number | null;
  /** Probability that an answer is corrupted after its header (the master sees a bad CRC). */
  crcErrorRate: number;
  /** Probability that 1–16 random bytes go on the line before an answer. */
  garbageRate: number;
}

export interface SimSlaveOptions extends Partial<SimSlaveFaults> {
  id: number;
  /** The slave's holding registers from 0x0000 (20 for a lift controller), read at each request. */
  registers: () => number[];
}

export interface SimSlaveStats {
  id: number;
  requests: number;
  answers: number;
  exceptions: number;
  corrupted: number;
  garbageBursts: number;
}

export interface SimModbusBusOptions {
  path: string;
  baud?: number;
  /** Bits per character on the simulated wire (10 for 8N1). */
  bitsPerChar?: number;
  slaves: readonly SimSlaveOptions[];
  /** Delay answers by the time request and answer take on a real wire (default true). */
  wireTiming?: boolean;
  seed?: number;
}

interface Slave {
  id: number;
  registers: () => number[];
  faults: SimSlaveFaults;
  stats: SimSlaveStats;
}

const NO_FAULTS: SimSlaveFaults = { dead: false, silent: false, slowMs: 0, exception: null, crcErrorRate: 0, garbageRate: 0 };

export class SimModbusBus {
  private port: SerialPort | null = null;
  private readonly decoder = new RequestDecoder();
  private readonly slaves = new Map<number, Slave>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly rand: () => number;
  private readonly charMs: number;
  private readonly requestMs: number;
  /** Bytes from the master that were not a request. */
  garbageIn = 0;
  /** Requests to addresses nobody simulates. */
  unknownSlave = 0;

  constructor(private readonly opts: SimModbusBusOptions) {
    const baud = opts.baud ?? 9600;
    const bitsPerChar = opts.bitsPerChar ?? 10;
    this.charMs = (bitsPerChar / baud) * 1000;
    this.requestMs = rtuFrameTime(8, baud, { bitsPerChar });
    this.rand = seededRandom(opts.seed ?? 7);
    for (const s of opts.slaves) this.addSlave(s);
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  addSlave(s: SimSlaveOptions): void {
    const { id, registers, ...faults } = s;
    if (this.slaves.has(id)) throw new Error(`slave ${id} is already simulated`);
    this.slaves.set(id, {
      id,
      registers,
      faults: { ...NO_FAULTS, ...faults },
      stats: { id, requests: 0, answers: 0, exceptions: 0, corrupted: 0, garbageBursts: 0 },
    });
  }

  removeSlave(id: number): boolean {
    return this.slaves.delete(id);
  }

  /** Change a slave's faults at run time (e.g. `{ silent: true }`, then `{ silent: false }`). */
  setFaults(id: number, faults: Partial<SimSlaveFaults>): void {
    const s = this.slaves.get(id);
    if (!s) throw new Error(`slave ${id} is not simulated`);
    Object.assign(s.faults, faults);
  }

  stats(): SimSlaveStats[] {
    return [...this.slaves.values()].map((s) => ({ ...s.stats }));
  }

  async start(): Promise<void> {
    const port = new SerialPort({ path: this.opts.path, baudRate: this.opts.baud ?? 9600, autoOpen: false });
    port.on('error', () => {}); // a vanished pty is the test's business, not a crash
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('close', () => this.clearTimers());
    this.port = port;
  }

  async stop(): Promise<void> {
    this.clearTimers();
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    port?.removeAllListeners();
    port?.on('error', () => {});
    this.decoder.reset();
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private onData(chunk: Buffer): void {
    for (const r of this.decoder.push(chunk)) {
      if (!r.ok) this.garbageIn += r.bytes;
      else this.onRequest(r.request);
    }
  }

  private onRequest(req: RtuRequest): void {
    const s = this.slaves.get(req.slave);
    if (!s) {
      this.unknownSlave++;
      return;
    }
    s.stats.requests++;
    const f = s.faults;
    if (f.dead || f.silent) return;
    const frame = this.answer(s, req);
    const wire = this.opts.wireTiming === false ? 0 : this.requestMs + frame.length * this.charMs;
    const out: Buffer[] = [];
    if (f.garbageRate > 0 && this.rand() < f.garbageRate) {
      s.stats.garbageBursts++;
      out.push(Buffer.from(Array.from({ length: 1 + Math.floor(this.rand() * 16) }, () => Math.floor(this.rand() * 256))));
    }
    if (f.crcErrorRate > 0 && this.rand() < f.crcErrorRate) {
      // flip a bit after the header (slave, fn, byte count) so the master sees the frame and a bad CRC
      s.stats.corrupted++;
      const at = 3 + Math.floor(this.rand() * (frame.length - 3));
      frame[at] = (frame[at] as number) ^ (1 << Math.floor(this.rand() * 8));
    }
    out.push(frame);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.port?.isOpen) this.port.write(Buffer.concat(out));
    }, wire + f.slowMs);
    this.timers.add(timer);
  }

  private answer(s: Slave, req: RtuRequest): Buffer {
    const exc = (code: number): Buffer => {
      s.stats.exceptions++;
      return encodeException(s.id, req.fn, code);
    };
    if (s.faults.exception !== null) return exc(s.faults.exception);
    if (req.fn !== FC_READ_HOLDING) return exc(ModbusException.ILLEGAL_FUNCTION);
    let regs: number[];
    try {
      regs = s.registers();
    } catch {
      return exc(ModbusException.SLAVE_DEVICE_FAILURE);
    }
    if (req.count < 1 || req.start + req.count > regs.length) return exc(ModbusException.ILLEGAL_DATA_ADDRESS);
    s.stats.answers++;
    return encodeReadResponse(s.id, regs.slice(req.start, req.start + req.count));
  }
}

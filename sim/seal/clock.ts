/**
 * An adjustable clock for simulations: runs at `rate` times real time from where it was set, and
 * can jump forward. Share one instance between the gateway's seal feature
 * (`createSealFeature({ now: clock.now })`) and the simulated sleeves (`clock: clock.now`) to
 * play an hour offline in a few seconds, or a stamp at 20:00, without the sleeves' clocks
 * drifting from the gateway's.
 */
export class SimClock {
  private base: number;
  private realBase: number;
  private _rate: number;

  constructor(start: number = Date.now(), rate = 1) {
    this.base = start;
    this.realBase = Date.now();
    this._rate = rate;
  }

  readonly now = (): number => Math.floor(this.base + (Date.now() - this.realBase) * this._rate);

  get rate(): number {
    return this._rate;
  }

  setRate(rate: number): void {
    if (!(rate > 0)) throw new RangeError('rate must be > 0');
    this.base = this.now();
    this.realBase = Date.now();
    this._rate = rate;
  }

  /** Jump forward (never backwards: records keep their order in time). */
  advance(ms: number): void {
    this.base += Math.max(0, ms);
  }

  /** Jump forward to `ms` if it is later than now. */
  advanceTo(ms: number): void {
    this.advance(ms - this.now());
  }

  /** Wait `simMs` of this clock's time. */
  sleep(simMs: number): Promise<void> {
    return new Promise((r) => setTimeout(r, Math.max(0, simMs / this._rate)));
  }
}

/** The next instant ≥ `from` at local `hour:minute` in `tz` (default Asia/Shanghai), optionally on a weekday 1–5. */
export function nextLocalTime(from: number, hour: number, minute = 0, opts: { tz?: string; weekday?: boolean } = {}): number {
  const tz = opts.tz ?? 'Asia/Shanghai';
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit' });
  const step = 60_000;
  let t = Math.ceil(from / step) * step;
  for (let i = 0; i < 8 * 24 * 60; i++, t += step) {
    const p: Record<string, string> = {};
    for (const { type, value } of fmt.formatToParts(new Date(t))) p[type] = value;
    if (Number(p.hour) === hour && Number(p.minute) === minute && (!opts.weekday || !['Sat', 'Sun'].includes(p.weekday!))) return t;
  }
  throw new Error('no such local time within 8 days');
}

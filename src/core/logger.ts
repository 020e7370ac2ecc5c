/** pino logger: structured, one child per component, secrets redacted. */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

const REDACT = [
  'password',
  'secret',
  'token',
  '*.password',
  '*.secret',
  '*.token',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(level: LevelWithSilent = 'info', dest?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    dest ?? pino.destination({ fd: 2, sync: false }),
  );
}

const { chindingsSym } = pino.symbols;

/**
 * A logger for a component, with extra bindings. A component inside another is named with dots
 * (`seal.ssp1-link`, `seal.ssp1-link.serial-port`), so every line has one `component`; an extra
 * binding the parent already has with the same value (`device`) is not repeated either.
 */
export function child(log: Logger, component: string, bindings: Record<string, unknown> = {}): Logger {
  const bound = log.bindings();
  const extra = Object.fromEntries(Object.entries(bindings).filter(([k, v]) => !(k in bound && Object.is(bound[k], v))));
  const parent = bound.component;
  if (typeof parent !== 'string') return log.child({ component, ...extra });
  // pino writes a child's bindings after its parent's, as they are: rename the parent's
  // `component` in the child's serialized bindings instead of adding a second one
  const c = log.child(extra);
  const own = c as unknown as Record<symbol, string>;
  const was = `,"component":${JSON.stringify(parent)}`;
  const at = own[chindingsSym]?.lastIndexOf(was) ?? -1;
  if (at < 0) return log.child({ ...extra, sub: component }); // not pino's layout as we know it: one component, then `sub`
  own[chindingsSym] = own[chindingsSym]!.slice(0, at) + `,"component":${JSON.stringify(`${parent}.${component}`)}` + own[chindingsSym]!.slice(at + was.length);
  return c;
}

/**
 * Warn about a repeated condition at most once per interval per key (with the count since the
 * last warning); every occurrence still goes to debug. Keeps floods of bad input out of the log.
 */
export function throttledWarn(log: Logger, intervalMs = 60_000) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key: string, obj: Record<string, unknown>, msg: string): void => {
    const now = Date.now();
    const s = last.get(key);
    if (s && now - s.at < intervalMs) {
      s.suppressed++;
      log.debug(obj, msg);
      return;
    }
    log.warn({ ...obj, suppressedSinceLast: s?.suppressed ?? 0 }, msg);
    last.set(key, { at: now, suppressed: 0 });
  };
}

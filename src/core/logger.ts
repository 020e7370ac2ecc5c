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

export function child(log: Logger, component: string): Logger {
  return log.child({ component });
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

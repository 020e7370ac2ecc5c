import { createLogger } from '../core/logger.js';
import { Gateway } from '../gateway/app.js';
import { configFrom, type CommonOpts } from './main.js';
import { loadConfig, type Config } from '../core/config.js';
import { adoptTimeZone } from '../core/time.js';

/** Resolves after SIGTERM/SIGINT once the gateway has drained and signed its final checkpoint. */
export function untilSignal(stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`sealift: ${sig} received, stopping…\n`);
      stop().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`sealift: stop failed: ${String(err)}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

export async function startGateway(cfg: Config): Promise<Gateway> {
  const log = createLogger(cfg.log.level);
  adoptTimeZone(cfg.gateway.timezone);
  return new Gateway(cfg, log).start();
}

export async function runGateway(opts: CommonOpts & { upstream?: string }): Promise<number> {
  const cfg = opts.upstream
    ? loadConfig({
        file: opts.config,
        overrides: [
          ...(opts.data ? [{ path: ['data'], value: opts.data }] : []),
          { path: ['upstream', 'url'], value: opts.upstream },
        ],
      })
    : configFrom(opts);
  const gw = await startGateway(cfg);
  return untilSignal(() => gw.stop());
}

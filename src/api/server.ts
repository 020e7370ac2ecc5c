/**
 * HTTP server (fastify). Features register as plugins; this file only builds the instance,
 * the health and metrics endpoints, and the uniform error shape `{error, message}`.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Metrics } from '../core/metrics.js';

export type Http = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

export interface HttpDeps {
  log: Logger;
  metrics: Metrics;
  /** Current health snapshot; `ok: false` makes /healthz answer 503. */
  health: () => { ok: boolean } & Record<string, unknown>;
}

export function buildHttp(deps: HttpDeps): Http {
  const app = Fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as Http;

  app.setErrorHandler((err: { statusCode?: number; validation?: unknown; code?: string; message: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    if (status < 500) deps.metrics.rejected.inc({ reason: err.validation ? 'api_validation' : `api_${status}` });
    void reply.status(status).send({
      error: err.validation ? 'invalid_request' : (err.code ?? 'error'),
      message: status >= 500 ? 'internal error' : err.message,
    });
  });

  app.get('/healthz', async (_req, reply) => {
    const h = deps.health();
    return reply.status(h.ok ? 200 : 503).send(h);
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  return app;
}

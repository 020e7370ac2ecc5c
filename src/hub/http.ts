/**
 * The hub's inspector API (JSON over HTTP):
 *   GET  /healthz, /metrics
 *   GET  /api/hub/gateways                         every gateway: verified size, status, alarms
 *   GET  /api/hub/gateways/:gw                     one gateway with its newest receipt and alarms
 *   GET  /api/hub/alarms?gw=&kind=&limit=          alarms, newest first
 *   GET  /api/hub/records?gw=&kind=&subject=&from=&to=&limit=&cursor=
 *                                                  search across gateways, newest first, paged
 *   GET  /api/hub/gateways/:gw/export?from=&to=&subject=&kind=
 *                                                  evidence bundle as a tar (`| tar x`, then
 *                                                  `sealift verify --bundle DIR --key VKEY`)
 *   POST /api/hub/gateways/:gw/commands/:name      send a remote command, wait for its result
 * With `hub.http.token` set, /api/* needs `Authorization: Bearer <token>`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { buildHttp, type Http } from '../api/server.js';
import type { JournalRecord } from '../store/types.js';
import { COMMAND_NAME, GW_ID } from '../sync/protocol.js';
import { exportGateway } from './export.js';
import type { Hub } from './hub.js';
import { tarStream } from '../store/tar.js';
import type { HubRecord } from './store.js';

const Time = Type.Optional(Type.String({ description: 'epoch ms or ISO 8601' }));

function parseTime(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw Object.assign(new Error(`${name}: not a time (epoch ms or ISO 8601): ${v}`), { statusCode: 400, code: 'invalid_request' });
  return n;
}

const badRequest = (message: string) => Object.assign(new Error(message), { statusCode: 400, code: 'invalid_request' });
const notFound = (message: string) => Object.assign(new Error(message), { statusCode: 404, code: 'not_found' });

function encodeCursor(r: HubRecord): string {
  return Buffer.from(JSON.stringify([r.ts, r.gw, r.seq])).toString('base64url');
}

function decodeCursor(c: string | undefined): { ts: number; gw: string; seq: number } | undefined {
  if (!c) return undefined;
  try {
    const [ts, gw, seq] = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as [unknown, unknown, unknown];
    if (Number.isSafeInteger(ts) && typeof gw === 'string' && Number.isSafeInteger(seq)) return { ts: ts as number, gw, seq: seq as number };
  } catch {
    /* below */
  }
  throw badRequest('cursor: not a cursor from a previous page');
}

export function buildHubHttp(hub: Hub, log: Logger, token: string | null): Http {
  const app = buildHttp({
    log,
    metrics: hub.metrics,
    health: () => ({ ok: hub.connected, role: 'hub', broker: hub.connected ? 'connected' : 'disconnected', keyId: hub.key.keyId.toString('hex') }),
  });

  if (token) {
    const want = Buffer.from(`Bearer ${token}`);
    app.addHook('onRequest', async (req, reply) => {
      if (!req.url.startsWith('/api/')) return;
      const got = Buffer.from(req.headers.authorization ?? '');
      if (got.length !== want.length || !timingSafeEqual(got, want)) {
        hub.metrics.rejected.inc({ reason: 'hub_api_auth' });
        return reply.status(401).send({ error: 'unauthorized', message: 'hub API needs Authorization: Bearer <hub.http.token>' });
      }
    });
  }

  const store = hub.store;

  app.get('/api/hub/gateways', async () => {
    const counts = await store.alarmCounts();
    const gateways = (await store.listGateways()).map((g) => ({
      gw: g.gw,
      vkey: g.vkey,
      status: g.status,
      held: g.held,
      verified: g.verified,
      root: g.root,
      online: g.online,
      lastSeen: g.lastSeen,
      alarms: counts.get(g.gw) ?? 0,
    }));
    return { hub: { name: hub.key.name, vkey: hub.key.vkey }, gateways };
  });

  app.get('/api/hub/gateways/:gw', { schema: { params: Type.Object({ gw: Type.String({ pattern: GW_ID.source }) }) } }, async (req) => {
    const { gw } = req.params as { gw: string };
    const g = await store.getGateway(gw);
    if (!g) throw notFound(`unknown gateway ${gw}`);
    return { ...g, frontier: undefined, receipt: (await store.latestReceipt(gw)) ?? null, alarms: await store.alarms({ gw, limit: 20 }) };
  });

  app.get(
    '/api/hub/alarms',
    {
      schema: {
        querystring: Type.Object({
          gw: Type.Optional(Type.String()),
          kind: Type.Optional(Type.String()),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
      },
    },
    async (req) => {
      const q = req.query as { gw?: string; kind?: string; limit: number };
      return { alarms: await store.alarms(q) };
    },
  );

  app.get(
    '/api/hub/records',
    {
      schema: {
        querystring: Type.Object({
          gw: Type.Optional(Type.String()),
          kind: Type.Optional(Type.String()),
          subject: Type.Optional(Type.String()),
          from: Time,
          to: Time,
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          cursor: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => {
      const q = req.query as { gw?: string; kind?: string; subject?: string; from?: string; to?: string; limit: number; cursor?: string };
      const rows = await store.search({
        gw: q.gw,
        kind: q.kind,
        subject: q.subject,
        from: parseTime(q.from, 'from'),
        to: parseTime(q.to, 'to'),
        limit: q.limit,
        before: decodeCursor(q.cursor),
      });
      const verified = new Map((await store.listGateways()).map((g) => [g.gw, g.verified]));
      return {
        records: rows.map((r) => ({
          gw: r.gw,
          seq: r.seq,
          verified: r.seq < (verified.get(r.gw) ?? 0),
          record: JSON.parse(r.bytes.toString('utf8')) as JournalRecord,
        })),
        next: rows.length === q.limit ? encodeCursor(rows[rows.length - 1]!) : null,
      };
    },
  );

  app.get(
    '/api/hub/gateways/:gw/export',
    {
      schema: {
        params: Type.Object({ gw: Type.String({ pattern: GW_ID.source }) }),
        querystring: Type.Object({ from: Time, to: Time, subject: Type.Optional(Type.String()), kind: Type.Optional(Type.String()) }),
      },
    },
    async (req, reply) => {
      const { gw } = req.params as { gw: string };
      const q = req.query as { from?: string; to?: string; subject?: string; kind?: string };
      if (!(await store.getGateway(gw))) throw notFound(`unknown gateway ${gw}`);
      const tmp = mkdtempSync(join(tmpdir(), 'sealift-hub-export-'));
      const out = join(tmp, 'bundle');
      try {
        await exportGateway(store, gw, { out, from: parseTime(q.from, 'from'), to: parseTime(q.to, 'to'), subject: q.subject, kind: q.kind });
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true });
        throw badRequest((e as Error).message);
      }
      const stream = tarStream(out);
      stream.once('close', () => rmSync(tmp, { recursive: true, force: true }));
      return reply
        .type('application/x-tar')
        .header('content-disposition', `attachment; filename="sealift-${gw}-export.tar"`)
        .send(stream);
    },
  );

  app.post(
    '/api/hub/gateways/:gw/commands/:name',
    {
      schema: {
        params: Type.Object({ gw: Type.String({ pattern: GW_ID.source }), name: Type.String({ pattern: COMMAND_NAME.source }) }),
        body: Type.Record(Type.String(), Type.Unknown()),
      },
    },
    async (req) => {
      const { gw, name } = req.params as { gw: string; name: string };
      if (!(await store.getGateway(gw))) throw notFound(`unknown gateway ${gw}`);
      try {
        return await hub.sendCommand(gw, name, (req.body ?? {}) as Record<string, unknown>);
      } catch (e) {
        throw Object.assign(new Error((e as Error).message), { statusCode: 503, code: 'unavailable' });
      }
    },
  );

  return app;
}

/**
 * The hub's inspector API (JSON over HTTP) and the inspectors' web pages:
 *   GET  /healthz, /metrics
 *   GET  /api/hub/gateways                         every gateway: verified size, status, alarms, newest receipt
 *   GET  /api/hub/gateways/:gw                     one gateway with its newest receipt and alarms
 *   GET  /api/hub/alarms?gw=&kind=&limit=          alarms, newest first, with counts per gateway and kind
 *   GET  /api/hub/records?gw=&kind=&subject=&seal=&from=&to=&limit=&cursor=
 *                                                  search across gateways, newest first, paged; with the
 *                                                  records of the requests they name, which photos are held
 *                                                  and the anomalies found about each stamp
 *   GET  /api/hub/gateways/:gw/records/:seq        one record with its request's story (request → decision
 *                                                  → grant → stamps), the stamp's anomalies and photos
 *   GET  /api/hub/names?gw=                        seal and people names from the gateways' provisioning records
 *   GET  /api/hub/photos/:sha                      a stamp photo (image/jpeg) the hub holds, by its SHA-256
 *   GET  /api/hub/gateways/:gw/export?from=&to=&subject=&kind=
 *                                                  evidence bundle as a tar (`| tar x`, then
 *                                                  `sealift verify --bundle DIR --key VKEY`)
 *   POST /api/hub/gateways/:gw/commands/:name      send a remote command, wait for its result
 *   /, /app/*, /api/site …                         the web pages (registerWebPages; /api/site says mode "hub")
 * With `hub.http.token` set, /api/* (except the public /api/site) needs `Authorization: Bearer <token>`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { child } from '../core/logger.js';
import { buildHttp, type Http } from '../api/server.js';
import { registerWebPages } from '../api/web.js';
import type { JournalRecord } from '../store/types.js';
import { COMMAND_NAME, GW_ID, SHA256_HEX } from '../sync/protocol.js';
import { exportGateway } from './export.js';
import { siteNameOf, type Hub } from './hub.js';
import { tarStream } from '../store/tar.js';
import type { HubRecord, HubStore } from './store.js';

const Time = Type.Optional(Type.String({ description: 'epoch ms or ISO 8601' }));
/** How many rows a page of alarms or records holds. */
const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });
const GwId = Type.String({ pattern: GW_ID.source });

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

const parse = (r: HubRecord): JournalRecord => JSON.parse(r.bytes.toString('utf8')) as JournalRecord;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const SEAL_PROFILE = /^seal-/;
/** Most records kept about one request (request, escalation, decision, grant, ack, revoke, completion…). */
const REQUEST_RECORDS = 200;
/** Most stamps or anomalies looked at around one request or stamp. */
const AROUND = 1000;
const DAY = 86_400_000;

/** The request a seal record belongs to: `data.request`, or its subject for the request's own records. */
function requestOf(rec: JournalRecord): string | undefined {
  if (!rec.kind.startsWith('seal.')) return undefined;
  return str(rec.data?.request) ?? (rec.kind === 'seal.request' ? rec.subject : undefined);
}

/** The photo a record names: a stamp's `data.photo`, a stored photo's `data.sha256`. */
function photoOf(rec: JournalRecord): string | undefined {
  const sha = rec.kind === 'seal.stamp' ? str(rec.data?.photo) : rec.kind === 'seal.photo' ? str(rec.data?.sha256) : undefined;
  return sha && SHA256_HEX.test(sha) ? sha : undefined;
}

/** A photo the hub holds, read from its photos directory and checked against its name; undefined if absent or damaged. */
async function readPhoto(store: HubStore, sha: string, log: Logger): Promise<Buffer | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(store.photosDir(), sha));
  } catch {
    return undefined;
  }
  if (createHash('sha256').update(bytes).digest('hex') !== sha) {
    log.warn({ sha }, 'stored photo does not match its name: not served');
    return undefined;
  }
  return bytes;
}

async function photoHeld(store: HubStore, sha: string): Promise<boolean> {
  try {
    return (await stat(join(store.photosDir(), sha))).isFile();
  } catch {
    return false;
  }
}

export interface HubHttpOptions {
  /** Time zone the pages show times in (the configuration's `gateway.timezone`). */
  timezone?: string | undefined;
  /** The directory holding web/index.html (default: found from this file). */
  webRoot?: string | undefined;
}

export function buildHubHttp(hub: Hub, log: Logger, token: string | null, opts: HubHttpOptions = {}): Http {
  const app = buildHttp({
    log,
    metrics: hub.metrics,
    health: () => ({ ok: hub.connected, role: 'hub', broker: hub.connected ? 'connected' : 'disconnected', keyId: hub.key.keyId.toString('hex') }),
  });

  if (token) {
    const want = Buffer.from(`Bearer ${token}`);
    app.addHook('onRequest', async (req, reply) => {
      const path = req.url.split('?', 1)[0]!;
      // /api/site is public: the pages read it before anyone has typed the token
      if (!path.startsWith('/api/') || path === '/api/site') return;
      const got = Buffer.from(req.headers.authorization ?? '');
      if (got.length !== want.length || !timingSafeEqual(got, want)) {
        hub.metrics.rejected.inc({ reason: 'hub_api_auth' });
        return reply.status(401).send({ error: 'unauthorized', message: 'hub API needs Authorization: Bearer <hub.http.token>' });
      }
    });
  }

  const store = hub.store;

  const siteName = (gw: string) => siteNameOf(store, gw);

  app.get('/api/hub/gateways', async () => {
    const counts = await store.alarmCounts();
    const gateways = await Promise.all(
      (await store.listGateways()).map(async (g) => {
        const r = await store.latestReceipt(g.gw);
        return {
          gw: g.gw,
          name: await siteName(g.gw),
          vkey: g.vkey,
          status: g.status,
          held: g.held,
          verified: g.verified,
          root: g.root,
          online: g.online,
          lastSeen: g.lastSeen,
          alarms: counts.get(g.gw) ?? 0,
          receipt: r ? { size: r.size, time: r.time } : null,
        };
      }),
    );
    return { hub: { name: hub.key.name, vkey: hub.key.vkey }, gateways };
  });

  app.get('/api/hub/gateways/:gw', { schema: { params: Type.Object({ gw: GwId }) } }, async (req) => {
    const { gw } = req.params as { gw: string };
    const g = await store.getGateway(gw);
    if (!g) throw notFound(`unknown gateway ${gw}`);
    return { ...g, frontier: undefined, name: await siteName(gw), receipt: (await store.latestReceipt(gw)) ?? null, alarms: await store.alarms({ gw, limit: 20 }) };
  });

  app.get(
    '/api/hub/alarms',
    {
      schema: {
        querystring: Type.Object({
          gw: Type.Optional(Type.String()),
          kind: Type.Optional(Type.String()),
          limit: Limit,
        }),
      },
    },
    async (req) => {
      const q = req.query as { gw?: string; kind?: string; limit: number };
      return { alarms: await store.alarms(q), summary: await store.alarmSummary() };
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
          seal: Type.Optional(Type.String({ description: "records about a seal: its subject, or data.seal of a request's records" })),
          from: Time,
          to: Time,
          limit: Limit,
          cursor: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => {
      const q = req.query as { gw?: string; kind?: string; subject?: string; seal?: string; from?: string; to?: string; limit: number; cursor?: string };
      const rows = await store.search({
        gw: q.gw,
        kind: q.kind,
        subject: q.subject,
        seal: q.seal,
        from: parseTime(q.from, 'from'),
        to: parseTime(q.to, 'to'),
        limit: q.limit,
        before: decodeCursor(q.cursor),
      });
      const verified = new Map((await store.listGateways()).map((g) => [g.gw, g.verified]));
      const records = rows.map((r) => ({ gw: r.gw, seq: r.seq, verified: r.seq < (verified.get(r.gw) ?? 0), record: parse(r) }));
      const requests: Record<string, JournalRecord[]> = {};
      const photos: Record<string, boolean> = {};
      for (const { gw, record } of records) {
        const id = requestOf(record);
        if (id && !(`${gw} ${id}` in requests)) requests[`${gw} ${id}`] = await requestRecords(gw, id);
        const sha = photoOf(record);
        if (sha && !(sha in photos)) photos[sha] = await photoHeld(store, sha);
      }
      return { records, next: rows.length === q.limit ? encodeCursor(rows[rows.length - 1]!) : null, requests, photos, anomalies: await stampAnomalies(records) };
    },
  );

  /** "gw stamp-id" → the anomaly codes the gateway found about each stamp among `records` (one search per seal). */
  async function stampAnomalies(records: { gw: string; record: JournalRecord }[]): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    const bySeal = new Map<string, { gw: string; seal: string; from: number; to: number }>();
    for (const { gw, record } of records) {
      if (record.kind !== 'seal.stamp') continue;
      const k = `${gw} ${record.subject}`;
      const g = bySeal.get(k) ?? { gw, seal: record.subject, from: record.ts, to: record.ts };
      g.from = Math.min(g.from, record.ts);
      g.to = Math.max(g.to, record.ts);
      bySeal.set(k, g);
      out[`${gw} ${str(record.data?.stamp) ?? `${record.subject}:${record.seq}`}`] = [];
    }
    for (const g of bySeal.values()) {
      // anomalies are journaled with their stamp, or soon after it (a photo that never came)
      for (const r of await store.search({ gw: g.gw, subject: g.seal, kind: 'seal.anomaly', from: g.from - 60_000, to: g.to + DAY, limit: AROUND })) {
        const a = parse(r);
        const list = out[`${g.gw} ${str(a.data?.stamp) ?? ''}`];
        if (list && typeof a.data?.code === 'string' && !list.includes(a.data.code)) list.push(a.data.code);
      }
    }
    return out;
  }

  /** The records whose subject is a request (its request, decision, grant…), in seq order. */
  async function requestRecords(gw: string, id: string): Promise<JournalRecord[]> {
    const rows = await store.search({ gw, subject: id, kind: 'seal.*', limit: REQUEST_RECORDS });
    return rows.map(parse).sort((a, b) => a.seq - b.seq);
  }

  app.get(
    '/api/hub/gateways/:gw/records/:seq',
    { schema: { params: Type.Object({ gw: GwId, seq: Type.Integer({ minimum: 0 }) }) } },
    async (req) => {
      const { gw, seq } = req.params as { gw: string; seq: number };
      const g = await store.getGateway(gw);
      if (!g) throw notFound(`unknown gateway ${gw}`);
      const row = (await store.records(gw, seq, 1))[0];
      if (!row || row.seq !== seq) throw notFound(`the hub holds no record ${seq} of ${gw}`);
      const record = parse(row);
      const id = requestOf(record);
      const story = id ? await requestRecords(gw, id) : [];
      const filed = story.find((r) => r.kind === 'seal.request');
      const seal = str(record.data?.seal) ?? str(filed?.data?.seal) ?? (record.kind.startsWith('seal.') ? record.subject : undefined);
      // The stamps of the request (or this stamp alone), and the anomalies and photos that name them.
      let stamps: JournalRecord[] = record.kind === 'seal.stamp' ? [record] : [];
      let around: JournalRecord[] = [];
      if (seal && (id || record.kind === 'seal.stamp')) {
        const from = (filed ?? record).ts - DAY;
        const notAfter = typeof filed?.data?.notAfter === 'number' ? filed.data.notAfter : record.ts;
        const to = Math.max(notAfter, record.ts) + 7 * DAY;
        around = (await store.search({ gw, subject: seal, kind: 'seal.*', from, to, limit: AROUND })).map(parse).sort((a, b) => a.seq - b.seq);
        if (id) stamps = around.filter((r) => r.kind === 'seal.stamp' && r.data?.request === id);
        if (record.kind === 'seal.stamp' && !stamps.some((s) => s.seq === record.seq)) stamps.push(record);
      }
      const stampIds = new Set(stamps.map((s) => str(s.data?.stamp)).filter((x): x is string => !!x));
      const anomalies = around.filter((r) => r.kind === 'seal.anomaly' && ((id && r.data?.request === id) || stampIds.has(str(r.data?.stamp) ?? '')));
      if (record.kind === 'seal.anomaly' && !anomalies.some((a) => a.seq === record.seq)) anomalies.push(record);
      const photos: Record<string, boolean> = {};
      for (const r of [record, ...stamps, ...around.filter((x) => x.kind === 'seal.photo')]) {
        const sha = photoOf(r);
        if (sha && !(sha in photos)) photos[sha] = await photoHeld(store, sha);
      }
      return { gw, seq, verified: seq < g.verified, record, story, stamps, anomalies, photos };
    },
  );

  app.get('/api/hub/names', { schema: { querystring: Type.Object({ gw: Type.Optional(GwId) }) } }, async (req) => {
    const { gw } = req.query as { gw?: string };
    const names: Record<string, { seals: { id: string; name: string | null }[]; people: { name: string; displayName: string | null; role: string }[] }> = {};
    for (const g of gw ? [gw] : (await store.listGateways()).map((x) => x.gw)) names[g] = { seals: [], people: [] };
    // provisioning is journaled as config.change (device.add, user.add): the newest entry wins
    const rows = (await store.search({ gw, kind: 'config.change', limit: 100_000 })).map(parse).sort((a, b) => a.seq - b.seq);
    for (const r of rows) {
      const n = names[r.gw];
      if (!n) continue;
      const d = r.data as { op?: unknown; device?: { id?: unknown; profile?: unknown; name?: unknown }; user?: { name?: unknown; displayName?: unknown; role?: unknown } };
      if (d.op === 'device.add' && typeof d.device?.id === 'string' && SEAL_PROFILE.test(String(d.device.profile))) {
        n.seals = [...n.seals.filter((x) => x.id !== d.device!.id), { id: d.device.id, name: str(d.device.name) ?? null }];
      } else if (d.op === 'user.add' && typeof d.user?.name === 'string') {
        n.people = [...n.people.filter((x) => x.name !== d.user!.name), { name: d.user.name, displayName: str(d.user.displayName) ?? null, role: String(d.user.role ?? '') }];
      }
    }
    return { names };
  });

  app.get('/api/hub/photos/:sha', { schema: { params: Type.Object({ sha: Type.String() }) } }, async (req, reply) => {
    const { sha } = req.params as { sha: string };
    if (!SHA256_HEX.test(sha)) throw badRequest('sha: not a SHA-256 (64 lowercase hexadecimal digits)');
    const bytes = await readPhoto(store, sha, log);
    if (!bytes) throw notFound(`the hub holds no photo ${sha}`);
    return reply
      .type('image/jpeg')
      .headers({ 'cache-control': 'private, max-age=86400, immutable', 'x-content-type-options': 'nosniff' })
      .send(bytes);
  });

  app.get(
    '/api/hub/gateways/:gw/export',
    {
      schema: {
        params: Type.Object({ gw: GwId }),
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
        params: Type.Object({ gw: GwId, name: Type.String({ pattern: COMMAND_NAME.source }) }),
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

  // The inspectors' pages (the gateway's web bundle: it shows the hub pages when /api/site says "hub").
  registerWebPages(app, {
    log: child(log, 'web'),
    webRoot: opts.webRoot,
    site: () => ({ name: hub.key.name, gatewayId: hub.key.name, timezone: opts.timezone ?? 'Asia/Shanghai', mode: 'hub' }),
  });

  return app;
}

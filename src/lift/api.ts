/**
 * HTTP API of the lift feature (DESIGN §7): maintainers read and act; admins read only.
 * Every route has a TypeBox schema (so it appears in the OpenAPI description at /api/docs) and
 * refuses bad input with 4xx `{error, message}`.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { ServerResponse } from 'node:http';
import type { Auth } from '../api/auth.js';
import type { Http } from '../api/server.js';
import { StringEnum } from '../core/validate.js';
import { FAULT_CODES, FAULTS, SEVERITIES } from './catalog.js';
import { VISIT_TYPES, type VisitType } from './config.js';
import { plannedDates } from './maintenance.js';
import { STEPS, type FaultRow, type Step } from './projection.js';
import { ApiError, type Alert, type LiftService, type LiftState } from './service.js';
import { localMidnight, monthOf, monthlyStats, repeatFaults, worstLifts } from './stats.js';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
const Any = Type.Unknown();
const Loose = (props: Parameters<typeof Type.Object>[0], description?: string) =>
  Type.Object(props, { additionalProperties: true, ...(description ? { description } : {}) });

const LiftId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$', description: 'lift (device) id' });
const TimeParam = Type.String({
  maxLength: 40,
  description: 'epoch ms, an ISO date-time, or a date YYYY-MM-DD (midnight in the gateway time zone)',
});

const LiftStateSchema = Loose(
  {
    lift: Type.String(),
    name: Nullable(Type.String()),
    profile: Type.String(),
    source: StringEnum(['modbus', 'kit'] as const),
    bus: Nullable(Type.String()),
    slave: Nullable(Type.Integer()),
    online: Type.Boolean(),
    maintenance: Nullable(Type.String({ description: 'open maintenance visit id: the lift is in maintenance mode' })),
    mode: Nullable(Type.String()),
    ts: Nullable(Type.Number()),
    reading: Any,
    faults: Type.Array(Loose({ faultId: Type.String(), code: Type.String(), severity: Type.String(), raisedAt: Type.Number() })),
  },
  'Normalized live state of a lift (also published retained on sealift/{gw}/lift/{id}/state)',
);

const FaultSchema = Loose(
  {
    faultId: Type.String(),
    lift: Type.String(),
    liftName: Nullable(Type.String()),
    code: Type.String(),
    zh: Nullable(Type.String()),
    en: Nullable(Type.String()),
    gb: Nullable(Type.Integer({ description: 'GB/T 24476-2017 fault message code' })),
    severity: Type.String(),
    category: Nullable(Type.String()),
    source: Nullable(Type.String()),
    status: Type.String({ description: 'raised, acknowledged, dispatched, arrived, resolved, closed or false_alarm' }),
    active: Type.Boolean({ description: 'the fault condition is still present' }),
    raisedAt: Type.Number(),
    clearedAt: Nullable(Type.Number()),
    acknowledgedAt: Nullable(Type.Number()),
    acknowledgedBy: Nullable(Type.String()),
    dispatchedAt: Nullable(Type.Number()),
    dispatchedBy: Nullable(Type.String()),
    assignee: Nullable(Type.String()),
    arrivedAt: Nullable(Type.Number()),
    arrivedBy: Nullable(Type.String()),
    resolvedAt: Nullable(Type.Number()),
    resolvedBy: Nullable(Type.String()),
    closedAt: Nullable(Type.Number()),
    closedBy: Nullable(Type.String()),
    escalatedAt: Nullable(Type.Number()),
    responseSec: Nullable(Type.Number({ description: 'acknowledged − raised' })),
    arrivalSec: Nullable(Type.Number({ description: 'arrived − raised' })),
    repairSec: Nullable(Type.Number({ description: 'resolved − arrived' })),
  },
  'A fault case',
);

const FaultDetailSchema = Type.Intersect([
  FaultSchema,
  Loose({
    reading: Any,
    detail: Any,
    steps: Type.Array(Loose({ seq: Type.Integer(), step: Type.String(), at: Type.Number(), by: Nullable(Type.String()), note: Nullable(Type.String()) })),
  }),
]);

const VisitSchema = Loose({
  visitId: Type.String(),
  lift: Type.String(),
  type: Type.String(),
  open: Type.Boolean(),
  openedAt: Type.Number(),
  openedBy: Nullable(Type.String()),
  technicians: Type.Array(Type.String()),
  closedAt: Nullable(Type.Number()),
  closedBy: Nullable(Type.String()),
  items: Type.Array(Type.String()),
  note: Nullable(Type.String()),
  result: Nullable(Type.String()),
});

const ScheduleSchema = Loose({
  lift: Type.String(),
  type: Type.String(),
  lastDoneAt: Nullable(Type.Number()),
  lastVisitId: Nullable(Type.String()),
  dueAt: Type.Number(),
  status: StringEnum(['ok', 'due', 'overdue'] as const),
});

const ErrorSchema = Type.Object({ error: Type.String(), message: Type.String() });
/** A response schema for OpenAPI and serialization; the handler's own types are the source of truth. */
const R = (s: TSchema) => Type.Unsafe<unknown>(s);
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

const DAY = 86_400_000;

export interface LiftApi {
  /** End every live-feed connection (before the HTTP server closes). */
  close(): void;
}

export function registerLiftApi(http: Http, auth: Auth, service: LiftService, opts: { tz: string; now?: () => number }): LiftApi {
  const read = auth.require('maintainer', 'admin');
  const write = auth.require('maintainer');
  const now = opts.now ?? Date.now;
  const tz = opts.tz;
  const streams = new Set<ServerResponse>();
  const tags = ['lift'];

  const parseTime = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (/^\d{1,15}$/.test(v)) return Number(v);
    const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
    if (d) return localMidnight(tz, Number(d[1]), Number(d[2]), Number(d[3]));
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw new ApiError(400, 'bad_time', `${name}: ${JSON.stringify(v)} is not a time (epoch ms, ISO date-time or YYYY-MM-DD)`);
    return t;
  };
  const knownLift = (id: string): void => {
    if (!service.state(id)) throw new ApiError(404, 'no_such_lift', `no lift ${id}`);
  };

  http.get(
    '/api/lifts',
    { schema: { tags, summary: 'Every lift with its live state and open faults', response: { 200: R(Type.Object({ lifts: Type.Array(LiftStateSchema) }))} }, preHandler: read },
    async () => ({ lifts: service.states() }),
  );

  http.get(
    '/api/lifts/catalog',
    {
      schema: {
        tags,
        summary: 'The fault codes: rule, GB/T 24476 code, severity (see docs/faults.md)',
        response: { 200: R(Type.Object({ faults: Type.Array(Loose({ code: Type.String() })) }))},
      },
      preHandler: read,
    },
    async () => ({ faults: FAULT_CODES.map((c) => FAULTS[c]) }),
  );

  http.get(
    '/api/lifts/targets',
    {
      schema: {
        tags,
        summary: 'The times a fault case is judged against: response and arrival targets, escalation of unacknowledged critical faults (s)',
        response: { 200: Type.Object({ responseSec: Type.Number(), arrivalSec: Type.Number(), escalateAfterSec: Type.Number() }) },
      },
      preHandler: read,
    },
    async () => ({ ...service.cfg.targets, escalateAfterSec: service.cfg.escalateAfterSec }),
  );

  http.get(
    '/api/lifts/stream',
    {
      schema: {
        tags,
        summary: 'Live feed (Server-Sent Events): `snapshot` {lifts}, then `state` (a lift changed), `fault` and `maintenance` (alerts)',
        produces: ['text/event-stream'],
      },
      preHandler: read,
    },
    async (req, reply) => {
      if (streams.size >= service.cfg.stream.maxClients) {
        return reply.status(503).send({ error: 'too_many_streams', message: `at most ${service.cfg.stream.maxClients} live feeds at once` });
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      streams.add(res);
      const max = service.cfg.stream.maxBufferedBytes;
      const send = (event: string, data: unknown): void => {
        if (res.writableEnded || res.destroyed) return;
        if (res.writableLength > max) {
          // a client this far behind would make us buffer without bound (law 4): let it reconnect
          res.destroy();
          return;
        }
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const onState = (s: LiftState): void => send('state', s);
      const onAlert = (a: Alert): void => {
        const { contacts: _c, ...pub } = a;
        send(a.event.startsWith('maintenance.') ? 'maintenance' : 'fault', pub);
      };
      service.events.on('state', onState);
      service.events.on('alert', onAlert);
      const ping = setInterval(() => send('ping', { ts: now() }), 15_000);
      ping.unref();
      const done = (): void => {
        clearInterval(ping);
        service.events.off('state', onState);
        service.events.off('alert', onAlert);
        streams.delete(res);
      };
      res.on('close', done);
      req.raw.on('close', done);
      res.write('retry: 2000\n\n');
      send('snapshot', { lifts: service.states() });
    },
  );

  http.get(
    '/api/lifts/buses',
    {
      schema: { tags, summary: 'Modbus buses (per-slave counters) and webhook delivery state', response: { 200: R(Loose({ buses: Type.Array(Any), webhooks: Any }))} },
      preHandler: read,
    },
    async () => ({ buses: service.busStats(), webhooks: service.webhookStats() }),
  );

  const FaultQuery = Type.Object(
    {
      lift: Type.Optional(LiftId),
      code: Type.Optional(StringEnum(FAULT_CODES)),
      severity: Type.Optional(StringEnum(SEVERITIES)),
      status: Type.Optional(
        StringEnum(['active', 'open', 'closed', 'false_alarm', 'all'] as const, {
          description: 'active: condition present; open: case not closed; closed; false_alarm; all (default)',
        }),
      ),
      from: Type.Optional(TimeParam),
      to: Type.Optional(TimeParam),
      limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
      offset: Type.Integer({ minimum: 0, default: 0 }),
    },
    { additionalProperties: false },
  );
  http.get(
    '/api/lifts/faults',
    {
      schema: {
        tags,
        summary: 'Faults, newest first',
        querystring: FaultQuery,
        response: { 200: R(Type.Object({ faults: Type.Array(FaultSchema), total: Type.Integer() })), ...errors },
      },
      preHandler: read,
    },
    async (req) => {
      const q = req.query;
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (q.lift) {
        where.push('lift_id = ?');
        args.push(q.lift);
      }
      if (q.code) {
        where.push('code = ?');
        args.push(q.code as string);
      }
      if (q.severity) {
        where.push('severity = ?');
        args.push(q.severity as string);
      }
      const from = parseTime('from', q.from);
      const to = parseTime('to', q.to);
      if (from !== undefined) {
        where.push('raised_at >= ?');
        args.push(from);
      }
      if (to !== undefined) {
        where.push('raised_at < ?');
        args.push(to);
      }
      switch ((q.status as string | undefined) ?? 'all') {
        case 'active':
          where.push('cleared_at IS NULL');
          break;
        case 'open':
          where.push("status NOT IN ('closed', 'false_alarm')");
          break;
        case 'closed':
          where.push("status = 'closed'");
          break;
        case 'false_alarm':
          where.push("status = 'false_alarm'");
          break;
        default:
          break;
      }
      const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const db = service.db;
      const total = db.prepare<(string | number)[], { n: number }>(`SELECT COUNT(*) AS n FROM lift_faults ${w}`).get(...args)!.n;
      const rows = db
        .prepare<(string | number)[], FaultRow>(`SELECT * FROM lift_faults ${w} ORDER BY raised_at DESC, raised_seq DESC LIMIT ? OFFSET ?`)
        .all(...args, q.limit, q.offset);
      return { faults: rows.map((r) => service.faultView(r)), total };
    },
  );

  const FaultParams = Type.Object({ faultId: Type.String({ minLength: 1, maxLength: 64 }) });
  http.get(
    '/api/lifts/faults/:faultId',
    { schema: { tags, summary: 'One fault: times, lifecycle steps, the reading that raised it', params: FaultParams, response: { 200: R(FaultDetailSchema), ...errors } }, preHandler: read },
    async (req) => {
      const f = service.faultDetail(req.params.faultId);
      if (!f) throw new ApiError(404, 'no_such_fault', `no fault ${req.params.faultId}`);
      return f;
    },
  );

  http.post(
    '/api/lifts/faults/:faultId/steps',
    {
      schema: {
        tags,
        summary: 'Record a lifecycle step: acknowledged → dispatched → arrived → resolved → closed, or false_alarm (journaled with who and when)',
        params: FaultParams,
        body: Type.Object(
          {
            step: StringEnum(STEPS),
            note: Type.Optional(Type.String({ maxLength: 2000 })),
            assignee: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'who is dispatched (required for "dispatched")' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: R(FaultDetailSchema), ...errors },
      },
      preHandler: write,
    },
    async (req) => service.recordStep(req.params.faultId, req.body.step as Step, req.user!.name, req.body),
  );

  http.get(
    '/api/lifts/stats',
    {
      schema: {
        tags,
        summary: 'Per lift, for one month: faults by code, entrapments, MTBF, mean response/arrival/repair times',
        querystring: Type.Object(
          { month: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM (default: this month)' })), lift: Type.Optional(LiftId) },
          { additionalProperties: false },
        ),
        response: { 200: R(Type.Object({ month: Type.String(), lifts: Type.Array(Loose({ lift: Type.String() })) })), ...errors },
      },
      preHandler: read,
    },
    async (req) => {
      const month = req.query.month ?? monthOf(now(), tz);
      let refs = service.liftRefs();
      if (req.query.lift) {
        knownLift(req.query.lift);
        refs = refs.filter((r) => r.id === req.query.lift);
      }
      return { month, lifts: monthlyStats(service.db, refs, month, tz, now()) };
    },
  );

  http.get(
    '/api/lifts/repeat-faults',
    {
      schema: {
        tags,
        summary: 'Repeat faults: same code ≥ 3 in 7 days or ≥ 5 in 30 days, or a second entrapment in 30 days',
        querystring: Type.Object({ lift: Type.Optional(LiftId) }, { additionalProperties: false }),
        response: { 200: R(Type.Object({ repeats: Type.Array(Loose({ lift: Type.String(), code: Type.String() })) }))},
      },
      preHandler: read,
    },
    async (req) => ({ repeats: repeatFaults(service.db, now(), service.cfg.repeat, req.query.lift) }),
  );

  http.get(
    '/api/lifts/worst',
    {
      schema: {
        tags,
        summary: 'The N lifts with most faults (then entrapments) in the last D days',
        querystring: Type.Object(
          { n: Type.Integer({ minimum: 1, maximum: 256, default: 10 }), days: Type.Number({ exclusiveMinimum: 0, maximum: 3660, default: 30 }) },
          { additionalProperties: false },
        ),
        response: { 200: R(Type.Object({ from: Type.Number(), to: Type.Number(), lifts: Type.Array(Loose({ lift: Type.String() })) }))},
      },
      preHandler: read,
    },
    async (req) => {
      const to = now();
      const from = to - req.query.days * DAY;
      return { from, to, lifts: worstLifts(service.db, service.liftRefs(), from, to, req.query.n) };
    },
  );

  http.get(
    '/api/lifts/maintenance',
    {
      schema: {
        tags,
        summary: 'Maintenance calendar (TSG T5002): per lift and visit type, the last visit, the next due date, and planned dates in [from, to)',
        querystring: Type.Object({ lift: Type.Optional(LiftId), from: Type.Optional(TimeParam), to: Type.Optional(TimeParam) }, { additionalProperties: false }),
        response: {
          200: R(Type.Object({ from: Type.Number(), to: Type.Number(), schedule: Type.Array(Type.Intersect([ScheduleSchema, Loose({ planned: Type.Array(Type.Number()) })])) })),
          ...errors,
        },
      },
      preHandler: read,
    },
    async (req) => {
      const t = now();
      const from = parseTime('from', req.query.from) ?? t;
      const to = parseTime('to', req.query.to) ?? from + 31 * DAY;
      if (to <= from) throw new ApiError(400, 'bad_range', '"to" must be after "from"');
      if (req.query.lift) knownLift(req.query.lift);
      const ids = req.query.lift ? [req.query.lift] : service.liftRefs().map((l) => l.id);
      const schedule = ids.flatMap((id) => service.schedule(id, t)).map((e) => ({ ...e, planned: plannedDates(e, from, to, service.cfg.maintenance) }));
      return { from, to, schedule };
    },
  );

  http.get(
    '/api/lifts/maintenance/visits',
    {
      schema: {
        tags,
        summary: 'Maintenance visit records (who, when, items done), newest first',
        querystring: Type.Object(
          {
            lift: Type.Optional(LiftId),
            from: Type.Optional(TimeParam),
            to: Type.Optional(TimeParam),
            open: Type.Optional(Type.Boolean()),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: R(Type.Object({ visits: Type.Array(VisitSchema) })), ...errors },
      },
      preHandler: read,
    },
    async (req) => {
      const q = req.query;
      return { visits: service.visits({ lift: q.lift, from: parseTime('from', q.from), to: parseTime('to', q.to), open: q.open, limit: q.limit }) };
    },
  );

  http.post(
    '/api/lifts/:id/maintenance/visits',
    {
      schema: {
        tags,
        summary: 'Start a maintenance visit: the lift is in maintenance mode (fault rules suppressed except power and alarm button) until it is closed',
        params: Type.Object({ id: LiftId }),
        body: Type.Object(
          {
            type: StringEnum(VISIT_TYPES),
            technicians: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 20 })),
            note: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: R(VisitSchema), ...errors },
      },
      preHandler: write,
    },
    async (req) => service.openVisit(req.params.id, req.user!.name, { ...req.body, type: req.body.type as VisitType }),
  );

  http.post(
    '/api/lifts/maintenance/visits/:visitId/close',
    {
      schema: {
        tags,
        summary: 'Close a maintenance visit with the items done; the lift leaves maintenance mode',
        params: Type.Object({ visitId: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: Type.Object(
          {
            items: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 200, description: 'maintenance items done' }),
            note: Type.Optional(Type.String({ maxLength: 2000 })),
            result: Type.Optional(StringEnum(['ok', 'issues_found'] as const)),
          },
          { additionalProperties: false },
        ),
        response: { 200: R(VisitSchema), ...errors },
      },
      preHandler: write,
    },
    async (req) => service.closeVisit(req.params.visitId, req.user!.name, { ...req.body, result: req.body.result as string | undefined }),
  );

  http.get(
    '/api/lifts/:id',
    {
      schema: {
        tags,
        summary: 'One lift: live state, open fault cases, maintenance schedule and recent visits',
        params: Type.Object({ id: LiftId }),
        response: {
          200: R(Type.Object({ state: LiftStateSchema, faults: Type.Array(FaultSchema), schedule: Type.Array(ScheduleSchema), visits: Type.Array(VisitSchema) })),
          ...errors,
        },
      },
      preHandler: read,
    },
    async (req) => {
      const state = service.state(req.params.id);
      if (!state) throw new ApiError(404, 'no_such_lift', `no lift ${req.params.id}`);
      const faults = service.db
        .prepare<[string], FaultRow>("SELECT * FROM lift_faults WHERE lift_id = ? AND (status NOT IN ('closed', 'false_alarm') OR cleared_at IS NULL) ORDER BY raised_at DESC")
        .all(req.params.id)
        .map((r) => service.faultView(r));
      return { state, faults, schedule: service.schedule(req.params.id), visits: service.visits({ lift: req.params.id, limit: 20 }) };
    },
  );

  return {
    close() {
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}

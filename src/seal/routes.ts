/**
 * HTTP API of the seal feature (docs/api.md). Roles per DESIGN §7: keepers file and withdraw
 * requests and see their own; approvers decide, revoke and lock (never their own requests);
 * inspectors read everything and export, and change nothing. Every refusal is journaled as
 * `user.denied` (role checks by auth.require, decisions inside handlers by auth.deny).
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Auth } from '../api/auth.js';
import type { Http } from '../api/server.js';
import type { Journal } from '../store/journal.js';
import type { Db } from '../store/db.js';
import { verifyInThread, type VerifyResult } from '../store/verify.js';
import { isRecordKind } from '../core/kinds.js';
import type { Exports } from './exports.js';
import {
  AnomalyQuery,
  AnomalyView,
  ApproveBody,
  BreakGlassBody,
  ErrorResponse,
  ExportBody,
  FileRequestBody,
  GrantView,
  IdParams,
  LockBody,
  Paged,
  RejectBody,
  RequestListQuery,
  RequestView,
  RevokeBody,
  SealStateView,
  ShaParams,
  StampQuery,
  StampView,
  WithdrawBody,
} from './model.js';
import { approverQueue, drillDown, getRequest, grantView, listRequests, photoOwnedBy, sealPeople, searchAnomalies, searchStamps } from './queries.js';
import type { Actor, SealService } from './service.js';
import { isProblem, parseTimeInput, type Problem } from './workflow.js';

const TAG = ['seal'];
const E = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export function registerSealRoutes(http: Http, auth: Auth, svc: SealService, deps: { db: Db; journal: Journal; exports: Exports }): void {
  const db = deps.db;
  const actor = (req: FastifyRequest) => ({ name: req.user!.name, role: req.user!.role });

  const fail = async (req: FastifyRequest, reply: FastifyReply, p: Problem, action: string) => {
    if (p.status === 403) await auth.deny(req, action, p.message);
    return reply.status(p.status).send({ error: p.error, message: p.message });
  };

  /** The from/to of a query or body: epoch ms or ISO 8601, undefined when absent; the Problem of the first unreadable one. */
  const timeRange = (q: { from?: number | string | undefined; to?: number | string | undefined }): { from: number | undefined; to: number | undefined } | Problem => {
    const from = parseTimeInput(q.from, 'from');
    if (isProblem(from)) return from;
    const to = parseTimeInput(q.to, 'to');
    return isProblem(to) ? to : { from, to };
  };

  // -------------------------------------------------------------------------------------------
  // Seals

  http.get(
    '/api/seal/seals',
    {
      schema: { tags: TAG, summary: 'Seal sleeves and their live state', response: { 200: Type.Object({ seals: Type.Array(SealStateView) }) } },
      preHandler: auth.require('keeper', 'approver', 'inspector', 'admin'),
    },
    async () => ({ seals: svc.sealDevices().map((d) => svc.stateOf(d.id)!) }),
  );

  http.get(
    '/api/seal/seals/:id',
    {
      schema: { tags: TAG, summary: 'One seal sleeve: live state', params: IdParams, response: { 200: SealStateView, ...E } },
      preHandler: auth.require('keeper', 'approver', 'inspector', 'admin'),
    },
    async (req, reply) => {
      const s = svc.stateOf(req.params.id);
      return s ?? reply.status(404).send({ error: 'not_found', message: `no seal sleeve ${req.params.id}` });
    },
  );

  http.post(
    '/api/seal/seals/:id/lock',
    {
      schema: { tags: TAG, summary: 'Remote lock (远程锁定): revokes live grants and locks the sleeve', params: IdParams, body: LockBody, response: { 200: SealStateView, ...E } },
      preHandler: auth.require('approver'),
    },
    async (req, reply) => {
      const r = await svc.lock(actor(req), req.params.id, req.body.reason);
      return isProblem(r) ? fail(req, reply, r, 'seal.lock') : r;
    },
  );

  http.post(
    '/api/seal/seals/:id/break-glass',
    {
      schema: {
        tags: TAG,
        summary: 'Emergency unlock (break-glass): grants at once with a mandatory reason; always raises BREAK_GLASS',
        params: IdParams,
        body: BreakGlassBody,
        response: { 201: RequestView, ...E },
      },
      preHandler: auth.require('approver'),
    },
    async (req, reply) => {
      const r = await svc.breakGlass(actor(req), req.params.id, req.body as Static<typeof BreakGlassBody>);
      if (isProblem(r)) return fail(req, reply, r, 'seal.break-glass');
      return reply.status(201).send(getRequest(db, r.id)!);
    },
  );

  http.get(
    '/api/seal/people',
    {
      schema: {
        tags: TAG,
        summary: 'Keepers and approvers: user name, display name and role (names on the pages, the person filter of the stamp log)',
        response: { 200: Type.Object({ people: Type.Array(Type.Object({ name: Type.String(), displayName: Type.Union([Type.String(), Type.Null()]), role: Type.String() })) }) },
      },
      preHandler: auth.require('keeper', 'approver', 'inspector'),
    },
    async () => ({ people: sealPeople(db) }),
  );

  // -------------------------------------------------------------------------------------------
  // Requests

  http.post(
    '/api/seal/requests',
    {
      schema: { tags: TAG, summary: 'File a stamp request (keeper; an approver filing is escalated to another approver)', body: FileRequestBody, response: { 201: RequestView, ...E } },
      preHandler: auth.require('keeper', 'approver'),
    },
    async (req, reply) => {
      const r = await svc.fileRequest(actor(req), req.body as FileRequestBody);
      if (isProblem(r)) return fail(req, reply, r, 'seal.request');
      return reply.status(201).send(getRequest(db, r.id)!);
    },
  );

  http.get(
    '/api/seal/requests',
    {
      schema: { tags: TAG, summary: 'Requests (keepers: their own), newest first, with live state', querystring: RequestListQuery, response: { 200: Paged(RequestView), ...E } },
      preHandler: auth.require('keeper', 'approver', 'inspector'),
    },
    async (req, reply) => {
      const q = req.query as Static<typeof RequestListQuery>;
      const range = timeRange(q);
      if (isProblem(range)) return fail(req, reply, range, 'seal.requests');
      const { from, to } = range;
      const mine = req.user!.role === 'keeper' || q.mine === true;
      return listRequests(db, { requester: mine ? req.user!.name : undefined, state: q.state, seal: q.seal, from, to }, q.page ?? 1, q.pageSize ?? 50);
    },
  );

  http.get(
    '/api/seal/requests/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Drill-down: request → decision → grant → each stamp → photo, with anomalies and the journal records',
        params: IdParams,
        response: {
          200: Type.Object({
            request: RequestView,
            records: Type.Array(Type.Object({ seq: Type.Number(), ts: Type.Number(), kind: Type.String(), actor: Type.Union([Type.String(), Type.Null()]), data: Type.Unknown() })),
            grants: Type.Array(GrantView),
            stamps: Type.Array(StampView),
            anomalies: Type.Array(AnomalyView),
          }),
          ...E,
        },
      },
      preHandler: auth.require('keeper', 'approver', 'inspector'),
    },
    async (req, reply) => {
      const d = drillDown(db, req.params.id);
      if (!d) return reply.status(404).send({ error: 'not_found', message: `no request ${req.params.id}` });
      if (req.user!.role === 'keeper' && d.request.requester !== req.user!.name) {
        return fail(req, reply, { status: 403, error: 'forbidden', message: `request ${req.params.id} is not yours; keepers see their own requests only` }, `GET /api/seal/requests/${req.params.id}`);
      }
      return d;
    },
  );

  http.post(
    '/api/seal/requests/:id/withdraw',
    {
      schema: { tags: TAG, summary: 'Withdraw my request (revokes its grant if one is live)', params: IdParams, body: WithdrawBody, response: { 200: RequestView, ...E } },
      preHandler: auth.require('keeper', 'approver'),
    },
    async (req, reply) => {
      const r = await svc.withdraw(actor(req), req.params.id, req.body.reason);
      return isProblem(r) ? fail(req, reply, r, 'seal.withdraw') : getRequest(db, r.id)!;
    },
  );

  http.get(
    '/api/seal/queue',
    {
      schema: { tags: TAG, summary: 'Approver queue: requests waiting for a decision, not my own, oldest first', response: { 200: Type.Object({ items: Type.Array(RequestView) }) } },
      preHandler: auth.require('approver'),
    },
    async (req) => ({ items: approverQueue(db, req.user!.name) }),
  );

  const selfRefusal = async (req: FastifyRequest, reply: FastifyReply, id: string, action: string) => {
    const message = `you filed request ${id} yourself and may not decide it; it is escalated to another approver (township)`;
    await auth.deny(req, action, message);
    return reply.status(403).send({ error: 'self_approval', message });
  };

  /** Approve or reject: an approver decides a request, never their own (refused, journaled, escalated). */
  const decision = <B extends TSchema>(verb: 'approve' | 'reject', summary: string, body: B, decide: (a: Actor, id: string, b: Static<B>) => ReturnType<SealService['approve']>) =>
    http.post(
      `/api/seal/requests/:id/${verb}`,
      { schema: { tags: TAG, summary, params: IdParams, body, response: { 200: RequestView, ...E } }, preHandler: auth.require('approver') },
      async (req, reply) => {
        const r = await decide(actor(req), req.params.id, req.body as Static<B>);
        if ('self' in r) return selfRefusal(req, reply, req.params.id, `seal.${verb}`);
        return isProblem(r) ? fail(req, reply, r, `seal.${verb}`) : getRequest(db, r.id)!;
      },
    );
  decision('approve', 'Approve: the grant is sent to the sleeve and tracked to its acknowledgement', ApproveBody, (a, id, b) => svc.approve(a, id, b.note));
  decision('reject', 'Reject with a reason', RejectBody, (a, id, b) => svc.reject(a, id, b.reason));

  http.post(
    '/api/seal/grants/:id/revoke',
    {
      schema: { tags: TAG, summary: 'Revoke a live grant (the sleeve is told at once)', params: IdParams, body: RevokeBody, response: { 200: GrantView, ...E } },
      preHandler: auth.require('approver'),
    },
    async (req, reply) => {
      const r = await svc.revoke(actor(req), req.params.id, req.body.reason);
      return isProblem(r) ? fail(req, reply, r, 'seal.revoke') : grantView(r);
    },
  );

  // -------------------------------------------------------------------------------------------
  // Stamp logs, anomalies, photos

  http.get(
    '/api/seal/stamps',
    {
      schema: { tags: TAG, summary: 'Search stamp logs (keepers: stamps of their own requests)', querystring: StampQuery, response: { 200: Paged(StampView), ...E } },
      preHandler: auth.require('keeper', 'approver', 'inspector'),
    },
    async (req, reply) => {
      const q = req.query as Static<typeof StampQuery>;
      const range = timeRange(q);
      if (isProblem(range)) return fail(req, reply, range, 'seal.stamps');
      const { from, to } = range;
      return searchStamps(
        db,
        {
          from,
          to,
          seal: q.seal,
          person: q.person,
          requester: req.user!.role === 'keeper' ? req.user!.name : undefined,
          matter: q.matter,
          anomaly: q.anomaly,
          anomalous: q.anomalous,
          outOfHours: q.outOfHours,
          request: q.request,
        },
        q.page ?? 1,
        q.pageSize ?? 50,
      );
    },
  );

  http.get(
    '/api/seal/anomalies',
    {
      schema: {
        tags: TAG,
        summary: 'Anomalies, newest first, with counts by code (keepers: those of their own requests)',
        querystring: AnomalyQuery,
        response: { 200: Type.Intersect([Paged(AnomalyView), Type.Object({ counts: Type.Record(Type.String(), Type.Number()) })]), ...E },
      },
      preHandler: auth.require('keeper', 'approver', 'inspector'),
    },
    async (req, reply) => {
      const q = req.query as Static<typeof AnomalyQuery>;
      const range = timeRange(q);
      if (isProblem(range)) return fail(req, reply, range, 'seal.anomalies');
      const { from, to } = range;
      const r = searchAnomalies(
        db,
        { from, to, seal: q.seal, code: q.code, request: q.request, requester: req.user!.role === 'keeper' ? req.user!.name : undefined },
        q.page ?? 1,
        q.pageSize ?? 50,
      );
      return r;
    },
  );

  http.get(
    '/api/seal/photos/:sha256',
    {
      schema: { tags: TAG, summary: 'A stamp photo (image/jpeg), by its SHA-256', params: ShaParams },
      preHandler: auth.require('keeper', 'approver', 'inspector'),
    },
    async (req, reply) => {
      const sha = req.params.sha256;
      if (req.user!.role === 'keeper' && !photoOwnedBy(db, sha, req.user!.name)) {
        return fail(req, reply, { status: 403, error: 'forbidden', message: 'this photo belongs to a stamp of another person’s request' }, `GET /api/seal/photos/${sha}`);
      }
      const bytes = svc.photos.read(sha);
      if (!bytes) return reply.status(404).send({ error: 'not_found', message: `no photo ${sha} on this gateway` });
      return reply.type('image/jpeg').header('cache-control', 'private, max-age=86400, immutable').send(bytes);
    },
  );

  // -------------------------------------------------------------------------------------------
  // Exports and verification

  const exportsRoles = auth.require('approver', 'inspector');

  http.post(
    '/api/exports',
    {
      schema: {
        tags: ['evidence'],
        summary: 'Make an evidence bundle (journaled as audit.export); download it as .tar or its CSV',
        body: ExportBody,
        response: { 201: Type.Object({ id: Type.String(), count: Type.Number(), photos: Type.Number(), photosMissing: Type.Array(Type.String()), checkpoint: Type.Object({ size: Type.Number(), root: Type.String() }), files: Type.Object({ csv: Type.String(), tar: Type.String(), manifest: Type.String() }), created: Type.String(), filters: Type.Unknown() }), ...E },
      },
      preHandler: exportsRoles,
    },
    async (req, reply) => {
      const b = req.body;
      const range = timeRange(b);
      if (isProblem(range)) return fail(req, reply, range, 'export');
      const { from, to } = range;
      if (from !== undefined && to !== undefined && from >= to) return reply.status(400).send({ error: 'invalid_request', message: 'from must be before to' });
      if (b.kind && !b.kind.endsWith('.*') && !isRecordKind(b.kind)) {
        return reply.status(400).send({ error: 'invalid_request', message: `kind: ${b.kind} is not a record kind (see docs/journal.md) nor a prefix like seal.*` });
      }
      try {
        const info = await deps.exports.create({ from, to: to === undefined ? undefined : to - 1, subject: b.subject, kind: b.kind }, req.user!.name, svc.now());
        return reply.status(201).send(info);
      } catch (e) {
        const msg = (e as Error).message;
        if (/nothing to export/.test(msg)) return reply.status(409).send({ error: 'empty', message: msg });
        throw e;
      }
    },
  );

  http.get(
    '/api/exports',
    { schema: { tags: ['evidence'], summary: 'Evidence bundles kept on the gateway, newest first' }, preHandler: exportsRoles },
    async () => ({ items: deps.exports.list() }),
  );

  const exportParams = Type.Object({ id: Type.String({ pattern: '^E-\\d{8}T\\d{6}-[0-9a-f]{6}$' }) });
  const exportDir = (id: string, reply: FastifyReply) => {
    const p = deps.exports.path(id);
    if (!p) void reply.status(404).send({ error: 'not_found', message: `no export ${id}` });
    return p;
  };

  http.get(
    '/api/exports/:id/records.csv',
    { schema: { tags: ['evidence'], summary: 'The records as CSV (UTF-8 with BOM, Chinese headers; opens in Excel)', params: exportParams }, preHandler: exportsRoles },
    async (req, reply) => {
      const p = exportDir(req.params.id, reply);
      if (!p) return reply;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${req.params.id}.csv"`)
        .send(createReadStream(join(p, 'records.csv')));
    },
  );

  http.get(
    '/api/exports/:id/manifest.json',
    { schema: { tags: ['evidence'], summary: 'The bundle manifest', params: exportParams }, preHandler: exportsRoles },
    async (req, reply) => {
      const p = exportDir(req.params.id, reply);
      if (!p) return reply;
      return reply.type('application/json').send(createReadStream(join(p, 'manifest.json')));
    },
  );

  http.get(
    '/api/exports/:id/bundle.tar',
    {
      schema: { tags: ['evidence'], summary: 'The whole bundle as one .tar (check it offline: sealift verify --bundle DIR)', params: exportParams },
      preHandler: exportsRoles,
    },
    async (req, reply) => {
      const p = exportDir(req.params.id, reply);
      if (!p) return reply;
      const { tarStream } = await import('../store/tar.js');
      return reply
        .type('application/x-tar')
        .header('content-disposition', `attachment; filename="${req.params.id}.tar"`)
        .send(tarStream(p, req.params.id));
    },
  );

  let running: Promise<VerifyResult> | undefined;
  http.get(
    '/api/verify',
    {
      schema: { tags: ['evidence'], summary: 'Verify the whole journal now (every leaf, the tree, every checkpoint signature)' },
      preHandler: exportsRoles,
    },
    async () => {
      const j = deps.journal;
      // on a thread of its own: a million records take seconds, and the gateway keeps acking
      // devices and raising alarms meanwhile; requests that arrive during one share its answer
      running ??= verifyInThread(j.db.name, j.key.vkey).finally(() => (running = undefined));
      const r = await running;
      const cp = j.latestCheckpoint();
      return {
        ...r,
        vkey: j.key.vkey,
        records: j.size,
        lastCheckpoint: cp ? { size: cp.size, root: cp.root, ts: cp.ts } : null,
      };
    },
  );
}

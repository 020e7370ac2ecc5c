/**
 * Admin pages' API (admin role only): devices (provision; live state and link counters), users and
 * roles (add, change role, reset password, disable/enable), the effective config (read-only).
 * Every change goes through the registry, which journals it as `config.change` with the admin as
 * actor (never a password, secret or hash) and applies it to the `devices`/`users` projection. A
 * refused request changes nothing and is counted in `sealift_rejected_total` like every API error.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Feature, GatewayContext } from '../gateway/feature.js';
import { Rejection } from '../core/errors.js';
import { DeviceStatusSchema } from '../gateway/devices.js';
import { DeviceSchema, ID_PATTERN, UserSchema, type Device } from '../registry/schema.js';
import type { Account, Registry } from '../registry/registry.js';

/** Setting names that hold secrets: their values never leave the gateway. */
export const SECRET_KEY = /password|secret|token|key/i;
export const REDACTED = '••••';

/** A deep copy of `value` with every property whose name looks secret replaced by "••••". */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redactSecrets(v);
  return out;
}

const Password = Type.String({ minLength: 8, maxLength: 256, description: 'at least 8 characters' });

/** A device to provision: the registry's device shape, and optionally its secret (else one is generated). */
export const NewDeviceBody = Type.Object(
  {
    ...DeviceSchema.properties,
    secret: Type.Optional(Type.String({ minLength: 12, maxLength: 256, description: 'the MQTT password the device will use (default: a random one)' })),
  },
  { additionalProperties: false },
);
/** A user to add: the registry's user shape and the first password. */
export const NewUserBody = Type.Object({ ...UserSchema.properties, password: Password }, { additionalProperties: false });
export const PasswordBody = Type.Object({ password: Password }, { additionalProperties: false });
export const RoleBody = Type.Object({ role: UserSchema.properties.role }, { additionalProperties: false });
export const DisableBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
export const NameParams = Type.Object({ name: Type.String({ pattern: ID_PATTERN }) });
const ErrorResponse = Type.Object({ error: Type.String(), message: Type.String() });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A user as the admin sees them. */
export const AccountView = Type.Object({
  ...UserSchema.properties,
  disabled: Type.Boolean({ description: 'may not log in' }),
  addedAt: Nullable(Type.Number()),
  addedBy: Nullable(Type.String()),
});
const UserAnswer = Type.Object({ user: AccountView });

/** A provisioned device, when and by whom, its live state and link counters, its newest journal record. */
export const DeviceView = Type.Object({
  ...DeviceSchema.properties,
  addedAt: Nullable(Type.Number()),
  addedBy: Nullable(Type.String()),
  ...DeviceStatusSchema.properties,
  lastRecord: Nullable(Type.Object({ ts: Type.Number(), kind: Type.String() })),
});
/** The MQTT login of a new device: shown once, never readable again. */
export const DeviceLogin = Type.Object({
  clientId: Type.String(),
  username: Type.String(),
  password: Type.String(),
  brokerPort: Type.Integer(),
});
const E = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

/** HTTP status of each registry refusal (anything else: 400). */
const STATUS: Record<string, number> = {
  not_found: 404,
  duplicate_id: 409,
  port_in_use: 409,
  slave_in_use: 409,
  baud_mismatch: 409,
  last_admin: 409,
  self_disable: 409,
};

/** A registry refusal as an HTTP error: the error handler answers `{error, message}` and counts it. */
function asHttpError(err: unknown): unknown {
  if (!(err instanceof Rejection)) return err;
  return Object.assign(new Error(err.message), { statusCode: STATUS[err.code] ?? 400, code: err.code });
}

async function refusing<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asHttpError(err);
  }
}

const MQTT_LOGIN_PROFILES: readonly string[] = ['seal-mqtt', 'lift-kit-mqtt', 'seal-ssp1-serial'];

export const adminFeature: Feature = {
  name: 'admin',
  setup(ctx: GatewayContext) {
    const { http, auth, registry, cfg } = ctx;
    if (!http || !auth) return;
    const admin = auth.require('admin');
    const actor = (req: FastifyRequest) => req.user!.name;
    const lastRecord = ctx.db.prepare<[string], { ts: number; kind: string }>(
      "SELECT ts, kind FROM journal WHERE subject = ? AND kind <> 'config.change' ORDER BY ts DESC, seq DESC LIMIT 1",
    );
    const view = (device: Device, added: { addedAt: number | null; addedBy: string | null }) => {
      const status = ctx.deviceStatus.statusOf(device);
      return { ...device, ...added, ...status, lastRecord: lastRecord.get(device.id) ?? null };
    };

    // ------------------------------------------------------------------------------- devices

    http.get(
      '/api/admin/devices',
      {
        schema: {
          tags: ['admin'],
          summary: 'Provisioned devices with their live state (online, since when, last record) and link counters',
          response: { 200: Type.Object({ devices: Type.Array(DeviceView) }) },
        },
        preHandler: admin,
      },
      async () => ({ devices: registry.deviceEntries().map((e) => view(e.device, e)) }),
    );

    http.post(
      '/api/admin/devices',
      {
        schema: {
          tags: ['admin'],
          summary: 'Provision a device; it works at once (no restart). The MQTT login is in the answer, once, never again',
          body: NewDeviceBody,
          response: { 201: Type.Object({ device: DeviceView, login: Nullable(DeviceLogin) }), ...E },
        },
        preHandler: admin,
      },
      async (req, reply) => {
        const { secret, ...spec } = req.body as Static<typeof NewDeviceBody>;
        const r = await refusing(() => registry.addDevice(spec, { secret, actor: actor(req) }));
        const entry = registry.deviceEntries().find((e) => e.device.id === r.device.id)!;
        const login = MQTT_LOGIN_PROFILES.includes(r.device.profile)
          ? { clientId: r.device.id, username: r.device.id, password: r.secret, brokerPort: ctx.broker?.port ?? cfg.broker.port }
          : null;
        return reply.status(201).send({ device: view(entry.device, entry), login });
      },
    );

    // ------------------------------------------------------------------------------- users

    http.get(
      '/api/admin/users',
      { schema: { tags: ['admin'], summary: 'Users, their roles, whether they may log in', response: { 200: Type.Object({ users: Type.Array(AccountView) }) } }, preHandler: admin },
      async () => ({ users: registry.accounts() }),
    );

    http.post(
      '/api/admin/users',
      {
        schema: { tags: ['admin'], summary: 'Add a user (password at least 8 characters)', body: NewUserBody, response: { 201: UserAnswer, ...E } },
        preHandler: admin,
      },
      async (req, reply) => {
        const { password, ...user } = req.body as Static<typeof NewUserBody>;
        const u = await refusing(() => registry.addUser(user, password, { actor: actor(req) }));
        return reply.status(201).send({ user: registry.accounts().find((a) => a.name === u.name)! });
      },
    );

    /** A user loses their sessions and MQTT connections (role changed, disabled). */
    const cutOff = (name: string) => {
      auth.endSessions(name);
      ctx.broker?.disconnectUser(name);
    };

    /**
     * `POST /api/admin/users/:name/{verb}`: one change to a user, answered with the account as it
     * now is; `after` runs once the change is journaled, given the account as it was before.
     */
    const userAction = <B extends TSchema>(
      verb: string,
      summary: string,
      body: B | undefined,
      change: (name: string, body: Static<B> | undefined, opts: { actor: string }) => Promise<Account>,
      after?: (name: string, req: FastifyRequest, now: Account, before: ReturnType<Registry['account']>) => void,
    ) =>
      http.post(
        `/api/admin/users/:name/${verb}`,
        { schema: { tags: ['admin'], summary, params: NameParams, ...(body && { body }), response: { 200: UserAnswer, ...E } }, preHandler: admin },
        async (req) => {
          const { name } = req.params as Static<typeof NameParams>;
          const before = registry.account(name);
          const u = await refusing(() => change(name, req.body as Static<B> | undefined, { actor: actor(req) }));
          after?.(name, req, u, before);
          return { user: u };
        },
      );

    userAction(
      'role',
      "Change a user's role (their sessions and MQTT connections end); the last admin keeps theirs",
      RoleBody,
      (name, b, o) => registry.setRole(name, b!.role, o),
      (name, _req, u, before) => {
        if (u.role !== before?.role) cutOff(name);
      },
    );
    userAction(
      'password',
      "Set a new password (the user's other sessions end); only the fact is journaled",
      PasswordBody,
      (name, b, o) => registry.setPassword(name, b!.password, o),
      (name, req) => auth.endSessions(name, req),
    );
    userAction(
      'disable',
      'Disable a user: no more logins, their sessions and MQTT connections end. Not yourself, not the last admin',
      DisableBody,
      (name, b, o) => registry.setDisabled(name, true, { ...o, reason: b?.reason }),
      (name) => cutOff(name),
    );
    userAction('enable', 'Enable a disabled user again', undefined, (name, _b, o) => registry.setDisabled(name, false, o));

    // ------------------------------------------------------------------------------- config

    http.get(
      '/api/admin/config',
      {
        schema: { tags: ['admin'], summary: 'The effective configuration, secrets replaced by "••••"' },
        preHandler: admin,
      },
      async () => ({ config: redactSecrets(cfg) }),
    );
  },
};

/**
 * Login, sessions and roles (DESIGN §7). Passwords are checked with scrypt (registry), sessions
 * expire (absolute and idle), repeated failed logins lock out the user and the address for a while,
 * and every login, failed login and permission denial is journaled. A session ends as soon as its
 * user is disabled or gets another role (checked on every request: one indexed read), and the
 * admin API ends a user's sessions when their password is reset.
 */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Http } from './server.js';
import type { Journal } from '../store/journal.js';
import type { Registry } from '../registry/registry.js';
import type { Role } from '../registry/schema.js';
import type { Config } from '../core/config.js';
import { ROLES } from '../registry/schema.js';
import { StringEnum } from '../core/validate.js';

export const SESSION_COOKIE = 'sealift_session';

export interface SessionUser {
  name: string;
  role: Role;
  displayName?: string | undefined;
}

interface Session {
  user: SessionUser;
  created: number;
  lastUsed: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: SessionUser;
  }
}

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

export const MeResponse = Type.Object({
  name: Type.String(),
  role: StringEnum(ROLES),
  displayName: Type.Optional(Type.String()),
  expiresAt: Type.Number(),
});

class Lockout {
  private failures = new Map<string, number[]>();
  private lockedUntil = new Map<string, number>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly lockMs: number,
  ) {}
  locked(key: string, now: number): number | undefined {
    const until = this.lockedUntil.get(key);
    if (until === undefined) return undefined;
    if (until > now) return until;
    this.lockedUntil.delete(key);
    return undefined;
  }
  fail(key: string, now: number, max = this.max): boolean {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    list.push(now);
    this.failures.set(key, list);
    if (list.length >= max) {
      this.lockedUntil.set(key, now + this.lockMs);
      this.failures.delete(key);
      return true;
    }
    return false;
  }
  succeed(key: string): void {
    this.failures.delete(key);
  }
}

export interface Auth {
  /** preHandler: 401 without a valid session, 403 (journaled as user.denied) without one of the roles. */
  require(...roles: Role[]): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Journal a denial decided inside a handler (e.g. an approver approving their own request). */
  deny(req: FastifyRequest, action: string, reason: string): Promise<void>;
  sessions(): number;
  /** End every session of a user (but `keep`'s own, when given). Returns how many ended. */
  endSessions(name: string, keep?: FastifyRequest): number;
}

export function registerAuth(app: Http, deps: { journal: Journal; registry: Registry; cfg: Config; now?: () => number }): Auth {
  const { journal, registry } = deps;
  const c = deps.cfg.api;
  const now = deps.now ?? Date.now;
  const ttl = c.sessionTtlMin * 60_000;
  const idle = c.idleTimeoutMin * 60_000;
  const sessions = new Map<string, Session>();
  const lockout = new Lockout(c.lockoutFailures, c.lockoutWindowMin * 60_000, c.lockoutMin * 60_000);

  void app.register(cookie);

  const tokenOf = (req: FastifyRequest): string | undefined => {
    const h = req.headers.authorization;
    if (h?.startsWith('Bearer ')) return h.slice(7).trim();
    return req.cookies?.[SESSION_COOKIE];
  };

  const sessionOf = (req: FastifyRequest): Session | undefined => {
    const token = tokenOf(req);
    if (!token) return undefined;
    const s = sessions.get(token);
    if (!s) return undefined;
    const t = now();
    if (t - s.created > ttl || t - s.lastUsed > idle) {
      sessions.delete(token);
      return undefined;
    }
    const u = registry.account(s.user.name);
    if (!u || u.disabled || u.role !== s.user.role) {
      sessions.delete(token);
      return undefined;
    }
    s.lastUsed = t;
    return s;
  };

  app.addHook('onRequest', async (req) => {
    const s = sessionOf(req);
    if (s) req.user = s.user;
  });

  const deny = async (req: FastifyRequest, action: string, reason: string): Promise<void> => {
    await journal.append({
      kind: 'user.denied',
      subject: req.user?.name ?? 'anonymous',
      actor: req.user?.name,
      data: { action, reason, role: req.user?.role ?? null, ip: req.ip },
    });
  };

  app.post(
    '/api/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in (sets an HttpOnly session cookie and returns a bearer token)',
        body: LoginBody,
      },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      const t = now();
      const ipKey = `ip:${req.ip}`;
      const userKey = `user:${username}`;
      const until = lockout.locked(userKey, t) ?? lockout.locked(ipKey, t);
      if (until) {
        await journal.append({ kind: 'user.denied', subject: username, data: { action: 'login', reason: 'locked_out', ip: req.ip } });
        return reply.status(429).send({
          error: 'locked_out',
          message: `too many failed logins; try again after ${new Date(until).toISOString()}`,
          retryAt: until,
        });
      }
      const login = await registry.checkLogin(username, password);
      if (!login.ok && login.reason === 'disabled') {
        // the password was right: no lockout count, but no session either
        await journal.append({ kind: 'user.denied', subject: username, data: { action: 'login', reason: 'disabled', ip: req.ip } });
        return reply.status(403).send({ error: 'account_disabled', message: 'this account is disabled; ask the site admin' });
      }
      if (!login.ok) {
        const locked = lockout.fail(userKey, t) || lockout.fail(ipKey, t, c.lockoutFailures * 2);
        await journal.append({
          kind: 'user.denied',
          subject: username,
          data: { action: 'login', reason: locked ? 'bad_credentials_locked' : 'bad_credentials', ip: req.ip },
        });
        return reply.status(401).send({ error: 'bad_credentials', message: 'wrong user name or password' });
      }
      lockout.succeed(userKey);
      const user = login.user;
      const token = randomBytes(24).toString('base64url');
      const session: Session = { user: { name: user.name, role: user.role, displayName: user.displayName }, created: t, lastUsed: t };
      sessions.set(token, session);
      await journal.append({ kind: 'user.login', subject: user.name, actor: user.name, data: { role: user.role, ip: req.ip } });
      void reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        maxAge: Math.floor(ttl / 1000),
      });
      return { token, user: session.user, expiresAt: t + ttl };
    },
  );

  app.post('/api/logout', { schema: { tags: ['auth'], summary: 'Log out' } }, async (req, reply) => {
    const token = tokenOf(req);
    const s = token ? sessions.get(token) : undefined;
    if (token) sessions.delete(token);
    if (s) await journal.append({ kind: 'user.logout', subject: s.user.name, actor: s.user.name, data: {} });
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  const auth: Auth = {
    require:
      (...roles: Role[]) =>
      async (req, reply) => {
        if (!req.user) {
          return reply.status(401).send({ error: 'not_logged_in', message: 'log in first (POST /api/login)' });
        }
        if (roles.length > 0 && !roles.includes(req.user.role)) {
          await deny(req, `${req.method} ${req.routeOptions.url ?? req.url}`, `role ${req.user.role} may not do this`);
          return reply.status(403).send({
            error: 'forbidden',
            message: `your role (${req.user.role}) may not do this; it needs ${roles.join(' or ')}`,
          });
        }
      },
    deny,
    sessions: () => sessions.size,
    endSessions: (name, keep) => {
      const kept = keep ? tokenOf(keep) : undefined;
      let n = 0;
      for (const [token, s] of sessions) {
        if (s.user.name !== name || token === kept) continue;
        sessions.delete(token);
        n++;
      }
      return n;
    },
  };

  app.get(
    '/api/me',
    { schema: { tags: ['auth'], summary: 'Who am I', response: { 200: MeResponse } }, preHandler: auth.require() },
    async (req) => {
      const s = sessionOf(req)!;
      return { ...s.user, expiresAt: s.created + ttl };
    },
  );

  return auth;
}

/**
 * Provisioned devices and users. Provisioning is journaled (`config.change`); the `devices` and
 * `users` tables are a projection of those records and can be rebuilt from the journal.
 * Secrets live only in `credentials` (never journaled, never synced).
 *
 * `config.change` ops (data.op), subject = the device id or user name:
 *   device.add {device}        user.add {user}
 *   user.role {role, previous} user.password {}  (only that it changed: never the password or its hash)
 *   user.disable {reason}      user.enable {}
 *
 * Changes run one at a time (a promise chain), so two admins adding the same id at once get one
 * device and one `duplicate_id`, never two credentials for one journaled device.
 */
import type { Database } from 'better-sqlite3';
import type { Journal } from '../store/journal.js';
import type { JournalRecord, Projection } from '../store/types.js';
import { createHash } from 'node:crypto';
import { compile } from '../core/validate.js';
import { Rejection } from '../core/errors.js';
import { getProfile } from '../../devices/index.js';
import { DeviceSchema, ROLES, UserSchema, type Device, type Role, type User } from './schema.js';
import { hashSecret, checkSecret, generateSecret, outdated } from './credentials.js';

export type Principal = { kind: 'device'; id: string } | { kind: 'user'; id: string; role: string };

const checkDevice = compile(DeviceSchema);
const checkUser = compile(UserSchema);

export const registryProjection: Projection = {
  name: 'registry',
  migrations: [
    {
      version: 1,
      sql: `
        CREATE TABLE devices (id TEXT PRIMARY KEY, profile TEXT NOT NULL, spec TEXT NOT NULL, added_seq INTEGER NOT NULL);
        CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, spec TEXT NOT NULL, added_seq INTEGER NOT NULL);
        CREATE TABLE credentials (principal TEXT PRIMARY KEY, hash TEXT NOT NULL, updated INTEGER NOT NULL);
      `,
    },
    { version: 2, sql: 'ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;' },
  ],
  apply(db: Database, rec: JournalRecord) {
    if (rec.kind !== 'config.change') return;
    const d = rec.data as { op?: string; device?: Device; user?: User };
    if (d.op === 'device.add' && d.device) {
      db.prepare('INSERT INTO devices (id, profile, spec, added_seq) VALUES (?, ?, ?, ?)').run(
        d.device.id,
        d.device.profile,
        JSON.stringify(d.device),
        rec.seq,
      );
    } else if (d.op === 'user.add' && d.user) {
      db.prepare('INSERT INTO users (name, role, spec, added_seq) VALUES (?, ?, ?, ?)').run(
        d.user.name,
        d.user.role,
        JSON.stringify(d.user),
        rec.seq,
      );
    } else if (d.op === 'user.role' || d.op === 'user.password' || d.op === 'user.disable' || d.op === 'user.enable') {
      // refused (the append fails, nothing is written) when the user does not exist
      const row = db.prepare<[string], { spec: string }>('SELECT spec FROM users WHERE name = ?').get(rec.subject);
      if (!row) throw new Error(`${d.op}: no user ${rec.subject}`);
      if (d.op === 'user.role') {
        const role = (rec.data as { role?: unknown }).role;
        if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw new Error(`user.role: invalid role ${String(role)}`);
        const spec = { ...(JSON.parse(row.spec) as User), role: role as Role };
        db.prepare('UPDATE users SET role = ?, spec = ? WHERE name = ?').run(role, JSON.stringify(spec), rec.subject);
      } else if (d.op === 'user.disable' || d.op === 'user.enable') {
        db.prepare('UPDATE users SET disabled = ? WHERE name = ?').run(d.op === 'user.disable' ? 1 : 0, rec.subject);
      }
    }
  },
  reset(db: Database) {
    db.exec('DELETE FROM devices; DELETE FROM users;');
  },
};

/** A user as the admin sees them: the provisioned user, whether they may log in, when and by whom added. */
export interface Account extends User {
  disabled: boolean;
  addedAt: number | null;
  addedBy: string | null;
}

/** A provisioned device with when and by whom it was provisioned. */
export interface DeviceEntry {
  device: Device;
  addedAt: number | null;
  addedBy: string | null;
}

/** What a login attempt found: the user, or why not (`disabled`: the password was right, the account is off). */
export type LoginCheck = { ok: true; user: User } | { ok: false; reason: 'bad_credentials' | 'disabled' };

const SERIAL_PROFILES: readonly string[] = ['seal-ssp1-serial', 'lift-modbus'];
const LIFT_PROFILES: readonly string[] = ['lift-modbus', 'lift-kit-mqtt'];
const defaultBaud = (profile: string): number | undefined => (getProfile(profile)?.defaults as { baud?: number } | undefined)?.baud;

export class Registry {
  /** Devices and users are never removed, so a found entry can be remembered; misses always ask SQLite
   *  (another process — the CLI — may have provisioned it since). */
  private deviceCache = new Map<string, Device>();
  private readonly st;
  /** Provisioning changes run one at a time. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly journal: Journal,
  ) {
    this.st = {
      device: db.prepare<[string], { spec: string }>('SELECT spec FROM devices WHERE id = ?'),
      user: db.prepare<[string], { spec: string }>('SELECT spec FROM users WHERE name = ?'),
      account: db.prepare<[string], { spec: string; disabled: number }>('SELECT spec, disabled FROM users WHERE name = ?'),
      credential: db.prepare<[string], { hash: string }>('SELECT hash FROM credentials WHERE principal = ?'),
      admins: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0"),
    };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  devices(): Device[] {
    return this.db
      .prepare('SELECT spec FROM devices ORDER BY id')
      .all()
      .map((r) => JSON.parse((r as { spec: string }).spec) as Device);
  }

  /** Every device with the time and actor of its `device.add` record. */
  deviceEntries(): DeviceEntry[] {
    return this.db
      .prepare<[], { spec: string; ts: number | null; actor: string | null }>(
        'SELECT d.spec, j.ts, j.actor FROM devices d LEFT JOIN journal j ON j.seq = d.added_seq ORDER BY d.id',
      )
      .all()
      .map((r) => ({ device: JSON.parse(r.spec) as Device, addedAt: r.ts, addedBy: r.actor }));
  }

  device(id: string): Device | undefined {
    const cached = this.deviceCache.get(id);
    if (cached) return cached;
    const row = this.st.device.get(id);
    if (!row) return undefined;
    const dev = JSON.parse(row.spec) as Device;
    this.deviceCache.set(id, dev);
    return dev;
  }

  users(): User[] {
    return this.db
      .prepare('SELECT spec FROM users ORDER BY name')
      .all()
      .map((r) => JSON.parse((r as { spec: string }).spec) as User);
  }

  user(name: string): User | undefined {
    const row = this.st.user.get(name);
    return row ? (JSON.parse(row.spec) as User) : undefined;
  }

  /** Every user with their state (disabled) and when and by whom they were added. */
  accounts(): Account[] {
    return this.db
      .prepare<[], { spec: string; disabled: number; ts: number | null; actor: string | null }>(
        'SELECT u.spec, u.disabled, j.ts, j.actor FROM users u LEFT JOIN journal j ON j.seq = u.added_seq ORDER BY u.name',
      )
      .all()
      .map((r) => ({ ...(JSON.parse(r.spec) as User), disabled: r.disabled === 1, addedAt: r.ts, addedBy: r.actor }));
  }

  /** The user and whether the account is disabled (one indexed read: sessions check it on every request). */
  account(name: string): (User & { disabled: boolean }) | undefined {
    const row = this.st.account.get(name);
    return row ? { ...(JSON.parse(row.spec) as User), disabled: row.disabled === 1 } : undefined;
  }

  /**
   * Validates (schema, the fields the profile needs and allows), refuses duplicates and bus
   * conflicts, journals, stores the secret. Returns the secret. Nothing is written when refused.
   */
  addDevice(input: unknown, opts: { secret?: string | undefined; actor?: string } = {}): Promise<{ device: Device; secret: string }> {
    const r = checkDevice(input);
    if (!r.ok) return Promise.reject(new Rejection('invalid_device', `invalid device: ${r.errors.join('; ')}`));
    const dev = r.value;
    const secret = opts.secret ?? generateSecret();
    if (secret.length < 12) return Promise.reject(new Rejection('weak_secret', 'device secret must be at least 12 characters'));
    if (secret.length > 256) return Promise.reject(new Rejection('weak_secret', 'device secret must be at most 256 characters'));
    return this.exclusive(async () => {
      this.checkNewDevice(dev);
      const hash = await this.hashFor(`device:${dev.id}`, secret);
      this.checkNewDevice(dev); // the CLI in another process may have provisioned meanwhile
      await this.journal.append({
        kind: 'config.change',
        subject: dev.id,
        actor: opts.actor ?? 'cli',
        data: { op: 'device.add', device: dev },
      });
      this.storeCredential(`device:${dev.id}`, hash);
      return { device: dev, secret };
    });
  }

  private checkNewDevice(dev: Device): void {
    if (this.device(dev.id) || this.user(dev.id)) throw new Rejection('duplicate_id', `id already in use: ${dev.id}`);
    const serial = SERIAL_PROFILES.includes(dev.profile);
    if (serial && !dev.port) throw new Rejection('invalid_device', `profile ${dev.profile} needs a serial port (--port)`);
    if (!serial) {
      for (const k of ['port', 'baud'] as const) {
        if (dev[k] !== undefined) throw new Rejection('invalid_device', `profile ${dev.profile} connects over MQTT: ${k} does not apply`);
      }
    }
    if (dev.profile === 'lift-modbus' && dev.slave === undefined) {
      throw new Rejection('invalid_device', 'profile lift-modbus needs a Modbus slave address (--slave 1-247)');
    }
    if (dev.profile !== 'lift-modbus' && dev.slave !== undefined) {
      throw new Rejection('invalid_device', `profile ${dev.profile} has no Modbus slave address`);
    }
    if (!LIFT_PROFILES.includes(dev.profile)) {
      for (const k of ['floors', 'ratedSpeed'] as const) {
        if (dev[k] !== undefined) throw new Rejection('invalid_device', `profile ${dev.profile} is not a lift: ${k} does not apply`);
      }
    }
    if (dev.floors && dev.floors.lo > dev.floors.hi) {
      throw new Rejection('invalid_device', `floors: the lowest floor (${dev.floors.lo}) is above the highest (${dev.floors.hi})`);
    }
    if (dev.port) {
      for (const other of this.devices()) {
        if (other.port !== dev.port) continue;
        if (dev.profile !== 'lift-modbus' || other.profile !== 'lift-modbus') {
          throw new Rejection('port_in_use', `port ${dev.port} is already used by ${other.id}`);
        }
        if (other.slave === dev.slave) {
          throw new Rejection('slave_in_use', `slave ${dev.slave} on ${dev.port} is already ${other.id}`);
        }
        const baud = dev.baud ?? defaultBaud(dev.profile);
        const theirs = other.baud ?? defaultBaud(other.profile);
        if (baud !== theirs) {
          throw new Rejection('baud_mismatch', `lifts on one bus share its baud rate: ${other.id} on ${dev.port} uses ${theirs} baud, not ${baud}`);
        }
      }
    }
  }

  addUser(input: unknown, password: string, opts: { actor?: string } = {}): Promise<User> {
    const r = checkUser(input);
    if (!r.ok) return Promise.reject(new Rejection('invalid_user', `invalid user: ${r.errors.join('; ')}`));
    const user = r.value;
    const weak = passwordProblem(password);
    if (weak) return Promise.reject(weak);
    return this.exclusive(async () => {
      const taken = () => {
        if (this.user(user.name) || this.device(user.name)) throw new Rejection('duplicate_id', `name already in use: ${user.name}`);
      };
      taken();
      const hash = await this.hashFor(`user:${user.name}`, password);
      taken();
      await this.journal.append({
        kind: 'config.change',
        subject: user.name,
        actor: opts.actor ?? 'cli',
        data: { op: 'user.add', user },
      });
      this.storeCredential(`user:${user.name}`, hash);
      return user;
    });
  }

  /** Change a user's role. The last enabled admin keeps theirs. No record when the role is already that. */
  setRole(name: string, role: Role, opts: { actor?: string } = {}): Promise<Account> {
    if (!(ROLES as readonly string[]).includes(role)) return Promise.reject(new Rejection('invalid_user', `role must be one of ${ROLES.join(', ')}`));
    return this.exclusive(async () => {
      const u = this.existing(name);
      if (u.role === role) return this.accountOf(name);
      if (u.role === 'admin' && !u.disabled && this.st.admins.get()!.n <= 1) {
        throw new Rejection('last_admin', `${name} is the only admin left: make another user admin first`);
      }
      await this.journal.append({ kind: 'config.change', subject: name, actor: opts.actor ?? 'cli', data: { op: 'user.role', role, previous: u.role } });
      return this.accountOf(name);
    });
  }

  /** Set a new password. The journal records only that it changed. */
  setPassword(name: string, password: string, opts: { actor?: string } = {}): Promise<Account> {
    const weak = passwordProblem(password);
    if (weak) return Promise.reject(weak);
    return this.exclusive(async () => {
      this.existing(name);
      const hash = await this.hashFor(`user:${name}`, password);
      await this.journal.append({ kind: 'config.change', subject: name, actor: opts.actor ?? 'cli', data: { op: 'user.password' } });
      this.storeCredential(`user:${name}`, hash);
      return this.accountOf(name);
    });
  }

  /**
   * Disable (the user can no longer log in) or enable again. Nobody disables themselves, and the
   * last enabled admin stays enabled. No record when nothing changes.
   */
  setDisabled(name: string, disabled: boolean, opts: { actor?: string; reason?: string | undefined } = {}): Promise<Account> {
    return this.exclusive(async () => {
      const u = this.existing(name);
      if (u.disabled === disabled) return this.accountOf(name);
      if (disabled && opts.actor === name) throw new Rejection('self_disable', 'you cannot disable your own account');
      if (disabled && u.role === 'admin' && this.st.admins.get()!.n <= 1) {
        throw new Rejection('last_admin', `${name} is the only admin left and cannot be disabled`);
      }
      await this.journal.append({
        kind: 'config.change',
        subject: name,
        actor: opts.actor ?? 'cli',
        data: disabled ? { op: 'user.disable', reason: opts.reason ?? null } : { op: 'user.enable' },
      });
      return this.accountOf(name);
    });
  }

  private existing(name: string): User & { disabled: boolean } {
    const u = this.account(name);
    if (!u) throw new Rejection('not_found', `no user ${name}`);
    return u;
  }

  private accountOf(name: string): Account {
    return this.accounts().find((a) => a.name === name)!;
  }

  private hashFor(principal: string, secret: string): Promise<string> {
    return hashSecret(secret, principal.startsWith('device:') ? 'device' : 'password');
  }

  private storeCredential(principal: string, hash: string): void {
    this.db
      .prepare(
        'INSERT INTO credentials (principal, hash, updated) VALUES (?, ?, ?) ON CONFLICT(principal) DO UPDATE SET hash = excluded.hash, updated = excluded.updated',
      )
      .run(principal, hash, Date.now());
  }

  private async setCredential(principal: string, secret: string): Promise<void> {
    this.storeCredential(principal, await this.hashFor(principal, secret));
  }

  private cache = new Map<string, string>();

  /** A login to the pages: the user when the password is right and the account enabled. */
  async checkLogin(username: string, password: string): Promise<LoginCheck> {
    const p = await this.verify(username, password);
    if (!p || p.kind !== 'user') return { ok: false, reason: 'bad_credentials' };
    const u = this.account(username);
    if (!u) return { ok: false, reason: 'bad_credentials' };
    if (u.disabled) return { ok: false, reason: 'disabled' };
    const { disabled: _d, ...user } = u;
    return { ok: true, user };
  }

  /**
   * Checks a device secret or a user password (the broker's login): null when wrong, or for a
   * disabled user.
   */
  async authenticate(username: string, password: Buffer | string): Promise<Principal | null> {
    const p = await this.verify(username, password);
    if (p?.kind === 'user' && this.account(username)?.disabled !== false) return null;
    return p;
  }

  /** A successful check is remembered (as a digest) so reconnects stay cheap. */
  private async verify(username: string, password: Buffer | string): Promise<Principal | null> {
    const pw = typeof password === 'string' ? password : password.toString('utf8');
    const dev = this.device(username);
    const user = dev ? undefined : this.user(username);
    if (!dev && !user) return null;
    const principal = dev ? `device:${username}` : `user:${username}`;
    const row = this.st.credential.get(principal);
    if (!row) return null;
    const cacheKey = createHash('sha256').update(row.hash).update('\u0000').update(pw).digest('base64');
    const ok = this.cache.get(principal) === cacheKey || (await checkSecret(pw, row.hash));
    if (!ok) return null;
    // A device secret hashed at an older cost is rehashed at today's once it has been seen right.
    if (dev && outdated(row.hash, 'device')) await this.setCredential(principal, pw);
    this.cache.set(principal, cacheKey);
    return dev ? { kind: 'device', id: username } : { kind: 'user', id: username, role: user!.role };
  }
}

function passwordProblem(password: string): Rejection | undefined {
  if (password.length < 8) return new Rejection('weak_password', 'password must be at least 8 characters');
  if (password.length > 256) return new Rejection('weak_password', 'password must be at most 256 characters');
  return undefined;
}

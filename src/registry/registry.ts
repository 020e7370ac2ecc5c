/**
 * Provisioned devices and users. Provisioning is journaled (`config.change`); the `devices` and
 * `users` tables are a projection of those records and can be rebuilt from the journal.
 * Secrets live only in `credentials` (never journaled, never synced).
 */
import type { Database } from 'better-sqlite3';
import type { Journal } from '../store/journal.js';
import type { JournalRecord, Projection } from '../store/types.js';
import { createHash } from 'node:crypto';
import { compile } from '../core/validate.js';
import { Rejection } from '../core/errors.js';
import { DeviceSchema, UserSchema, type Device, type User } from './schema.js';
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
    }
  },
  reset(db: Database) {
    db.exec('DELETE FROM devices; DELETE FROM users;');
  },
};

export class Registry {
  /** Devices and users are never removed, so a found entry can be remembered; misses always ask SQLite
   *  (another process — the CLI — may have provisioned it since). */
  private deviceCache = new Map<string, Device>();
  private readonly st;

  constructor(
    private readonly db: Database,
    private readonly journal: Journal,
  ) {
    this.st = {
      device: db.prepare<[string], { spec: string }>('SELECT spec FROM devices WHERE id = ?'),
      user: db.prepare<[string], { spec: string }>('SELECT spec FROM users WHERE name = ?'),
      credential: db.prepare<[string], { hash: string }>('SELECT hash FROM credentials WHERE principal = ?'),
    };
  }

  devices(): Device[] {
    return this.db
      .prepare('SELECT spec FROM devices ORDER BY id')
      .all()
      .map((r) => JSON.parse((r as { spec: string }).spec) as Device);
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

  /** Validates, refuses duplicates and bus conflicts, journals, stores the secret. Returns the secret. */
  async addDevice(input: unknown, opts: { secret?: string | undefined; actor?: string } = {}): Promise<{ device: Device; secret: string }> {
    const r = checkDevice(input);
    if (!r.ok) throw new Rejection('invalid_device', `invalid device: ${r.errors.join('; ')}`);
    const dev = r.value;
    if (this.device(dev.id) || this.user(dev.id)) throw new Rejection('duplicate_id', `id already in use: ${dev.id}`);
    const isSerial = dev.profile === 'seal-ssp1-serial' || dev.profile === 'lift-modbus';
    if (isSerial && !dev.port) throw new Rejection('invalid_device', `profile ${dev.profile} needs --port`);
    if (dev.profile === 'lift-modbus' && dev.slave === undefined) {
      throw new Rejection('invalid_device', 'profile lift-modbus needs --slave (1-247)');
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
      }
    }
    const secret = opts.secret ?? generateSecret();
    if (secret.length < 12) throw new Rejection('weak_secret', 'device secret must be at least 12 characters');
    await this.setCredential(`device:${dev.id}`, secret);
    await this.journal.append({
      kind: 'config.change',
      subject: dev.id,
      actor: opts.actor ?? 'cli',
      data: { op: 'device.add', device: dev },
    });
    return { device: dev, secret };
  }

  async addUser(input: unknown, password: string, opts: { actor?: string } = {}): Promise<User> {
    const r = checkUser(input);
    if (!r.ok) throw new Rejection('invalid_user', `invalid user: ${r.errors.join('; ')}`);
    const user = r.value;
    if (this.user(user.name) || this.device(user.name)) throw new Rejection('duplicate_id', `name already in use: ${user.name}`);
    if (password.length < 8) throw new Rejection('weak_password', 'password must be at least 8 characters');
    await this.setCredential(`user:${user.name}`, password);
    await this.journal.append({
      kind: 'config.change',
      subject: user.name,
      actor: opts.actor ?? 'cli',
      data: { op: 'user.add', user },
    });
    return user;
  }

  private async setCredential(principal: string, secret: string): Promise<void> {
    const hash = await hashSecret(secret, principal.startsWith('device:') ? 'device' : 'password');
    this.db
      .prepare(
        'INSERT INTO credentials (principal, hash, updated) VALUES (?, ?, ?) ON CONFLICT(principal) DO UPDATE SET hash = excluded.hash, updated = excluded.updated',
      )
      .run(principal, hash, Date.now());
  }

  private cache = new Map<string, string>();

  /** Checks a device secret or a user password. A successful check is remembered (as a digest) so reconnects stay cheap. */
  async authenticate(username: string, password: Buffer | string): Promise<Principal | null> {
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

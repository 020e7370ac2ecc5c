/**
 * Remote commands from the hub (DESIGN §5.7): `sealift/v1/{gw}/cmd/{name}` with `{id, …}` is
 * answered on `sealift/v1/{gw}/cmd-result` with `{id, status, data | error}`.
 *
 * Features add commands in their `setup` with `registerCommand(ctx, name, handler)`; the sync
 * feature runs them. Every command that reaches a handler (or names an unknown command) is
 * journaled as `sync.command` with its outcome, and its result is remembered by id (the
 * `sync_commands` table, a projection of those records), so a redelivered command is answered
 * again without running twice. A handler must also tolerate running again after a crash that
 * happened between its own effects and the `sync.command` record (e.g. approving an already
 * approved request answers with the request's state instead of failing).
 *
 * Authorization: commands are only read from the upstream connection, so the broker's ACL (only
 * the hub may publish `cmd/…`, docs/upstream.md §9) is the first gate; when `upstream.hubKey` is
 * set every command must also carry `sig`, the hub's signature over its canonical form
 * (protocol.ts `signCommand`), or it is refused unjournaled.
 */
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { Rejection, StorageError } from '../core/errors.js';
import type { Journal } from '../store/journal.js';
import type { JournalRecord, Projection } from '../store/types.js';
import { COMMAND_NAME, verifyCommand, type CommandResult, type CosignerVerifier } from './protocol.js';

/** What a handler gets: the command's fields other than id/sig are `args`. */
export interface CommandRequest {
  /** Unique id chosen by the hub (idempotency key). */
  id: string;
  name: string;
  gw: string;
  /** The command's other fields (`by`, `ts` and the command's own arguments). */
  args: Record<string, unknown>;
  /** `args.by`: the person at the hub who issued the command (e.g. the township approver's user name). */
  by: string | undefined;
  log: Logger;
}

/**
 * A command handler. Returns the result's `data` (any JSON value). Throw a `Rejection(code, msg)`
 * for a refusal the hub should see as `{status: 'error', error: {code, message}}`; any other
 * exception is answered as `error.code = 'failed'`. Handlers journal their own domain records
 * (e.g. `seal.decision` with actor = `by`); the sync feature journals the command itself.
 */
export type CommandHandler = (req: CommandRequest) => Promise<unknown> | unknown;

/**
 * Arguments of the commands the seal feature registers (documented here so the hub side and the
 * seal side agree):
 *  - `approve` {id, by, request, decision: 'approve' | 'reject', comment?}: the township approver
 *    `by` decides a pending stamp request (escalated requests); `by` must be an approver on this
 *    gateway and not the requester.
 *  - `lock` {id, by, seal, reason?}: remote lock of a sleeve (sends LOCK, journals `seal.lock`).
 */
export interface ApproveCommandArgs {
  by: string;
  request: string;
  decision: 'approve' | 'reject';
  comment?: string;
}
export interface LockCommandArgs {
  by: string;
  seal: string;
  reason?: string;
}

export class CommandRegistry {
  private handlers = new Map<string, CommandHandler>();

  register(name: string, handler: CommandHandler): void {
    if (!COMMAND_NAME.test(name)) throw new Error(`command name ${JSON.stringify(name)} must match ${COMMAND_NAME}`);
    if (this.handlers.has(name)) throw new Error(`command ${name} is already registered`);
    this.handlers.set(name, handler);
  }

  get(name: string): CommandHandler | undefined {
    return this.handlers.get(name);
  }

  names(): string[] {
    return [...this.handlers.keys()].sort();
  }
}

const registries = new WeakMap<Journal, CommandRegistry>();

/** The command registry of one gateway (keyed by its journal). */
export function commandsOf(ctx: { journal: Journal }): CommandRegistry {
  let r = registries.get(ctx.journal);
  if (!r) registries.set(ctx.journal, (r = new CommandRegistry()));
  return r;
}

/** Add a remote command to this gateway (call from a feature's setup). */
export function registerCommand(ctx: { journal: Journal }, name: string, handler: CommandHandler): void {
  commandsOf(ctx).register(name, handler);
}

/** Remembered results, derived from `sync.command` records. */
export const commandsProjection: Projection = {
  name: 'sync',
  migrations: [
    {
      version: 1,
      sql: `CREATE TABLE sync_commands (
  id     TEXT PRIMARY KEY,
  name   TEXT NOT NULL,
  status TEXT NOT NULL,
  result TEXT NOT NULL,
  seq    INTEGER NOT NULL,
  ts     INTEGER NOT NULL
);`,
    },
  ],
  apply(db: Database, rec: JournalRecord): void {
    if (rec.kind !== 'sync.command') return;
    const d = rec.data as { id?: unknown; name?: unknown; status?: unknown; data?: unknown; error?: unknown };
    if (typeof d.id !== 'string') return;
    const result: CommandResult = { id: d.id, status: d.status === 'ok' ? 'ok' : 'error' };
    if (d.status === 'ok') result.data = d.data ?? null;
    else result.error = (d.error as CommandResult['error']) ?? { code: 'failed', message: 'failed' };
    db.prepare('INSERT OR IGNORE INTO sync_commands (id, name, status, result, seq, ts) VALUES (?, ?, ?, ?, ?, ?)').run(
      d.id,
      String(d.name ?? ''),
      result.status,
      JSON.stringify(result),
      rec.seq,
      rec.ts,
    );
  },
  reset(db: Database): void {
    db.exec('DELETE FROM sync_commands');
  },
};

export const MAX_COMMAND_BYTES = 16 * 1024;
const HANDLER_TIMEOUT_MS = 30_000;

export interface CommandOutcome {
  result: CommandResult;
  /** false when refused before a handler ran (not journaled, not remembered) */
  journaled: boolean;
  /** the result was remembered from an earlier delivery */
  repeated: boolean;
}

/** Runs commands for one gateway: parse, authorize, dedupe on id, run, journal, remember. */
export class CommandRunner {
  private inProgress = new Map<string, Promise<CommandOutcome>>();

  constructor(
    private readonly deps: {
      gw: string;
      journal: Journal;
      registry: CommandRegistry;
      log: Logger;
      hubKey?: CosignerVerifier | undefined;
    },
  ) {}

  private remembered(id: string): CommandResult | undefined {
    const row = this.deps.journal.db.prepare<[string], { result: string }>('SELECT result FROM sync_commands WHERE id = ?').get(id);
    return row ? (JSON.parse(row.result) as CommandResult) : undefined;
  }

  async handle(name: string, payload: Buffer): Promise<CommandOutcome> {
    const refuse = (id: string | null, code: string, message: string): CommandOutcome => ({
      result: { id, status: 'error', error: { code, message } },
      journaled: false,
      repeated: false,
    });
    if (payload.length > MAX_COMMAND_BYTES) return refuse(null, 'invalid', `command is larger than ${MAX_COMMAND_BYTES} bytes`);
    let cmd: Record<string, unknown>;
    try {
      const o: unknown = JSON.parse(payload.toString('utf8'));
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not an object');
      cmd = o as Record<string, unknown>;
    } catch {
      return refuse(null, 'invalid', 'command is not a JSON object');
    }
    const id = cmd.id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) return refuse(null, 'invalid', 'command has no id (a string of 1-128 characters)');
    if (!COMMAND_NAME.test(name)) return refuse(id, 'invalid', `bad command name ${JSON.stringify(name)}`);
    if (this.deps.hubKey) {
      const why = verifyCommand(this.deps.hubKey, this.deps.gw, name, cmd);
      if (why) return refuse(id, 'unauthorized', why);
    }
    const before = this.remembered(id);
    if (before) return { result: before, journaled: true, repeated: true };
    const running = this.inProgress.get(id);
    if (running) return running.then((o) => ({ ...o, repeated: true }));
    const p = this.run(id, name, cmd).finally(() => this.inProgress.delete(id));
    this.inProgress.set(id, p);
    return p;
  }

  private async run(id: string, name: string, cmd: Record<string, unknown>): Promise<CommandOutcome> {
    const { journal, log } = this.deps;
    const args: Record<string, unknown> = { ...cmd };
    delete args.id;
    delete args.sig;
    const by = typeof args.by === 'string' ? args.by : undefined;
    const handler = this.deps.registry.get(name);
    let result: CommandResult;
    if (!handler) {
      result = { id, status: 'error', error: { code: 'unknown_command', message: `no command ${name} on this gateway (known: ${this.deps.registry.names().join(', ')})` } };
    } else {
      try {
        const data = await withTimeout(Promise.resolve(handler({ id, name, gw: this.deps.gw, args, by, log })), HANDLER_TIMEOUT_MS);
        result = { id, status: 'ok', data: data ?? null };
      } catch (e) {
        if (e instanceof StorageError) {
          // Could not be recorded now: not remembered, the hub may retry with the same id.
          log.error({ id, name, err: e.message }, 'remote command could not be stored');
          return { result: { id, status: 'error', error: { code: 'unavailable', message: e.message } }, journaled: false, repeated: false };
        }
        const code = e instanceof Rejection ? e.code : 'failed';
        if (!(e instanceof Rejection)) log.error({ id, name, err: (e as Error).message }, 'remote command failed');
        result = { id, status: 'error', error: { code, message: (e as Error).message } };
      }
    }
    const data: Record<string, unknown> = { id, name, args, status: result.status };
    if (typeof cmd.sig === 'string') data.sig = cmd.sig;
    if (result.status === 'ok') data.data = result.data;
    else data.error = result.error;
    try {
      await journal.append({ kind: 'sync.command', subject: id, actor: by ?? 'hub', data });
    } catch (e) {
      // Too big to journal (huge result) or storage trouble: answer, but do not remember.
      log.error({ id, name, err: (e as Error).message }, 'remote command could not be journaled');
      return { result: { id, status: 'error', error: { code: 'unavailable', message: `not journaled: ${(e as Error).message}` } }, journaled: false, repeated: false };
    }
    log.info({ id, name, by, status: result.status, error: result.error?.code }, 'remote command');
    return { result, journaled: true, repeated: false };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Rejection('timeout', `command handler did not finish within ${ms} ms`)), ms);
      t.unref();
    }),
  ]).finally(() => clearTimeout(t));
}

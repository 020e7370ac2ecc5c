/**
 * Configuration: one schema (TypeBox) shared by validation and types, one YAML/JSON file,
 * and SEALIFT_* environment overrides derived from the schema's leaf paths.
 */
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Type, type Static, type TSchema, Kind } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';
import { compile, formatErrors, StringEnum } from './validate.js';
import { SealConfigSchema } from '../seal/config.js';
import { LiftConfigSchema } from '../lift/config.js';
import { UpstreamConfigSchema } from '../sync/config.js';
import { HubConfigSchema } from '../hub/config.js';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const ConfigSchema = Type.Object(
  {
    data: Type.String({ default: './data', description: 'Data directory: journal, keys, photos.' }),
    gateway: Type.Object(
      {
        id: Type.String({
          default: 'demo',
          pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
          description: 'Gateway id, used in topics (sealift/{gw}/...) and in every journal record.',
        }),
        name: Type.String({ default: '示范站点', description: 'Human name of the site, shown in the pages.' }),
        timezone: Type.String({ default: 'Asia/Shanghai', format: 'time-zone', description: 'Zone used to display times (IANA name); the gateway process runs in it unless TZ is set.' }),
      },
      { default: {}, additionalProperties: false },
    ),
    log: Type.Object(
      {
        level: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'info' }),
      },
      { default: {}, additionalProperties: false },
    ),
    journal: Type.Object(
      {
        groupCommitMs: Type.Integer({
          minimum: 0,
          maximum: 100,
          default: 2,
          description: 'How long appends wait to share one commit (ms).',
        }),
        maxBatch: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'Most records in one commit.' }),
        maxPending: Type.Integer({
          minimum: 1,
          default: 50_000,
          description: 'Appends waiting for a commit before new ones are refused (the device retransmits).',
        }),
        checkpointIntervalMin: Type.Number({
          exclusiveMinimum: 0,
          default: 15,
          description: 'A checkpoint is signed at least this often when the log grew.',
        }),
        maxPageCount: Type.Integer({
          minimum: 0,
          default: 0,
          description: 'SQLite max_page_count (0 = unlimited); caps the journal file size.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    broker: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        host: Type.String({ default: '127.0.0.1', description: 'Listen address of the embedded MQTT broker.' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
        maxPacketBytes: Type.Integer({
          minimum: 64,
          maximum: 268_435_455,
          default: 256 * 1024,
          description: 'Largest MQTT packet accepted; a larger one closes the connection before its body is read.',
        }),
        maxConnections: Type.Integer({
          minimum: 1,
          default: 512,
          description: "Most simultaneous MQTT connections (devices and people); worst-case buffer memory is about this × maxPacketBytes.",
        }),
        maxInflightPerClient: Type.Integer({
          minimum: 1,
          default: 100,
          description: 'QoS 1 publishes of one client waiting for their commit; beyond this the connection is closed.',
        }),
        maxTopicLevels: Type.Integer({ minimum: 1, maximum: 64, default: 16 }),
        connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    http: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        host: Type.String({ default: '127.0.0.1' }),
        port: Port,
      },
      { default: {}, additionalProperties: false },
    ),
    api: Type.Object(
      {
        sessionTtlMin: Type.Number({ exclusiveMinimum: 0, default: 480, description: 'A login lasts this long (minutes).' }),
        idleTimeoutMin: Type.Number({ exclusiveMinimum: 0, default: 60, description: 'A session unused this long expires (minutes).' }),
        lockoutFailures: Type.Integer({ minimum: 1, default: 5, description: 'Failed logins of one user (or from one address, ×2) before a lockout.' }),
        lockoutWindowMin: Type.Number({ exclusiveMinimum: 0, default: 15, description: 'Window in which failed logins are counted (minutes).' }),
        lockoutMin: Type.Number({ exclusiveMinimum: 0, default: 15, description: 'How long a lockout lasts (minutes).' }),
      },
      { default: {}, additionalProperties: false },
    ),
    seal: SealConfigSchema,
    lift: LiftConfigSchema,
    upstream: UpstreamConfigSchema,
    hub: HubConfigSchema,
    health: Type.Object(
      {
        intervalSec: Type.Number({ exclusiveMinimum: 0, default: 30, description: 'Period of the retained health message.' }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
// default for http.port set separately so Port stays reusable
(ConfigSchema.properties.http.properties.port as TSchema).default = 8080;

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly errors: string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

const validateConfig = compile(ConfigSchema, { useDefaults: true, coerce: false });

/** Every leaf path of the schema with its env name, e.g. broker.maxPacketBytes → SEALIFT_BROKER_MAX_PACKET_BYTES. */
export function envOverrides(): { path: string[]; env: string; schema: TSchema }[] {
  const out: { path: string[]; env: string; schema: TSchema }[] = [];
  const walk = (s: TSchema, path: string[]) => {
    if (s[Kind] === 'Object' && s.properties) {
      for (const [k, v] of Object.entries(s.properties as Record<string, TSchema>)) walk(v, [...path, k]);
      return;
    }
    const env = 'SEALIFT_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
    out.push({ path, env, schema: s });
  };
  walk(ConfigSchema, []);
  return out;
}

function coerceEnv(raw: string, schema: TSchema): unknown {
  const kind = schema[Kind];
  if (kind === 'Integer' || kind === 'Number') {
    const n = Number(raw);
    return raw.trim() === '' || Number.isNaN(n) ? raw : n;
  }
  if (kind === 'Boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    return raw;
  }
  if (kind === 'Union' && raw === 'null') return null;
  return raw;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

export interface LoadOptions {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values from the command line (e.g. --data), applied last. */
  overrides?: { path: string[]; value: unknown }[];
}

/** Load, merge and validate. Throws ConfigError listing every problem with its path. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  let raw: Record<string, unknown> = {};
  const errors: string[] = [];
  if (opts.file) {
    if (!existsSync(opts.file)) throw new ConfigError(`config file not found: ${opts.file}`, [`${opts.file}: not found`]);
    const text = readFileSync(opts.file, 'utf8');
    try {
      const parsed: unknown = opts.file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
      if (parsed === null || parsed === undefined) raw = {};
      else if (typeof parsed !== 'object' || Array.isArray(parsed)) errors.push('/: must be an object (a mapping of settings)');
      else raw = parsed as Record<string, unknown>;
    } catch (e) {
      errors.push(`${opts.file}: cannot parse: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  for (const { path, env: name, schema } of envOverrides()) {
    const v = env[name];
    if (v !== undefined) setPath(raw, path, coerceEnv(v, schema));
  }
  for (const o of opts.overrides ?? []) if (o.value !== undefined) setPath(raw, o.path, o.value);
  if (errors.length === 0) {
    const result = validateConfig(raw);
    if (!result.ok) errors.push(...result.errors);
  }
  if (errors.length > 0) {
    throw new ConfigError(`invalid configuration (${errors.length} error${errors.length > 1 ? 's' : ''})`, errors);
  }
  const cfg = raw as Config;
  cfg.data = resolve(cfg.data);
  return cfg;
}

export { formatErrors };

const FORMAT_NAMES: Record<string, string> = { 'time-zone': 'IANA time zone, e.g. Asia/Shanghai', cron: 'cron expression: minute hour day month weekday', 'date-time': 'ISO 8601 date and time' };

/** Rows for docs/configuration.md: every setting, its env name, default and meaning. */
export function describeConfig(): { path: string; env: string; type: string; default: unknown; description: string }[] {
  return envOverrides().map(({ path, env, schema }) => ({
    path: path.join('.'),
    env,
    type:
      String(schema.type ?? schema[Kind]).toLowerCase() +
      (schema.enum ? ` (${(schema.enum as string[]).join(', ')})` : '') +
      (typeof schema.format === 'string' ? ` (${FORMAT_NAMES[schema.format] ?? schema.format})` : ''),
    default: schema.default,
    description: String(schema.description ?? ''),
  }));
}

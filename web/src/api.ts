/**
 * The one way pages talk to the gateway (or the hub): JSON over fetch with the session cookie —
 * and, on a hub protected by a token, `Authorization: Bearer <token>` (setBearerToken). Every
 * failure becomes an ApiError carrying the API's `{error, message}`; a 401 anywhere (other than
 * the login itself) tells the app shell the session is gone, which returns to the login page.
 */
import { isKey, t, type Key } from './i18n.js';

export type Role = 'keeper' | 'approver' | 'inspector' | 'maintainer' | 'admin';
export const ROLES: readonly Role[] = ['keeper', 'approver', 'inspector', 'maintainer', 'admin'];

export interface Me {
  name: string;
  role: Role;
  displayName?: string;
  expiresAt: number;
}

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the gateway could not be reached. */
    readonly status: number,
    /** The API's `error` code (`bad_credentials`, `forbidden`, `invalid_request`, …) or `network`. */
    readonly code: string,
    message: string,
    /** The whole error body, for extra fields such as `retryAt`. */
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let onUnauthorized: (() => void) | undefined;
/** The app shell registers what to do when a request finds the session gone. */
export function setUnauthorizedHandler(fn: (() => void) | undefined): void {
  onUnauthorized = fn;
}

/** The signed-in user's role, for messages such as "your role (纪检监察) may not …". */
let currentRole: Role | undefined;
export function setCurrentRole(role: Role | undefined): void {
  currentRole = role;
}

/** The hub's access token (访问口令), sent with every request while set; undefined on a gateway. */
let bearer: string | undefined;
export function setBearerToken(token: string | undefined): void {
  bearer = token;
}

/** The headers that authenticate a request: for fetches that are not JSON (photos, downloads). */
export function authHeaders(): Record<string, string> {
  return bearer ? { authorization: `Bearer ${bearer}` } : {};
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Don't treat a 401 as an expired session (the login request itself). */
  allow401?: boolean;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      credentials: 'same-origin',
      cache: 'no-store',
      signal: opts.signal ?? null,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', (e as Error).message);
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!res.ok) {
    const b = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    const code = typeof b.error === 'string' ? b.error : res.status >= 500 ? 'server' : `http_${res.status}`;
    const message = typeof b.message === 'string' ? b.message : res.statusText;
    const err = new ApiError(res.status, code, message, b);
    if (res.status === 401 && !opts.allow401) onUnauthorized?.();
    throw err;
  }
  return parsed as T;
}

/**
 * GET a file — a photo, a download — with the same authentication as `request` (an <img> or a
 * link cannot send the hub's token). An ApiError when refused; a 401 ends the session as above.
 */
export async function getBlob(path: string, signal?: AbortSignal): Promise<{ blob: Blob; filename: string | undefined }> {
  let res: Response;
  try {
    res = await fetch(path, { headers: authHeaders(), credentials: 'same-origin', signal: signal ?? null });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', (e as Error).message);
  }
  if (!res.ok) {
    let b: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(await res.text());
      if (parsed && typeof parsed === 'object') b = parsed as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
    const code = typeof b.error === 'string' ? b.error : res.status >= 500 ? 'server' : `http_${res.status}`;
    if (res.status === 401) onUnauthorized?.();
    throw new ApiError(res.status, code, typeof b.message === 'string' ? b.message : res.statusText, b);
  }
  const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  return { blob: await res.blob(), filename };
}

export const get = <T>(path: string, signal?: AbortSignal) => request<T>(path, signal ? { signal } : {});
export const post = <T>(path: string, body: unknown = {}) => request<T>(path, { method: 'POST', body });
export const put = <T>(path: string, body: unknown = {}) => request<T>(path, { method: 'PUT', body });
export const del = <T>(path: string) => request<T>(path, { method: 'DELETE' });

export function isForbidden(e: unknown): boolean {
  return e instanceof ApiError && e.status === 403;
}

/** "文书", "纪检监察", … for the signed-in user (in messages). */
export function currentRoleName(): string {
  return currentRole ? t(`role.${currentRole}`) : '?';
}

/** A sentence for people, in the current language, for any error a request can end with. */
export function errorText(e: unknown): string {
  if (!(e instanceof ApiError)) return t('error.unknown', { message: e instanceof Error ? e.message : String(e) });
  switch (e.code) {
    case 'network':
      return t('error.network');
    case 'locked_out': {
      const retryAt = typeof e.body.retryAt === 'number' ? e.body.retryAt : Date.now() + 60_000;
      return t('error.locked_out', { minutes: Math.max(1, Math.ceil((retryAt - Date.now()) / 60_000)) });
    }
    case 'forbidden':
      return t('error.forbidden', { role: currentRoleName() });
    case 'server':
      return t('error.server', { status: e.status });
  }
  const key = `error.${e.code}`;
  if (isKey(key)) return t(key as Key);
  if (e.status >= 500) return t('error.server', { status: e.status });
  if (e.status === 404) return t('error.not_found');
  return t('error.unknown', { message: e.message });
}

/**
 * Per-field messages from a validation error (`invalid_request`): fastify/ajv report
 * "body/title must NOT have fewer than 1 characters, body must have required property 'count'".
 * Returns `{ title: '至少 1 个字符', count: '此项必填' }` in the current language.
 */
export function fieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(e instanceof ApiError) || e.code !== 'invalid_request') return out;
  for (const part of e.message.split(/,\s*(?=(?:body|querystring|params)\b)/)) {
    const req = /^(?:body|querystring|params)\S* must have required property '([^']+)'/.exec(part);
    if (req) {
      out[req[1]!] ??= t('field.required');
      continue;
    }
    const m = /^(?:body|querystring|params)\/([^\s/]+)\S* (.+)$/.exec(part);
    if (m) out[m[1]!] ??= fieldMessage(m[2]!);
  }
  return out;
}

function fieldMessage(ajv: string): string {
  let m: RegExpExecArray | null;
  if ((m = /must NOT have fewer than (\d+) characters/.exec(ajv))) return t('field.minLength', { n: m[1]! });
  if ((m = /must NOT have more than (\d+) characters/.exec(ajv))) return t('field.maxLength', { n: m[1]! });
  if ((m = /must be >=? (-?[\d.]+)/.exec(ajv))) return t('field.min', { n: m[1]! });
  if ((m = /must be <=? (-?[\d.]+)/.exec(ajv))) return t('field.max', { n: m[1]! });
  if (/must be integer/.test(ajv)) return t('field.integer');
  if (/must be number/.test(ajv)) return t('field.number');
  if (/must match pattern|must match format/.test(ajv)) return t('field.pattern');
  if (/must be equal to one of the allowed values|must be equal to constant/.test(ajv)) return t('field.enum');
  return t('field.invalid');
}

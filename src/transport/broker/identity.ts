/**
 * Identity rules for CONNECT: which usernames and clientIds are acceptable, and which clientIds
 * an authenticated principal may use.
 *
 * - A device's clientId is its username is its device id (DESIGN §5.2).
 * - A user's clientId is its username, or `${username}:${anything}` so one person can run several
 *   dashboards at once. Takeover is refused either way (see index.ts).
 */
import type { Principal } from './types.js';

export const MAX_ID_LENGTH = 64;

/** Non-empty, at most 64 characters, and free of MQTT topic metacharacters and NUL. */
export function isValidId(id: string | undefined | null): id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    // NUL, '#', '+', '/'
    if (c === 0 || c === 35 || c === 43 || c === 47) return false;
  }
  return true;
}

/** May this principal (authenticated as `username`) use this clientId? */
export function clientIdAllowed(principal: Principal, username: string, clientId: string): boolean {
  // the principal's id is what the ACL is built on, so it must be a valid id too
  if (!isValidId(principal.id)) return false;
  if (principal.kind === 'device') return clientId === username && principal.id === username;
  if (clientId === username) return true;
  return clientId.length > username.length + 1 && clientId.startsWith(username + ':');
}

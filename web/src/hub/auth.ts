/**
 * The hub's access token (访问口令, `hub.http.token`) in the browser: kept in sessionStorage —
 * this tab only, gone when it closes — and sent by api.ts as `Authorization: Bearer`.
 */
import { ApiError, request, setBearerToken } from '../api.js';

const TOKEN_KEY = 'sealift.hubToken';

export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Use (or, with undefined, forget) the token for every request from now on. */
export function storeToken(token: string | undefined): void {
  setBearerToken(token);
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage unavailable (private mode): the token lives as long as the page */
  }
}

/** Does the hub let this token (or none) in? Checked with the cheapest protected request; only a 401 says no. */
export async function tryToken(token: string | undefined): Promise<boolean> {
  setBearerToken(token);
  try {
    await request('/api/hub/gateways', { allow401: true });
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      setBearerToken(undefined);
      return false;
    }
    throw e;
  }
}

/** Who is signed in and which site this is, for any component: `const { me, site } = useSession()`. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Me } from './api.js';

export interface Site {
  name: string;
  gatewayId: string;
  timezone: string;
  /** A gateway's pages, or a hub's (inspectors across sites): GET /api/site. */
  mode?: 'gateway' | 'hub';
}

export interface SessionValue {
  me: Me;
  site: Site;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside a signed-in page');
  return v;
}

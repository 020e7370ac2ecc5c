/**
 * The app: asks what serves it (GET /api/site). On a hub it shows the hub's pages (HubApp,
 * hub/app.tsx). On a gateway it finds out who is signed in (GET /api/me), shows the login page or
 * the role's pages, and returns to the login page — with "登录已过期" — whenever the session ends
 * (a 401 from any request, the session's end time, or a check when the page comes back to the
 * foreground).
 */
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { lang, onLangChange, t } from './i18n.js';
import { ApiError, get, post, request, setCurrentRole, setUnauthorizedHandler, type Me } from './api.js';
import { setTimeZone } from './format.js';
import { currentLocation, match, navigate, useLocation } from './router.js';
import { homeOf, ROUTES } from './routes.js';
import { SessionContext, type Site } from './session.js';
import { AppRoot, NotFound, Shell, Splash } from './shell.js';
import { LoginPage } from './pages/login.js';
import { HubApp } from './hub/app.js';
import { Button, ErrorState } from './ui/index.js';

type SessionState =
  | { status: 'loading' }
  | { status: 'unreachable'; error: unknown }
  | { status: 'anon'; notice?: 'expired' | 'loggedOut' }
  | { status: 'user'; me: Me };

export function App() {
  const [site, setSite] = useState<{ site?: Site; error?: unknown }>({});
  const [attempt, setAttempt] = useState(0);
  // Site name, time zone and mode (public): a gateway's pages or a hub's.
  useEffect(() => {
    get<Site>('/api/site').then(
      (s) => {
        setTimeZone(s.timezone);
        setSite({ site: s });
      },
      (e: unknown) => setSite({ error: e }),
    );
  }, [attempt]);
  if (site.site?.mode === 'hub') return <HubApp site={site.site} />;
  if (site.site) return <GatewayApp site={site.site} />;
  return site.error === undefined ? (
    <Splash />
  ) : (
    <Splash
      error={site.error}
      onRetry={() => {
        setSite({});
        setAttempt((n) => n + 1);
      }}
    />
  );
}

function GatewayApp({ site }: { site: Site }) {
  const [, setLangState] = useState(lang());
  const [session, setSession] = useState<SessionState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const loc = useLocation();

  useEffect(() => onLangChange(setLangState), []);

  // Who is signed in.
  useEffect(() => {
    request<Me>('/api/me', { allow401: true }).then(
      (me) => setSession({ status: 'user', me }),
      (e: unknown) =>
        setSession(e instanceof ApiError && e.status === 401 ? { status: 'anon' } : { status: 'unreachable', error: e }),
    );
  }, [attempt]);

  // Any 401 while signed in: the session is over.
  useEffect(() => {
    setUnauthorizedHandler(() => setSession((s) => (s.status === 'user' ? { status: 'anon', notice: 'expired' } : s)));
    return () => setUnauthorizedHandler(undefined);
  }, []);

  const me = session.status === 'user' ? session.me : undefined;
  useEffect(() => {
    setCurrentRole(me?.role);
    if (!me) return undefined;
    // The absolute end of the session; the idle timeout is found by the next request.
    const timer = setTimeout(() => setSession({ status: 'anon', notice: 'expired' }), Math.max(0, me.expiresAt - Date.now()) + 1000);
    const check = () => {
      if (document.visibilityState === 'visible') get('/api/me').catch(() => undefined);
    };
    document.addEventListener('visibilitychange', check);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', check);
    };
  }, [me]);

  // "/" (or nothing) goes to the role's start page.
  useEffect(() => {
    if (me && (loc.path === '/' || loc.path === '')) navigate(homeOf(me.role), { replace: true });
  }, [me, loc.path]);

  const route = ROUTES.map((r) => ({ r, params: match(r.path, loc.path) })).find((x) => x.params !== null);
  const siteName = site.name || t('app.name');
  // Before paint, so the tab's title never lags behind the page it names.
  useLayoutEffect(() => {
    document.title = me && route ? `${t(route.r.label)} · ${siteName}` : siteName;
  });

  const logout = async () => {
    try {
      await post('/api/logout');
    } catch {
      /* the session is dropped locally either way */
    }
    setSession({ status: 'anon', notice: 'loggedOut' });
  };

  let body;
  if (session.status === 'loading') {
    body = <Splash />;
  } else if (session.status === 'unreachable') {
    body = <Splash error={session.error} onRetry={() => setAttempt((n) => n + 1)} />;
  } else if (session.status === 'anon') {
    body = (
      <LoginPage
        site={site}
        notice={session.notice}
        onLogin={(m) => {
          setSession({ status: 'user', me: m });
          // Stay on the page asked for (a bookmark, or where the session expired) if the role may see it.
          const wanted = currentLocation().path;
          const ok = ROUTES.some((r) => r.roles.includes(m.role) && match(r.path, wanted));
          if (!ok) navigate(homeOf(m.role), { replace: true });
        }}
      />
    );
  } else {
    const m = session.me;
    let page;
    if (!route) {
      page = <NotFound path={loc.path} home={() => navigate(homeOf(m.role))} />;
    } else if (!route.r.roles.includes(m.role)) {
      // Another role's page opened by its address: refused, as the API would.
      page = (
        <ErrorState
          error={new ApiError(403, 'forbidden', 'forbidden')}
          action={<Button onClick={() => navigate(homeOf(m.role))}>{t('error.backHome')}</Button>}
        />
      );
    } else {
      page = route.r.render(route.params ?? {});
    }
    body = (
      <SessionContext.Provider value={{ me: m, site: { ...site, name: siteName } }}>
        <Shell me={m} site={{ ...site, name: siteName }} path={loc.path} onLogout={logout}>
          {/* keyed by path: a page's state starts fresh when you navigate to it */}
          <div key={loc.path} class="page-wrap">
            {page}
          </div>
        </Shell>
      </SessionContext.Provider>
    );
  }

  return <AppRoot>{body}</AppRoot>;
}

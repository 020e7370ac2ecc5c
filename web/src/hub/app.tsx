/**
 * The hub's pages (上级平台), for discipline inspectors across sites: shown instead of the
 * gateway's login and roles when GET /api/site says `mode: "hub"`.
 *
 * The hub's API may be protected by one access token (`hub.http.token`): when it answers 401 the
 * page asks for the token (访问口令), keeps it in sessionStorage (this browser tab only) and sends
 * it as `Authorization: Bearer` with every request; 退出 forgets it. Without a token configured
 * the pages open directly.
 */
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { lang, onLangChange, t } from '../i18n.js';
import { setUnauthorizedHandler } from '../api.js';
import { match, navigate, useLocation } from '../router.js';
import type { Site } from '../session.js';
import { AppRoot, Frame, NotFound, Splash } from '../shell.js';
import { Icon } from '../ui/index.js';
import { HubLoginPage, type LoginNotice } from './login.js';
import { HUB_HOME, HUB_ROUTES } from './routes.js';
import { storedToken, storeToken, tryToken } from './auth.js';

type State = { status: 'checking' } | { status: 'unreachable'; error: unknown } | { status: 'login'; notice?: LoginNotice } | { status: 'in'; token: boolean };

export function HubApp({ site }: { site: Site }) {
  const [, setLangState] = useState(lang());
  const [state, setState] = useState<State>({ status: 'checking' });
  const [attempt, setAttempt] = useState(0);
  const loc = useLocation();

  useEffect(() => onLangChange(setLangState), []);

  // Open directly when the hub needs no token (or the tab still holds a good one); else ask for it.
  useEffect(() => {
    const token = storedToken();
    tryToken(token).then(
      (ok) => {
        if (ok) setState({ status: 'in', token: !!token });
        else {
          storeToken(undefined);
          setState({ status: 'login', ...(token ? { notice: 'expired' as const } : {}) });
        }
      },
      (e: unknown) => setState({ status: 'unreachable', error: e }),
    );
  }, [attempt]);

  // A 401 later on (the token was changed on the hub): ask again.
  useEffect(() => {
    setUnauthorizedHandler(() => {
      storeToken(undefined);
      setState((s) => (s.status === 'in' ? { status: 'login', notice: 'expired' } : s));
    });
    return () => setUnauthorizedHandler(undefined);
  }, []);

  const signedIn = state.status === 'in';
  useEffect(() => {
    if (signedIn && (loc.path === '/' || loc.path === '')) navigate(HUB_HOME, { replace: true });
  }, [signedIn, loc.path]);

  const route = HUB_ROUTES.map((r) => ({ r, params: match(r.path, loc.path) })).find((x) => x.params !== null);
  useLayoutEffect(() => {
    document.title = signedIn && route ? `${t(route.r.label)} · ${t('hubApp.title')}` : t('hubApp.title');
  });

  let body;
  if (state.status === 'checking') {
    body = <Splash />;
  } else if (state.status === 'unreachable') {
    body = <Splash error={state.error} onRetry={() => setAttempt((n) => n + 1)} />;
  } else if (state.status === 'login') {
    body = (
      <HubLoginPage
        site={site}
        notice={state.notice}
        onToken={(token) => {
          storeToken(token);
          setState({ status: 'in', token: true });
        }}
      />
    );
  } else {
    const logout = () => {
      storeToken(undefined);
      setState({ status: 'login', notice: 'loggedOut' });
    };
    const page = route ? route.r.render(route.params ?? {}) : <NotFound path={loc.path} home={() => navigate(HUB_HOME)} />;
    body = (
      <Frame
        title={t('hubApp.title')}
        subtitle={t('hubApp.subtitle', { name: site.name })}
        nav={HUB_ROUTES.filter((r) => r.nav)}
        path={loc.path}
        account={
          state.token && (
            <button type="button" class="topbtn hub-logout" onClick={logout} aria-label={t('hubApp.logoutLabel')}>
              <Icon name="logout" size={18} />
              <span>{t('hubApp.logout')}</span>
            </button>
          )
        }
      >
        {/* keyed by path: a page's state starts fresh when you navigate to it */}
        <div key={loc.path} class="page-wrap">
          {page}
        </div>
      </Frame>
    );
  }

  return <AppRoot>{body}</AppRoot>;
}

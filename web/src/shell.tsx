/**
 * The frame around every signed-in page: the header (site, language, who is signed in, log out)
 * and the role's navigation — a side bar on a desktop, a tab bar at the bottom of a phone. The
 * hub's pages use the same frame (Frame) with their own navigation and a 退出 button.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { lang, setLang, t, type Key } from './i18n.js';
import type { Me } from './api.js';
import type { Site } from './session.js';
import { href } from './router.js';
import { navFor } from './routes.js';
import { Button, DialogHost, EmptyState, ErrorState, Icon, Loading, ToastHost, type IconName } from './ui/index.js';

/** 中文 / English: shows the other language; remembered on this device. */
export function LangSwitch() {
  const other = lang() === 'zh' ? 'en' : 'zh';
  return (
    <button
      type="button"
      class="topbtn lang-switch"
      lang={other === 'zh' ? 'zh-CN' : 'en'}
      aria-label={t('lang.switchLabel')}
      title={t('lang.switchLabel')}
      onClick={() => setLang(other)}
    >
      <Icon name="globe" size={18} />
      <span>{t('lang.switchTo')}</span>
    </button>
  );
}

function UserMenu(props: { me: Me; onLogout: () => void }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return undefined;
    const onDoc = (e: Event) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('pointerdown', onDoc);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDoc);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const name = props.me.displayName || props.me.name;
  const role = t(`role.${props.me.role}`);
  return (
    <div class="usermenu" ref={root}>
      <button
        type="button"
        class="topbtn user-chip"
        aria-haspopup="menu"
        aria-expanded={open ? 'true' : 'false'}
        aria-label={`${t('shell.menu')}: ${name} · ${role}`}
        onClick={() => setOpen(!open)}
      >
        <span class="avatar" aria-hidden="true">
          {[...name][0]?.toUpperCase()}
        </span>
        <span class="user-text">
          <span class="user-name">{name}</span>
          <span class="user-role">{role}</span>
        </span>
        <Icon name="chevronDown" size={16} class="user-caret" />
      </button>
      {open && (
        <div class="menu" role="menu">
          <div class="menu-head">
            <strong>{name}</strong>
            <span class="muted">
              {role} · <span class="mono">{props.me.name}</span>
            </span>
          </div>
          <button
            type="button"
            role="menuitem"
            class="menu-item"
            onClick={() => {
              setOpen(false);
              props.onLogout();
            }}
          >
            <Icon name="logout" size={18} />
            {t('shell.logout')}
          </button>
        </div>
      )}
    </div>
  );
}

/** One entry of the navigation. */
export interface NavEntry {
  path: string;
  label: Key;
  icon: IconName;
}

/**
 * The frame shared by the gateway's and the hub's pages: the header (a title, the language
 * switch, the account area) and the navigation, around the page.
 */
export function Frame(props: { title: string; subtitle: string; nav: NavEntry[]; path: string; account?: ComponentChildren; children?: ComponentChildren }) {
  const nav = props.nav;
  return (
    <div class={`shell${nav.length > 1 ? ' has-nav' : ''}`}>
      <header class="topbar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            <Icon name="seal" size={20} />
          </span>
          <span class="brand-text">
            <span class="brand-site">{props.title}</span>
            <span class="brand-app">{props.subtitle}</span>
          </span>
        </div>
        <div class="topbar-right">
          <LangSwitch />
          {props.account}
        </div>
      </header>
      <div class="shell-body">
        {nav.length > 1 && (
          <nav class="nav" aria-label={t('shell.nav')}>
            {nav.map((r) => {
              const active = props.path === r.path || props.path.startsWith(`${r.path}/`);
              return (
                <a key={r.path} href={href(r.path)} class={`nav-item${active ? ' is-active' : ''}`} aria-current={active ? 'page' : undefined}>
                  <Icon name={r.icon} size={22} />
                  <span class="nav-label">{t(r.label)}</span>
                </a>
              );
            })}
          </nav>
        )}
        <main class="main" id="main">
          {props.children}
        </main>
      </div>
    </div>
  );
}

export function Shell(props: { me: Me; site: Site; path: string; onLogout: () => void; children?: ComponentChildren }) {
  return (
    <Frame title={props.site.name} subtitle={t('app.name')} nav={navFor(props.me.role)} path={props.path} account={<UserMenu me={props.me} onLogout={props.onLogout} />}>
      {props.children}
    </Frame>
  );
}

// ------------------------------------------------------------------------------- the apps' states

/** Before the first page: the session being checked, or the server not answering (its error, 重试). */
export function Splash(props: { error?: never } | { error: unknown; onRetry: () => void }) {
  return <div class="splash">{'onRetry' in props ? <ErrorState error={props.error} onRetry={props.onRetry} /> : <Loading label={t('shell.loading')} />}</div>;
}

/** No page at this address (页面不存在, back to the start page); at "/" the start page is on its way. */
export function NotFound(props: { path: string; home: () => void }) {
  return props.path === '/' ? (
    <Loading />
  ) : (
    <EmptyState icon="search" title={t('error.pageNotFound')} hint={t('error.pageNotFoundHint')} action={<Button onClick={props.home}>{t('error.backHome')}</Button>} />
  );
}

/** The app's body with the hosts of the confirmation dialogs and the toasts. */
export function AppRoot(props: { children?: ComponentChildren }) {
  return (
    <>
      {props.children}
      <DialogHost />
      <ToastHost />
    </>
  );
}

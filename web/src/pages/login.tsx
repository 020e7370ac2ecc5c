/** 登录: user name and password; clear messages for a wrong password, a lockout, no network. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { request, type Me } from '../api.js';
import type { Site } from '../session.js';
import { Button, Field, Form, Icon, Notice, PasswordInput, TextInput, useSubmit } from '../ui/index.js';
import { LangSwitch } from '../shell.js';

interface LoginResponse {
  token: string;
  user: Omit<Me, 'expiresAt'>;
  expiresAt: number;
}

export function LoginPage(props: { site: Site | null; notice?: 'expired' | 'loggedOut' | undefined; onLogin: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const userRef = useRef<HTMLInputElement>(null);
  const passRef = useRef<HTMLInputElement>(null);

  const f = useSubmit(
    async () => {
      const r = await request<LoginResponse>('/api/login', {
        method: 'POST',
        body: { username: username.trim(), password },
        allow401: true,
      });
      props.onLogin({ ...r.user, expiresAt: r.expiresAt });
      return r;
    },
    () => {
      const out: Record<string, string> = {};
      if (!username.trim()) out.username = t('login.needUsername');
      if (!password) out.password = t('login.needPassword');
      return out;
    },
  );

  useEffect(() => userRef.current?.focus(), []);
  // After a failed attempt, put the cursor where the fix goes.
  useEffect(() => {
    if (f.fields.username) userRef.current?.focus();
    else if (f.fields.password || f.error) passRef.current?.select();
  }, [f.fields, f.error]);

  return (
    <div class="login-screen">
      <div class="login-top">
        <LangSwitch />
      </div>
      <main class="login-main">
        <div class="login-brand">
          <span class="login-mark">
            <Icon name="seal" size={34} />
          </span>
          <h1 class="login-site">{props.site?.name ?? t('app.name')}</h1>
          <p class="login-tagline">{t('app.tagline')}</p>
        </div>
        <div class="card login-card">
          <h2 class="login-title">{t('login.title')}</h2>
          {props.notice && (
            <Notice tone={props.notice === 'expired' ? 'warn' : 'ok'} role="status">
              {props.notice === 'expired' ? t('login.expired') : t('login.loggedOut')}
            </Notice>
          )}
          <Form onSubmit={f.submit} error={f.error} label={t('login.title')}>
            <Field id="username" label={t('login.username')} error={f.fields.username}>
              <TextInput
                id="username"
                ref={userRef}
                value={username}
                onValue={setUsername}
                invalid={!!f.fields.username}
                autocomplete="username"
                autocapitalize="none"
                autocorrect="off"
                spellcheck={false}
                enterKeyHint="next"
                maxLength={64}
              />
            </Field>
            <Field id="password" label={t('login.password')} error={f.fields.password}>
              <PasswordInput
                id="password"
                ref={passRef}
                value={password}
                onValue={setPassword}
                invalid={!!f.fields.password}
                autocomplete="current-password"
                enterKeyHint="go"
                maxLength={256}
              />
            </Field>
            <Button type="submit" variant="primary" block busy={f.busy}>
              {f.busy ? t('login.busy') : t('login.submit')}
            </Button>
          </Form>
          <p class="login-help">{t('login.help')}</p>
        </div>
        <p class="login-foot">{t('app.name')}{props.site ? ` · ${props.site.gatewayId}` : ''}</p>
      </main>
    </div>
  );
}

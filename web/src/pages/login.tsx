/** 登录: user name and password; clear messages for a wrong password, a lockout, no network. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { request, type Me } from '../api.js';
import type { Site } from '../session.js';
import { Button, Field, Form, Icon, Notice, PasswordInput, TextInput, useSubmit, type IconName, type SubmitState } from '../ui/index.js';
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
    <LoginScreen
      mark="seal"
      heading={props.site?.name ?? t('app.name')}
      tagline={t('app.tagline')}
      title={t('login.title')}
      notice={props.notice && (props.notice === 'expired' ? t('login.expired') : t('login.loggedOut'))}
      expired={props.notice === 'expired'}
      form={f}
      error={f.error}
      submitLabel={f.busy ? t('login.busy') : t('login.submit')}
      help={t('login.help')}
      foot={`${t('app.name')}${props.site ? ` · ${props.site.gatewayId}` : ''}`}
    >
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
    </LoginScreen>
  );
}

/**
 * The login screen around a form (the gateway's user and password, the hub's access token): the
 * language switch, the brand, a notice (session expired / logged out), the fields, the submit
 * button, a help line and the foot.
 */
export function LoginScreen(props: {
  mark: IconName;
  heading: string;
  tagline: string;
  title: string;
  notice?: string | undefined;
  /** The notice says the session expired (a warning), else that the person logged out. */
  expired: boolean;
  form: Pick<SubmitState<unknown>, 'submit' | 'busy'>;
  error: unknown;
  submitLabel: string;
  help: string;
  foot: string;
  children: ComponentChildren;
}) {
  return (
    <div class="login-screen">
      <div class="login-top">
        <LangSwitch />
      </div>
      <main class="login-main">
        <div class="login-brand">
          <span class="login-mark">
            <Icon name={props.mark} size={34} />
          </span>
          <h1 class="login-site">{props.heading}</h1>
          <p class="login-tagline">{props.tagline}</p>
        </div>
        <div class="card login-card">
          <h2 class="login-title">{props.title}</h2>
          {props.notice && (
            <Notice tone={props.expired ? 'warn' : 'ok'} role="status">
              {props.notice}
            </Notice>
          )}
          <Form onSubmit={props.form.submit} error={props.error} label={props.title}>
            {props.children}
            <Button type="submit" variant="primary" block busy={props.form.busy}>
              {props.submitLabel}
            </Button>
          </Form>
          <p class="login-help">{props.help}</p>
        </div>
        <p class="login-foot">{props.foot}</p>
      </main>
    </div>
  );
}

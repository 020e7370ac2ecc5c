/** 输入访问口令: the hub's token, asked when its API answers 401 (hub.http.token is set). */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import type { Site } from '../session.js';
import { LangSwitch } from '../shell.js';
import { Button, Field, Form, Icon, Notice, PasswordInput, useSubmit } from '../ui/index.js';
import { tryToken } from './auth.js';

export type LoginNotice = 'expired' | 'loggedOut';

export function HubLoginPage(props: { site: Site; notice?: LoginNotice | undefined; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  const ref = useRef<HTMLInputElement>(null);
  const f = useSubmit(
    async () => {
      const value = token.trim();
      if (!(await tryToken(value))) throw new WrongToken();
      props.onToken(value);
      return true;
    },
    (): Record<string, string> => (token.trim() ? {} : { token: t('hubLogin.needToken') }),
    (e): Record<string, string> => (e instanceof WrongToken ? { token: t('hubLogin.wrongToken') } : {}),
  );
  useEffect(() => ref.current?.focus(), []);
  useEffect(() => {
    if (f.fields.token) ref.current?.select();
  }, [f.fields]);

  return (
    <div class="login-screen">
      <div class="login-top">
        <LangSwitch />
      </div>
      <main class="login-main">
        <div class="login-brand">
          <span class="login-mark">
            <Icon name="shield" size={34} />
          </span>
          <h1 class="login-site">{t('hubApp.title')}</h1>
          <p class="login-tagline">{t('hubLogin.tagline')}</p>
        </div>
        <div class="card login-card">
          <h2 class="login-title">{t('hubLogin.title')}</h2>
          {props.notice && (
            <Notice tone={props.notice === 'expired' ? 'warn' : 'ok'} role="status">
              {props.notice === 'expired' ? t('hubLogin.expired') : t('hubLogin.loggedOut')}
            </Notice>
          )}
          <Form onSubmit={f.submit} error={f.error instanceof WrongToken ? undefined : f.error} label={t('hubLogin.title')}>
            <Field id="hub-token" label={t('hubLogin.token')} error={f.fields.token} hint={t('hubLogin.tokenHint')}>
              <PasswordInput
                id="hub-token"
                ref={ref}
                value={token}
                onValue={setToken}
                invalid={!!f.fields.token}
                autocomplete="current-password"
                enterKeyHint="go"
                maxLength={512}
              />
            </Field>
            <Button type="submit" variant="primary" block busy={f.busy}>
              {f.busy ? t('hubLogin.busy') : t('hubLogin.submit')}
            </Button>
          </Form>
          <p class="login-help">{t('hubLogin.help')}</p>
        </div>
        <p class="login-foot">
          {t('hubApp.product')} · {props.site.name}
        </p>
      </main>
    </div>
  );
}

class WrongToken extends Error {
  constructor() {
    super('wrong token');
    this.name = 'WrongToken';
  }
}

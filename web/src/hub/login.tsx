/** 输入访问口令: the hub's token, asked when its API answers 401 (hub.http.token is set). */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import type { Site } from '../session.js';
import { Field, PasswordInput, useSubmit } from '../ui/index.js';
import { LoginScreen } from '../pages/login.js';
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
    <LoginScreen
      mark="shield"
      heading={t('hubApp.title')}
      tagline={t('hubLogin.tagline')}
      title={t('hubLogin.title')}
      notice={props.notice && (props.notice === 'expired' ? t('hubLogin.expired') : t('hubLogin.loggedOut'))}
      expired={props.notice === 'expired'}
      form={f}
      error={f.error instanceof WrongToken ? undefined : f.error}
      submitLabel={f.busy ? t('hubLogin.busy') : t('hubLogin.submit')}
      help={t('hubLogin.help')}
      foot={`${t('hubApp.product')} · ${props.site.name}`}
    >
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
    </LoginScreen>
  );
}

class WrongToken extends Error {
  constructor() {
    super('wrong token');
    this.name = 'WrongToken';
  }
}

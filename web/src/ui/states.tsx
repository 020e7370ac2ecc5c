/** What a page shows while it loads, when there is nothing, when something failed, and notices. */
import type { ComponentChildren } from 'preact';
import { t } from '../i18n.js';
import { currentRoleName, errorText, isForbidden } from '../api.js';
import { Button } from './controls.js';
import { Icon, type IconName } from './icons.js';

export function Loading(props: { label?: string; inline?: boolean }) {
  return (
    <div class={props.inline ? 'loading loading-inline' : 'loading'} role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{props.label ?? t('common.loading')}</span>
    </div>
  );
}

export function EmptyState(props: { title: string; hint?: ComponentChildren; icon?: IconName; action?: ComponentChildren }) {
  return (
    <div class="empty">
      <span class="empty-icon">
        <Icon name={props.icon ?? 'inbox'} size={32} />
      </span>
      <p class="empty-title">{props.title}</p>
      {props.hint && <p class="empty-hint">{props.hint}</p>}
      {props.action && <div class="empty-action">{props.action}</div>}
    </div>
  );
}

/** A failed load: "无权访问" for a 403, otherwise the error in words, with a retry button (or your own action). */
export function ErrorState(props: { error: unknown; onRetry?: () => void; action?: ComponentChildren }) {
  const forbidden = isForbidden(props.error);
  return (
    <div class={`error-state${forbidden ? ' is-forbidden' : ''}`} role="alert">
      <span class="empty-icon">
        <Icon name={forbidden ? 'lock' : 'alert'} size={32} />
      </span>
      <p class="empty-title">{forbidden ? t('error.forbiddenTitle') : t('error.title')}</p>
      <p class="empty-hint">{forbidden ? t('error.forbiddenHint', { role: currentRoleName() }) : errorText(props.error)}</p>
      {props.action && <div class="empty-action">{props.action}</div>}
      {props.onRetry && !forbidden && !props.action && (
        <div class="empty-action">
          <Button icon="refresh" onClick={props.onRetry}>
            {t('error.retry')}
          </Button>
        </div>
      )}
    </div>
  );
}

/** A banner inside a page or above a form. */
export function Notice(props: { tone?: 'info' | 'ok' | 'warn' | 'critical'; children?: ComponentChildren; role?: 'alert' | 'status' }) {
  const tone = props.tone ?? 'info';
  const icon: IconName = tone === 'ok' ? 'check' : tone === 'info' ? 'info' : 'alert';
  return (
    <div class={`notice notice-${tone}`} role={props.role ?? (tone === 'critical' || tone === 'warn' ? 'alert' : 'status')}>
      <Icon name={icon} size={20} />
      <div class="notice-body">{props.children}</div>
    </div>
  );
}

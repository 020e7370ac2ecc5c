/** Buttons and status badges. */
import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { t } from '../i18n.js';
import { Icon, type IconName } from './icons.js';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

export type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'icon' | 'type'> & {
  variant?: ButtonVariant;
  /** Shows a spinner and ignores clicks while an action runs. */
  busy?: boolean;
  icon?: IconName;
  block?: boolean;
  small?: boolean;
  type?: 'button' | 'submit' | 'reset';
  disabled?: boolean;
  children?: ComponentChildren;
};

/** A large (44 px) button; `primary` for the main action of a page, `danger` for what cannot be undone. */
export function Button({ variant = 'secondary', busy, icon, block, small, children, class: cls, disabled, type = 'button', ...rest }: ButtonProps) {
  const classes = ['btn', `btn-${variant}`, block ? 'btn-block' : '', small ? 'btn-small' : '', busy ? 'is-busy' : '', typeof cls === 'string' ? cls : '']
    .filter(Boolean)
    .join(' ');
  return (
    <button {...rest} type={type} class={classes} disabled={disabled || busy} aria-busy={busy ? 'true' : undefined}>
      {busy ? <span class="spinner spinner-small" aria-hidden="true" /> : icon ? <Icon name={icon} size={18} /> : null}
      {children && <span>{children}</span>}
    </button>
  );
}

export type Tone = 'ok' | 'warn' | 'critical' | 'offline' | 'info' | 'neutral';

/** A coloured label: green ok, amber warn, red critical, grey offline; blue info; plain neutral. */
export function Badge(props: { tone?: Tone; children?: ComponentChildren; title?: string }) {
  return (
    <span class={`badge badge-${props.tone ?? 'neutral'}`} title={props.title}>
      {props.children}
    </span>
  );
}

/** A status badge with a dot and the standard word for the tone (正常 / 注意 / 告警 / 离线) unless a label is given. */
export function StatusBadge(props: { status: 'ok' | 'warn' | 'critical' | 'offline'; label?: string }) {
  return (
    <span class={`badge badge-${props.status} badge-status`}>
      <span class="dot" aria-hidden="true" />
      {props.label ?? t(`status.${props.status}`)}
    </span>
  );
}

/** Page structure: a page with its title and actions, cards, summary figures, key/value lists. */
import type { ComponentChildren } from 'preact';
import { Icon, type IconName } from './icons.js';

/** One page: a heading (h1), an optional line under it, actions on the right, then the content. */
export function Page(props: { title: string; subtitle?: string; actions?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <section class="page">
      <header class="page-head">
        <div class="page-titles">
          <h1 class="page-title">{props.title}</h1>
          {props.subtitle && <p class="page-subtitle">{props.subtitle}</p>}
        </div>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

/** A white panel; `flush` drops the inner padding (for tables that reach the edges). */
export function Card(props: {
  title?: ComponentChildren;
  icon?: IconName;
  actions?: ComponentChildren;
  flush?: boolean;
  tone?: 'default' | 'info' | 'warn' | 'critical';
  class?: string;
  children?: ComponentChildren;
}) {
  const cls = ['card', props.flush ? 'card-flush' : '', props.tone && props.tone !== 'default' ? `card-${props.tone}` : '', props.class ?? '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={cls}>
      {(props.title || props.actions) && (
        <div class="card-head">
          {props.title && (
            <h2 class="card-title">
              {props.icon && <Icon name={props.icon} size={18} />}
              {props.title}
            </h2>
          )}
          {props.actions && <div class="card-actions">{props.actions}</div>}
        </div>
      )}
      <div class="card-body">{props.children}</div>
    </div>
  );
}

/** A row of summary figures ("智能印章 2 台"). */
export function Stats(props: { children?: ComponentChildren }) {
  return <div class="stats">{props.children}</div>;
}

export function Stat(props: { label: string; value: ComponentChildren; icon?: IconName; tone?: 'ok' | 'warn' | 'critical' | 'offline' }) {
  return (
    <div class={`stat${props.tone ? ` stat-${props.tone}` : ''}`}>
      {props.icon && (
        <span class="stat-icon">
          <Icon name={props.icon} size={22} />
        </span>
      )}
      <span class="stat-text">
        <span class="stat-value">{props.value}</span>
        <span class="stat-label">{props.label}</span>
      </span>
    </div>
  );
}

/** Label / value pairs, two columns on a desktop, stacked on a phone. */
export function KeyValues(props: { items: { label: ComponentChildren; value: ComponentChildren; mono?: boolean }[] }) {
  return (
    <dl class="kv">
      {props.items.map((it, i) => (
        <div class="kv-row" key={i}>
          <dt>{it.label}</dt>
          <dd class={it.mono ? 'mono' : undefined}>{it.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A card whose body folds away under its title (long reference lists on a phone). */
export function CollapsibleCard(props: {
  title: ComponentChildren;
  /** Shown on the right of the title, e.g. "12 项". */
  meta?: ComponentChildren;
  defaultOpen?: boolean;
  children?: ComponentChildren;
}) {
  return (
    <details class="card collapsible" open={props.defaultOpen}>
      <summary class="card-head">
        <span class="card-title">{props.title}</span>
        <span class="collapsible-meta">
          {props.meta}
          <Icon name="chevronDown" size={18} class="collapsible-caret" />
        </span>
      </summary>
      <div class="card-body">{props.children}</div>
    </details>
  );
}
